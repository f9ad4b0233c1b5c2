/* refcount/refcount.h: reference-counting internals (see refcount/brc.c for
 * the protocol). */
#ifndef FT_REFCOUNT_REFCOUNT_H
#define FT_REFCOUNT_REFCOUNT_H

#include "runtime/internal.h"

struct FtThreadState;

static inline int ft__is_owned_by_me(FtObject *op)
{
    return ft_atomic_load_relaxed(&op->ob_tid) == ft__tl_tid;
}

/* Initialise the count fields of a new object owned by thread `tid`. */
static inline void ft__refcount_init(FtObject *op, uintptr_t tid)
{
#if FT_MODE_FT
    ft_atomic_store_relaxed(&op->ob_tid, tid);
    ft_atomic_store_relaxed(&op->ob_ref_local, 1);
    ft_atomic_store_relaxed(&op->ob_ref_shared, 0);
#else
    ft_atomic_store_relaxed(&op->ob_tid, tid);
    ft_atomic_store_relaxed(&op->ob_ref_local, 0);
    ft_atomic_store_relaxed(&op->ob_ref_shared, 1);
#endif
}

/* Try to take a new reference to an object that another thread may be
 * freeing at this moment. Succeeds (returns 1) only if the object's count
 * was not yet zero. The caller must guarantee the memory stays readable
 * while this runs: the object was read from a slot of a container whose
 * storage and whose items' memory are reclaimed through QSBR
 * (threads/lock.h), and the caller re-checks the slot after success.
 * In mode ft, a non-owner succeeds only if the object's shared state is not
 * DEFAULT-with-zero (see ft__set_maybe_weakref); otherwise it returns 0 and
 * the caller falls back to its locked path. */
int ft__try_incref(FtObject *op);

/* Mark an object so that non-owners can try-incref it: its shared state
 * leaves DEFAULT for MAYBE_WEAKREF, and the owner's last decref then
 * decides by compare-and-swap. Idempotent; any thread. */
void ft__set_maybe_weakref(FtObject *op);

/* Merge an object's local count into its shared count and mark it MERGED
 * (ob_tid = 0). `extra` is added to the total. Returns the total count.
 * Caller: the owner, or any thread with the world stopped. */
FtSsize ft__merge_refcount(FtObject *op, FtSsize extra);

/* BRC queue (refcount/brc.c). */
void ft__brc_queue_object(FtObject *op);           /* non-owner */
void ft__brc_merge_pending(struct FtThreadState *ts); /* owner, at a safepoint */
/* World stopped: merge every thread's queue; objects whose count reaches
 * zero are passed to `dead` (which must not free them while the world is
 * stopped if it is walking heaps) or deallocated when dead is NULL. */
void ft__brc_merge_all_world_stopped(void (*dead)(FtObject *op, void *arg), void *arg);
/* World stopped: the number of objects waiting in all queues (an upper
 * bound on the deaths ft__brc_merge_all_world_stopped reports). Reads each
 * queue under its bucket lock: a thread that is attaching while the world
 * is stopped may be registering its queue. */
size_t ft__brc_queued_world_stopped(void);
int ft__brc_register(struct FtThreadState *ts);
/* ft_blocking_begin's detach: merge our queue, detach, and re-check it
 * (refcount/brc.c, "Owners idle"). */
void ft__brc_blocking_detach(struct FtThreadState *ts);
extern int ft__brc_adopt_off;   /* tests: no adoption of idle owners' queues */
/* Threads adopting idle owners' queues right now (tests: brc.c "Bound"). */
int ft__brc_adoptions_in_flight(void);
/* Drain and close ts's queue (ts detaching, already merged its objects). */
void ft__brc_unregister(struct FtThreadState *ts);
int ft__brc_init(void);
void ft__brc_fini(void);

#endif /* FT_REFCOUNT_REFCOUNT_H */
