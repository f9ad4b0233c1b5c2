/* stress/stress_refcount.c: reference counting under many threads
 * (biased counting, merge queues, owner exit, immortals).
 *
 * Scenarios (each checks exact counts at quiescent points):
 *   last_release_nonowner  owner drops first, the last non-owner frees;
 *                          alternate rounds race owner and non-owners.
 *   brc_negative_merge     non-owners drop references the owner counted
 *                          locally (queue, negative shared count) while the
 *                          owner keeps counting; exact state before/after
 *                          the merge; merges_queued == merges_done == N.
 *   owner_exit             short-lived owners detach while others hold and
 *                          release their objects (floats, tuples: orphans).
 *   ring_handoff           producer/consumer ring: every object received
 *                          exactly once, freed on the consumer side.
 *   immortal_hammer        None/True/False/small ints/()/interned strs from
 *                          all threads: headers byte-identical afterwards.
 *   make_immortal_race     the owner makes an object immortal while the
 *                          others count it and drop queued references.
 *   idle_owner_release     owners hand a nested structure to a releaser
 *                          and sit in a blocking region; the releaser
 *                          drops it (after the owner went idle, or racing
 *                          its ft_blocking_begin) and must see it freed by
 *                          its own next safepoint (refcount/brc.c, "Owners
 *                          idle"); a third thread runs ft_memory_trim,
 *                          which holds idle owners too.
 *
 * Memory orderings between the threads of a scenario: every hand-over of
 * objects goes through an atomic round/sequence counter stored with release
 * by the producer and loaded with acquire by the consumer (the objects and
 * the slots pointing at them are written before the release). Completion
 * counters are fetch_add release / load acquire for the same reason in the
 * other direction (a waiter then sees the other side's decrefs). Per-object
 * header reads at quiescent points are relaxed: the acquire of a completion
 * counter already orders them after the writes being checked.
 */
#include "harness.h"
#include "stress_util.h"
#include "runtime/internal.h"
#include "threads/tstate.h"
#include "gc/gc.h"
#include "refcount/refcount.h"

#include <sched.h>
#include <string.h>

/* ---- helpers ---- */

static void wait_at_least(_Atomic long *v, long target)
{
    /* acquire: pairs with the releasing store/add that reached `target`. */
    while (atomic_load_explicit(v, memory_order_acquire) < target)
        pause_attached();
}

static void release_add(_Atomic long *v, long n)
{
    /* release: what we did before (decrefs, slot writes) happens before
     * whoever acquires the new value. */
    atomic_fetch_add_explicit(v, n, memory_order_release);
}

#if FT_MODE_FT
static intptr_t shared_word(FtObject *op)
{
    return atomic_load_explicit(&op->ob_ref_shared, memory_order_relaxed);
}
static int shared_state(FtObject *op) { return (int)(shared_word(op) & FT_SHARED_FLAG_MASK); }
static intptr_t shared_cnt(FtObject *op) { return shared_word(op) >> FT_SHARED_SHIFT; }
static uintptr_t tid_of(FtObject *op)
{
    return atomic_load_explicit(&op->ob_tid, memory_order_relaxed);
}
static uint32_t local_of(FtObject *op)
{
    return atomic_load_explicit(&op->ob_ref_local, memory_order_relaxed);
}
#endif


static void shuffle(StressRng *rng, int *idx, int n)
{
    for (int i = 0; i < n; i++)
        idx[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)stress_below(rng, (uint64_t)i + 1);
        int t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}

/* Check that a merged object carries no owner (mode ft). */
static void check_merged(FtObject *op, FtSsize expect_refs, const char *what)
{
#if FT_MODE_FT
    STRESS_CHECK(tid_of(op) == 0 && local_of(op) == 0
                 && shared_state(op) == FT_REF_MERGED,
                 "%s: expected MERGED (tid %lu local %u state %d)", what,
                 (unsigned long)tid_of(op), local_of(op), shared_state(op));
#endif
    STRESS_CHECK(ft_refcount(op) == expect_refs, "%s: refcount %td, expected %td",
                 what, ft_refcount(op), expect_refs);
}


/* With every worker joined and our own queue merged, every queued object
 * has been merged exactly once (by its owner, the collector, or at the
 * owner's detach). */
static void check_queues_settled(const FtStats *before, const char *what)
{
    ft_safepoint();
    FtStats a = stats_now();
    STRESS_CHECK(a.merges_queued - before->merges_queued
                 == a.merges_done - before->merges_done,
                 "%s: merges queued %llu != merges done %llu", what,
                 (unsigned long long)(a.merges_queued - before->merges_queued),
                 (unsigned long long)(a.merges_done - before->merges_done));
}

/* ================================================================
 * last_release_nonowner
 * ================================================================ */

typedef struct LastRel {
    int k;                  /* non-owners */
    long rounds;
    int batch;
    FtObject **objs;        /* written by the owner before `round` */
    _Atomic long round;     /* published round */
    _Atomic long taken;     /* non-owner increments done: r * k */
    _Atomic long dropped;   /* owner dropped (or may drop) round r */
    _Atomic long released;  /* non-owners finished round r: r * k */
} LastRel;

static double lr_value(long r, int j) { return (double)r * 4096.0 + j + 0.5; }

