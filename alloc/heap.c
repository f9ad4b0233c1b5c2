/* alloc/heap.c: per-thread mimalloc heaps, object and raw allocation, and the
 * stop-the-world heap walk.
 *
 * Which heap a thread owns: every OS thread that attaches gets three heaps,
 * created on its first attach and kept for the OS thread's life (they are
 * reused if it attaches again):
 *   gc  : mi_heap_new_in_arena(gc_arena): objects of FT_TPFLAGS_GC types only.
 *         gc_arena is an exclusive arena reserved once per process, so its
 *         pages only ever belong to such heaps, also after an exited
 *         thread's pages are abandoned and reclaimed (mimalloc-2.0.9.md).
 *   obj : mi_heap_new(): every other object.
 *   raw : mi_heap_new(): ft_mem_* (item arrays, tables, buffers).
 * Only the owner allocates from its heaps; any thread frees (mi_free).
 *
 * The liveness mark: FT_GC_ALIVE in ob_gc_bits (byte 11, never word 0, where
 * mimalloc links free blocks), set when an object is allocated and cleared
 * before its block is freed or put on a free list. mimalloc's visit reports
 * blocks freed by other threads but still on the delayed-free list as live;
 * the mark filters them out.
 *
 * Invariants (with O = live GC-type objects, A = registered threads):
 *   O = (ALIVE, non-ORPHAN blocks of the gc heaps of A)
 *     + (objects in the orphan registry)          -- disjoint, so
 *   ft_heap_visit sees each object of O exactly once.
 *   A thread leaving (ft__heaps_detach) moves all of its gc heap's live,
 *   non-ORPHAN blocks into the registry (setting ORPHAN), because nobody
 *   will walk its heap again (registered before they are merged, and
 *   pinned if another thread could free them meanwhile: see orphan_cb); ORPHAN blocks later reclaimed into another
 *   thread's heap are skipped there.
 *   Every object owned by a leaving thread is in its gc or obj heap (free
 *   lists only hold own-heap blocks), so walking both merges them all.
 *
 * Thread exit: mimalloc abandons a thread's heaps at OS-thread exit, after
 * which they must not be touched; a thread must detach first (a pthread key
 * destructor reports the misuse, threads/tstate.c).
 */
#include "runtime/internal.h"
#include "alloc/alloc.h"
#include "alloc/freelist.h"
#include "refcount/refcount.h"
#include "threads/tstate.h"
#include "threads/lock.h"
#include "gc/gc.h"
#include <mimalloc.h>
#include <stdio.h>

/* ---- The GC arena: reserved once per process ---- */

static pthread_once_t arena_once = PTHREAD_ONCE_INIT;
static mi_arena_id_t gc_arena;
static int gc_arena_ok;

static void reserve_arena(void)
{
    /* Virtual reservation only (commit = false): costs nothing until used.
     * 64 GiB by default; FTRT_GC_ARENA_GIB overrides (TSan builds fail to
     * reserve multiple TiB). */
    size_t gib = 64;
    const char *env = getenv("FTRT_GC_ARENA_GIB");
    if (env && atoi(env) > 0)
        gib = (size_t)atoi(env);
    gc_arena_ok = mi_reserve_os_memory_ex(gib << 30, false, false, true,
                                          &gc_arena) == 0;
}

int ft__heaps_init(void)
{
    pthread_once(&arena_once, reserve_arena);
    if (!gc_arena_ok) {
        ft_error_set(FT_ERR_MEMORY, "cannot reserve the GC arena");
        return -1;
    }
    return 0;
}

void ft__heaps_fini(void)
{
    /* The arena cannot be unregistered (mimalloc 2.0.9); it is reused by
     * the next ft_runtime_init. */
}

/* ---- Per-OS-thread heaps ---- */

typedef struct ThreadHeaps {
    mi_heap_t *gc, *obj, *raw;
} ThreadHeaps;

static _Thread_local ThreadHeaps tl_heaps;

