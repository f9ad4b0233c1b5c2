/* stress/stress_containers.c: containers under concurrent mutation
 * (docs/testing.md, docs/concurrency.md).
 *
 * Every value a writer stores is a heap int (never a small-int singleton)
 * that encodes where it came from: enc(tag, writer, seq) = BASE + (seq, tag,
 * writer, 4-bit check). tag is the key/attribute/slot the value belongs to,
 * writer 15 marks the pool (values created by main, compared by pointer).
 * A reader decodes every value it gets and checks that (a) it decodes, (b)
 * it belongs to the key it looked up, and (c) its writer had created it:
 * seq < made[writer]. (c) is sound because the writer bumps made[] with a
 * release store before it hands the value to the container, and the
 * container's publication (release store / lock) happens-before the
 * reader's load of the value, so the reader's acquire load of made[] sees
 * at least seq + 1.
 *
 * Scenarios:
 *   list_mixed  append/insert/pop/set_item/slice get+assign/sort vs lock-free
 *               get_item, len, iterators; exact final length, contents,
 *               refcounts.
 *   list_iter   appends + pop(0) vs iterators: per-writer order strictly
 *               increasing (no duplicate, no reordering), exact final state.
 *   dict_rw     str-keyed dict (partitioned writers, always-present keys)
 *               and int-keyed dict (one writer: insert/delete/clear/bulk
 *               resizes) vs lock-free lookups with equal copies of the keys
 *               and ft_dict_next; exact final contents and refcounts.
 *   set_rw      add/discard/bulk resizes vs membership: always-present
 *               found, never-present never found; exact len and refcounts.
 *   set_repr    one writer clears and refills a set, the others take its
 *               repr (and compare it with an equal frozen snapshot): the
 *               repr is "set()" or "{...}" of the elements, never "{}"
 *               (gh-129967: emptiness decided from an earlier len).
 *   attrs       __dict__ and __slots__ instances: attribute writes/deletes vs
 *               reads; a read returns a value written for that attribute;
 *               final value is some writer's last write; exact refcounts.
 *   attrs_materialize  split keys (runtime/class.c): writers set their own
 *               attributes of a fresh __dict__ instance while one thread
 *               makes its __dict__ (the values move into a dict); every
 *               round, each attribute and the dict's entry must be its
 *               writer's last write (a write that raced with the move is
 *               never lost), exact refcounts.
 */
#include "harness.h"

#include <pthread.h>
#include <sched.h>
#include <string.h>

#define BASE ((int64_t)1 << 40)
#define POOL_W 15u
#define MAXW 14

/* ---- value encoding ---- */

static uint64_t chk4(uint64_t x)
{
    x ^= x >> 17;
    x *= 0xED5AD4BBu;
    x ^= x >> 11;
    return x & 0xF;
}

static int64_t enc(uint64_t tag, uint64_t w, uint64_t seq)
{
    uint64_t x = (seq << 16) | ((tag & 0xFF) << 8) | ((w & 0xF) << 4);
    return BASE + (int64_t)(x | chk4(x));
}

typedef struct Dec { uint64_t tag, w, seq; } Dec;

/* 1 if v is an int carrying a valid encoding. */
static int dec(FtObject *v, Dec *d)
{
    int64_t x;
    if (!ft_is_int(v) || ft_int_as_i64(v, &x) < 0) {
        ft_error_clear();
        return 0;
    }
    if (x < BASE)
        return 0;
    uint64_t u = (uint64_t)(x - BASE);
    if (chk4(u & ~(uint64_t)0xF) != (u & 0xF))
        return 0;
    d->seq = u >> 16;
    d->tag = (u >> 8) & 0xFF;
    d->w = (u >> 4) & 0xF;
    return 1;
}

/* Shared by every scenario: values created per writer, and the pool. */
static _Atomic uint64_t made[16];
static FtObject **pool;
static int npool;

static void reset_made(void)
{
    /* Relaxed: before the threads start (thread creation orders it). */
    for (int i = 0; i < 16; i++)
        atomic_store_explicit(&made[i], 0, memory_order_relaxed);
}

/* A fresh value for tag from writer w. Release: see the file head. */
static FtObject *fresh(uint64_t tag, int w)
{
    /* Relaxed load: made[w] is written by writer w only. */
    uint64_t seq = atomic_load_explicit(&made[w], memory_order_relaxed);
    atomic_store_explicit(&made[w], seq + 1, memory_order_release);
    FtObject *v = ft_int_from_i64(enc(tag, (uint64_t)w, seq));
    STRESS_OK(v);
    return v;
}

static void make_pool(int n)
{
    npool = n;
    pool = calloc((size_t)n, sizeof *pool);
    for (int i = 0; i < n; i++) {
        pool[i] = ft_int_from_i64(enc((uint64_t)i, POOL_W, (uint64_t)i));
        STRESS_OK(pool[i]);
    }
}

static void free_pool(void)
{
    for (int i = 0; i < npool; i++) {
        STRESS_CHECK(ft_refcount(pool[i]) == 1, "pool value %d refcount %td, "
                     "expected 1 after the containers died", i,
                     ft_refcount(pool[i]));
        ft_decref(pool[i]);
    }
    free(pool);
    pool = NULL;
}

/* Check a value read from a container: decodes, was created, and (tag >= 0)
 * belongs to tag. Returns the decoding. */
#define CHECK_VALUE(v, want_tag, d) check_value(__FILE__, __LINE__, v, want_tag, d)
static void check_value(const char *file, int line, FtObject *v, long want_tag, Dec *d)
{
    if (!dec(v, d))
        stress_fail(file, line, "read a value that no writer stored (%p, type %s)",
                    (void *)v, ft_type_name(ft_type_of(v)));
    if (d->w == POOL_W) {
        if (d->seq >= (uint64_t)npool || pool[d->seq] != v)
            stress_fail(file, line, "pool-encoded value %p is not pool[%llu]",
                        (void *)v, (unsigned long long)d->seq);
    } else {
        /* acquire: pairs with the release in fresh() (file head). */
        uint64_t m = d->w < 16 ? atomic_load_explicit(&made[d->w], memory_order_acquire) : 0;
        if (d->w >= MAXW || d->seq >= m)
            stress_fail(file, line, "value (writer %llu, seq %llu) was never created "
                        "(writer made %llu)", (unsigned long long)d->w,
                        (unsigned long long)d->seq, (unsigned long long)m);
    }
    if (want_tag >= 0 && d->tag != (uint64_t)want_tag)
        stress_fail(file, line, "read the value of tag %llu where tag %ld was "
                    "looked up", (unsigned long long)d->tag, want_tag);
}

