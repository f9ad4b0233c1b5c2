/* alloc/validate.c: the heap validator (ft_heap_validate).
 *
 * Checks the header invariants of every live GC-heap object (the objects
 * ft_heap_visit reports), with the world stopped:
 *   - ALIVE is set and the type is a readied type;
 *   - mode ft: ob_tid == 0 <=> shared state MERGED (immortals: tid 0);
 *     an owned object has ob_ref_local >= 1; a merged one has local 0 and a
 *     shared count >= 1; only QUEUED/MERGED states may carry a negative
 *     shared count;
 *   - the GC scratch bits are clear outside a collection.
 * Used by tests and, at debug level 3, between the collector's phases.
 */
#include "runtime/internal.h"
#include "alloc/alloc.h"
#include <stdio.h>

typedef struct {
    FtSsize checked;
    FtObject *bad;
    const char *why;
} Check;

static const char *check_object(FtObject *op)
{
    uint8_t bits = ft__gc_bits(op);
    if (!(bits & FT_GC_ALIVE))
        return "not ALIVE";
    FtType *tp = op->ob_type;
    if (!tp || !(tp->tp_flags & FT_TPFLAGS_READY))
        return "type pointer is not a ready type";
    if (bits & (FT_GC_UNREACHABLE | FT_GC_SCRATCH))
        return "collector scratch bits left set";
    if (ft_is_immortal(op))
        return NULL;
#if FT_MODE_FT
    uintptr_t tid = ft_atomic_load_relaxed(&op->ob_tid);
    intptr_t shared = ft_atomic_load_relaxed(&op->ob_ref_shared);
    uint32_t local = ft_atomic_load_relaxed(&op->ob_ref_local);
    int state = (int)(shared & FT_SHARED_FLAG_MASK);
    if ((tid == 0) != (state == FT_REF_MERGED))
        return "ob_tid == 0 <=> MERGED broken";
    if (tid != 0 && local == 0)
        return "owned object with a zero local count";
    if (state == FT_REF_MERGED && (local != 0 || (shared >> FT_SHARED_SHIFT) < 1))
        return "merged object with a local count or a count below 1";
    if ((shared >> FT_SHARED_SHIFT) < 0 && state != FT_REF_QUEUED)
        return "negative shared count outside QUEUED";
#else
    if (ft_atomic_load_relaxed(&op->ob_ref_shared) < 1)
        return "count below 1";
#endif
    return NULL;
}

static int check_cb(FtObject *op, void *arg)
{
    Check *c = arg;
    c->checked++;
    const char *why = check_object(op);
    if (why) {
        c->bad = op;
        c->why = why;
        return 1;
    }
    return 0;
}

FtSsize ft_heap_validate(int stop)
{
    int stopped_here = 0;
    if (!ft_world_is_stopped()) {
        if (!stop) {
            ft_error_set(FT_ERR_STATE, "ft_heap_validate(0) needs the world stopped");
            return -1;
        }
        ft_world_stop();
        stopped_here = 1;
    }
    Check c = { 0, NULL, NULL };
    ft_heap_visit(check_cb, &c);
    if (stopped_here)
        ft_world_start();
    if (c.bad) {
        fprintf(stderr, "ft_heap_validate: object %p (type %s): %s\n",
                (void *)c.bad, c.bad->ob_type ? c.bad->ob_type->tp_name : "?",
                c.why);
        return -1;
    }
    return c.checked;
}
