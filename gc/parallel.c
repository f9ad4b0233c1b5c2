/* gc/parallel.c: one helper thread for the collector's stopped phases.
 *
 * The collector splits a phase's entry range in two: it runs the first half
 * itself and hands the second to the helper, then waits for it. The helper
 * is a plain pthread, never attached to the runtime: it only runs the
 * range function, which reads objects (tp_traverse) and updates headers
 * with atomic read-modify-writes. It exists only while the runtime is
 * initialised (started on first use, joined by ft__gc_parallel_fini).
 *
 * Lock: `mu` protects job, done, quit and the helper's existence; the
 * helper waits on go_cv, the collector on done_cv. Ordering: everything the
 * collector wrote before posting a job happens before the helper runs it
 * (mu release/acquire), and the helper's updates happen before the
 * collector reads them (mu again when it sees done). Since the collector
 * itself acquired every stopped thread's writes through the stop
 * handshake, the helper sees them too.
 */
#include "runtime/internal.h"
#include "gc/parallel.h"
#include <pthread.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static pthread_t helper;
static int helper_running;      /* protected by mu */
static int quit;                /* protected by mu */
static int job_posted, job_done;
static FtGcRangeFn job_fn;
static void *job_arg;
static size_t job_lo, job_hi;
static _Atomic int nthreads = -1;   /* -1: not decided yet */

static void *helper_main(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&mu);
    for (;;) {
        while (!job_posted && !quit)
            pthread_cond_wait(&go_cv, &mu);
        if (quit)
            break;
        job_posted = 0;
        FtGcRangeFn fn = job_fn;
        void *arg = job_arg;
        size_t lo = job_lo, hi = job_hi;
        pthread_mutex_unlock(&mu);
        fn(arg, lo, hi);
        pthread_mutex_lock(&mu);
        job_done = 1;
        pthread_cond_signal(&done_cv);
    }
    pthread_mutex_unlock(&mu);
    return NULL;
}

int ft__gc_parallel_threads(void)
{
    int n = ft_atomic_load_relaxed(&nthreads);
    if (n < 0) {
        const char *env = getenv("FTRT_GC_THREADS");
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n = env ? atoi(env) : (cpus >= 2 ? 2 : 1);
        n = n >= 2 ? 2 : 1;
        ft_atomic_store_relaxed(&nthreads, n);
    }
    return n;
}

void ft__gc_parallel_set_threads(int n)
{
    ft_atomic_store_relaxed(&nthreads, n >= 2 ? 2 : 1);
}

/* mu held. 0 if the helper runs. */
static int ensure_helper_locked(void)
{
    if (helper_running)
        return 0;
    quit = 0;
    job_posted = 0;
    if (pthread_create(&helper, NULL, helper_main, NULL) != 0)
        return -1;
    helper_running = 1;
    return 0;
}

int ft__gc_parallel_run(FtGcRangeFn fn, void *arg, size_t n)
{
    if (n < FT_GC_PARALLEL_MIN || ft__gc_parallel_threads() < 2)
        return -1;
    size_t mid = n / 2;
    pthread_mutex_lock(&mu);
    if (ensure_helper_locked() < 0) {
        pthread_mutex_unlock(&mu);
        return -1;
    }
    job_fn = fn;
    job_arg = arg;
    job_lo = mid;
    job_hi = n;
    job_done = 0;
    job_posted = 1;
    pthread_cond_signal(&go_cv);
    pthread_mutex_unlock(&mu);

    fn(arg, 0, mid);

    pthread_mutex_lock(&mu);
    while (!job_done)
        pthread_cond_wait(&done_cv, &mu);
    pthread_mutex_unlock(&mu);
    return 0;
}

void ft__gc_parallel_fini(void)
{
    pthread_mutex_lock(&mu);
    int running = helper_running;
    quit = 1;
    pthread_cond_signal(&go_cv);
    pthread_mutex_unlock(&mu);
    if (running)
        pthread_join(helper, NULL);
    pthread_mutex_lock(&mu);
    helper_running = 0;
    quit = 0;
    pthread_mutex_unlock(&mu);
}
