/* gc/gc.h: the cycle collector's internal API (gc/collect.c, gc_control.c,
 * gc_introspect.c). The public side is <ftrt/gc.h>; the algorithm, the
 * phases and the borrowed header fields are described in gc/collect.c and
 * docs/gc.md.
 *
 * For type implementers:
 *   - A GC type (FT_TPFLAGS_GC) calls ft__gc_track(op) once the object is
 *     fully built and traversable; only then can the collector and
 *     ft_gc_get_objects see it.
 *   - Its tp_dealloc calls ft__gc_untrack(op) FIRST, before dropping any
 *     reference (a collection may run at any safepoint inside the dealloc,
 *     and must not see a half-cleared object as a candidate).
 *   - tp_traverse must be callable with the world stopped: it reads fields
 *     and calls visit only (no locks, no allocation, no counting). Every
 *     safepoint (any allocation) must leave the object traversable.
 *   - tp_clear drops the references that may form cycles (FT_CLEAR).
 */
#ifndef FT_GC_GC_H
#define FT_GC_GC_H

#include "runtime/internal.h"
#include "alloc/alloc.h"
#include <pthread.h>
#include <stdio.h>

struct FtThreadState;

/* ---- Tracking ---- */

/* Make a fully built object visible to the collector. Any thread holding a
 * reference; idempotent. */
static inline void ft__gc_track(FtObject *op)
{
    FT_ASSERT_INTERNAL(ft__type_is_gc(op->ob_type));
    ft__gc_bits_set(op, FT_GC_TRACKED);
}

/* Hide an object from the collector (start of tp_dealloc, or an object that
 * can no longer be part of a cycle). Idempotent. */
static inline void ft__gc_untrack(FtObject *op)
{
    if (ft__gc_bits(op) & FT_GC_TRACKED)
        ft__gc_bits_clear(op, FT_GC_TRACKED);
}

static inline int ft__gc_is_tracked(FtObject *op)
{
    return (ft__gc_bits(op) & FT_GC_TRACKED) != 0;
}

/* Visit one reference from a tp_traverse: skips NULL slots, returns what
 * visit returned when it is non-zero. */
#define FT_VISIT(child) do {                                   \
        FtObject *ft_visit_tmp_ = (FtObject *)(child);         \
        if (ft_visit_tmp_) {                                   \
            int ft_visit_rc_ = visit(ft_visit_tmp_, arg);      \
            if (ft_visit_rc_)                                  \
                return ft_visit_rc_;                           \
        }                                                      \
    } while (0)

/* ---- Allocation hooks (called by alloc/heap.c) ----
 * ft__gc_alloc_hook: after every successful allocation of an object whose
 * type has FT_TPFLAGS_GC (heap or free list), by the allocating thread.
 * ft__gc_free_hook: in ft__object_free / _fl for such objects, when the
 * freeing thread is attached (ts != NULL).
 * They keep ts->gc_alloc_delta, fold it into the global count in batches,
 * and set FT_BREAK_GC in ts's breaker when a collection is due. */
void ft__gc_alloc_hook(struct FtThreadState *ts);
void ft__gc_free_hook(struct FtThreadState *ts);

/* ---- Shared state (gc/gc_control.c) ---- */

#define FT_GC_MAX_CALLBACKS 16
#define FT_GC_BATCH 64              /* per-thread delta folded every 64 */
#define FT_GC_DEFAULT_THRESHOLD 2000
#define FT_GC_DEFAULT_SCALE 25      /* percent of the live tracked heap */

typedef struct FtGcCallbackEntry {
    FtGcCallback cb;
    void *arg;
} FtGcCallbackEntry;

typedef struct FtGcState {
    /* Serialises collections and the heap-walking introspection; always
     * taken inside a blocking region (a waiter is detached, so it never
     * holds up a stop-the-world). Held across a whole collection. */
    pthread_mutex_t collect_mu;

    /* Relaxed atomics, any thread. */
    _Atomic int enabled;
    _Atomic int64_t count;          /* net tracked allocations since the last collection */
    _Atomic int64_t threshold;
    _Atomic int scale;
    _Atomic int64_t live_after;     /* candidates that survived the last collection */
    _Atomic int debug;
    _Atomic int collecting;         /* 1 while collect_mu is held */
    /* 1 from a collection's first stop to its end (the collecting thread
     * writes, relaxed; heap walks read it with the world stopped: between
     * the phases garbage carries UNREACHABLE and queue deaths a zero
     * count, states only the collector may see). */
    _Atomic int cycle;

    /* Protected by `mu` (never held across a safepoint). */
    pthread_mutex_t mu;
    FILE *debug_stream;
    FtGcCallbackEntry callbacks[FT_GC_MAX_CALLBACKS];
    int ncallbacks;
    FtGcStats stats;
    FtObject *garbage;              /* list, created on first use */
} FtGcState;

extern FtGcState ft__gc;

/* The collector. reason: FT_GC_REASON_*. Returns the number collected, or
 * -1 with the error set (every object restored). Caller holds collect_mu,
 * attached, not inside another collection. */
enum { FT_GC_REASON_MANUAL = 0, FT_GC_REASON_AUTO = 1 };
FtSsize ft__gc_collect_locked(int reason, FtGcInfo *info);

/* World stopped by the caller: 1 if it was stopped in the middle of
 * another thread's collection (ft_heap_visit then refuses to walk). */
static inline int ft__gc_cycle_in_flight(void)
{
    return ft_atomic_load_relaxed(&ft__gc.cycle) != 0;
}

/* Lock collect_mu from an attached thread (blocking region while waiting);
 * ft__gc_trylock returns 0 on success, -1 if busy. Both fail (-1) when the
 * calling thread is already inside a collection. */
int ft__gc_lock(void);
int ft__gc_trylock(void);
void ft__gc_unlock(void);
/* 1 while the calling thread runs a collection (finalizers, callbacks). */
int ft__gc_in_collection(void);

/* gc_control.c: after a collection. */
void ft__gc_record(const FtGcInfo *info);
void ft__gc_callbacks_invoke(int phase, const FtGcInfo *info);
void ft__gc_debug_print(const char *fmt, ...) FT_PRINTF(1, 2);
/* Append op to the garbage list (SAVEALL); 0 or -1 (error cleared). */
int ft__gc_save_garbage(FtObject *op);

/* Tests: start every collection with tiny scratch arrays, so that the
 * growth paths (and their failures) run. */
extern int ft__gc_small_arrays;

/* Subsystem init/fini (runtime/init.c). */
int ft__gc_init(void);
void ft__gc_fini(void);

#endif /* FT_GC_GC_H */
