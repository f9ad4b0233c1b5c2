/* bench/bench_common.c: command line, thread harness, clock, VmHWM and the
 * JSON line shared by the benchmark drivers. The protocol of one run is
 * described in bench_common.h; this file must not depend on any runtime.
 *
 * Threads: worker 0 is the main thread; workers 1.. are plain pthreads that
 * enter the runtime through the driver. The three barriers are the only
 * synchronisation between workers that the harness adds; `failed` flags are
 * written before a barrier and read after it (the barrier orders them).
 */
#include "bench_common.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct Harness {
    const BenchDriver *drv;
    const BenchWorkload *w;
    BenchCtx *c;
    pthread_barrier_t ready, go, done;
    uint64_t t0, t1;
} Harness;

typedef struct WorkerArg {
    Harness *h;
    BenchThread *t;
} WorkerArg;

/* ---- small utilities ---- */

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

long bench_status_kib(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t flen = strlen(field);
    long v = -1;

    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
            v = strtol(line + flen + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

static void extra_add(BenchCtx *c, const char *fmt, ...)
{
    size_t used = strlen(c->extra);
    va_list ap;

    if (used >= sizeof c->extra - 1)
        return;
    if (used > 0)
        c->extra[used++] = ',', c->extra[used++] = ' ', c->extra[used] = '\0';
    va_start(ap, fmt);
    vsnprintf(c->extra + used, sizeof c->extra - used, fmt, ap);
    va_end(ap);
}

void bench_extra_num(BenchCtx *c, const char *key, double v)
{
    extra_add(c, "\"%s\": %.6g", key, v);
}

void bench_extra_int(BenchCtx *c, const char *key, long long v)
{
    extra_add(c, "\"%s\": %lld", key, v);
}

void bench_extra_str(BenchCtx *c, const char *key, const char *v)
{
    extra_add(c, "\"%s\": \"%s\"", key, v);   /* callers pass plain text */
}

uint64_t bench_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void bench_spin_ns(uint64_t ns)
{
    uint64_t end = bench_now_ns() + ns;
    while (bench_now_ns() < end)
        BENCH_CLOBBER();
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

uint64_t bench_median_u64(uint64_t *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_u64);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- the harness ---- */

static void report_failure(Harness *h, BenchThread *t, const char *what)
{
    const char *msg = h->drv->last_error ? h->drv->last_error() : "";
    fprintf(stderr, "ftbench: %s: thread %d: %s failed: %s\n",
            h->c->workload, t->tid, what, msg ? msg : "");
    t->failed = 1;
}

/* Steps 2-7 of the protocol for one worker (bench_common.h). */
static void worker_body(Harness *h, BenchThread *t)
{
    BenchCtx *c = h->c;
    const BenchWorkload *w = h->w;

    if (w->thread_setup && w->thread_setup(c, t) < 0)
        report_failure(h, t, "setup");
    h->drv->block_begin();
    pthread_barrier_wait(&h->ready);
    if (t->tid == 0)
        c->rss_setup_kib = bench_status_kib("VmRSS");
    pthread_barrier_wait(&h->go);
    if (t->tid == 0)
        h->t0 = bench_now_ns();
    h->drv->block_end();
    if (!t->failed && w->thread_run(c, t) < 0)
        report_failure(h, t, "run");
    h->drv->block_begin();
    pthread_barrier_wait(&h->done);
    if (t->tid == 0)
        h->t1 = bench_now_ns();
    h->drv->block_end();
    if (w->thread_teardown)
        w->thread_teardown(c, t);
}

static void *worker_main(void *arg)
{
    WorkerArg *a = arg;

    if (a->h->drv->thread_enter() < 0) {
        /* Cannot touch the runtime: still meet the barriers so that the
         * others finish, with the run marked failed. */
        fprintf(stderr, "ftbench: thread %d could not enter the runtime\n",
                a->t->tid);
        a->t->failed = 1;
        pthread_barrier_wait(&a->h->ready);
        pthread_barrier_wait(&a->h->go);
        pthread_barrier_wait(&a->h->done);
        return NULL;
    }
    worker_body(a->h, a->t);
    a->h->drv->thread_leave();
    return NULL;
}

static int run_threads(Harness *h)
{
    BenchCtx *c = h->c;
    int nw = c->nworkers;
    pthread_t tids[BENCH_MAX_THREADS];
    WorkerArg args[BENCH_MAX_THREADS];
    int started = 1, failed = 0;

    pthread_barrier_init(&h->ready, NULL, (unsigned)nw);
    pthread_barrier_init(&h->go, NULL, (unsigned)nw);
    pthread_barrier_init(&h->done, NULL, (unsigned)nw);
    for (int i = 1; i < nw; i++) {
        args[i].h = h;
        args[i].t = &c->thr[i];
        if (pthread_create(&tids[i], NULL, worker_main, &args[i]) != 0) {
            fprintf(stderr, "ftbench: pthread_create failed\n");
            exit(1);   /* the barriers expect nw parties: cannot go on */
        }
        started++;
    }
    worker_body(h, &c->thr[0]);
    h->drv->block_begin();
    for (int i = 1; i < started; i++)
        pthread_join(tids[i], NULL);
    h->drv->block_end();
    pthread_barrier_destroy(&h->ready);
    pthread_barrier_destroy(&h->go);
    pthread_barrier_destroy(&h->done);
    for (int i = 0; i < nw; i++)
        failed |= c->thr[i].failed;
    return failed ? -1 : 0;
}

/* ---- command line and output ---- */

static void usage(const char *prog, const BenchWorkload *table, size_t ntable)
{
    fprintf(stderr,
        "usage: %s --workload NAME --n N [--threads T] [--writers W] [--hold]\n"
        "       %s --list\n"
        "  --hold keeps every object of alloc_* alive until the end (memory)\n"
        "workloads:", prog, prog);
    for (size_t i = 0; i < ntable; i++)
        fprintf(stderr, " %s", table[i].name);
    fprintf(stderr, "\n");
}

static void list_workloads(const BenchWorkload *table, size_t ntable)
{
    for (size_t i = 0; i < ntable; i++) {
        if (table[i].needs)
            printf("%s unavailable needs %s\n", table[i].name, table[i].needs);
        else
            printf("%s available%s\n", table[i].name,
                   table[i].single_thread ? " single-thread" : "");
    }
}

static long parse_long(const char *s, const char *opt)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < 0) {
        fprintf(stderr, "ftbench: bad value for %s: %s\n", opt, s);
        exit(2);
    }
    return v;
}

static void print_json(const BenchDriver *drv, BenchCtx *c)
{
    double s = c->seconds;
    double nsop = s * 1e9 / (double)(c->n ? c->n : 1);
    double ops = s > 0 ? (double)c->n * c->threads / s : 0.0;

    printf("{\"workload\": \"%s\", \"mode\": \"%s\", \"threads\": %d, "
           "\"n\": %ld, \"seconds\": %.6f, \"ns_per_op\": %.3f, "
           "\"ops_per_s\": %.0f, \"peak_rss_kib\": %ld, \"extra\": {%s}}\n",
           c->workload, drv->mode, c->threads, c->n, s, nsop, ops,
           bench_status_kib("VmHWM"), c->extra);
    fflush(stdout);
}

static const BenchWorkload *find(const BenchWorkload *t, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].name, name) == 0)
            return &t[i];
    return NULL;
}

