/* alloc/freelist.c: per-thread free lists for the hottest object kinds.
 *
 * Each attached thread keeps, per kind (alloc/alloc.h FT_FL_*), a stack of
 * dead blocks linked through word 0, capped at caps[kind]. Owner only: no
 * other thread reads or writes a thread's lists.
 *
 * Which blocks may be listed: only those of objects the freeing thread owned
 * (ob_tid == its id at free time, so the block came from its own heaps in
 * this attach epoch) and that no lock-free reader can still see (not
 * FT_GC_SHARED) and that are not orphans. So every listed block lies in a
 * heap this thread will walk or orphan, and a reused block is again an
 * object of this thread. Listed blocks have ob_gc_bits == 0 (not ALIVE), so
 * heap walks skip them. Lists are emptied at detach (before the heap walk)
 * and by ft_freelists_clear.
 */
#include "runtime/internal.h"
#include "alloc/alloc.h"
#include "threads/tstate.h"
#include "gc/gc.h"

static const uint32_t caps[FT_FL_COUNT] = {
    [FT_FL_FLOAT] = 256,
    [FT_FL_TUPLE + 1] = 256, [FT_FL_TUPLE + 2] = 256, [FT_FL_TUPLE + 3] = 256,
    [FT_FL_TUPLE + 4] = 128, [FT_FL_TUPLE + 5] = 128, [FT_FL_TUPLE + 6] = 64,
    [FT_FL_TUPLE + 7] = 64, [FT_FL_TUPLE + 8] = 64, [FT_FL_TUPLE + 9] = 32,
    [FT_FL_TUPLE + 10] = 32, [FT_FL_TUPLE + 11] = 32, [FT_FL_TUPLE + 12] = 32,
    [FT_FL_TUPLE + 13] = 32, [FT_FL_TUPLE + 14] = 32, [FT_FL_TUPLE + 15] = 32,
    [FT_FL_TUPLE + 16] = 32, [FT_FL_TUPLE + 17] = 32, [FT_FL_TUPLE + 18] = 32,
    [FT_FL_TUPLE + 19] = 32,
    [FT_FL_LIST] = 80,
    [FT_FL_DICT] = 80,
    [FT_FL_INT] = 256,
};


FtObject *ft__object_alloc_fl(FtType *tp, size_t size, int kind)
{
    FtThreadState *ts = ft__tl_ts;
    FtFreeList *fl = ts ? &ts->freelists[kind] : NULL;
    if (!fl || !fl->head || ft_atomic_load_relaxed(&ts->breaker))
        return ft__object_alloc(tp, size);   /* polls, injects failures */
    FtObject *op = fl->head;
    fl->head = *(FtObject **)op;
    fl->count--;
    ft__object_init_header(ts, op, tp);
    ft_counter_add(&ts->counters.freelist_hits, 1);
    return op;
}

void ft__object_free_fl(FtObject *op, int kind)
{
    FtThreadState *ts = ft__tl_ts;
    uint8_t bits = ft__gc_bits(op);
#if defined(FT_BROKEN_FREELIST_FOREIGN)
    /* BROKEN ON PURPOSE (break_protocol=freelist_foreign): blocks of
     * objects this thread did not own (another thread's heap) go on its
     * lists. Caught by stress_alloc freelist_crossfree and thread_churn
     * (a listed block outside our heaps). */
    if (!ts || (bits & (FT_GC_SHARED | FT_GC_ORPHAN))) {
#else
    if (!ts || (bits & (FT_GC_SHARED | FT_GC_ORPHAN))
        || ft_atomic_load_relaxed(&op->ob_tid) != (uintptr_t)ts->id) {
#endif
        ft__object_free(op);
        return;
    }
    FtFreeList *fl = &ts->freelists[kind];
    if (fl->count >= fl->cap) {
        ft__object_free(op);
        return;
    }
    ft_counter_add(&ts->counters.freed, 1);
    ft_counter_add(&ts->live_by_type[op->ob_type->tp_index], -1);
    if (ft__type_is_gc(op->ob_type))
        ft__gc_free_hook(ts);       /* the collector's trigger (gc/gc.h) */
    ft_atomic_store_relaxed(&op->ob_gc_bits, 0);
    *(FtObject **)op = fl->head;      /* word 0: ob_tid no longer matters */
    fl->head = op;
    fl->count++;
}

void ft__freelists_clear(FtThreadState *ts)
{
    for (int k = 0; k < FT_FL_COUNT; k++) {
        FtFreeList *fl = &ts->freelists[k];
        while (fl->head) {
            FtObject *op = fl->head;
            fl->head = *(FtObject **)op;
            ft__object_release_block(op);
        }
        fl->count = 0;
    }
}

/* Caps are set when a thread attaches; 0 disables a list (detaching). */
void ft__freelists_enable(FtThreadState *ts, int on);
void ft__freelists_enable(FtThreadState *ts, int on)
{
    for (int k = 0; k < FT_FL_COUNT; k++)
        ts->freelists[k].cap = on ? caps[k] : 0;
}

void ft_freelists_clear(void)
{
    FtThreadState *ts = ft__tl_ts;
    if (ts)
        ft__freelists_clear(ts);
}
