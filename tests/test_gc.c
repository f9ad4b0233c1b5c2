/* tests/test_gc.c: the cycle collector over test-only GC types (TNode from
 * testutil, and FNode here: a node with a finalizer that can resurrect):
 * cycles collected, reachable objects and headers untouched, untracked and
 * frozen objects as roots, finalizers once-only and resurrection (also
 * through another thread), queue deaths, objects of exited threads,
 * thresholds, callbacks, stats, save-all, introspection, and allocation
 * failure in every phase with nothing lost. */
#include "testutil.h"
#include "gc/gc.h"
#include "threads/tstate.h"
#include "refcount/refcount.h"
#include "nested_owner.h"
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

/* ---- FNode: a TNode-like type with a finalizer ---- */

typedef struct FNode {
    FtObject ob_base;
    FtObject *slots[2];
    int resurrect;          /* 1: store self in `saved`; 2: publish to a thread */
} FNode;

static _Atomic int fin_runs, fnode_deallocs;
static FtObject *saved;                     /* resurrected object (strong) */
static _Atomic(FtObject *) published;       /* handed to another thread */
static _Atomic int peer_dropped;
static _Atomic int in_phase7, phase7_go;

static int fnode_traverse(FtObject *op, FtVisitProc visit, void *arg)
{
    FNode *n = (FNode *)op;
    FT_VISIT(n->slots[0]);
    FT_VISIT(n->slots[1]);
    return 0;
}

static int fnode_clear(FtObject *op)
{
    FNode *n = (FNode *)op;
    FT_CLEAR(n->slots[0]);
    FT_CLEAR(n->slots[1]);
    return 0;
}

static void fnode_dealloc(FtObject *op)
{
    ft__gc_untrack(op);
    fnode_clear(op);
    atomic_fetch_add(&fnode_deallocs, 1);
    ft__object_free(op);
}

static void fnode_finalize(FtObject *op)
{
    FNode *n = (FNode *)op;
    atomic_fetch_add(&fin_runs, 1);
    if (n->resurrect == 1) {
        saved = ft_newref(op);
    } else if (n->resurrect == 2) {
        /* Publish to the peer and wait until it has dropped it again. */
        atomic_store(&published, ft_newref(op));
        ft_blocking_begin();
        while (!atomic_load(&peer_dropped))
            usleep(100);
        ft_blocking_end();
    } else if (n->resurrect == 3) {
        /* Publish and return: the peer holds it past the collection. */
        atomic_store(&published, ft_newref(op));
    } else if (n->resurrect == 4) {
        /* Stay in phase 7 (world running) until the test is done. */
        atomic_store(&in_phase7, 1);
        ft_blocking_begin();
        while (!atomic_load(&phase7_go))
            usleep(100);
        ft_blocking_end();
    }
}

static FtType fnode_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "test.fnode",
    .tp_basicsize = sizeof(FNode),
    .tp_flags = FT_TPFLAGS_GC,
    .tp_dealloc = fnode_dealloc,
    .tp_traverse = fnode_traverse,
    .tp_clear = fnode_clear,
    .tp_finalize = fnode_finalize,
};

static FtObject *fnode_new(int resurrect)
{
    FNode *n = (FNode *)ft__object_alloc(&fnode_type, sizeof(FNode));
    assert_non_null(n);
    n->slots[0] = n->slots[1] = NULL;
    n->resurrect = resurrect;
    ft__gc_track(&n->ob_base);
    return &n->ob_base;
}

static void fnode_set(FtObject *node, int i, FtObject *child)
{
    FNode *n = (FNode *)node;
    FT_SETREF(n->slots[i], ft_xnewref(child));
}

static int setup(void **state)
{
    if (ft_test_group_setup(state) < 0)
        return -1;
    return ft__type_ready(&fnode_type);
}

/* ---- Helpers ---- */

static FtObject *node(int64_t v)
{
    FtObject *n = tnode_new(v);
    assert_non_null(n);
    ft__gc_track(n);
    return n;
}

/* A ring of n tracked nodes; returns the first (one strong reference). */
static FtObject *ring(int n)
{
    FtObject *first = node(0), *prev = first;
    for (int i = 1; i < n; i++) {
        FtObject *x = node(i);
        tnode_set(prev, 0, x);
        if (prev != first)
            ft_decref(prev);
        prev = x;
    }
    tnode_set(prev, 0, first);
    if (prev != first)
        ft_decref(prev);
    return first;
}

