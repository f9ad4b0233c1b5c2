/* threads/qsbr.c: memory reclamation after a grace period (threads/lock.h),
 * on top of liburcu's QSBR flavour (liburcu-qsbr 0.13).
 *
 * Lock-free readers (list item reads, dict lookups, try-incref of an item)
 * may still be reading memory that a writer has just unpublished: an old
 * item array, an old key table, the header of a freed object. Such memory is
 * handed to ft__free_delayed / ft__object_free_delayed and really freed only
 * after every thread that was reading has passed a QUIESCENT STATE: a point
 * where it holds no pointer obtained by a lock-free read.
 *
 * Quiescent states in ftrt (the thread machinery calls our hooks):
 *   - every ft_safepoint() and every safepoint poll that takes the slow
 *     path (ft__qsbr_quiescent);
 *   - the whole time a thread is detached (ft__qsbr_offline at detach,
 *     ft__qsbr_online at attach; a detached thread touches no object);
 *   - before an attached thread registers and after it unregisters
 *     (ft__qsbr_attach / ft__qsbr_detach).
 * A lock-free read therefore must not contain a safepoint (no allocation,
 * no blocking) between loading a pointer and being done with it.
 *
 * Proof sketch, in the style of ck_epoch.c:
 *   1. A writer unpublishes block B (stores the new pointer with release,
 *      under the object's lock), THEN calls ft__free_delayed(B).
 *   2. B goes into the writer's batch; full batches (and partial ones at
 *      flush/detach) go to urcu_qsbr_call_rcu. The callback runs on
 *      liburcu's call_rcu thread after a grace period that STARTED after
 *      the call_rcu (liburcu's guarantee).
 *   3. A reader that can still see B loaded the pointer before step 1's
 *      store became visible to it, i.e. before its next quiescent state.
 *      The grace period waits for that quiescent state (or for the reader
 *      to go offline), so when the callback frees B no reader holds it.
 *   4. A reader that loads the pointer after its quiescent state sees the
 *      new pointer (the grace period's barriers order the unpublish before
 *      the reader's later loads), never B.
 *
 * Progress: a grace period needs every online thread to report. A thread
 * that never reaches ft_safepoint() would report only when its breaker
 * sends a poll to the slow path, so while any batch is waiting
 * (`pending_batches` > 0) every registered thread keeps FT_BREAK_QSBR set:
 * it is set on all other threads when a batch is handed over, and
 * ft__qsbr_quiescent re-arms it on itself while batches are pending
 * (otherwise a thread could report once, before the call_rcu thread started
 * the grace period, and then never again).
 *
 * The callback runs on liburcu's call_rcu thread, which is NOT attached to
 * ftrt: it only calls mi_free (cross-thread frees are fine in mimalloc),
 * touches no ftrt counters, and never reads the objects (their tp_dealloc
 * already ran; ALIVE was cleared by ft__object_free). Counters are settled
 * at defer time: raw bytes leave the caller's raw_bytes counter when
 * deferred (as ft_mem_free would), objects were counted freed by
 * ft__object_free.
 *
 * Out of memory: a batch record comes from libc malloc (not ft_mem_alloc: it
 * is freed by the call_rcu thread, and must not consume the failure
 * injection countdown of the tests; not mi_malloc, see batch_new). If it cannot be allocated, the block
 * is freed synchronously: the thread goes offline, runs
 * urcu_qsbr_synchronize_rcu() (waiting for all other threads), and frees.
 * Slow but correct; never an error. Caveat: it waits with the thread's
 * critical sections still held, like any spin on a lock held by another
 * attached thread; other threads still report at their safepoints.
 *
 * ThreadSanitizer: liburcu is not instrumented, so the happens-before edge
 * "reader passed a quiescent state -> block freed" is invisible to TSan.
 * Readers FT_TSAN_RELEASE(&qsbr_sync) at every quiescent report, offline
 * and unregistration; writers release it when handing a batch over (which
 * also publishes the batch's contents); the callback FT_TSAN_ACQUIRE's it
 * before freeing (docs/object-model.md, "ThreadSanitizer").
 *
 * Mode gil: a lock-free read cannot overlap a free (the global lock changes
 * hands only at safepoints), so delayed frees free at once.
 *
 * ---- Locks in this file ----
 * qlist_lock (pthread mutex): protects the list of registered threads
 *   (QsbrThread.next/prev/ts). Leaf lock: only atomic breaker ORs are done
 *   under it. Taken at attach/detach and when a batch is handed over.
 */