static int nwriters(void)
{
    int n = stress_threads() / 2;
    if (n < 1)
        n = 1;
    return n > MAXW ? MAXW : n;
}

static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)*(FtObject *const *)a, y = (uintptr_t)*(FtObject *const *)b;
    return x < y ? -1 : x > y;
}

/* ================= list_mixed ================= */

#define FLOOR 64          /* the list never has fewer items (see writer) */
#define LIST_SOFTMAX 96   /* a writer's net additions stay about this */

typedef struct ListCtx {
    FtObject *list;
    int nw;
    /* ft_list_sort empties the list while it sorts (docs: CPython's
     * semantics), and a writer that gets in meanwhile (the sort allocates,
     * which may suspend its critical section) has its write dropped. So
     * writers hold `gate` shared, a sort holds it exclusive; readers accept
     * a short list only if a sort overlapped the read: sorts_begun read
     * after the read > sorts_ended read before it (seq_cst counters). */
    pthread_rwlock_t gate;
    _Atomic long sorts_begun, sorts_ended;
    long witers, riters;
    _Atomic int wdone;    /* writers finished: readers run until all are */
    long net[MAXW];       /* per writer: added - removed (written by it only) */
} ListCtx;

static FtObject *pair_of_fresh(int w, FtObject **a, FtObject **b)
{
    *a = fresh(0, w);
    *b = fresh(0, w);
    FtObject *t = ft_tuple_pack(2, *a, *b);
    STRESS_OK(t);
    return t;
}

static void gate_lock(ListCtx *c, int exclusive)
{
    int rc = exclusive ? pthread_rwlock_trywrlock(&c->gate)
                       : pthread_rwlock_tryrdlock(&c->gate);
    if (rc == 0)
        return;
    ft_blocking_begin();        /* never stall a stop-the-world */
    if (exclusive)
        pthread_rwlock_wrlock(&c->gate);
    else
        pthread_rwlock_rdlock(&c->gate);
    ft_blocking_end();
}

/* 1 if a sort overlapped a read that began after *ended_before was read. */
static int sort_overlapped(ListCtx *c, long ended_before)
{
    return atomic_load(&c->sorts_begun) > ended_before;
}

static void list_writer(ListCtx *c, int w, StressRng *r)
{
    FtObject *l = c->list;
    long net = 0;
    for (long it = 0; it < c->witers; it++) {
        unsigned op = (unsigned)stress_below(r, 100);
        /* Sorts are rare: each drains the other writers through the gate
         * (and in mode gil costs a few lock hand-overs). */
        if (op == 90 && stress_below(r, 8) == 0) {
            gate_lock(c, 1);
            atomic_fetch_add(&c->sorts_begun, 1);
            STRESS_OK(ft_list_sort(l, NULL, NULL, (int)stress_below(r, 2)) == 0);
            atomic_fetch_add(&c->sorts_ended, 1);
            pthread_rwlock_unlock(&c->gate);
            continue;
        }
        gate_lock(c, 0);
        /* Pops only against own additions: len >= FLOOR + sum of nets >=
         * FLOOR at all times, so indices below FLOOR are always valid. */
        if (net > LIST_SOFTMAX)
            op = 50;
        else if (op >= 45 && op < 70 && net <= 0)
            op = 0;
        Dec d;
        if (op < 25) {
            FtObject *v = fresh(0, w);
            STRESS_OK(ft_list_append(l, v) == 0);
            ft_decref(v);
            net++;
        } else if (op < 45) {
            FtObject *v = fresh(0, w);
            STRESS_OK(ft_list_insert(l, (FtSsize)stress_below(r, FLOOR + 8), v) == 0);
            ft_decref(v);
            net++;
        } else if (op < 70) {
            FtObject *v = ft_list_pop(l, (FtSsize)stress_below(r, FLOOR));
            STRESS_OK(v);
            CHECK_VALUE(v, -1, &d);
            ft_decref(v);
            net--;
        } else if (op < 80) {
            FtObject *v = stress_below(r, 4) ? fresh(0, w)
                        : ft_newref(pool[stress_below(r, (uint64_t)npool)]);
            STRESS_OK(ft_list_set_item(l, (FtSsize)stress_below(r, FLOOR), v) == 0);
            ft_decref(v);
        } else if (op < 85) {
            /* Extended slice: exactly two items (start + 4 <= FLOOR). */
            FtObject *a, *b, *t = pair_of_fresh(w, &a, &b);
            FtSsize s = (FtSsize)stress_below(r, FLOOR - 4);
            STRESS_OK(ft_list_set_slice(l, s, s + 4, 2, t) == 0);
            ft_decref(t);
            ft_decref(a);
            ft_decref(b);
        } else if (op < 90) {
            /* Plain slice of two replaced by two: net 0 below FLOOR. */
            FtObject *a, *b, *t = pair_of_fresh(w, &a, &b);
            FtSsize s = (FtSsize)stress_below(r, FLOOR - 2);
            STRESS_OK(ft_list_set_slice(l, s, s + 2, 1, t) == 0);
            ft_decref(t);
            ft_decref(a);
            ft_decref(b);
        } else {
            FtSsize s = (FtSsize)stress_below(r, FLOOR - 8);
            FtObject *sl = ft_list_get_slice(l, s, s + 8, 1);
            STRESS_OK(sl);
            STRESS_CHECK(ft_len(sl) == 8, "slice [%td:%td] of a list of >= %d "
                         "items has %td", s, s + 8, FLOOR, ft_len(sl));
            for (FtSsize i = 0; i < 8; i++) {
                FtObject *v = ft_list_get_item(sl, i);
                STRESS_OK(v);
                CHECK_VALUE(v, -1, &d);
                ft_decref(v);
            }
            ft_decref(sl);
        }
        pthread_rwlock_unlock(&c->gate);
    }
    c->net[w] = net;
    stress_count(c->witers);
    atomic_fetch_add_explicit(&c->wdone, 1, memory_order_relaxed);
}

