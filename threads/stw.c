/* threads/stw.c: thread states, safepoints, blocking regions, stop-the-world.
 *
 * States (FtThreadState.state, atomic, seq_cst for every transition that
 * races with a stop request):
 *
 *   DETACHED  -> ATTACHED   the thread itself (CAS), only if not SUSPENDED
 *   ATTACHED  -> DETACHED   the thread itself (store), then it checks for a
 *                           stop request and, if any, suspends itself
 *   DETACHED  -> SUSPENDED  the stopper (CAS during its scan), or the thread
 *                           itself right after detaching during a request
 *   ATTACHED  -> SUSPENDED  the thread itself at a safepoint (CAS, stw_mu held)
 *   SUSPENDED -> DETACHED   the stopper when it restarts the world (stw_mu held)
 *
 * Locks defined here:
 *   request_mu: one stop-the-world at a time. A would-be stopper waits for
 *     it detached (a blocking region), so the current stopper never waits
 *     for it. Outermost lock.
 *   stw_mu: protects `countdown`, `admit_pending`, every thread's `admit`,
 *     the stop request's flag changes, and the SUSPENDED <-> running
 *     handshakes (condition variables stw_cv for the stopper, restart_cv
 *     for suspended threads, admit_cv for a stopper waiting for admitted
 *     threads). Never held across a safepoint nor while unlocking an object
 *     mutex. Nests inside request_mu and the registry lock; nothing nests
 *     inside it.
 * The stopper also holds the registry lock (threads/tstate.c) from the scan
 * until the restart: no thread registers or unregisters meanwhile.
 *
 * Why the count is exact: the stopper scans every other thread with stw_mu
 * held; a thread it finds DETACHED it suspends itself (CAS), and it counts
 * every other one. Each counted thread decrements `countdown` exactly once,
 * under stw_mu (so after the scan): at its next safepoint (ATTACHED ->
 * SUSPENDED) or when it detaches (DETACHED -> SUSPENDED by itself). A thread
 * that detaches concurrently with the scan: it stores DETACHED then reads
 * `requested`; the stopper stores `requested` then CASes the state (all
 * seq_cst), so at least one of them sees the other, and the CAS decides who
 * suspends it (if the thread won, it was counted and decrements).
 *
 * Re-attach fairness (issue 10 item 3). Without it, a thread leaving a
 * blocking region while another thread stops and restarts the world in a
 * tight loop could be suspended again by the next scan before it ever ran
 * (1,000 re-attaches took 16.5 s). The protocol, all under stw_mu:
 *   1. A thread that must wait to attach (attach_state finds it SUSPENDED,
 *      or it suspends itself at a safepoint) sets its `admit` to WAITING.
 *   2. Whoever restarts a thread (restart_thread_locked: ft_world_start, and
 *      any code that holds a single thread off attaching) turns WAITING into
 *      GRANTED and counts it in `admit_pending`.
 *   3. The thread, once attached (at the end of ft__tstate_attach_existing,
 *      or of suspend_self), or when it detaches again before that (it
 *      parked, took a blocking region, left), calls admit_done: GRANTED ->
 *      NONE, admit_pending--, and wakes would-be stoppers at zero.
 *   4. ft_world_stop, holding the request lock (so no restart can grant
 *      anything meanwhile) and before it requests anything, first settles
 *      its own admission (a thread may stop the world from the safepoint
 *      that ends its own attach) and waits on admit_cv until admit_pending
 *      is 0.
 * So a thread that waits to attach gets in before the stop after the one
 * that held it out: at most one stop cycle. Why it cannot deadlock: an
 * admitted thread only runs attach code until step 3, and every wait in
 * it (a contended object lock, the request or collector lock, the
 * registry lock) is a blocking region, which does step 3 first; the stopper
 * waits before it takes the registry lock.
 *
 * Waking a suspended thread: restart_thread_locked(ts) (stw_mu held) is the
 * one function that moves a thread SUSPENDED -> DETACHED; the caller then
 * broadcasts restart_cv. Code that holds a single DETACHED thread off
 * attaching (CAS DETACHED -> SUSPENDED, stw_mu held) must release it with
 * restart_thread_locked too, or the thread's admission is not counted.
 *
 * Mode gil: holding the GIL is having the world stopped: every other thread
 * is waiting for the GIL or detached. ft_world_stop only takes the request
 * and registry locks, so the collector's walk sees a stable registry.
 */