#include "runtime/internal.h"
#include "threads/lock.h"
#include "threads/tstate.h"

#include <mimalloc.h>
#include <urcu/urcu-qsbr.h>
#include <urcu/static/urcu-qsbr.h>   /* struct urcu_qsbr_reader (fork child) */
#include <urcu/list.h>
#include <pthread.h>
#include <stdio.h>

/* Defined in alloc/heap.c: FT_TSAN_RELEASE(op) + mi_free (the allocator
 * side of the TSan story for object blocks). */
void ft__object_release_block(FtObject *op);

/* Pointers per batch: the record is 2 KiB. */
#define BATCH_CAP 252
/* A partial batch holding at least this many bytes is handed over at the
 * next quiescent report rather than waiting to fill up. */
#define FLUSH_BYTES ((size_t)1 << 20)

typedef struct Batch {
    struct rcu_head head;       /* liburcu's link (call_rcu thread after handover) */
    size_t n;                   /* owner only until handed over */
    size_t bytes;               /* usable bytes of the entries */
    uintptr_t items[BATCH_CAP]; /* block address | OBJECT */
} Batch;
#define OBJECT_TAG ((uintptr_t)1)   /* blocks are at least 8-byte aligned */

typedef struct QsbrThread {
    struct QsbrThread *next, *prev; /* qlist_lock */
    FtThreadState *ts;              /* qlist_lock; set while registered */
    Batch *batch;                   /* owner only */
    int online;                     /* owner only: 1 between online/offline */
    struct urcu_qsbr_reader *reader; /* liburcu's record in our TLS (set at attach) */
} QsbrThread;

static _Thread_local QsbrThread tl_qsbr;

static pthread_mutex_t qlist_lock = PTHREAD_MUTEX_INITIALIZER;
static QsbrThread *qlist_head;          /* qlist_lock */
static _Atomic size_t qlist_count;      /* written under qlist_lock */

/* Batches handed to call_rcu whose callback has not finished. */
static _Atomic long pending_batches;
static _Atomic size_t pending_bytes;
/* Test hook: fail the next n batch-record allocations. */
static _Atomic int fail_batches;
#if FT_TSAN
/* The one address the TSan annotations synchronise on (see file head). */
static char qsbr_sync;
#endif

/* ---- Freeing (call_rcu thread, or a thread after synchronize_rcu) ---- */

static void free_item(uintptr_t item)
{
    void *p = (void *)(item & ~OBJECT_TAG);
    if (item & OBJECT_TAG) {
        ft__object_release_block((FtObject *)p);
    } else {
        FT_TSAN_RELEASE(p);   /* the next owner of this address acquires */
        FT_ASAN_POISON(p, mi_usable_size(p));   /* as ft_mem_free */
        mi_free(p);
    }
}

static void batch_free_cb(struct rcu_head *head)
{
    Batch *b = caa_container_of(head, Batch, head);
    /* Pairs with the releases of every quiescent report and of the handover
     * (invisible to TSan through liburcu). */
    FT_TSAN_ACQUIRE(&qsbr_sync);
    for (size_t i = 0; i < b->n; i++)
        free_item(b->items[i]);
    atomic_fetch_sub_explicit(&pending_bytes, b->bytes, memory_order_relaxed);
    /* Relaxed: pending_batches only steers the FT_BREAK_QSBR heuristic. */
    atomic_fetch_sub_explicit(&pending_batches, 1, memory_order_relaxed);
    free(b);
}

/* ---- Nudging other threads towards a quiescent state ---- */

static void nudge_others(void)
{
    FtThreadState *self = ft__tstate();
    pthread_mutex_lock(&qlist_lock);
    for (QsbrThread *q = qlist_head; q; q = q->next)
        if (q->ts != self)
            ft__breaker_set(q->ts, FT_BREAK_QSBR);
    pthread_mutex_unlock(&qlist_lock);
}

