/* gc/gc_introspect.c: the collector's view of the heap, for callers:
 * get_objects, get_referrers, get_referents, is_tracked, is_finalized,
 * freeze / unfreeze / get_freeze_count.
 *
 * Every walk runs with the world stopped (ft_world_stop serialises it with
 * the collector's own stopped phases), so what it returns is a consistent
 * snapshot. Nothing may be allocated while mimalloc visits a heap, so the
 * results go into a raw array allocated before the stop; a walk that finds
 * more than fits keeps counting, and the call retries once the world runs
 * again with an array of the counted size. The array holds strong
 * references taken with the world stopped (ordinary increments); the list
 * is built after the restart.
 *
 * What the walks report: tracked objects that are not frozen, not garbage
 * of a collection in progress (UNREACHABLE; walks also hold collect_mu, so
 * they never run inside another thread's collection), and not being
 * deallocated (count 0, a pending merge-queue reference discounted: taking
 * a reference would resurrect a dying object).
 *
 * Callable from any attached thread, also from a finalizer or a gc
 * callback. */
#include "runtime/internal.h"
#include "gc/gc.h"
#include "threads/tstate.h"

/* ---- Snapshot arrays ---- */

typedef struct Snap {
    FtObject **items;
    size_t n, cap;      /* items stored (each a strong reference) */
    size_t seen;        /* items that matched, stored or not */
    FtObject *target;   /* get_referrers: a tuple or one object */
    int hit;            /* get_referrers: the traverse found a target */
} Snap;

static int snap_push(Snap *s, FtObject *op)
{
    s->seen++;
    if (s->n < s->cap) {
        ft_incref(op);
        s->items[s->n++] = op;
    }
    return 0;
}

static void snap_release(Snap *s)
{
    for (size_t i = 0; i < s->n; i++)
        ft_decref(s->items[i]);
    ft_mem_free(s->items);
    s->items = NULL;
    s->n = 0;
}

/* A list of the snapshot (new reference), releasing the snapshot. */
static FtObject *snap_to_list(Snap *s)
{
    FtObject *list = ft_list_from_array(s->items, (FtSsize)s->n);
    snap_release(s);
    return list;
}

/* The number of references to op, world stopped. ft_refcount is one too
 * high for an object waiting in its owner's merge queue: the non-owner
 * decref that queued it did not subtract (refcount/refcount.c, invariant
 * 2: the queue holds that reference until the owner merges). Such an
 * object whose only reference was that one reads 1 but is dead: taking a
 * reference to it would resurrect it after its collector already cleared
 * and released it (found by stress_gc gc_introspect: get_objects returned
 * cleared garbage, alive with a count of 2-3). The collector itself merges
 * every queue before it reads counts (phases 1 and 8); a walk here only
 * needs the exact figure, so it discounts the queue's reference. Since
 * collections drain their queue deaths before releasing collect_mu, a walk
 * meets such an object only when its owner is idle and adoption has not
 * run yet: tests/test_gc queued_death_not_reported (mutant
 * gc_snapshot_queued). */
static FtSsize count_world_stopped(FtObject *op)
{
    FtSsize rc = ft_refcount(op);
#if FT_MODE_FT
    if ((ft_atomic_load_relaxed(&op->ob_ref_shared) & FT_SHARED_FLAG_MASK) == FT_REF_QUEUED)
        rc--;
#endif
    return rc;
}

/* A tuple is tracked from ft_tuple_new on (the collector must see what
 * its filled slots hold), but it is not fully built until every slot is
 * set, and no complete tuple holds NULL: one with a NULL slot is still
 * being filled by its creator (who may have reached a safepoint between two
 * ft_tuple_set_item_init calls) and must not be handed to other code. */
static int tuple_complete(FtObject *op)
{
    if (!ft_isinstance(op, &ft_tuple_type))
        return 1;
    FtSsize n = FT_LOAD_RELAXED(((FtVarObject *)op)->ob_size);
    for (FtSsize i = 0; i < n; i++)
        if (!ft_tuple_borrow_item(op, i))
            return 0;
    return 1;
}

static int reportable(FtObject *op)
{
    uint8_t b = ft__gc_bits(op);
    if ((b & (FT_GC_TRACKED | FT_GC_FROZEN | FT_GC_UNREACHABLE)) != FT_GC_TRACKED)
        return 0;
    return count_world_stopped(op) > 0 && tuple_complete(op);
}

/* Walks hold collect_mu (gc/gc.h), so a walk never runs inside another
 * thread's collection. Without it a walk could land in phase 9, where
 * delete_garbage clears UNREACHABLE on one garbage object at a time just
 * before its tp_clear: a cleared object still referenced by garbage not yet
 * processed is tracked, counted, and no longer marked, so it would be
 * reported (and resurrected with a strong reference). Found by stress_gc
 * gc_introspect. The collecting thread itself (a finalizer or callback
 * calling in) already holds the lock: it walks without taking it, and
 * during phases 7-8 still sees every garbage object marked. */
static int walk_lock(void)
{
    if (ft__gc_in_collection())
        return 0;
    (void)ft__gc_lock();        /* cannot fail: not inside a collection */
    return 1;
}

static void walk_unlock(int locked)
{
    if (locked)
        ft__gc_unlock();
}

static void walk_world_stop(void)
{
    ft_world_stop();
}

static void walk_world_start(void)
{
    ft_world_start();
}

/* Run `walk` with the world stopped over a snapshot array, retrying with
 * the counted size until everything fit. Returns the list or NULL. */