/* heap_create_mu serialises heap creation. mimalloc does not need it, but
 * it reuses the heap structs of exited threads and zeroes them with memset
 * (which TSan intercepts) while the free at thread exit is invisible to
 * TSan; the lock orders one creation after the previous one, so TSan sees
 * the hand-over. Taken once per OS thread, never with other locks held. */
static pthread_mutex_t heap_create_mu = PTHREAD_MUTEX_INITIALIZER;

int ft__heaps_attach(FtThreadState *ts)
{
    ThreadHeaps *h = &tl_heaps;
    if (!h->gc || !h->obj || !h->raw) {
        pthread_mutex_lock(&heap_create_mu);
        if (!h->gc)
            h->gc = mi_heap_new_in_arena(gc_arena);
        if (!h->obj)
            h->obj = mi_heap_new();
        if (!h->raw)
            h->raw = mi_heap_new();
        pthread_mutex_unlock(&heap_create_mu);
        if (!h->gc || !h->obj || !h->raw) {
            /* Heaps cannot be deleted safely once created (deleting an arena
             * heap merges its pages into the backing heap): keep whatever
             * was made and retry the rest next time. */
            ft_error_set(FT_ERR_MEMORY, "cannot create the thread's heaps");
            return -1;
        }
    }
    ts->heap_gc = h->gc;
    ts->heap_obj = h->obj;
    ts->heap_raw = h->raw;
    return 0;
}

/* ---- Allocation entry: safepoint poll and failure injection ---- */

/* Slow half of the allocation poll: failure injection, then the safepoint.
 * Returns -1 if this allocation must fail. */
static FT_NOINLINE int alloc_poll_slow(FtThreadState *ts)
{
    uint32_t br = ft_atomic_load_relaxed(&ts->breaker);
    if (br & FT_BREAK_FAILINJECT) {
        if (--ts->fail_countdown <= 0) {
            ts->fail_countdown = 0;
            ft__breaker_clear(ts, FT_BREAK_FAILINJECT);
            ft_error_nomem();
            return -1;
        }
        br &= ~FT_BREAK_FAILINJECT;
    }
    if (br)
        ft__safepoint_slow(ts);
    return 0;
}

/* Failure injection for the runtime's own bookkeeping allocations (libc
 * malloc, not objects): 1 if the armed failure fires now (counts as one
 * allocation, as in alloc_poll_slow). Lets tests fail a thread's detach. */
static int fail_injected(FtThreadState *ts)
{
    if (!(ft_atomic_load_relaxed(&ts->breaker) & FT_BREAK_FAILINJECT))
        return 0;
    if (--ts->fail_countdown > 0)
        return 0;
    ts->fail_countdown = 0;
    ft__breaker_clear(ts, FT_BREAK_FAILINJECT);
    return 1;
}

static inline FtThreadState *alloc_enter(void)
{
    FtThreadState *ts = ft__tl_ts;
    if (FT_UNLIKELY(!ts))
        ft_fatal("allocation by a thread that is not attached to ftrt");
    if (FT_UNLIKELY(ft_atomic_load_relaxed(&ts->breaker))
        && alloc_poll_slow(ts) < 0)
        return NULL;
    return ts;
}

void ft__live_count(FtType *tp, int delta)
{
    FtThreadState *ts = ft__tl_ts;
    if (ts)
        ft_counter_add(&ts->live_by_type[tp->tp_index], delta);
}

/* Header of a fresh block (alloc/freelist.h: four stores), and its
 * accounting. */
void ft__object_init_header(FtThreadState *ts, FtObject *op, FtType *tp)
{
    ft__header_init(ts, op, tp);
    ft__alloc_account(ts, tp, ft__type_is_gc(tp));
}

FtObject *ft__object_alloc(FtType *tp, size_t size)
{
    FT_ASSERT(size >= sizeof(FtObject));
    FT_ASSERT_INTERNAL(tp->tp_flags & FT_TPFLAGS_READY);
    FtThreadState *ts = alloc_enter();
    if (!ts)
        return NULL;
    mi_heap_t *heap = ft__type_is_gc(tp) ? ts->heap_gc : ts->heap_obj;
    FtObject *op = mi_heap_malloc(heap, size);
    if (FT_UNLIKELY(!op))
        return ft_error_nomem();
    FT_TSAN_ACQUIRE(op);   /* pairs with the release before mi_free */
    FT_ASAN_UNPOISON(op, size);
    ft__header_init(ts, op, tp);
    ft__alloc_account(ts, tp, ft__type_is_gc(tp));
    return op;
}