/* ---- Handing batches over ---- */

/* Give the calling thread's batch to call_rcu. The caller is registered
 * (call_rcu needs a registered, online QSBR thread: we go online for the
 * call if we are not). */
static void hand_over(QsbrThread *q)
{
    Batch *b = q->batch;
    if (!b || b->n == 0)
        return;
    q->batch = NULL;
    atomic_fetch_add_explicit(&pending_batches, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&pending_bytes, b->bytes, memory_order_relaxed);
    /* Publishes the batch's contents and our unpublishing stores to the
     * callback (liburcu's queue is invisible to TSan). */
    FT_TSAN_RELEASE(&qsbr_sync);
    int was_online = q->online;
    if (!was_online)
        urcu_qsbr_thread_online();
    urcu_qsbr_call_rcu(&b->head, batch_free_cb);
    if (!was_online)
        urcu_qsbr_thread_offline();
    nudge_others();
}

/* Free one item after a full grace period, without a batch record. */
static void free_after_grace_period(uintptr_t item)
{
    QsbrThread *q = &tl_qsbr;
    int was_online = q->ts && q->online;
    atomic_fetch_add_explicit(&pending_batches, 1, memory_order_relaxed);
    nudge_others();
    if (was_online) {
        FT_TSAN_RELEASE(&qsbr_sync);
        urcu_qsbr_thread_offline();
    }
    urcu_qsbr_synchronize_rcu();
    if (was_online)
        urcu_qsbr_thread_online();
    atomic_fetch_sub_explicit(&pending_batches, 1, memory_order_relaxed);
    FT_TSAN_ACQUIRE(&qsbr_sync);
    free_item(item);
}

static Batch *batch_new(void)
{
    int f = atomic_load_explicit(&fail_batches, memory_order_relaxed);
    while (f > 0) {
        if (atomic_compare_exchange_weak_explicit(&fail_batches, &f, f - 1,
                memory_order_relaxed, memory_order_relaxed))
            return NULL;
    }
    /* libc malloc, not mimalloc: the record is freed on the call_rcu
     * thread, and TSan sees a libc free -> malloc hand-over, but not
     * mimalloc's. With mi_malloc (annotations keyed by block address) a
     * record's page reused for blocks of another size class showed up as a
     * race between batch_free_cb's reads of b->n and the new block's
     * initialisation (stress_alloc thread_churn, stress_refcount). */
    Batch *b = malloc(sizeof(Batch));
    if (b) {
        b->n = 0;
        b->bytes = 0;
    }
    return b;
}

static void defer(uintptr_t item, size_t bytes)
{
    QsbrThread *q = &tl_qsbr;
    if (!q->ts) {
        /* Not registered (a thread outside the runtime, or teardown):
         * no batch to put it in. */
        free_after_grace_period(item);
        return;
    }
    if (!q->batch && !(q->batch = batch_new())) {
        free_after_grace_period(item);
        return;
    }
    Batch *b = q->batch;
    b->items[b->n++] = item;
    b->bytes += bytes;
    if (b->n == BATCH_CAP)
        hand_over(q);
}

void ft__free_delayed(void *p)
{
    if (!p)
        return;
    FtThreadState *ts = ft__tstate();
    size_t bytes = mi_usable_size(p);
    /* Settle the raw-bytes counter now, as ft_mem_free would: the block is
     * no longer ours (the call_rcu thread has no counters). */
    if (ts)
        ft_counter_add(&ts->counters.raw_bytes, -(int64_t)bytes);
    if (FT_MODE_GIL || ft__world_stopped_by_me()) {
        /* No lock-free reader can be between two safepoints right now. */
        free_item((uintptr_t)p);
        return;
    }
    defer((uintptr_t)p, bytes);
}

void ft__object_free_delayed(FtObject *op)
{
    if (FT_MODE_GIL || ft__world_stopped_by_me()) {
        ft__object_release_block(op);
        return;
    }
    defer((uintptr_t)op | OBJECT_TAG, mi_usable_size(op));
}

void ft__qsbr_reclaim(void)
{
    if (tl_qsbr.ts)
        hand_over(&tl_qsbr);
}

