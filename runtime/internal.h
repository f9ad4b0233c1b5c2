/* runtime/internal.h: what every file inside libftrt includes first.
 *
 * Internal headers #error unless FT_BUILDING (the library) or
 * FT_INTERNAL_TESTS (tests and stress programs linked against the static
 * library) is defined.
 */
#ifndef FT_RUNTIME_INTERNAL_H
#define FT_RUNTIME_INTERNAL_H

#if !defined(FT_BUILDING) && !defined(FT_INTERNAL_TESTS)
#error "runtime/internal.h is internal to libftrt"
#endif

#include <ftrt.h>
#include <string.h>
#include <stdlib.h>

/* ---- Assertions: three tiers (meson option debug_level) ----
 * FT_ASSERT: cheap checks, on from level 1 (the default build).
 * FT_ASSERT_INTERNAL: checks on internal consistency, level 2.
 * FT_ASSERT_EXPENSIVE: whole-structure validation, level 3. */
#define FT_ASSERT_ALWAYS(cond) \
    ((cond) ? (void)0 : ft_fatal("assertion failed: %s", #cond))
#if FT_DEBUG_LEVEL >= 1
#  define FT_ASSERT(cond) FT_ASSERT_ALWAYS(cond)
#else
#  define FT_ASSERT(cond) ((void)0)
#endif
#if FT_DEBUG_LEVEL >= 2
#  define FT_ASSERT_INTERNAL(cond) FT_ASSERT_ALWAYS(cond)
#else
#  define FT_ASSERT_INTERNAL(cond) ((void)0)
#endif
#if FT_DEBUG_LEVEL >= 3
#  define FT_ASSERT_EXPENSIVE(cond) FT_ASSERT_ALWAYS(cond)
#else
#  define FT_ASSERT_EXPENSIVE(cond) ((void)0)
#endif

/* ---- The NULL-argument policy (include/ftrt.h) ----
 * A public function given NULL for a required pointer argument (an object,
 * a type, a C string, an out-pointer it must write) returns its error value
 * with FT_ERR_STATE "NULL object passed to <function>". One predictable
 * branch per argument at the function's entry:
 *     FT_NONNULL(NULL, d, key);      // in FtObject *ft_dict_get_item(d, key)
 * `ret` is the function's error return (empty for a void function). */
void ft__null_arg_error(const char *func);
static inline int ft__any_null(const void *const *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!p[i])
            return 1;
    return 0;
}
#define FT_NONNULL(ret, ...) do {                                           \
        const void *const ft_nn_[] = { __VA_ARGS__ };                       \
        if (FT_UNLIKELY(ft__any_null(ft_nn_, sizeof ft_nn_ / sizeof *ft_nn_))) { \
            ft__null_arg_error(__func__);                                   \
            return ret;                                                     \
        }                                                                   \
    } while (0)

/* Report a broken object invariant with the object's address and type. */
FT_NORETURN void ft__fatal_object(const char *file, int line, const char *func,
                                  FtObject *op, const char *msg);
#define ft_fatal_object(op, msg) ft__fatal_object(__FILE__, __LINE__, __func__, (op), (msg))

/* ---- Named atomic wrappers (orderings documented at each use) ---- */
#define ft_atomic_load_relaxed(p)      atomic_load_explicit((p), memory_order_relaxed)
#define ft_atomic_load_acquire(p)      atomic_load_explicit((p), memory_order_acquire)
#define ft_atomic_store_relaxed(p, v)  atomic_store_explicit((p), (v), memory_order_relaxed)
#define ft_atomic_store_release(p, v)  atomic_store_explicit((p), (v), memory_order_release)
#define ft_atomic_add_relaxed(p, v)    atomic_fetch_add_explicit((p), (v), memory_order_relaxed)
#define ft_atomic_or_relaxed(p, v)     atomic_fetch_or_explicit((p), (v), memory_order_relaxed)
#define ft_atomic_and_relaxed(p, v)    atomic_fetch_and_explicit((p), (v), memory_order_relaxed)
/* Compare-and-swap with no ordering: for counters whose value is all that
 * matters (no other memory is published through them). */
#define ft_atomic_cas_weak_relaxed(p, expected, desired) \
    atomic_compare_exchange_weak_explicit((p), (expected), (desired), \
                                          memory_order_relaxed, memory_order_relaxed)
/* Atomic access to plain (non-_Atomic) fields that lock-free readers share
 * with writers, e.g. ob_size or an item slot: GCC/clang __atomic builtins,
 * which ThreadSanitizer understands. */
#define FT_LOAD_RELAXED(x)      __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define FT_LOAD_ACQUIRE(x)      __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define FT_STORE_RELAXED(x, v)  __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define FT_STORE_RELEASE(x, v)  __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)
#define FT_LOAD_PTR_RELAXED(x)  __atomic_load_n(&(x), __ATOMIC_RELAXED)

/* An owner-only counter that other threads may read (stats): a relaxed load
 * and store, which is a plain increment on x86 but not a data race. */
#define ft_counter_add(p, v) \
    ft_atomic_store_relaxed((p), ft_atomic_load_relaxed(p) + (v))

/* ThreadSanitizer annotations for synchronisation it cannot see (mimalloc is
 * not instrumented; see docs/object-model.md "ThreadSanitizer"). */
#if FT_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#  define FT_TSAN_ACQUIRE(p) __tsan_acquire((void *)(p))
#  define FT_TSAN_RELEASE(p) __tsan_release((void *)(p))
#else
#  define FT_TSAN_ACQUIRE(p) ((void)0)
#  define FT_TSAN_RELEASE(p) ((void)0)
#endif

/* AddressSanitizer sees inside our heaps (docs/object-model.md "Sanitizers"):
 * a block is poisoned while it is free (in mimalloc or on one of our free
 * lists) and unpoisoned when it is handed out, so a use after free of an
 * ftrt object or raw block is reported ("use-after-poison"). mimalloc is not
 * instrumented, so its own accesses to free blocks are not checked; ours
 * are. Nothing in other builds. */
#if FT_ASAN
#  include <sanitizer/asan_interface.h>
/* Blocks over 1 MiB are left alone: mimalloc gives a huge block a segment
 * of its own, right after a small header, and when that segment is reused
 * as an ordinary one, mimalloc zeroes its larger header over the old
 * block's first bytes with libc's memset, which ASan checks (seen:
 * tests/test_recursion's million-deep dict, "use-after-poison WRITE of
 * size 41120" in mimalloc). */
#  define FT_ASAN_POISON_MAX ((size_t)1 << 20)
#  define FT_ASAN_POISON(p, n)   ft__asan_poison_free((const void *)(p), (n))
static inline void ft__asan_poison_free(const void *p, size_t n)
{
    if (n <= FT_ASAN_POISON_MAX)
        __asan_poison_memory_region(p, n);
}
#  define FT_ASAN_UNPOISON(p, n) __asan_unpoison_memory_region((const void *)(p), (n))
#  define FT_ASAN_IS_POISONED(p) __asan_address_is_poisoned((const void *)(p))
#else
#  define FT_ASAN_POISON(p, n)   ((void)0)
#  define FT_ASAN_UNPOISON(p, n) ((void)0)
#  define FT_ASAN_IS_POISONED(p) 0
#endif

#define FT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

uint64_t ft__now_ns(void);

#include "runtime/type.h"

#endif /* FT_RUNTIME_INTERNAL_H */