#include "runtime/internal.h"
#include "threads/tstate.h"
#include "threads/lock.h"
#include "refcount/refcount.h"

static pthread_mutex_t request_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t stw_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stw_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t restart_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t admit_cv = PTHREAD_COND_INITIALIZER;
static _Atomic int requested;            /* a stop is being requested */
static int countdown;                    /* protected by stw_mu */
static int admit_pending;                /* protected by stw_mu: GRANTED threads */
static _Atomic(FtThreadState *) stopper; /* who stopped the world */

/* Statistics of stops (written by the stopper, read by anyone). */
static _Atomic uint64_t stw_count, stw_total_ns, stw_max_ns;

void ft__stw_stats(FtStats *out);
void ft__stw_stats(FtStats *out)
{
    out->stw_count = atomic_load_explicit(&stw_count, memory_order_relaxed);
    out->stw_total_ns = atomic_load_explicit(&stw_total_ns, memory_order_relaxed);
    out->stw_max_ns = atomic_load_explicit(&stw_max_ns, memory_order_relaxed);
}

int ft_world_is_stopped(void)
{
    return atomic_load_explicit(&stopper, memory_order_acquire) != NULL;
}

int ft__world_stopped_by_me(void)
{
    FtThreadState *ts = ft__tl_ts;
    return ts && atomic_load_explicit(&stopper, memory_order_relaxed) == ts;
}

/* ---- Attaching and detaching an existing thread state ---- */

/* Wait (stw_mu held) until the stopper has restarted us; we want to attach
 * then (fairness step 1). */
static void wait_restart_locked(FtThreadState *ts)
{
    if (ts->admit == FT_ADMIT_NONE)
        ts->admit = FT_ADMIT_WAITING;
    ts->attach_waited = 1;
    ts->attach_waits++;
    while (atomic_load(&ts->state) == FT_THREAD_SUSPENDED)
        pthread_cond_wait(&restart_cv, &stw_mu);
}

/* SUSPENDED -> DETACHED (stw_mu held); a thread waiting to attach is
 * admitted (fairness step 2). The caller broadcasts restart_cv. */
static __attribute__((unused)) /* mode gil: no scan, no restart */
void restart_thread_locked(FtThreadState *ts)
{
    if (atomic_load(&ts->state) != FT_THREAD_SUSPENDED)
        return;
    atomic_store(&ts->state, FT_THREAD_DETACHED);
    if (ts->admit == FT_ADMIT_WAITING) {
        ts->admit = FT_ADMIT_GRANTED;
        admit_pending++;
    }
}

/* Fairness step 3, by the owner: our admission is used (we attached, or we
 * detach again). Cheap unless we waited to attach. */
static void admit_done(FtThreadState *ts)
{
    if (!ts->attach_waited)
        return;
    ts->attach_waited = 0;
    pthread_mutex_lock(&stw_mu);
    if (ts->admit == FT_ADMIT_GRANTED && --admit_pending == 0)
        pthread_cond_broadcast(&admit_cv);
    ts->admit = FT_ADMIT_NONE;
    pthread_mutex_unlock(&stw_mu);
}

static void attach_state(FtThreadState *ts)
{
#if FT_MODE_GIL
    ft__gil_acquire(ts);
    atomic_store(&ts->state, FT_THREAD_ATTACHED);
#else
    for (;;) {
        int expected = FT_THREAD_DETACHED;
        if (atomic_compare_exchange_strong(&ts->state, &expected,
                                           FT_THREAD_ATTACHED))
            return;
        /* SUSPENDED: the world is stopped; wait for the restart. */
        pthread_mutex_lock(&stw_mu);
        wait_restart_locked(ts);
        pthread_mutex_unlock(&stw_mu);
    }
#endif
}