static void list_reader(ListCtx *c, int idx, StressRng *r)
{
    FtObject *l = c->list;
    Dec d;
    FtSsize maxlen = FLOOR + (FtSsize)c->nw * (LIST_SOFTMAX + 2);
    /* Relaxed: the flag only ends the loop; no data depends on it. */
    long it;
    for (it = 0; it < c->riters
                 || atomic_load_explicit(&c->wdone, memory_order_relaxed) < c->nw; it++) {
        unsigned op = (unsigned)stress_below(r, 100);
        if ((it & 63) == 0)
            ft_safepoint();   /* lock-free reads never poll: let STW in */
        long e0 = atomic_load(&c->sorts_ended);
        if (op < 55) {
            FtSsize i = (FtSsize)stress_below(r, FLOOR);
            FtObject *v = ft_list_get_item(l, i);
            if (!v && sort_overlapped(c, e0)) {
                ft_error_clear();
                continue;
            }
            STRESS_CHECK(v != NULL, "index %td < FLOOR %d missing: %s", i, FLOOR,
                         ft_error_message());
            CHECK_VALUE(v, -1, &d);
            ft_decref(v);
        } else if (op < 75) {
            FtSsize i = FLOOR + (FtSsize)stress_below(r, (uint64_t)maxlen - FLOOR);
            FtObject *v = ft_list_get_item(l, i);
            if (v) {
                CHECK_VALUE(v, -1, &d);
                ft_decref(v);
            } else {
                STRESS_CHECK(ft_error_kind() == FT_ERR_INDEX, "%s", ft_error_message());
                ft_error_clear();
            }
        } else if (op < 85) {
            FtSsize n = ft_len(l);
            STRESS_CHECK((n >= FLOOR || sort_overlapped(c, e0)) && n <= maxlen,
                         "len %td outside [%d, %td]", n, FLOOR, maxlen);
        } else if (op < 97) {
            FtObject *iter = ft_iter(l);
            STRESS_OK(iter);
            FtSsize n = 0;
            FtObject *v;
            while ((v = ft_iter_next(iter)) != NULL) {
                CHECK_VALUE(v, -1, &d);
                ft_decref(v);
                n++;
            }
            STRESS_CHECK(!ft_error_occurred(), "list iteration: %s", ft_error_message());
            /* Index-based: it may skip or repeat under shifts, but it stops. */
            STRESS_CHECK(n <= 2 * maxlen, "iterator yielded %td items", n);
            ft_decref(iter);
        } else {
            FtObject *sl = ft_list_get_slice(l, 0, FLOOR, 1);
            STRESS_OK(sl);
            STRESS_CHECK(ft_len(sl) == FLOOR || sort_overlapped(c, e0),
                         "slice len %td", ft_len(sl));
            for (FtSsize i = 0; i < ft_len(sl); i++) {
                FtObject *v = ft_list_get_item(sl, i);
                STRESS_OK(v);
                CHECK_VALUE(v, -1, &d);
                ft_decref(v);
            }
            ft_decref(sl);
        }
    }
    (void)idx;
    stress_count(it);
}

static void list_mixed_thread(void *ctx, int idx)
{
    ListCtx *c = ctx;
    StressRng r = stress_rng_for(idx);
    if (idx < c->nw)
        list_writer(c, idx, &r);
    else
        list_reader(c, idx, &r);
}

/* Final state shared by the list scenarios: every item valid, no object
 * twice, fresh items counted once (refcount 1), pool items counted once per
 * occurrence. */
static void check_list_final(FtObject *l, FtSsize want_len)
{
    FtSsize n = ft_len(l);
    STRESS_CHECK(n == want_len, "final length %td, expected %td", n, want_len);
    FtObject **items = calloc((size_t)n + 1, sizeof *items);
    long *pool_occ = calloc((size_t)npool, sizeof *pool_occ);
    for (FtSsize i = 0; i < n; i++) {
        FtObject *v = ft_list_get_item(l, i);
        STRESS_OK(v);
        Dec d;
        CHECK_VALUE(v, -1, &d);
        if (d.w == POOL_W) {
            pool_occ[d.seq]++;
        } else {
            items[i] = v;
            /* list + ours */
            STRESS_CHECK(ft_refcount(v) == 2, "item %td (writer %llu seq %llu) "
                         "refcount %td, expected 1 + ours", i,
                         (unsigned long long)d.w, (unsigned long long)d.seq,
                         ft_refcount(v) - 1);
        }
        ft_decref(v);
    }
    qsort(items, (size_t)n, sizeof *items, cmp_ptr);
    for (FtSsize i = 1; i < n; i++)
        STRESS_CHECK(!items[i] || items[i] != items[i - 1],
                     "object %p stored once is in the list twice", (void *)items[i]);
    for (int i = 0; i < npool; i++)
        STRESS_CHECK(ft_refcount(pool[i]) == 1 + pool_occ[i], "pool[%d] refcount "
                     "%td, expected 1 + %ld occurrences", i, ft_refcount(pool[i]),
                     pool_occ[i]);
    free(items);
    free(pool_occ);
}

static void list_mixed(void)
{
    reset_made();
    make_pool(FLOOR);
    ListCtx c = { 0 };
    c.nw = nwriters();
    c.witers = stress_iters(600000, 5000);
    c.riters = stress_iters(1000, 100);
    pthread_rwlockattr_t ga;
    pthread_rwlockattr_init(&ga);
    pthread_rwlockattr_setkind_np(&ga, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&c.gate, &ga);
    pthread_rwlockattr_destroy(&ga);
    c.list = ft_list_new(0);
    STRESS_OK(c.list);
    for (int i = 0; i < FLOOR; i++)
        STRESS_OK(ft_list_append(c.list, pool[i]) == 0);
    stress_run_threads(stress_threads(), list_mixed_thread, &c);
    FtSsize want = FLOOR;
    for (int w = 0; w < c.nw; w++)
        want += c.net[w];
    check_list_final(c.list, want);
    ft_decref(c.list);
    pthread_rwlock_destroy(&c.gate);
    free_pool();
}

/* ================= list_iter ================= */

#define ITER_MAXLEN 128

typedef struct IterCtx {
    FtObject *list;
    int nw;
    long witers, riters;
    _Atomic int wdone;    /* writers finished: readers run until all are */
    long appended[MAXW], popped[MAXW];
} IterCtx;

/* Items of one writer sit in the list in seq order (appends at the end,
 * removals only at the front), and a slot's contents only ever move to
 * later items. A lock-free walk may see one item twice in a row: pop(0)
 * shifts the slots left one by one in increasing index order
 * (ft__ptr_move), so a reader can read slot j after the shift and slot
 * j + 1 before it. Never older than that: the moves are release stores
 * made in index order under the lock, so the reader's acquire load of slot
 * j orders every earlier move (any writer's) before its load of slot j + 1,
 * which then sees at least the value slot j + 1 had just before the move
 * that wrote slot j, i.e. the value read at j. So per writer the seqs seen
 * are non-decreasing, and a repeat is only allowed for the item seen just
 * before; anything else is a reordering or an invented item. */
