/* threads/tstate.c: the runtime's lifetime, the thread registry, thread
 * attach and detach (registration), counters.
 *
 * Locks defined here:
 *   registry_mu: protects the list of registered thread states (registry_head
 *     and each state's next/prev) and the retired counters. Held by a thread
 *     registering (not yet attached), a thread unregistering (already
 *     DETACHED), stats readers (attached; no safepoint inside), and by the
 *     stop-the-world requester for the whole time the world is stopped (so
 *     no thread registers or leaves while the collector walks). Lock order:
 *     stw request lock -> registry_mu -> BRC bucket lock -> orphan lock.
 *
 * Leaving (ft_thread_detach), in this order, each step for a reason:
 *   1. free lists off and emptied (their blocks are in our heaps);
 *   2. heap walk: merge every object we own, move our live GC objects into
 *      the orphan registry (alloc/heap.c); only this can fail (no memory
 *      for the registry), and then nothing has changed;
 *   3. unregister from BRC and drain our merge queue, still attached
 *      because draining may free objects (refcount/brc.c, steps 2-3);
 *   4. detach (DETACHED counts as stopped), leave QSBR, unlink from the
 *      registry, fold our counters into the retired totals.
 */
#include "runtime/internal.h"
#include "runtime/init.h"
#include "threads/tstate.h"
#include "threads/lock.h"
#include "refcount/refcount.h"
#include "alloc/alloc.h"
#include <stdio.h>
#include <time.h>

FT_API _Thread_local uintptr_t ft__tl_tid FT_TLS_IE = UINTPTR_MAX;
_Thread_local FtThreadState *ft__tl_ts FT_TLS_IE;

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static FtThreadState *registry_head;        /* protected by registry_mu */
static _Atomic uint64_t next_tid = 1;       /* ids are never reused */
static _Atomic int initialized;

/* Counters of departed threads (protected by registry_mu). */
static FtThreadCounters retired;
static int64_t retired_live[FT_MAX_TYPE_INDEX];
static uint64_t threads_attached_total;

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key;

void ft__freelists_enable(FtThreadState *ts, int on);
void ft__stw_stats(FtStats *out);

uint64_t ft__now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* ---- Registry ---- */

void ft__registry_lock(void)
{
    pthread_mutex_lock(&registry_mu);
}

void ft__registry_unlock(void)
{
    pthread_mutex_unlock(&registry_mu);
}

FtThreadState *ft__registry_first(void)
{
    return registry_head;
}

/* Stats readers. The stopper already holds registry_mu (0). An attached
 * thread must not block on registry_mu while attached: a stopper holds it
 * for the whole stop and waits for every attached thread to reach a
 * safepoint, so the two would wait for each other forever (found by
 * stress_gc). If the lock is not free at once, the reader waits for it in
 * a blocking region (2), where it counts as stopped; it touches no object
 * while it holds the lock, and re-attaches only after unlocking. */
static int lock_for_read(void)
{
    if (ft__world_stopped_by_me())
        return 0;
    if (!ft_thread_is_attached()) {
        pthread_mutex_lock(&registry_mu);
        return 1;
    }
    if (pthread_mutex_trylock(&registry_mu) == 0)
        return 1;
    ft_blocking_begin();
    pthread_mutex_lock(&registry_mu);
    return 2;
}

static void unlock_for_read(int locked)
{
    if (locked)
        pthread_mutex_unlock(&registry_mu);
    if (locked == 2)
        ft_blocking_end();
}

/* ---- Misuse detection: a pthread exiting while registered ---- */

static void on_thread_exit(void *p)
{
    FtThreadState *ts = p;
    /* mimalloc has already abandoned this thread's heaps: nothing can be
     * repaired here (docs/object-model.md, "Thread exit"). */
    ft_fatal("thread %lu exited while attached to ftrt: call ft_thread_detach() "
             "before the thread ends", (unsigned long)ts->id);
}

static void make_key(void)
{
    pthread_key_create(&exit_key, on_thread_exit);
}

FtThreadState *ft__tstate_checked(const char *func)
{
    FtThreadState *ts = ft__tl_ts;
    if (FT_UNLIKELY(!ts))
        ft_fatal("%s: the calling thread is not attached to ftrt", func);
    return ts;
}

/* ---- Attach / detach ---- */

/* Test hook (failure injection): the next n ft_thread_attach calls, by any
 * thread, fail as if the thread state could not be allocated. */
static _Atomic long fail_attach_next;

void ft__debug_fail_attach_next(long n)
{
    ft_atomic_store_relaxed(&fail_attach_next, n > 0 ? n : 0);
}

