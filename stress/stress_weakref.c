/* stress/stress_weakref.c: weak references and the weak-value dictionary
 * under concurrent death of their referents (docs/concurrency.md, "Class
 * instances and weak references").
 *
 * Referents are instances of a class with weak references and a C payload
 * (magic, id). Each referent gets, from the thread that creates it, a
 * "sentinel" weak reference with a callback that marks the referent dead
 * (recs[id].dead, release store). It runs only once the referent's count
 * has reached zero. It is the first weak reference made to its referent,
 * and runtime/weakref.c links every later one in front of it (at the head,
 * or right behind the callback-less "basic" one kept at the head), so its
 * callback also runs last: once dead is set, every callback of that
 * referent has run (weakref_death relies on this).
 *
 * Scenarios:
 *   weakref_race  every thread creates referents, publishes a basic weak
 *                 reference to each in a shared list (cells), and drops the
 *                 last strong reference at a random time, while every
 *                 thread dereferences the published weak references, makes
 *                 more (with and without callback) and drops some of them.
 *                 Checks: get returns NULL or the referent, whose payload
 *                 checks out and which is not dead while we hold it (its
 *                 sentinel has not run); once a get returned NULL, the same
 *                 weak reference never returns an object again; the basic
 *                 reference is shared (pointer-equal); every callback of a
 *                 weak reference kept alive ran exactly once, of one dropped
 *                 early at most once, and from a callback the referent is
 *                 unreachable; no referent is left alive.
 *   weakref_death rounds in lock step: one thread makes a referent, every
 *                 thread makes callback weak references to it, then the
 *                 referent's last strong reference is dropped on one thread
 *                 while the others drop half of their weak references at
 *                 the same moment. Checks: each kept weak reference's
 *                 callback ran exactly once, each dropped one's at most
 *                 once, the sentinel exactly once; no referent survives.
 *   wvd_race      a weak-value dictionary, keys partitioned among threads:
 *                 each thread sets its keys to fresh values, checks that a
 *                 get of its own key with a live value returns exactly that
 *                 value, drops values, and gets other threads' keys (which
 *                 purges dead entries); a get returns nothing or a value
 *                 stored for that key; at the end the dictionary is empty.
 */
#include "harness.h"

#include <sched.h>
#include <string.h>

#define MAGIC 0x5EEDF00DCAFEull

typedef struct Payload {
    uint64_t magic;       /* MAGIC ^ id */
    uint32_t id;
    int32_t key;          /* wvd: the key it was stored under */
} Payload;

static FtType *cls;

static FtObject *new_referent(uint32_t id, int key)
{
    FtObject *x = ft_instance_new(cls);
    STRESS_OK(x);
    Payload *p = ft_instance_cdata(x);
    p->magic = MAGIC ^ id;
    p->id = id;
    p->key = key;
    return x;
}

/* Payload of an object a get returned: it must be a live referent. */
static Payload *check_referent(FtObject *x)
{
    STRESS_CHECK(ft_type_of(x) == cls, "weakref returned a %s",
                 ft_type_name(ft_type_of(x)));
    Payload *p = ft_instance_cdata(x);
    STRESS_CHECK(p->magic == (MAGIC ^ p->id), "payload of %p is corrupt "
                 "(magic %llx, id %u): a dead object", (void *)x,
                 (unsigned long long)p->magic, p->id);
    STRESS_CHECK(ft_refcount(x) >= 1, "referent %u refcount %td while held",
                 p->id, ft_refcount(x));
    return p;
}

static void make_class(void)
{
    FtClassSpec spec = { .name = "StressReferent", .weakrefs = 1,
                         .cdata_size = sizeof(Payload) };
    cls = ft_class_new(&spec);
    STRESS_OK(cls);
}

static void drop_class(void)
{
    STRESS_CHECK(ft_stats_live_of_type(cls) == 0, "%lld referents still alive",
                 (long long)ft_stats_live_of_type(cls));
    ft_decref(ft_type_as_object(cls));
    cls = NULL;
}

/* ================= weakref_race ================= */

#define CELLS_PER_THREAD 4

typedef struct RefRec {
    _Atomic int dead;     /* sentinel ran (release) */
    _Atomic int calls;    /* times the sentinel ran */
    _Atomic int dropped;  /* the producer is dropping its reference */
} RefRec;

