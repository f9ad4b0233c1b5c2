/* bench/bench_common.h: the runtime-independent half of the benchmark
 * drivers (bench/ftbench.c for ftrt, bench/cpython/cpybench.c for CPython).
 *
 * It owns the command line, the thread harness, the clock, VmHWM and the one
 * JSON line per run described in ../shared/bench/WORKLOADS.md (and
 * docs/benchmarks.md). It knows nothing about any object runtime: a driver
 * hands it a BenchDriver (how a thread enters and leaves the runtime, how it
 * blocks) and a table of BenchWorkload (what one thread does).
 *
 * Timing protocol of one run (bench_main):
 *   1. the main thread is worker 0; it runs workload->setup, then starts the
 *      other workers (1..T-1, or 1..T when the workload has a separate
 *      stopper thread);
 *   2. every worker enters the runtime and runs thread_setup;
 *   3. barrier "ready": all setups are done; worker 0 reads VmRSS;
 *   4. barrier "go": worker 0 takes t0 the moment it is released;
 *   5. every worker runs thread_run (the measured part);
 *   6. barrier "done": worker 0 takes t1 the moment it is released;
 *   7. thread_teardown, leave the runtime, join, workload->teardown, print.
 * Workers wait at the barriers inside the driver's blocking region
 * (ft_blocking_begin / PyEval_SaveThread), so a global lock or a
 * stop-the-world never waits on a thread parked at a barrier.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_MAX_THREADS 256
#define BENCH_EXTRA_SIZE 1024

/* Keeps the compiler from merging or dropping the memory operations around
 * it (an incref followed by a decref of a plain count could otherwise fold
 * into nothing). Used identically by both drivers. */
#define BENCH_CLOBBER() __asm__ __volatile__("" ::: "memory")

typedef struct BenchThread {
    int tid;                /* 0 = the main thread */
    int is_writer;          /* dict_shared_read --writers */
    void *local[4];         /* the workload's per-thread state */
    long count;             /* per-thread counter the workload may report */
    uint64_t phase_ns[2];   /* per-thread sub-phase timings (ns) */
    int failed;
} BenchThread;

typedef struct BenchCtx {
    const char *workload;
    long n;
    int threads;            /* --threads */
    int writers;            /* --writers */
    int hold;               /* --hold: keep every allocated object alive */
    int nworkers;           /* threads actually running thread_run */
    void *shared[4];        /* the workload's shared state */
    BenchThread *thr;       /* nworkers entries */
    char extra[BENCH_EXTRA_SIZE];   /* JSON members, comma separated */
    long rss_setup_kib;     /* VmRSS once every setup is done */
    double seconds;         /* measured wall time */
} BenchCtx;

typedef struct BenchWorkload {
    const char *name;
    /* NULL when available, else what it needs ("ft_gc_collect"): bench_main
     * then prints "workload X not available: needs ..." and exits 3. */
    const char *needs;
    int single_thread;      /* refuses --threads > 1 */
    int stopper;            /* --threads T busy workers plus worker 0 */
    int (*setup)(BenchCtx *c);                       /* main, once */
    int (*thread_setup)(BenchCtx *c, BenchThread *t);
    int (*thread_run)(BenchCtx *c, BenchThread *t);  /* measured */
    void (*thread_teardown)(BenchCtx *c, BenchThread *t);
    void (*teardown)(BenchCtx *c);                   /* main, once */
} BenchWorkload;

typedef struct BenchDriver {
    const char *mode;                   /* "ft", "gil", "atomic", "cpython311" */
    int (*init)(void);                  /* main thread; 0 or -1 */
    void (*fini)(void);
    int (*thread_enter)(void);          /* in a new worker thread */
    void (*thread_leave)(void);
    void (*block_begin)(void);          /* around barrier waits and joins */
    void (*block_end)(void);
    const char *(*last_error)(void);    /* after a failed call */
} BenchDriver;

/* The whole program: parse argv, run one workload, print its JSON line.
 * Exit codes: 0 ok, 1 the run failed, 2 usage, 3 workload not available. */
int bench_main(int argc, char **argv, const BenchDriver *drv,
               const BenchWorkload *table, size_t ntable);

uint64_t bench_now_ns(void);
/* A field of /proc/self/status in KiB ("VmHWM", "VmRSS"), -1 if absent. */
long bench_status_kib(const char *field);
/* Append `"key": value` to c->extra. */
void bench_extra_num(BenchCtx *c, const char *key, double v);
void bench_extra_int(BenchCtx *c, const char *key, long long v);
void bench_extra_str(BenchCtx *c, const char *key, const char *v);
/* A deterministic 64-bit generator (splitmix64) for workload data. */
uint64_t bench_rand(uint64_t *state);
/* Busy-wait for ns nanoseconds without touching the runtime. */
void bench_spin_ns(uint64_t ns);
/* Median of v[0..n) (sorts v). */
uint64_t bench_median_u64(uint64_t *v, size_t n);

#endif /* BENCH_COMMON_H */