static void last_release_worker(void *vctx, int index)
{
    LastRel *c = vctx;
    StressRng rng = stress_rng_for(index);
    if (index == 0) {
        for (long r = 1; r <= c->rounds; r++) {
            wait_at_least(&c->released, (r - 1) * c->k);   /* slots free again */
            /* Odd slots: lists, which non-owner 1 mutates (under the
             * list's lock) before dropping them; another non-owner usually
             * frees the list, without taking the lock, so only the
             * decrefs' acq_rel orders 1's writes before the free. */
            for (int j = 0; j < c->batch; j++) {
                c->objs[j] = (j & 1) ? ft_list_new(0) : new_float(lr_value(r, j));
                STRESS_OK(c->objs[j]);
            }
            atomic_store_explicit(&c->round, r, memory_order_release);
            wait_at_least(&c->taken, r * c->k);
            int ordered = (r & 1) == 0;
            if (ordered) {
                /* Our local count hits zero with k shared references
                 * outstanding: we merge, nobody frees yet. */
                for (int j = 0; j < c->batch; j++) {
                    ft_decref(c->objs[j]);
                    check_merged(c->objs[j], c->k, "owner dropped first");
                    if (j & 1)
                        STRESS_CHECK(ft_len(c->objs[j]) == 0, "list mutated early");
                }
                atomic_store_explicit(&c->dropped, r, memory_order_release);
            } else {
                /* Race our last decref against theirs: after our decref
                 * the object may be gone, never touch it again. */
                FtObject **mine = malloc((size_t)c->batch * sizeof *mine);
                STRESS_CHECK(mine, "oom");
                memcpy(mine, c->objs, (size_t)c->batch * sizeof *mine);
                atomic_store_explicit(&c->dropped, r, memory_order_release);
                for (int j = 0; j < c->batch; j++)
                    ft_decref(mine[j]);
                free(mine);
            }
            stress_count(c->batch);
        }
        wait_at_least(&c->released, c->rounds * c->k);
        return;
    }
    FtObject **mine = malloc((size_t)c->batch * sizeof *mine);
    int *order = malloc((size_t)c->batch * sizeof *order);
    STRESS_CHECK(mine && order, "oom");
    for (long r = 1; r <= c->rounds; r++) {
        wait_at_least(&c->round, r);
        for (int j = 0; j < c->batch; j++) {
            mine[j] = c->objs[j];
            ft_incref(mine[j]);          /* non-owner: shared side */
        }
        release_add(&c->taken, 1);
        wait_at_least(&c->dropped, r);
        shuffle(&rng, order, c->batch);
        if (index != 1)
            sched_yield();              /* let the mutator go first, mostly */
        for (int i = 0; i < c->batch; i++) {
            int j = order[i];
            if (j & 1) {
                if (index == 1) {
                    FtObject *x = new_float((double)index);
                    STRESS_OK(ft_list_append(mine[j], x) == 0);
                    ft_decref(x);       /* the list's reference remains */
                }
                FtSsize n = ft_len(mine[j]);
                STRESS_CHECK(n == 0 || n == 1, "list length %td", n);
            } else {
                STRESS_CHECK(ft_float_as_double(mine[j]) == lr_value(r, j),
                             "round %ld item %d: value %g", r, j,
                             ft_float_as_double(mine[j]));
            }
            ft_decref(mine[j]);
        }
        release_add(&c->released, 1);
    }
    free(mine);
    free(order);
}

static void last_release_nonowner(void)
{
    LastRel c = { .k = stress_threads() - 1,
                  .rounds = stress_iters(16000, 300), .batch = 32 };
    c.objs = calloc((size_t)c.batch, sizeof *c.objs);
    STRESS_CHECK(c.objs, "oom");
    FtStats before = stats_now();
    int64_t floats0 = ft_stats_live_of_type(&ft_float_type);
    stress_run_threads(stress_threads(), last_release_worker, &c);
    check_queues_settled(&before, "last_release_nonowner");
    FtStats after = stats_now();
    STRESS_CHECK(ft_stats_live_of_type(&ft_float_type) == floats0,
                 "live floats %lld, expected %lld",
                 (long long)ft_stats_live_of_type(&ft_float_type), (long long)floats0);
#if FT_MODE_FT
    /* Ordered rounds: every batch object is freed by a non-owner (MERGED
     * -> 0). Racing rounds, and the floats appended to the lists: by
     * either side. */
    uint64_t sf = after.shared_frees - before.shared_frees;
    uint64_t ordered = (uint64_t)(c.rounds / 2) * (uint64_t)c.batch;
    uint64_t all = (uint64_t)c.rounds * (uint64_t)(c.batch + c.batch / 2);
    STRESS_CHECK(sf >= ordered && sf <= all,
                 "shared frees %llu outside [%llu, %llu]", (unsigned long long)sf,
                 (unsigned long long)ordered, (unsigned long long)all);
#else
    (void)after;
#endif
    free(c.objs);
}

/* ================================================================
 * brc_negative_merge
 * ================================================================ */

typedef struct NegMerge {
    int k;
    long rounds;
    int batch;
    FtObject **objs;
    _Atomic long round;
    _Atomic long released;
} NegMerge;

static double nm_value(long r, int j) { return -(double)r * 1024.0 - j; }