static void attach_existing(FtThreadState *ts, int poll)
{
    attach_state(ts);
    ft__qsbr_online(ts);
    ft__critical_sections_resume(ts);
    /* A stop requested while we were detached: honour it at once. */
    if (poll)
        ft__safepoint_poll(ts);
    admit_done(ts);
}

void ft__tstate_attach_existing(FtThreadState *ts)
{
    attach_existing(ts, 1);
}

void ft__tstate_detach_existing(FtThreadState *ts)
{
    admit_done(ts);
    ft__critical_sections_suspend(ts);
    ft__qsbr_offline(ts);
#if FT_MODE_GIL
    atomic_store(&ts->state, FT_THREAD_DETACHED);
    ft__gil_release(ts);
#else
    atomic_store(&ts->state, FT_THREAD_DETACHED);          /* seq_cst */
    if (atomic_load(&requested)) {                          /* seq_cst */
        int expected = FT_THREAD_DETACHED;
        if (atomic_compare_exchange_strong(&ts->state, &expected,
                                           FT_THREAD_SUSPENDED)) {
            /* We were counted as attached: report that we stopped. */
            pthread_mutex_lock(&stw_mu);
            if (--countdown == 0)
                pthread_cond_signal(&stw_cv);
            pthread_mutex_unlock(&stw_mu);
        }
    }
#endif
}

/* The thread that holds the world stopped stays attached in a blocking
 * region: nobody waits for it, and detaching would make it suspend itself
 * (a request is pending) and then wait for a restart only it can do. */
void ft_blocking_begin(void)
{
    FtThreadState *ts = ft__tl_ts;
    /* The thread holding the world stopped stays attached (it is the only
     * one running); any other merges its own queue, then detaches. */
    if (ts && ts->blocking_depth++ == 0 && !ft__world_stopped_by_me())
        ft__brc_blocking_detach(ts);
}

void ft_blocking_end(void)
{
    FtThreadState *ts = ft__tl_ts;
    /* Only we set our state to ATTACHED: still ATTACHED means that
     * ft_blocking_begin kept us attached (we held the world stopped). */
    if (ts && --ts->blocking_depth == 0
        && ft_atomic_load_relaxed(&ts->state) != FT_THREAD_ATTACHED)
        attach_existing(ts, 1);
}

/* ft_blocking_end without the safepoint after re-attaching (no merge, no
 * collection, a stop honoured only at the next safepoint): for waits inside
 * runtime calls that callers do not expect to be safepoints. */
void ft__blocking_end_quiet(void)
{
    FtThreadState *ts = ft__tl_ts;
    if (ts && --ts->blocking_depth == 0
        && ft_atomic_load_relaxed(&ts->state) != FT_THREAD_ATTACHED)
        attach_existing(ts, 0);
}

/* ---- Safepoints ---- */

/* Called at a safepoint with FT_BREAK_STOP seen. Parking for a stop is a
 * detach like any other (issue 10 item 1): our critical sections are
 * suspended (their mutexes released) BEFORE we report stopped, so the
 * stopper may lock any object while the world is stopped, and re-taken
 * after the restart, once we are attached again. A safepoint is reached
 * inside critical sections (every allocation polls), so without this the
 * stopper would wait forever for a lock we hold while we wait for it.
 * The mutexes are released before stw_mu is taken: unlocking may wake a
 * parked thread (its bucket lock), and stw_mu is never held around that. */