static FtObject *snapshot(void (*walk)(Snap *s), Snap *proto, size_t guess)
{
    size_t cap = guess + 64;
    for (;;) {
        Snap s = *proto;
        s.items = ft_mem_alloc(cap * sizeof *s.items);
        if (!s.items)
            return NULL;
        s.cap = cap;
        int locked = walk_lock();
        walk_world_stop();
        walk(&s);
        walk_world_start();
        walk_unlock(locked);
        if (s.seen <= s.cap)
            return snap_to_list(&s);
        cap = s.seen + s.seen / 8 + 64;
        snap_release(&s);
    }
}

/* ---- get_objects ---- */

static int objects_visit(FtObject *op, void *arg)
{
    if (reportable(op))
        snap_push(arg, op);
    return 0;
}

static void objects_walk(Snap *s)
{
    ft__heap_visit_world_stopped(objects_visit, s);
}

FtObject *ft_gc_get_objects(void)
{
    ft__tstate_checked(__func__);
    Snap proto = { 0 };
    int64_t guess = ft_atomic_load_relaxed(&ft__gc.live_after)
                  + ft_atomic_load_relaxed(&ft__gc.count);
    return snapshot(objects_walk, &proto, guess > 0 ? (size_t)guess : 0);
}

/* ---- get_referrers ---- */

static int is_target(Snap *s, FtObject *op)
{
    FtObject *t = s->target;
    if (op == t)
        return 1;
    if (ft_is_tuple(t)) {
        FtSsize n = ((FtVarObject *)t)->ob_size;
        for (FtSsize i = 0; i < n; i++)
            if (ft_tuple_borrow_item(t, i) == op)
                return 1;
    }
    return 0;
}

static int referrer_child(FtObject *child, void *arg)
{
    Snap *s = arg;
    if (is_target(s, child)) {
        s->hit = 1;
        return 1;       /* stop this traverse */
    }
    return 0;
}

static int referrers_visit(FtObject *op, void *arg)
{
    Snap *s = arg;
    if (op == s->target || !reportable(op))
        return 0;
    s->hit = 0;
    op->ob_type->tp_traverse(op, referrer_child, s);
    if (s->hit)
        snap_push(s, op);
    return 0;
}

static void referrers_walk(Snap *s)
{
    ft__heap_visit_world_stopped(referrers_visit, s);
}

FtObject *ft_gc_get_referrers(FtObject *objs)
{
    FT_NONNULL(NULL, objs);
    ft__tstate_checked(__func__);
    Snap proto = { .target = objs };
    return snapshot(referrers_walk, &proto, 16);
}

/* ---- get_referents ---- */

static int referent_child(FtObject *child, void *arg)
{
    return snap_push(arg, child);
}

static void referents_walk(Snap *s)
{
    FtObject *op = s->target;
    if (ft__type_is_gc(op->ob_type) && op->ob_type->tp_traverse)
        op->ob_type->tp_traverse(op, referent_child, s);
}

FtObject *ft_gc_get_referents(FtObject *op)
{
    FT_NONNULL(NULL, op);
    ft__tstate_checked(__func__);
    Snap proto = { .target = op };
    return snapshot(referents_walk, &proto, 16);
}

/* ---- Bits ---- */

int ft_gc_is_tracked(FtObject *op)
{
    FT_NONNULL(-1, op);
    return ft__gc_is_tracked(op);
}

int ft_gc_is_finalized(FtObject *op)
{
    FT_NONNULL(-1, op);
    return (ft__gc_bits(op) & FT_GC_FINALIZED) != 0;
}

/* ---- freeze / unfreeze ---- */

enum { FREEZE, UNFREEZE, COUNT_FROZEN };

typedef struct FreezeArg {
    int mode;
    int64_t n;
} FreezeArg;

static int freeze_visit(FtObject *op, void *arg)
{
    FreezeArg *a = arg;
    uint8_t b = ft__gc_bits(op);
    if (!(b & FT_GC_TRACKED) || (b & FT_GC_UNREACHABLE))
        return 0;
    int frozen = (b & FT_GC_FROZEN) != 0;
    if (a->mode == FREEZE && !frozen)
        ft__gc_bits_set(op, FT_GC_FROZEN);
    else if (a->mode == UNFREEZE && frozen)
        ft__gc_bits_clear(op, FT_GC_FROZEN);
    else if (!(a->mode == COUNT_FROZEN && frozen))
        return 0;
    a->n++;
    return 0;
}

/* Works with the world stopped by the caller too (the pre-fork recipe:
 * stop, freeze, fork). Then a collection stopped between two phases would
 * never release the collector lock, so it is only tried: if a collection
 * is in progress, its garbage is marked UNREACHABLE and freeze_visit skips
 * it. */
static int64_t freeze_walk(int mode)
{
    ft__tstate_checked(__func__);
    FreezeArg a = { .mode = mode };
    int mine = ft__world_stopped_by_me();
    int locked = mine ? ft__gc_trylock() == 0
                      : walk_lock();   /* phase 9 garbage would be frozen otherwise */
    if (!mine)
        ft_world_stop();
    ft_heap_visit(freeze_visit, &a);
    if (!mine)
        ft_world_start();
    walk_unlock(locked);
    return a.n;
}

void ft_gc_freeze(void)
{
    freeze_walk(FREEZE);
    /* Frozen objects are no longer candidates: the trigger scales with
     * what is left. */
    ft_atomic_store_relaxed(&ft__gc.live_after, 0);
}

void ft_gc_unfreeze(void)
{
    int64_t n = freeze_walk(UNFREEZE);
    ft_atomic_add_relaxed(&ft__gc.live_after, n);
}

FtSsize ft_gc_get_freeze_count(void)
{
    return (FtSsize)freeze_walk(COUNT_FROZEN);
}
