/* stress/stress_threads.c: stop-the-world against critical sections and
 * attach/detach churn.
 *
 * Scenarios:
 *   stw_progress    two threads stop and restart the world over and over
 *                   while workers append/pop on one shared list (its
 *                   critical section), allocate and enter blocking regions:
 *                   while the world is stopped no worker counter moves (nor
 *                   a plain counter the workers bump under the list's lock);
 *                   every stop returns; the list ends exactly as computed.
 *   cs_handoff      nested critical sections on two objects taken in
 *                   opposite orders, two-object sections, and blocking
 *                   inside a section (suspension hands the lock over), with
 *                   a stopper: exact plain counters, no deadlock.
 *   attach_churn    threads detach for good and re-attach (fresh ids),
 *                   enter and leave blocking regions, carry objects across
 *                   their own detach (merged), while two threads stop the
 *                   world: no progress while stopped, ids never reused,
 *                   exact attach counts.
 *   sort_park       one thread sorts a shared list with a comparator that
 *                   allocates (a safepoint inside the list's critical
 *                   section), first with a yield in the comparator, then
 *                   with no hold time at all; another stops the world and,
 *                   inside the stopped world, appends to and pops from that
 *                   list (and takes its critical section directly). A
 *                   thread suspended for a stop must have released its
 *                   sections (issue 10 item 1): no deadlock (watchdog), the
 *                   list keeps exactly its items.
 *   cs2_orders      the public API only (ftrt/critical.h): threads take
 *                   two-object sections on one pair in both argument orders
 *                   (allocating inside, so a stop may suspend them), and
 *                   nested one-object sections, while another thread stops
 *                   and restarts the world in a loop and takes the same
 *                   sections inside the stopped world: no deadlock, counters
 *                   consistent at every entry, exact totals (issue 11).
 *   reattach_fair   one thread stops and restarts the world in a tight loop
 *                   while others leave and re-enter blocking regions (and
 *                   one allocates): each ft_blocking_end waits for at most
 *                   one restart (fairness: admitted before the next stop,
 *                   which waits until the admitted thread has finished
 *                   attaching, its safepoint included), never for
 *                   thousands. Counted by the
 *                   thread itself (FtThreadState.attach_waits), so time the
 *                   OS keeps it off the CPU before it asks does not count.
 *
 * The stoppers sleep with plain usleep while the world is stopped: a
 * blocking region would detach the stopping thread itself.
 */
#include "harness.h"
#include "stress_util.h"
#include "runtime/internal.h"
#include "threads/tstate.h"
#include "threads/lock.h"

#include <sched.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXT 64




/* Worker progress counters: written by their worker with relaxed stores
 * only while it is attached; read by a stopper with the world stopped. The
 * worker's last store before it suspends (safepoint: stw_mu) or detaches
 * (seq_cst state store, read by the stopper's seq_cst CAS / countdown under
 * stw_mu) happens before the stopper's reads, so relaxed suffices; any
 * change seen between stop and start is real progress. */
typedef struct Progress {
    _Atomic long v[MAXT];
} Progress;