static void neg_merge_worker(void *vctx, int index)
{
    NegMerge *c = vctx;
    StressRng rng = stress_rng_for(index + 100);
    const intptr_t k = c->k;
    if (index == 0) {
        for (long r = 1; r <= c->rounds; r++) {
            wait_at_least(&c->released, (r - 1) * k);
            for (int j = 0; j < c->batch; j++) {
                FtObject *o = new_float(nm_value(r, j));
                for (intptr_t i = 0; i < k; i++)
                    ft_incref(o);        /* handed references, counted locally */
                c->objs[j] = o;
            }
            atomic_store_explicit(&c->round, r, memory_order_release);
            /* Keep counting locally (net zero per pass) while they drop
             * theirs; each pass ends at a safepoint that may merge. */
            while (atomic_load_explicit(&c->released, memory_order_acquire) < r * k) {
                int passes = (int)stress_below(&rng, 4) + 1;
                for (int p = 0; p < passes; p++)
                    for (int j = 0; j < c->batch; j++) {
                        ft_incref(c->objs[j]);
                        ft_incref(c->objs[j]);
                        ft_decref(c->objs[j]);
                        ft_decref(c->objs[j]);
                    }
                pause_attached();
            }
            for (int j = 0; j < c->batch; j++) {
                FtObject *o = c->objs[j];
#if FT_MODE_FT
                /* All k decrefs done. Not merged yet: the first one queued
                 * (the queue holds a reference), the other k-1 took the
                 * shared count to -(k-1). Merged: only our reference. */
                int st = shared_state(o);
                if (st == FT_REF_QUEUED) {
                    STRESS_CHECK(tid_of(o) == ft__tl_tid && local_of(o) == (uint32_t)(k + 1)
                                 && shared_cnt(o) == -(k - 1) && ft_refcount(o) == 2,
                                 "queued: tid %lu local %u shared %td refcount %td",
                                 (unsigned long)tid_of(o), local_of(o),
                                 (FtSsize)shared_cnt(o), ft_refcount(o));
                } else {
                    STRESS_CHECK(st == FT_REF_MERGED,
                                 "after %td non-owner decrefs: state %d, shared %td, "
                                 "local %u (expected QUEUED or MERGED)", (FtSsize)k, st,
                                 (FtSsize)shared_cnt(o), local_of(o));
                    check_merged(o, 1, "merged early");
                }
#else
                STRESS_CHECK(ft_refcount(o) == 1, "refcount %td", ft_refcount(o));
#endif
            }
            /* The pushers set our MERGE bit before their release of
             * `released`, which we acquired: this safepoint merges all. */
            ft_safepoint();
            for (int j = 0; j < c->batch; j++) {
                check_merged(c->objs[j], 1, "after the owner's merge");
                STRESS_CHECK(ft_float_as_double(c->objs[j]) == nm_value(r, j), "value");
                ft_decref(c->objs[j]);
            }
            stress_count(c->batch);
        }
        return;
    }
    int *order = malloc((size_t)c->batch * sizeof *order);
    STRESS_CHECK(order, "oom");
    for (long r = 1; r <= c->rounds; r++) {
        wait_at_least(&c->round, r);
        shuffle(&rng, order, c->batch);
        for (int i = 0; i < c->batch; i++) {
            FtObject *o = c->objs[order[i]];
            STRESS_CHECK(ft_float_as_double(o) == nm_value(r, order[i]), "value");
            ft_decref(o);                /* below zero on the shared side */
        }
        release_add(&c->released, 1);
    }
    free(order);
}

static void brc_negative_merge(void)
{
    NegMerge c = { .k = stress_threads() - 1,
                   .rounds = stress_iters(24000, 300), .batch = 32 };
    c.objs = calloc((size_t)c.batch, sizeof *c.objs);
    STRESS_CHECK(c.objs, "oom");
    FtStats before = stats_now();
    stress_run_threads(stress_threads(), neg_merge_worker, &c);
    check_queues_settled(&before, "brc_negative_merge");
    FtStats after = stats_now();
#if FT_MODE_FT
    /* Exactly one queueing per object: the first non-owner decref. */
    uint64_t n = (uint64_t)c.rounds * (uint64_t)c.batch;
    STRESS_CHECK(after.merges_queued - before.merges_queued == n,
                 "merges queued %llu, expected %llu",
                 (unsigned long long)(after.merges_queued - before.merges_queued),
                 (unsigned long long)n);
#else
    (void)after;
#endif
    free(c.objs);
}

/* ================================================================
 * owner_exit
 * ================================================================ */

#define OE_FLOATS 24
#define OE_TUPLES 8
#define OE_OBJS (OE_FLOATS + OE_TUPLES)

typedef struct OwnerExit {
    int k;                      /* holders: workers 1..k */
    long rounds;
    FtObject *objs[OE_OBJS];    /* written by the owner before `round` */
    _Atomic long round;         /* published by the owner */
    _Atomic long gone;          /* owner of round r joined (detached) */
    _Atomic long released;      /* holders done with handed refs: r*k */
    _Atomic long checked;       /* keepers done checking: r*k */
} OwnerExit;

static double oe_value(long r, int j) { return (double)r * 100.0 + j; }

