/* threads/tstate.h: the thread state (internal).
 *
 * One FtThreadState per registered pthread, from ft_thread_attach to
 * ft_thread_detach. Field ownership is noted per field; "owner" means the
 * thread the state belongs to.
 */
#ifndef FT_THREADS_TSTATE_H
#define FT_THREADS_TSTATE_H

#include "runtime/internal.h"
#include "alloc/alloc.h"
#include <pthread.h>

typedef struct mi_heap_s mi_heap_t;

enum {
    FT_THREAD_DETACHED = 0,
    FT_THREAD_ATTACHED = 1,
    FT_THREAD_SUSPENDED = 2,
};

/* Re-attach fairness (FtThreadState.admit, threads/stw.c). */
enum {
    FT_ADMIT_NONE = 0,      /* not waiting to attach */
    FT_ADMIT_WAITING = 1,   /* waits for a restart to attach */
    FT_ADMIT_GRANTED = 2,   /* restarted; the next stop waits for it */
};

/* Breaker bits: set by other threads (atomic OR), consumed by the owner at
 * its next safepoint. Any non-zero value sends a poll to the slow path. */
#define FT_BREAK_STOP       0x01u  /* a stop-the-world is waiting for us */
#define FT_BREAK_MERGE      0x02u  /* our merge queue is not empty */
#define FT_BREAK_GC         0x04u  /* a collection is due */
#define FT_BREAK_FAILINJECT 0x08u  /* failure injection armed (owner sets) */
#define FT_BREAK_GIL_DROP   0x10u  /* mode gil: another thread wants the lock */
#define FT_BREAK_QSBR       0x20u  /* report a quiescent state soon */
#define FT_BREAK_TORTURE    0x40u  /* gc torture counting (owner sets) */

/* A chunk of the merge queue: objects pushed by non-owners (refcount/brc.c). */
#define FT_MERGE_CHUNK 126
typedef struct FtMergeChunk {
    struct FtMergeChunk *next;
    size_t n;
    FtObject *items[FT_MERGE_CHUNK];
} FtMergeChunk;

typedef struct FtFreeList {
    FtObject *head;      /* linked through word 0 of each block */
    uint32_t count;
    uint32_t cap;
} FtFreeList;

typedef struct FtThreadCounters {
    /* owner writes with ft_counter_add, anyone reads relaxed */
    _Atomic uint64_t allocated, freed, freelist_hits;
    _Atomic uint64_t merges_queued, merges_done, merges_at_detach, shared_frees;
    _Atomic int64_t raw_bytes;
} FtThreadCounters;

typedef struct FtThreadState {
    uint64_t id;                        /* immutable; never reused */
    _Atomic int state;                  /* FT_THREAD_*; see threads/stw.c */
    _Atomic uint32_t breaker;           /* FT_BREAK_* */
    pthread_t pthread;                  /* immutable */

    /* heaps: this OS thread's mimalloc heaps (owner allocates; the
     * collector visits `gc` with the world stopped) */
    mi_heap_t *heap_gc, *heap_obj, *heap_raw;

    /* merge queue: protected by the BRC bucket lock of `id` */
    FtMergeChunk *merge_queue;
    /* 1 once the thread detached through ft_blocking_begin, 0 again from
     * the start of its leaving (refcount/brc.c). Owner writes (relaxed)
     * before the DETACHED store; read after holding the thread off
     * attaching (alloc/trim.c): DETACHED with 1 = in a blocking region. */
    _Atomic int blocking_idle;

    /* owner only */
    FtFreeList freelists[FT_FL_COUNT];
    long fail_countdown;                /* failure injection; 0 = off */
    int blocking_depth;                 /* ft_blocking_begin nesting */
    uintptr_t critical_section;         /* top of the critical-section stack (threads/critical.c) */
    int attach_waited;                  /* waited to attach since last admit_done (threads/stw.c) */
    uint64_t attach_waits;              /* times it waited for a restart to attach (tests) */

    /* protected by stw_mu (threads/stw.c): FT_ADMIT_*, re-attach fairness */
    int admit;
    int64_t gc_alloc_delta;             /* tracked allocs - frees since last collection (relaxed) */
    uint64_t torture_count;

    /* owner writes, anyone reads (relaxed) */
    FtThreadCounters counters;
    _Atomic uint64_t alloc_attempts;
    _Atomic int64_t live_by_type[FT_MAX_TYPE_INDEX];

    /* protected by the registry lock (threads/tstate.c) */
    struct FtThreadState *next, *prev;
    /* protected by the BRC bucket lock */
    struct FtThreadState *bucket_next;

    /* per-thread data of other subsystems (each says who touches it) */
    void *gc_data;                      /* gc/: world stopped only */
    void *qsbr_data;                    /* threads/qsbr.c: owner only */
} FtThreadState;

