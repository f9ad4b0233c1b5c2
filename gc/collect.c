/* gc/collect.c: the cycle collector's phases.
 *
 * A full, non-generational collection over the tracked objects of every
 * thread's GC heap and of the orphan registry (ft_heap_visit). Phases, in
 * order ([S] = world stopped, [R] = world running):
 *
 *   0 [R] allocate the scratch arrays, sized from the last collection.
 *   1 [S] merge every thread's BRC queue (ft__brc_merge_all_world_stopped);
 *         objects whose count reached zero there are queue deaths. The
 *         tracked, unfrozen ones are marked SCRATCH: phase 2 gathers them
 *         as candidates with gc_refs 0 (they are garbage, and so is all
 *         that only they reach: a nested structure released by a non-owner
 *         is found in one pass). The others are deallocated in phase 7.
 *   2 [S] gather: walk the heaps; every candidate (tracked, not frozen, not
 *         immortal, count > 0, or a marked queue death) is appended to the
 *         entry array with its ob_tid, then ob_tid := its total count
 *         (gc_refs) and UNREACHABLE is set. UNREACHABLE marks exactly the
 *         candidates from here on.
 *   3 [S] subtract: tp_traverse every candidate, decrementing the gc_refs
 *         of each candidate it refers to. What is left is the number of
 *         references from outside the candidate set.
 *   4 [S] mark: every candidate with gc_refs > 0 is a root; it and all
 *         candidates reachable from it lose UNREACHABLE (explicit stack).
 *   5 [S] scan: every ob_tid is restored from the entry array; each object
 *         still UNREACHABLE is garbage and gets one strong reference from
 *         the collector by a merge (ft__merge_refcount(op, +1), allowed with
 *         the world stopped): garbage then counts on its shared field only,
 *         so phase 9 frees it on this thread instead of queueing it to an
 *         owner that may be idle.
 *   6 [S] weak references to garbage are detached; the callbacks of those
 *         that are not garbage themselves are queued (strong reference).
 *   7 [R] deallocate the other queue deaths; run the queued weakref
 *         callbacks once; run tp_finalize of every garbage object not yet
 *         FINALIZED (set first: at most once per lifetime).
 *   8 [S] only if a finalizer ran: merge the queues again, then redo 2-5
 *         over the garbage alone (gc_refs = count - 1 for our reference):
 *         an object referenced from outside the garbage was resurrected,
 *         and it and everything it reaches leave the garbage set.
 *   9 [R] survivors: drop our reference. Garbage: clear UNREACHABLE, then
 *         tp_clear (or append to the garbage list under SAVEALL), then drop
 *         our reference; reference counting frees the rest.
 *  10 [S/R] drain: phases 7 and 9 drop references to objects other threads
 *         own, which queues them (a string in a garbage dict); while this
 *         thread queued anything since the last merge, stop, merge every
 *         queue, restart, and free what died (drain_queues).
 *
 * The return value (ft_gc_collect): every object this thread freed in
 * phases 7, 9 and 10 (its `freed` counter), i.e. garbage, queue deaths and
 * whatever their deallocation freed in turn, plus the garbage saved to the
 * garbage list under SAVEALL. live_after counts candidates minus garbage.
 *
 * Heap walks of other threads (ft_heap_visit, ft_heap_validate, the
 * introspection of gc_introspect.c) hold collect_mu, so they never run
 * between these phases; ft__gc.cycle tells a walk whose caller stopped the
 * world itself that it landed inside a collection (it then refuses).
 *
 * Borrowed header fields: only ob_tid (as gc_refs), from phase 2 to phase 5
 * and again inside phase 8; its value is saved in the entry array and
 * restored before the world restarts, whatever happens. The counts are never
 * borrowed; garbage is merged in phase 5 (a state change any world-stopping
 * thread may make, with the collector's reference added), every other
 * object's owner/count state is exactly what it was. UNREACHABLE stays set
 * on garbage while the world runs in phases 7-9; SCRATCH marks queue deaths
 * from phase 1 to phase 2 and borrowed ob_tids inside phases 6b and 8. Both
 * are clear on every object outside a collection; the debug-level-3
 * validator runs after phases 1 and 6 accepting exactly these states
 * (alloc/validate.c, FT_VALIDATE_*).
 *
 * Out of memory: the only allocations with the world stopped are the
 * growth of the entry array and mark stack (phase 2), the queue-death array
 * (phases 1 and 8) and the weakref-callback array (before phase 5). A failure
 * before phase 5 restores every ob_tid and bit, restarts the world, frees
 * only what died in the queues (the gathered ones go back to the death
 * array, whose capacity covers every queued object), and reports
 * FT_ERR_MEMORY; a failure in phase 8 skips that merge (queued objects then
 * look resurrected and are collected next time), one in phase 10 ends the
 * drain (the rest is freed by the next merge). Nothing is lost or freed by
 * mistake.
 *
 * Callers: ft__gc_collect_locked, with ft__gc.collect_mu held by an attached
 * thread. See docs/gc.md for the header layout and measured pauses.
 */