typedef struct OrderState { uint64_t last[MAXW]; int prev_w; } OrderState;

static void order_reset(OrderState *o)
{
    for (int w = 0; w < MAXW; w++)
        o->last[w] = UINT64_MAX;
    o->prev_w = -1;
}

static void check_order(FtObject *v, OrderState *o, const char *what)
{
    Dec d;
    CHECK_VALUE(v, 1, &d);
    STRESS_CHECK(d.w < MAXW, "pool value in list_iter");
    uint64_t last = o->last[d.w];
    STRESS_CHECK(last == UINT64_MAX || d.seq > last
                 || (d.seq == last && o->prev_w == (int)d.w),
                 "%s: writer %llu seq %llu after seq %llu (reordered, or a "
                 "repeat that is not immediate)", what, (unsigned long long)d.w,
                 (unsigned long long)d.seq, (unsigned long long)last);
    o->last[d.w] = d.seq;
    o->prev_w = (int)d.w;
}

static void list_iter_thread(void *ctx, int idx)
{
    IterCtx *c = ctx;
    StressRng r = stress_rng_for(idx);
    FtObject *l = c->list;
    if (idx < c->nw) {
        for (long it = 0; it < c->witers; it++) {
            FtObject *v = fresh(1, idx);
            STRESS_OK(ft_list_append(l, v) == 0);
            ft_decref(v);
            c->appended[idx]++;
            /* Only pop what we know is there: other writers pop too, but
             * each pops only after seeing len > ITER_MAXLEN, and there are
             * fewer writers than ITER_MAXLEN. */
            if (ft_len(l) > ITER_MAXLEN) {
                FtObject *p = ft_list_pop(l, 0);
                STRESS_OK(p);
                Dec d;
                CHECK_VALUE(p, 1, &d);
                ft_decref(p);
                c->popped[idx]++;
            }
        }
        stress_count(c->witers);
        atomic_fetch_add_explicit(&c->wdone, 1, memory_order_relaxed);
        return;
    }
    OrderState ord;
    /* Relaxed: the flag only ends the loop; no data depends on it. */
    long it;
    for (it = 0; it < c->riters
                 || atomic_load_explicit(&c->wdone, memory_order_relaxed) < c->nw; it++) {
        order_reset(&ord);
        if (stress_below(&r, 4)) {
            FtObject *iter = ft_iter(l);
            STRESS_OK(iter);
            FtObject *v;
            FtSsize n = 0;
            while ((v = ft_iter_next(iter)) != NULL) {
                check_order(v, &ord, "iterator");
                ft_decref(v);
                if ((++n & 63) == 0)
                    ft_safepoint();
            }
            STRESS_CHECK(!ft_error_occurred(), "%s", ft_error_message());
            ft_decref(iter);
        } else {
            /* Indexed walk: also monotonic per writer. */
            for (FtSsize i = 0;; i++) {
                FtObject *v = ft_list_get_item(l, i);
                if (!v) {
                    STRESS_CHECK(ft_error_kind() == FT_ERR_INDEX, "%s", ft_error_message());
                    ft_error_clear();
                    break;
                }
                check_order(v, &ord, "get_item walk");
                ft_decref(v);
            }
            ft_safepoint();
        }
    }
    stress_count(it);
}

static void list_iter(void)
{
    reset_made();
    make_pool(1);
    IterCtx c = { 0 };
    c.nw = nwriters();
    c.witers = stress_iters(500000, 5000);
    c.riters = stress_iters(100, 20);
    c.list = ft_list_new(0);
    STRESS_OK(c.list);
    stress_run_threads(stress_threads(), list_iter_thread, &c);
    FtSsize want = 0;
    for (int w = 0; w < c.nw; w++)
        want += c.appended[w] - c.popped[w];
    check_list_final(c.list, want);
    OrderState ord;
    order_reset(&ord);
    for (FtSsize i = 0; i < want; i++) {
        FtObject *v = ft_list_get_item(c.list, i);
        check_order(v, &ord, "final list");
        ft_decref(v);
    }
    ft_decref(c.list);
    free_pool();
}

/* ================= dict_rw ================= */

#define NK1 64            /* str keys of d1 */
#define NA1 16            /* of which always present */
#define NK2 128           /* int keys of d2 (one writer) */

typedef struct DictCtx {
    FtObject *d1, *d2;
    FtObject *k1[NK1], *k2[NK2];
    int nw;
    long witers, riters;
    _Atomic int wdone;    /* writers finished: readers run until all are */
    /* Final expectations, written by the key's writer, read after join. */
    FtObject *want1[NK1];
    FtObject *want2[NK2];
} DictCtx;

static FtObject *key1_text(int k)
{
    FtObject *s = ft_str_from_format("key-%03d-\xc3\xa9t\xc3\xa9", k); /* latin-1 kind */
    STRESS_OK(s);
    return s;
}

static void d1_write(DictCtx *c, int w, StressRng *r)
{
    /* Keys of writer w: k % nw == w. */
    int nmine = (NK1 - w + c->nw - 1) / c->nw;
    int k = w + c->nw * (int)stress_below(r, (uint64_t)nmine);
    if (k < NA1 || !c->want1[k] || stress_below(r, 2)) {
        FtObject *v = stress_below(r, 8) ? fresh((uint64_t)k, w) : ft_newref(pool[k]);
        STRESS_OK(ft_dict_set_item(c->d1, c->k1[k], v) == 0);
        c->want1[k] = v;      /* alive: the dict holds it until replaced */
        ft_decref(v);
    } else {
        STRESS_OK(ft_dict_del_item(c->d1, c->k1[k]) == 0);
        c->want1[k] = NULL;
    }
}

static void d2_write(DictCtx *c, int w, StressRng *r, long it)
{
    if (it % 997 == 996) {
        STRESS_OK(ft_dict_clear(c->d2) == 0);
        memset(c->want2, 0, sizeof c->want2);
        return;
    }
    if (it % 331 == 330) {
        /* Bulk fill: resizes from whatever size it had. */
        for (int k = 0; k < NK2; k++) {
            FtObject *v = fresh((uint64_t)k, w);
            STRESS_OK(ft_dict_set_item(c->d2, c->k2[k], v) == 0);
            c->want2[k] = v;
            ft_decref(v);
        }
        return;
    }
    int k = (int)stress_below(r, NK2);
    if (!c->want2[k] || stress_below(r, 2)) {
        FtObject *v = fresh((uint64_t)k, w);
        STRESS_OK(ft_dict_set_item(c->d2, c->k2[k], v) == 0);
        c->want2[k] = v;
        ft_decref(v);
    } else {
        STRESS_OK(ft_dict_del_item(c->d2, c->k2[k]) == 0);
        c->want2[k] = NULL;
    }
}