/* The calling thread's state, NULL when not attached/registered. */
extern _Thread_local FtThreadState *ft__tl_ts FT_TLS_IE;

static inline FtThreadState *ft__tstate(void) { return ft__tl_ts; }

/* Must be attached: fatal otherwise. */
FtThreadState *ft__tstate_checked(const char *func);

void ft__safepoint_slow(FtThreadState *ts);
static inline void ft__safepoint_poll(FtThreadState *ts)
{
    if (FT_UNLIKELY(ft_atomic_load_relaxed(&ts->breaker)))
        ft__safepoint_slow(ts);
}
static inline void ft__breaker_set(FtThreadState *ts, uint32_t bits)
{
    ft_atomic_or_relaxed(&ts->breaker, bits);
}
static inline void ft__breaker_clear(FtThreadState *ts, uint32_t bits)
{
    ft_atomic_and_relaxed(&ts->breaker, ~bits);
}

/* ---- Registry (threads/tstate.c) ----
 * The registry lock protects the list of thread states. Lock order:
 *   stw_request_lock -> registry lock -> BRC bucket lock -> orphan lock. */
void ft__registry_lock(void);
void ft__registry_unlock(void);
FtThreadState *ft__registry_first(void);   /* registry lock held or world stopped */
#define FT_FOREACH_THREAD(ts) for (FtThreadState *ts = ft__registry_first(); ts; ts = ts->next)

/* ---- Attach/detach internals (threads/stw.c) ---- */
void ft__tstate_attach_existing(FtThreadState *ts);   /* DETACHED -> ATTACHED */
void ft__tstate_detach_existing(FtThreadState *ts);   /* ATTACHED -> DETACHED */
int ft__world_stopped_by_me(void);
/* Hold a DETACHED thread off attaching (CAS DETACHED -> SUSPENDED; 1 on
 * success), and let it go again (refcount/brc.c adoption; threads/stw.c). */
int ft__stw_hold_detached(FtThreadState *ts);
void ft__stw_release_held(FtThreadState *ts);
void ft__blocking_end_quiet(void);   /* ft_blocking_end without the safepoint */

/* Test hook: the next n ft_thread_attach calls fail with FT_ERR_MEMORY as
 * if the thread state could not be allocated (threads/tstate.c). */
void ft__debug_fail_attach_next(long n);

/* Global counters folded in by departed threads (threads/tstate.c). */
void ft__stats_fold(FtThreadState *ts);

/* Hooks other subsystems provide, called by the thread machinery. */
void ft__critical_sections_suspend(FtThreadState *ts);   /* on detach */
void ft__critical_sections_resume(FtThreadState *ts);    /* on attach */
void ft__qsbr_attach(FtThreadState *ts);
void ft__qsbr_detach(FtThreadState *ts);
void ft__qsbr_online(FtThreadState *ts);
void ft__qsbr_offline(FtThreadState *ts);
void ft__qsbr_quiescent(FtThreadState *ts);
void ft__gc_on_safepoint(FtThreadState *ts);            /* FT_BREAK_GC */
void ft__gc_on_detach(FtThreadState *ts);               /* before unregistering */
void ft__qsbr_barrier(void);   /* wait until every delayed free has run */

/* fork (threads/fork.c) and the hooks it calls in the child. */
void ft__stw_fork_child(FtThreadState *me);
void ft__tstate_fork_child(FtThreadState *me);
void ft__parking_lot_fork_child(void);
void ft__brc_fork_child(void);
void ft__qsbr_fork_prepare(void);
void ft__qsbr_fork_parent(void);
void ft__qsbr_fork_child(FtThreadState *me);
void ft__gil_fork_child(FtThreadState *ts);

/* Mode gil (threads/gil.c); no-ops in the other modes. */
int ft__gil_init(void);
void ft__gil_acquire(FtThreadState *ts);
void ft__gil_release(FtThreadState *ts);
void ft__gil_yield(FtThreadState *ts);      /* FT_BREAK_GIL_DROP */

#endif /* FT_THREADS_TSTATE_H */