#include "runtime/internal.h"
#include "gc/gc.h"
#include "gc/parallel.h"
#include "threads/tstate.h"
#include "refcount/refcount.h"
#include "runtime/weakref.h"

/* ---- Scratch state of one collection ---- */

typedef struct GcEntry {
    FtObject *op;
    uintptr_t tid;       /* the saved ob_tid while ob_tid holds gc_refs */
} GcEntry;

typedef struct GcWork {
    GcEntry *ent;        /* candidates (phases 2-5), then garbage [0, n) */
    size_t n, cap;
    FtObject **stack;    /* mark stack, capacity == cap (each pushed once) */
    size_t sp;
    FtObject **dead;     /* objects that died in a merge queue */
    size_t ndead, capdead;
    int adopt_dead;      /* phase 1: tracked queue deaths become candidates */
    int dead_sorted;     /* dead_sort_out ran: gathered deaths left `dead` */
    FtObject **wrcb;     /* weakrefs whose callback is due (strong refs), */
    size_t nwr, capwr;   /* then [nwr, nwr + nwrgarb): garbage, no callback */
    size_t nwrgarb;
    uintptr_t *wrtid;    /* saved ob_tid of wrcb[i] while it holds refs (6b) */
    int walk_full;       /* the gather walk ran out of entries */
    size_t ncandidates;
    FtGcInfo *info;
} GcWork;

/* ---- Header helpers, world stopped (single writer: no RMW needed) ---- */

static inline uint8_t bits_of(FtObject *op)
{
    return ft_atomic_load_relaxed(&op->ob_gc_bits);
}
static inline void bits_set_ws(FtObject *op, uint8_t b)
{
    ft_atomic_store_relaxed(&op->ob_gc_bits, (uint8_t)(bits_of(op) | b));
}
static inline void bits_clear_ws(FtObject *op, uint8_t b)
{
    ft_atomic_store_relaxed(&op->ob_gc_bits, (uint8_t)(bits_of(op) & ~b));
}
static inline intptr_t refs_get(FtObject *op)
{
    return (intptr_t)ft_atomic_load_relaxed(&op->ob_tid);
}
static inline void refs_set(FtObject *op, intptr_t v)
{
    ft_atomic_store_relaxed(&op->ob_tid, (uintptr_t)v);
}

static void traverse(FtObject *op, FtVisitProc visit, void *arg)
{
    FtType *tp = op->ob_type;
    FT_ASSERT(tp->tp_traverse != NULL);
    tp->tp_traverse(op, visit, arg);
}

/* ---- Phase 0: scratch arrays ---- */

static int work_reserve(GcWork *w, size_t cap)
{
    GcEntry *e = ft_mem_realloc(w->ent, cap * sizeof *e);
    if (!e)
        return -1;
    w->ent = e;
    FtObject **s = ft_mem_realloc(w->stack, cap * sizeof *s);
    if (!s)
        return -1;      /* w->cap unchanged: both arrays hold at least it */
    w->stack = s;
    w->cap = cap;
    return 0;
}

/* Fault the arrays' pages in before the world stops: fresh large blocks
 * come zero-filled from the kernel on first touch, which would otherwise
 * happen inside the pause (measured: ~15% of it). */