typedef struct CbRec {
    _Atomic int calls;    /* relaxed: read after the join */
    int keep;             /* the weak reference lives until the end */
} CbRec;

typedef struct ThreadBag {
    FtObject **objs;      /* weak references kept until after the join */
    CbRec **recs;         /* one per callback weak reference made */
    long n, cap, nrecs, caprecs;
} ThreadBag;

typedef struct RaceCtx {
    FtObject *cells;      /* list of basic weak references (or None) */
    RefRec *refs;
    uint32_t maxids;
    _Atomic uint32_t next_id;
    long iters;
    ThreadBag *bags;
} RaceCtx;

static void bag_keep(ThreadBag *b, FtObject *o)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 256;
        b->objs = realloc(b->objs, (size_t)b->cap * sizeof *b->objs);
        STRESS_CHECK(b->objs, "out of memory");
    }
    b->objs[b->n++] = o;
}

static CbRec *bag_rec(ThreadBag *b, int keep)
{
    if (b->nrecs == b->caprecs) {
        b->caprecs = b->caprecs ? 2 * b->caprecs : 256;
        b->recs = realloc(b->recs, (size_t)b->caprecs * sizeof *b->recs);
        STRESS_CHECK(b->recs, "out of memory");
    }
    CbRec *r = calloc(1, sizeof *r);
    STRESS_CHECK(r, "out of memory");
    r->keep = keep;
    b->recs[b->nrecs++] = r;
    return r;
}

static void sentinel_cb(FtObject *wr, void *arg)
{
    RefRec *r = arg;
    STRESS_CHECK(ft_weakref_get(wr) == NULL, "sentinel callback: referent "
                 "still reachable");
    atomic_fetch_add_explicit(&r->calls, 1, memory_order_relaxed);
    /* release: pairs with the readers' acquire load; nothing to publish
     * but the fact itself, which a holder of a strong ref must never see. */
    atomic_store_explicit(&r->dead, 1, memory_order_release);
}

static void counting_cb(FtObject *wr, void *arg)
{
    CbRec *r = arg;
    STRESS_CHECK(ft_weakref_get(wr) == NULL, "callback: referent still reachable");
    /* relaxed: read by main after the join (the join orders it). */
    atomic_fetch_add_explicit(&r->calls, 1, memory_order_relaxed);
}

/* Hold a strong reference for a while, then check the referent did not
 * die meanwhile: a resurrected referent (count was zero when the weak
 * reference handed it out) goes on dying behind our back. */
static void hold_and_check(RaceCtx *c, FtObject *x, Payload *p, StressRng *r)
{
    /* Relaxed: the flag only picks the longer hold. A referent whose
     * producer is dropping it is the one a broken upgrade resurrects: hold
     * it long enough for its dealloc to finish if it was resurrected. */
    if (atomic_load_explicit(&c->refs[p->id].dropped, memory_order_relaxed)
        && stress_below(r, 4) == 0) {
        stress_sleep_us(30);
    } else if (stress_below(r, 32) == 0) {
        stress_sleep_us(20);
    } else {
        for (volatile int i = 0; i < 200; i++)
            ;
    }
    /* acquire: pairs with the sentinel's release store. */
    STRESS_CHECK(!atomic_load_explicit(&c->refs[p->id].dead, memory_order_acquire),
                 "referent %u died while a strong reference from "
                 "ft_weakref_get was held (resurrected)", p->id);
    check_referent(x);
}