typedef struct OwnerArg { OwnerExit *c; long r; } OwnerArg;

static void *oe_owner(void *p)
{
    OwnerArg *a = p;
    OwnerExit *c = a->c;
    for (int j = 0; j < OE_OBJS; j++) {
        FtObject *o;
        if (j < OE_FLOATS) {
            o = new_float(oe_value(a->r, j));
        } else {
            FtObject *f = new_float(oe_value(a->r, j));
            o = ft_tuple_pack(1, f);
            STRESS_OK(o);
            ft_decref(f);
        }
        for (int i = 0; i < c->k; i++)
            ft_incref(o);            /* one handed reference per holder */
        c->objs[j] = o;
    }
    atomic_store_explicit(&c->round, a->r, memory_order_release);
    for (int j = 0; j < OE_OBJS; j++)
        ft_decref(c->objs[j]);       /* ours; k handed ones remain */
    /* Return: ft_thread_start's wrapper detaches (merge, orphan, drain)
     * while the holders are releasing. */
    return NULL;
}

static void owner_exit_worker(void *vctx, int index)
{
    OwnerExit *c = vctx;
    if (index == 0) {
        for (long r = 1; r <= c->rounds; r++) {
            wait_at_least(&c->checked, (r - 1) * c->k);
            OwnerArg a = { c, r };
            pthread_t t;
            STRESS_CHECK(ft_thread_start(&t, oe_owner, &a) == 0, "thread start");
            ft_thread_join(t, NULL);
            /* release: the owner's whole detach (joined) happens before
             * the keepers' checks. */
            atomic_store_explicit(&c->gone, r, memory_order_release);
            stress_count(OE_OBJS);
        }
        return;
    }
    StressRng rng = stress_rng_for(index + 200);
    int order[OE_OBJS];
    FtObject *mine[OE_OBJS];
    FtObject *keep[OE_OBJS];
    for (long r = 1; r <= c->rounds; r++) {
        wait_at_least(&c->round, r);
        int nkeep = 0;
        memcpy(mine, c->objs, sizeof mine);
        /* Keep an extra reference to the objects this holder keeps
         * (shared-side increment while our handed reference is live). */
        for (int j = 0; j < OE_OBJS; j++)
            if (j % c->k == index - 1) {
                ft_incref(mine[j]);
                keep[nkeep++] = mine[j];
            }
        shuffle(&rng, order, OE_OBJS);
        for (int i = 0; i < OE_OBJS; i++) {
            FtObject *o = mine[order[i]];
            if ((stress_rand(&rng) & 3) == 0)
                sched_yield();       /* spread the decrefs over the exit */
            ft_decref(o);
        }
        release_add(&c->released, 1);
        /* While the owner leaves: whoever sees MERGED (acquire) must see
         * ob_tid and ob_ref_local cleared (invariant 1: they are stored
         * before the release CAS that publishes MERGED). */
        while (atomic_load_explicit(&c->gone, memory_order_acquire) < r) {
#if FT_MODE_FT
            for (int i = 0; i < nkeep; i++) {
                FtObject *o = keep[i];
                intptr_t sh = atomic_load_explicit(&o->ob_ref_shared,
                                                   memory_order_acquire);
                if ((sh & FT_SHARED_FLAG_MASK) == FT_REF_MERGED)
                    STRESS_CHECK(tid_of(o) == 0 && local_of(o) == 0,
                                 "MERGED visible before the owner's fields were "
                                 "cleared: tid %lu local %u", (unsigned long)tid_of(o),
                                 local_of(o));
            }
#endif
            pause_attached();
        }
        wait_at_least(&c->released, r * c->k);
        for (int i = 0; i < nkeep; i++) {
            FtObject *o = keep[i];
            check_merged(o, 1, "kept object after its owner left");
            if (ft_is_tuple(o)) {
                FtObject *f = ft_tuple_borrow_item(o, 0);
                check_merged(f, 1, "tuple item after its owner left");
#if FT_MODE_FT
                STRESS_CHECK(ft__gc_bits(o) & FT_GC_ORPHAN,
                             "tuple of a departed thread not orphaned");
#endif
            }
            ft_decref(o);
        }
        release_add(&c->checked, 1);
    }
}

static void owner_exit(void)
{
    OwnerExit c = { .k = stress_threads() - 1, .rounds = stress_iters(6000, 200) };
    FtStats before = stats_now();
    int64_t floats0 = ft_stats_live_of_type(&ft_float_type);
    int64_t tuples0 = ft_stats_live_of_type(&ft_tuple_type);
    stress_run_threads(stress_threads(), owner_exit_worker, &c);
    check_queues_settled(&before, "owner_exit");
    FtStats after = stats_now();
    STRESS_CHECK(ft_stats_live_of_type(&ft_float_type) == floats0
                 && ft_stats_live_of_type(&ft_tuple_type) == tuples0,
                 "live floats %+lld tuples %+lld",
                 (long long)(ft_stats_live_of_type(&ft_float_type) - floats0),
                 (long long)(ft_stats_live_of_type(&ft_tuple_type) - tuples0));
    STRESS_CHECK(after.threads_attached_total - before.threads_attached_total
                 == (uint64_t)(c.rounds + stress_threads()),
                 "threads attached %llu, expected %ld",
                 (unsigned long long)(after.threads_attached_total
                                      - before.threads_attached_total),
                 c.rounds + stress_threads());
#if FT_MODE_FT
    /* Every object of every owner was alive at its detach: each tuple and
     * its float, and each float, merged exactly once there. */
    uint64_t n = (uint64_t)c.rounds * (OE_FLOATS + 2 * OE_TUPLES);
    STRESS_CHECK(after.merges_at_detach - before.merges_at_detach == n,
                 "merged at detach %llu, expected %llu",
                 (unsigned long long)(after.merges_at_detach - before.merges_at_detach),
                 (unsigned long long)n);
#endif
}