static void work_prefault(GcWork *w)
{
    for (size_t off = 0; off < w->cap * sizeof *w->ent; off += 4096)
        ((volatile char *)w->ent)[off] = 0;
    for (size_t off = 0; off < w->cap * sizeof *w->stack; off += 4096)
        ((volatile char *)w->stack)[off] = 0;
}

static void work_free(GcWork *w)
{
    ft_mem_free(w->ent);
    ft_mem_free(w->stack);
    ft_mem_free(w->dead);
    ft_mem_free(w->wrcb);
    ft_mem_free(w->wrtid);
    w->wrtid = NULL;
    w->ent = NULL;
    w->stack = NULL;
    w->dead = NULL;
    w->wrcb = NULL;
}

/* ---- Phases 1 and 8: merge queues ---- */

static void dead_cb(FtObject *op, void *arg)
{
    GcWork *w = arg;
    FT_ASSERT(w->ndead < w->capdead);
    w->dead[w->ndead++] = op;
    /* Phase 1: a tracked object that died in a queue is garbage whose
     * referents may be garbage too (a nested structure released by a
     * non-owner): SCRATCH tells phase 2 to gather it with gc_refs 0, so one
     * pass finds the whole closure instead of one nesting level per
     * collection. Frozen ones are not candidates: they stay plain deaths. */
    if (w->adopt_dead
        && (bits_of(op) & (FT_GC_TRACKED | FT_GC_FROZEN)) == FT_GC_TRACKED)
        bits_set_ws(op, FT_GC_SCRATCH);
}

/* Merge every queue; -1 (nothing merged) if the death array can't grow. */
static int merge_queues(GcWork *w)
{
    size_t q = ft__brc_queued_world_stopped();
    if (q == 0)
        return 0;
    if (w->ndead + q > w->capdead) {
        size_t cap = w->ndead + q;
        FtObject **d = ft_mem_realloc(w->dead, cap * sizeof *d);
        if (!d)
            return -1;
        w->dead = d;
        w->capdead = cap;
    }
    ft__brc_merge_all_world_stopped(dead_cb, w);
    return 0;
}

/* After phase 2: the queue deaths gathered as candidates (UNREACHABLE) are
 * the cycle search's now; the others (untracked, frozen, non-GC types) stay
 * in the death array. On failure (restore_all) every mark goes. */
static void dead_sort_out(GcWork *w)
{
    size_t k = 0;
    for (size_t i = 0; i < w->ndead; i++) {
        FtObject *op = w->dead[i];
        if (ft__type_is_gc(op->ob_type) && (bits_of(op) & FT_GC_UNREACHABLE))
            continue;
        if (ft__type_is_gc(op->ob_type))
            bits_clear_ws(op, FT_GC_SCRATCH);
        w->dead[k++] = op;
    }
    w->ndead = k;
}

/* World running: the objects that died in a queue (count 0, merged). */
static void free_dead(GcWork *w)
{
    for (size_t i = 0; i < w->ndead; i++)
        ft__dealloc(w->dead[i]);
    w->ndead = 0;
}

/* ---- Phase 2: gather ---- */

static int gather_visit(FtObject *op, void *arg)
{
    GcWork *w = arg;
    uint8_t b = bits_of(op);
    if ((b & (FT_GC_TRACKED | FT_GC_FROZEN | FT_GC_UNREACHABLE)) != FT_GC_TRACKED)
        return 0;   /* untracked, frozen, or already gathered */
    if (ft_is_immortal(op))
        return 0;
    FtSsize rc = ft_refcount(op);
    int queue_dead = (b & FT_GC_SCRATCH) != 0;   /* marked by dead_cb */
    if (rc <= 0 && !queue_dead)
        return 0;   /* being deallocated by a stopped thread: not ours */
    if (w->n == w->cap) {
        w->walk_full = 1;
        return 1;
    }
    w->ent[w->n].op = op;
    w->ent[w->n].tid = ft_atomic_load_relaxed(&op->ob_tid);
    w->n++;
    refs_set(op, (intptr_t)rc);     /* a queue death: 0 */
    bits_set_ws(op, FT_GC_UNREACHABLE);
    if (queue_dead)
        bits_clear_ws(op, FT_GC_SCRATCH);
    return 0;
}