static void race_read(RaceCtx *c, ThreadBag *b, StressRng *r, FtSsize ncells)
{
    FtObject *wr = ft_list_get_item(c->cells, (FtSsize)stress_below(r, (uint64_t)ncells));
    STRESS_OK(wr);
    if (ft_is_none(wr))
        return;
    FtObject *prev = NULL;
    int seen_null = 0;
    int rounds = 1 + (int)stress_below(r, 4);
    for (int k = 0; k < rounds; k++) {
        FtObject *x = ft_weakref_get(wr);
        STRESS_CHECK(!ft_error_occurred(), "%s", ft_error_message());
        if (!x) {
            seen_null = 1;
            continue;
        }
        STRESS_CHECK(!seen_null, "weakref returned an object after returning NULL");
        STRESS_CHECK(!prev || prev == x, "weakref returned two different objects");
        prev = x;
        Payload *p = check_referent(x);
        /* Relaxed suffices: the id was drawn before the referent was
         * published (list store, release) and we read it after our
         * acquire load of the cell, so the draw happens before this. */
        STRESS_CHECK(p->id < atomic_load_explicit(&c->next_id, memory_order_relaxed),
                     "unknown referent id %u", p->id);
        unsigned op = (unsigned)stress_below(r, 8);
        if (op == 0) {
            /* The basic reference is shared: we get the published one. */
            FtObject *basic = ft_weakref_new(x, NULL, NULL);
            STRESS_OK(basic);
            STRESS_CHECK(basic == wr, "a second basic weak reference to %u", p->id);
            ft_decref(basic);
        } else if (op <= 2) {
            int keep = op == 1;
            CbRec *rec = bag_rec(b, keep);
            FtObject *cw = ft_weakref_new(x, counting_cb, rec);
            STRESS_OK(cw);
            if (keep)
                bag_keep(b, cw);
            else
                ft_decref(cw);    /* dies now, maybe racing the referent */
        }
        hold_and_check(c, x, p, r);
        ft_decref(x);
    }
    ft_decref(wr);
}

static void race_thread(void *ctx, int idx)
{
    RaceCtx *c = ctx;
    ThreadBag *b = &c->bags[idx];
    StressRng r = stress_rng_for(idx);
    FtSsize ncells = ft_len(c->cells);
    FtObject *held[CELLS_PER_THREAD] = { 0 };
    for (long it = 0; it < c->iters; it++) {
        int cell = (int)stress_below(&r, CELLS_PER_THREAD);
        FtSsize ci = (FtSsize)idx * CELLS_PER_THREAD + cell;
        unsigned op = (unsigned)stress_below(&r, 16);
        if (op == 0 && !held[cell]) {
            /* Relaxed: the counter only hands out unique ids. */
            uint32_t id = atomic_fetch_add_explicit(&c->next_id, 1, memory_order_relaxed);
            if (id >= c->maxids)
                continue;
            FtObject *x = new_referent(id, -1);
            FtObject *sent = ft_weakref_new(x, sentinel_cb, &c->refs[id]);
            STRESS_OK(sent);
            bag_keep(b, sent);
            FtObject *basic = ft_weakref_new(x, NULL, NULL);
            STRESS_OK(basic);
            STRESS_OK(ft_list_set_item(c->cells, ci, basic) == 0);
            ft_decref(basic);
            held[cell] = x;
        } else if (op == 1 && held[cell]) {
            FtObject *x = held[cell];
            held[cell] = NULL;
            Payload *p = ft_instance_cdata(x);
            atomic_store_explicit(&c->refs[p->id].dropped, 1, memory_order_relaxed);
            ft_decref(x);     /* the last strong reference, unless a reader has one */
        } else {
            race_read(c, b, &r, ncells);
        }
        if ((it & 63) == 0)
            ft_safepoint();
    }
    for (int i = 0; i < CELLS_PER_THREAD; i++) {
        if (held[i]) {
            Payload *p = ft_instance_cdata(held[i]);
            atomic_store_explicit(&c->refs[p->id].dropped, 1, memory_order_relaxed);
            ft_decref(held[i]);
        }
    }
    stress_count(c->iters);
}

