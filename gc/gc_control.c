/* gc/gc_control.c: when collections run, and what they report.
 *
 * The automatic trigger. Every thread counts allocations minus frees of
 * GC-type objects in ts->gc_alloc_delta (owner only, through the hooks
 * alloc/heap.c calls) and folds it into ft__gc.count every FT_GC_BATCH. A
 * collection is due when
 *
 *     count > max(threshold, live_after * scale / 100)
 *
 * where live_after is the number of candidates that survived the last
 * collection: a program that builds a large long-lived heap collects once
 * every `scale` percent of growth, so the total work stays linear in the
 * heap size (no quadratic behaviour). The thread that sees a collection due
 * sets FT_BREAK_GC in its own breaker and collects at its next safepoint
 * (ft__gc_on_safepoint), unless a collection is already running. A
 * threshold <= 0 or ft_gc_disable() turns automatic collection off;
 * ft_gc_collect() always collects.
 *
 * Torture (meson -Dgc_torture=N): every N-th GC-type allocation of a thread
 * triggers a collection at its next safepoint, threshold or not (but not
 * while disabled).
 *
 * Also here: the collection lock, the start/stop callbacks, the per-
 * collection statistics with a pause histogram, the debug flags and their
 * stream, and the garbage list of FT_GC_DEBUG_SAVEALL.
 *
 * Locks: ft__gc.collect_mu (see gc/gc.h) serialises collections; ft__gc.mu
 * protects the callback table, the statistics, the debug stream and the
 * garbage pointer, and is never held across a safepoint or a callback.
 */
#include "runtime/internal.h"
#include "runtime/init.h"
#include "gc/gc.h"
#include "gc/parallel.h"
#include "threads/tstate.h"
#include <stdarg.h>

FtGcState ft__gc = {
    .collect_mu = PTHREAD_MUTEX_INITIALIZER,
    .mu = PTHREAD_MUTEX_INITIALIZER,
};

/* 1 while this thread runs a collection (incl. finalizers and callbacks). */
static _Thread_local int tl_in_gc;

/* ---- Init ---- */

int ft__gc_init(void)
{
    ft_atomic_store_relaxed(&ft__gc.enabled, 1);
    ft_atomic_store_relaxed(&ft__gc.count, 0);
    ft_atomic_store_relaxed(&ft__gc.threshold, FT_GC_DEFAULT_THRESHOLD);
    ft_atomic_store_relaxed(&ft__gc.scale, FT_GC_DEFAULT_SCALE);
    ft_atomic_store_relaxed(&ft__gc.live_after, 0);
    ft_atomic_store_relaxed(&ft__gc.debug, 0);
    pthread_mutex_lock(&ft__gc.mu);
    ft__gc.debug_stream = NULL;
    ft__gc.ncallbacks = 0;
    memset(&ft__gc.stats, 0, sizeof ft__gc.stats);
    ft__gc.garbage = NULL;
    pthread_mutex_unlock(&ft__gc.mu);
    return 0;
}

void ft__gc_fini(void)
{
    pthread_mutex_lock(&ft__gc.mu);
    FtObject *garbage = ft__gc.garbage;
    ft__gc.garbage = NULL;
    ft__gc.ncallbacks = 0;
    pthread_mutex_unlock(&ft__gc.mu);
    if (garbage)
        ft_decref(garbage);
    ft__gc_parallel_fini();
}

/* ---- The collection lock ---- */

int ft__gc_in_collection(void)
{
    return tl_in_gc;
}

int ft__gc_lock(void)
{
    if (tl_in_gc) {
        ft_error_set(FT_ERR_STATE, "gc: collection requested from inside a collection");
        return -1;
    }
    if (pthread_mutex_trylock(&ft__gc.collect_mu) != 0) {
        /* Wait detached: the holder may need to stop the world. */
        ft_blocking_begin();
        pthread_mutex_lock(&ft__gc.collect_mu);
        ft_blocking_end();
    }
    tl_in_gc = 1;
    ft_atomic_store_relaxed(&ft__gc.collecting, 1);
    return 0;
}