static void make_garbage_rings(int rings, int len)
{
    for (int i = 0; i < rings; i++)
        ft_decref(ring(len));
}

/* Start every test from an empty collector state. */
static int clean(void **state)
{
    (void)state;
    ft_gc_set_debug(0, NULL);
#if FT_GC_TORTURE
    /* These tests count what one collection finds; a torture collection
     * in between would find it first. Automatic (and so torture)
     * collections are off unless a test turns them on itself; every other
     * test program runs with torture on. */
    ft_gc_disable();
#endif
    ft_gc_collect();
    ft_gc_collect();
    return 0;
}

typedef struct Header {
    uintptr_t tid;
    uint32_t local;
    intptr_t shared;
    uint8_t bits;
} Header;

static Header header_of(FtObject *op)
{
    Header h = {
        atomic_load(&op->ob_tid), atomic_load(&op->ob_ref_local),
        atomic_load(&op->ob_ref_shared), atomic_load(&op->ob_gc_bits),
    };
    return h;
}

static void assert_header(FtObject *op, Header h)
{
    Header now = header_of(op);
    assert_int_equal(now.tid, h.tid);
    assert_int_equal(now.local, h.local);
    assert_int_equal(now.shared, h.shared);
    assert_int_equal(now.bits, h.bits);
}

static int list_has(FtObject *list, FtObject *op);

/* ---- Cycles ---- */

static void self_cycle_collected(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtObject *a = node(1);
    tnode_set(a, 0, a);
    ft_decref(a);
    assert_int_equal(ft_gc_collect(), 1);
    assert_live_equal(before, live_snapshot());
}

static void rings_collected(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    make_garbage_rings(10, 2);
    make_garbage_rings(1, 1000);
    assert_int_equal(ft_gc_collect(), 20 + 1000);
    assert_int_equal(ft_gc_collect(), 0);
    assert_live_equal(before, live_snapshot());
}

static void reachable_untouched(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtObject *r = ring(50);             /* alive through r */
    FtObject *holder = node(7);         /* alive, refers into a garbage-looking cycle */
    FtObject *c = ring(3);
    tnode_set(holder, 1, c);
    ft_decref(c);
    FtObject *leaf = tleaf_new(3);
    tnode_set(r, 1, leaf);              /* a non-GC child */
    Header hr = header_of(r), hh = header_of(holder), hl = header_of(leaf);
    Header hc = header_of(c);
    assert_int_equal(ft_gc_collect(), 0);
    assert_header(r, hr);
    assert_header(holder, hh);
    assert_header(leaf, hl);
    assert_header(c, hc);
    ft_decref(leaf);
    ft_decref(holder);                  /* c's ring: now garbage */
    assert_int_equal(ft_gc_collect(), 3);
    ft_decref(r);
    /* the ring and the leaf only it held (ft_gc_collect counts every
     * object the collection freed) */
    assert_int_equal(ft_gc_collect(), 51);
    assert_live_equal(before, live_snapshot());
}

static void untracked_and_immortal_are_roots(void **state)
{
    (void)state;
    FtObject *u = tnode_new(0);         /* never tracked */
    FtObject *c = ring(4);
    tnode_set(u, 0, c);
    tnode_set(c, 1, u);                 /* cycle through an untracked object */
    ft_decref(c);
    assert_int_equal(ft_gc_collect(), 0);
    assert_int_equal(ft_refcount(u), 2);
    tnode_set(c, 1, NULL);
    ft_decref(u);                       /* frees u, then the ring is garbage */
    assert_int_equal(ft_gc_collect(), 4);

    FtObject *imm = node(9);
    tnode_set(imm, 0, imm);
    assert_int_equal(ft_object_make_immortal(imm), 0);
    assert_int_equal(ft_gc_collect(), 0);
    assert_true(ft_gc_is_tracked(imm));
}

/* ---- Frozen ---- */

static void frozen_skipped(void **state)
{
    (void)state;
    FtObject *a = ring(3);
    ft_gc_freeze();
    assert_true(ft_gc_get_freeze_count() >= 3);
    ft_decref(a);
    assert_int_equal(ft_gc_collect(), 0);
    FtObject *b = ring(2);              /* new objects are not frozen */
    ft_decref(b);
    assert_int_equal(ft_gc_collect(), 2);
    ft_gc_unfreeze();
    assert_int_equal(ft_gc_get_freeze_count(), 0);
    assert_int_equal(ft_gc_collect(), 3);
}