/* ================================================================
 * ring_handoff: objects through the MPMC ring of stress_util.h
 * ================================================================ */

typedef struct RingCtx {
    Ring ring;
    int producers;
    long per_producer;
    long total;
    _Atomic long consumed;
    _Atomic uint8_t *seen;      /* producers * per_producer */
} RingCtx;

static void ring_worker(void *vctx, int index)
{
    RingCtx *c = vctx;
    StressRng rng = stress_rng_for(index + 300);
    if (index < c->producers) {
        for (long i = 0; i < c->per_producer; i++) {
            double v = (double)index * 1e9 + (double)i;
            FtObject *o = new_float(v);
            if (i % 3 == 0) {            /* a tuple (float, small int) */
                FtObject *small = ft_int_from_i64((int64_t)(i % 200));
                FtObject *t = ft_tuple_pack(2, o, small);
                STRESS_OK(t);
                ft_decref(small);
                ft_decref(o);
                o = t;
            } else if (i % 3 == 1) {
                /* Keep counting it locally after handing one reference
                 * over: the consumer's decref then goes to our queue. */
                ft_incref(o);
                ft_incref(o);
                ft_decref(o);
            }
            while (!ring_push(&c->ring, o))
                pause_attached();
            if (i % 3 == 1) {
                /* Our extra reference: dropped after the hand-over, so
                 * this decref races with the consumer's. */
                ft_decref(o);
            }
            if ((stress_rand(&rng) & 63) == 0)
                ft_safepoint();
        }
        stress_count(c->per_producer);
        return;
    }
    while (atomic_load_explicit(&c->consumed, memory_order_relaxed) < c->total) {
        FtObject *o = ring_pop(&c->ring);
        if (!o) {
            pause_attached();
            continue;
        }
        FtObject *f = ft_is_tuple(o) ? ft_tuple_borrow_item(o, 0) : o;
        STRESS_CHECK(ft_is_float(f), "not a float: %s", ft_type_name(ft_type_of(f)));
        double v = ft_float_as_double(f);
        long p = (long)(v / 1e9);
        long i = (long)(v - (double)p * 1e9);
        STRESS_CHECK(p >= 0 && p < c->producers && i >= 0 && i < c->per_producer,
                     "value %g out of range", v);
        int want_tuple = i % 3 == 0;   /* (no '%' inside STRESS_CHECK's condition) */
        STRESS_CHECK(ft_is_tuple(o) == want_tuple, "item %ld of %ld: wrong shape", i, p);
        if (ft_is_tuple(o)) {
            int64_t s, want = i % 200;
            STRESS_CHECK(ft_int_as_i64(ft_tuple_borrow_item(o, 1), &s) == 0
                         && s == want, "tuple item");
        }
        uint8_t was = atomic_exchange_explicit(&c->seen[p * c->per_producer + i], 1,
                                               memory_order_relaxed);
        STRESS_CHECK(was == 0, "item %ld of producer %ld received twice", i, p);
        ft_decref(o);
        atomic_fetch_add_explicit(&c->consumed, 1, memory_order_relaxed);
    }
}

static void ring_handoff(void)
{
    static RingCtx c;          /* 4 KiB of cells: not on the stack */
    memset(&c, 0, sizeof c);
    ring_init(&c.ring);
    int n = stress_threads();
    c.producers = n / 2;
    c.per_producer = stress_iters(800000, 10000);
    c.total = c.producers * c.per_producer;
    c.seen = calloc((size_t)c.total, 1);
    STRESS_CHECK(c.seen, "oom");
    FtStats before = stats_now();
    int64_t floats0 = ft_stats_live_of_type(&ft_float_type);
    stress_run_threads(n, ring_worker, &c);
    check_queues_settled(&before, "ring_handoff");
    STRESS_CHECK(atomic_load(&c.consumed) == c.total, "consumed %ld of %ld",
                 atomic_load(&c.consumed), c.total);
    for (long i = 0; i < c.total; i++)
        STRESS_CHECK(atomic_load_explicit(&c.seen[i], memory_order_relaxed) == 1,
                     "item %ld never received", i);
    STRESS_CHECK(ring_pop(&c.ring) == NULL, "ring not empty");
    STRESS_CHECK(ft_stats_live_of_type(&ft_float_type) == floats0, "live floats %+lld",
                 (long long)(ft_stats_live_of_type(&ft_float_type) - floats0));
    free((void *)c.seen);
}

/* ================================================================
 * immortal_hammer
 * ================================================================ */

#define N_IMM 12
static FtObject *imm[N_IMM];
static unsigned char imm_snap[N_IMM][sizeof(FtObject)];
static const char *const imm_strs[] = { "stress-imm-a", "__init__", "x" };

