/* threads/mutex.c: the slow paths of the per-object mutex (threads/lock.h)
 * and the parking lot behind them.
 *
 * The lock is the object's ob_mutex byte:
 *
 *   bit 0  FT_MUTEX_LOCKED      someone holds the lock
 *   bit 1  FT_MUTEX_HAS_PARKED  some thread may be parked on this object
 *
 * Fast paths (lock.h): lock is one CAS 0 -> LOCKED (acquire), unlock one CAS
 * LOCKED -> 0 (release). Anything else comes here.
 *
 * Lock slow path: spin a little (yielding the CPU) while nobody is parked,
 * then set HAS_PARKED and park. A parked thread is DETACHED
 * (ft_blocking_begin), so a stop-the-world never waits for it and its own
 * critical sections are suspended while it sleeps (threads/critical.c);
 * this is also what keeps a thread that re-locks an object held by one of
 * its own suspended-able sections from deadlocking with itself.
 *
 * Unlock slow path (HAS_PARKED set): wake the first thread parked on the
 * object. Normally the lock is released and the woken thread competes for
 * it again (throughput: a running thread may barge in). Fairness: once the
 * first waiter has waited longer than FAIR_AFTER_NS (1 ms, as CPython's
 * PyMutex), the lock is handed to it directly: the byte stays LOCKED and the
 * waiter returns owning it.
 *
 * ---- Locks in this file ----
 * bucket->lock (pthread mutex, one per parking-lot bucket): protects the
 *   bucket's waiter queue and every field of a queued waiter. It is a leaf
 *   lock: nothing else is acquired while it is held (pthread_cond_signal
 *   aside). It is never held across ft_blocking_begin/end, because those
 *   suspend and resume critical sections, which lock and unlock other
 *   objects (and so other buckets).
 *
 * ---- Why no wakeup is lost ----
 * A waiter re-reads the lock byte under the bucket lock before queueing and
 * queues only if it still equals LOCKED|HAS_PARKED. The unlocker clears
 * HAS_PARKED (or hands off) only while holding the same bucket lock, after
 * looking at the queue. So either the unlocker saw the waiter queued (and
 * wakes it), or the waiter sees the changed byte and retries.
 *
 * Who may call: any thread, attached or not; a thread that is attached and
 * not already inside a blocking region detaches while parked.
 */
#include "runtime/internal.h"
#include "threads/lock.h"
#include "threads/tstate.h"

#include <pthread.h>
#include <sched.h>

/* Spins (each a sched_yield) before parking; like CPython's MAX_SPIN_COUNT. */
#define MAX_SPINS 40
/* After a waiter has waited this long, unlock hands the lock over to it. */
#define FAIR_AFTER_NS (1000u * 1000u)
#define NBUCKETS 251   /* prime: object addresses are 16-byte aligned */

typedef struct Waiter {
    struct Waiter *next;       /* bucket queue (bucket lock) */
    FtObject *obj;             /* what it waits for (immutable while queued) */
    uint64_t fair_at_ns;       /* hand off after this time (immutable) */
    pthread_cond_t cond;       /* signalled once, when woken is set */
    int woken;                 /* set by the unlocker (bucket lock) */
    int handed_off;            /* set by the unlocker (bucket lock) */
} Waiter;

typedef struct Bucket {
    pthread_mutex_t lock;      /* see the file head */
    Waiter *head, *tail;       /* FIFO of waiters on any object of this bucket */
} __attribute__((aligned(64))) Bucket;

static Bucket buckets[NBUCKETS];
static pthread_once_t buckets_once = PTHREAD_ONCE_INIT;

static void buckets_init(void)
{
    for (size_t i = 0; i < NBUCKETS; i++) {
        pthread_mutex_init(&buckets[i].lock, NULL);
        buckets[i].head = buckets[i].tail = NULL;
    }
}

static Bucket *bucket_of(FtObject *op)
{
    pthread_once(&buckets_once, buckets_init);
    return &buckets[((uintptr_t)op >> 4) % NBUCKETS];
}

/* In the child of a fork (threads/fork.c): every parked thread is gone.
 * Empty every queue and re-initialise the bucket locks (a parked thread
 * may have held one). An object byte may still say HAS_PARKED: its next
 * unlock finds no waiter and clears it. */
void ft__parking_lot_fork_child(void)
{
    pthread_once(&buckets_once, buckets_init);
    for (size_t i = 0; i < NBUCKETS; i++) {
        pthread_mutex_init(&buckets[i].lock, NULL);
        buckets[i].head = buckets[i].tail = NULL;
    }
}

/* ---- The queue (bucket lock held) ---- */

static void enqueue_locked(Bucket *b, Waiter *w)
{
    w->next = NULL;
    if (b->tail)
        b->tail->next = w;
    else
        b->head = w;
    b->tail = w;
}

/* Remove the first waiter for op; *more tells whether another one remains. */
static Waiter *dequeue_locked(Bucket *b, FtObject *op, int *more)
{
    Waiter *prev = NULL, *w = b->head;
    while (w && w->obj != op) {
        prev = w;
        w = w->next;
    }
    *more = 0;
    if (!w)
        return NULL;
    if (prev)
        prev->next = w->next;
    else
        b->head = w->next;
    if (b->tail == w)
        b->tail = prev;
    for (Waiter *r = w->next; r; r = r->next)
        if (r->obj == op) {
            *more = 1;
            break;
        }
    return w;
}