int ft__gc_trylock(void)
{
    if (tl_in_gc || pthread_mutex_trylock(&ft__gc.collect_mu) != 0)
        return -1;
    tl_in_gc = 1;
    ft_atomic_store_relaxed(&ft__gc.collecting, 1);
    return 0;
}

void ft__gc_unlock(void)
{
    ft_atomic_store_relaxed(&ft__gc.collecting, 0);
    tl_in_gc = 0;
    pthread_mutex_unlock(&ft__gc.collect_mu);
}

/* ---- Collecting ---- */

static FtSsize collect_with_reports(int reason)
{
    FtGcInfo info;
    memset(&info, 0, sizeof info);
    ft__gc_callbacks_invoke(0, &info);
    int dbg = ft_atomic_load_relaxed(&ft__gc.debug);
    if (dbg & FT_GC_DEBUG_STATS)
        ft__gc_debug_print("gc: collecting (%s)...\n",
                           reason == FT_GC_REASON_AUTO ? "automatic" : "manual");
    uint64_t t0 = ft__now_ns();
    FtSsize n = ft__gc_collect_locked(reason, &info);
    if (n >= 0) {
        ft__gc_record(&info);
        if (dbg & FT_GC_DEBUG_STATS)
            ft__gc_debug_print("gc: done, %td unreachable, %td uncollectable, "
                               "%td scanned, %.6fs elapsed, %.6fs paused\n",
                               info.collected, info.uncollectable,
                               info.objects_scanned,
                               (double)(ft__now_ns() - t0) / 1e9,
                               (double)info.pause_ns / 1e9);
    }
    ft__gc_callbacks_invoke(1, &info);
    return n;
}

FtSsize ft_gc_collect(void)
{
    ft__tstate_checked(__func__);
    FtErrorState saved;
    ft_error_fetch(&saved);
    if (ft__gc_lock() < 0)
        return -1;
    FtSsize n = collect_with_reports(FT_GC_REASON_MANUAL);
    ft__gc_unlock();
    if (n >= 0)
        ft_error_restore(&saved);
    return n;
}

static int should_collect(int64_t count)
{
    if (!ft_atomic_load_relaxed(&ft__gc.enabled))
        return 0;
    int64_t threshold = ft_atomic_load_relaxed(&ft__gc.threshold);
    if (threshold <= 0)
        return 0;
    int64_t scaled = ft_atomic_load_relaxed(&ft__gc.live_after)
                   * ft_atomic_load_relaxed(&ft__gc.scale) / 100;
    return count > (scaled > threshold ? scaled : threshold);
}

/* Torture: a collection is owed by this thread. */
static _Thread_local int tl_torture_due;

void ft__gc_on_safepoint(FtThreadState *ts)
{
    ft__breaker_clear(ts, FT_BREAK_GC);
    int torture = tl_torture_due;
    tl_torture_due = 0;
    if (tl_in_gc)
        return;
    if (!torture && !should_collect(ft_atomic_load_relaxed(&ft__gc.count)))
        return;
    if (!ft_atomic_load_relaxed(&ft__gc.enabled))
        return;
    if (ft__gc_trylock() < 0)
        return;     /* another thread is collecting */
    /* An automatic collection must not consume the thread's armed failure
     * injection (the OOM loops of the code that allocated) nor change its
     * error indicator. */
    long countdown = ts->fail_countdown;
    ft_debug_fail_alloc_after(0);
    FtErrorState saved;
    ft_error_fetch(&saved);
    (void)collect_with_reports(FT_GC_REASON_AUTO);
    ft_error_restore(&saved);
    if (countdown > 0)
        ft_debug_fail_alloc_after(countdown);
    ft__gc_unlock();
}

/* ---- Allocation hooks ---- */

