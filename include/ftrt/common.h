/* ftrt/common.h: export macro, compiler helpers, basic types.
 *
 * Every public header includes this one first. Nothing here allocates or
 * touches runtime state. */
#ifndef FTRT_COMMON_H
#define FTRT_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <ftrt/config.h>

#if defined(FT_BUILDING) && (defined(__GNUC__) || defined(__clang__))
#  define FT_API __attribute__((visibility("default")))
#elif defined(__GNUC__) || defined(__clang__)
#  define FT_API __attribute__((visibility("default")))
#else
#  define FT_API
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define FT_LIKELY(x)   __builtin_expect(!!(x), 1)
#  define FT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#  define FT_NOINLINE    __attribute__((noinline))
#  define FT_NORETURN    __attribute__((noreturn))
#  define FT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#  define FT_TLS_IE      __attribute__((tls_model("initial-exec")))
#  define FT_WARN_UNUSED __attribute__((warn_unused_result))
#else
#  define FT_LIKELY(x)   (x)
#  define FT_UNLIKELY(x) (x)
#  define FT_NOINLINE
#  define FT_NORETURN
#  define FT_PRINTF(f, a)
#  define FT_TLS_IE
#  define FT_WARN_UNUSED
#endif

/* Build-mode guard. The inline functions of these headers (reference
 * counting, critical sections) differ between the modes ft, gil and atomic,
 * so a program compiled with one mode's headers must not run on another
 * mode's library. Every translation unit that includes ftrt's headers
 * refers to a symbol that only a library of the same mode defines: the
 * mismatch is a link error such as "undefined reference to
 * `ft_abi_mode_gil'", never silently corrupted counts. */
#if FT_MODE_FT
#  define FT_ABI_MODE_SYMBOL ft_abi_mode_ft
#elif FT_MODE_GIL
#  define FT_ABI_MODE_SYMBOL ft_abi_mode_gil
#else
#  define FT_ABI_MODE_SYMBOL ft_abi_mode_atomic
#endif
FT_API extern const char FT_ABI_MODE_SYMBOL;
#if !defined(FT_BUILDING) && (defined(__GNUC__) || defined(__clang__))
static const char *const ft__abi_mode_guard __attribute__((used)) =
    &FT_ABI_MODE_SYMBOL;
#endif

/* Sizes and indices are signed, like Py_ssize_t: negative indices count from
 * the end, and -1 is the error return of functions that return a size. */
typedef ptrdiff_t FtSsize;

#endif /* FTRT_COMMON_H */