/* ---- Parking ---- */

/* Sleep until an unlocker wakes us, unless the lock byte no longer equals
 * `expected` by the time we hold the bucket lock. Returns 1 if the lock was
 * handed to us (we own it now), 0 if we must compete for it again. */
static int park(FtObject *op, uint8_t expected, uint64_t fair_at_ns)
{
    Bucket *b = bucket_of(op);
    Waiter w;
    w.obj = op;
    w.fair_at_ns = fair_at_ns;
    w.woken = 0;
    w.handed_off = 0;

    pthread_mutex_lock(&b->lock);
    /* Relaxed is enough: the bucket lock orders this read with the
     * unlocker's store (see "Why no wakeup is lost"). */
    if (ft_atomic_load_relaxed(&op->ob_mutex) != expected) {
        pthread_mutex_unlock(&b->lock);
        return 0;
    }
    pthread_cond_init(&w.cond, NULL);
    enqueue_locked(b, &w);
    pthread_mutex_unlock(&b->lock);

    /* Detach while asleep: the stop-the-world does not wait for us, and our
     * critical sections are released (which may wake another thread, or
     * even ourselves if we are waiting for an object one of them held). */
    FtThreadState *ts = ft__tstate();
    if (ts)
        ft_blocking_begin();

    pthread_mutex_lock(&b->lock);
    while (!w.woken)
        pthread_cond_wait(&w.cond, &b->lock);
    int handed_off = w.handed_off;
    pthread_mutex_unlock(&b->lock);
    pthread_cond_destroy(&w.cond);

    if (ts)
        ft_blocking_end();   /* may wait for a stopped world to restart */
    return handed_off;
}

void ft__mutex_lock_slow(FtObject *op)
{
    uint64_t fair_at_ns = 0;
    int spins = 0;
    uint8_t v = ft_atomic_load_relaxed(&op->ob_mutex);
    for (;;) {
        if (!(v & FT_MUTEX_LOCKED)) {
            /* acquire: pairs with the release of the unlock (fast path CAS
             * or the store in unpark), so the previous holder's writes are
             * visible to us. Keeps HAS_PARKED if set. */
            if (atomic_compare_exchange_weak_explicit(&op->ob_mutex, &v,
                    (uint8_t)(v | FT_MUTEX_LOCKED),
                    memory_order_acquire, memory_order_relaxed))
                return;
            continue;
        }
        if (!(v & FT_MUTEX_HAS_PARKED) && spins < MAX_SPINS) {
            sched_yield();
            spins++;
            v = ft_atomic_load_relaxed(&op->ob_mutex);
            continue;
        }
        if (!(v & FT_MUTEX_HAS_PARKED)) {
            /* Relaxed: the flag only routes the holder's unlock to the slow
             * path; the bucket lock orders everything after that. */
            if (!atomic_compare_exchange_weak_explicit(&op->ob_mutex, &v,
                    (uint8_t)(v | FT_MUTEX_HAS_PARKED),
                    memory_order_relaxed, memory_order_relaxed))
                continue;
            v |= FT_MUTEX_HAS_PARKED;
        }
        if (fair_at_ns == 0)
            fair_at_ns = ft__now_ns() + FAIR_AFTER_NS;
        if (park(op, v, fair_at_ns)) {
            /* Handed off: the unlocker kept LOCKED set for us, and the
             * bucket lock (taken by it after its critical section, by us
             * after the hand-off) orders its writes before our reads. */
            FT_ASSERT(ft_atomic_load_relaxed(&op->ob_mutex) & FT_MUTEX_LOCKED);
            return;
        }
        v = ft_atomic_load_relaxed(&op->ob_mutex);
    }
}

/* Wake the first thread parked on op (bucket lock taken here). */
static void unpark_one(FtObject *op)
{
    Bucket *b = bucket_of(op);
    pthread_mutex_lock(&b->lock);
    int more = 0;
    Waiter *w = dequeue_locked(b, op, &more);
    uint8_t nv = 0;
    int hand_off = 0;
    if (w) {
        hand_off = ft__now_ns() > w->fair_at_ns;
        if (hand_off)
            nv |= FT_MUTEX_LOCKED;
        if (more)
            nv |= FT_MUTEX_HAS_PARKED;
    }
    /* release: publishes our critical section's writes to the next thread
     * that takes the lock with its acquire CAS (a hand-off is ordered by
     * the bucket lock instead). */
    atomic_store_explicit(&op->ob_mutex, nv, memory_order_release);
    if (w) {
        w->handed_off = hand_off;
        w->woken = 1;
        /* Signal before unlocking: once we drop the lock, the waiter may
         * return and destroy its condition variable. */
        pthread_cond_signal(&w->cond);
    }
    pthread_mutex_unlock(&b->lock);
}

void ft__mutex_unlock_slow(FtObject *op)
{
    uint8_t v = ft_atomic_load_relaxed(&op->ob_mutex);
    for (;;) {
        if (!(v & FT_MUTEX_LOCKED)) {
            ft_fatal_object(op, "unlocking an object mutex that is not locked");
        }
        if (v & FT_MUTEX_HAS_PARKED) {
            unpark_one(op);
            return;
        }
        /* release: as in the fast path of ft__mutex_unlock. */
        if (atomic_compare_exchange_weak_explicit(&op->ob_mutex, &v, 0,
                memory_order_release, memory_order_relaxed))
            return;
    }
}