/* ---- Hooks called by the thread machinery (threads/tstate.h) ---- */

static void wait_for_callbacks(QsbrThread *q);

void ft__qsbr_attach(FtThreadState *ts)
{
    QsbrThread *q = &tl_qsbr;
    FT_ASSERT(q->ts == NULL);
    urcu_qsbr_register_thread();   /* registers online */
    q->reader = &URCU_TLS(urcu_qsbr_reader);
    q->online = 1;
    q->batch = NULL;
    pthread_mutex_lock(&qlist_lock);
    q->ts = ts;
    q->prev = NULL;
    q->next = qlist_head;
    if (qlist_head)
        qlist_head->prev = q;
    qlist_head = q;
    ft_atomic_store_relaxed(&qlist_count, ft_atomic_load_relaxed(&qlist_count) + 1);
    pthread_mutex_unlock(&qlist_lock);
    ts->qsbr_data = q;
}

void ft__qsbr_detach(FtThreadState *ts)
{
    QsbrThread *q = &tl_qsbr;
    if (q->ts != ts)
        return;
    hand_over(q);
    pthread_mutex_lock(&qlist_lock);
    if (q->prev)
        q->prev->next = q->next;
    else
        qlist_head = q->next;
    if (q->next)
        q->next->prev = q->prev;
    q->ts = NULL;
    size_t left = ft_atomic_load_relaxed(&qlist_count) - 1;
    ft_atomic_store_relaxed(&qlist_count, left);
    pthread_mutex_unlock(&qlist_lock);
    ts->qsbr_data = NULL;
    /* The last thread out waits for every pending callback, so that the
     * runtime's teardown finds nothing still waiting to be freed. With no
     * other thread online the grace periods are immediate. */
    if (left == 0)
        wait_for_callbacks(q);
    FT_TSAN_RELEASE(&qsbr_sync);   /* unregistering is a quiescent state */
    urcu_qsbr_unregister_thread();
    q->online = 0;
}

/* ---- fork (threads/fork.c) ----
 * Before: pause liburcu's call_rcu thread (it must not be inside a grace
 * period when we fork). In the child: only the forking thread is left; the
 * other threads' records leave the list (their partial batches are
 * leaked: no thread could free them safely while it read them, and they
 * are small), the list lock is re-initialised, and liburcu recreates its
 * call_rcu thread on demand. The other threads' liburcu records must leave
 * liburcu's registry too: they live in the dead threads' TLS, which glibc
 * hands to the next threads the child creates (their stacks are reused),
 * and a new thread registering the same record again corrupts the list
 * (found by tests/test_fork: the child's call_rcu thread spun forever in
 * urcu_qsbr_synchronize_rcu). liburcu 0.13 has no call for that, so we
 * unlink them ourselves (struct urcu_qsbr_reader from the static header we
 * compile against; the child is single-threaded, so no lock is needed;
 * they are offline, as detached and suspended threads always are). */
void ft__qsbr_fork_prepare(void)
{
    urcu_qsbr_call_rcu_before_fork();
}

void ft__qsbr_fork_parent(void)
{
    urcu_qsbr_call_rcu_after_fork_parent();
}

void ft__qsbr_fork_child(FtThreadState *me)
{
    for (QsbrThread *d = qlist_head; d; d = d->next) {
        struct urcu_qsbr_reader *r = d->reader;
        if (d == &tl_qsbr || !r || !r->registered)
            continue;
        cds_list_del(&r->node);
        r->registered = 0;
        r->ctr = 0;
    }
    pthread_mutex_init(&qlist_lock, NULL);
    QsbrThread *q = &tl_qsbr;
    size_t n = 0;
    qlist_head = NULL;
    if (q->ts == me) {
        q->next = q->prev = NULL;
        qlist_head = q;
        n = 1;
    }
    ft_atomic_store_relaxed(&qlist_count, n);
    urcu_qsbr_call_rcu_after_fork_child();
}

void ft__qsbr_online(FtThreadState *ts)
{
    QsbrThread *q = &tl_qsbr;
    if (q->ts != ts || q->online)
        return;
    urcu_qsbr_thread_online();
    q->online = 1;
}

