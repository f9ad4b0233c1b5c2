/* bench/ftbench.c: the workloads of ../shared/bench/WORKLOADS.md run through
 * ftrt's public API (include/ftrt.h) and nothing else, so that what it
 * measures is what an embedding program gets. The build mode (ft, gil,
 * atomic) comes from <ftrt/config.h>; the same source runs in all three.
 *
 * Usage: ftbench --workload NAME --n N --threads T [--writers W] [--hold]
 * prints one JSON line (bench_common.c). bench/cpython/cpybench.c runs the
 * same workloads through CPython's C API; keep the two in step: the same
 * objects, the same number of calls, each API's ordinary idiom (here
 * ft_dict_lookup returns a new reference, so the value is decref'd).
 *
 * Threads: every worker is attached for the whole run and waits at the
 * harness barriers inside ft_blocking_begin/end. Automatic collection stays
 * at its default except in gc_cycles and gc_live (it would collect during
 * the build). `stw` measures ft_world_stop with T busy threads.
 * `reattach` (ftrt only) measures how long a thread leaving a blocking
 * region waits to re-attach while another thread stops and restarts the
 * world in a tight loop (issue 10 item 3: fairness of re-attaching).
 */
#include <ftrt.h>

#include "bench_common.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static FtType *g_class_a;       /* class A: instances with a __dict__ */
static FtObject *g_name[4];     /* interned "x", "y", "z", "other" */

/* ---- driver ---- */

static int rt_init(void)
{
    static const char *names[4] = { "x", "y", "z", "other" };
    FtClassSpec spec = { .name = "A" };

    if (ft_runtime_init() < 0)
        return -1;
    /* bigint_mul prints products far longer than the default int text
     * limit (4300 digits). */
    if (ft_set_int_max_str_digits(0) < 0)
        return -1;
    if (!(g_class_a = ft_class_new(&spec)))
        return -1;
    for (int i = 0; i < 4; i++)
        if (!(g_name[i] = ft_str_intern_cstr(names[i])))
            return -1;
    return 0;
}

static void rt_fini(void)
{
    for (int i = 0; i < 4; i++)
        FT_CLEAR(g_name[i]);
    FT_CLEAR(g_class_a);
    ft_runtime_fini();
}

static const char *rt_error(void) { return ft_error_message(); }
static void rt_leave(void) { (void)ft_thread_detach(); }

static const BenchDriver driver = {
    .mode = FT_MODE_NAME,
    .init = rt_init, .fini = rt_fini,
    .thread_enter = ft_thread_attach,
    .thread_leave = rt_leave,
    .block_begin = ft_blocking_begin, .block_end = ft_blocking_end,
    .last_error = rt_error,
};

/* ---- helpers ---- */

/* --hold: room for every object of a thread, touched now so that its pages
 * count in the setup RSS rather than in the measured peak. */
static int hold_setup(BenchCtx *c, BenchThread *t)
{
    if (!c->hold)
        return 0;
    t->local[1] = calloc((size_t)c->n, sizeof(FtObject *));
    if (!t->local[1]) {
        ft_error_set(FT_ERR_MEMORY, "hold array");
        return -1;
    }
    memset(t->local[1], 0, (size_t)c->n * sizeof(FtObject *));
    return 0;
}

static void keep_or_drop(BenchCtx *c, BenchThread *t, long i, FtObject *o)
{
    if (c->hold)
        ((FtObject **)t->local[1])[i] = o;
    else
        ft_decref(o);
}

static void hold_release(BenchCtx *c, BenchThread *t)
{
    FtObject **a = t->local[1];
    if (!a)
        return;
    for (long i = 0; i < c->n; i++)
        FT_CLEAR(a[i]);
}

static void hold_teardown(BenchCtx *c, BenchThread *t)
{
    hold_release(c, t);
    free(t->local[1]);
    t->local[1] = NULL;
}

static void hold_report(BenchCtx *c)
{
    if (c->hold)
        bench_extra_int(c, "live_objects", c->n * c->threads);
}