static int key1_index(FtObject *key)
{
    const char *s = ft_str_as_utf8(key, NULL);
    int k = -1;
    int ok = s && sscanf(s, "key-%d-", &k) == 1 && k >= 0 && k < NK1;
    STRESS_CHECK(ok, "a key that was never inserted: %s", s ? s : "?");
    return k;
}

static void dict_reader(DictCtx *c, int idx, StressRng *r)
{
    /* Equal copies, owned by this thread: lookups go through ft_str_equal
     * (d1) and the int comparison (d2), not identity. */
    FtObject *c1[NK1], *c2[NK2];
    for (int k = 0; k < NK1; k++)
        c1[k] = key1_text(k);
    for (int k = 0; k < NK2; k++) {
        c2[k] = ft_int_from_i64(BASE * 3 + k);
        STRESS_OK(c2[k]);
    }
    Dec d;
    /* Relaxed: the flag only ends the loop; no data depends on it. */
    long it;
    for (it = 0; it < c->riters
                 || atomic_load_explicit(&c->wdone, memory_order_relaxed) < c->nw; it++) {
        if ((it & 63) == 0)
            ft_safepoint();
        unsigned op = (unsigned)stress_below(r, 100);
        if (op < 45) {
            int k = (int)stress_below(r, NK1);
            FtObject *key = stress_below(r, 4) ? c1[k] : c->k1[k];
            FtObject *v = NULL;
            int rc = ft_dict_lookup(c->d1, key, &v);
            STRESS_CHECK(rc >= 0, "%s", ft_error_message());
            STRESS_CHECK(rc == 1 || k >= NA1, "always-present key %d not found", k);
            if (rc == 1) {
                CHECK_VALUE(v, k, &d);
                ft_decref(v);
            }
        } else if (op < 90) {
            int k = (int)stress_below(r, NK2);
            FtObject *key = stress_below(r, 4) ? c2[k] : c->k2[k];
            FtObject *v = NULL;
            int rc = ft_dict_lookup(c->d2, key, &v);
            STRESS_CHECK(rc >= 0, "%s", ft_error_message());
            if (rc == 1) {
                CHECK_VALUE(v, k, &d);
                ft_decref(v);
            }
        } else if (op < 95) {
            FtSsize n1 = ft_len(c->d1), n2 = ft_len(c->d2);
            STRESS_CHECK(n1 >= NA1 && n1 <= NK1, "len(d1) = %td", n1);
            STRESS_CHECK(n2 >= 0 && n2 <= NK2, "len(d2) = %td", n2);
        } else {
            /* Locked stepping: each pair was in the dict at its step. */
            FtSsize pos = 0;
            FtObject *key, *v;
            int rc;
            while ((rc = ft_dict_next(c->d1, &pos, &key, &v)) == 1) {
                CHECK_VALUE(v, key1_index(key), &d);
                ft_decref(key);
                ft_decref(v);
            }
            if (rc < 0) {
                STRESS_CHECK(ft_error_kind() == FT_ERR_RUNTIME, "%s", ft_error_message());
                ft_error_clear();
            }
        }
    }
    for (int k = 0; k < NK1; k++)
        ft_decref(c1[k]);
    for (int k = 0; k < NK2; k++)
        ft_decref(c2[k]);
    (void)idx;
    stress_count(it);
}

static void dict_thread(void *ctx, int idx)
{
    DictCtx *c = ctx;
    StressRng r = stress_rng_for(idx);
    if (idx >= c->nw) {
        dict_reader(c, idx, &r);
        return;
    }
    for (long it = 0; it < c->witers; it++) {
        d1_write(c, idx, &r);
        if (idx == 0)
            d2_write(c, idx, &r, it);
    }
    stress_count(c->witers);
    atomic_fetch_add_explicit(&c->wdone, 1, memory_order_relaxed);
}

static void check_dict_final(FtObject *dict, FtObject **keys, FtObject **want,
                             int nk, const char *name)
{
    FtSsize present = 0;
    for (int k = 0; k < nk; k++) {
        FtObject *v = NULL;
        int rc = ft_dict_lookup(dict, keys[k], &v);
        STRESS_CHECK(rc >= 0, "%s", ft_error_message());
        STRESS_CHECK((rc == 1) == (want[k] != NULL), "%s key %d: %s, expected %s",
                     name, k, rc ? "present" : "missing", want[k] ? "present" : "missing");
        if (rc == 1) {
            STRESS_CHECK(v == want[k], "%s key %d: final value is not its "
                         "writer's last store", name, k);
            Dec d;
            CHECK_VALUE(v, k, &d);
            if (d.w != POOL_W)
                STRESS_CHECK(ft_refcount(v) == 2, "%s key %d value refcount %td, "
                             "expected 1 + ours", name, k, ft_refcount(v) - 1);
            ft_decref(v);
            present++;
        }
        /* The key: ours + the dict's. */
        STRESS_CHECK(ft_refcount(keys[k]) == 1 + (rc == 1), "%s key %d refcount "
                     "%td, expected %d", name, k, ft_refcount(keys[k]), 1 + (rc == 1));
    }
    STRESS_CHECK(ft_len(dict) == present, "len(%s) %td, %td keys present", name,
                 ft_len(dict), present);
}

static void dict_rw(void)
{
    reset_made();
    make_pool(NK1);
    DictCtx *c = calloc(1, sizeof *c);
    c->nw = nwriters();
    c->witers = stress_iters(800000, 8000);
    c->riters = stress_iters(1000, 100);
    c->d1 = ft_dict_new();
    c->d2 = ft_dict_new();
    STRESS_OK(c->d1 && c->d2);
    for (int k = 0; k < NK1; k++)
        c->k1[k] = key1_text(k);
    for (int k = 0; k < NK2; k++) {
        c->k2[k] = ft_int_from_i64(BASE * 3 + k);
        STRESS_OK(c->k2[k]);
    }
    for (int k = 0; k < NA1; k++) {
        STRESS_OK(ft_dict_set_item(c->d1, c->k1[k], pool[k]) == 0);
        c->want1[k] = pool[k];
    }
    stress_run_threads(stress_threads(), dict_thread, c);
    check_dict_final(c->d1, c->k1, c->want1, NK1, "d1");
    check_dict_final(c->d2, c->k2, c->want2, NK2, "d2");
    ft_decref(c->d1);
    ft_decref(c->d2);
    for (int k = 0; k < NK1; k++) {
        STRESS_CHECK(ft_refcount(c->k1[k]) == 1, "key refcount %td", ft_refcount(c->k1[k]));
        ft_decref(c->k1[k]);
    }
    for (int k = 0; k < NK2; k++) {
        STRESS_CHECK(ft_refcount(c->k2[k]) == 1, "key refcount %td", ft_refcount(c->k2[k]));
        ft_decref(c->k2[k]);
    }
    free(c);
    free_pool();
}

