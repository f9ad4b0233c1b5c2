/* refcount/brc.c: biased reference counting's merge queues (mode ft).
 *
 * When a non-owner's decref would take an object's shared count below zero
 * (refcount/refcount.c, invariant 2), the object is marked QUEUED and handed
 * to its owner through the owner's merge queue; the queue holds the dropped
 * reference. The owner is notified through FT_BREAK_MERGE in its breaker and
 * merges at its next safepoint: for each queued object, merge the local
 * count into the shared one minus the queue's reference, and free it if the
 * total is zero. Merged objects count only on the shared field from then on.
 *
 * Where the queues live: thread states are hashed by id into buckets; each
 * bucket has a mutex protecting its list of thread states and their
 * merge_queue fields. Ids are never reused, so a lookup by ob_tid finds the
 * owner or nothing.
 *
 * The owner leaving (ft_thread_detach, threads/tstate.c), in this order:
 *   1. merges every object it owns (alloc/heap.c walks its heaps): after
 *      this no object carries its id;
 *   2. removes itself from its bucket (bucket lock) and takes its queue;
 *   3. merges the queue (extra -1 each; the objects are already MERGED, so
 *      this only subtracts).
 * A pusher that finds no owner (after 2) knows the object was merged in 1
 * (it reads the MERGED state after taking the bucket lock, which the owner
 * released after 1): it drops its reference as a merged decref. A pusher
 * that reads ob_tid == 0 caught the owner between storing ob_tid and
 * publishing MERGED (a short loop with no safepoint): it waits for MERGED,
 * then does the same. Two threads never merge the same object concurrently:
 * only the owner merges, or any thread with the world stopped.
 *
 * The collector (world stopped) merges every queue: an object whose count
 * reached zero while waiting in a queue is freed by the next collection
 * even if its owner never reaches a safepoint.
 *
 * Owners idle in a blocking region (adoption). An owner that sits in
 * ft_blocking_begin (epoll_wait, a condition variable) reaches no safepoint,
 * so objects queued to it would wait for it. They are freed without it:
 *   1. The pusher (a non-owner whose decref queued the object) reads the
 *      owner's state under the bucket lock right after the push. If it is
 *      not ATTACHED, the pusher marks adoption due for itself (a
 *      thread-local flag plus FT_BREAK_MERGE in its own breaker), so its
 *      next safepoint runs adopt_idle (batched: one walk per safepoint,
 *      not a lock per decref). It also runs when the pusher enters a
 *      blocking region and when it detaches (ft__brc_unregister).
 *   2. adopt_idle walks the buckets. For each owner with a non-empty queue
 *      whose state is DETACHED it holds the owner off attaching by CASing
 *      DETACHED -> SUSPENDED (ft__stw_hold_detached, threads/stw.c), under
 *      the bucket lock, takes the queue, and merges it on the owner's
 *      behalf: a held owner touches no object and cannot attach, so the
 *      merge is as safe as with the world stopped ("only the owner, or a
 *      thread that has stopped the owner"; a held owner cannot leave
 *      either, since leaving requires attaching). Objects whose count
 *      reaches zero are kept (compacted into the queue's own chunks), the
 *      owner is released (ft__stw_release_held: back to DETACHED, or to
 *      SUSPENDED and counted if a stop-the-world scanned it meanwhile,
 *      and woken if it tried to attach), and only then deallocated: a
 *      dealloc may reach a safepoint, which must not happen while we hold
 *      a thread a stopper may be waiting for. Deallocs that queue more
 *      objects to idle owners set the flag again; adopt_idle loops until
 *      it stays clear, so a nested structure is freed in one call. An
 *      owner found SUSPENDED is waited for while it is held by another
 *      adopter or an ft_memory_trim (short: they reach no safepoint while
 *      holding); if it was suspended by a stop-the-world (our own
 *      FT_BREAK_STOP is set), we give up and retry at our next safepoint,
 *      and a collection merges its queue meanwhile.
 *   3. The owner entering a blocking region (ft__brc_blocking_detach),
 *      unless it holds critical sections (then it is waiting for an object
 *      lock, briefly, and must not run deallocations there: what raced
 *      its detach waits for its next safepoint or a collection),
 *      merges its own queue while still attached, detaches, then checks
 *      its queue again under the bucket lock: a push that read the state
 *      before our DETACHED store saw ATTACHED and will not adopt, and
 *      such a push is exactly one that took the bucket lock before our
 *      check (the check and the push's state read are both under the
 *      bucket lock, and the DETACHED store precedes the check). If
 *      anything is queued, the owner re-attaches, merges and detaches
 *      again (a loop that ends when no push races it).
 * Bound: an object released by a non-owner while its owner is in a
 * blocking region (or enters one) is freed by the releasing thread's next
 * safepoint (any allocation, ft_safepoint), its next ft_blocking_begin, or
 * its ft_thread_detach, whichever comes first; or earlier by the owner or
 * a collection. Two refinements: if another thread adopted that owner's
 * queue first, that thread frees the object, in its own safepoint that is
 * then in progress (it reaches no wait; ft__brc_adoptions_in_flight() is
 * non-zero until it is done); and if a stop-the-world is in progress at the
 * releaser's safepoint, a collection merges the queue (freed before that
 * ft_gc_collect returns) or, for another kind of stop, the releaser's
 * following safepoint frees it. Not covered: a release by a thread that is not attached
 * (it has no safepoint; the object waits for the owner or a collection).
 *
 * Lock order: registry lock -> bucket lock. No safepoint and no allocation
 * through ftrt's allocator happens while a bucket lock is held (chunks come
 * from libc malloc, taken outside the lock).
 */