static int attach_fail_injected(void)
{
    long n = ft_atomic_load_relaxed(&fail_attach_next);
    while (n > 0) {
        if (ft_atomic_cas_weak_relaxed(&fail_attach_next, &n, n - 1))
            return 1;
    }
    return 0;
}

int ft_thread_attach(void)
{
    if (ft__tl_ts) {
        ft_error_set(FT_ERR_STATE, "thread already attached");
        return -1;
    }
    if (!atomic_load(&initialized)) {
        ft_error_set(FT_ERR_STATE, "ftrt runtime not initialized");
        return -1;
    }
    pthread_once(&key_once, make_key);
    FtThreadState *ts = attach_fail_injected() ? NULL : calloc(1, sizeof *ts);
    if (!ts) {
        ft_error_nomem();
        return -1;
    }
    ts->id = atomic_fetch_add_explicit(&next_tid, 1, memory_order_relaxed);
    ts->pthread = pthread_self();
    atomic_init(&ts->state, FT_THREAD_DETACHED);
    if (ft__heaps_attach(ts) < 0) {
        free(ts);
        return -1;
    }
    ft__freelists_enable(ts, 1);

    pthread_mutex_lock(&registry_mu);     /* waits out a stopped world */
    ts->next = registry_head;
    if (registry_head)
        registry_head->prev = ts;
    registry_head = ts;
    threads_attached_total++;
    pthread_mutex_unlock(&registry_mu);

    ft__brc_register(ts);
    ft__qsbr_attach(ts);
    ft__tl_ts = ts;
    ft__tl_tid = (uintptr_t)ts->id;
    pthread_setspecific(exit_key, ts);
    ft__tstate_attach_existing(ts);
    return 0;
}

static void fold_counters(FtThreadState *ts)
{
    /* registry_mu held */
    FtThreadCounters *c = &ts->counters;
#define FOLD(f) retired.f += ft_atomic_load_relaxed(&c->f)
    FOLD(allocated); FOLD(freed); FOLD(freelist_hits);
    FOLD(merges_queued); FOLD(merges_done); FOLD(merges_at_detach);
    FOLD(shared_frees); FOLD(raw_bytes);
#undef FOLD
    for (int i = 0; i < FT_MAX_TYPE_INDEX; i++)
        retired_live[i] += ft_atomic_load_relaxed(&ts->live_by_type[i]);
}

int ft_thread_detach(void)
{
    FtThreadState *ts = ft__tl_ts;
    if (!ts) {
        ft_error_set(FT_ERR_STATE, "thread not attached");
        return -1;
    }
    if (ts->blocking_depth || ts->critical_section) {
        ft_error_set(FT_ERR_STATE,
                     "ft_thread_detach inside a blocking region or critical section");
        return -1;
    }
    ft__gc_on_detach(ts);
    ft__freelists_enable(ts, 0);                 /* step 1 */
    if (ft__heaps_detach(ts) < 0) {              /* step 2 */
        ft__freelists_enable(ts, 1);
        return -1;
    }
    ft__brc_unregister(ts);                      /* step 3 */
    ft__freelists_clear(ts);   /* blocks freed while draining */
    ft__tstate_detach_existing(ts);              /* step 4 */
    ft__qsbr_detach(ts);
    pthread_mutex_lock(&registry_mu);
    if (ts->prev)
        ts->prev->next = ts->next;
    else
        registry_head = ts->next;
    if (ts->next)
        ts->next->prev = ts->prev;
    fold_counters(ts);
    pthread_mutex_unlock(&registry_mu);

    ft__tl_ts = NULL;
    ft__tl_tid = UINTPTR_MAX;
    pthread_setspecific(exit_key, NULL);
    free(ts);
    return 0;
}

/* In the child of a fork (threads/fork.c), the world stopped by `me`, the
 * only thread left: every other registered thread is gone, and its state is
 * retired here as its own ft_thread_detach would have done, in two passes
 * so that no object is pushed onto a queue that was already drained:
 *   1. each one's free lists emptied, every object it owned merged, its
 *      GC objects registered as orphans (alloc/heap.c; on failure, for lack
 *      of memory, its objects keep the dead owner's id: they count on their
 *      shared field, stay alive, and are leaked);
 *   2. each one leaves BRC and its merge queue is drained (objects may be
 *      freed, on this thread), then leaves the registry, its counters
 *      folded, its state freed.
 * Their mimalloc heaps stay as they are: blocks freed later land on pages
 * no thread collects (memory, not objects, is leaked). */