/* ---- Finalizers ---- */

static void finalizer_once(void **state)
{
    (void)state;
    atomic_store(&fin_runs, 0);
    atomic_store(&fnode_deallocs, 0);
    FtObject *a = fnode_new(0), *b = fnode_new(0);
    fnode_set(a, 0, b);
    fnode_set(b, 0, a);
    ft_decref(a);
    ft_decref(b);
    assert_int_equal(ft_gc_collect(), 2);
    assert_int_equal(atomic_load(&fin_runs), 2);
    assert_int_equal(atomic_load(&fnode_deallocs), 2);
}

static void resurrection(void **state)
{
    (void)state;
    atomic_store(&fin_runs, 0);
    atomic_store(&fnode_deallocs, 0);
    FtObject *a = fnode_new(1);
    FtObject *b = node(5);              /* reachable from a: resurrected too */
    fnode_set(a, 0, b);
    tnode_set(b, 0, a);
    ft_decref(a);
    ft_decref(b);
    assert_int_equal(ft_gc_collect(), 0);
    assert_int_equal(atomic_load(&fin_runs), 1);
    assert_ptr_equal(saved, a);
    assert_true(ft_gc_is_finalized(a));
    assert_true(ft_gc_is_tracked(a));
    assert_int_equal(((TNode *)b)->value, 5);   /* not cleared */
    assert_ptr_equal(((TNode *)b)->slots[0], a);
    FtObject *s = saved;
    saved = NULL;
    ft_decref(s);                       /* garbage again */
    assert_int_equal(ft_gc_collect(), 2);
    assert_int_equal(atomic_load(&fin_runs), 1);   /* not run twice */
    assert_int_equal(atomic_load(&fnode_deallocs), 1);
}

typedef struct Peer {
    int hold_until_told;
    _Atomic int release;
} Peer;

static void *peer_main(void *arg)
{
    Peer *p = arg;
    FtObject *op;
    ft_blocking_begin();
    while (!(op = atomic_load(&published)))
        usleep(100);
    ft_blocking_end();
    atomic_store(&published, NULL);
    if (p->hold_until_told) {
        ft_blocking_begin();
        while (!atomic_load(&p->release))
            usleep(100);
        ft_blocking_end();
    }
    ft_decref(op);                      /* a non-owner drop: may queue it */
    atomic_store(&peer_dropped, 1);
    return NULL;
}

static void resurrection_through_thread(void **state)
{
    (void)state;
    for (int hold = 0; hold < 2; hold++) {
        atomic_store(&fin_runs, 0);
        atomic_store(&fnode_deallocs, 0);
        atomic_store(&peer_dropped, 0);
        Peer p = { .hold_until_told = hold };
        pthread_t t;
        assert_int_equal(ft_thread_start(&t, peer_main, &p), 0);
        FtObject *a = fnode_new(hold ? 3 : 2), *b = fnode_new(0);
        fnode_set(a, 0, b);
        fnode_set(b, 0, a);
        ft_decref(a);
        ft_decref(b);
        FtSsize n = ft_gc_collect();
        if (hold) {
            /* The peer still holds a: both survive, b finalized once. */
            assert_int_equal(n, 0);
            assert_int_equal(atomic_load(&fnode_deallocs), 0);
            atomic_store(&p.release, 1);
        } else {
            /* The peer dropped it before the re-check: both freed. */
            assert_int_equal(n, 2);
            assert_int_equal(atomic_load(&fnode_deallocs), 2);
        }
        ft_blocking_begin();
        pthread_join(t, NULL);
        ft_blocking_end();
        if (hold) {
            assert_int_equal(ft_gc_collect(), 2);
            assert_int_equal(atomic_load(&fnode_deallocs), 2);
        }
        assert_int_equal(atomic_load(&fin_runs), 2);
    }
}

/* ---- Merge queues and departed threads ---- */

typedef struct QueueOwner {
    FtObject *made;
    _Atomic int ready, go_exit;
} QueueOwner;

