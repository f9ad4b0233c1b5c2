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
 * Lock order: registry lock -> bucket lock. No safepoint and no allocation
 * through ftrt's allocator happens while a bucket lock is held (chunks come
 * from libc malloc, taken outside the lock).
 */
#include "runtime/internal.h"
#include "refcount/refcount.h"
#include "threads/tstate.h"
#include <pthread.h>
#include <sched.h>

#define NBUCKETS 61

typedef struct Bucket {
    pthread_mutex_t mu;          /* protects `head` list and its queues */
    FtThreadState *head;
} Bucket;

static Bucket buckets[NBUCKETS];

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
            pthread_mutex_unlock(&b->mu);
            free(spare);
            FtThreadState *me = ft__tstate();
            if (me)
                ft_counter_add(&me->counters.merges_queued, 1);
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
#if !defined(FT_BROKEN_IMMORTAL_MERGE)
            if (ft_is_immortal(op))
                continue;   /* made immortal after it was queued */
#else
            /* BROKEN ON PURPOSE (break_protocol=immortal_merge): an object
             * made immortal while queued is merged anyway (its count is
             * overwritten). Caught by stress_refcount make_immortal_race
             * (fatal assertion in ft__merge_refcount, or a lost immortal). */
#endif
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

void ft__brc_merge_pending(FtThreadState *ts)
{
    FtMergeChunk *q = take_queue(ts);
    if (q) {
        size_t n = merge_chunks(q, NULL, NULL);
        ft_counter_add(&ts->counters.merges_done, n);
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
#if defined(FT_BROKEN_BRC_DRAIN)
    /* BROKEN ON PURPOSE (break_protocol=brc_drain): the departing owner
     * drops its queue without merging it: the queued references are never
     * subtracted (leaked objects). Caught by stress_refcount owner_exit
     * (live floats/tuples and merges queued != merges done). */
    while (q) {
        FtMergeChunk *next = q->next;
        free(q);
        q = next;
    }
#endif
    size_t n = merge_chunks(q, NULL, NULL);
    ft_counter_add(&ts->counters.merges_done, n);
}