/* ================= set_rw ================= */

#define NSA 32            /* always present */
#define NSC 96            /* churn, partitioned among writers */
#define NSN 32            /* never present */
#define NSE (NSA + NSC + NSN)

typedef struct SetCtx {
    FtObject *set;
    FtObject *el[NSE];    /* [0, NSA) always, [NSA, NSA+NSC) churn, rest never */
    int present[NSE];     /* churn: written by its writer, read after join */
    int nw;
    long witers, riters;
    _Atomic int wdone;    /* writers finished: readers run until all are */
} SetCtx;

static void set_writer(SetCtx *c, int w, StressRng *r)
{
    for (long it = 0; it < c->witers; it++) {
        if (it % 211 == 210) {
            /* Bulk: add every own element, then drop half: resizes. */
            for (int e = NSA + w; e < NSA + NSC; e += c->nw) {
                STRESS_OK(ft_set_add(c->set, c->el[e]) == 0);
                c->present[e] = 1;
            }
            for (int e = NSA + w; e < NSA + NSC; e += 2 * c->nw) {
                STRESS_CHECK(ft_set_discard(c->set, c->el[e]) == 1,
                             "own element %d vanished", e);
                c->present[e] = 0;
            }
            continue;
        }
        int nmine = (NSC - w + c->nw - 1) / c->nw;
        int e = NSA + w + c->nw * (int)stress_below(r, (uint64_t)nmine);
        if (c->present[e]) {
            int rc = ft_set_discard(c->set, c->el[e]);
            STRESS_CHECK(rc == 1, "discard of own present element %d returned %d", e, rc);
            c->present[e] = 0;
        } else {
            STRESS_OK(ft_set_add(c->set, c->el[e]) == 0);
            c->present[e] = 1;
        }
    }
    stress_count(c->witers);
    atomic_fetch_add_explicit(&c->wdone, 1, memory_order_relaxed);
}

/* Index of an element object, -1 if none. */
static int el_index(SetCtx *c, FtObject *x)
{
    for (int e = 0; e < NSE; e++)
        if (c->el[e] == x)
            return e;
    return -1;
}

static void set_reader(SetCtx *c, StressRng *r)
{
    FtObject *cp[NSE];
    for (int e = 0; e < NSE; e++) {
        cp[e] = ft_int_from_i64(BASE * 5 + e);
        STRESS_OK(cp[e]);
    }
    /* Relaxed: the flag only ends the loop; no data depends on it. */
    long it;
    for (it = 0; it < c->riters
                 || atomic_load_explicit(&c->wdone, memory_order_relaxed) < c->nw; it++) {
        if ((it & 63) == 0)
            ft_safepoint();
        unsigned op = (unsigned)stress_below(r, 100);
        if (op < 90) {
            int e = (int)stress_below(r, NSE);
            FtObject *x = stress_below(r, 2) ? cp[e] : c->el[e];
            int rc = ft_set_contains(c->set, x);
            STRESS_CHECK(rc >= 0, "%s", ft_error_message());
            if (e < NSA)
                STRESS_CHECK(rc == 1, "always-present element %d not found", e);
            else if (e >= NSA + NSC)
                STRESS_CHECK(rc == 0, "never-added element %d found", e);
        } else if (op < 95) {
            FtSsize n = ft_len(c->set);
            STRESS_CHECK(n >= NSA && n <= NSA + NSC, "len %td", n);
        } else {
            FtObject *iter = ft_iter(c->set);
            STRESS_OK(iter);
            FtObject *x;
            while ((x = ft_iter_next(iter)) != NULL) {
                int e = el_index(c, x);
                STRESS_CHECK(e >= 0 && e < NSA + NSC, "iteration yielded %s element "
                             "%d", e < 0 ? "a foreign" : "a never-added", e);
                ft_decref(x);
            }
            /* Not a snapshot: a resize with an add and a discard between two
             * steps leaves the size alone, so no completeness check. */
            if (ft_error_occurred()) {
                STRESS_CHECK(ft_error_kind() == FT_ERR_RUNTIME, "%s", ft_error_message());
                ft_error_clear();
            }
            ft_decref(iter);
        }
    }
    for (int e = 0; e < NSE; e++)
        ft_decref(cp[e]);
    stress_count(it);
}

static void set_thread(void *ctx, int idx)
{
    SetCtx *c = ctx;
    StressRng r = stress_rng_for(idx);
    if (idx < c->nw)
        set_writer(c, idx, &r);
    else
        set_reader(c, &r);
}

static void set_rw(void)
{
    SetCtx *c = calloc(1, sizeof *c);
    c->nw = nwriters();
    c->witers = stress_iters(1500000, 8000);
    c->riters = stress_iters(1000, 100);
    c->set = ft_set_new(NULL);
    STRESS_OK(c->set);
    for (int e = 0; e < NSE; e++) {
        c->el[e] = ft_int_from_i64(BASE * 5 + e);
        STRESS_OK(c->el[e]);
    }
    for (int e = 0; e < NSA; e++)
        STRESS_OK(ft_set_add(c->set, c->el[e]) == 0);
    stress_run_threads(stress_threads(), set_thread, c);
    FtSsize want = NSA;
    for (int e = 0; e < NSE; e++) {
        int in = e < NSA || c->present[e];
        want += e >= NSA && c->present[e];
        STRESS_CHECK(ft_set_contains(c->set, c->el[e]) == in, "element %d: "
                     "membership %d, expected %d", e, !in, in);
        STRESS_CHECK(ft_refcount(c->el[e]) == 1 + in, "element %d refcount %td, "
                     "expected %d", e, ft_refcount(c->el[e]), 1 + in);
    }
    STRESS_CHECK(ft_len(c->set) == want, "final len %td, expected %td",
                 ft_len(c->set), want);
    ft_decref(c->set);
    for (int e = 0; e < NSE; e++) {
        STRESS_CHECK(ft_refcount(c->el[e]) == 1, "element %d refcount %td after "
                     "the set died", e, ft_refcount(c->el[e]));
        ft_decref(c->el[e]);
    }
    free(c);
}