static void *queue_owner_main(void *arg)
{
    QueueOwner *q = arg;
    q->made = node(77);                 /* owned by this thread, count 1 */
    atomic_store(&q->ready, 1);         /* the reference moves to main */
    ft_blocking_begin();                /* no safepoint from here on */
    while (!atomic_load(&q->go_exit))
        usleep(100);
    ft_blocking_end();
    return NULL;
}

static void queue_death_freed(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    QueueOwner q = { 0 };
    pthread_t t;
    assert_int_equal(ft_thread_start(&t, queue_owner_main, &q), 0);
    ft_blocking_begin();                /* mode gil: the owner needs the lock to start */
    while (!atomic_load(&q.ready))
        usleep(100);
    ft_blocking_end();
    ft_decref(q.made);                  /* non-owner drop of the last ref: queued */
#if FT_MODE_FT
    assert_int_equal(atomic_load(&q.made->ob_ref_shared) & FT_SHARED_FLAG_MASK,
                     FT_REF_QUEUED);
#endif
    ft_gc_collect();                    /* the owner never reached a safepoint */
    assert_int_equal(live_snapshot().nodes, before.nodes);
    atomic_store(&q.go_exit, 1);
    ft_blocking_begin();
    pthread_join(t, NULL);
    ft_blocking_end();
    assert_live_equal(before, live_snapshot());
}

/* Issue 10 item 5: a structure 100 levels deep (list -> [list, dict ->
 * {str: int}], 400 objects) owned by a thread idle in a blocking region,
 * released by a non-owner. Adoption (refcount/brc.c) is off, so the whole
 * closure waits in the owner's queue: one collection must free all of it
 * (the outer list dies in the queue; the lists and dicts are found by the
 * cycle search from it; the strings and ints its tp_clear queues again are
 * drained) and count every object. */
static void nested_queue_deaths_one_collection(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    NestedOwner o;
    nested_owner_start(&o, 100);
#if FT_MODE_FT
    ft__brc_adopt_off = 1;
#endif
    ft_decref(o.made);                  /* non-owner: the owner's queue */
#if FT_MODE_FT
    assert_int_equal(live_snapshot().objects, before.objects + 400);
    FtStats s0, s1;
    ft_stats_get(&s0);
    assert_int_equal(ft_gc_collect(), 400);
    /* One pass finds every list and dict (the queue death's closure is
     * gathered as candidates); one drain round frees the strings and ints
     * their tp_clear queued: two stops, not one per nesting level. */
    ft_stats_get(&s1);
    assert_int_equal(s1.stw_count - s0.stw_count, 2);
#else
    assert_int_equal(ft_gc_collect(), 0);   /* freed by the decref itself */
#endif
    assert_int_equal(live_snapshot().objects, before.objects);
    assert_int_equal(ft_gc_collect(), 0);
    ft__brc_adopt_off = 0;
    nested_owner_stop(&o);
    assert_int_equal(live_snapshot().objects, before.objects);
}

/* Introspection and an object dead in a merge queue: a tracked node owned
 * by a thread idle in a blocking region, whose last reference a non-owner
 * dropped (adoption off: it stays queued until a collection merges it).
 * Its count reads 1 (the queue's reference, refcount/refcount.c invariant
 * 2), but it is dead: get_objects and get_referrers must not report it
 * (count_world_stopped in gc/gc_introspect.c discounts the queue's
 * reference; a strong reference from the snapshot would resurrect it),
 * and the next collection frees it (phase 1 merge). */
static void queued_death_not_reported(void **state)
{
    (void)state;
#if FT_MODE_FT
    LiveSnapshot before = live_snapshot();
    FtObject *child = node(6);          /* owned by main, referenced by it */
    QueueOwner q = { 0 };
    pthread_t t;
    assert_int_equal(ft_thread_start(&t, queue_owner_main, &q), 0);
    while (!atomic_load(&q.ready))
        usleep(100);
    tnode_set(q.made, 0, child);
    ft__brc_adopt_off = 1;
    ft_decref(q.made);                  /* non-owner drop of the last ref: queued */
    assert_int_equal(atomic_load(&q.made->ob_ref_shared) & FT_SHARED_FLAG_MASK,
                     FT_REF_QUEUED);
    assert_int_equal(ft_refcount(q.made), 1);

    FtObject *objs = ft_gc_get_objects();
    assert_non_null(objs);
    assert_true(list_has(objs, child));
    assert_false(list_has(objs, q.made));
    ft_decref(objs);
    FtObject *refs = ft_gc_get_referrers(child);
    assert_non_null(refs);
    assert_int_equal(ft_len(refs), 0);
    ft_decref(refs);

    assert_int_equal(ft_gc_collect(), 1);   /* the node; child stays (ours) */
    ft__brc_adopt_off = 0;
    ft_decref(child);
    atomic_store(&q.go_exit, 1);
    ft_blocking_begin();
    pthread_join(t, NULL);
    ft_blocking_end();
    assert_live_equal(before, live_snapshot());
#else
    skip();
#endif
}