#include "runtime/internal.h"
#include "refcount/refcount.h"
#include "threads/tstate.h"
#include "alloc/alloc.h"
#include <pthread.h>
#include <sched.h>

#define NBUCKETS 61

typedef struct Bucket {
    pthread_mutex_t mu;          /* protects `head` list and its queues */
    FtThreadState *head;
} Bucket;

static Bucket buckets[NBUCKETS];

/* Adoption due on this thread (step 1 above); owner-only. */
static _Thread_local int tl_adopt_due;
/* Tests: 1 turns adoption off (the queue-death paths of the collector are
 * then observable with an idle owner). */
int ft__brc_adopt_off;
/* Threads inside adopt_idle (relaxed; tests wait for 0, see "Bound"). */
static _Atomic int adopting;

int ft__brc_adoptions_in_flight(void)
{
    return ft_atomic_load_relaxed(&adopting);
}

static Bucket *bucket_of(uint64_t tid)
{
    return &buckets[tid % NBUCKETS];
}

static FtThreadState *find_locked(Bucket *b, uint64_t tid)
{
    for (FtThreadState *ts = b->head; ts; ts = ts->bucket_next)
        if (ts->id == tid)
            return ts;
    return NULL;
}

int ft__brc_init(void)
{
    for (int i = 0; i < NBUCKETS; i++) {
        pthread_mutex_init(&buckets[i].mu, NULL);
        buckets[i].head = NULL;
    }
    return 0;
}

/* In the child of a fork (threads/fork.c): a bucket lock may have been held
 * by a thread that does not exist here; the lists themselves are intact
 * (the world was stopped, and only attached threads touch them). */
void ft__brc_fork_child(void)
{
    for (int i = 0; i < NBUCKETS; i++)
        pthread_mutex_init(&buckets[i].mu, NULL);
}

void ft__brc_fini(void)
{
    for (int i = 0; i < NBUCKETS; i++)
        pthread_mutex_destroy(&buckets[i].mu);
}

int ft__brc_register(FtThreadState *ts)
{
    Bucket *b = bucket_of(ts->id);
    pthread_mutex_lock(&b->mu);
    ts->bucket_next = b->head;
    ts->merge_queue = NULL;
    b->head = ts;
    pthread_mutex_unlock(&b->mu);
    return 0;
}