static void phases_report(BenchCtx *c, const char *k0, const char *k1, double scale)
{
    double a = 0, b = 0;
    int n = c->nworkers;

    for (int i = 0; i < n; i++)
        a += (double)c->thr[i].phase_ns[0], b += (double)c->thr[i].phase_ns[1];
    bench_extra_num(c, k0, a / n / scale);
    bench_extra_num(c, k1, b / n / scale);
}

/* ---- refcount_local, refcount_shared ---- */

static int count_loop(BenchCtx *c, FtObject *o)
{
    for (long i = 0; i < c->n; i++) {
        ft_incref(o);
        BENCH_CLOBBER();
        ft_decref(o);
        BENCH_CLOBBER();
    }
    return 0;
}

static int rc_local_setup(BenchCtx *c, BenchThread *t)
{
    t->local[0] = ft_float_from_double(1.5);
    return t->local[0] ? 0 : -1;
}
static int rc_local_run(BenchCtx *c, BenchThread *t) { return count_loop(c, t->local[0]); }
static void rc_local_teardown(BenchCtx *c, BenchThread *t)
{
    FtObject *o = t->local[0];
    t->local[0] = NULL;
    ft_xdecref(o);
}

static int rc_shared_setup(BenchCtx *c)
{
    c->shared[0] = ft_float_from_double(2.5);
    return c->shared[0] ? 0 : -1;
}
static int rc_shared_run(BenchCtx *c, BenchThread *t) { return count_loop(c, c->shared[0]); }
static void rc_shared_teardown(BenchCtx *c)
{
    FtObject *o = c->shared[0];
    c->shared[0] = NULL;
    ft_xdecref(o);
}

/* ---- alloc_float, alloc_tuple3, alloc_instance ---- */

static int alloc_float_run(BenchCtx *c, BenchThread *t)
{
    for (long i = 0; i < c->n; i++) {
        FtObject *o = ft_float_from_double((double)i + 0.5);
        if (!o)
            return -1;
        keep_or_drop(c, t, i, o);
    }
    hold_release(c, t);
    return 0;
}

static int alloc_tuple3_run(BenchCtx *c, BenchThread *t)
{
    FtObject *a = ft_int_from_i64(1), *b = ft_int_from_i64(2),
             *d = ft_int_from_i64(3);   /* immortal small ints */
    int rc = 0;

    for (long i = 0; i < c->n; i++) {
        FtObject *o = ft_tuple_pack(3, a, b, d);
        if (!o) {
            rc = -1;
            break;
        }
        keep_or_drop(c, t, i, o);
    }
    hold_release(c, t);
    ft_decref(a), ft_decref(b), ft_decref(d);
    return rc;
}

static int alloc_instance_run(BenchCtx *c, BenchThread *t)
{
    FtObject *v[3] = { ft_int_from_i64(0), ft_int_from_i64(1), ft_int_from_i64(2) };
    int rc = 0;

    for (long i = 0; i < c->n && rc == 0; i++) {
        FtObject *o = ft_instance_new(g_class_a);
        if (!o) {
            rc = -1;
            break;
        }
        for (int k = 0; k < 3; k++)
            if (ft_setattr_obj(o, g_name[k], v[k]) < 0)
                rc = -1;
        keep_or_drop(c, t, i, o);
    }
    hold_release(c, t);
    for (int k = 0; k < 3; k++)
        ft_decref(v[k]);
    return rc;
}

/* ---- list_append ---- */

static int list_append_run(BenchCtx *c, BenchThread *t)
{
    FtObject *l = ft_list_new(0);
    int rc = 0;

    if (!l)
        return -1;
    for (long i = 0; i < c->n; i++) {
        FtObject *v = ft_int_from_i64(i);
        if (!v || ft_list_append(l, v) < 0) {
            ft_xdecref(v);
            rc = -1;
            break;
        }
        ft_decref(v);
    }
    t->count = (long)ft_len(l);
    ft_decref(l);
    return rc;
}

static void live_n_report(BenchCtx *c)
{
    bench_extra_int(c, "live_objects", c->n * c->threads);
}

/* ---- dict_str ---- */