/* Issue 10 item 4: a heap walk whose caller stopped the world between the
 * phases of another thread's collection (here: inside phase 7, while a
 * finalizer runs with the world restarted and the garbage still marked)
 * refuses with FT_ERR_STATE instead of walking the collector's states; with
 * the world running it waits for the collection and walks. */
static int count_cb(FtObject *op, void *arg)
{
    (void)op;
    (*(long *)arg)++;
    return 0;
}

static void *phase7_collector(void *arg)
{
    (void)arg;
    FtObject *n = fnode_new(4);
    fnode_set(n, 0, n);
    ft_decref(n);
    assert_true(ft_gc_collect() >= 1);
    return NULL;
}

static void walk_refused_mid_collection(void **state)
{
    (void)state;
    atomic_store(&in_phase7, 0);
    atomic_store(&phase7_go, 0);
    pthread_t t;
    assert_int_equal(ft_thread_start(&t, phase7_collector, NULL), 0);
    ft_blocking_begin();
    while (!atomic_load(&in_phase7))
        usleep(100);
    ft_blocking_end();
    long n = 0;
    ft_world_stop();
    assert_int_equal(ft_heap_visit(count_cb, &n), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_STATE);
    ft_error_clear();
    assert_int_equal(ft_heap_validate(0), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_STATE);
    ft_error_clear();
    ft_world_start();
    assert_int_equal(n, 0);
    atomic_store(&phase7_go, 1);
    assert_true(ft_heap_visit(count_cb, &n) == 0);  /* waits for the collection */
    assert_true(ft_heap_validate(1) >= 0);
    ft_blocking_begin();
    pthread_join(t, NULL);
    ft_blocking_end();
}

/* The thread holding the world stopped does not merge its own queue at a
 * safepoint (an allocation while stopped): merging can free objects, and
 * the collector, which allocates while stopped, has counted every queue
 * just before. Objects queued to us are freed after the restart. (Mode ft:
 * the other modes have no merge queues.) */
#if FT_MODE_FT
static _Atomic int sleaf_frees, sleaf_frees_stopped;

static void sleaf_dealloc(FtObject *op)
{
    atomic_fetch_add(&sleaf_frees, 1);
    if (ft_world_is_stopped())
        atomic_fetch_add(&sleaf_frees_stopped, 1);
    ft__object_free(op);
}

static FtType sleaf_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "test.stopleaf",
    .tp_basicsize = sizeof(FtObject),
    .tp_dealloc = sleaf_dealloc,
};

enum { NSLEAF = 64 };
static _Atomic int sleaf_dropped, sleaf_go;

static void *drop_all(void *arg)
{
    FtObject **objs = arg;
    /* Drop only once main is attached again after ft_thread_start (which
     * may wait for us in a blocking region): a push to a detached owner
     * is adopted and freed by us (refcount/brc.c), not queued. */
    while (!atomic_load(&sleaf_go))
        usleep(50);
    for (int i = 0; i < NSLEAF; i++)
        ft_decref(objs[i]);     /* non-owner, last reference: queued to main */
    atomic_store(&sleaf_dropped, 1);
    return NULL;
}
#endif