/* Push under the bucket lock; returns 0, or -1 if a new chunk is needed
 * (then *need_chunk is set and nothing was pushed). */
static int push_locked(FtThreadState *ts, FtObject *op, FtMergeChunk **spare)
{
    FtMergeChunk *c = ts->merge_queue;
    if (!c || c->n == FT_MERGE_CHUNK) {
        if (!*spare)
            return -1;
        (*spare)->next = c;
        (*spare)->n = 0;
        ts->merge_queue = c = *spare;
        *spare = NULL;
    }
    c->items[c->n++] = op;
    return 0;
}

/* The object is merged (or its owner is publishing MERGED right now): drop
 * the queue's reference as a merged decref. */
static void drop_merged(FtObject *op)
{
    while ((ft_atomic_load_acquire(&op->ob_ref_shared) & FT_SHARED_FLAG_MASK)
           != FT_REF_MERGED)
        sched_yield();   /* owner is inside ft__merge_refcount's CAS loop */
    ft__decref_shared(op);
}

static FT_NOINLINE void queue_oom(FtObject *op)
{
    /* No memory for a queue chunk. Stop the world: the owner is then
     * parked, and merging on its behalf is safe (only the owner or a
     * world-stopping thread may merge). */
    ft_world_stop();
    FtSsize total = ft_is_immortal(op) ? 1 : ft__merge_refcount(op, -1);
    ft_world_start();
    if (total == 0)
        ft__dealloc(op);
}

void ft__brc_queue_object(FtObject *op)
{
    uint64_t tid = ft_atomic_load_relaxed(&op->ob_tid);
    if (tid == 0) {
        drop_merged(op);
        return;
    }
    Bucket *b = bucket_of(tid);
    FtMergeChunk *spare = NULL;
    for (;;) {
        pthread_mutex_lock(&b->mu);
        FtThreadState *owner = find_locked(b, tid);
        if (!owner) {
            pthread_mutex_unlock(&b->mu);
            free(spare);
            drop_merged(op);   /* owner left: step 1 merged the object */
            return;
        }
        if (push_locked(owner, op, &spare) == 0) {
            /* The owner clears the bit under the same lock when it takes
             * the queue, so a set bit always means items are waiting. */
            ft__breaker_set(owner, FT_BREAK_MERGE);
            /* Under the bucket lock: see "Owners idle", steps 1 and 3. */
            int idle = ft_atomic_load_relaxed(&owner->state) != FT_THREAD_ATTACHED;
            pthread_mutex_unlock(&b->mu);
            free(spare);
            FtThreadState *me = ft__tstate();
            if (me) {
                ft_counter_add(&me->counters.merges_queued, 1);
                if (idle && !ft__brc_adopt_off) {
                    tl_adopt_due = 1;
                    ft__breaker_set(me, FT_BREAK_MERGE);
                }
            }
            return;
        }
        pthread_mutex_unlock(&b->mu);
        spare = malloc(sizeof *spare);   /* outside the lock */
        if (!spare) {
            queue_oom(op);
            return;
        }
    }
}

/* Take ts's whole queue (the caller then owns the chunks). */
static FtMergeChunk *take_queue(FtThreadState *ts)
{
    Bucket *b = bucket_of(ts->id);
    pthread_mutex_lock(&b->mu);
    FtMergeChunk *q = ts->merge_queue;
    ts->merge_queue = NULL;
    ft__breaker_clear(ts, FT_BREAK_MERGE);
    pthread_mutex_unlock(&b->mu);
    return q;
}

/* Merge each queued object (extra -1: the queue's reference). Objects that
 * reach zero go to dead(), or are deallocated when dead is NULL. */
static size_t merge_chunks(FtMergeChunk *q, void (*dead)(FtObject *, void *),
                           void *arg)
{
    size_t n = 0;
    while (q) {
        for (size_t i = 0; i < q->n; i++) {
            FtObject *op = q->items[i];
            n++;
            if (ft_is_immortal(op))
                continue;   /* made immortal after it was queued */
            if (ft__merge_refcount(op, -1) == 0) {
                if (dead)
                    dead(op, arg);
                else
                    ft__dealloc(op);
            }
        }
        FtMergeChunk *next = q->next;
        free(q);
        q = next;
    }
    return n;
}