FtObject *ft__object_alloc_var(FtType *tp, FtSsize n)
{
    if (n < 0) {
        ft_error_set(FT_ERR_VALUE, "negative size for %s", tp->tp_name);
        return NULL;
    }
    size_t items;
    size_t size;
    if (__builtin_mul_overflow((size_t)n, tp->tp_itemsize, &items)
        || __builtin_add_overflow(items, tp->tp_basicsize, &size)
        || size > (size_t)PTRDIFF_MAX) {
        ft_error_set(FT_ERR_MEMORY, "%s of %td items is too large",
                     tp->tp_name, n);
        return NULL;
    }
    FtObject *op = ft__object_alloc(tp, size);
    if (op)
        ((FtVarObject *)op)->ob_size = n;
    return op;
}

/* Release the block of a dead object: the last step of every tp_dealloc. */
void ft__object_release_block(FtObject *op)
{
    FT_TSAN_RELEASE(op);   /* the next owner of this address acquires */
    /* ASan: poisoned before mi_free (afterwards its next owner may already
     * have it); mimalloc, not instrumented, still links it through word 0. */
    FT_ASAN_POISON(op, mi_usable_size(op));
    mi_free(op);
}

void ft__object_free(FtObject *op)
{
    FtThreadState *ts = ft__tl_ts;
    uint8_t bits = ft__gc_bits(op);
    FT_ASSERT(bits & FT_GC_ALIVE);
    if (bits & FT_GC_ORPHAN)
        ft__orphans_remove(op);
    if (ts) {
        ft_counter_add(&ts->counters.freed, 1);
        ft_counter_add(&ts->live_by_type[op->ob_type->tp_index], -1);
        if (ft__type_is_gc(op->ob_type))
            ft__gc_free_hook(ts);
    }
    if (bits & FT_GC_SHARED) {
        /* Lock-free readers may still hold this address and try-incref it:
         * keep the header (a dead count, the type) until they are
         * quiescent. ALIVE goes now so heap walks skip the block. */
        ft_atomic_store_relaxed(&op->ob_gc_bits, FT_GC_SHARED);
        ft__object_free_delayed(op);
        return;
    }
    ft_atomic_store_relaxed(&op->ob_gc_bits, 0);
#if FT_DEBUG_LEVEL >= 1
    /* Poison the counts so a decref of the freed object trips the merged-
     * count check in ft__decref_shared (word 0 is mimalloc's from now on). */
    ft_atomic_store_relaxed(&op->ob_ref_local, 0);
    ft_atomic_store_relaxed(&op->ob_ref_shared, FT_REF_MERGED);
#endif
    ft__object_release_block(op);
}

/* ---- Raw memory ---- */

static inline mi_heap_t *raw_heap(FtThreadState **tsp)
{
    FtThreadState *ts = ft__tl_ts;
    *tsp = ts;
    if (FT_UNLIKELY(ts && ft_atomic_load_relaxed(&ts->breaker))
        && alloc_poll_slow(ts) < 0)
        return NULL;
    return ts ? ts->heap_raw : mi_heap_get_default();
}

/* raw_bytes_live costs a mi_usable_size per allocation and per free (a
 * page lookup, ~50 instructions: 5 % of a collection of dict-class
 * instances), so release builds (debug_level 0) do not keep it. */
#define FT_RAW_STATS (FT_DEBUG_LEVEL >= 1)

static void raw_account(FtThreadState *ts, void *p, int sign)
{
    if (ts && p) {
#if FT_RAW_STATS
        ft_counter_add(&ts->counters.raw_bytes, sign * (int64_t)mi_usable_size(p));
#endif
        if (sign > 0)
            ft_counter_add(&ts->alloc_attempts, 1);
    }
}