static void imm_setup(void)
{
    int n = 0;
    imm[n++] = FT_NONE;
    imm[n++] = FT_TRUE;
    imm[n++] = FT_FALSE;
    imm[n++] = ft_int_from_i64(-5);
    imm[n++] = ft_int_from_i64(0);
    imm[n++] = ft_int_from_i64(256);
    imm[n++] = ft_tuple_new(0);
    imm[n++] = ft_type_as_object(&ft_float_type);
    for (size_t i = 0; i < FT_ARRAY_LEN(imm_strs); i++)
        imm[n++] = ft_str_intern_cstr(imm_strs[i]);
    imm[n++] = ft_int_from_i64(1);
    STRESS_CHECK(n == N_IMM, "table");
    for (int i = 0; i < N_IMM; i++) {
        STRESS_OK(imm[i]);
        STRESS_CHECK(ft_is_immortal(imm[i]), "object %d is not immortal", i);
    }
}

static void imm_check_headers(const char *when)
{
    for (int i = 0; i < N_IMM; i++) {
        /* Plain reads: nobody may write these headers; a write by a broken
         * build is then also a data race TSan reports. */
        if (memcmp(imm[i], imm_snap[i], sizeof(FtObject)) != 0) {
            FtObject *o = imm[i], *s = (FtObject *)imm_snap[i];
            stress_fail(__FILE__, __LINE__, "%s: immortal %d (%s) header written: "
                        "tid %lu->%lu local %u->%u shared %td->%td flags %u->%u "
                        "gc %u->%u", when, i, ft_type_name(ft_type_of(o)),
                        (unsigned long)s->ob_tid, (unsigned long)o->ob_tid,
                        (unsigned)s->ob_ref_local, (unsigned)o->ob_ref_local,
                        (FtSsize)s->ob_ref_shared, (FtSsize)o->ob_ref_shared,
                        s->ob_flags, o->ob_flags, (unsigned)s->ob_gc_bits,
                        (unsigned)o->ob_gc_bits);
        }
    }
}

typedef struct ImmCtx {
    long iters;
    FtObject *list;     /* shared list of immortals */
} ImmCtx;

static void imm_worker(void *vctx, int index)
{
    ImmCtx *c = vctx;
    StressRng rng = stress_rng_for(index + 400);
    for (long it = 0; it < c->iters; it++) {
        FtObject *a = imm[stress_below(&rng, N_IMM)];
        FtObject *b = imm[stress_below(&rng, N_IMM)];
        switch (stress_below(&rng, 6)) {
        case 0:
            for (int i = 0; i < 8; i++)
                ft_incref(a);
            STRESS_CHECK(ft_refcount(a) == FT_IMMORTAL_REFCNT, "refcount %td",
                         ft_refcount(a));
            for (int i = 0; i < 8; i++)
                ft_decref(a);
            /* More decrefs than increfs: still a no-op. */
            ft_decref(b);
            break;
        case 1: {
            FtObject *t = ft_tuple_pack(2, a, b);
            STRESS_OK(t);
            STRESS_CHECK(ft_tuple_borrow_item(t, 0) == a, "tuple item");
            ft_decref(t);
            break;
        }
        case 2:
            STRESS_OK(ft_list_append(c->list, a) == 0);
            break;
        case 3: {
            FtObject *x = ft_list_pop(c->list, -1);
            if (x) {
                STRESS_CHECK(ft_is_immortal(x), "popped a mortal");
                ft_decref(x);
            } else {
                ft_error_clear();
            }
            break;
        }
        case 4: {
            size_t i = stress_below(&rng, FT_ARRAY_LEN(imm_strs));
            FtObject *s = ft_str_intern_cstr(imm_strs[i]);
            STRESS_CHECK(s == imm[8 + i], "interning returned another object");
            ft_decref(s);
            FtObject *n = ft_int_from_i64(0);
            STRESS_CHECK(n == imm[4], "small int 0 not the singleton");
            ft_decref(n);
            break;
        }
        default:
            ft_decref(ft_newref(a));
            ft_xdecref(ft_xnewref(b));
            break;
        }
        if ((it & 1023) == 0) {
            imm_check_headers("during");
            ft_safepoint();
        }
    }
    stress_count(c->iters);
}

static void immortal_hammer(void)
{
    for (int i = 0; i < N_IMM; i++)
        memcpy(imm_snap[i], imm[i], sizeof(FtObject));
    ImmCtx c = { .iters = stress_iters(3000000, 20000) };
    c.list = ft_list_new(0);
    STRESS_OK(c.list);
    stress_run_threads(stress_threads(), imm_worker, &c);
    ft_decref(c.list);
    imm_check_headers("after");
}

/* ================================================================
 * make_immortal_race
 * ================================================================ */

typedef struct MakeImm {
    int k;
    long rounds;
    FtObject *obj;           /* this round's object, before `round` */
    _Atomic long round;
    _Atomic long done;       /* non-owners finished round r: r*k */
    FtObject **made;         /* every round's object (owner only) */
} MakeImm;