static void adopt_idle(FtThreadState *me);

void ft__brc_merge_pending(FtThreadState *ts)
{
    ft__heaps_trim_due(ts);     /* ft_memory_trim asks through FT_BREAK_MERGE */
    FtMergeChunk *q = take_queue(ts);
    if (q) {
        size_t n = merge_chunks(q, NULL, NULL);
        ft_counter_add(&ts->counters.merges_done, n);
    }
    if (tl_adopt_due)
        adopt_idle(ts);
}

/* ---- Adoption: idle owners' queues (see "Owners idle" above) ---- */

/* Merge a held owner's chunks; the objects that died are compacted to the
 * front of each chunk (n = their number). Returns the number merged. */
static size_t merge_chunks_keep_dead(FtMergeChunk *q)
{
    size_t n = 0;
    for (FtMergeChunk *c = q; c; c = c->next) {
        size_t k = 0;
        for (size_t i = 0; i < c->n; i++) {
            FtObject *op = c->items[i];
            n++;
            if (ft_is_immortal(op))
                continue;
            if (ft__merge_refcount(op, -1) == 0)
                c->items[k++] = op;
        }
        c->n = k;
    }
    return n;
}

static void free_dead_chunks(FtMergeChunk *q)
{
    while (q) {
        for (size_t i = 0; i < q->n; i++)
            ft__dealloc(q->items[i]);
        FtMergeChunk *next = q->next;
        free(q);
        q = next;
    }
}

/* One idle owner of bucket b with a queue, held and its queue taken; NULL
 * if none. *busy is set to an owner with a queue that is SUSPENDED: held
 * by another adopter or an ft_memory_trim (short, no safepoint inside), or
 * by a stopper's scan. */
static FtThreadState *hold_one_locked(Bucket *b, FtThreadState *me,
                                      FtMergeChunk **qp, uint64_t *busy)
{
    for (FtThreadState *o = b->head; o; o = o->bucket_next) {
        if (o == me || !o->merge_queue)
            continue;
        int st = ft_atomic_load_relaxed(&o->state);
        if (st == FT_THREAD_ATTACHED)
            continue;           /* it merges at its next safepoint */
        if (st != FT_THREAD_DETACHED || !ft__stw_hold_detached(o)) {
            *busy = o->id;
            continue;
        }
        *qp = o->merge_queue;
        o->merge_queue = NULL;
        ft__breaker_clear(o, FT_BREAK_MERGE);
        return o;
    }
    return NULL;
}

/* Wait for a busy owner of bucket b to be released. 1: try again; 0: a
 * stop-the-world is waiting for us (our FT_BREAK_STOP), so the owner is
 * the stopper's: give up and retry at our next safepoint (a collection
 * merges it meanwhile). We hold nothing while we wait. */
static int wait_busy(Bucket *b, FtThreadState *me, uint64_t id)
{
    for (;;) {
        if (ft_atomic_load_relaxed(&me->breaker) & FT_BREAK_STOP)
            return 0;
        pthread_mutex_lock(&b->mu);
        FtThreadState *o = find_locked(b, id);
        int st = o ? ft_atomic_load_relaxed(&o->state) : FT_THREAD_DETACHED;
        pthread_mutex_unlock(&b->mu);
        if (st != FT_THREAD_SUSPENDED)
            return 1;
        sched_yield();
    }
}