void *ft_mem_alloc(size_t size)
{
    FtThreadState *ts;
    mi_heap_t *heap = raw_heap(&ts);
    if (!heap)
        return NULL;
    void *p = mi_heap_malloc(heap, size ? size : 1);
    if (!p)
        return ft_error_nomem();
    FT_TSAN_ACQUIRE(p);
    FT_ASAN_UNPOISON(p, size ? size : 1);
    raw_account(ts, p, 1);
    return p;
}

void *ft_mem_calloc(size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) {
        ft_error_set(FT_ERR_MEMORY, "allocation of %zu x %zu bytes overflows",
                     n, size);
        return NULL;
    }
    FtThreadState *ts;
    mi_heap_t *heap = raw_heap(&ts);
    if (!heap)
        return NULL;
#if FT_ASAN
    /* mimalloc would zero a reused (poisoned) block with libc's memset,
     * which ASan checks: unpoison first, zero ourselves. */
    void *p = mi_heap_malloc(heap, total ? total : 1);
    if (!p)
        return ft_error_nomem();
    FT_ASAN_UNPOISON(p, total ? total : 1);
    memset(p, 0, total);
#else
    void *p = mi_heap_zalloc(heap, total ? total : 1);
    if (!p)
        return ft_error_nomem();
#endif
    FT_TSAN_ACQUIRE(p);
    raw_account(ts, p, 1);
    return p;
}

void *ft_mem_realloc(void *p, size_t size)
{
    if (!p)
        return ft_mem_alloc(size);
    FtThreadState *ts;
    mi_heap_t *heap = raw_heap(&ts);
    if (!heap)
        return NULL;
#if FT_RAW_STATS
    size_t old = mi_usable_size(p);
#endif
    FT_TSAN_RELEASE(p);
#if FT_ASAN
    /* mimalloc would copy into a poisoned block with libc's memcpy (which
     * ASan checks): move it ourselves. */
    size_t keep = mi_usable_size(p);
    void *q = mi_heap_malloc(heap, size ? size : 1);
    if (!q)
        return ft_error_nomem();   /* p is untouched */
    FT_ASAN_UNPOISON(q, size ? size : 1);
    FT_ASAN_UNPOISON(p, keep);     /* its tail past the size asked for */
    memcpy(q, p, keep < size ? keep : size);
    FT_ASAN_POISON(p, keep);
    mi_free(p);
#else
    void *q = mi_heap_realloc(heap, p, size ? size : 1);
    if (!q)
        return ft_error_nomem();   /* p is untouched */
#endif
    FT_TSAN_ACQUIRE(q);
    if (ts) {
#if FT_RAW_STATS
        ft_counter_add(&ts->counters.raw_bytes,
                       (int64_t)mi_usable_size(q) - (int64_t)old);
#endif
        ft_counter_add(&ts->alloc_attempts, 1);
    }
    return q;
}

void *ft__mem_expand(void *p, size_t size)
{
    void *q = mi_expand(p, size);
    if (q)
        FT_ASAN_UNPOISON(q, size);
    return q;                 /* same block: usable size and stats unchanged */
}

void ft_mem_free(void *p)
{
    if (!p)
        return;
    raw_account(ft__tl_ts, p, -1);
    FT_TSAN_RELEASE(p);
    FT_ASAN_POISON(p, mi_usable_size(p));   /* before: see release_block */
    mi_free(p);
}

/* ---- Failure injection ---- */

void ft_debug_fail_alloc_after(long n)
{
    FtThreadState *ts = ft__tstate_checked(__func__);
    ts->fail_countdown = n > 0 ? n : 0;
    if (n > 0)
        ft__breaker_set(ts, FT_BREAK_FAILINJECT);
    else
        ft__breaker_clear(ts, FT_BREAK_FAILINJECT);
}

long ft_debug_fail_alloc_pending(void)
{
    FtThreadState *ts = ft__tl_ts;
    return ts ? ts->fail_countdown : 0;
}

