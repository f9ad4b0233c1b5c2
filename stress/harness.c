/* stress/harness.c: see harness.h.
 *
 * Concurrency in the harness itself:
 * - The watchdog is a plain pthread, never attached to the runtime (it only
 *   reads two atomics and may _exit). `wd_deadline_ns` and `wd_scenario` are
 *   written by the main thread at each scenario start; the watchdog reads
 *   them with acquire loads paired with the main thread's release stores, so
 *   a name it prints is the one that goes with the deadline it saw.
 * - The start barrier is a pthread barrier waited on inside a blocking
 *   region: a thread waiting there never stalls a stop-the-world, and in
 *   mode gil it does not hold the global lock while it waits.
 * - Counters (`ops_total`) are relaxed atomics: they are only read by the
 *   main thread after every worker has been joined (the join orders them).
 */
#include "harness.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *program_name = "stress";
static uint64_t run_seed;
static double scale = 1.0;
static int n_threads = 4;
static long timeout_s = 120;
static const char *only;
static int passed, failed;
static _Atomic long ops_total;
static const char *current = "(setup)";

static _Atomic uint64_t wd_deadline_ns;          /* 0: disarmed */
static _Atomic(const char *) wd_scenario;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *watchdog_main(void *arg)
{
    (void)arg;
    for (;;) {
        usleep(200 * 1000);
        uint64_t dl = atomic_load_explicit(&wd_deadline_ns, memory_order_acquire);
        if (dl && now_ns() > dl) {
            const char *name = atomic_load_explicit(&wd_scenario, memory_order_acquire);
            fprintf(stderr, "stress: %s/%s: FAIL: hung for more than %ld s "
                    "(watchdog); reproduce with --seed %llu --only %s\n",
                    program_name, name, timeout_s,
                    (unsigned long long)run_seed, name);
            fflush(stderr);
            _exit(3);
        }
    }
    return NULL;
}

static void arm_watchdog(const char *name)
{
    atomic_store_explicit(&wd_scenario, name, memory_order_relaxed);
    atomic_store_explicit(&wd_deadline_ns,
                          now_ns() + (uint64_t)timeout_s * 1000000000u,
                          memory_order_release);
}

static double env_double(const char *name, double dflt)
{
    const char *v = getenv(name);
    return v && *v ? strtod(v, NULL) : dflt;
}

static void usage(void)
{
    fprintf(stderr, "usage: %s [--seed S] [--scale F] [--threads T] "
            "[--timeout SECONDS] [--only SCENARIO]\n", program_name);
    exit(2);
}

void stress_init(int argc, char **argv, const char *program)
{
    program_name = program;
    const char *seed_env = getenv("FTRT_STRESS_SEED");
    run_seed = seed_env && *seed_env ? strtoull(seed_env, NULL, 0)
                                     : (now_ns() ^ ((uint64_t)getpid() << 32));
    scale = env_double("FTRT_STRESS_SCALE", 1.0);
    timeout_s = (long)env_double("FTRT_STRESS_TIMEOUT", 120);
    n_threads = (int)env_double("FTRT_STRESS_THREADS", 4);
    for (int i = 1; i < argc; i += 2) {     /* --option value pairs */
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        if (!strcmp(a, "--seed"))
            run_seed = strtoull(v, NULL, 0);
        else if (!strcmp(a, "--scale"))
            scale = strtod(v, NULL);
        else if (!strcmp(a, "--threads"))
            n_threads = atoi(v);
        else if (!strcmp(a, "--timeout"))
            timeout_s = atol(v);
        else if (!strcmp(a, "--only"))
            only = v;
        else
            usage();
    }
    if (run_seed == 0)
        run_seed = 1;           /* xorshift needs a non-zero state */
    if (n_threads < 2)
        n_threads = 2;
    if (scale <= 0)
        scale = 1.0;
    const char *san = FT_TSAN ? "tsan" : FT_ASAN ? "asan" : "none";
    printf("stress: %s: seed %llu, scale %g, threads %d, mode %s, sanitizer %s\n",
           program_name, (unsigned long long)run_seed, scale, n_threads,
           FT_MODE_NAME, san);
    fflush(stdout);
    /* Fix the str hash seed too, so that a seed reproduces dict layouts. */
    if (!getenv("FTRT_HASHSEED")) {
        char buf[32];
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)(run_seed % 4294967295u));
        setenv("FTRT_HASHSEED", buf, 1);
    }
    if (ft_runtime_init() != 0) {
        fprintf(stderr, "stress: %s: ft_runtime_init failed: %s\n",
                program_name, ft_error_message());
        exit(1);
    }
    pthread_t wd;
    if (pthread_create(&wd, NULL, watchdog_main, NULL) != 0) {
        fprintf(stderr, "stress: cannot start the watchdog\n");
        exit(1);
    }
    pthread_detach(wd);
}

uint64_t stress_seed(void) { return run_seed; }
int stress_threads(void) { return n_threads; }

long stress_iters(long full, long min)
{
    double f = scale;
    if (FT_TSAN)
        f /= 8;
    else if (FT_ASAN)
        f /= 4;
    long n = (long)((double)full * f);
    return n < min ? min : n;
}