static void fold_delta(FtThreadState *ts, int check)
{
    int64_t d = ts->gc_alloc_delta;
    ts->gc_alloc_delta = 0;
    int64_t c = ft_atomic_add_relaxed(&ft__gc.count, d) + d;
    /* Clamp at zero (CPython's young.count does not go below 0 either).
     * The count restarts at 0 when a collection stops the world, and the
     * frees of what that collection (or anything older) killed are folded
     * in afterwards: unclamped, collecting N garbage objects pushed the
     * next automatic collection N allocations further out (found by
     * stress_gc gc_freeze: one collection over 6,000 garbage objects at
     * threshold 300). A failed CAS means another thread folded meanwhile:
     * its value stands. */
    if (c < 0) {
        int64_t expected = c;
        (void)atomic_compare_exchange_strong_explicit(&ft__gc.count, &expected, 0,
                                                      memory_order_relaxed,
                                                      memory_order_relaxed);
        c = 0;
    }
    if (check && should_collect(c) && !ft_atomic_load_relaxed(&ft__gc.collecting))
        ft__breaker_set(ts, FT_BREAK_GC);
}

void ft__gc_alloc_hook(FtThreadState *ts)
{
    if (++ts->gc_alloc_delta >= FT_GC_BATCH)
        fold_delta(ts, 1);
#if FT_GC_TORTURE
    if (++ts->torture_count % FT_GC_TORTURE_EVERY == 0) {
        tl_torture_due = 1;
        ft__breaker_set(ts, FT_BREAK_GC);
    }
#endif
}

void ft__gc_free_hook(FtThreadState *ts)
{
    if (--ts->gc_alloc_delta <= -FT_GC_BATCH)
        fold_delta(ts, 0);
}

void ft__gc_on_detach(FtThreadState *ts)
{
    fold_delta(ts, 0);
    ft__breaker_clear(ts, FT_BREAK_GC);
    tl_torture_due = 0;
}

/* ---- Enable, thresholds, counts ---- */

void ft_gc_enable(void) { ft_atomic_store_relaxed(&ft__gc.enabled, 1); }
void ft_gc_disable(void) { ft_atomic_store_relaxed(&ft__gc.enabled, 0); }
int ft_gc_is_enabled(void) { return ft_atomic_load_relaxed(&ft__gc.enabled); }

void ft_gc_set_threshold(FtSsize threshold, int scale_percent)
{
    ft_atomic_store_relaxed(&ft__gc.threshold, (int64_t)threshold);
    ft_atomic_store_relaxed(&ft__gc.scale, scale_percent < 0 ? 0 : scale_percent);
}

void ft_gc_get_threshold(FtSsize *threshold, int *scale_percent)
{
    if (threshold)
        *threshold = (FtSsize)ft_atomic_load_relaxed(&ft__gc.threshold);
    if (scale_percent)
        *scale_percent = ft_atomic_load_relaxed(&ft__gc.scale);
}

FtSsize ft_gc_get_count(void)
{
    /* The folded count plus the calling thread's unfolded delta; other
     * threads' deltas (at most FT_GC_BATCH each) are not included. */
    FtThreadState *ts = ft__tstate();
    int64_t c = ft_atomic_load_relaxed(&ft__gc.count);
    if (ts)
        c += ts->gc_alloc_delta;
    return (FtSsize)(c < 0 ? 0 : c);
}

/* ---- Callbacks ---- */

int ft_gc_callback_add(FtGcCallback cb, void *arg)
{
    if (!cb) {
        ft__null_arg_error(__func__);
        return -1;
    }
    int rc = -1;
    pthread_mutex_lock(&ft__gc.mu);
    if (ft__gc.ncallbacks < FT_GC_MAX_CALLBACKS) {
        ft__gc.callbacks[ft__gc.ncallbacks].cb = cb;
        ft__gc.callbacks[ft__gc.ncallbacks].arg = arg;
        ft__gc.ncallbacks++;
        rc = 0;
    }
    pthread_mutex_unlock(&ft__gc.mu);
    if (rc < 0)
        ft_error_set(FT_ERR_STATE, "gc: at most %d callbacks", FT_GC_MAX_CALLBACKS);
    return rc;
}