uint64_t ft_debug_alloc_count(void)
{
    FtThreadState *ts = ft__tl_ts;
    if (!ts)
        return 0;
    return ft_atomic_load_relaxed(&ts->counters.allocated)
         + ft_atomic_load_relaxed(&ts->alloc_attempts);
}

/* ---- The heap walk (world stopped) ---- */

typedef struct VisitCtx {
    FtVisitProc visit;
    void *arg;
    int result;
    size_t count;
    FtThreadState *ts;
} VisitCtx;

static bool visit_live(const mi_heap_t *heap, const mi_heap_area_t *area,
                       void *block, size_t block_size, void *arg)
{
    (void)heap; (void)area; (void)block_size;
    if (!block)
        return true;    /* area header */
    VisitCtx *ctx = arg;
    FtObject *op = block;
    /* ASan: free blocks that mimalloc still reports (on our free lists, or
     * freed by another thread and not yet collected) are poisoned. */
    if (FT_ASAN_IS_POISONED(&op->ob_gc_bits))
        return true;
    uint8_t bits = ft__gc_bits(op);
    if ((bits & (FT_GC_ALIVE | FT_GC_ORPHAN)) != FT_GC_ALIVE)
        return true;
    ctx->result = ctx->visit(op, ctx->arg);
    return ctx->result == 0;
}

int ft__heap_visit_world_stopped(FtVisitProc visit, void *arg)
{
    if (!visit) {
        ft__null_arg_error(__func__);
        return -1;
    }
    if (!ft_world_is_stopped()) {
        ft_error_set(FT_ERR_STATE, "ft_heap_visit needs the world stopped (ft_world_stop)");
        return -1;
    }
    VisitCtx ctx = { .visit = visit, .arg = arg };
    FT_FOREACH_THREAD(ts) {
        mi_heap_visit_blocks(ts->heap_gc, true, visit_live, &ctx);
        if (ctx.result)
            return ctx.result;
    }
    return ft__orphans_visit(visit, arg);
}

/* The public walk excludes collections in progress (issue 10 item 4):
 * between its phases a collection restarts the world while garbage still
 * carries UNREACHABLE, queue deaths sit merged at count 0 and phase 9
 * clears garbage one object at a time; a walk must see none of that.
 *   - World running: take the collector's lock (waiting detached, as
 *     ft_gc_get_objects does, gc/gc_introspect.c), stop, walk, restart,
 *     unlock. A collection then runs entirely before or after the walk.
 *   - World stopped by the caller: the caller cannot take the lock any
 *     more (the collector it would wait for may need to stop the world),
 *     so a stop that landed inside another thread's collection
 *     (ft__gc_cycle_in_flight) is refused with FT_ERR_STATE.
 *   - Called from the collecting thread itself (a finalizer or weakref
 *     callback): its own lock; garbage is visited as it stands. */
int ft_heap_visit(FtVisitProc visit, void *arg)
{
    if (!visit) {                       /* FT_NONNULL, for a function pointer */
        ft__null_arg_error(__func__);
        return -1;
    }
    if (ft_world_is_stopped()) {
        if (!ft__gc_in_collection() && ft__gc_cycle_in_flight()) {
            ft_error_set(FT_ERR_STATE, "ft_heap_visit: the world was stopped "
                         "in the middle of a collection; call ft_heap_visit "
                         "with the world running");
            return -1;
        }
        return ft__heap_visit_world_stopped(visit, arg);
    }
    ft__tstate_checked(__func__);
    int locked = !ft__gc_in_collection() && ft__gc_lock() == 0;
    ft_world_stop();
    int r = ft__heap_visit_world_stopped(visit, arg);
    ft_world_start();
    if (locked)
        ft__gc_unlock();
    return r;
}

/* ---- Leaving: merge what we own, orphan the gc heap ---- */

static int count_cb(FtObject *op, void *arg)
{
    (void)op;
    (*(size_t *)arg)++;
    return 0;
}