static void weakref_race(void)
{
    make_class();
    RaceCtx c = { 0 };
    int n = stress_threads();
    c.iters = stress_iters(400000, 6000);
    c.maxids = (uint32_t)(c.iters * n / 8 + 16);
    c.refs = calloc(c.maxids, sizeof *c.refs);
    c.bags = calloc((size_t)n, sizeof *c.bags);
    c.cells = ft_list_new((FtSsize)n * CELLS_PER_THREAD);
    STRESS_OK(c.cells && c.refs && c.bags);
    stress_run_threads(n, race_thread, &c);
    /* Everything is dead: every thread dropped what it held and detached
     * (which merged whatever it owned). */
    for (int i = 0; i < 8 && ft_stats_live_of_type(cls) > 0; i++) {
        ft_safepoint();
        ft_gc_collect();
    }
    uint32_t nid = atomic_load(&c.next_id);     /* after the join */
    if (nid > c.maxids)
        nid = c.maxids;
    STRESS_CHECK(ft_stats_live_of_type(cls) == 0, "%lld referents alive after "
                 "every strong reference was dropped",
                 (long long)ft_stats_live_of_type(cls));
    for (uint32_t id = 0; id < nid; id++) {
        int calls = atomic_load(&c.refs[id].calls);
        STRESS_CHECK(calls == 1, "sentinel of referent %u ran %d times", id, calls);
    }
    long kept = 0, dropped = 0, ran_dropped = 0;
    for (int t = 0; t < n; t++) {
        ThreadBag *b = &c.bags[t];
        for (long i = 0; i < b->nrecs; i++) {
            int calls = atomic_load_explicit(&b->recs[i]->calls, memory_order_relaxed);
            if (b->recs[i]->keep) {
                STRESS_CHECK(calls == 1, "callback of a live weak reference ran "
                             "%d times (expected exactly once)", calls);
                kept++;
            } else {
                STRESS_CHECK(calls <= 1, "callback of a dropped weak reference ran "
                             "%d times", calls);
                dropped++;
                ran_dropped += calls;
            }
        }
    }
    (void)kept;
    (void)dropped;
    (void)ran_dropped;
    for (int t = 0; t < n; t++) {
        ThreadBag *b = &c.bags[t];
        for (long i = 0; i < b->n; i++) {
            STRESS_CHECK(ft_weakref_get(b->objs[i]) == NULL, "a weak reference "
                         "to a dead referent returns an object");
            ft_decref(b->objs[i]);
        }
        for (long i = 0; i < b->nrecs; i++)
            free(b->recs[i]);
        free(b->objs);
        free(b->recs);
    }
    ft_decref(c.cells);
    free(c.bags);
    free(c.refs);
    drop_class();
}

/* ================= weakref_death ================= */

#define DEATH_WRS 6       /* callback weak references per thread and round */

/* A reusable spin barrier for attached threads: it polls safepoints while
 * spinning (a stop-the-world or, in mode gil, the lock can get through).
 * seq_cst counters: everything before a thread's arrival happens before
 * everything after any thread's departure. */
typedef struct SpinBarrier { _Atomic int count, gen; int n; } SpinBarrier;

static void spin_barrier(SpinBarrier *b)
{
    int gen = atomic_load(&b->gen);
    if (atomic_fetch_add(&b->count, 1) == b->n - 1) {
        atomic_store(&b->count, 0);
        atomic_fetch_add(&b->gen, 1);
        return;
    }
    for (int spins = 0; atomic_load(&b->gen) == gen; spins++) {
        /* Mode gil: only a blocking region hands the lock over at once. */
        if (FT_MODE_GIL || spins >= 64) {
            stress_sleep_us(FT_MODE_GIL ? 1 : 20);
        } else {
            ft_safepoint();
            sched_yield();
        }
    }
}

typedef struct DeathCtx {
    SpinBarrier bar;
    long rounds;
    _Atomic(FtObject *) cur;  /* this round's referent (producer's ref) */
    RefRec *refs;             /* one per round */
} DeathCtx;