static int run_one(const BenchDriver *drv, const BenchWorkload *w, BenchCtx *c)
{
    Harness h = { .drv = drv, .w = w, .c = c };
    BenchThread thr[BENCH_MAX_THREADS];
    int rc;

    memset(thr, 0, sizeof thr);
    bench_extra_int(c, "rss_start_kib", bench_status_kib("VmRSS"));
    c->nworkers = w->stopper ? c->threads + 1 : c->threads;
    c->thr = thr;
    for (int i = 0; i < c->nworkers; i++) {
        thr[i].tid = i;
        thr[i].is_writer = !w->stopper && i >= c->threads - c->writers;
    }
    if (w->setup && w->setup(c) < 0) {
        fprintf(stderr, "ftbench: %s: setup failed: %s\n", c->workload,
                drv->last_error ? drv->last_error() : "");
        return -1;
    }
    rc = run_threads(&h);
    c->seconds = (double)(h.t1 - h.t0) / 1e9;
    if (c->writers > 0)
        bench_extra_int(c, "writers", c->writers);
    if (c->hold)
        bench_extra_int(c, "hold", 1);
    bench_extra_int(c, "rss_setup_kib", c->rss_setup_kib);
    if (w->teardown)
        w->teardown(c);
    return rc;
}

int bench_main(int argc, char **argv, const BenchDriver *drv,
               const BenchWorkload *table, size_t ntable)
{
    BenchCtx c;
    const BenchWorkload *w;
    int rc;

    memset(&c, 0, sizeof c);
    c.threads = 1;
    c.n = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--list") == 0) {
            list_workloads(table, ntable);
            return 0;
        } else if (strcmp(a, "--hold") == 0) {
            c.hold = 1;
        } else if (v && strcmp(a, "--workload") == 0) {
            c.workload = v, i++;
        } else if (v && strcmp(a, "--n") == 0) {
            c.n = parse_long(v, a), i++;
        } else if (v && strcmp(a, "--threads") == 0) {
            c.threads = (int)parse_long(v, a), i++;
        } else if (v && strcmp(a, "--writers") == 0) {
            c.writers = (int)parse_long(v, a), i++;
        } else {
            usage(argv[0], table, ntable);
            return 2;
        }
    }
    if (!c.workload || c.n < 1 ||
        c.threads >= BENCH_MAX_THREADS || c.writers > c.threads) {
        usage(argv[0], table, ntable);
        return 2;
    }
    w = find(table, ntable, c.workload);
    if (!w) {
        fprintf(stderr, "ftbench: unknown workload %s\n", c.workload);
        usage(argv[0], table, ntable);
        return 2;
    }
    if (w->needs) {
        fprintf(stderr, "workload %s not available: needs %s\n", w->name, w->needs);
        return 3;
    }
    if (c.threads < 1 && !w->stopper) {
        fprintf(stderr, "workload %s needs --threads >= 1\n", w->name);
        return 2;
    }
    if (w->single_thread && c.threads != 1) {
        fprintf(stderr, "workload %s runs with --threads 1 only\n", w->name);
        return 2;
    }
    if (c.writers > 0 && strcmp(w->name, "dict_shared_read") != 0) {
        fprintf(stderr, "--writers applies to dict_shared_read only\n");
        return 2;
    }
    if (drv->init() < 0) {
        fprintf(stderr, "ftbench: runtime init failed: %s\n",
                drv->last_error ? drv->last_error() : "");
        return 1;
    }
    rc = run_one(drv, w, &c);
    if (rc == 0)
        print_json(drv, &c);
    drv->fini();
    return rc == 0 ? 0 : 1;
}