static void stopper_defers_own_merges(void **state)
{
    (void)state;
#if FT_MODE_FT
    assert_int_equal(ft__type_ready(&sleaf_type), 0);
    FtObject *objs[NSLEAF];
    for (int i = 0; i < NSLEAF; i++) {
        objs[i] = ft__object_alloc(&sleaf_type, sizeof(FtObject));
        assert_non_null(objs[i]);
    }
    atomic_store(&sleaf_frees, 0);
    atomic_store(&sleaf_frees_stopped, 0);
    atomic_store(&sleaf_dropped, 0);
    pthread_t t;
    atomic_store(&sleaf_go, 0);
    assert_int_equal(ft_thread_start(&t, drop_all, objs), 0);
    atomic_store(&sleaf_go, 1);
    /* Wait attached and without a safepoint (re-attaching after a blocking
     * region would merge our queue): the dropper needs no stop. */
    while (!atomic_load(&sleaf_dropped))
        ;
    assert_int_equal(atomic_load(&sleaf_frees), 0); /* waiting in our queue */
    ft_world_stop();
    FtObject *f = ft_float_from_double(1.5);         /* a safepoint, stopped */
    ft_world_start();
    assert_non_null(f);
    ft_decref(f);
    assert_int_equal(atomic_load(&sleaf_frees_stopped), 0);
    ft_safepoint();                                  /* now they go */
    assert_int_equal(atomic_load(&sleaf_frees), NSLEAF);
    assert_int_equal(ft_thread_join(t, NULL), 0);
#endif
}

static void *cycle_maker(void *arg)
{
    make_garbage_rings(20, 5);
    *(FtObject **)arg = ring(3);        /* handed to main */
    return NULL;
}

static void exited_thread_cycles_collected(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtObject *handed = NULL;
    pthread_t t;
    ft_gc_disable();
    assert_int_equal(ft_thread_start(&t, cycle_maker, &handed), 0);
    ft_blocking_begin();
    pthread_join(t, NULL);
    ft_blocking_end();
    ft_gc_enable();
    assert_int_equal(ft_gc_collect(), 100);
    ft_decref(handed);
    assert_int_equal(ft_gc_collect(), 3);
    assert_live_equal(before, live_snapshot());
}

/* ---- Control ---- */

typedef struct CbLog {
    int starts, stops;
    FtGcInfo last;
} CbLog;

static void cb(int phase, const FtGcInfo *info, void *arg)
{
    CbLog *log = arg;
    if (phase == 0)
        log->starts++;
    else {
        log->stops++;
        log->last = *info;
    }
}

static void callbacks_and_stats(void **state)
{
    (void)state;
    CbLog log = { 0 };
    FtGcStats s0, s1;
    ft_gc_get_stats(&s0);
    assert_int_equal(ft_gc_callback_add(cb, &log), 0);
    make_garbage_rings(5, 4);
    assert_int_equal(ft_gc_collect(), 20);
    assert_int_equal(log.starts, 1);
    assert_int_equal(log.stops, 1);
    assert_int_equal(log.last.collected, 20);
    assert_true(log.last.pause_ns > 0);
    assert_true(log.last.objects_scanned >= 20);
    assert_int_equal(ft_gc_callback_remove(cb, &log), 0);
    assert_int_equal(ft_gc_callback_remove(cb, &log), -1);
    ft_error_clear();
    ft_gc_collect();
    assert_int_equal(log.starts, 1);
    ft_gc_get_stats(&s1);
    assert_int_equal(s1.collections, s0.collections + 2);
    assert_int_equal(s1.collected, s0.collected + 20);
    uint64_t h = 0;
    for (int i = 0; i < 6; i++)
        h += s1.pause_hist[i];
    assert_int_equal(h, s1.collections);
    assert_true(s1.pause_max_ns > 0);
}

static void thresholds(void **state)
{
    (void)state;
    FtSsize t0;
    int sc0;
    ft_gc_get_threshold(&t0, &sc0);
    ft_gc_set_threshold(200, 0);
    FtSsize t;
    int sc;
    ft_gc_get_threshold(&t, &sc);
    assert_int_equal(t, 200);
    assert_int_equal(sc, 0);

    FtGcStats s0, s1;
    ft_gc_disable();
    assert_false(ft_gc_is_enabled());
    ft_gc_get_stats(&s0);
    make_garbage_rings(500, 2);
#if !FT_GC_TORTURE
    ft_gc_get_stats(&s1);
    assert_int_equal(s1.collections, s0.collections);
    assert_true(ft_gc_get_count() >= 1000);
#endif
    ft_gc_enable();
    make_garbage_rings(500, 2);
    ft_gc_get_stats(&s1);
    assert_true(s1.collections > s0.collections);
    assert_true(ft_gc_get_count() < 1000);
    ft_gc_set_threshold(t0, sc0);
    ft_gc_collect();
}

