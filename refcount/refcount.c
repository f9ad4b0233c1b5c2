/* refcount/refcount.c: the out-of-line halves of biased reference counting.
 *
 * Fields (ftrt/object.h): ob_tid (owner thread id, 0 once merged),
 * ob_ref_local (owner-only count, FT_IMMORTAL_LOCAL for immortals),
 * ob_ref_shared ((count << 2) | state, any thread, atomic).
 *
 * States of ob_ref_shared's low bits, and who moves between them:
 *
 *   DEFAULT --(any thread: ft__set_maybe_weakref)--> MAYBE_WEAKREF
 *   DEFAULT/MAYBE_WEAKREF --(non-owner decref at shared count 0)--> QUEUED
 *   any --(owner merges: local hit 0, queue drained, or owner detaching;
 *          or any thread with the world stopped)--> MERGED
 *
 * Invariants:
 *   1. ob_tid == 0 <=> state MERGED (ob_tid and ob_ref_local are stored
 *      before the MERGED state is published, and never after).
 *   2. The shared count goes negative only in state QUEUED or MERGED: a
 *      non-owner decref that would take a DEFAULT/MAYBE_WEAKREF object below
 *      zero instead marks it QUEUED without subtracting, and the queue owns
 *      that reference; the owner subtracts it when it merges (extra = -1).
 *      Such a reference was necessarily counted in ob_ref_local, so the
 *      owner's local count cannot reach zero while the object sits in its
 *      queue.
 *   3. MERGED objects count only on ob_ref_shared; whoever takes it to 0 frees.
 *   4. A freed object is never written by the counting code: every path
 *      that frees decides so on the value it itself stored.
 *
 * Modes gil and atomic keep one count in ob_ref_shared (no shift, no state):
 * gil counts with plain loads and stores under the global lock, atomic with
 * fetch-and-add.
 */
#include "runtime/internal.h"
#include "refcount/refcount.h"
#include "threads/tstate.h"
#include <sched.h>

#define ONE_SHARED ((intptr_t)1 << FT_SHARED_SHIFT)

static inline FtSsize shared_count(intptr_t shared)
{
    return (FtSsize)(shared >> FT_SHARED_SHIFT);   /* arithmetic shift */
}

void ft__refcnt_error(FtObject *op)
{
    ft_fatal_object(op, "negative reference count or decref of a freed object");
}

/* ---- Immortal objects and overflow ---- */

void ft__incref_slow(FtObject *op)
{
    uint32_t local = ft_atomic_load_relaxed(&op->ob_ref_local);
    if (local == FT_IMMORTAL_LOCAL)
        return;
    /* The local count is about to wrap (owner) or we are not the owner:
     * either way the reference goes on the shared count, which is a word and
     * never wraps in practice. The owner path reaches here only at
     * FT_LOCAL_SLOW, so ob_ref_local never reaches FT_IMMORTAL_LOCAL by
     * counting. */
#if FT_MODE_FT
    ft_atomic_add_relaxed(&op->ob_ref_shared, ONE_SHARED);
#else
    ft_atomic_add_relaxed(&op->ob_ref_shared, 1);
#endif
}

int ft_object_make_immortal(FtObject *op)
{
    FT_NONNULL(-1, op);
    if (ft_is_immortal(op))
        return 0;
#if FT_MODE_FT
    uintptr_t tid = ft_atomic_load_relaxed(&op->ob_tid);
    if (tid != ft__tl_tid && tid != 0) {
        ft_error_set(FT_ERR_STATE,
                     "cannot make an object immortal that another thread owns");
        return -1;
    }
    if (tid != 0) {
        ft__merge_refcount(op, 0);
    } else {
        /* ob_tid == 0 may be the owner inside ft__merge_refcount (it stores
         * ob_tid = 0 and ob_ref_local = 0 before its CAS publishes MERGED,
         * and again on every retry), possibly its own make_immortal. Our
         * sentinel stored now could be overwritten by its next
         * ob_ref_local = 0 and we would return 0 for an object that is not
         * immortal (stress_refcount make_immortal_race saw it). Wait for
         * MERGED (acquire): the owner's stores then happen before ours. */
        while ((ft_atomic_load_acquire(&op->ob_ref_shared) & FT_SHARED_FLAG_MASK)
               != FT_REF_MERGED)
            sched_yield();
    }
    /* Merged: ob_tid is 0 and stays 0. Other threads may still be adding to
     * ob_ref_shared; from this store on they see the sentinel and stop, and
     * in-flight updates of ob_ref_shared are harmless because an immortal's
     * shared count is never read. A non-owner that queued the object before
     * seeing the sentinel finds it immortal when the merge runs (skipped). */
    ft_atomic_store_relaxed(&op->ob_ref_local, FT_IMMORTAL_LOCAL);
#else
    ft_atomic_store_relaxed(&op->ob_ref_local, FT_IMMORTAL_LOCAL);
#endif
    return 0;
}