static void death_thread(void *ctx, int idx)
{
    DeathCtx *c = ctx;
    int n = c->bar.n;
    StressRng r = stress_rng_for(idx);
    for (long round = 0; round < c->rounds; round++) {
        int producer = (int)(round % n);
        RefRec *rec = &c->refs[round];
        FtObject *mine = NULL;
        if (idx == producer) {
            mine = new_referent((uint32_t)round, -1);
            FtObject *sent = ft_weakref_new(mine, sentinel_cb, rec);
            STRESS_OK(sent);
            /* seq_cst store; the barrier orders it for the others. The
             * sentinel weak reference is kept by its referent's list only:
             * we keep a reference to it until the round ends. */
            atomic_store(&c->cur, mine);
            spin_barrier(&c->bar);                       /* A */
            CbRec recs[DEATH_WRS];
            FtObject *wrs[DEATH_WRS];
            for (int i = 0; i < DEATH_WRS; i++) {
                atomic_init(&recs[i].calls, 0);
                recs[i].keep = i & 1;
                wrs[i] = ft_weakref_new(mine, counting_cb, &recs[i]);
                STRESS_OK(wrs[i]);
            }
            spin_barrier(&c->bar);                       /* B */
            ft_decref(mine);      /* the last strong reference */
            for (int i = 0; i < DEATH_WRS; i++)
                if (!recs[i].keep)
                    FT_CLEAR(wrs[i]);
            spin_barrier(&c->bar);                       /* C */
            for (long spins = 0; !atomic_load_explicit(&rec->dead, memory_order_acquire); spins++)
                stress_sleep_us(spins < 10 ? 1 : 100);
            for (int i = 0; i < DEATH_WRS; i++) {
                int calls = atomic_load_explicit(&recs[i].calls, memory_order_relaxed);
                STRESS_CHECK(recs[i].keep ? calls == 1 : calls <= 1, "round %ld: "
                             "callback of a %s weak reference ran %d times", round,
                             recs[i].keep ? "live" : "dropped", calls);
                if (wrs[i]) {
                    STRESS_CHECK(ft_weakref_get(wrs[i]) == NULL, "dead referent "
                                 "reachable");
                    ft_decref(wrs[i]);
                }
            }
            ft_decref(sent);
            spin_barrier(&c->bar);                       /* D */
            continue;
        }
        spin_barrier(&c->bar);                           /* A */
        FtObject *x = atomic_load(&c->cur);    /* stored before barrier A */
        ft_incref(x);             /* safe: the producer holds it until B */
        CbRec recs[DEATH_WRS];
        FtObject *wrs[DEATH_WRS];
        for (int i = 0; i < DEATH_WRS; i++) {
            atomic_init(&recs[i].calls, 0);
            recs[i].keep = (int)stress_below(&r, 2);
            wrs[i] = ft_weakref_new(x, counting_cb, &recs[i]);
            STRESS_OK(wrs[i]);
        }
        ft_decref(x);
        spin_barrier(&c->bar);                           /* B */
        /* Drop ours while the producer drops the referent. */
        for (int i = 0; i < DEATH_WRS; i++)
            if (!recs[i].keep)
                FT_CLEAR(wrs[i]);
        spin_barrier(&c->bar);                           /* C */
        /* acquire: pairs with the sentinel's release; it runs last of all
         * this referent's callbacks (see the file head), so every callback
         * has run, and its increments are visible, once dead is set. */
        for (long spins = 0; !atomic_load_explicit(&rec->dead, memory_order_acquire); spins++)
            stress_sleep_us(spins < 10 ? 1 : 100);
        for (int i = 0; i < DEATH_WRS; i++) {
            int calls = atomic_load_explicit(&recs[i].calls, memory_order_relaxed);
            STRESS_CHECK(recs[i].keep ? calls == 1 : calls <= 1, "round %ld: "
                         "callback of a %s weak reference ran %d times", round,
                         recs[i].keep ? "live" : "dropped", calls);
            if (wrs[i])
                ft_decref(wrs[i]);
        }
        spin_barrier(&c->bar);                           /* D */
    }
    stress_count(c->rounds);
}

static void weakref_death(void)
{
    make_class();
    DeathCtx c;
    memset(&c, 0, sizeof c);
    c.bar.n = stress_threads();
    /* Mode gil: every barrier costs lock hand-overs (blocking sleeps). */
    c.rounds = stress_iters(FT_MODE_GIL ? 10000 : 60000, 800);
    c.refs = calloc((size_t)c.rounds, sizeof *c.refs);
    STRESS_CHECK(c.refs, "out of memory");
    stress_run_threads(c.bar.n, death_thread, &c);
    for (long i = 0; i < c.rounds; i++)
        STRESS_CHECK(atomic_load(&c.refs[i].calls) == 1, "sentinel of round %ld "
                     "ran %d times", i, atomic_load(&c.refs[i].calls));
    free(c.refs);
    drop_class();
}

/* ================= wvd_race ================= */

#define NKW 64

typedef struct WvdCtx {
    FtObject *wvd;
    FtObject *keys[NKW];
    long iters;
    _Atomic uint32_t next_id;
} WvdCtx;