void ft__tstate_fork_child(FtThreadState *me)
{
    FT_FOREACH_THREAD(ts) {
        if (ts == me)
            continue;
        ft__gc_on_detach(ts);
        ft__freelists_enable(ts, 0);
        ft__freelists_clear(ts);
        if (ft__heaps_detach(ts) < 0)
            ft_error_clear();
    }
    FtThreadState *ts = registry_head, *next;
    for (; ts; ts = next) {
        next = ts->next;
        if (ts == me)
            continue;
        ft__brc_unregister(ts);
        ft__freelists_clear(ts);
        if (ts->prev)
            ts->prev->next = ts->next;
        else
            registry_head = ts->next;
        if (ts->next)
            ts->next->prev = ts->prev;
        fold_counters(ts);
        free(ts);
    }
}

int ft_thread_is_attached(void)
{
    FtThreadState *ts = ft__tl_ts;
    return ts && ft_atomic_load_relaxed(&ts->state) == FT_THREAD_ATTACHED;
}

uint64_t ft_thread_id(void)
{
    FtThreadState *ts = ft__tl_ts;
    return ts ? ts->id : 0;
}

/* ---- Threads started by the runtime ----
 *
 * ft_thread_start waits (in a blocking region) until the new thread has
 * attached or failed to, so an attach failure is the caller's error: the
 * failed thread exits at once and is joined here. Handshake: the new thread
 * copies fn and arg, then sets `state` under `mu` and signals; the creator
 * frees the StartArgs only after seeing `state`, and the new thread touches
 * nothing of it after unlocking `mu`.
 *
 * At the end, ft_thread_detach can fail only for lack of memory (nothing
 * has changed then: ft_thread_detach's step 2); the thread stays attached,
 * waits in a blocking region (1 ms, doubling up to 100 ms) and tries
 * again, since a pthread must not exit attached. */

#define START_MSG 200

typedef struct StartArgs {
    void *(*fn)(void *);
    void *arg;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int state;                   /* 0 starting, 1 attached, -1 failed (mu) */
    FtErrorKind kind;            /* the attach error (mu) */
    char msg[START_MSG];
} StartArgs;

static void detach_retrying(void)
{
    long delay_us = 1000;
    while (ft_thread_detach() < 0) {
        if (ft_error_kind() != FT_ERR_MEMORY)
            ft_fatal("ft_thread_start: the thread's function returned in a "
                     "state it cannot detach from: %s", ft_error_message());
        ft_error_clear();
        struct timespec d = { 0, delay_us * 1000 };
        ft_blocking_begin();
        nanosleep(&d, NULL);
        ft_blocking_end();
        delay_us = delay_us < 100000 ? delay_us * 2 : 100000;
    }
}

static void *thread_main(void *p)
{
    StartArgs *a = p;
    void *(*fn)(void *) = a->fn;
    void *arg = a->arg;
    int rc = ft_thread_attach();
    pthread_mutex_lock(&a->mu);
    a->state = rc == 0 ? 1 : -1;
    if (rc < 0) {
        a->kind = ft_error_kind();
        snprintf(a->msg, sizeof a->msg, "%s", ft_error_message());
    }
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);     /* a is the creator's from here on */
    if (rc < 0)
        return NULL;
    void *r = fn(arg);
    detach_retrying();
    return r;
}

int ft_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
    if (!thread || !fn) {
        ft__null_arg_error(__func__);
        return -1;
    }
    /* The new thread's attach needs the registry lock, which the thread
     * holding the world stopped keeps until it restarts it. */
    if (ft__world_stopped_by_me()) {
        ft_error_set(FT_ERR_STATE, "ft_thread_start while holding the world stopped");
        return -1;
    }
    StartArgs *a = calloc(1, sizeof *a);
    if (!a) {
        ft_error_nomem();
        return -1;
    }
    a->fn = fn;
    a->arg = arg;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    int rc = pthread_create(thread, NULL, thread_main, a);
    if (rc != 0) {
        pthread_cond_destroy(&a->cv);
        pthread_mutex_destroy(&a->mu);
        free(a);
        ft_error_set(FT_ERR_MEMORY, "pthread_create failed (error %d)", rc);
        return -1;
    }
    /* Detached while we wait: the new thread's attach may wait for a
     * stopped world to restart. */
    ft_blocking_begin();
    pthread_mutex_lock(&a->mu);
    while (a->state == 0)
        pthread_cond_wait(&a->cv, &a->mu);
    pthread_mutex_unlock(&a->mu);
    int ok = a->state == 1;
    if (!ok)
        pthread_join(*thread, NULL);
    ft__blocking_end_quiet();     /* starting a thread is not a safepoint */
    if (!ok)
        ft_error_set(a->kind, "ft_thread_start: attach failed: %s", a->msg);
    pthread_cond_destroy(&a->cv);
    pthread_mutex_destroy(&a->mu);
    free(a);
    return ok ? 0 : -1;
}

int ft_thread_join(pthread_t thread, void **result)
{
    ft_blocking_begin();
    int rc = pthread_join(thread, result);
    ft_blocking_end();
    if (rc != 0) {
        ft_error_set(FT_ERR_STATE, "pthread_join failed (error %d)", rc);
        return -1;
    }
    return 0;
}