static void adopt_idle(FtThreadState *me)
{
    int retry = 0;
    ft_atomic_add_relaxed(&adopting, 1);
    while (tl_adopt_due) {
        tl_adopt_due = 0;
        for (int i = 0; i < NBUCKETS; i++) {
            Bucket *b = &buckets[i];
            for (;;) {
                FtMergeChunk *q = NULL;
                uint64_t busy = 0;
                pthread_mutex_lock(&b->mu);
                FtThreadState *o = hold_one_locked(b, me, &q, &busy);
                pthread_mutex_unlock(&b->mu);
                if (!o) {
                    if (busy && wait_busy(b, me, busy))
                        continue;
                    retry |= busy != 0;
                    break;
                }
                size_t n = merge_chunks_keep_dead(q);
                ft__stw_release_held(o);
                /* merges_done is o's owner-written counter: count on ours. */
                ft_counter_add(&me->counters.merges_done, n);
                free_dead_chunks(q);    /* may set tl_adopt_due again */
            }
        }
    }
    ft_atomic_add_relaxed(&adopting, -1);
    if (retry) {
        tl_adopt_due = 1;
        ft__breaker_set(me, FT_BREAK_MERGE);
    }
}

/* Step 3 of "Owners idle": ft_blocking_begin's detach. */
void ft__brc_blocking_detach(FtThreadState *ts)
{
    /* Not while the thread holds or is acquiring critical sections (it
     * parks here waiting for an object lock, threads/mutex.c, possibly
     * already queued as a waiter): deallocations must not run there. Such
     * waits are short; what raced them is merged at the next safepoint. */
    int merge = ts->critical_section == 0;
    for (;;) {
        ft_atomic_store_relaxed(&ts->blocking_idle, 1);
        if (!merge) {
            ft__tstate_detach_existing(ts);
            return;
        }
        if ((ft_atomic_load_relaxed(&ts->breaker) & FT_BREAK_MERGE)
            && !ft__world_stopped_by_me())
            ft__brc_merge_pending(ts);
        ft__tstate_detach_existing(ts);
#if FT_MODE_FT
        Bucket *b = bucket_of(ts->id);
        pthread_mutex_lock(&b->mu);
        int pending = ts->merge_queue != NULL;
        pthread_mutex_unlock(&b->mu);
        if (!pending || ft__world_stopped_by_me())
            return;
        ft__tstate_attach_existing(ts);     /* a push raced our detach */
#else
        return;
#endif
    }
}

void ft__brc_merge_all_world_stopped(void (*dead)(FtObject *, void *),
                                     void *arg)
{
    FT_ASSERT(ft_world_is_stopped());
    /* No safepoints here: merging on behalf of stopped owners is safe
     * because none of them is running ("only the owner, or any thread with
     * the world stopped"). */
    FT_FOREACH_THREAD(ts) {
        FtMergeChunk *q = take_queue(ts);
        if (q) {
            size_t n = merge_chunks(q, dead, arg);
            ft_counter_add(&ts->counters.merges_done, n);
        }
    }
}

size_t ft__brc_queued_world_stopped(void)
{
    size_t n = 0;
    FT_FOREACH_THREAD(ts) {
        Bucket *b = bucket_of(ts->id);
        pthread_mutex_lock(&b->mu);
        for (FtMergeChunk *c = ts->merge_queue; c; c = c->next)
            n += c->n;
        pthread_mutex_unlock(&b->mu);
    }
    return n;
}

void ft__brc_unregister(FtThreadState *ts)
{
    if (tl_adopt_due)
        adopt_idle(ts);     /* before leaving: the bound of "Owners idle" */
    tl_adopt_due = 0;
    ft_atomic_store_relaxed(&ts->blocking_idle, 0);   /* leaving: tstate.h */
    Bucket *b = bucket_of(ts->id);
    pthread_mutex_lock(&b->mu);
    FtThreadState **pp = &b->head;
    while (*pp && *pp != ts)
        pp = &(*pp)->bucket_next;
    FT_ASSERT(*pp == ts);
    *pp = ts->bucket_next;
    FtMergeChunk *q = ts->merge_queue;
    ts->merge_queue = NULL;
    ft__breaker_clear(ts, FT_BREAK_MERGE);
    pthread_mutex_unlock(&b->mu);
    /* Step 3: every object here was merged in step 1. */
    size_t n = merge_chunks(q, NULL, NULL);
    ft_counter_add(&ts->counters.merges_done, n);
}
