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
 *
 * The pop and push themselves are inline in alloc/freelist.h (float and
 * one-digit int use them directly). AddressSanitizer builds poison a block
 * while it is listed (its link included: we unpoison before reading it).
 */
#include "runtime/internal.h"
#include "alloc/freelist.h"

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
    FtObject *op;
    if (ts && (op = ft__fl_pop(ts, tp, size, kind, ft__type_is_gc(tp))) != NULL)
        return op;
    return ft__object_alloc(tp, size);   /* polls, injects failures */
}

void ft__object_free_fl(FtObject *op, int kind)
{
    FtThreadState *ts = ft__tl_ts;
    if (ts) {
        FtFreeList *fl = &ts->freelists[kind];
        if (ft__fl_may_keep(ts, op, fl)) {
            ft__fl_push(ts, op, fl, ft__type_is_gc(op->ob_type));
            return;
        }
    }
    ft__object_free(op);
}

void ft__freelists_clear(FtThreadState *ts)
{
    for (int k = 0; k < FT_FL_COUNT; k++) {
        FtFreeList *fl = &ts->freelists[k];
        while (fl->head) {
            FtObject *op = fl->head;
            FT_ASAN_UNPOISON(op, sizeof(FtObject *));   /* the link */
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