static int dict_str_setup(BenchCtx *c, BenchThread *t)
{
    FtObject **keys = calloc((size_t)c->n, sizeof *keys);

    if (!(t->local[0] = keys)) {
        ft_error_set(FT_ERR_MEMORY, "key array");
        return -1;
    }
    for (long i = 0; i < c->n; i++)
        if (!(keys[i] = ft_str_from_format("key_%ld", i)))
            return -1;
    return 0;
}

static int dict_str_run(BenchCtx *c, BenchThread *t)
{
    FtObject **keys = t->local[0];
    FtObject *d = ft_dict_new();
    uint64_t t0 = bench_now_ns(), t1;
    long found = 0;

    if (!(t->local[1] = d))
        return -1;
    for (long i = 0; i < c->n; i++) {
        FtObject *v = ft_int_from_i64(i + 1000);
        if (!v || ft_dict_set_item(d, keys[i], v) < 0) {
            ft_xdecref(v);
            return -1;
        }
        ft_decref(v);
    }
    t1 = bench_now_ns();
    for (long i = 0; i < c->n; i++) {
        FtObject *v;
        int r = ft_dict_lookup(d, keys[i], &v);
        if (r < 0)
            return -1;
        if (r > 0) {
            found++;
            ft_decref(v);
        }
    }
    t->phase_ns[0] = t1 - t0;
    t->phase_ns[1] = bench_now_ns() - t1;
    t->count = found;
    return found == c->n ? 0 : -1;
}

static void dict_str_teardown(BenchCtx *c, BenchThread *t)
{
    FtObject **keys = t->local[0];
    FtObject *d = t->local[1];

    t->local[1] = NULL;
    ft_xdecref(d);
    if (keys)
        for (long i = 0; i < c->n; i++)
            FT_CLEAR(keys[i]);
    free(keys);
    t->local[0] = NULL;
}

static void dict_str_report(BenchCtx *c)
{
    phases_report(c, "insert_ns", "lookup_ns", (double)c->n);
}

/* ---- dict_shared_read ---- */

#define SHARED_KEYS 1000
#define WRITER_KEYS 64

static int dsr_setup(BenchCtx *c)
{
    FtObject **keys = calloc(SHARED_KEYS, sizeof *keys);
    FtObject *d = ft_dict_new();

    c->shared[0] = d, c->shared[1] = keys;
    if (!d || !keys)
        return -1;
    for (long i = 0; i < SHARED_KEYS; i++) {
        FtObject *v = ft_int_from_i64(i + 1000);
        keys[i] = ft_str_from_format("shared_key_%ld", i);
        if (!v || !keys[i] || ft_dict_set_item(d, keys[i], v) < 0) {
            ft_xdecref(v);
            return -1;
        }
        ft_decref(v);
    }
    return 0;
}

static int dsr_thread_setup(BenchCtx *c, BenchThread *t)
{
    FtObject **wk;

    if (!t->is_writer)
        return 0;
    if (!(wk = calloc(WRITER_KEYS, sizeof *wk)))
        return -1;
    t->local[0] = wk;
    for (int j = 0; j < WRITER_KEYS; j++)
        if (!(wk[j] = ft_str_from_format("writer_%d_%d", t->tid, j)))
            return -1;
    return 0;
}