/* ================= set_repr ================= */

typedef struct SetReprCtx {
    FtObject *set;
    FtObject *el;         /* the one element the writer puts back */
    long witers;
    _Atomic int wdone;
    _Atomic long empties, fulls;
} SetReprCtx;

static void set_repr_thread(void *ctx, int idx)
{
    SetReprCtx *c = ctx;
    if (idx == 0) {
        for (long it = 0; it < c->witers; it++) {
            STRESS_OK(ft_set_clear(c->set) == 0);
            STRESS_OK(ft_set_add(c->set, c->el) == 0);
        }
        stress_count(c->witers);
        atomic_store_explicit(&c->wdone, 1, memory_order_relaxed);
        return;
    }
    long it, empties = 0, fulls = 0;
    /* Relaxed: the flag only ends the loop. */
    for (it = 0; !atomic_load_explicit(&c->wdone, memory_order_relaxed); it++) {
        if ((it & 63) == 0)
            ft_safepoint();
        FtObject *r = ft_repr(c->set);
        STRESS_OK(r);
        const char *s = ft_str_as_utf8(r, NULL);
        if (strcmp(s, "set()") == 0)
            empties++;
        else if (strcmp(s, "{1099511627776}") == 0)
            fulls++;
        else
            STRESS_CHECK(0, "repr of a set that is empty or {2**40}: \"%s\"", s);
        ft_decref(r);
    }
    atomic_fetch_add_explicit(&c->empties, empties, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->fulls, fulls, memory_order_relaxed);
    stress_count(it);
}

static void set_repr(void)
{
    SetReprCtx *c = calloc(1, sizeof *c);
    c->witers = stress_iters(400000, 20000);
    c->set = ft_set_new(NULL);
    c->el = ft_int_from_i64(BASE);
    STRESS_OK(c->set && c->el);
    int n = stress_threads();
    stress_run_threads(n < 2 ? 2 : n, set_repr_thread, c);
    ft_decref(c->set);
    ft_decref(c->el);
    free(c);
}

/* ================= attrs ================= */

#define NATTR 3           /* a, b always present; c deleted at times */
static const char *const attr_names[NATTR] = { "a", "b", "c" };

typedef struct AttrCtx {
    FtObject *obj[2];     /* [0] has a __dict__, [1] __slots__ */
    int nw;
    long witers, riters;
    _Atomic int wdone;    /* writers finished: readers run until all are */
    /* Per writer, object and attribute: its last write (a strong ref, or
     * NULL after a delete). Private to the writer until the join. */
    FtObject *last[MAXW][2][NATTR];
} AttrCtx;

static void attr_writer(AttrCtx *c, int w, StressRng *r)
{
    for (long it = 0; it < c->witers; it++) {
        int o = (int)stress_below(r, 2), a = (int)stress_below(r, NATTR);
        FtObject *obj = c->obj[o];
        if (a == 2 && stress_below(r, 4) == 0) {
            if (ft_delattr(obj, attr_names[a]) < 0) {
                STRESS_CHECK(ft_error_kind() == FT_ERR_ATTRIBUTE, "%s", ft_error_message());
                ft_error_clear();
            }
            FT_CLEAR(c->last[w][o][a]);
            continue;
        }
        FtObject *v = stress_below(r, 8) ? fresh((uint64_t)a, w)
                                         : ft_newref(pool[a]);
        STRESS_OK(ft_setattr(obj, attr_names[a], v) == 0);
        FT_SETREF(c->last[w][o][a], v);       /* keeps ours */
    }
    stress_count(c->witers);
    atomic_fetch_add_explicit(&c->wdone, 1, memory_order_relaxed);
}

static void attr_reader(AttrCtx *c, StressRng *r)
{
    Dec d;
    /* Relaxed: the flag only ends the loop; no data depends on it. */
    long it;
    for (it = 0; it < c->riters
                 || atomic_load_explicit(&c->wdone, memory_order_relaxed) < c->nw; it++) {
        if ((it & 63) == 0)
            ft_safepoint();
        int o = (int)stress_below(r, 2), a = (int)stress_below(r, NATTR);
        FtObject *v = ft_getattr(c->obj[o], attr_names[a]);
        if (!v) {
            STRESS_CHECK(a == 2, "always-present attribute %s of %s missing: %s",
                         attr_names[a], o ? "slots" : "dict", ft_error_message());
            STRESS_CHECK(ft_error_kind() == FT_ERR_ATTRIBUTE, "%s", ft_error_message());
            ft_error_clear();
            continue;
        }
        CHECK_VALUE(v, a, &d);
        ft_decref(v);
    }
    stress_count(it);
}

static void attr_thread(void *ctx, int idx)
{
    AttrCtx *c = ctx;
    StressRng r = stress_rng_for(idx);
    if (idx < c->nw)
        attr_writer(c, idx, &r);
    else
        attr_reader(c, &r);
}