static void wvd_thread(void *ctx, int idx)
{
    WvdCtx *c = ctx;
    StressRng r = stress_rng_for(idx);
    int n = stress_threads();
    FtObject *own[NKW] = { 0 };   /* our live value per own key */
    uint32_t last_id[NKW];
    int ever[NKW] = { 0 };
    for (long it = 0; it < c->iters; it++) {
        if ((it & 63) == 0)
            ft_safepoint();
        unsigned op = (unsigned)stress_below(&r, 16);
        int nmine = (NKW - idx + n - 1) / n;
        int k = idx + n * (int)stress_below(&r, (uint64_t)nmine);
        if (op < 3) {
            /* Relaxed: the counter only hands out unique ids. */
            uint32_t id = atomic_fetch_add_explicit(&c->next_id, 1, memory_order_relaxed);
            FtObject *v = new_referent(id, k);
            STRESS_OK(ft_weakvaluedict_set(c->wvd, c->keys[k], v) == 0);
            if (own[k])
                ft_decref(own[k]);
            own[k] = v;
            last_id[k] = id;
            ever[k] = 1;
        } else if (op < 6) {
            /* Our key, nobody else writes it. */
            FtObject *g = ft_weakvaluedict_get(c->wvd, c->keys[k]);
            STRESS_CHECK(!ft_error_occurred(), "%s", ft_error_message());
            if (own[k]) {
                STRESS_CHECK(g == own[k], "get of own key %d with a live value "
                             "returned %s", k, g ? "another object" : "nothing");
            } else if (g) {
                /* Dropped by us, maybe still held by a reader elsewhere. */
                Payload *p = check_referent(g);
                STRESS_CHECK(ever[k] && p->id == last_id[k], "own key %d: got "
                             "value %u, last stored %u", k, p->id,
                             ever[k] ? last_id[k] : 0);
            }
            if (g)
                ft_decref(g);
        } else if (op < 8) {
            if (own[k]) {
                FtObject *v = own[k];
                own[k] = NULL;
                ft_decref(v);
            }
        } else if (op < 15) {
            int j = (int)stress_below(&r, NKW);
            FtObject *g = ft_weakvaluedict_get(c->wvd, c->keys[j]);
            STRESS_CHECK(!ft_error_occurred(), "%s", ft_error_message());
            if (g) {
                Payload *p = check_referent(g);
                STRESS_CHECK(p->key == j, "get of key %d returned the value of "
                             "key %d", j, p->key);
                ft_decref(g);
            }
        } else {
            FtSsize len = ft_weakvaluedict_len(c->wvd);
            STRESS_CHECK(len >= 0 && len <= NKW, "len %td", len);
        }
    }
    for (int k = 0; k < NKW; k++) {
        if (!own[k])
            continue;
        FtObject *g = ft_weakvaluedict_get(c->wvd, c->keys[k]);
        STRESS_CHECK(g == own[k], "final get of own key %d", k);
        ft_decref(g);
        ft_decref(own[k]);
    }
    stress_count(c->iters);
}

static void wvd_race(void)
{
    make_class();
    WvdCtx *c = calloc(1, sizeof *c);
    c->iters = stress_iters(600000, 6000);
    c->wvd = ft_weakvaluedict_new();
    STRESS_OK(c->wvd);
    for (int k = 0; k < NKW; k++) {
        c->keys[k] = ft_str_from_format("wvd-key-%d", k);
        STRESS_OK(c->keys[k]);
    }
    stress_run_threads(stress_threads(), wvd_thread, c);
    for (int i = 0; i < 8 && ft_stats_live_of_type(cls) > 0; i++) {
        ft_safepoint();
        ft_gc_collect();
    }
    STRESS_CHECK(ft_stats_live_of_type(cls) == 0, "%lld values alive",
                 (long long)ft_stats_live_of_type(cls));
    FtSsize len = ft_weakvaluedict_len(c->wvd);
    STRESS_CHECK(len == 0, "every value died, yet %td entries remain", len);
    for (int k = 0; k < NKW; k++) {
        FtObject *g = ft_weakvaluedict_get(c->wvd, c->keys[k]);
        STRESS_CHECK(!g, "key %d still maps to a value", k);
        STRESS_CHECK(ft_refcount(c->keys[k]) == 1, "key %d refcount %td", k,
                     ft_refcount(c->keys[k]));
        ft_decref(c->keys[k]);
    }
    ft_decref(c->wvd);
    free(c);
    drop_class();
}

int main(int argc, char **argv)
{
    stress_init(argc, argv, "weakref");
    stress_scenario("weakref_race", weakref_race, STRESS_LIVE_EXACT);
    stress_scenario("weakref_death", weakref_death, STRESS_LIVE_EXACT);
    stress_scenario("wvd_race", wvd_race, STRESS_LIVE_EXACT);
    return stress_finish();
}