void ft__qsbr_offline(FtThreadState *ts)
{
    QsbrThread *q = &tl_qsbr;
    if (q->ts != ts || !q->online)
        return;
    FT_TSAN_RELEASE(&qsbr_sync);   /* offline is an extended quiescent state */
    urcu_qsbr_thread_offline();
    q->online = 0;
}

void ft__qsbr_quiescent(FtThreadState *ts)
{
    QsbrThread *q = &tl_qsbr;
    if (q->ts != ts || !q->online)
        return;
    /* Clear before reporting: a request made after our report stays set. */
    ft__breaker_clear(ts, FT_BREAK_QSBR);
    FT_TSAN_RELEASE(&qsbr_sync);
    urcu_qsbr_quiescent_state();
    if (q->batch && q->batch->bytes >= FLUSH_BYTES)
        hand_over(q);
    /* Keep reporting at every poll while a grace period may be waiting for
     * us (see "Progress" in the file head). */
    if (atomic_load_explicit(&pending_batches, memory_order_relaxed) > 0)
        ft__breaker_set(ts, FT_BREAK_QSBR);
}

/* ---- Teardown and tests ---- */

/* Our own barrier rather than urcu_qsbr_barrier (whose internal work items
 * TSan reports as races, liburcu being uninstrumented): one callback queued
 * behind everything already queued. liburcu runs the callbacks of a
 * call_rcu thread in queue order, and we only ever use the default one
 * (no per-CPU call_rcu threads are created), so when ours has run, every
 * earlier one has too. The record lives on our stack: we wait for it. */
typedef struct Barrier {
    struct rcu_head head;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;                   /* mu */
} Barrier;

static void barrier_cb(struct rcu_head *head)
{
    Barrier *b = caa_container_of(head, Barrier, head);
    FT_TSAN_ACQUIRE(&qsbr_sync);    /* the record, published by call_rcu */
    pthread_mutex_lock(&b->mu);
    b->done = 1;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);   /* our last touch of *b */
}

/* Caller registered with liburcu; online iff q->online (restored). */
static void wait_for_callbacks(QsbrThread *q)
{
    Barrier b;
    pthread_mutex_init(&b.mu, NULL);
    pthread_cond_init(&b.cv, NULL);
    b.done = 0;
    /* The barrier's grace period needs the others to keep reporting. */
    atomic_fetch_add_explicit(&pending_batches, 1, memory_order_relaxed);
    nudge_others();
    int was_online = q->online;
    if (!was_online)
        urcu_qsbr_thread_online();      /* call_rcu needs an online caller */
    FT_TSAN_RELEASE(&qsbr_sync);        /* publishes the record (liburcu's queue is invisible to TSan) */
    urcu_qsbr_call_rcu(&b.head, barrier_cb);
    FT_TSAN_RELEASE(&qsbr_sync);        /* offline is a quiescent state */
    urcu_qsbr_thread_offline();
    pthread_mutex_lock(&b.mu);
    while (!b.done)
        pthread_cond_wait(&b.cv, &b.mu);
    pthread_mutex_unlock(&b.mu);
    if (was_online)
        urcu_qsbr_thread_online();
    atomic_fetch_sub_explicit(&pending_batches, 1, memory_order_relaxed);
    pthread_cond_destroy(&b.cv);
    pthread_mutex_destroy(&b.mu);
}

void ft__qsbr_barrier(void)
{
    QsbrThread *q = &tl_qsbr;
    if (q->ts) {
        hand_over(q);
        wait_for_callbacks(q);
        return;
    }
    /* Not registered (teardown after the last detach): register for the
     * duration, offline while waiting. */
    urcu_qsbr_register_thread();
    q->online = 1;
    wait_for_callbacks(q);
    FT_TSAN_RELEASE(&qsbr_sync);
    urcu_qsbr_unregister_thread();
    q->online = 0;
}

size_t ft__qsbr_pending_bytes(void)
{
    size_t n = atomic_load_explicit(&pending_bytes, memory_order_relaxed);
    if (tl_qsbr.batch)
        n += tl_qsbr.batch->bytes;
    return n;
}

void ft__qsbr_fail_batch_alloc(int n)
{
    atomic_store_explicit(&fail_batches, n, memory_order_relaxed);
}
