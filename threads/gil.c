/* threads/gil.c: the global interpreter lock of mode gil.
 *
 * Mode gil exists to measure what free-threading costs and buys: one lock,
 * held by the attached thread, released when it detaches (blocking region)
 * and handed over at a safepoint when another thread has been waiting for
 * longer than the switch interval (5 ms, like CPython).
 *
 * Lock: gil_mu protects `locked`, `holder`, `switch_number`, `waiters`;
 * cond wakes waiters, switch_cond wakes a yielding holder once another
 * thread has taken the lock (forced switching, so a thread that yields does
 * not simply take the lock back). Never held across a safepoint.
 *
 * In modes ft and atomic these functions are no-ops.
 */
#include "runtime/internal.h"
#include "threads/tstate.h"
#include <errno.h>
#include <time.h>

#if FT_MODE_GIL

#define SWITCH_INTERVAL_NS 5000000L

static pthread_mutex_t gil_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t switch_cond = PTHREAD_COND_INITIALIZER;
static int locked;                  /* protected by gil_mu */
static FtThreadState *holder;       /* protected by gil_mu */
static uint64_t switch_number;      /* protected by gil_mu */
static int waiters;                 /* protected by gil_mu */

int ft__gil_init(void)
{
    return 0;
}

void ft__gil_acquire(FtThreadState *ts)
{
    pthread_mutex_lock(&gil_mu);
    waiters++;
    while (locked) {
        uint64_t seen = switch_number;
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_nsec += SWITCH_INTERVAL_NS;
        if (dl.tv_nsec >= 1000000000L) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000L;
        }
        int rc = pthread_cond_timedwait(&cond, &gil_mu, &dl);
        /* Waited a whole interval with no switch: ask the holder to yield
         * at its next safepoint. */
        if (rc == ETIMEDOUT && locked && switch_number == seen && holder)
            ft__breaker_set(holder, FT_BREAK_GIL_DROP);
    }
    waiters--;
    locked = 1;
    holder = ts;
    switch_number++;
    pthread_cond_broadcast(&switch_cond);
    pthread_mutex_unlock(&gil_mu);
}

void ft__gil_release(FtThreadState *ts)
{
    pthread_mutex_lock(&gil_mu);
    FT_ASSERT(holder == ts);
    (void)ts;
    locked = 0;
    holder = NULL;
    pthread_cond_signal(&cond);
    pthread_mutex_unlock(&gil_mu);
}

/* In the child of a fork: the forking thread holds the lock; waiters are
 * gone (threads/fork.c). */
void ft__gil_fork_child(FtThreadState *ts)
{
    pthread_mutex_init(&gil_mu, NULL);
    pthread_cond_init(&cond, NULL);
    pthread_cond_init(&switch_cond, NULL);
    locked = 1;
    holder = ts;
    waiters = 0;
}

void ft__gil_yield(FtThreadState *ts)
{
    ft__breaker_clear(ts, FT_BREAK_GIL_DROP);
    if (ft__world_stopped_by_me())
        return;     /* the stopper keeps the lock until it restarts */
    pthread_mutex_lock(&gil_mu);
    if (waiters == 0) {
        pthread_mutex_unlock(&gil_mu);
        return;
    }
    pthread_mutex_unlock(&gil_mu);
    /* A hand-off is a park like any other: suspend our critical sections
     * while another thread holds the lock, re-take them after (issue 10
     * item 1). In mode gil the critical-section macros push nothing, so the
     * stack is empty and both calls return at once; they are here so that
     * every park follows the same rule. Not under gil_mu: resuming may
     * lock objects. */
    ft__critical_sections_suspend(ts);
    pthread_mutex_lock(&gil_mu);
    uint64_t mine = switch_number;
    locked = 0;
    holder = NULL;
    pthread_cond_signal(&cond);
    /* Forced switch: wait until someone else took it. */
    while (switch_number == mine && waiters > 0)
        pthread_cond_wait(&switch_cond, &gil_mu);
    pthread_mutex_unlock(&gil_mu);
    ft__gil_acquire(ts);
    ft__critical_sections_resume(ts);
}

#else

int ft__gil_init(void) { return 0; }
void ft__gil_fork_child(FtThreadState *ts) { (void)ts; }
void ft__gil_acquire(FtThreadState *ts) { (void)ts; }
void ft__gil_release(FtThreadState *ts) { (void)ts; }
void ft__gil_yield(FtThreadState *ts) { ft__breaker_clear(ts, FT_BREAK_GIL_DROP); }

#endif