static void debug_saveall_and_output(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    ft_gc_set_debug(FT_GC_DEBUG_SAVEALL | FT_GC_DEBUG_COLLECTABLE
                    | FT_GC_DEBUG_STATS, f);
    assert_int_equal(ft_gc_get_debug(), FT_GC_DEBUG_SAVEALL
                     | FT_GC_DEBUG_COLLECTABLE | FT_GC_DEBUG_STATS);
    FtObject *a = ring(3);
    ft_decref(a);
    assert_int_equal(ft_gc_collect(), 3);
    FtObject *g = ft_gc_garbage();
    assert_non_null(g);
    assert_int_equal(ft_len(g), 3);
    assert_true(list_has(g, a));
    assert_int_equal(((TNode *)a)->value, 0);   /* saved, not cleared */
    ft_gc_set_debug(0, NULL);
    assert_int_equal(ft_list_clear(g), 0);
    ft_decref(g);
    assert_int_equal(ft_gc_collect(), 3);
    rewind(f);
    char buf[256];
    int collectable = 0, done = 0;
    while (fgets(buf, sizeof buf, f)) {
        collectable += strstr(buf, "gc: collectable <test.node") != NULL;
        done += strstr(buf, "gc: done") != NULL;
    }
    fclose(f);
    assert_int_equal(collectable, 3);
    assert_int_equal(done, 1);
}

/* ---- Introspection ---- */

static int list_has(FtObject *list, FtObject *op)
{
    int found = 0;
    for (FtSsize i = 0; i < ft_len(list); i++) {
        FtObject *x = ft_list_get_item(list, i);
        found |= x == op;
        ft_decref(x);
    }
    return found;
}

static void introspection(void **state)
{
    (void)state;
    FtObject *parent = node(1), *child = node(2);
    FtObject *hidden = tnode_new(3);    /* untracked */
    tnode_set(parent, 0, child);
    tnode_set(parent, 1, hidden);
    assert_true(ft_gc_is_tracked(parent));
    assert_false(ft_gc_is_tracked(hidden));
    assert_false(ft_gc_is_finalized(parent));

    FtObject *objs = ft_gc_get_objects();
    assert_non_null(objs);
    assert_true(list_has(objs, parent));
    assert_true(list_has(objs, child));
    assert_false(list_has(objs, hidden));
    ft_decref(objs);

    FtObject *refs = ft_gc_get_referrers(child);
    assert_non_null(refs);
    assert_int_equal(ft_len(refs), 1);
    assert_true(list_has(refs, parent));
    ft_decref(refs);

    FtObject *kids = ft_gc_get_referents(parent);
    assert_non_null(kids);
    assert_int_equal(ft_len(kids), 2);
    assert_true(list_has(kids, child));
    assert_true(list_has(kids, hidden));
    ft_decref(kids);

    ft_decref(hidden);
    ft_decref(child);
    ft_decref(parent);
}

/* ---- Out of memory in every phase ---- */

static void oom_every_phase(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    atomic_store(&fnode_deallocs, 0);
    FtObject *live = ring(40);
    Header hl = header_of(live);
    ft__gc_small_arrays = 1;            /* make the walk grow its array */
    int done = 0;
    for (long n = 1; !done && n < 200; n++) {
        /* Garbage with finalizers (second stop) and a weight that makes the
         * entry array grow during the walk. */
        make_garbage_rings(300, 3);
        FtObject *a = fnode_new(0), *b = fnode_new(0);
        fnode_set(a, 0, b);
        fnode_set(b, 0, a);
        ft_decref(a);
        ft_decref(b);
        int64_t nodes = live_snapshot().nodes;
        ft_gc_disable();
        ft_debug_fail_alloc_after(n);
        FtSsize r = ft_gc_collect();
        ft_debug_fail_alloc_after(0);
#if !FT_GC_TORTURE
        ft_gc_enable();     /* torture builds keep it off (see clean()) */
#endif
        if (r < 0) {
            assert_int_equal(ft_error_kind(), FT_ERR_MEMORY);
            ft_error_clear();
            assert_int_equal(live_snapshot().nodes, nodes);   /* nothing freed */
            assert_header(live, hl);
            assert_true(ft_heap_validate(1) >= 0);
            assert_int_equal(ft_gc_collect(), 902);
        } else {
            assert_int_equal(r, 902);
            done = 1;
        }
    }
    ft__gc_small_arrays = 0;
    assert_true(done);
    ft_decref(live);
    assert_int_equal(ft_gc_collect(), 40);
    assert_live_equal(before, live_snapshot());
}

