/* runtime/error.c: the per-thread error indicator and fatal errors.
 *
 * The indicator is thread-local (no locking, works on unattached threads).
 * ft_fatal is the single exit for broken invariants: it prints where and
 * what, then aborts; it never returns.
 */
#include "runtime/internal.h"
#include <stdarg.h>
#include <stdio.h>

typedef struct {
    FtErrorKind kind;
    char message[240];
} ErrorIndicator;

static _Thread_local ErrorIndicator tl_error;
static _Atomic(FtOomHandler) oom_handler;

static const char *const kind_names[FT_ERR_KIND_COUNT] = {
    [FT_ERR_NONE] = "NoError",
    [FT_ERR_MEMORY] = "MemoryError",
    [FT_ERR_OVERFLOW] = "OverflowError",
    [FT_ERR_VALUE] = "ValueError",
    [FT_ERR_TYPE] = "TypeError",
    [FT_ERR_INDEX] = "IndexError",
    [FT_ERR_KEY] = "KeyError",
    [FT_ERR_ZERO_DIVISION] = "ZeroDivisionError",
    [FT_ERR_UNICODE] = "UnicodeError",
    [FT_ERR_ATTRIBUTE] = "AttributeError",
    [FT_ERR_RUNTIME] = "RuntimeError",
    [FT_ERR_STATE] = "StateError",
    [FT_ERR_RECURSION] = "RecursionError",
};

const char *ft_error_kind_name(FtErrorKind kind)
{
    if ((unsigned)kind >= FT_ERR_KIND_COUNT)
        return "UnknownError";
    return kind_names[kind];
}

void ft_error_set(FtErrorKind kind, const char *fmt, ...)
{
    tl_error.kind = kind;
    if (!fmt) {
        tl_error.message[0] = '\0';
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tl_error.message, sizeof tl_error.message, fmt, ap);
    va_end(ap);
}

void ft__null_arg_error(const char *func)
{
    ft_error_set(FT_ERR_STATE, "NULL object passed to %s", func);
}

void *ft_error_nomem(void)
{
    FtOomHandler h = atomic_load_explicit(&oom_handler, memory_order_acquire);
    if (h)
        h(0);
    tl_error.kind = FT_ERR_MEMORY;
    snprintf(tl_error.message, sizeof tl_error.message, "out of memory");
    return NULL;
}

void ft_set_oom_handler(FtOomHandler handler)
{
    /* release/acquire: the handler's own setup is visible to the thread that
     * calls it. */
    atomic_store_explicit(&oom_handler, handler, memory_order_release);
}

FtErrorKind ft_error_kind(void) { return tl_error.kind; }
int ft_error_occurred(void) { return tl_error.kind != FT_ERR_NONE; }

const char *ft_error_message(void)
{
    return tl_error.kind == FT_ERR_NONE ? "" : tl_error.message;
}

void ft_error_clear(void)
{
    tl_error.kind = FT_ERR_NONE;
    tl_error.message[0] = '\0';
}

/* Both run around every finalizer and clear the collector calls: with no
 * error set (the usual case) they copy one word, not the message. */
void ft_error_fetch(FtErrorState *saved)
{
    FT_NONNULL(, saved);
    saved->kind = tl_error.kind;
    if (FT_LIKELY(saved->kind == FT_ERR_NONE)) {
        saved->message[0] = '\0';
        return;
    }
    memcpy(saved->message, tl_error.message, sizeof saved->message);
    ft_error_clear();
}

void ft_error_restore(const FtErrorState *saved)
{
    FT_NONNULL(, saved);
    tl_error.kind = saved->kind;
    if (FT_LIKELY(saved->kind == FT_ERR_NONE)) {
        tl_error.message[0] = '\0';
        return;
    }
    memcpy(tl_error.message, saved->message, sizeof tl_error.message);
}

void ft_fatal_at(const char *file, int line, const char *func,
                 const char *fmt, ...)
{
    fprintf(stderr, "ftrt fatal error in %s (%s:%d): ", func ? func : "?",
            file ? file : "?", line);
    va_list ap;
    va_start(ap, fmt);
    if (fmt)
        vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    abort();
}

void ft__fatal_object(const char *file, int line, const char *func,
                      FtObject *op, const char *msg)
{
    /* Read the header defensively: the object may be freed memory. */
    FtType *tp = op ? op->ob_type : NULL;
    ft_fatal_at(file, line, func,
                "%s: object %p (type %s, tid %lu, local %u, shared %ld)",
                msg, (void *)op, tp && tp->tp_name ? tp->tp_name : "?",
                op ? (unsigned long)ft_atomic_load_relaxed(&op->ob_tid) : 0ul,
                op ? ft_atomic_load_relaxed(&op->ob_ref_local) : 0u,
                op ? (long)ft_atomic_load_relaxed(&op->ob_ref_shared) : 0l);
}
