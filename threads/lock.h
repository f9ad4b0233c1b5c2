/* threads/lock.h: per-object mutexes, critical sections, QSBR-delayed frees
 * (internal). Implemented in threads/mutex.c, threads/critical.c and
 * threads/qsbr.c; see docs/concurrency.md.
 *
 * Per-object mutex: the ob_mutex byte. Fast path one compare-and-swap
 * (0 -> LOCKED); contended threads spin briefly, then park (detached, so a
 * stop-the-world never waits for a parked thread).
 *
 * Critical sections lock one object, or two in address order. They form a
 * per-thread stack (FtThreadState.critical_section). When the thread
 * detaches (blocking region, parking on another lock) every critical section
 * on its stack is suspended (its mutex released) and resumed when it
 * re-attaches; code inside one must re-validate what it cached after any
 * call that can block or allocate (allocation polls a safepoint, and a
 * safepoint may park).
 *
 * Mode gil: all of this compiles to nothing; the GIL serialises.
 */
#ifndef FT_THREADS_LOCK_H
#define FT_THREADS_LOCK_H

#include "runtime/internal.h"
#include <ftrt/critical.h>

#define FT_MUTEX_LOCKED 0x1
#define FT_MUTEX_HAS_PARKED 0x2

void ft__mutex_lock_slow(FtObject *op);
void ft__mutex_unlock_slow(FtObject *op);

static inline void ft__mutex_lock(FtObject *op)
{
#if FT_MODE_GIL
    (void)op;
#else
    uint8_t expected = 0;
    /* acquire: pairs with the release in ft__mutex_unlock, so what the
     * previous holder wrote under the lock is visible to us. */
    if (!atomic_compare_exchange_strong_explicit(&op->ob_mutex, &expected,
            FT_MUTEX_LOCKED, memory_order_acquire, memory_order_relaxed))
        ft__mutex_lock_slow(op);
#endif
}

static inline void ft__mutex_unlock(FtObject *op)
{
#if FT_MODE_GIL
    (void)op;
#else
    uint8_t expected = FT_MUTEX_LOCKED;
    /* release: publishes our writes to the next holder. */
    if (!atomic_compare_exchange_strong_explicit(&op->ob_mutex, &expected, 0,
            memory_order_release, memory_order_relaxed))
        ft__mutex_unlock_slow(op);
#endif
}

static inline int ft__mutex_is_locked(FtObject *op)
{
#if FT_MODE_GIL
    (void)op;
    return 1;
#else
    return (ft_atomic_load_relaxed(&op->ob_mutex) & FT_MUTEX_LOCKED) != 0;
#endif
}

/* ---- Critical sections ----
 * The public API (ftrt/critical.h: FtCriticalSection, the FT_BEGIN/END
 * macros), implemented in threads/critical.c. */
/* 1 if the calling thread holds op's lock through an active critical
 * section (for assertions; always 1 in mode gil). */
int ft__cs_held(FtObject *op);

/* ---- QSBR: memory that lock-free readers may still be reading ----
 * Freed only after every attached thread has passed a quiescent state
 * (a safepoint) or detached. Raw blocks from ft_mem_alloc. */
void ft__free_delayed(void *p);
/* Objects with FT_GC_SHARED are freed through this by ft__object_free. */
void ft__object_free_delayed(FtObject *op);
/* Run what has become safe to free (also done at safepoints): hands the
 * calling thread's partial batch over to the reclamation thread. */
void ft__qsbr_reclaim(void);
/* Wait until everything deferred so far (by any thread) has been freed.
 * Goes offline while waiting; other attached threads must keep reaching
 * safepoints. Used by tests and teardown (the last thread to detach does
 * it too). */
void ft__qsbr_barrier(void);
/* Bytes deferred and not yet freed (batches in flight plus the calling
 * thread's partial batch); approximate while other threads run. */
size_t ft__qsbr_pending_bytes(void);
/* Test hook: the next n batch-record allocations fail (synchronous
 * fallback path). */
void ft__qsbr_fail_batch_alloc(int n);
/* Wait until every delayed free handed over so far has run (callers
 * offline / detached). Used at ft_runtime_fini and by tests. Declared also
 * in threads/tstate.h. */
void ft__qsbr_barrier(void);

/* A container first touched by a non-owner: from now on its old storage is
 * freed through QSBR (sets FT_GC_SHARED). Cheap when already set. */
static inline void ft__object_mark_shared(FtObject *op)
{
    if (!(ft_atomic_load_relaxed(&op->ob_gc_bits) & 0x40 /* FT_GC_SHARED */))
        ft_atomic_or_relaxed(&op->ob_gc_bits, 0x40);
}
static inline int ft__object_is_shared(FtObject *op)
{
    return (ft_atomic_load_relaxed(&op->ob_gc_bits) & 0x40) != 0;
}

#endif /* FT_THREADS_LOCK_H */