StressRng stress_rng_for(int stream)
{
    /* splitmix64 of (seed, stream): independent, non-zero streams. */
    uint64_t z = run_seed + 0x9E3779B97F4A7C15ULL * (uint64_t)(stream + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (StressRng){ z ? z : 1 };
}

void stress_count(long ops)
{
    /* Relaxed: read only after the workers are joined. */
    atomic_fetch_add_explicit(&ops_total, ops, memory_order_relaxed);
}

/* One failure report at a time: several threads may fail at once, and the
 * first report is the one that matters (the others wait; _exit ends them). */
static pthread_mutex_t fail_mu = PTHREAD_MUTEX_INITIALIZER;

static void __attribute__((noreturn))
fail_v(const char *file, int line, const char *cond, const char *fmt, va_list ap)
{
    pthread_mutex_lock(&fail_mu);
    fflush(stdout);
    fprintf(stderr, "stress: %s/%s: FAIL at %s:%d: ", program_name, current, file, line);
    if (cond)
        fprintf(stderr, "check failed: %s: ", cond);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nstress: reproduce with --seed %llu --only %s\n",
            (unsigned long long)run_seed, current);
    fflush(stderr);
    _exit(1);
}

void stress_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_v(file, line, NULL, fmt, ap);
}

void stress_fail_check(const char *file, int line, const char *cond,
                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_v(file, line, cond, fmt, ap);
}

/* ---- threads ---- */

typedef struct Worker {
    StressThreadFn fn;
    void *ctx;
    int index;
    pthread_barrier_t *barrier;
} Worker;

static void *worker_main(void *arg)
{
    Worker *w = arg;
    ft_blocking_begin();
    pthread_barrier_wait(w->barrier);
    ft_blocking_end();
    w->fn(w->ctx, w->index);
    return NULL;
}

void stress_run_threads(int n, StressThreadFn fn, void *ctx)
{
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, (unsigned)n);
    Worker *ws = calloc((size_t)n, sizeof *ws);
    pthread_t *ts = calloc((size_t)n, sizeof *ts);
    if (!ws || !ts)
        stress_fail(__FILE__, __LINE__, "out of memory starting %d threads", n);
    for (int i = 0; i < n; i++) {
        ws[i] = (Worker){ fn, ctx, i, &barrier };
        if (ft_thread_start(&ts[i], worker_main, &ws[i]) != 0)
            stress_fail(__FILE__, __LINE__, "ft_thread_start: %s",
                        ft_error_message());
    }
    for (int i = 0; i < n; i++)
        ft_thread_join(ts[i], NULL);
    pthread_barrier_destroy(&barrier);
    free(ws);
    free(ts);
}

void stress_sleep_us(long us)
{
    ft_blocking_begin();
    usleep((useconds_t)us);
    ft_blocking_end();
}

/* ---- scenarios ---- */

static int64_t live_objects(void)
{
    FtStats s;
    ft_stats_get(&s);
    return s.objects_live;
}

/* Collect until nothing more is found: a finalizer or callback may free
 * objects that the next collection then finds. */
static void settle(void)
{
    for (int i = 0; i < 8; i++) {
        ft_safepoint();
        if (ft_gc_collect() <= 0)
            break;
    }
    ft_safepoint();
}

void stress_scenario(const char *name, void (*fn)(void), int live_rule)
{
    if (only && strcmp(only, name) != 0)
        return;
    current = name;
    settle();
    int64_t live_before = live_objects();
    atomic_store_explicit(&ops_total, 0, memory_order_relaxed);
    arm_watchdog(name);
    uint64_t t0 = now_ns();
    fn();
    settle();
    double secs = (double)(now_ns() - t0) / 1e9;
    atomic_store_explicit(&wd_deadline_ns, 0, memory_order_release);
    int64_t live_after = live_objects();
    if (live_rule == STRESS_LIVE_EXACT && live_after != live_before)
        stress_fail(__FILE__, __LINE__, "live objects %lld before, %lld after "
                    "the scenario and a full collection (%+lld)",
                    (long long)live_before, (long long)live_after,
                    (long long)(live_after - live_before));
    if (ft_error_occurred())
        stress_fail(__FILE__, __LINE__, "error left set: %s", ft_error_message());
    printf("stress: %s/%s: ok (%ld ops, %.2f s, live objects %s)\n",
           program_name, name,
           atomic_load_explicit(&ops_total, memory_order_relaxed), secs,
           live_rule == STRESS_LIVE_EXACT ? "exact" : "not checked");
    fflush(stdout);
    passed++;
    current = "(between scenarios)";
}

int stress_finish(void)
{
    settle();
    FtSsize checked = ft_heap_validate(1);
    if (checked < 0) {
        fprintf(stderr, "stress: %s: heap validation failed\n", program_name);
        failed++;
    }
    ft_runtime_fini();
    printf("stress: %s: %d passed, %d failed (seed %llu)\n", program_name,
           passed, failed, (unsigned long long)run_seed);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