static void oom_introspection(void **state)
{
    (void)state;
    FtObject *keep = ring(10);
    LiveSnapshot before = live_snapshot();
    for (long n = 1; n < 100; n++) {
        ft_debug_fail_alloc_after(n);
        FtObject *l = ft_gc_get_objects();
        ft_debug_fail_alloc_after(0);
        if (l) {
            ft_decref(l);
            break;
        }
        assert_int_equal(ft_error_kind(), FT_ERR_MEMORY);
        ft_error_clear();
        assert_live_equal(before, live_snapshot());
    }
    ft_decref(keep);
    ft_gc_collect();
}

/* ---- Concurrency ---- */

typedef struct Churn {
    _Atomic int stop;
    int seed;
} Churn;

static void *churn_main(void *arg)
{
    Churn *c = arg;
    unsigned seed = (unsigned)c->seed;
    FtObject *keep[16] = { 0 };
#if FT_TSAN || FT_ASAN
    enum { ITER = 3000 };
#else
    enum { ITER = 30000 };
#endif
    for (int it = 0; it < ITER && !atomic_load(&c->stop); it++) {
        int k = rand_r(&seed) % 16;
        FT_SETREF(keep[k], ring(1 + rand_r(&seed) % 6));   /* old ring: garbage */
        if (rand_r(&seed) % 8 == 0)
            ft_decref(ring(3));
        if (rand_r(&seed) % 64 == 0) {      /* leave and come back */
            ft_blocking_begin();
            usleep(50);
            ft_blocking_end();
        }
    }
    for (int i = 0; i < 16; i++)
        ft_xdecref(keep[i]);
    return NULL;
}

static void *short_lived(void *arg)
{
    (void)arg;
    make_garbage_rings(10, 3);
    return NULL;
}

static void concurrent_collections(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    enum { N = 2 };
    Churn c[N];
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        atomic_store(&c[i].stop, 0);
        c[i].seed = 17 + i;
        assert_int_equal(ft_thread_start(&t[i], churn_main, &c[i]), 0);
    }
    enum { ROUNDS = 30 };
    pthread_t s[ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
        assert_true(ft_gc_collect() >= 0);
        assert_int_equal(ft_thread_start(&s[round], short_lived, NULL), 0);
    }
    for (int i = 0; i < N; i++)
        atomic_store(&c[i].stop, 1);
    ft_blocking_begin();
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < ROUNDS; i++)
        pthread_join(s[i], NULL);
    ft_blocking_end();
    ft_gc_collect();
    for (int i = 0; i < 50 && live_snapshot().nodes != before.nodes; i++) {
        ft_blocking_begin();
        usleep(10000);
        ft_blocking_end();
        ft_gc_collect();
    }
    assert_int_equal(live_snapshot().nodes, before.nodes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(self_cycle_collected, clean),
        cmocka_unit_test_setup(rings_collected, clean),
        cmocka_unit_test_setup(reachable_untouched, clean),
        cmocka_unit_test_setup(untracked_and_immortal_are_roots, clean),
        cmocka_unit_test_setup(frozen_skipped, clean),
        cmocka_unit_test_setup(finalizer_once, clean),
        cmocka_unit_test_setup(resurrection, clean),
        cmocka_unit_test_setup(resurrection_through_thread, clean),
        cmocka_unit_test_setup(queue_death_freed, clean),
        cmocka_unit_test_setup(stopper_defers_own_merges, clean),
        cmocka_unit_test_setup(nested_queue_deaths_one_collection, clean),
        cmocka_unit_test_setup(queued_death_not_reported, clean),
        cmocka_unit_test_setup(walk_refused_mid_collection, clean),
        cmocka_unit_test_setup(exited_thread_cycles_collected, clean),
        cmocka_unit_test_setup(callbacks_and_stats, clean),
        cmocka_unit_test_setup(thresholds, clean),
        cmocka_unit_test_setup(debug_saveall_and_output, clean),
        cmocka_unit_test_setup(introspection, clean),
        cmocka_unit_test_setup(oom_every_phase, clean),
        cmocka_unit_test_setup(oom_introspection, clean),
        cmocka_unit_test_setup(concurrent_collections, clean),
    };
    return cmocka_run_group_tests(tests, setup, ft_test_group_teardown);
}