/* Walk until every candidate is gathered; grow outside the walk (nothing
 * may be allocated while mimalloc visits a heap) and walk again, skipping
 * what is already gathered. */
static int gather(GcWork *w)
{
    for (;;) {
        w->walk_full = 0;
        ft__heap_visit_world_stopped(gather_visit, w);
        if (!w->walk_full)
            return 0;
        if (work_reserve(w, w->cap * 2) < 0)
            return -1;
    }
}

/* Undo phase 2 (out of memory before phase 5). */
static void restore_all(GcWork *w)
{
    for (size_t i = 0; i < w->n; i++) {
        FtObject *op = w->ent[i].op;
        ft_atomic_store_relaxed(&op->ob_tid, w->ent[i].tid);
        bits_clear_ws(op, FT_GC_UNREACHABLE);
        if (w->dead_sorted && ft_refcount(op) == 0) {
            FT_ASSERT(w->ndead < w->capdead);
            w->dead[w->ndead++] = op;
        }
    }
    w->n = 0;
    /* Queue deaths stay in (or go back to) the death array, freed after the
     * restart; capdead holds them all (it did before dead_sort_out). */
    for (size_t i = 0; i < w->ndead; i++)
        if (ft__type_is_gc(w->dead[i]->ob_type))
            bits_clear_ws(w->dead[i], FT_GC_SCRATCH);
}

/* ---- Phases 3 and 4: subtract, mark ---- */

static int visit_decref(FtObject *op, void *arg)
{
    (void)arg;
    if (bits_of(op) & FT_GC_UNREACHABLE)
        refs_set(op, refs_get(op) - 1);
    return 0;
}

static int visit_reach(FtObject *op, void *arg)
{
    GcWork *w = arg;
    if (bits_of(op) & FT_GC_UNREACHABLE) {
        bits_clear_ws(op, FT_GC_UNREACHABLE);
        FT_ASSERT_INTERNAL(w->sp < w->cap);
        w->stack[w->sp++] = op;
    }
    return 0;
}

static void propagate(GcWork *w)
{
    while (w->sp > 0)
        traverse(w->stack[--w->sp], visit_reach, w);
}

static void subtract_refs(GcWork *w, size_t lo, size_t hi)
{
    for (size_t i = lo; i < hi; i++)
        traverse(w->ent[i].op, visit_decref, NULL);
}

/* The same with another thread subtracting concurrently: the decrement is
 * an atomic RMW (relaxed: the join at the end of the parallel phase orders
 * it before anyone reads the result). */
static int visit_decref_mt(FtObject *op, void *arg)
{
    (void)arg;
    if (bits_of(op) & FT_GC_UNREACHABLE)
        atomic_fetch_sub_explicit(&op->ob_tid, 1, memory_order_relaxed);
    return 0;
}

static void subtract_refs_mt(void *arg, size_t lo, size_t hi)
{
    GcWork *w = arg;
    for (size_t i = lo; i < hi; i++)
        traverse(w->ent[i].op, visit_decref_mt, NULL);
}

/* Roots are candidates still UNREACHABLE with gc_refs > 0. */
static void mark_reachable(GcWork *w)
{
    for (size_t i = 0; i < w->n; i++) {
        FtObject *op = w->ent[i].op;
        if (!(bits_of(op) & FT_GC_UNREACHABLE))
            continue;
        intptr_t refs = refs_get(op);
        if (refs < 0)
            ft_fatal_object(op, "gc: tp_traverse reports more references "
                                "than the object's count");
        if (refs > 0) {
            bits_clear_ws(op, FT_GC_UNREACHABLE);
            w->stack[w->sp++] = op;
            propagate(w);
        }
    }
}

/* ---- Phase 5: scan; phase 6: weak references ---- */

static size_t count_garbage(GcWork *w)
{
    size_t g = 0;
    for (size_t i = 0; i < w->n; i++)
        if (bits_of(w->ent[i].op) & FT_GC_UNREACHABLE)
            g++;
    return g;
}