FtSsize ft_refcount(FtObject *op)
{
    FT_NONNULL(-1, op);
    uint32_t local = ft_atomic_load_relaxed(&op->ob_ref_local);
    if (local == FT_IMMORTAL_LOCAL)
        return FT_IMMORTAL_REFCNT;
#if FT_MODE_FT
    return (FtSsize)local
        + shared_count(ft_atomic_load_relaxed(&op->ob_ref_shared));
#else
    return (FtSsize)ft_atomic_load_relaxed(&op->ob_ref_shared);
#endif
}

#if FT_MODE_FT

/* ---- Mode ft: merges ---- */

FtSsize ft__merge_refcount(FtObject *op, FtSsize extra)
{
    FT_ASSERT(!ft_is_immortal(op));
    intptr_t shared = ft_atomic_load_relaxed(&op->ob_ref_shared);
    intptr_t desired;
    FtSsize total;
    /* Read the local count once: the loop below zeroes it, and a retry
     * (another thread changed ob_ref_shared, e.g. a try-incref) must still
     * add what it was. */
    FtSsize local = (FtSsize)ft_atomic_load_relaxed(&op->ob_ref_local);
    do {
        total = shared_count(shared) + local + extra;
        desired = ((intptr_t)total << FT_SHARED_SHIFT) | FT_REF_MERGED;
        /* Invariant 1: the local fields are cleared before MERGED is
         * visible. They are only read by the owner (us) or with the world
         * stopped, so relaxed stores suffice; storing inside the loop is
         * idempotent. */
        ft_atomic_store_relaxed(&op->ob_tid, 0);
        ft_atomic_store_relaxed(&op->ob_ref_local, 0);
        /* acq_rel: acquire so that, if the total is zero and we free, every
         * other thread's last use of the object happened before (they
         * released with their decrement); release so that a thread seeing
         * MERGED sees ob_tid == 0. */
    } while (!atomic_compare_exchange_weak_explicit(&op->ob_ref_shared,
                 &shared, desired, memory_order_acq_rel, memory_order_relaxed));
    return total;
}

/* The owner's local count reached zero (or, debug, was already zero). */
void ft__decref_slow_local(FtObject *op)
{
    uint32_t local = ft_atomic_load_relaxed(&op->ob_ref_local);
    if (FT_UNLIKELY(local != 0))
        ft_fatal_object(op, "decref_slow_local on a live local count");
    /* acquire: pairs with the release in non-owners' decrements, so their
     * uses of the object happen before we free it. */
    intptr_t shared = ft_atomic_load_acquire(&op->ob_ref_shared);
    if (shared == 0) {
        /* DEFAULT with a zero shared count: no other thread holds a
         * reference, and none can take one (try-incref fails on DEFAULT
         * zero), so free without publishing anything. */
        ft__dealloc(op);
        return;
    }
#if FT_DEBUG_LEVEL >= 1
    if ((shared & FT_SHARED_FLAG_MASK) == FT_REF_MERGED)
        ft_fatal_object(op, "negative reference count (owner decref of a merged object)");
#endif
    /* Other threads hold references (or may try-incref): merge, and free
     * only if the merged total is zero. */
    if (ft__merge_refcount(op, 0) == 0)
        ft__dealloc(op);
}