static void suspend_self(FtThreadState *ts)
{
    ft__critical_sections_suspend(ts);
    /* Offline, as a detached thread: a safepoint holds no pointer that a
     * lock-free read loaded, and a fork must leave no other thread online
     * in the child (threads/fork.c). */
    ft__qsbr_offline(ts);
    pthread_mutex_lock(&stw_mu);
    /* Re-check under stw_mu: the world may have restarted (clearing our
     * bit) between our poll and here. */
    if (!atomic_load(&requested)
        || !(ft_atomic_load_relaxed(&ts->breaker) & FT_BREAK_STOP)) {
        pthread_mutex_unlock(&stw_mu);
        ft__qsbr_online(ts);
        ft__critical_sections_resume(ts);
        return;
    }
    int expected = FT_THREAD_ATTACHED;
    int ok = atomic_compare_exchange_strong(&ts->state, &expected,
                                            FT_THREAD_SUSPENDED);
    FT_ASSERT(ok);
    (void)ok;
    if (--countdown == 0)
        pthread_cond_signal(&stw_cv);
    wait_restart_locked(ts);
    pthread_mutex_unlock(&stw_mu);
    /* Restarted: DETACHED now (or SUSPENDED again by a newer stop). */
    attach_state(ts);
    ft__qsbr_online(ts);
    /* Attached: re-take the top section (may park, which is a detach). */
    ft__critical_sections_resume(ts);
    admit_done(ts);
}

void ft__safepoint_slow(FtThreadState *ts)
{
    uint32_t br = ft_atomic_load_relaxed(&ts->breaker);
    if (br & FT_BREAK_STOP)
        suspend_self(ts);
    /* Not while we hold the world stopped: merging may free objects, and
     * their deallocs push onto other threads' queues. The collector
     * allocates while it has the world stopped (growing its arrays) and has
     * counted the queues just before merging them all itself (stress_gc hit
     * "ndead < capdead" in phase 1); it frees, if at all, only after the
     * restart. The bit stays set: the first safepoint after the restart
     * merges. */
    if ((br & FT_BREAK_MERGE) && !ft__world_stopped_by_me())
        ft__brc_merge_pending(ts);
    if (br & FT_BREAK_QSBR) {
        ft__breaker_clear(ts, FT_BREAK_QSBR);
        ft__qsbr_quiescent(ts);
    }
    if (br & FT_BREAK_GIL_DROP)
        ft__gil_yield(ts);
    if ((br & FT_BREAK_GC) && !ft__world_stopped_by_me())
        ft__gc_on_safepoint(ts);
}

void ft_safepoint(void)
{
    FtThreadState *ts = ft__tstate_checked(__func__);
    if (!ft__world_stopped_by_me())
        ft__qsbr_quiescent(ts);
    ft__safepoint_poll(ts);
}

/* In the child of a fork (threads/fork.c), the world stopped by the
 * forking thread, the only one left: re-initialise stw_mu and the
 * condition variables (another thread may have held stw_mu or waited on
 * them), and forget every other thread's handshake state. */
void ft__stw_fork_child(FtThreadState *me)
{
    pthread_mutex_init(&stw_mu, NULL);
    pthread_cond_init(&stw_cv, NULL);
    pthread_cond_init(&restart_cv, NULL);
    pthread_cond_init(&admit_cv, NULL);
    countdown = 0;
    admit_pending = 0;
    me->admit = FT_ADMIT_NONE;
    me->attach_waited = 0;
}

/* ---- Stop and restart the world ---- */

static void take_request_lock(void)
{
    if (pthread_mutex_trylock(&request_mu) == 0)
        return;
    /* Another stop is under way and will wait for us: wait detached. */
    ft_blocking_begin();
    pthread_mutex_lock(&request_mu);
    ft_blocking_end();
}