/* Room for every weakref callback that phase 6 may queue: at most one per
 * weak reference to a garbage object. Counted before anything is cleared,
 * so that failing here can still restore everything. ft_weakref_count on a
 * garbage object is safe with the world stopped: no thread can be inside an
 * operation on an object it holds no reference to, so no lock it might
 * take is held by a stopped thread. */
static int reserve_wrcb(GcWork *w)
{
    size_t need = 0;
    for (size_t i = 0; i < w->n; i++) {
        FtObject *op = w->ent[i].op;
        if ((bits_of(op) & FT_GC_UNREACHABLE) && ft__weakref_has_refs(op))
            need += (size_t)ft_weakref_count(op);
    }
    if (need <= w->capwr)
        return 0;
    FtObject **p = ft_mem_realloc(w->wrcb, need * sizeof *p);
    if (!p)
        return -1;
    w->wrcb = p;
    uintptr_t *t = ft_mem_realloc(w->wrtid, need * sizeof *t);
    if (!t)
        return -1;      /* w->capwr unchanged: both arrays hold at least it */
    w->wrtid = t;
    w->capwr = need;
    return 0;
}

/* Restore every ob_tid; keep the garbage (still UNREACHABLE) at the front
 * of the entry array with one strong reference each. The reference is
 * taken by merging the object's count (+1), which any thread may do with
 * the world stopped (refcount/brc.c): garbage then counts on its shared
 * field only, so the decrefs of phase 9 (ours, and tp_clear's between
 * garbage objects) free it on this thread instead of handing it to an
 * owner's merge queue, where it would wait for an owner that may be idle
 * in a blocking region (as CPython's collector merges its garbage). */
static void scan(GcWork *w)
{
    size_t g = 0;
    for (size_t i = 0; i < w->n; i++) {
        FtObject *op = w->ent[i].op;
        ft_atomic_store_relaxed(&op->ob_tid, w->ent[i].tid);
        if (bits_of(op) & FT_GC_UNREACHABLE) {
            ft__merge_refcount(op, 1);
            w->ent[g++].op = op;
        }
    }
    w->n = g;
}

static void wr_cleared(FtObject *wr, void *arg)
{
    GcWork *w = arg;
    /* A weak reference that is garbage itself gets no callback. */
    if ((bits_of(wr) & FT_GC_UNREACHABLE) || !ft__weakref_has_callback(wr))
        return;
    FT_ASSERT(w->nwr < w->capwr);
    ft_incref(wr);
    w->wrcb[w->nwr++] = wr;
}

static void clear_weakrefs(GcWork *w)
{
    for (size_t i = 0; i < w->n; i++) {
        FtObject *op = w->ent[i].op;
        if (ft__weakref_has_refs(op))
            ft__weakrefs_clear_world_stopped(op, wr_cleared, w);
    }
}

/* ---- Phase 6b: weak references that are garbage themselves ----
 * Weak reference objects are not GC objects: they are never candidates, so
 * wr_cleared cannot see from UNREACHABLE that one is only reachable from
 * the garbage (held in a garbage instance's slot, say). Such a weak
 * reference dies with the garbage and must get no callback (docs/gc.md,
 * CPython's handle_weakrefs): its callback would run on a reference the
 * program can no longer reach, possibly touching state the garbage's
 * finalizers or tp_clear are about to tear down. Count, for every queued
 * weak reference, the references the garbage holds to it: ob_tid is
 * borrowed as in phase 2 (gc_refs := count - ours; saved in wrtid; SCRATCH
 * marks the borrowed ones), every garbage object is traversed, and a
 * weak reference left at 0 has no reference from outside the garbage.
 * Those move behind the queue: phase 7 drops our reference without running
 * their callback. Restored before the world restarts; no allocation. */

static int visit_decref_wr(FtObject *op, void *arg)
{
    (void)arg;
    if (bits_of(op) & FT_GC_SCRATCH)
        refs_set(op, refs_get(op) - 1);
    return 0;
}