int ft_gc_callback_remove(FtGcCallback cb, void *arg)
{
    if (!cb) {
        ft__null_arg_error(__func__);
        return -1;
    }
    int rc = -1;
    pthread_mutex_lock(&ft__gc.mu);
    for (int i = 0; i < ft__gc.ncallbacks; i++) {
        if (ft__gc.callbacks[i].cb == cb && ft__gc.callbacks[i].arg == arg) {
            memmove(&ft__gc.callbacks[i], &ft__gc.callbacks[i + 1],
                    (size_t)(ft__gc.ncallbacks - i - 1) * sizeof ft__gc.callbacks[0]);
            ft__gc.ncallbacks--;
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&ft__gc.mu);
    if (rc < 0)
        ft_error_set(FT_ERR_VALUE, "gc: callback not registered");
    return rc;
}

/* Called by the collecting thread, world running, no lock held: each
 * callback sees a snapshot of the table taken when the phase starts. */
void ft__gc_callbacks_invoke(int phase, const FtGcInfo *info)
{
    FtGcCallbackEntry cbs[FT_GC_MAX_CALLBACKS];
    pthread_mutex_lock(&ft__gc.mu);
    int n = ft__gc.ncallbacks;
    memcpy(cbs, ft__gc.callbacks, (size_t)n * sizeof cbs[0]);
    pthread_mutex_unlock(&ft__gc.mu);
    for (int i = 0; i < n; i++) {
        FtErrorState saved;
        ft_error_fetch(&saved);
        cbs[i].cb(phase, info, cbs[i].arg);
        ft_error_restore(&saved);
    }
}

/* ---- Statistics ---- */

static int hist_bucket(uint64_t ns)
{
    uint64_t limit = 100000;   /* 0.1 ms */
    for (int i = 0; i < 5; i++, limit *= 10)
        if (ns < limit)
            return i;
    return 5;
}

void ft__gc_record(const FtGcInfo *info)
{
    pthread_mutex_lock(&ft__gc.mu);
    FtGcStats *s = &ft__gc.stats;
    s->collections++;
    s->collected += (uint64_t)info->collected;
    s->uncollectable += (uint64_t)info->uncollectable;
    s->pause_total_ns += info->pause_ns;
    if (info->pause_ns > s->pause_max_ns)
        s->pause_max_ns = info->pause_ns;
    s->pause_hist[hist_bucket(info->pause_ns)]++;
    pthread_mutex_unlock(&ft__gc.mu);
}

void ft_gc_get_stats(FtGcStats *out)
{
    FT_NONNULL(, out);
    pthread_mutex_lock(&ft__gc.mu);
    *out = ft__gc.stats;
    pthread_mutex_unlock(&ft__gc.mu);
}

/* ---- Debug flags and the garbage list ---- */

void ft_gc_set_debug(int flags, FILE *stream)
{
    pthread_mutex_lock(&ft__gc.mu);
    ft__gc.debug_stream = stream;
    pthread_mutex_unlock(&ft__gc.mu);
    ft_atomic_store_relaxed(&ft__gc.debug, flags);
}

int ft_gc_get_debug(void)
{
    return ft_atomic_load_relaxed(&ft__gc.debug);
}

void ft__gc_debug_print(const char *fmt, ...)
{
    pthread_mutex_lock(&ft__gc.mu);
    FILE *f = ft__gc.debug_stream ? ft__gc.debug_stream : stderr;
    pthread_mutex_unlock(&ft__gc.mu);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
}

/* The garbage list, created on first use (world running). New reference. */
static FtObject *garbage_list(void)
{
    pthread_mutex_lock(&ft__gc.mu);
    FtObject *g = ft_xnewref(ft__gc.garbage);
    pthread_mutex_unlock(&ft__gc.mu);
    if (g)
        return g;
    FtObject *fresh = ft_list_new(0);
    if (!fresh)
        return NULL;
    pthread_mutex_lock(&ft__gc.mu);
    if (!ft__gc.garbage)
        ft__gc.garbage = ft_newref(fresh);
    g = ft_newref(ft__gc.garbage);
    pthread_mutex_unlock(&ft__gc.mu);
    ft_decref(fresh);
    return g;
}

int ft__gc_save_garbage(FtObject *op)
{
    FtObject *g = garbage_list();
    int rc = g ? ft_list_append(g, op) : -1;
    ft_xdecref(g);
    if (rc < 0)
        ft_error_clear();   /* the object stays uncollected, not lost */
    return rc;
}

FtObject *ft_gc_garbage(void)
{
    return garbage_list();
}
