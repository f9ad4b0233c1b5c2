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
 * Used by tests and, at debug level 3, between the collector's phases,
 * where the collector says which of its transient states are legitimate
 * at that point (FT_VALIDATE_*, alloc/alloc.h):
 *   QUEUE_DEAD: after phase 1, objects that died in a merge queue are
 *     merged with a count of 0 (not freed yet), tracked ones marked
 *     SCRATCH (to be gathered as candidates);
 *   GARBAGE: after phase 6, garbage carries UNREACHABLE (and the
 *     collector's reference, so its count is valid).
 * Always legitimate: an untracked object with a count of 0 is being
 * deallocated by a thread that reached a safepoint inside its tp_dealloc
 * (which untracks first), or is parked by the trashcan (runtime/trashcan.h:
 * ob_tid then holds a list link), and is skipped.
 *
 * Exclusion: ft_heap_validate(1) holds the collector's lock while it stops
 * the world (as ft_heap_visit does), so it never lands between the phases
 * of another thread's collection; ft_heap_validate(0) with the world
 * stopped by the caller in the middle of one fails (FT_ERR_STATE).
 */
#include "runtime/internal.h"
#include "alloc/alloc.h"
#include "gc/gc.h"
#include "threads/tstate.h"
#include <stdio.h>

typedef struct {
    FtSsize checked;
    FtObject *bad;
    const char *why;
    unsigned allow;
} Check;

static const char *check_object(FtObject *op, unsigned allow)
{
    uint8_t bits = ft__gc_bits(op);
    if (!(bits & FT_GC_ALIVE))
        return "not ALIVE";
    FtType *tp = op->ob_type;
    if (!tp || !(tp->tp_flags & FT_TPFLAGS_READY))
        return "type pointer is not a ready type";
    if (ft_is_immortal(op))
        return (bits & (FT_GC_UNREACHABLE | FT_GC_SCRATCH))
               ? "collector scratch bits on an immortal" : NULL;
    FtSsize total = ft_refcount(op);
    if (!(bits & FT_GC_TRACKED) && total == 0
        && !(bits & (FT_GC_UNREACHABLE | FT_GC_SCRATCH)))
        return NULL;    /* being deallocated, or parked by the trashcan */
#if FT_MODE_FT
    uintptr_t tid = ft_atomic_load_relaxed(&op->ob_tid);
    intptr_t shared = ft_atomic_load_relaxed(&op->ob_ref_shared);
    uint32_t local = ft_atomic_load_relaxed(&op->ob_ref_local);
    int state = (int)(shared & FT_SHARED_FLAG_MASK);
    int queue_dead = (allow & FT_VALIDATE_QUEUE_DEAD) && state == FT_REF_MERGED
                     && tid == 0 && local == 0 && total == 0;
#else
    int queue_dead = (allow & FT_VALIDATE_QUEUE_DEAD) && total == 0;
#endif
    if ((bits & FT_GC_SCRATCH) && !queue_dead)
        return "collector scratch bit SCRATCH left set";
    if ((bits & FT_GC_UNREACHABLE) && !(allow & FT_VALIDATE_GARBAGE))
        return "collector scratch bit UNREACHABLE left set";
    if (queue_dead)
        return NULL;
#if FT_MODE_FT
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
    const char *why = check_object(op, c->allow);
    if (why) {
        c->bad = op;
        c->why = why;
        return 1;
    }
    return 0;
}

static FtSsize report(Check *c)
{
    if (c->bad) {
        fprintf(stderr, "ft_heap_validate: object %p (type %s): %s\n",
                (void *)c->bad,
                c->bad->ob_type ? c->bad->ob_type->tp_name : "?", c->why);
        return -1;
    }
    return c->checked;
}

FtSsize ft__heap_validate_world_stopped(unsigned allow)
{
    FT_ASSERT(ft_world_is_stopped());
    Check c = { 0, NULL, NULL, allow };
    ft__heap_visit_world_stopped(check_cb, &c);
    return report(&c);
}

FtSsize ft_heap_validate(int stop)
{
    if (ft_world_is_stopped()) {
        if (!ft__gc_in_collection() && ft__gc_cycle_in_flight()) {
            ft_error_set(FT_ERR_STATE, "ft_heap_validate: the world was stopped "
                         "in the middle of a collection; call ft_heap_validate(1) "
                         "with the world running");
            return -1;
        }
        return ft__heap_validate_world_stopped(0);
    }
    if (!stop) {
        ft_error_set(FT_ERR_STATE, "ft_heap_validate(0) needs the world stopped");
        return -1;
    }
    /* The collector's lock first (gc/gc.h), then the stop: never between
     * another thread's phases. Inside a collection (a finalizer) the
     * lock is ours already and the garbage states are legitimate. */
    int inside = ft__gc_in_collection();
    int locked = !inside && ft__gc_lock() == 0;
    ft_world_stop();
    unsigned allow = inside ? FT_VALIDATE_GARBAGE | FT_VALIDATE_QUEUE_DEAD : 0;
    Check c = { 0, NULL, NULL, allow };
    ft__heap_visit_world_stopped(check_cb, &c);
    ft_world_start();
    if (locked)
        ft__gc_unlock();
    return report(&c);
}