static void skip_garbage_weakrefs(GcWork *w)
{
    w->nwrgarb = 0;
    if (w->nwr == 0)
        return;
    for (size_t i = 0; i < w->nwr; i++) {
        FtObject *wr = w->wrcb[i];
        w->wrtid[i] = ft_atomic_load_relaxed(&wr->ob_tid);
        refs_set(wr, (intptr_t)ft_refcount(wr) - 1);    /* minus ours */
        bits_set_ws(wr, FT_GC_SCRATCH);
    }
    for (size_t i = 0; i < w->n; i++)
        traverse(w->ent[i].op, visit_decref_wr, NULL);
    /* Restore, and partition: callbacks due first, garbage after. */
    size_t keep = 0;
    for (size_t i = 0; i < w->nwr; i++) {
        FtObject *wr = w->wrcb[i];
        intptr_t outside = refs_get(wr);
        ft_atomic_store_relaxed(&wr->ob_tid, w->wrtid[i]);
        bits_clear_ws(wr, FT_GC_SCRATCH);
        FT_ASSERT_INTERNAL(outside >= 0);
        if (outside > 0) {
            w->wrcb[i] = w->wrcb[keep];
            w->wrcb[keep++] = wr;
        }
    }
    w->nwrgarb = w->nwr - keep;
    w->nwr = keep;
}

/* ---- Phase 7: callbacks and finalizers (world running) ---- */

static void run_wr_callbacks(GcWork *w)
{
    for (size_t i = 0; i < w->nwr; i++) {
        ft__weakref_run_callback(w->wrcb[i]);
        ft_decref(w->wrcb[i]);
    }
    for (size_t i = w->nwr; i < w->nwr + w->nwrgarb; i++)
        ft_decref(w->wrcb[i]);          /* garbage itself: no callback */
    w->nwr = 0;
    w->nwrgarb = 0;
}

/* Returns the number of finalizers run. */
static size_t finalize_garbage(GcWork *w)
{
    size_t ran = 0;
    for (size_t i = 0; i < w->n; i++) {
        FtObject *op = w->ent[i].op;
        void (*fin)(FtObject *) = op->ob_type->tp_finalize;
        if (!fin || (ft__gc_bits(op) & FT_GC_FINALIZED))
            continue;
        ft__gc_bits_set(op, FT_GC_FINALIZED);
        FtErrorState saved;
        ft_error_fetch(&saved);
        fin(op);
        ft_error_restore(&saved);
        ran++;
    }
    return ran;
}

/* ---- Phase 8: resurrection check (world stopped) ---- */

/* Entries [0, n) are garbage. Afterwards [0, n) is what is still garbage
 * and the returned number of survivors (resurrected, or untracked by a
 * finalizer) follow it; their strong references are dropped by the caller.
 * No allocation: the mark stack already holds one slot per entry. */
static size_t check_resurrected(GcWork *w)
{
    for (size_t i = 0; i < w->n; i++) {
        FtObject *op = w->ent[i].op;
        if (!(bits_of(op) & FT_GC_TRACKED)) {
            bits_clear_ws(op, FT_GC_UNREACHABLE);   /* untracked: survivor */
            continue;
        }
        w->ent[i].tid = ft_atomic_load_relaxed(&op->ob_tid);
        refs_set(op, (intptr_t)ft_refcount(op) - 1);   /* minus ours */
        bits_set_ws(op, FT_GC_SCRATCH);                /* ob_tid borrowed */
    }
    for (size_t i = 0; i < w->n; i++)
        if (bits_of(w->ent[i].op) & FT_GC_SCRATCH)
            traverse(w->ent[i].op, visit_decref, NULL);
    for (size_t i = 0; i < w->n; i++) {
        FtObject *op = w->ent[i].op;
        if ((bits_of(op) & FT_GC_UNREACHABLE) && refs_get(op) > 0) {
            bits_clear_ws(op, FT_GC_UNREACHABLE);
            w->stack[w->sp++] = op;
            propagate(w);
        }
    }
    /* Restore, and partition: garbage first, survivors after. */
    size_t g = 0;
    for (size_t i = 0; i < w->n; i++) {
        FtObject *op = w->ent[i].op;
        if (bits_of(op) & FT_GC_SCRATCH) {
            ft_atomic_store_relaxed(&op->ob_tid, w->ent[i].tid);
            bits_clear_ws(op, FT_GC_SCRATCH);
        }
        if (bits_of(op) & FT_GC_UNREACHABLE) {
            w->ent[i].op = w->ent[g].op;
            w->ent[g].op = op;
            g++;
        }
    }
    size_t survivors = w->n - g;
    w->n = g;
    return survivors;
}

