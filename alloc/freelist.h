/* alloc/freelist.h: the inline allocation fast path (internal).
 *
 * The hottest constructors (float, one-digit int) pop a block from the
 * calling thread's free list and initialise its header with four stores,
 * all inline; ft__object_alloc_fl / ft__object_free_fl (alloc/freelist.c)
 * are the same code out of line, for the other kinds. Which blocks may go on
 * a list is decided in one place, ft__fl_may_keep: see alloc/freelist.c's
 * head for why.
 *
 * Per op, the alloc fast path is: the thread-state load, the list head and
 * its link, the breaker (safepoint) check, the header, three counters
 * (allocated, freelist_hits, live_by_type); the free fast path: the owner,
 * SHARED/ORPHAN and cap checks, two counters, the link.
 */
#ifndef FT_ALLOC_FREELIST_H
#define FT_ALLOC_FREELIST_H

#include "runtime/internal.h"
#include "alloc/alloc.h"
#include "threads/tstate.h"
#include "gc/gc.h"
#include <stddef.h>
#if FT_ASAN
#  include <mimalloc.h>
#endif

/* Header word 1 (bytes 8..15): ob_flags (u16), ob_mutex, ob_gc_bits (u8),
 * ob_ref_local (u32), written as one 8-byte store. */
_Static_assert(offsetof(FtObject, ob_flags) == 8
               && offsetof(FtObject, ob_mutex) == 10
               && offsetof(FtObject, ob_gc_bits) == 11
               && offsetof(FtObject, ob_ref_local) == 12
               && offsetof(FtObject, ob_ref_shared) == 16
               && offsetof(FtObject, ob_type) == 24,
               "FtObject header layout (alloc/freelist.h packs word 1)");

/* The header of a fresh block, owned by ts with one reference, ALIVE, not
 * tracked: the values of ft__refcount_init (refcount/refcount.h) plus
 * flags 0, unlocked, type. Plain and relaxed stores: the block is not
 * published yet; whoever receives the object gets it through a release
 * (a store into a container under a lock, a queue, a thread start). No
 * other thread touches a block between its free and its reuse: a block is
 * reused only after mi_free (TSan: FT_TSAN_ACQUIRE) or from this thread's
 * own free list. */
static inline void ft__header_init(FtThreadState *ts, FtObject *op, FtType *tp)
{
    ft_atomic_store_relaxed(&op->ob_tid, (uintptr_t)ts->id);
#if (defined(__x86_64__) || defined(__aarch64__)) && defined(__BYTE_ORDER__) \
    && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && !FT_TSAN
    /* One aligned 8-byte store. A heap walk of another thread may load
     * ob_gc_bits of a block being reused (a detaching thread walks its
     * heap while pages move, stress_alloc thread_churn): on x86-64 and
     * AArch64 the store is single-copy atomic, so the walk reads the old
     * or the new byte, as with byte stores; TSan builds, which would call
     * the mixed sizes a race, take the per-field atomic stores below. */
    uint64_t w1 = ((uint64_t)FT_GC_ALIVE << 24)
                | ((uint64_t)(FT_MODE_FT ? 1u : 0u) << 32);
    memcpy((char *)op + offsetof(FtObject, ob_flags), &w1, sizeof w1);
#else
    op->ob_flags = 0;
    ft_atomic_store_relaxed(&op->ob_mutex, 0);
    ft_atomic_store_relaxed(&op->ob_gc_bits, FT_GC_ALIVE);
    ft_atomic_store_relaxed(&op->ob_ref_local, FT_MODE_FT ? 1u : 0u);
#endif
    ft_atomic_store_relaxed(&op->ob_ref_shared, FT_MODE_FT ? 0 : 1);
    op->ob_type = tp;
}

/* Accounting of one allocation (gc: tp is an FT_TPFLAGS_GC type). */
static inline void ft__alloc_account(FtThreadState *ts, FtType *tp, int gc)
{
    ft_counter_add(&ts->counters.allocated, 1);
    ft_counter_add(&ts->live_by_type[tp->tp_index], 1);
    if (gc)
        ft__gc_alloc_hook(ts);      /* the collector's trigger (gc/gc.h) */
}

/* `kind`'s block from ts's list, or NULL (empty, or the breaker is set:
 * the heap path polls the safepoint and injects failures). */
static inline FtObject *ft__fl_pop(FtThreadState *ts, FtType *tp, size_t size,
                                   int kind, int gc)
{
    FtFreeList *fl = &ts->freelists[kind];
    FtObject *op = fl->head;
    if (FT_UNLIKELY(!op) || FT_UNLIKELY(ft_atomic_load_relaxed(&ts->breaker)))
        return NULL;
    FT_ASAN_UNPOISON(op, size);
    fl->head = *(FtObject **)op;
    fl->count--;
    ft__header_init(ts, op, tp);
    ft__alloc_account(ts, tp, gc);
    ft_counter_add(&ts->counters.freelist_hits, 1);
    return op;
}

/* May op's block go on ts's list `fl`? Only the block of an object ts owns
 * (ob_tid == ts->id: it came from ts's heaps in this attach epoch), that no
 * lock-free reader can still see (not SHARED), that is not in the orphan
 * registry, and while the list has room. */
static inline int ft__fl_may_keep(FtThreadState *ts, FtObject *op, FtFreeList *fl)
{
    return !(ft__gc_bits(op) & (FT_GC_SHARED | FT_GC_ORPHAN))
        && ft_atomic_load_relaxed(&op->ob_tid) == (uintptr_t)ts->id
        && fl->count < fl->cap;
}

/* Put a dead object's block on the list (ft__fl_may_keep said yes). */
static inline void ft__fl_push(FtThreadState *ts, FtObject *op, FtFreeList *fl, int gc)
{
    ft_counter_add(&ts->counters.freed, 1);
    ft_counter_add(&ts->live_by_type[op->ob_type->tp_index], -1);
    if (gc)
        ft__gc_free_hook(ts);       /* the collector's trigger (gc/gc.h) */
    ft_atomic_store_relaxed(&op->ob_gc_bits, 0);
    *(FtObject **)op = fl->head;      /* word 0: ob_tid no longer matters */
    fl->head = op;
    fl->count++;
    FT_ASAN_POISON(op, mi_usable_size(op));
}

/* Inline twins of ft__object_alloc_fl / ft__object_free_fl for a kind whose
 * GC-ness is known at compile time. */
static inline FtObject *ft__object_alloc_fl_inline(FtType *tp, size_t size,
                                                   int kind, int gc)
{
    FtThreadState *ts = ft__tl_ts;
    FtObject *op;
    if (FT_LIKELY(ts != NULL) && (op = ft__fl_pop(ts, tp, size, kind, gc)) != NULL)
        return op;
    return ft__object_alloc(tp, size);   /* polls, injects failures */
}

static inline void ft__object_free_fl_inline(FtObject *op, int kind, int gc)
{
    FtThreadState *ts = ft__tl_ts;
    if (FT_LIKELY(ts != NULL)) {
        FtFreeList *fl = &ts->freelists[kind];
        if (FT_LIKELY(ft__fl_may_keep(ts, op, fl))) {
            ft__fl_push(ts, op, fl, gc);
            return;
        }
    }
    ft__object_free(op);
}

#endif /* FT_ALLOC_FREELIST_H */