static void make_imm_worker(void *vctx, int index)
{
    MakeImm *c = vctx;
    StressRng rng = stress_rng_for(index + 500);
    if (index == 0) {
        for (long r = 1; r <= c->rounds; r++) {
            wait_at_least(&c->done, (r - 1) * c->k);
            FtObject *o = new_float((double)r);
            for (int i = 0; i < c->k; i++)
                ft_incref(o);            /* handed: the first drop queues */
            c->obj = o;
            c->made[r - 1] = o;
            atomic_store_explicit(&c->round, r, memory_order_release);
            /* Count locally for a while without a safepoint, so that
             * drops queued meanwhile are merged after the object became
             * immortal. */
            long spin = (long)stress_below(&rng, 3000);
            for (long i = 0; i < spin; i++) {
                ft_incref(o);
                ft_decref(o);
            }
            STRESS_CHECK(ft_object_make_immortal(o) == 0, "owner's make_immortal: %s",
                         ft_error_message());
            STRESS_CHECK(ft_is_immortal(o) && ft_refcount(o) == FT_IMMORTAL_REFCNT,
                         "not immortal after make_immortal");
            ft_decref(o);                /* no-op now; the object stays */
            wait_at_least(&c->done, r * c->k);
            ft_safepoint();              /* merges what was queued: skipped */
            STRESS_CHECK(ft_is_immortal(o) && ft_float_as_double(o) == (double)r,
                         "immortal object changed");
            stress_count(1);
        }
        return;
    }
    for (long r = 1; r <= c->rounds; r++) {
        wait_at_least(&c->round, r);
        FtObject *o = c->obj;
        long n = (long)stress_below(&rng, 200);
        for (long i = 0; i < n; i++) {
            ft_incref(o);
            ft_decref(o);
        }
        if (index == 1) {
            /* Not ours: refused while the owner owns it, a no-op once
             * immortal (the owner's merge left ob_tid 0). */
            int rc = ft_object_make_immortal(o);
#if FT_MODE_FT
            if (rc < 0) {
                STRESS_CHECK(ft_error_kind() == FT_ERR_STATE, "make_immortal error %d",
                             (int)ft_error_kind());
                ft_error_clear();
            } else {
                STRESS_CHECK(ft_is_immortal(o), "make_immortal returned 0, not immortal");
            }
#else
            STRESS_CHECK(rc == 0 && ft_is_immortal(o), "make_immortal");
#endif
        }
        STRESS_CHECK(ft_float_as_double(o) == (double)r, "value");
        ft_decref(o);                    /* our handed reference */
        release_add(&c->done, 1);
    }
}

static void make_immortal_race(void)
{
    MakeImm c = { .k = stress_threads() - 1, .rounds = stress_iters(20000, 300) };
    c.made = calloc((size_t)c.rounds, sizeof *c.made);
    STRESS_CHECK(c.made, "oom");
    FtStats before = stats_now();
    int64_t floats0 = ft_stats_live_of_type(&ft_float_type);
    stress_run_threads(stress_threads(), make_imm_worker, &c);
    check_queues_settled(&before, "make_immortal_race");
    /* Immortal objects are never freed: exactly one float per round. */
    STRESS_CHECK(ft_stats_live_of_type(&ft_float_type) - floats0 == c.rounds,
                 "live floats %+lld, expected %+ld",
                 (long long)(ft_stats_live_of_type(&ft_float_type) - floats0), c.rounds);
    for (long r = 0; r < c.rounds; r++)
        STRESS_CHECK(ft_is_immortal(c.made[r])
                     && ft_float_as_double(c.made[r]) == (double)(r + 1),
                     "object of round %ld", r + 1);
    free(c.made);
}

/* ---- idle_owner_release ---- */

typedef struct Probe {
    FtObject ob_base;
    _Atomic int *freed;
} Probe;

static void probe_dealloc(FtObject *op)
{
    /* release: pairs with the releaser's acquire load of the flag. */
    atomic_store_explicit(((Probe *)op)->freed, 1, memory_order_release);
    ft__object_free(op);
}

static FtType probe_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "stress.probe",
    .tp_basicsize = sizeof(Probe),
    .tp_dealloc = probe_dealloc,
};

typedef struct IdlePair {
    FtObject *obj;                 /* handed over: written before `published` */
    _Atomic int freed;             /* the probe's dealloc ran */
    _Atomic long published, released, idle, done;
} IdlePair;

typedef struct IdleCtx {
    IdlePair *pairs;
    int npairs;
    long rounds;
    _Atomic int stop_trim;
    _Atomic long trims;
} IdleCtx;

/* The structure: 5 levels of [inner, {str: int}], the probe at the
 * bottom; all owned by the builder. */
static FtObject *idle_build(IdlePair *p, long round)
{
    Probe *pr = (Probe *)ft__object_alloc(&probe_type, sizeof(Probe));
    STRESS_OK(pr);
    pr->freed = &p->freed;
    FtObject *inner = &pr->ob_base;
    for (int i = 0; i < 5; i++) {
        FtObject *l = ft_list_new(0), *d = ft_dict_new();
        FtObject *k = ft_str_from_format("r%ld-%d", round, i);
        FtObject *v = ft_int_from_i64(1000000 + round);
        STRESS_OK(l && d && k && v);
        STRESS_OK(ft_dict_set_item(d, k, v) == 0);
        STRESS_OK(ft_list_append(l, d) == 0);
        STRESS_OK(ft_list_append(l, inner) == 0);
        ft_decref(k);
        ft_decref(v);
        ft_decref(d);
        ft_decref(inner);
        inner = l;
    }
    return inner;
}