static void bump(Progress *p, int me)
{
    atomic_store_explicit(&p->v[me],
                          atomic_load_explicit(&p->v[me], memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

static void snapshot(Progress *p, int n, long *out)
{
    for (int i = 0; i < n; i++)
        out[i] = atomic_load_explicit(&p->v[i], memory_order_relaxed);
}

/* One stop: freeze, look twice with a pause between, restart. `plain` is a
 * counter written only under a critical section (or while attached):
 * reading it with the world stopped is race-free exactly when no worker
 * runs, which TSan checks. */
static void stop_and_check(Progress *p, int n, long *plain, StressRng *rng,
                           const char *what)
{
    long a[MAXT], b[MAXT];
    ft_world_stop();
    STRESS_CHECK(ft_world_is_stopped(), "%s: world not stopped after ft_world_stop", what);
    snapshot(p, n, a);
    long pa = plain ? *plain : 0;
    usleep((useconds_t)(20 + stress_below(rng, 200)));
    snapshot(p, n, b);
    long pb = plain ? *plain : 0;
    for (int i = 0; i < n; i++)
        STRESS_CHECK(a[i] == b[i], "%s: worker %d progressed while the world was "
                     "stopped (%ld -> %ld)", what, i, a[i], b[i]);
    STRESS_CHECK(pa == pb, "%s: locked counter moved while stopped (%ld -> %ld)",
                 what, pa, pb);
    ft_world_start();
}

/* ================================================================
 * stw_progress
 * ================================================================ */

typedef struct StwCtx {
    int nworkers;             /* workers are indices 0..nworkers-1 */
    long stops;               /* per stopper */
    FtObject *list;
    Progress prog;
    long locked_count;        /* plain: under the list's critical section */
    _Atomic int stoppers_done;
    _Atomic long stops_done;
    _Atomic long appended, popped;
} StwCtx;

static void stw_worker(void *vctx, int me)
{
    StwCtx *c = vctx;
    StressRng rng = stress_rng_for(me + 30);
    if (me >= c->nworkers) {
        for (long s = 0; s < c->stops; s++) {
            stop_and_check(&c->prog, c->nworkers, &c->locked_count, &rng, "stw_progress");
            atomic_fetch_add_explicit(&c->stops_done, 1, memory_order_relaxed);
            /* Between stops: take part (the list's lock, allocation). */
            if (stress_below(&rng, 4) == 0) {
                FtObject *x = new_float(-1.0);
                STRESS_OK(ft_list_append(c->list, x) == 0);
                ft_decref(x);
                atomic_fetch_add_explicit(&c->appended, 1, memory_order_relaxed);
            }
            if (stress_below(&rng, 2) == 0)
                pause_attached();
            stress_count(1);
        }
        /* release: our last stop happens before the workers see `done`. */
        atomic_fetch_add_explicit(&c->stoppers_done, 1, memory_order_release);
        return;
    }
    long appended = 0, popped = 0;
    while (atomic_load_explicit(&c->stoppers_done, memory_order_acquire) < 2) {
        switch (stress_below(&rng, 8)) {
        case 0:
            ft_blocking_begin();         /* detached: counts as stopped */
            sched_yield();
            ft_blocking_end();           /* waits out a stopped world */
            break;
        case 1: {
            /* A critical section of our own on the list: a plain counter,
             * with an allocation (a safepoint that may suspend us while
             * we hold the lock) in between. */
            FT_BEGIN_CRITICAL_SECTION(c->list);
            c->locked_count++;
            FtObject *x = new_float(0.0);
            c->locked_count++;
            ft_decref(x);
            FT_END_CRITICAL_SECTION();
            break;
        }
        case 2:
        case 3: {
            FtObject *x = ft_list_pop(c->list, -1);
            if (x) {
                popped++;
                ft_decref(x);
            } else {
                ft_error_clear();
            }
            break;
        }
        default: {
            FtObject *x = new_float((double)me);
            STRESS_OK(ft_list_append(c->list, x) == 0);
            ft_decref(x);
            appended++;
            break;
        }
        }
        bump(&c->prog, me);
    }
    atomic_fetch_add_explicit(&c->appended, appended, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->popped, popped, memory_order_relaxed);
}

static void stw_progress(void)
{
    StwCtx *c = calloc(1, sizeof *c);
    STRESS_CHECK(c, "oom");
    int n = stress_threads();
    if (n > MAXT)
        n = MAXT;
    c->nworkers = n - 2 >= 1 ? n - 2 : 1;
    c->stops = stress_iters(4000, 2000);
    c->list = ft_list_new(0);
    STRESS_OK(c->list);
    FtStats before = stats_now();
    stress_run_threads(c->nworkers + 2, stw_worker, c);
    FtStats after = stats_now();
    STRESS_CHECK(atomic_load(&c->stops_done) == 2 * c->stops, "stops %ld of %ld",
                 atomic_load(&c->stops_done), 2 * c->stops);
    STRESS_CHECK(after.stw_count - before.stw_count >= (uint64_t)(2 * c->stops),
                 "stw_count %llu < %ld",
                 (unsigned long long)(after.stw_count - before.stw_count), 2 * c->stops);
    long expect = atomic_load(&c->appended) - atomic_load(&c->popped);
    STRESS_CHECK(ft_len(c->list) == expect, "list length %td, expected %ld",
                 ft_len(c->list), expect);
    long ops = 0;
    for (int i = 0; i < c->nworkers; i++)
        ops += atomic_load_explicit(&c->prog.v[i], memory_order_relaxed);
    /* Each locked section adds exactly 2 and bumps progress once. */
    long odd = c->locked_count & 1;
    STRESS_CHECK(odd == 0 && c->locked_count <= 2 * ops,
                 "locked counter %ld (%ld worker steps)", c->locked_count, ops);
    stress_count(ops);
    ft_decref(c->list);
    free(c);
}

/* ================================================================
 * cs_handoff
 * ================================================================ */

typedef struct CsCtx {
    int nworkers;
    long iters;
    FtObject *a, *b;            /* two lists used as lock objects */
    long count_a, count_b;      /* plain: only under a's / b's lock */
    Progress prog;
    _Atomic int workers_done;
    long stopper_rounds;        /* written by the stopper, read after join */
} CsCtx;

/* Outer section on x, inner on y. Parking for y suspends the outer section
 * (x released), so y's holder, which may be waiting for x, gets it: no
 * deadlock. x is only relied on before the inner section starts and after
 * it ends (the pop re-takes a suspended x). */
static void inner(FtObject *y, long *cy, int block_inside)
{
    FT_BEGIN_CRITICAL_SECTION(y);
    (*cy)++;
    if (block_inside) {
        /* A blocking region inside: the section is suspended (y released)
         * and re-locked when we re-attach. */
        ft_blocking_begin();
        sched_yield();
        ft_blocking_end();
    }
    (*cy)++;
    FT_END_CRITICAL_SECTION();
}

static void nested(FtObject *x, long *cx, FtObject *y, long *cy, int block_inside)
{
    FT_BEGIN_CRITICAL_SECTION(x);
    (*cx)++;
    inner(y, cy, block_inside);
    (*cx)++;
    FT_END_CRITICAL_SECTION();
}

static void cs_worker(void *vctx, int me)
{
    CsCtx *c = vctx;
    StressRng rng = stress_rng_for(me + 40);
    if (me == c->nworkers) {
        /* The stopper. */
        long rounds = 0;
        while (atomic_load_explicit(&c->workers_done, memory_order_acquire) < c->nworkers) {
            stop_and_check(&c->prog, c->nworkers, &c->count_b, &rng, "cs_handoff");
            /* Also contend for the locks between stops. */
            FT_BEGIN_CRITICAL_SECTION(c->a);
            c->count_a += 2;
            FT_END_CRITICAL_SECTION();
            rounds++;
            stress_sleep_us((long)stress_below(&rng, 200));
            stress_count(1);
        }
        c->stopper_rounds = rounds;      /* read by the joiner */
        return;
    }
    for (long i = 0; i < c->iters; i++) {
        int block = stress_below(&rng, 4) == 0;
        switch (stress_below(&rng, 5)) {
        case 0:
        case 1:
            nested(c->a, &c->count_a, c->b, &c->count_b, block);
            break;
        case 2:
        case 3:
            nested(c->b, &c->count_b, c->a, &c->count_a, block);
            break;
        default:
            /* Both at once (address order inside), then the same pair in
             * the other argument order. */
            FT_BEGIN_CRITICAL_SECTION2(c->a, c->b);
            c->count_a++;
            c->count_b++;
            FT_END_CRITICAL_SECTION2();
            FT_BEGIN_CRITICAL_SECTION2(c->b, c->a);
            c->count_a++;
            c->count_b++;
            FT_END_CRITICAL_SECTION2();
            break;
        }
        bump(&c->prog, me);
        if ((i & 63) == 0)
            ft_safepoint();
    }
    stress_count(c->iters);
    /* release: our counter updates happen before the final check. */
    atomic_fetch_add_explicit(&c->workers_done, 1, memory_order_release);
}

static void cs_handoff(void)
{
    CsCtx *c = calloc(1, sizeof *c);
    STRESS_CHECK(c, "oom");
    int n = stress_threads();
    if (n > MAXT)
        n = MAXT;
    c->nworkers = n - 1;
    c->iters = stress_iters(160000, 20000);
    c->a = ft_list_new(0);
    c->b = ft_list_new(0);
    STRESS_OK(c->a && c->b);
    stress_run_threads(n, cs_worker, c);
    /* Every section adds 2 to each counter it runs on (nested: 2 on each
     * object; two-object: 1+1 twice), plus the stopper's 2 on a. */
    long iters_total = (long)c->nworkers * c->iters;
    STRESS_CHECK(c->count_b == 2 * iters_total, "count_b %ld, expected %ld",
                 c->count_b, 2 * iters_total);
    long expect_a = 2 * iters_total + 2 * c->stopper_rounds;
    STRESS_CHECK(c->count_a == expect_a, "count_a %ld, expected %ld", c->count_a,
                 expect_a);
    ft_decref(c->a);
    ft_decref(c->b);
    free(c);
}

/* ================================================================
 * attach_churn
 * ================================================================ */

typedef struct ChurnCtx {
    int nworkers;
    long cycles;              /* per worker */
    long stops;               /* per stopper */
    Progress prog;
    _Atomic int stoppers_done;
    _Atomic int workers_done;
    _Atomic long attaches;
    uint64_t *ids;            /* worker w's ids at [w * (cycles + 1) ...] */
} ChurnCtx;

static void attach_churn_worker(void *vctx, int me)
{
    ChurnCtx *c = vctx;
    StressRng rng = stress_rng_for(me + 50);
    if (me >= c->nworkers) {
        for (long s = 0; s < c->stops; s++) {
            stop_and_check(&c->prog, c->nworkers, NULL, &rng, "attach_churn");
            if (stress_below(&rng, 2) == 0)
                pause_attached();
            stress_count(1);
        }
        atomic_fetch_add_explicit(&c->stoppers_done, 1, memory_order_release);
        /* Keep stopping until the workers are done, so that every cycle
         * overlaps stops (and the other stopper's). */
        while (atomic_load_explicit(&c->workers_done, memory_order_acquire) < c->nworkers) {
            stop_and_check(&c->prog, c->nworkers, NULL, &rng, "attach_churn");
            stress_sleep_us(50);
        }
        return;
    }
    uint64_t *ids = &c->ids[(size_t)me * (size_t)(c->cycles + 1)];
    ids[0] = ft_thread_id();
    for (long k = 1; k <= c->cycles; k++) {
        /* An object we own, carried over our own detach. */
        FtObject *x = new_float((double)k);
        for (int i = 0; i < 3; i++) {
            ft_blocking_begin();
            if (stress_below(&rng, 2))
                sched_yield();
            ft_blocking_end();
            bump(&c->prog, me);
        }
        STRESS_OK(ft_thread_detach() == 0);
        /* Detached for good: no objects, no progress counted. */
        if (stress_below(&rng, 4) == 0)
            sched_yield();
        STRESS_OK(ft_thread_attach() == 0);
        atomic_fetch_add_explicit(&c->attaches, 1, memory_order_relaxed);
        ids[k] = ft_thread_id();
        STRESS_CHECK(ids[k] > ids[k - 1], "thread id %llu after %llu: reused or "
                     "not increasing", (unsigned long long)ids[k],
                     (unsigned long long)ids[k - 1]);
        bump(&c->prog, me);
#if FT_MODE_FT
        /* Our old self merged it when it left: no owner any more. */
        STRESS_CHECK(atomic_load_explicit(&x->ob_tid, memory_order_relaxed) == 0
                     && (atomic_load_explicit(&x->ob_ref_shared, memory_order_relaxed)
                         & FT_SHARED_FLAG_MASK) == FT_REF_MERGED,
                     "object not merged by its owner's detach");
#endif
        STRESS_CHECK(ft_refcount(x) == 1 && ft_float_as_double(x) == (double)k,
                     "carried object: refcount %td", ft_refcount(x));
        ft_decref(x);                    /* merged: a shared free */
        if ((k & 7) == 0)
            ft_safepoint();
        stress_count(1);
    }
    atomic_fetch_add_explicit(&c->workers_done, 1, memory_order_release);
    /* Stay attached (counted in progress) until the stoppers finish their
     * quota, reaching safepoints. */
    while (atomic_load_explicit(&c->stoppers_done, memory_order_acquire) < 2) {
        bump(&c->prog, me);
        pause_attached();
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void attach_churn(void)
{
    ChurnCtx *c = calloc(1, sizeof *c);
    STRESS_CHECK(c, "oom");
    int n = stress_threads();
    if (n > MAXT)
        n = MAXT;
    c->nworkers = n - 2 >= 1 ? n - 2 : 1;
    c->cycles = stress_iters(4000, 2000);
    c->stops = stress_iters(2000, 1000);
    size_t nids = (size_t)c->nworkers * (size_t)(c->cycles + 1);
    c->ids = calloc(nids, sizeof *c->ids);
    STRESS_CHECK(c->ids, "oom");
    FtStats before = stats_now();
    stress_run_threads(c->nworkers + 2, attach_churn_worker, c);
    FtStats after = stats_now();
    uint64_t expect = (uint64_t)(c->nworkers + 2) + (uint64_t)c->nworkers * (uint64_t)c->cycles;
    STRESS_CHECK(after.threads_attached_total - before.threads_attached_total == expect,
                 "attaches %llu, expected %llu",
                 (unsigned long long)(after.threads_attached_total
                                      - before.threads_attached_total),
                 (unsigned long long)expect);
    STRESS_CHECK(atomic_load(&c->attaches) == c->nworkers * c->cycles, "attach count");
    STRESS_CHECK(after.threads_live == before.threads_live, "threads live %llu -> %llu",
                 (unsigned long long)before.threads_live,
                 (unsigned long long)after.threads_live);
    /* Ids are never reused: all distinct across threads. */
    qsort(c->ids, nids, sizeof *c->ids, cmp_u64);
    for (size_t i = 1; i < nids; i++)
        STRESS_CHECK(c->ids[i] != c->ids[i - 1], "thread id %llu given twice",
                     (unsigned long long)c->ids[i]);
    free(c->ids);
    free(c);
}

/* ================================================================
 * sort_park
 * ================================================================ */

typedef struct SortCtx {
    FtObject *list;
    long rounds;              /* sorts by the sorter */
    int hold;                 /* comparator yields now and then */
    _Atomic int sorter_done;
    long stops;               /* written by the stopper, read after join */
    long sorts_ok, sorts_modified;   /* written by the sorter */
} SortCtx;

/* Compares floats; allocates on every call (a safepoint poll inside the
 * sort's critical section), yields now and then when `hold` is set. */
static int alloc_cmp(FtObject *a, FtObject *b, void *arg)
{
    SortCtx *c = arg;
    FtObject *t = new_float(0.5);
    ft_decref(t);
    if (c->hold && (ft_float_as_double(a) > 40.0))
        sched_yield();
    double x = ft_float_as_double(a), y = ft_float_as_double(b);
    return x < y ? -1 : x > y;
}

static void sort_worker(void *vctx, int me)
{
    SortCtx *c = vctx;
    StressRng rng = stress_rng_for(me + 60);
    if (me == 0) {
        for (long r = 0; r < c->rounds; r++) {
            int rc = ft_list_sort(c->list, alloc_cmp, c, (int)(r & 1));
            if (rc == 0) {
                c->sorts_ok++;
            } else {
                STRESS_CHECK(ft_error_kind() == FT_ERR_VALUE, "sort: %s",
                             ft_error_message());
                ft_error_clear();
                c->sorts_modified++;
            }
            stress_count(1);
        }
        atomic_store_explicit(&c->sorter_done, 1, memory_order_release);
        return;
    }
    long stops = 0;
    while (!atomic_load_explicit(&c->sorter_done, memory_order_acquire)) {
        ft_world_stop();
        /* Inside the stopped world: the sorter is suspended in the middle
         * of its sort, and must have released the list's section (only it
         * and we lock the list, and we lock it only while it is stopped, so
         * a locked mutex here is the sorter's). */
#if !FT_MODE_GIL
        STRESS_CHECK(!ft__mutex_is_locked(c->list),
                     "the list's lock is held by a stopped thread");
#endif
        FtObject *x = new_float(-1.0);
        STRESS_OK(ft_list_append(c->list, x) == 0);
        ft_decref(x);
        FtObject *y = ft_list_pop(c->list, -1);
        STRESS_CHECK(y == x, "popped another item than the one appended");
        ft_decref(y);
        if (stress_below(&rng, 2) == 0) {
            FT_BEGIN_CRITICAL_SECTION(c->list);
            FT_END_CRITICAL_SECTION();
        }
        ft_world_start();
        stops++;
        if (stress_below(&rng, 4) == 0)
            pause_attached();
    }
    c->stops = stops;
}

static void sort_park_run(int hold)
{
    enum { N = 64 };
    SortCtx *c = calloc(1, sizeof *c);
    STRESS_CHECK(c, "oom");
    c->list = ft_list_new(0);
    STRESS_OK(c->list);
    c->hold = hold;
    c->rounds = stress_iters(4000, 400);
    double sum = 0;
    for (int i = 0; i < N; i++) {
        FtObject *f = new_float((double)((i * 37) % N));
        sum += (double)((i * 37) % N);
        STRESS_OK(ft_list_append(c->list, f) == 0);
        ft_decref(f);
    }
    stress_run_threads(2, sort_worker, c);
    STRESS_CHECK(ft_len(c->list) == N, "list length %td, expected %d",
                 ft_len(c->list), N);
    double got = 0;
    for (int i = 0; i < N; i++) {
        FtObject *f = ft_list_get_item(c->list, i);
        STRESS_OK(f);
        got += ft_float_as_double(f);
        ft_decref(f);
    }
    STRESS_CHECK(got == sum, "items changed: sum %g, expected %g", got, sum);
    STRESS_CHECK(c->sorts_ok + c->sorts_modified == c->rounds, "sorts");
    ft_decref(c->list);
    free(c);
}

static void sort_park(void)
{
    sort_park_run(1);     /* the comparator yields: long hold times */
    sort_park_run(0);     /* no hold time beyond the allocation */
}

/* ================================================================
 * cs2_orders
 * ================================================================ */

typedef struct Cs2Ctx {
    int nworkers;
    long iters;
    FtObject *a, *b;            /* two dicts used as lock objects */
    long count_a, count_b;      /* plain: only with both locks (or a's) held */
    long bad;                   /* plain, under both locks: broken entries */
    _Atomic int workers_done;
    long stops;                 /* written by the stopper, read after join */
} Cs2Ctx;

/* Hold the locks for ~1.5 ms now and then (spinning attached, no
 * safepoint): waiters then wait past the mutex's 1 ms fairness bound, and
 * unlocks hand the lock over to a parked thread. */
static void hold_long(void)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 1500000L);
}

/* Both locks: allocate first (may park: the section is suspended and
 * re-taken), then check and bump with nothing that parks in between. */
static void cs2_step(Cs2Ctx *c, FtObject *x, FtObject *y, int hold)
{
    FT_BEGIN_CRITICAL_SECTION2(x, y);
    FtObject *t = ft_float_from_double(1.0);
    STRESS_OK(t);
    if (c->count_a != c->count_b)
        c->bad++;
    c->count_a++;
    c->count_b++;
    if (hold)
        hold_long();
    ft_decref(t);
    FT_END_CRITICAL_SECTION2();
}

static void cs2_nested_inner(Cs2Ctx *c, FtObject *y)
{
    FT_BEGIN_CRITICAL_SECTION(y);
    if (c->count_a != c->count_b)
        c->bad++;
    c->count_a++;
    c->count_b++;
    FT_END_CRITICAL_SECTION();
}

/* Outer x, inner y: waiting for y parks, which suspends the x section,
 * so a thread holding y and waiting for x (a two-object section, or the
 * other nesting order) gets x: no deadlock in either order. The counters
 * are bumped only inside the inner section, where both are held. */
static void cs2_nested(Cs2Ctx *c, FtObject *x, FtObject *y)
{
    FT_BEGIN_CRITICAL_SECTION(x);
    cs2_nested_inner(c, y);
    FT_END_CRITICAL_SECTION();
}

static void cs2_worker(void *vctx, int me)
{
    Cs2Ctx *c = vctx;
    StressRng rng = stress_rng_for(me + 70);
    if (me == c->nworkers) {
        long stops = 0;
        while (atomic_load_explicit(&c->workers_done, memory_order_acquire) < c->nworkers) {
            ft_world_stop();
            if (stops & 1)
                cs2_step(c, c->b, c->a, 0);  /* locks nothing: world stopped */
            ft_world_start();
            stops++;
            if (stress_below(&rng, 8) == 0)
                pause_attached();
        }
        c->stops = stops;
        return;
    }
    for (long i = 0; i < c->iters; i++) {
        int hold = (i & 511) == 511;
        switch (stress_below(&rng, 4)) {
        case 0: cs2_step(c, c->a, c->b, hold); break;
        case 1: cs2_step(c, c->b, c->a, hold); break;
        case 2: cs2_nested(c, c->a, c->b); break;
        default: cs2_nested(c, c->b, c->a); break;
        }
        if ((i & 31) == 0)
            ft_safepoint();
    }
    stress_count(c->iters);
    atomic_fetch_add_explicit(&c->workers_done, 1, memory_order_release);
}

static void cs2_orders(void)
{
    Cs2Ctx *c = calloc(1, sizeof *c);
    STRESS_CHECK(c, "oom");
    int n = stress_threads();
    if (n > MAXT)
        n = MAXT;
    c->nworkers = n - 1 >= 2 ? n - 1 : 2;
    c->iters = stress_iters(200000, 20000);
    c->a = ft_dict_new();
    c->b = ft_dict_new();
    STRESS_OK(c->a && c->b);
    stress_run_threads(c->nworkers + 1, cs2_worker, c);
    long expect = (long)c->nworkers * c->iters + c->stops / 2;
    STRESS_CHECK(c->bad == 0, "%ld entries found the counters apart", c->bad);
    STRESS_CHECK(c->count_a == expect && c->count_b == expect,
                 "counts %ld/%ld, expected %ld", c->count_a, c->count_b, expect);
    ft_decref(c->a);
    ft_decref(c->b);
    free(c);
}

/* ================================================================
 * reattach_fair
 * ================================================================ */

typedef struct FairCtx {
    int nreattach;              /* workers 1..nreattach re-attach */
    long iters;
    _Atomic int done;           /* re-attachers finished */
    _Atomic long worst;         /* most restarts waited for in one re-attach */
} FairCtx;

static void fair_worker(void *vctx, int me)
{
    FairCtx *c = vctx;
    if (me == 0) {
        while (atomic_load_explicit(&c->done, memory_order_acquire) < c->nreattach) {
            ft_world_stop();
            ft_world_start();
        }
        return;
    }
    if (me > c->nreattach) {
        /* A busy thread: allocates, reaches safepoints. */
        while (atomic_load_explicit(&c->done, memory_order_acquire) < c->nreattach) {
            FtObject *f = new_float(1.0);
            ft_decref(f);
            ft_safepoint();
        }
        return;
    }
    long worst = 0;
    for (long i = 0; i < c->iters; i++) {
        ft_blocking_begin();
        sched_yield();                  /* a short wait, like a syscall */
        FtThreadState *ts = ft__tstate();
        uint64_t w0 = ts->attach_waits;
        ft_blocking_end();
        long k = (long)(ts->attach_waits - w0);
        if (k > worst)
            worst = k;
        /* Mode gil: a stop is only taking the GIL's place, and re-attaching
         * is taking the GIL, fair by its 5 ms switch interval instead. */
        STRESS_CHECK(FT_MODE_GIL || k <= 1, "re-attach %ld waited for %ld restarts (unfair)",
                     i, k);
        stress_count(1);
    }
    long w = atomic_load_explicit(&c->worst, memory_order_relaxed);
    while (worst > w && !atomic_compare_exchange_weak_explicit(&c->worst, &w, worst,
               memory_order_relaxed, memory_order_relaxed))
        ;
    atomic_fetch_add_explicit(&c->done, 1, memory_order_release);
}

static void reattach_fair(void)
{
    FairCtx *c = calloc(1, sizeof *c);
    STRESS_CHECK(c, "oom");
    int n = stress_threads();
    if (n > MAXT)
        n = MAXT;
    c->nreattach = n - 2 >= 1 ? n - 2 : 1;
    c->iters = stress_iters(4000, 500);
    stress_run_threads(c->nreattach + 2, fair_worker, c);
    STRESS_CHECK(FT_MODE_GIL || atomic_load(&c->worst) <= 1, "worst %ld",
                 atomic_load(&c->worst));
    free(c);
}

int main(int argc, char **argv)
{
    stress_init(argc, argv, "threads");
    stress_scenario("stw_progress", stw_progress, STRESS_LIVE_EXACT);
    stress_scenario("cs_handoff", cs_handoff, STRESS_LIVE_EXACT);
    stress_scenario("attach_churn", attach_churn, STRESS_LIVE_EXACT);
    stress_scenario("sort_park", sort_park, STRESS_LIVE_EXACT);
    stress_scenario("cs2_orders", cs2_orders, STRESS_LIVE_EXACT);
    stress_scenario("reattach_fair", reattach_fair, STRESS_LIVE_EXACT);
    return stress_finish();
}