static int dsr_write(BenchCtx *c, BenchThread *t)
{
    FtObject *d = c->shared[0], **wk = t->local[0];

    for (long i = 0; i < c->n; i++) {
        FtObject *k = wk[i % WRITER_KEYS];
        int rc = (i / WRITER_KEYS) % 2 == 0 ? ft_dict_set_item(d, k, k)
                                            : ft_dict_del_item(d, k);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int dsr_run(BenchCtx *c, BenchThread *t)
{
    FtObject *d = c->shared[0], **keys = c->shared[1];
    uint64_t t0 = bench_now_ns();
    long found = 0;

    if (t->is_writer)
        return dsr_write(c, t);
    for (long i = 0; i < c->n; i++) {
        FtObject *v;
        int r = ft_dict_lookup(d, keys[(i * 7 + t->tid) % SHARED_KEYS], &v);
        if (r < 0)
            return -1;
        if (r > 0) {
            found++;
            ft_decref(v);
        }
    }
    t->phase_ns[0] = bench_now_ns() - t0;
    t->count = found;
    return found == c->n ? 0 : -1;
}

static void dsr_thread_teardown(BenchCtx *c, BenchThread *t)
{
    FtObject **wk = t->local[0];
    if (wk)
        for (int j = 0; j < WRITER_KEYS; j++)
            FT_CLEAR(wk[j]);
    free(wk);
    t->local[0] = NULL;
}

static void dsr_teardown(BenchCtx *c)
{
    FtObject **keys = c->shared[1];
    FtObject *d = c->shared[0];
    double sum = 0;
    int readers = 0;

    for (int i = 0; i < c->nworkers; i++)
        if (!c->thr[i].is_writer)
            sum += (double)c->thr[i].phase_ns[0], readers++;
    if (readers)
        bench_extra_num(c, "read_ns", sum / readers / (double)c->n);
    c->shared[0] = NULL;
    ft_xdecref(d);
    if (keys)
        for (int i = 0; i < SHARED_KEYS; i++)
            FT_CLEAR(keys[i]);
    free(keys);
}

/* ---- str_intern ---- */

static int str_intern_run(BenchCtx *c, BenchThread *t)
{
    long half = c->n / 2 > 0 ? c->n / 2 : 1;
    char buf[64];

    for (long i = 0; i < c->n; i++) {
        snprintf(buf, sizeof buf, "interned_name_%ld", i % half);
        FtObject *s = ft_str_intern_cstr(buf);
        if (!s)
            return -1;
        ft_decref(s);
    }
    return 0;
}

/* ---- bigint_mul ---- */

static int bigint_setup(BenchCtx *c, BenchThread *t)
{
    uint64_t state = 0x5EED0000u + (uint64_t)t->tid;

    t->local[0] = ft_int_random_digits(c->n, &state);
    t->local[1] = ft_int_random_digits(c->n, &state);
    return t->local[0] && t->local[1] ? 0 : -1;
}

static int bigint_run(BenchCtx *c, BenchThread *t)
{
    uint64_t t0 = bench_now_ns(), t1;
    FtObject *p = ft_int_mul(t->local[0], t->local[1]), *s;

    t1 = bench_now_ns();
    if (!p)
        return -1;
    s = ft_int_to_string(p, 10);
    t->phase_ns[0] = t1 - t0;
    t->phase_ns[1] = bench_now_ns() - t1;
    t->count = s ? (long)ft_str_length(s) : 0;
    ft_decref(p);
    ft_xdecref(s);
    return s ? 0 : -1;
}

static void bigint_teardown(BenchCtx *c, BenchThread *t)
{
    FT_CLEAR(t->local[0]);
    FT_CLEAR(t->local[1]);
}

static void bigint_report(BenchCtx *c)
{
    phases_report(c, "mul_ms", "str_ms", 1e6);
    bench_extra_int(c, "decimal_digits", c->thr[0].count);
}

/* ---- gc_cycles, gc_live ---- */

static int gc_off(BenchCtx *c)
{
    if (ft_gc_collect() < 0)   /* start from a clean heap */
        return -1;
    ft_gc_disable();
    return 0;
}

/* One full collection, timed from the caller's side (what a program waits)
 * and by the collector's own count of stopped-world time. */
static int timed_collect(BenchThread *t)
{
    FtGcStats before, after;
    uint64_t t0;

    ft_gc_enable();
    ft_gc_get_stats(&before);
    t0 = bench_now_ns();
    t->count = (long)ft_gc_collect();
    t->phase_ns[0] = bench_now_ns() - t0;
    ft_gc_get_stats(&after);
    t->phase_ns[1] = after.pause_total_ns - before.pause_total_ns;
    return t->count < 0 ? -1 : 0;
}

static int gc_cycles_run(BenchCtx *c, BenchThread *t)
{
    for (long i = 0; i < c->n / 2; i++) {
        FtObject *a = ft_instance_new(g_class_a);
        FtObject *b = ft_instance_new(g_class_a);
        if (!a || !b || ft_setattr_obj(a, g_name[3], b) < 0 ||
            ft_setattr_obj(b, g_name[3], a) < 0) {
            ft_xdecref(a);
            ft_xdecref(b);
            return -1;
        }
        ft_decref(a);
        ft_decref(b);
    }
    return timed_collect(t);
}

static void gc_report(BenchCtx *c)
{
    bench_extra_num(c, "pause_ms", (double)c->thr[0].phase_ns[0] / 1e6);
    bench_extra_num(c, "stw_pause_ms", (double)c->thr[0].phase_ns[1] / 1e6);
    bench_extra_int(c, "collected", c->thr[0].count);
}

static int gc_live_setup(BenchCtx *c, BenchThread *t)
{
    FtObject *holder = ft_list_new(0), *zero = ft_int_from_i64(0);

    if (!(t->local[0] = holder))
        return -1;
    for (long i = 0; i < c->n; i++) {
        FtObject *l = ft_list_new(0);
        if (!l || ft_list_append(l, zero) < 0 || ft_list_append(holder, l) < 0) {
            ft_xdecref(l);
            return -1;
        }
        ft_decref(l);
    }
    ft_decref(zero);
    return 0;
}

static int gc_live_run(BenchCtx *c, BenchThread *t) { return timed_collect(t); }

static void gc_live_teardown(BenchCtx *c, BenchThread *t) { FT_CLEAR(t->local[0]); }

static void gc_live_report(BenchCtx *c)
{
    gc_report(c);
    bench_extra_int(c, "live_objects", c->n);
}

/* ---- thread_churn ---- */

#define CHURN_OBJECTS 100

typedef struct Churn {
    FtObject *handed[CHURN_OBJECTS / 2];
    int ok;
} Churn;

/* Runs attached (ft_thread_start attaches and detaches around it). */
static void *churn_child(void *arg)
{
    Churn *ch = arg;
    int ok = 1;

    for (int i = 0; i < CHURN_OBJECTS; i++) {
        FtObject *o = i % 2 ? ft_list_new(0) : ft_float_from_double(i);
        if (!o) {
            ok = 0;
            continue;
        }
        if (i < CHURN_OBJECTS / 2)
            ch->handed[i] = o;
        else
            ft_decref(o);
    }
    ch->ok = ok;
    return NULL;
}

static int churn_run(BenchCtx *c, BenchThread *t)
{
    for (long i = 0; i < c->n; i++) {
        Churn ch;
        pthread_t th;
        memset(&ch, 0, sizeof ch);
        if (ft_thread_start(&th, churn_child, &ch) != 0)
            return -1;
        ft_blocking_begin();
        pthread_join(th, NULL);
        ft_blocking_end();
        for (int k = 0; k < CHURN_OBJECTS / 2; k++)
            FT_CLEAR(ch.handed[k]);
        if (!ch.ok)
            return -1;
    }
    return 0;
}

/* ---- stw: ft_world_stop with T busy threads ---- */

typedef struct StwState {
    uint64_t *stop_ns;      /* what ft_world_stop returned */
    uint64_t *excl_ns;      /* re-attach + stop, wall clock */
    atomic_int done;        /* set by worker 0 when it has finished */
} StwState;

static int stw_setup(BenchCtx *c)
{
    StwState *s = calloc(1, sizeof *s);

    if (!(c->shared[0] = s))
        return -1;
    s->stop_ns = calloc((size_t)c->n, sizeof(uint64_t));
    s->excl_ns = calloc((size_t)c->n, sizeof(uint64_t));
    atomic_init(&s->done, 0);
    return s->stop_ns && s->excl_ns ? 0 : -1;
}

/* A busy thread: allocates and frees, polling a safepoint between batches
 * as an interpreter does on backward jumps. */
static int stw_busy(StwState *s)
{
    /* relaxed: a flag with no data behind it; seeing it late costs one
     * batch. */
    while (!atomic_load_explicit(&s->done, memory_order_relaxed)) {
        for (int k = 0; k < 16; k++) {
            FtObject *o = ft_float_from_double(k);
            if (!o)
                return -1;
            ft_decref(o);
        }
        ft_safepoint();
    }
    return 0;
}

static int stw_run(BenchCtx *c, BenchThread *t)
{
    StwState *s = c->shared[0];
    struct timespec pause = { 0, 500000 };

    if (t->tid != 0)
        return stw_busy(s);
    for (long i = 0; i < c->n; i++) {
        uint64_t t0;
        ft_blocking_begin();
        nanosleep(&pause, NULL);
        t0 = bench_now_ns();
        ft_blocking_end();
        s->stop_ns[i] = ft_world_stop();
        s->excl_ns[i] = bench_now_ns() - t0;
        ft_world_start();
    }
    atomic_store_explicit(&s->done, 1, memory_order_relaxed);
    return 0;
}

static void stw_teardown(BenchCtx *c)
{
    StwState *s = c->shared[0];
    uint64_t max = 0, emax = 0;

    if (!s)
        return;
    for (long i = 0; i < c->n; i++) {
        max = s->stop_ns[i] > max ? s->stop_ns[i] : max;
        emax = s->excl_ns[i] > emax ? s->excl_ns[i] : emax;
    }
    bench_extra_num(c, "stop_ns_median", (double)bench_median_u64(s->stop_ns, (size_t)c->n));
    bench_extra_num(c, "stop_ns_max", (double)max);
    bench_extra_num(c, "exclusive_ns_median", (double)bench_median_u64(s->excl_ns, (size_t)c->n));
    bench_extra_num(c, "exclusive_ns_max", (double)emax);
    bench_extra_str(c, "what", "ft_world_stop with T busy threads");
    free(s->stop_ns);
    free(s->excl_ns);
    free(s);
}

/* ---- reattach: re-attach latency against a stop/start loop ----
 * Worker 0 stops and restarts the world until worker 1 is done; worker 1
 * leaves and re-enters a blocking region n times and times each
 * ft_blocking_end (the re-attach); workers 2.. (--threads T > 1) are busy
 * threads as in `stw`. */

typedef struct ReattachState {
    uint64_t *wait_ns;      /* each ft_blocking_end of worker 1 */
    atomic_int done;        /* set by worker 1 when it has finished */
    atomic_int started;     /* set by worker 0 after its first stop */
    atomic_long stops;      /* completed stops (worker 0 adds, relaxed) */
    long max_cycles;        /* most stops completed during one re-attach */
} ReattachState;

static int reattach_setup(BenchCtx *c)
{
    ReattachState *s = calloc(1, sizeof *s);

    if (!(c->shared[0] = s))
        return -1;
    s->wait_ns = calloc((size_t)c->n, sizeof(uint64_t));
    atomic_init(&s->done, 0);
    atomic_init(&s->started, 0);
    atomic_init(&s->stops, 0);
    return s->wait_ns ? 0 : -1;
}

static int reattach_run(BenchCtx *c, BenchThread *t)
{
    ReattachState *s = c->shared[0];

    if (t->tid == 0) {
        /* relaxed: flags and a counter with no data behind them (the join
         * orders the timings before the teardown reads them). */
        while (!atomic_load_explicit(&s->done, memory_order_relaxed)) {
            ft_world_stop();
            ft_world_start();
            if (atomic_fetch_add_explicit(&s->stops, 1, memory_order_relaxed) == 0)
                atomic_store_explicit(&s->started, 1, memory_order_relaxed);
        }
        return 0;
    }
    if (t->tid == 1) {
        while (!atomic_load_explicit(&s->started, memory_order_relaxed))
            ft_safepoint();
        for (long i = 0; i < c->n; i++) {
            ft_blocking_begin();
            sched_yield();              /* a short wait, like a syscall */
            long k0 = atomic_load_explicit(&s->stops, memory_order_relaxed);
            uint64_t t0 = bench_now_ns();
            ft_blocking_end();
            s->wait_ns[i] = bench_now_ns() - t0;
            long k = atomic_load_explicit(&s->stops, memory_order_relaxed) - k0;
            s->max_cycles = k > s->max_cycles ? k : s->max_cycles;
        }
        atomic_store_explicit(&s->done, 1, memory_order_relaxed);
        return 0;
    }
    while (!atomic_load_explicit(&s->done, memory_order_relaxed)) {
        for (int k = 0; k < 16; k++) {
            FtObject *o = ft_float_from_double(k);
            if (!o)
                return -1;
            ft_decref(o);
        }
        ft_safepoint();
    }
    return 0;
}

static void reattach_teardown(BenchCtx *c)
{
    ReattachState *s = c->shared[0];
    uint64_t max = 0, total = 0;

    if (!s)
        return;
    for (long i = 0; i < c->n; i++) {
        max = s->wait_ns[i] > max ? s->wait_ns[i] : max;
        total += s->wait_ns[i];
    }
    bench_extra_num(c, "reattach_ns_median",
                    (double)bench_median_u64(s->wait_ns, (size_t)c->n));
    bench_extra_num(c, "reattach_ns_max", (double)max);
    bench_extra_num(c, "reattach_ns_total", (double)total);
    bench_extra_num(c, "stops", (double)atomic_load(&s->stops));
    bench_extra_num(c, "reattach_stop_cycles_max", (double)s->max_cycles);
    bench_extra_str(c, "what", "ft_blocking_end while another thread stops the world in a loop");
    free(s->wait_ns);
    free(s);
}

/* ---- the table ---- */

static const BenchWorkload workloads[] = {
    { .name = "refcount_local", .thread_setup = rc_local_setup,
      .thread_run = rc_local_run, .thread_teardown = rc_local_teardown },
    { .name = "refcount_shared", .setup = rc_shared_setup,
      .thread_run = rc_shared_run, .teardown = rc_shared_teardown },
    { .name = "alloc_float", .thread_setup = hold_setup,
      .thread_run = alloc_float_run, .thread_teardown = hold_teardown,
      .teardown = hold_report },
    { .name = "alloc_tuple3", .thread_setup = hold_setup,
      .thread_run = alloc_tuple3_run, .thread_teardown = hold_teardown,
      .teardown = hold_report },
    { .name = "alloc_instance", .thread_setup = hold_setup,
      .thread_run = alloc_instance_run, .thread_teardown = hold_teardown,
      .teardown = hold_report },
    { .name = "list_append", .thread_run = list_append_run,
      .teardown = live_n_report },
    { .name = "dict_str", .thread_setup = dict_str_setup,
      .thread_run = dict_str_run, .thread_teardown = dict_str_teardown,
      .teardown = dict_str_report },
    { .name = "dict_shared_read", .setup = dsr_setup,
      .thread_setup = dsr_thread_setup, .thread_run = dsr_run,
      .thread_teardown = dsr_thread_teardown, .teardown = dsr_teardown },
    { .name = "str_intern", .thread_run = str_intern_run },
    { .name = "bigint_mul", .thread_setup = bigint_setup,
      .thread_run = bigint_run, .thread_teardown = bigint_teardown,
      .teardown = bigint_report },
    { .name = "gc_cycles", .single_thread = 1, .setup = gc_off,
      .thread_run = gc_cycles_run, .teardown = gc_report },
    { .name = "gc_live", .single_thread = 1, .setup = gc_off,
      .thread_setup = gc_live_setup, .thread_run = gc_live_run,
      .thread_teardown = gc_live_teardown, .teardown = gc_live_report },
    { .name = "thread_churn", .thread_run = churn_run },
    { .name = "stw", .stopper = 1, .setup = stw_setup,
      .thread_run = stw_run, .teardown = stw_teardown },
    { .name = "reattach", .stopper = 1, .setup = reattach_setup,
      .thread_run = reattach_run, .teardown = reattach_teardown },
};

int main(int argc, char **argv)
{
    return bench_main(argc, argv, &driver, workloads,
                      sizeof workloads / sizeof workloads[0]);
}