void ft__decref_shared(FtObject *op)
{
    intptr_t shared = ft_atomic_load_relaxed(&op->ob_ref_shared);
    intptr_t desired;
    int queue;
    do {
        intptr_t state = shared & FT_SHARED_FLAG_MASK;
        queue = shared == FT_REF_DEFAULT || shared == FT_REF_MAYBE_WEAKREF;
        if (queue) {
            /* Invariant 2: do not subtract; the queue takes our reference. */
            desired = FT_REF_QUEUED;
        } else {
            desired = shared - ONE_SHARED;
#if FT_DEBUG_LEVEL >= 1
            if (state == FT_REF_MERGED && shared_count(shared) <= 0)
                ft_fatal_object(op, "decref of a freed object or negative reference count");
#endif
        }
        (void)state;
        /* release: our uses of the object happen before whoever frees it
         * (the owner merging, or a thread taking a merged count to zero);
         * acquire: if we take a merged count to zero we free, and must see
         * every other thread's uses. */
    } while (!atomic_compare_exchange_weak_explicit(&op->ob_ref_shared,
                 &shared, desired,
                 memory_order_acq_rel,
                 memory_order_relaxed));

    if (queue) {
        ft__brc_queue_object(op);
    } else if (desired == FT_REF_MERGED) {
        /* Merged and now zero: the last reference was ours. */
        FtThreadState *ts = ft__tstate();
        if (ts)
            ft_counter_add(&ts->counters.shared_frees, 1);
        ft__dealloc(op);
    }
}

int ft__try_incref(FtObject *op)
{
    uint32_t local = ft_atomic_load_relaxed(&op->ob_ref_local);
    if (local == FT_IMMORTAL_LOCAL)
        return 1;
    if (ft_atomic_load_relaxed(&op->ob_tid) == ft__tl_tid) {
        /* We own it: had its count reached zero we would have freed it
         * ourselves, synchronously, and the caller's re-check of the slot
         * will see that the slot changed. */
        if (local == 0 || local >= FT_LOCAL_SLOW)
            return 0;
        ft_atomic_store_relaxed(&op->ob_ref_local, local + 1);
        return 1;
    }
    intptr_t shared = ft_atomic_load_relaxed(&op->ob_ref_shared);
    for (;;) {
        /* DEFAULT with zero count: the owner may free without a CAS, so we
         * must not count. MERGED with zero: already dead. */
        if (shared == FT_REF_DEFAULT || shared == FT_REF_MERGED)
            return 0;
        if ((shared & FT_SHARED_FLAG_MASK) == FT_REF_MERGED
            && shared_count(shared) <= 0)
            return 0;
        /* acquire: pairs with the release of the thread that published the
         * object, so we see it initialised. */
        if (atomic_compare_exchange_weak_explicit(&op->ob_ref_shared, &shared,
                shared + ONE_SHARED, memory_order_acquire, memory_order_relaxed))
            return 1;
    }
}

void ft__set_maybe_weakref(FtObject *op)
{
    if (ft_is_immortal(op))
        return;
    intptr_t shared = ft_atomic_load_relaxed(&op->ob_ref_shared);
    /* Only DEFAULT moves: QUEUED and MERGED already make the owner's last
     * decref go through a compare-and-swap. */
    while ((shared & FT_SHARED_FLAG_MASK) == FT_REF_DEFAULT) {
        if (atomic_compare_exchange_weak_explicit(&op->ob_ref_shared, &shared,
                shared | FT_REF_MAYBE_WEAKREF, memory_order_relaxed,
                memory_order_relaxed))
            return;
    }
}

#else /* modes gil and atomic: one count in ob_ref_shared */

FtSsize ft__merge_refcount(FtObject *op, FtSsize extra)
{
    return (FtSsize)ft_atomic_add_relaxed(&op->ob_ref_shared, extra) + extra;
}

void ft__decref_slow_local(FtObject *op)
{
    intptr_t n = ft_atomic_load_relaxed(&op->ob_ref_shared);
#if FT_MODE_ATOMIC
    /* acquire: pairs with the release decrements of the other holders. */
    atomic_thread_fence(memory_order_acquire);
#endif
    if (FT_UNLIKELY(n < 0))
        ft_fatal_object(op, "negative reference count");
    if (n == 0)
        ft__dealloc(op);
}

void ft__decref_shared(FtObject *op)
{
    ft_decref(op);
}

int ft__try_incref(FtObject *op)
{
    if (ft_is_immortal(op))
        return 1;
#if FT_MODE_GIL
    intptr_t n = ft_atomic_load_relaxed(&op->ob_ref_shared);
    if (n <= 0)
        return 0;
    ft_atomic_store_relaxed(&op->ob_ref_shared, n + 1);
    return 1;
#else
    intptr_t n = ft_atomic_load_relaxed(&op->ob_ref_shared);
    do {
        if (n <= 0)
            return 0;
    } while (!atomic_compare_exchange_weak_explicit(&op->ob_ref_shared, &n,
                 n + 1, memory_order_acquire, memory_order_relaxed));
    return 1;
#endif
}

void ft__set_maybe_weakref(FtObject *op)
{
    (void)op;
}

#endif