/* ---- The runtime ---- */

int ft_runtime_is_initialized(void)
{
    return atomic_load(&initialized);
}

int ft_runtime_init(void)
{
    int expected = 0;
    if (!atomic_compare_exchange_strong(&initialized, &expected, 1)) {
        ft_error_set(FT_ERR_STATE, "ftrt runtime already initialized");
        return -1;
    }
    if (ft__heaps_init() < 0 || ft__brc_init() < 0 || ft__gil_init() < 0)
        goto fail;
    if (ft_thread_attach() < 0)
        goto fail;
    if (ft__subsystems_init() < 0) {
        ft_thread_detach();
        goto fail;
    }
    return 0;
fail:
    atomic_store(&initialized, 0);
    return -1;
}

void ft_runtime_fini(void)
{
    FtThreadState *ts = ft__tl_ts;
    if (!ts)
        ft_fatal("ft_runtime_fini: the calling thread is not attached");
    pthread_mutex_lock(&registry_mu);
    int others = registry_head != ts || ts->next != NULL;
    pthread_mutex_unlock(&registry_mu);
    if (others)
        ft_fatal("ft_runtime_fini: other threads are still attached");
    ft__subsystems_fini();
    if (ft_thread_detach() < 0)
        ft_fatal("ft_runtime_fini: detach failed: %s", ft_error_message());
    ft__qsbr_barrier();
    ft__brc_fini();
    atomic_store(&initialized, 0);
}

/* ---- Counters ---- */

void ft_stats_get(FtStats *out)
{
    FT_NONNULL(, out);
    memset(out, 0, sizeof *out);
    FtThreadCounters sum;
    int locked = lock_for_read();
    sum = retired;
    uint64_t live_threads = 0;
    FT_FOREACH_THREAD(ts) {
        FtThreadCounters *c = &ts->counters;
#define ADD(f) sum.f += ft_atomic_load_relaxed(&c->f)
        ADD(allocated); ADD(freed); ADD(freelist_hits);
        ADD(merges_queued); ADD(merges_done); ADD(merges_at_detach);
        ADD(shared_frees); ADD(raw_bytes);
#undef ADD
        live_threads++;
    }
    out->threads_attached_total = threads_attached_total;
    unlock_for_read(locked);
    out->objects_allocated = sum.allocated;
    out->objects_freed = sum.freed;
    out->objects_live = (int64_t)(sum.allocated - sum.freed);
    out->freelist_hits = sum.freelist_hits;
    out->merges_queued = sum.merges_queued;
    out->merges_done = sum.merges_done;
    out->merges_at_detach = sum.merges_at_detach;
    out->shared_frees = sum.shared_frees;
    out->raw_bytes_live = sum.raw_bytes;
    out->threads_live = live_threads;
    out->orphans_live = ft__orphans_count();
    ft__stw_stats(out);
}

int64_t ft_stats_live_of_type(const FtType *tp)
{
    FT_NONNULL(-1, tp);
    int idx = (int)tp->tp_index;
    int locked = lock_for_read();
    int64_t n = retired_live[idx];
    FT_FOREACH_THREAD(ts)
        n += ft_atomic_load_relaxed(&ts->live_by_type[idx]);
    unlock_for_read(locked);
    return n;
}

void ft_stats_print(const FtStats *s, void *stdio_file)
{
    FT_NONNULL(, s);
    FILE *f = stdio_file ? stdio_file : stdout;
    fprintf(f, "objects: allocated %llu, freed %llu, live %lld, free-list hits %llu\n",
            (unsigned long long)s->objects_allocated,
            (unsigned long long)s->objects_freed, (long long)s->objects_live,
            (unsigned long long)s->freelist_hits);
    fprintf(f, "refcount: queued %llu, merged %llu, merged at detach %llu, "
            "freed by non-owner %llu\n",
            (unsigned long long)s->merges_queued,
            (unsigned long long)s->merges_done,
            (unsigned long long)s->merges_at_detach,
            (unsigned long long)s->shared_frees);
    fprintf(f, "threads: attached ever %llu, live %llu, orphaned objects %llu\n",
            (unsigned long long)s->threads_attached_total,
            (unsigned long long)s->threads_live,
            (unsigned long long)s->orphans_live);
    fprintf(f, "stop-the-world: %llu stops, %.3f ms total, %.3f ms max\n",
            (unsigned long long)s->stw_count, (double)s->stw_total_ns / 1e6,
            (double)s->stw_max_ns / 1e6);
    fprintf(f, "raw memory live: %lld bytes\n", (long long)s->raw_bytes_live);
}
