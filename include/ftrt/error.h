/* ftrt/error.h: the per-thread error indicator.
 *
 * A failing call sets the calling thread's indicator (a kind and a message)
 * and returns NULL or -1; it never aborts and never longjmps. The indicator
 * lives in thread-local storage, so it also works on threads that are not
 * attached. Out of memory is an ordinary error (FT_ERR_MEMORY).
 *
 * Fatal invariant breaks (a decref of a freed object, a negative count, a
 * thread exiting while attached) are not errors: they go through ft_fatal(),
 * which prints the place and the object and aborts.
 */
#ifndef FTRT_ERROR_H
#define FTRT_ERROR_H

#include <ftrt/common.h>

typedef enum FtErrorKind {
    FT_ERR_NONE = 0,
    FT_ERR_MEMORY,          /* out of memory (MemoryError) */
    FT_ERR_OVERFLOW,        /* result does not fit (OverflowError) */
    FT_ERR_VALUE,           /* right type, bad value, invalid literal */
    FT_ERR_TYPE,            /* wrong type, unhashable, unsupported operand */
    FT_ERR_INDEX,           /* index out of range */
    FT_ERR_KEY,             /* missing key */
    FT_ERR_ZERO_DIVISION,   /* division or modulo by zero */
    FT_ERR_UNICODE,         /* invalid UTF-8 (message names offset and byte) */
    FT_ERR_ATTRIBUTE,       /* missing attribute */
    FT_ERR_RUNTIME,         /* mutation during iteration, ... */
    FT_ERR_STATE,           /* wrong thread state or misuse of the API */
    FT_ERR_RECURSION,       /* nesting deeper than the recursion limit
                               (RecursionError; see ft_set_recursion_limit) */
    FT_ERR_KIND_COUNT
} FtErrorKind;

/* Set the calling thread's error (replacing any previous one). */
FT_API void ft_error_set(FtErrorKind kind, const char *fmt, ...) FT_PRINTF(2, 3);
/* Set FT_ERR_MEMORY and return NULL, for `return ft_error_nomem();`. */
FT_API void *ft_error_nomem(void);
FT_API FtErrorKind ft_error_kind(void);          /* FT_ERR_NONE if clear */
FT_API const char *ft_error_message(void);       /* "" if clear */
FT_API int ft_error_occurred(void);              /* kind != FT_ERR_NONE */
FT_API void ft_error_clear(void);
FT_API const char *ft_error_kind_name(FtErrorKind kind); /* "MemoryError" ... */

/* Save and restore the indicator around code that may clear it (finalizers,
 * callbacks run during error handling). */
typedef struct FtErrorState {
    FtErrorKind kind;
    char message[240];
} FtErrorState;
FT_API void ft_error_fetch(FtErrorState *saved);   /* saves, then clears */
FT_API void ft_error_restore(const FtErrorState *saved);

/* The recursion limit. Every C path of the library that recurses on the
 * structure of its operands (comparison, hashing, repr and str of nested
 * containers, and so membership tests and dict keys) counts its depth per
 * thread; past the limit, or when less than a safety margin of the thread's
 * C stack is left (whichever comes first, so a small thread stack is safe
 * too), the call fails with FT_ERR_RECURSION and a message like CPython's
 * ("maximum recursion depth exceeded in comparison"). The limit is
 * runtime-wide, read on every deep call; default 1000, as CPython's.
 * ft_set_recursion_limit fails with FT_ERR_VALUE for limit < 1 (returns 0 or
 * -1). Neither needs the calling thread attached. Deallocation never
 * recurses deeply (it is not limited). */
FT_API int ft_set_recursion_limit(int limit);
FT_API int ft_get_recursion_limit(void);

/* Print file, function, line and message to stderr, then abort. */
FT_API FT_NORETURN void ft_fatal_at(const char *file, int line, const char *func,
                                    const char *fmt, ...) FT_PRINTF(4, 5);
#define ft_fatal(...) ft_fatal_at(__FILE__, __LINE__, __func__, __VA_ARGS__)

/* An embedder hook called (once per event) when ftrt reports out of memory,
 * before the error is returned; NULL restores the default (do nothing). */
typedef void (*FtOomHandler)(size_t requested);
FT_API void ft_set_oom_handler(FtOomHandler handler);

#endif /* FTRT_ERROR_H */