static void merge_if_mine(FtThreadState *ts, FtObject *op)
{
#if   FT_MODE_FT
    if (!ft_is_immortal(op)
        && ft_atomic_load_relaxed(&op->ob_tid) == (uintptr_t)ts->id) {
        /* An owned live object has local >= 1, so the total stays > 0. */
        FtSsize total = ft__merge_refcount(op, 0);
        FT_ASSERT(total > 0);
        (void)total;
        ft_counter_add(&ts->counters.merges_at_detach, 1);
    }
#else
    (void)ts; (void)op;
#endif
}

typedef struct OrphanCtx {
    FtThreadState *ts;
    FtObject **pins;
    size_t npins, cap;
    size_t added;               /* registered (pinned or ours) */
} OrphanCtx;

static int orphan_cb(FtObject *op, void *arg)
{
    OrphanCtx *o = arg;
    /* Another thread may free this object while we register it: one we
     * own once it is merged, one already merged before (any thread counts
     * those), and in mode atomic any object. Registering an object that is
     * being freed either let its freer find ORPHAN set but the object not
     * yet in the registry (fatal "orphan not in the registry"), or miss
     * ORPHAN so that we registered a freed block (stress_alloc
     * thread_churn hit both: the first in mode ft, when the merge came
     * before the registration, the second in mode atomic). So: pin it
     * with a try-incref (fails only if its count already reached zero:
     * then its freer never sees ORPHAN and we skip it), register it,
     * merge it, and drop the pins after the walk. The ORPHAN bit and the
     * insert (under the registry mutex) happen before our pin's release
     * (the decref), which whoever frees it acquires. An object we still
     * own (mode ft) needs no pin: nobody else frees it before our merge,
     * which comes after the registration (and a pin could fail on a local
     * count at FT_LOCAL_SLOW). */
    int mine = FT_MODE_FT && !ft_is_immortal(op)
               && ft_atomic_load_relaxed(&op->ob_tid) == (uintptr_t)o->ts->id;
    if (!mine) {
        if (!ft__try_incref(op))
            return 0;
        FT_ASSERT(o->npins < o->cap);
        o->pins[o->npins++] = op;
    }
    ft__gc_bits_set(op, FT_GC_ORPHAN);
    ft__orphans_add(op);
    o->added++;
    merge_if_mine(o->ts, op);
    return 0;
}

static bool merge_obj_block(const mi_heap_t *heap, const mi_heap_area_t *area,
                            void *block, size_t block_size, void *arg)
{
    (void)heap; (void)area; (void)block_size;
    if (block && !FT_ASAN_IS_POISONED(&((FtObject *)block)->ob_gc_bits)
        && (ft__gc_bits(block) & FT_GC_ALIVE))
        merge_if_mine(arg, block);
    return true;
}

static void walk_own(FtThreadState *ts, FtVisitProc fn, void *arg)
{
    VisitCtx ctx = { .visit = fn, .arg = arg };
    mi_heap_visit_blocks(ts->heap_gc, true, visit_live, &ctx);
}

int ft__heaps_detach(FtThreadState *ts)
{
    /* Visiting our own heaps from our own thread is always allowed. Nothing
     * here allocates from or frees into them. */
    ft__freelists_clear(ts);
    size_t n = 0;
    walk_own(ts, count_cb, &n);
    /* libc memory: nothing here may allocate from our heaps. Nobody
     * allocates in our gc heap meanwhile, so the second walk visits at
     * most n objects. */
    OrphanCtx o = { ts, n ? malloc(n * sizeof(FtObject *)) : NULL, 0, n, 0 };
    if ((n && !o.pins) || fail_injected(ts)) {
        free(o.pins);
        ft_error_nomem();
        return -1;
    }
    if (ft__orphans_reserve(n) < 0) {
        free(o.pins);
        return -1;
    }
    walk_own(ts, orphan_cb, &o);
    ft__orphans_unreserve(n - o.added);
    mi_heap_visit_blocks(ts->heap_obj, true, merge_obj_block, ts);
    /* After the walks (a decref may free blocks of the heaps we visit). */
    for (size_t i = 0; i < o.npins; i++)
        ft_decref(o.pins[i]);
    free(o.pins);
    return 0;
}