/* ---- Phase 9: clear and free (world running) ---- */

static void drop_survivors(GcWork *w, size_t survivors)
{
    for (size_t i = w->n; i < w->n + survivors; i++)
        ft_decref(w->ent[i].op);
}

static FtSsize delete_garbage(GcWork *w)
{
    int saveall = ft_atomic_load_relaxed(&ft__gc.debug) & FT_GC_DEBUG_SAVEALL;
    FtSsize collected = 0;
    for (size_t i = 0; i < w->n; i++) {
        FtObject *op = w->ent[i].op;
        ft__gc_bits_clear(op, FT_GC_UNREACHABLE);
        collected++;
        if (saveall) {
            ft__gc_save_garbage(op);
        } else if (ft__gc_is_tracked(op) && op->ob_type->tp_clear) {
            FtErrorState saved;
            ft_error_fetch(&saved);
            op->ob_type->tp_clear(op);
            ft_error_restore(&saved);
        }
        ft_decref(op);
    }
    w->n = 0;
    return collected;
}

static void debug_collectable(GcWork *w)
{
    if (!(ft_atomic_load_relaxed(&ft__gc.debug) & FT_GC_DEBUG_COLLECTABLE))
        return;
    for (size_t i = 0; i < w->n; i++)
        ft__gc_debug_print("gc: collectable <%s %p>\n",
                           w->ent[i].op->ob_type->tp_name,
                           (void *)w->ent[i].op);
}

/* ---- The stopped part of the first pass: phases 1-6 ---- */

static int find_garbage_world_stopped(GcWork *w)
{
    uint64_t t0 = ft__now_ns();
    w->adopt_dead = 1;
    int merged = merge_queues(w);
    w->adopt_dead = 0;
    if (merged < 0)
        return -1;
    uint64_t t1 = ft__now_ns();
    w->info->merge_ns += t1 - t0;
    FT_ASSERT_EXPENSIVE(ft__heap_validate_world_stopped(FT_VALIDATE_QUEUE_DEAD) >= 0);
    if (gather(w) < 0) {
        restore_all(w);
        return -1;
    }
    dead_sort_out(w);
    w->dead_sorted = 1;
    w->ncandidates = w->n;
    if (ft__gc_parallel_run(subtract_refs_mt, w, w->n) < 0)
        subtract_refs(w, 0, w->n);
    mark_reachable(w);
    if (count_garbage(w) > 0 && reserve_wrcb(w) < 0) {
        restore_all(w);
        return -1;
    }
    scan(w);
    clear_weakrefs(w);
    skip_garbage_weakrefs(w);
    FT_ASSERT_EXPENSIVE(ft__heap_validate_world_stopped(
                            FT_VALIDATE_QUEUE_DEAD | FT_VALIDATE_GARBAGE) >= 0);
    w->info->mark_ns += ft__now_ns() - t1;
    return 0;
}

int ft__gc_small_arrays;

static size_t initial_capacity(void)
{
    if (ft__gc_small_arrays)
        return 16;
    int64_t est = ft_atomic_load_relaxed(&ft__gc.live_after)
                + ft_atomic_load_relaxed(&ft__gc.count);
    if (est < 0)
        est = 0;
    return (size_t)est + (size_t)est / 8 + 256;
}

static uint64_t stop(FtGcInfo *info)
{
    uint64_t t = ft__now_ns();
    info->stop_ns += ft_world_stop();
    return t;
}

static void start(FtGcInfo *info, uint64_t since)
{
    ft_world_start();
    info->pause_ns += ft__now_ns() - since;
}

/* Objects freed by this thread so far (its allocation counters). */
static uint64_t freed_by_me(FtThreadState *me)
{
    return ft_atomic_load_relaxed(&me->counters.freed);
}