uint64_t ft_world_stop(void)
{
    FtThreadState *me = ft__tstate_checked(__func__);
    if (ft__world_stopped_by_me())
        ft_fatal("ft_world_stop: the world is already stopped by this thread");
    uint64_t t0 = ft__now_ns();
    take_request_lock();
#if !FT_MODE_GIL
    /* Fairness step 4: threads admitted by the last restart get in first.
     * Before the registry lock: an admitted thread may need it briefly. */
    admit_done(me);
    pthread_mutex_lock(&stw_mu);
    while (admit_pending > 0)
        pthread_cond_wait(&admit_cv, &stw_mu);
    pthread_mutex_unlock(&stw_mu);
#endif
    ft__registry_lock();
#if !FT_MODE_GIL
    pthread_mutex_lock(&stw_mu);
    atomic_store(&requested, 1);                            /* seq_cst */
    countdown = 0;
    FT_FOREACH_THREAD(ts) {
        if (ts == me)
            continue;
        ft__breaker_set(ts, FT_BREAK_STOP);
        int expected = FT_THREAD_DETACHED;
        if (!atomic_compare_exchange_strong(&ts->state, &expected,
                                            FT_THREAD_SUSPENDED))
            countdown++;        /* attached: it stops at its next safepoint */
    }
    while (countdown > 0)
        pthread_cond_wait(&stw_cv, &stw_mu);
    pthread_mutex_unlock(&stw_mu);
#endif
    /* release: pairs with the acquire in ft_world_is_stopped. */
    atomic_store_explicit(&stopper, me, memory_order_release);
    uint64_t dt = ft__now_ns() - t0;
    atomic_fetch_add_explicit(&stw_count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&stw_total_ns, dt, memory_order_relaxed);
    uint64_t max = atomic_load_explicit(&stw_max_ns, memory_order_relaxed);
    while (dt > max && !atomic_compare_exchange_weak_explicit(&stw_max_ns,
               &max, dt, memory_order_relaxed, memory_order_relaxed))
        ;
    return dt;
}

int ft_world_start(void)
{
    FtThreadState *me = ft__tl_ts;
    if (!me || !ft__world_stopped_by_me()) {
        ft_error_set(FT_ERR_STATE,
                     "ft_world_start: the world was not stopped by this thread");
        return -1;
    }
    atomic_store_explicit(&stopper, NULL, memory_order_release);
#if !FT_MODE_GIL
    pthread_mutex_lock(&stw_mu);
    atomic_store(&requested, 0);
    FT_FOREACH_THREAD(ts) {
        if (ts == me)
            continue;
        ft__breaker_clear(ts, FT_BREAK_STOP);
        restart_thread_locked(ts);
    }
    pthread_cond_broadcast(&restart_cv);
    pthread_mutex_unlock(&stw_mu);
#endif
    ft__registry_unlock();
    pthread_mutex_unlock(&request_mu);
    /* Restarting is a safepoint: merges that piled up, a pending GIL
     * hand-over (a loop of stops must not starve the other threads). */
    ft__safepoint_poll(me);
    return 0;
}

/* ---- Holding a detached thread off attaching (refcount/brc.c) ----
 * An adopter merges an idle owner's queue on its behalf (refcount/brc.c,
 * "Owners idle"). It holds the owner off attaching the way the stopper's
 * scan does, by moving it DETACHED -> SUSPENDED, and lets it go again:
 *   - hold: CAS DETACHED -> SUSPENDED (seq_cst, like the scan's CAS). Fails
 *     if the thread is attached, or already held or stopped.
 *   - release (stw_mu held): back to DETACHED; then, if a stop is
 *     requested, its scan ran while we held the thread (the scan and
 *     `requested` are under stw_mu), found it SUSPENDED and counted it as
 *     one to wait for: we suspend it on its behalf and report it, as a
 *     thread that detaches during a request does. The restart wake-up
 *     (restart_cv) lets a thread that tried to attach meanwhile retry.
 * The holder reaches no safepoint while it holds (a stopper may be waiting
 * for the held thread's report, and for the holder), and holds one thread
 * at a time. Mode gil: a thread attaches by taking the GIL without the
 * CAS, so only a holder that holds the GIL keeps it off (ft_memory_trim
 * does; adoption never runs, there are no merge queues). */
int ft__stw_hold_detached(FtThreadState *ts)
{
    int expected = FT_THREAD_DETACHED;
    return atomic_compare_exchange_strong(&ts->state, &expected,
                                          FT_THREAD_SUSPENDED);
}

void ft__stw_release_held(FtThreadState *ts)
{
    pthread_mutex_lock(&stw_mu);
    FT_ASSERT(atomic_load(&ts->state) == FT_THREAD_SUSPENDED);
    if (atomic_load(&requested)) {
        if (--countdown == 0)
            pthread_cond_signal(&stw_cv);
    } else {
        atomic_store(&ts->state, FT_THREAD_DETACHED);
    }
    pthread_cond_broadcast(&restart_cv);
    pthread_mutex_unlock(&stw_mu);
}
