/* alloc/trim.c: ft_memory_trim, giving free memory back to the OS.
 *
 * What holds memory that nobody uses, and who may release it:
 *   1. objects that are dead but not freed: queue deaths (their owner's
 *      merge queue) and unreachable cycles. A collection frees both, with
 *      the whole closure of what they held (gc/collect.c, phases 1 and 10).
 *   2. ftrt's per-thread free lists (alloc/freelist.c): owner-only lists
 *      of dead blocks.
 *   3. QSBR-deferred frees (threads/qsbr.c): the calling thread's partial
 *      batch is handed over, then we wait for every handed-over batch.
 *      Other threads' partial batches (at most one batch each) are not
 *      reached.
 *   4. mimalloc's pages: free blocks stay in their page, and a page whose
 *      blocks are all free stays in its owner's heap until the owner
 *      allocates into it or collects. mi_heap_collect(heap, true) frees
 *      such pages, decommits the free parts of segments at once (instead of
 *      after mi_option_decommit_delay), and frees empty abandoned segments.
 *      It works on the heap's thread data (heap->tld: the segment queues
 *      the thread's malloc uses too), so mimalloc 2.0.9 only allows it from
 *      the heap's owner, or while the owner is known to run no mimalloc
 *      code (mimalloc-2.0.9.md: visiting another heap works "while the
 *      owner is parked outside mimalloc").
 *
 * Who trims which heap:
 *   - the calling thread: its own heaps, at once;
 *   - attached threads: asked (trim_epoch and FT_BREAK_MERGE); each trims
 *     its own heaps and free lists at its next safepoint
 *     (ft__heaps_trim_due, from refcount/brc.c's safepoint merge);
 *   - threads in a blocking region: trimmed on their behalf, each held off
 *     attaching meanwhile (ft__stw_hold_detached, as brc adoption does), so
 *     it touches neither its free lists nor its ftrt heaps. The embedder's
 *     contract (docs/embedding.md): code inside a blocking region does not
 *     call malloc/free while another thread runs ft_memory_trim, since
 *     mimalloc's collect works on the same per-thread segment data.
 *     ft_memory_trim_set_idle_heaps(0) turns this part off.
 * The registry lock is held (waited for in a blocking region, so a
 * stopper is never held up) while threads are walked.
 */
#include "runtime/internal.h"
#include "alloc/alloc.h"
#include "threads/tstate.h"
#include "threads/lock.h"
#include "gc/gc.h"
#include <mimalloc.h>
#include <stdio.h>
#include <unistd.h>

/* trim_mu: one ft_memory_trim at a time (it saves and restores mimalloc's
 * decommit delays). Taken in a blocking region, held while attached only
 * for the calling thread's own collect (no safepoint inside); innermost
 * except for the registry lock and stw_mu taken under it. */
static pthread_mutex_t trim_mu = PTHREAD_MUTEX_INITIALIZER;
static _Atomic uint64_t trim_epoch;          /* bumped by each ft_memory_trim */
static _Thread_local uint64_t tl_trim_seen;  /* owner: last epoch trimmed */
static _Atomic int trim_idle_heaps = 1;

static void trim_heaps(FtThreadState *ts)
{
    ft__freelists_clear(ts);
    mi_heap_collect(ts->heap_gc, true);
    mi_heap_collect(ts->heap_obj, true);
    mi_heap_collect(ts->heap_raw, true);
}

void ft__heaps_trim_due(FtThreadState *ts)
{
    uint64_t e = ft_atomic_load_relaxed(&trim_epoch);
    if (e == tl_trim_seen)
        return;
    tl_trim_seen = e;
    trim_heaps(ts);
}

static int64_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, rss = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%ld %ld", &size, &rss) != 2)
        rss = 0;
    fclose(f);
    return (int64_t)rss * sysconf(_SC_PAGESIZE);
}

/* Registry lock held, calling thread detached. */
static void trim_others_locked(FtThreadState *me)
{
    int idle = ft_atomic_load_relaxed(&trim_idle_heaps);
    FT_FOREACH_THREAD(ts) {
        if (ts == me)
            continue;
        if (idle && ft__stw_hold_detached(ts)) {
            /* Held: in a blocking region (blocking_idle 1, stored before
             * its DETACHED store, which our CAS read), or in the DETACHED
             * steps of ft_thread_attach/detach, which may be inside
             * mimalloc: not ours to trim. */
            if (ft_atomic_load_relaxed(&ts->blocking_idle))
                trim_heaps(ts);
            else
                ft__breaker_set(ts, FT_BREAK_MERGE);
            ft__stw_release_held(ts);
        } else {
            ft__breaker_set(ts, FT_BREAK_MERGE);   /* trims at its safepoint */
        }
    }
}

int64_t ft_memory_trim(void)
{
    FtThreadState *me = ft__tstate_checked(__func__);
    if (ft_world_is_stopped()) {
        ft_error_set(FT_ERR_STATE, "ft_memory_trim: the world is stopped");
        return -1;
    }
    int64_t before = rss_bytes();
    if (!ft__gc_in_collection()) {
        FtErrorState saved;
        ft_error_fetch(&saved);
        if (ft_gc_collect() < 0)
            return -1;
        ft_error_restore(&saved);
    }
    ft_atomic_add_relaxed(&trim_epoch, 1);
    ft__qsbr_reclaim();
    ft_blocking_begin();
    ft__qsbr_barrier();
    pthread_mutex_lock(&trim_mu);
    /* mimalloc 2.0.9 decommits the free parts of a segment that is still
     * in use only mi_option_decommit_delay ms (25) after they were freed,
     * and only when the segment's owner next works on it: an idle owner
     * never does. With the delays at 0 while we collect, the spans our
     * collects free are decommitted at once (measured in test_memory: RSS
     * 24 MB -> 24 MB after a trim with the delays, -> 3.6 MB without). The
     * options are process-wide plain values, set and restored here only
     * (trim_mu); another thread's frees meanwhile decommit at once too,
     * which is harmless. */
    long delay = mi_option_get(mi_option_decommit_delay);
    long seg_delay = mi_option_get(mi_option_segment_decommit_delay);
    mi_option_set(mi_option_decommit_delay, 0);
    mi_option_set(mi_option_segment_decommit_delay, 0);
#if !FT_MODE_GIL
    ft__registry_lock();
    trim_others_locked(me);
    ft__registry_unlock();
    ft_blocking_end();
#else
    /* Mode gil: a thread attaches by taking the GIL, not by the state CAS
     * (threads/stw.c), so a held thread is only kept off while we hold the
     * GIL: walk attached. */
    ft_blocking_end();
    ft__registry_lock();
    trim_others_locked(me);
    ft__registry_unlock();
#endif
    tl_trim_seen = ft_atomic_load_relaxed(&trim_epoch);
    trim_heaps(me);
    mi_heap_collect(mi_heap_get_backing(), false);   /* libc malloc data */
    mi_option_set(mi_option_decommit_delay, delay);
    mi_option_set(mi_option_segment_decommit_delay, seg_delay);
    pthread_mutex_unlock(&trim_mu);
    int64_t after = rss_bytes();
    return before > after ? before - after : 0;
}

void ft_memory_trim_set_idle_heaps(int on)
{
    ft_atomic_store_relaxed(&trim_idle_heaps, on != 0);
}