/* ---- Phase 10: drain what the frees queued (world stopped per round) ----
 * Phases 7 and 9 drop references to objects other threads own, and a
 * non-owner's last decref of an owned object hands it to the owner's merge
 * queue (a string in a garbage list, an object a queue death held). Such an
 * object is dead but waits for its owner, who may sit in a blocking region
 * for a long time. So while this thread's own frees queued anything since
 * the last merge (its merges_queued counter moved), stop the world, merge
 * every queue, restart, and free what died: the transitive closure of what
 * the collection released is freed before ft_gc_collect returns. Rounds
 * are needed only for chains that run through non-candidates (GC
 * candidates are all found by one pass, see dead_cb); each round's frees
 * are finite, so the loop ends. On out of memory the round is skipped
 * (what stays queued is freed by the next merge). */
static void drain_queues(GcWork *w, FtThreadState *me, uint64_t queued_seen)
{
    for (;;) {
        uint64_t q = ft_atomic_load_relaxed(&me->counters.merges_queued);
        if (q == queued_seen)
            return;
        queued_seen = q;
        uint64_t since = stop(w->info);
        int rc = merge_queues(w);
        start(w->info, since);
        free_dead(w);
        if (rc < 0)
            return;
    }
}

/* Phases 7-10. Returns the number collected (see ft__gc_collect_locked). */
static FtSsize finish(GcWork *w, FtThreadState *me, uint64_t queued_seen)
{
    FtGcInfo *info = w->info;
    uint64_t t0 = ft__now_ns();
    uint64_t freed = 0, f0 = freed_by_me(me);
    free_dead(w);
    freed += freed_by_me(me) - f0;
    debug_collectable(w);
    run_wr_callbacks(w);
    size_t survivors = 0;
    if (finalize_garbage(w) > 0) {
        uint64_t since = stop(info);
        (void)merge_queues(w);   /* on failure: conservative, see head */
        survivors = check_resurrected(w);
        start(info, since);
        f0 = freed_by_me(me);
        free_dead(w);
        freed += freed_by_me(me) - f0;
        drop_survivors(w, survivors);
    }
    uint64_t t1 = ft__now_ns();
    info->finalize_ns += t1 - t0;
    size_t garbage = w->n;
    int saveall = ft_atomic_load_relaxed(&ft__gc.debug) & FT_GC_DEBUG_SAVEALL;
    f0 = freed_by_me(me);
    (void)delete_garbage(w);
    drain_queues(w, me, queued_seen);
    freed += freed_by_me(me) - f0;
    info->sweep_ns += ft__now_ns() - t1;
    ft_atomic_store_relaxed(&ft__gc.live_after,
                            (int64_t)(w->ncandidates - garbage));
    return (FtSsize)freed + (saveall ? (FtSsize)garbage : 0);
}

FtSsize ft__gc_collect_locked(int reason, FtGcInfo *info)
{
    (void)reason;
    memset(info, 0, sizeof *info);
    GcWork w = { .info = info };
    if (work_reserve(&w, initial_capacity()) < 0) {
        work_free(&w);
        return -1;
    }
    work_prefault(&w);

    FtThreadState *me = ft__tstate();
    uint64_t queued_seen = ft_atomic_load_relaxed(&me->counters.merges_queued);
    uint64_t since = stop(info);
    /* Heap walks of other threads that stopped the world between our
     * phases see this (ft__gc_cycle_in_flight). Relaxed: a walker reads it
     * with the world stopped, and the stop/restart handshake (stw_mu)
     * orders our stores before its read; cleared at the very end. */
    ft_atomic_store_relaxed(&ft__gc.cycle, 1);
    /* The trigger counts from here (world stopped: the owners' deltas can
     * be reset on their behalf). */
    ft_atomic_store_relaxed(&ft__gc.count, 0);
    FT_FOREACH_THREAD(ts)
        ts->gc_alloc_delta = 0;
    int rc = find_garbage_world_stopped(&w);
    start(info, since);
    info->objects_scanned = (FtSsize)w.ncandidates;

    FtSsize collected = -1;
    if (rc < 0)
        free_dead(&w);    /* they died in the queues: still ours to free */
    else
        collected = finish(&w, me, queued_seen);
    ft_atomic_store_relaxed(&ft__gc.cycle, 0);
    work_free(&w);
    info->collected = collected < 0 ? 0 : collected;
    return collected;
}