static void attrs(void)
{
    reset_made();
    make_pool(NATTR);
    AttrCtx *c = calloc(1, sizeof *c);
    c->nw = nwriters();
    c->witers = stress_iters(1500000, 10000);
    c->riters = stress_iters(1000, 100);
    FtClassSpec sd = { .name = "StressDict" };
    static const char *const slots[] = { "a", "b", "c", NULL };
    FtClassSpec ss = { .name = "StressSlots", .slots = slots };
    FtType *cd = ft_class_new(&sd), *cs = ft_class_new(&ss);
    STRESS_OK(cd && cs);
    c->obj[0] = ft_instance_new(cd);
    c->obj[1] = ft_instance_new(cs);
    STRESS_OK(c->obj[0] && c->obj[1]);
    for (int o = 0; o < 2; o++)
        for (int a = 0; a < 2; a++)
            STRESS_OK(ft_setattr(c->obj[o], attr_names[a], pool[a]) == 0);
    stress_run_threads(stress_threads(), attr_thread, c);
    /* The last write to an attribute is some writer's last write to it. */
    long pool_refs[NATTR] = { 1, 1, 1 };      /* ours */
    for (int o = 0; o < 2; o++) {
        for (int a = 0; a < NATTR; a++) {
            FtObject *v = ft_getattr(c->obj[o], attr_names[a]);
            if (!v) {
                STRESS_CHECK(a == 2, "attribute %s missing at the end", attr_names[a]);
                ft_error_clear();
            }
            int found = 0;
            for (int w = 0; w < c->nw; w++)
                found |= c->last[w][o][a] == v;
            STRESS_CHECK(found, "final %s.%s is no writer's last write",
                         o ? "slots" : "dict", attr_names[a]);
            if (v) {
                Dec d;
                CHECK_VALUE(v, a, &d);
                if (d.w == POOL_W) {
                    pool_refs[a]++;
                } else {
                    long holders = 0;
                    for (int w = 0; w < c->nw; w++)
                        holders += c->last[w][o][a] == v;
                    /* instance + the writer(s) that kept it + ours */
                    STRESS_CHECK(ft_refcount(v) == 2 + holders, "final %s refcount "
                                 "%td, expected %ld", attr_names[a], ft_refcount(v),
                                 2 + holders);
                }
                ft_decref(v);
            }
        }
    }
    for (int w = 0; w < c->nw; w++)
        for (int o = 0; o < 2; o++)
            for (int a = 0; a < NATTR; a++)
                if (c->last[w][o][a] == pool[a])
                    pool_refs[a]++;
    for (int a = 0; a < NATTR; a++)
        STRESS_CHECK(ft_refcount(pool[a]) == pool_refs[a], "pool %s refcount %td, "
                     "expected %ld", attr_names[a], ft_refcount(pool[a]), pool_refs[a]);
    for (int w = 0; w < c->nw; w++)
        for (int o = 0; o < 2; o++)
            for (int a = 0; a < NATTR; a++)
                FT_CLEAR(c->last[w][o][a]);
    ft_decref(c->obj[0]);
    ft_decref(c->obj[1]);
    ft_decref(ft_type_as_object(cd));
    ft_decref(ft_type_as_object(cs));
    free(c);
    free_pool();
}

/* ================= attrs_materialize ================= */

#define MAT_NAMES 2       /* attributes per writer (interned "m<w>_<k>") */

/* Interned before any scenario runs (interned strs are immortal, and the
 * scenarios check the live-object count). */
static FtObject *mat_names[MAXW][MAT_NAMES];

static void mat_names_init(void)
{
    for (int w = 0; w < MAXW; w++)
        for (int k = 0; k < MAT_NAMES; k++) {
            char buf[32];
            snprintf(buf, sizeof buf, "m%d_%d", w, k);
            mat_names[w][k] = ft_str_intern_cstr(buf);
            STRESS_OK(mat_names[w][k]);
        }
}

typedef struct MatCtx {
    FtObject *obj;
    FtObject *(*names)[MAT_NAMES];
    FtObject *last[MAXW][MAT_NAMES];
    int nw;
    long witers;
    _Atomic long progress;    /* writer 0's writes this round */
} MatCtx;

static void mat_thread(void *ctx, int idx)
{
    MatCtx *c = ctx;
    StressRng r = stress_rng_for(idx);
    if (idx == c->nw) {                       /* the materializer */
        /* Wait until writer 0 is somewhere in the middle of its writes.
         * Relaxed: the count only times the move; no data depends on it. */
        long target = (long)stress_below(&r, (uint64_t)c->witers);
        for (long i = 0; atomic_load_explicit(&c->progress, memory_order_relaxed) < target; i++)
            if ((i & 63) == 0)
                ft_safepoint();
        FtObject *d = ft_instance_dict(c->obj);
        STRESS_OK(d);
        ft_decref(d);
        stress_count(1);
        return;
    }
    for (long it = 0; it < c->witers; it++) {
        int k = (int)stress_below(&r, MAT_NAMES);
        FtObject *v = fresh((uint64_t)k, idx);
        STRESS_OK(ft_setattr_obj(c->obj, c->names[idx][k], v) == 0);
        FT_SETREF(c->last[idx][k], v);
        if (idx == 0)
            atomic_store_explicit(&c->progress, it + 1, memory_order_relaxed);
    }
    stress_count(c->witers);
}

static void attrs_materialize(void)
{
    reset_made();
    MatCtx *c = calloc(1, sizeof *c);
    c->nw = nwriters();
    c->witers = stress_iters(2000, 200);
    long rounds = stress_iters(1000, 50);
    FtClassSpec sd = { .name = "StressSplit" };
    FtType *cd = ft_class_new(&sd);
    STRESS_OK(cd);
    c->names = mat_names;
    for (long round = 0; round < rounds; round++) {
        c->obj = ft_instance_new(cd);
        STRESS_OK(c->obj);
        atomic_store_explicit(&c->progress, 0, memory_order_relaxed);
        stress_run_threads(c->nw + 1, mat_thread, c);
        FtObject *d = ft_instance_dict(c->obj);
        STRESS_OK(d);
        for (int w = 0; w < c->nw; w++)
            for (int k = 0; k < MAT_NAMES; k++) {
                FtObject *want = c->last[w][k], *got = NULL;
                if (!want)
                    continue;
                got = ft_getattr_obj(c->obj, c->names[w][k]);
                STRESS_CHECK(got == want, "round %ld: %s is not its writer's last "
                             "write (a write lost when __dict__ was made)",
                             round, ft_str_as_utf8(c->names[w][k], NULL));
                ft_xdecref(got);
                got = NULL;
                STRESS_CHECK(ft_dict_lookup(d, c->names[w][k], &got) == 1 && got == want,
                             "round %ld: __dict__[%s] is not the last write",
                             round, ft_str_as_utf8(c->names[w][k], NULL));
                ft_xdecref(got);
                /* instance's dict + ours */
                STRESS_CHECK(ft_refcount(want) == 2, "round %ld: refcount %td, "
                             "expected 2", round, ft_refcount(want));
            }
        ft_decref(d);
        FT_CLEAR(c->obj);
        for (int w = 0; w < c->nw; w++)
            for (int k = 0; k < MAT_NAMES; k++)
                FT_CLEAR(c->last[w][k]);
    }
    ft_decref(ft_type_as_object(cd));
    free(c);
}

int main(int argc, char **argv)
{
    stress_init(argc, argv, "containers");
    mat_names_init();
    stress_scenario("list_mixed", list_mixed, STRESS_LIVE_EXACT);
    stress_scenario("list_iter", list_iter, STRESS_LIVE_EXACT);
    stress_scenario("dict_rw", dict_rw, STRESS_LIVE_EXACT);
    stress_scenario("set_rw", set_rw, STRESS_LIVE_EXACT);
    stress_scenario("set_repr", set_repr, STRESS_LIVE_EXACT);
    stress_scenario("attrs", attrs, STRESS_LIVE_EXACT);
    stress_scenario("attrs_materialize", attrs_materialize, STRESS_LIVE_EXACT);
    return stress_finish();
}