static void idle_wait_detached(_Atomic long *v, long target)
{
    ft_blocking_begin();
    /* acquire: pairs with the other side's release_add. */
    while (atomic_load_explicit(v, memory_order_acquire) < target)
        sched_yield();
    ft_blocking_end();
}

static void idle_owner(IdleCtx *c, IdlePair *p)
{
    for (long r = 1; r <= c->rounds; r++) {
        atomic_store_explicit(&p->freed, 0, memory_order_relaxed);
        p->obj = idle_build(p, r);
        release_add(&p->published, 1);
        if (r % 2 == 0) {
            /* Racing round: stay attached, with no safepoint, until the
             * releaser has queued the structure to us (bounded, so that a
             * stop-the-world waits for us at most that long): the push
             * sees us ATTACHED and leaves the merge to us, and our
             * ft_blocking_begin must do it before we go idle. */
            for (int spin = 0; spin < 20000; spin++) {
                if (atomic_load_explicit(&p->released, memory_order_acquire) >= r)
                    break;
                sched_yield();
            }
        }
        ft_blocking_begin();            /* idle: no safepoint until done */
        release_add(&p->idle, 1);
        while (atomic_load_explicit(&p->done, memory_order_acquire) < r)
            sched_yield();
        ft_blocking_end();
    }
}

static void idle_releaser(IdleCtx *c, IdlePair *p)
{
    for (long r = 1; r <= c->rounds; r++) {
        wait_at_least(&p->published, r);
        FtObject *obj = p->obj;
        int racing = r % 2 == 0;
        if (!racing)
            idle_wait_detached(&p->idle, r);    /* the owner is idle */
        ft_decref(obj);                 /* non-owner: the owner's queue */
        release_add(&p->released, 1);
        if (racing)
            idle_wait_detached(&p->idle, r);    /* it went idle meanwhile */
        ft_safepoint();                 /* the bound */
        if (!atomic_load_explicit(&p->freed, memory_order_acquire)) {
            /* The refinements of brc.c's "Bound": another thread (the
             * trimmer's blocking_begin, the other releasers) adopted the
             * queue first and is freeing the structure in its own
             * safepoint, or a stop of the trimmer's collection was in
             * progress at ours (the collection merged the queue and frees
             * it before it ends). Wait for both, then once more. */
            ft_blocking_begin();
            while (ft__brc_adoptions_in_flight() > 0)
                sched_yield();
            ft_blocking_end();
            STRESS_OK(ft__gc_lock() == 0);
            ft__gc_unlock();
            ft_safepoint();
        }
        STRESS_CHECK(atomic_load_explicit(&p->freed, memory_order_acquire),
                     "round %ld (%s): a structure released while its owner "
                     "was idle is still alive after the releaser's safepoint",
                     r, racing ? "release racing the owner's blocking_begin"
                                : "owner idle before the release");
        stress_count(1);
        release_add(&p->done, 1);
    }
}

static void idle_worker(void *arg, int index)
{
    IdleCtx *c = arg;
    if (index == 2 * c->npairs) {
        while (!atomic_load_explicit(&c->stop_trim, memory_order_relaxed)) {
            STRESS_OK(ft_memory_trim() >= 0);
            atomic_fetch_add_explicit(&c->trims, 1, memory_order_relaxed);
            stress_sleep_us(300);
        }
        return;
    }
    IdlePair *p = &c->pairs[index / 2];
    if (index % 2 == 0)
        idle_owner(c, p);
    else
        idle_releaser(c, p);
    if (index == 1)
        atomic_store_explicit(&c->stop_trim, 1, memory_order_relaxed);
}

static void idle_owner_release(void)
{
    static int ready;
    if (!ready) {
        STRESS_OK(ft__type_ready(&probe_type) == 0);
        ready = 1;
    }
    IdleCtx c = { 0 };
    c.npairs = stress_threads() / 2 > 0 ? stress_threads() / 2 : 1;
    c.rounds = stress_iters(10000, 200);
    c.pairs = calloc((size_t)c.npairs, sizeof *c.pairs);
    STRESS_OK(c.pairs);
    stress_run_threads(2 * c.npairs + 1, idle_worker, &c);
    free(c.pairs);
}

int main(int argc, char **argv)
{
    stress_init(argc, argv, "refcount");
    imm_setup();
    stress_scenario("last_release_nonowner", last_release_nonowner, STRESS_LIVE_EXACT);
    stress_scenario("brc_negative_merge", brc_negative_merge, STRESS_LIVE_EXACT);
    stress_scenario("owner_exit", owner_exit, STRESS_LIVE_EXACT);
    stress_scenario("ring_handoff", ring_handoff, STRESS_LIVE_EXACT);
    stress_scenario("immortal_hammer", immortal_hammer, STRESS_LIVE_EXACT);
    stress_scenario("make_immortal_race", make_immortal_race, STRESS_LIVE_ANY);
    stress_scenario("idle_owner_release", idle_owner_release, STRESS_LIVE_EXACT);
    return stress_finish();
}
