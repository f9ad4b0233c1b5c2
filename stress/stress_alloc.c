/* stress/stress_alloc.c: allocation under many threads: free lists with
 * cross-thread frees and thread exit, storage reclaimed only after readers
 * are quiescent (QSBR), thread churn.
 *
 * Scenarios:
 *   freelist_crossfree  floats/tuples made on one thread, freed on others;
 *                       a thread's free lists only ever take blocks of
 *                       objects it owned (exact list counts and hits).
 *   freelist_exit       a thread fills its free lists and detaches; after
 *                       re-attaching on the same OS thread (same mimalloc
 *                       heaps) none of those blocks is still in use.
 *   list_qsbr_readers   lock-free readers (get_item, iteration) of a list
 *                       whose item array a writer keeps reallocating: every
 *                       value read was stored; exact refcounts afterwards.
 *   thread_churn        thousands of short-lived threads allocate, hand
 *                       objects to a long-lived thread and exit: exact
 *                       counts received/freed, every kept object merged.
 *
 * Orderings: hand-overs go through a sequence-numbered ring (release store
 * of a cell's sequence publishes the object, acquire load takes it) or
 * through counters stored/added with release and loaded with acquire.
 */
#include "harness.h"
#include "stress_util.h"
#include "runtime/internal.h"
#include "threads/tstate.h"
#include "threads/lock.h"

#include <mimalloc.h>
#include <sched.h>
#include <string.h>

/* ---- helpers ---- */




static uint64_t my_hits(void)
{
    /* Owner-written counter of the calling thread: exact for us. */
    return atomic_load_explicit(&ft__tstate()->counters.freelist_hits,
                                memory_order_relaxed);
}

static uint32_t my_list_count(int kind)
{
    return ft__tstate()->freelists[kind].count;
}

/* A listed block's link (word 0). ASan builds poison listed blocks (only
 * the owner's own pops read them), so this walk reads it unchecked. */
__attribute__((no_sanitize_address))
static FtObject *listed_next(FtObject *b)
{
    return *(FtObject **)b;
}

/* The free-list invariant (alloc/freelist.c): every block on our lists
 * lies in one of our own heaps (it was an object we owned). A foreign block
 * would be reused as our object while living in another thread's heap, out
 * of reach of our detach walk. */
static void check_own_lists(const char *where)
{
    FtThreadState *ts = ft__tstate();
    for (int k = 0; k < FT_FL_COUNT; k++) {
        uint32_t n = 0;
        for (FtObject *b = ts->freelists[k].head; b; b = listed_next(b)) {
            STRESS_CHECK(mi_heap_contains_block(ts->heap_obj, b)
                         || mi_heap_contains_block(ts->heap_gc, b),
                         "%s: free list %d holds block %p of another thread's heap",
                         where, k, (void *)b);
            n++;
        }
        STRESS_CHECK(n == ts->freelists[k].count, "%s: list %d count %u, %u linked",
                     where, k, ts->freelists[k].count, n);
    }
}

/* ---- hand-over through the ring of stress_util.h ---- */

static void ring_push_wait(Ring *q, FtObject *o)
{
    while (!ring_push(q, o))
        pause_attached();
}

/* ================================================================
 * freelist_crossfree
 * ================================================================ */

#define XF_MAXT 64

typedef struct XFree {
    int n;
    long rounds;
    int batch;
    Ring *rings;              /* rings[i]: objects for thread i to free */
    _Atomic long freed;       /* objects freed by receivers (relaxed) */
    _Atomic long pushed;
} XFree;

static double xf_value(int from, long r, int j)
{
    return (double)from * 1e9 + (double)r * 1000.0 + j;
}

static void check_received(FtObject *o)
{
    if (ft_is_tuple(o)) {
        int64_t v;
        STRESS_CHECK(ft_int_as_i64(ft_tuple_borrow_item(o, 0), &v) == 0
                     && v >= 0 && v < 48, "tuple item");
        return;
    }
    STRESS_CHECK(ft_is_float(o), "received a %s", ft_type_name(ft_type_of(o)));
    double v = ft_float_as_double(o);
    STRESS_CHECK(v >= 0 && v < 1e11, "value %g", v);
}

/* Free everything waiting in our ring: objects other threads made (the
 * decref queues them to their owner, or frees them here if merged). */
static void drain_foreign(XFree *c, int me)
{
    FtObject *o;
    while ((o = ring_pop(&c->rings[me])) != NULL) {
        check_received(o);
        ft_decref(o);
        /* relaxed: a termination count; the objects are ordered by the ring */
        atomic_fetch_add_explicit(&c->freed, 1, memory_order_relaxed);
    }
}

static void xfree_worker(void *vctx, int me)
{
    XFree *c = vctx;
    StressRng rng = stress_rng_for(me + 10);
    FtObject **mine = malloc((size_t)c->batch * sizeof *mine);
    STRESS_CHECK(mine, "oom");
    for (long r = 0; r < c->rounds; r++) {
        /* 1. Local churn: an exact free-list round trip. */
        ft_freelists_clear();
        uint64_t h0 = my_hits();
        for (int j = 0; j < c->batch; j++)
            mine[j] = new_float((double)j);
        STRESS_CHECK(my_hits() == h0, "hits from an empty free list");
        for (int j = 0; j < c->batch; j++)
            ft_decref(mine[j]);          /* ours, unshared: onto the list */
        STRESS_CHECK(my_list_count(FT_FL_FLOAT) == (uint32_t)c->batch,
                     "float free list holds %u, expected %d",
                     my_list_count(FT_FL_FLOAT), c->batch);
        /* An allocation takes from the list unless a breaker bit (QSBR
         * nudge, merge, stop) sends it through the safepoint and the heap:
         * every hit takes exactly one listed block. */
        for (int j = 0; j < c->batch; j++)
            mine[j] = new_float((double)j);
        uint64_t hits = my_hits() - h0;
        STRESS_CHECK(hits == (uint64_t)c->batch - my_list_count(FT_FL_FLOAT),
                     "free-list hits %llu, but the list went from %d to %u",
                     (unsigned long long)hits, c->batch, my_list_count(FT_FL_FLOAT));
        for (int j = 0; j < c->batch; j++)
            ft_decref(mine[j]);
        /* 2. Hand new objects to random other threads. */
        for (int j = 0; j < c->batch; j++) {
            /* Tuples hold immortals only: when one dies on our side of a
             * merge, no float of ours is freed behind the exact round trip
             * above. */
            FtObject *o;
            if (j % 3 == 0) {
                FtSsize tn = (j % 6 == 0) ? 2 : 1;
                o = ft_tuple_pack(tn, ft_int_from_i64(j), FT_NONE);
                STRESS_OK(o);
            } else {
                o = new_float(xf_value(me, r, j));
            }
            int to = (int)stress_below(&rng, (uint64_t)c->n - 1);
            if (to >= me)
                to++;
            while (!ring_push(&c->rings[to], o)) {
                drain_foreign(c, me);    /* no cycle of full rings */
                pause_attached();
            }
        }
        drain_foreign(c, me);
        check_own_lists("after freeing foreign objects");
        /* 3. Now and then a collection: it merges every queue with the
         * world stopped and frees, on this thread, objects that died in
         * any thread's queue: only our own may land on our lists. */
        if (stress_below(&rng, 32) == 0) {
            STRESS_CHECK(ft_gc_collect() >= 0, "collect: %s", ft_error_message());
            check_own_lists("after a collection");
        }
        stress_count(c->batch);
    }
    long total = (long)c->n * c->rounds * c->batch;
    while (atomic_load_explicit(&c->freed, memory_order_relaxed) < total) {
        drain_foreign(c, me);
        pause_attached();
    }
    /* Leave with a full float free list: detach must empty it. */
    for (int j = 0; j < c->batch; j++)
        mine[j] = new_float(1.0);
    for (int j = 0; j < c->batch; j++)
        ft_decref(mine[j]);
    free(mine);
}

static void freelist_crossfree(void)
{
    XFree c = { .n = stress_threads(), .rounds = stress_iters(16000, 200), .batch = 48 };
    if (c.n > XF_MAXT)
        c.n = XF_MAXT;
    c.rings = malloc((size_t)c.n * sizeof *c.rings);
    STRESS_CHECK(c.rings, "oom");
    for (int i = 0; i < c.n; i++)
        ring_init(&c.rings[i]);
    int64_t floats0 = ft_stats_live_of_type(&ft_float_type);
    int64_t tuples0 = ft_stats_live_of_type(&ft_tuple_type);
    stress_run_threads(c.n, xfree_worker, &c);
    long total = (long)c.n * c.rounds * c.batch;
    STRESS_CHECK(atomic_load(&c.freed) == total, "freed %ld of %ld",
                 atomic_load(&c.freed), total);
    for (int i = 0; i < c.n; i++)
        STRESS_CHECK(ring_pop(&c.rings[i]) == NULL, "ring %d not empty", i);
    ft_safepoint();
    STRESS_CHECK(ft_stats_live_of_type(&ft_float_type) == floats0
                 && ft_stats_live_of_type(&ft_tuple_type) == tuples0,
                 "live floats %+lld tuples %+lld",
                 (long long)(ft_stats_live_of_type(&ft_float_type) - floats0),
                 (long long)(ft_stats_live_of_type(&ft_tuple_type) - tuples0));
    free(c.rings);
}

/* ================================================================
 * freelist_exit
 * ================================================================ */

#define FE_FLOATS 300      /* more than the float list's cap (256) */
#define FE_TUPLES 200

typedef struct FeVisit {
    const uintptr_t *addrs;     /* sorted */
    size_t n;
    size_t in_use;
} FeVisit;

static int cmp_uptr(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

static bool fe_visit(const mi_heap_t *heap, const mi_heap_area_t *area, void *block,
                     size_t block_size, void *arg)
{
    (void)heap; (void)area; (void)block_size;
    FeVisit *v = arg;
    uintptr_t b = (uintptr_t)block;
    if (block && bsearch(&b, v->addrs, v->n, sizeof b, cmp_uptr))
        v->in_use++;
    return true;
}

static void freelist_exit_worker(void *vctx, int me)
{
    long rounds = *(long *)vctx;
    uintptr_t *addrs = malloc((FE_FLOATS + FE_TUPLES) * sizeof *addrs);
    FtObject **objs = malloc((FE_FLOATS + FE_TUPLES) * sizeof *objs);
    STRESS_CHECK(addrs && objs, "oom");
    for (long r = 0; r < rounds; r++) {
        int n = 0;
        for (int j = 0; j < FE_FLOATS; j++)
            objs[n++] = new_float((double)j);
        for (int j = 0; j < FE_TUPLES; j++) {
            objs[n] = ft_tuple_pack(1 + j % 3, FT_NONE, FT_NONE, FT_NONE);
            STRESS_OK(objs[n]);
            n++;
        }
        for (int j = 0; j < n; j++) {
            addrs[j] = (uintptr_t)objs[j];
            ft_decref(objs[j]);          /* onto our lists, up to the caps */
        }
#if !FT_MODE_GIL
        STRESS_CHECK(my_list_count(FT_FL_FLOAT) == 256, "float list holds %u",
                     my_list_count(FT_FL_FLOAT));
#endif
        qsort(addrs, (size_t)n, sizeof *addrs, cmp_uptr);
        STRESS_OK(ft_thread_detach() == 0);
        /* Same OS thread, same mimalloc heaps: the blocks of the emptied
         * lists must be free again. */
        STRESS_OK(ft_thread_attach() == 0);
        FtThreadState *ts = ft__tstate();
        FeVisit v = { addrs, (size_t)n, 0 };
        mi_heap_visit_blocks(ts->heap_obj, true, fe_visit, &v);
        mi_heap_visit_blocks(ts->heap_gc, true, fe_visit, &v);
        STRESS_CHECK(v.in_use == 0, "%zu of %d free-listed blocks still in use after "
                     "the thread detached and re-attached (round %ld, thread %d)",
                     v.in_use, n, r, me);
        STRESS_CHECK(my_list_count(FT_FL_FLOAT) == 0, "fresh thread state with a list");
        stress_count(n);
    }
    free(addrs);
    free(objs);
}

static void freelist_exit(void)
{
    long rounds = stress_iters(1600, 40);
    FtStats before = stats_now();
    stress_run_threads(stress_threads(), freelist_exit_worker, &rounds);
    FtStats after = stats_now();
    STRESS_CHECK(after.threads_attached_total - before.threads_attached_total
                 == (uint64_t)(stress_threads() * (rounds + 1)),
                 "attaches %llu, expected %ld",
                 (unsigned long long)(after.threads_attached_total
                                      - before.threads_attached_total),
                 stress_threads() * (rounds + 1));
}

/* ================================================================
 * list_qsbr_readers
 * ================================================================ */

#define LQ_TABLE 64

typedef struct ListQ {
    FtObject *list;
    FtObject *table[LQ_TABLE];  /* values 0..63, immutable for the run */
    long iters;
    _Atomic long fresh_seq;     /* fresh floats created so far (release) */
    _Atomic int writer_done;
    _Atomic long reads;
} ListQ;

/* A value the writer stored: a table float (pointer identity), or a fresh
 * float -(s + 1) with s < fresh_seq. */
static void lq_check(ListQ *c, FtObject *x)
{
    STRESS_CHECK(ft_is_float(x), "read a %s", ft_type_name(ft_type_of(x)));
    double v = ft_float_as_double(x);
    if (v >= 0) {
        STRESS_CHECK(v < LQ_TABLE && v == (double)(long)v
                     && c->table[(long)v] == x, "read %g: not a stored table value", v);
    } else {
        /* acquire: pairs with the writer's release after creating s. */
        long seq = atomic_load_explicit(&c->fresh_seq, memory_order_acquire);
        long s = (long)(-v) - 1;
        STRESS_CHECK(v == (double)(long)v && s >= 0 && s < seq,
                     "read %g: never stored (fresh seq %ld)", v, seq);
    }
}

static void lq_worker(void *vctx, int me)
{
    ListQ *c = vctx;
    StressRng rng = stress_rng_for(me + 20);
    if (me == 0) {
        long seq = 0;
        for (long it = 0; it < c->iters; it++) {
            FtSsize target = 20 + (FtSsize)stress_below(&rng, 300);
            while (ft_len(c->list) < target) {
                FtObject *x;
                if (stress_below(&rng, 4) == 0) {
                    x = new_float(-(double)(seq + 1));
                    seq++;
                    atomic_store_explicit(&c->fresh_seq, seq, memory_order_release);
                } else {
                    x = ft_newref(c->table[stress_below(&rng, LQ_TABLE)]);
                }
                int rc = stress_below(&rng, 8) == 0
                    ? ft_list_insert(c->list, (FtSsize)stress_below(&rng, 8), x)
                    : ft_list_append(c->list, x);
                STRESS_OK(rc == 0);
                ft_decref(x);
            }
            if (stress_below(&rng, 4) == 0) {
                FtSsize i = (FtSsize)stress_below(&rng, (uint64_t)ft_len(c->list));
                FtObject *x = new_float(-(double)(seq + 1));
                seq++;
                atomic_store_explicit(&c->fresh_seq, seq, memory_order_release);
                STRESS_OK(ft_list_set_item(c->list, i, x) == 0);
                ft_decref(x);
            }
            if (stress_below(&rng, 16) == 0) {
                STRESS_OK(ft_list_clear(c->list) == 0);   /* array -> NULL */
            } else {
                FtSsize low = (FtSsize)stress_below(&rng, 10);
                while (ft_len(c->list) > low) {
                    FtObject *x = ft_list_pop(c->list,
                        stress_below(&rng, 2) ? -1 : 0);
                    STRESS_OK(x);
                    lq_check(c, x);
                    ft_decref(x);
                }
            }
            if ((it & 7) == 0)
                ft_safepoint();
            stress_count(1);
        }
        STRESS_OK(ft_list_clear(c->list) == 0);
        atomic_store_explicit(&c->writer_done, 1, memory_order_release);
        return;
    }
    long reads = 0;
    while (!atomic_load_explicit(&c->writer_done, memory_order_acquire)) {
        if (stress_below(&rng, 8) == 0) {
            FtObject *it = ft_iter(c->list);
            STRESS_OK(it);
            FtObject *x;
            while ((x = ft_iter_next(it)) != NULL) {
                lq_check(c, x);
                ft_decref(x);
                reads++;
            }
            STRESS_CHECK(!ft_error_occurred(), "list iteration: %s", ft_error_message());
            ft_decref(it);
        } else {
            for (int k = 0; k < 64; k++) {
                FtSsize n = ft_len(c->list);
                FtSsize i = (FtSsize)stress_below(&rng, (uint64_t)n + 4);
                FtObject *x = ft_list_get_item(c->list, i);
                if (!x) {
                    STRESS_CHECK(ft_error_kind() == FT_ERR_INDEX, "get_item: %s",
                                 ft_error_message());
                    ft_error_clear();
                    continue;
                }
                lq_check(c, x);
                ft_decref(x);
                reads++;
            }
        }
        ft_safepoint();                  /* quiescent: old arrays may go */
    }
    atomic_fetch_add_explicit(&c->reads, reads, memory_order_relaxed);
}

static void list_qsbr_readers(void)
{
    static ListQ c;
    memset(&c, 0, sizeof c);
    c.iters = stress_iters(12000, 300);
    for (int i = 0; i < LQ_TABLE; i++)
        c.table[i] = new_float((double)i);
    c.list = ft_list_new(0);
    STRESS_OK(c.list);
    int64_t floats0 = ft_stats_live_of_type(&ft_float_type);
    stress_run_threads(stress_threads(), lq_worker, &c);
    ft_safepoint();
    STRESS_CHECK(ft_len(c.list) == 0, "list not empty");
    for (int i = 0; i < LQ_TABLE; i++)
        STRESS_CHECK(ft_refcount(c.table[i]) == 1, "table float %d: refcount %td", i,
                     ft_refcount(c.table[i]));
    STRESS_CHECK(ft_stats_live_of_type(&ft_float_type) == floats0,
                 "fresh floats left: %+lld",
                 (long long)(ft_stats_live_of_type(&ft_float_type) - floats0));
    stress_count(atomic_load(&c.reads));
    ft_decref(c.list);
    for (int i = 0; i < LQ_TABLE; i++)
        ft_decref(c.table[i]);
}

/* ================================================================
 * thread_churn
 * ================================================================ */

#define TC_OBJS 6       /* per short-lived thread */

typedef struct Churn {
    Ring ring;
    long per_spawner;           /* threads each spawner starts */
    int spawners;
    long total_threads;
    _Atomic long next_slot;     /* slot of the next short-lived thread */
    _Atomic uint8_t *exited;    /* slot -> its thread was joined (release) */
    _Atomic uint8_t *seen;      /* slot*TC_OBJS + i received */
    _Atomic long received;
} Churn;

typedef struct ChurnArg { Churn *c; long slot; } ChurnArg;

static double tc_value(long slot, int i) { return (double)slot * 16.0 + i; }

static void *churn_thread(void *p)
{
    ChurnArg *a = p;
    Churn *c = a->c;
    /* Local work: fill the free lists a little (detach empties them). */
    FtObject *tmp[40];
    for (int i = 0; i < 40; i++)
        tmp[i] = new_float(0.5);
    for (int i = 0; i < 40; i++)
        ft_decref(tmp[i]);
    for (int i = 0; i < TC_OBJS; i++) {
        FtObject *f = new_float(tc_value(a->slot, i));
        FtObject *o = f;
        if (i == 1) {
            o = ft_tuple_pack(2, f, FT_NONE);
            STRESS_OK(o);
            ft_decref(f);
        } else if (i == 2) {
            o = ft_list_new(0);
            STRESS_OK(o);
            STRESS_OK(ft_list_append(o, f) == 0);
            ft_decref(f);
        }
        ring_push_wait(&c->ring, o);
    }
    return NULL;                        /* ft_thread_start's wrapper detaches */
}

static FtObject *churn_float(FtObject *o)
{
    if (ft_is_tuple(o))
        return ft_tuple_borrow_item(o, 0);
    if (ft_is_list(o)) {
        FtObject *f = ft_list_get_item(o, 0);
        STRESS_OK(f);
        ft_decref(f);                   /* the list still holds it */
        return f;
    }
    return o;
}

static void check_churn_merged(FtObject *o, const char *what)
{
#if FT_MODE_FT
    intptr_t sh = atomic_load_explicit(&o->ob_ref_shared, memory_order_relaxed);
    STRESS_CHECK(atomic_load_explicit(&o->ob_tid, memory_order_relaxed) == 0
                 && (sh & FT_SHARED_FLAG_MASK) == FT_REF_MERGED,
                 "%s of a departed thread not merged (tid %lu, state %d)", what,
                 (unsigned long)atomic_load_explicit(&o->ob_tid, memory_order_relaxed),
                 (int)(sh & FT_SHARED_FLAG_MASK));
#endif
    STRESS_CHECK(ft_refcount(o) == 1, "%s: refcount %td, expected 1", what,
                 ft_refcount(o));
}

static void churn_worker(void *vctx, int me)
{
    Churn *c = vctx;
    if (me > 0) {
        for (long k = 0; k < c->per_spawner; k++) {
            long slot = atomic_fetch_add_explicit(&c->next_slot, 1, memory_order_relaxed);
            ChurnArg a = { c, slot };
            pthread_t t;
            STRESS_CHECK(ft_thread_start(&t, churn_thread, &a) == 0, "thread start");
            ft_thread_join(t, NULL);
            /* release: the thread's detach (joined) happens before the
             * receiver's acquire of this flag and its checks. */
            atomic_store_explicit(&c->exited[slot], 1, memory_order_release);
            stress_count(1);
        }
        return;
    }
    long total = c->total_threads * TC_OBJS;
    FtObject **kept = calloc((size_t)total, sizeof *kept);
    STRESS_CHECK(kept, "oom");
    long nkept = 0, got = 0;
    while (got < total) {
        FtObject *o = ring_pop(&c->ring);
        if (!o) {
            pause_attached();
            continue;
        }
        got++;
        FtObject *f = churn_float(o);
        STRESS_CHECK(ft_is_float(f), "received a %s", ft_type_name(ft_type_of(f)));
        double v = ft_float_as_double(f);
        long slot = (long)(v / 16.0);
        int i = (int)(v - (double)slot * 16.0);
        STRESS_CHECK(slot >= 0 && slot < c->total_threads && i >= 0 && i < TC_OBJS,
                     "value %g", v);
        STRESS_CHECK(ft_is_tuple(o) == (i == 1) && ft_is_list(o) == (i == 2),
                     "slot %ld item %d: wrong shape", slot, i);
        uint8_t was = atomic_exchange_explicit(&c->seen[slot * TC_OBJS + i], 1,
                                               memory_order_relaxed);
        STRESS_CHECK(was == 0, "slot %ld item %d received twice", slot, i);
        if (i & 1) {
            kept[nkept++] = o;           /* checked after every thread left */
        } else {
            /* acquire: pairs with the spawner's release after the join. */
            if (atomic_load_explicit(&c->exited[slot], memory_order_acquire)) {
                check_churn_merged(o, "object");
                /* We free it (merged, last reference): a departed thread's
                 * block must not go on our free lists. */
                ft_decref(o);
                check_own_lists("after freeing a departed thread's object");
            } else {
                ft_decref(o);            /* races with the owner's exit */
            }
        }
    }
    atomic_store_explicit(&c->received, got, memory_order_relaxed);
    /* Every short-lived thread has been joined once all spawners are done;
     * wait for their flags (acquire), then check what we kept. */
    for (long s = 0; s < c->total_threads; s++)
        while (!atomic_load_explicit(&c->exited[s], memory_order_acquire))
            pause_attached();
    for (long k = 0; k < nkept; k++) {
        check_churn_merged(kept[k], "kept object");
        if (ft_is_tuple(kept[k]))
            check_churn_merged(ft_tuple_borrow_item(kept[k], 0), "tuple item");
        ft_decref(kept[k]);
        if ((k & 15) == 0)
            check_own_lists("after freeing kept objects");
    }
    free(kept);
}

static void thread_churn(void)
{
    static Churn c;
    memset(&c, 0, sizeof c);
    ring_init(&c.ring);
    c.spawners = stress_threads() - 1;
    c.per_spawner = stress_iters(8000, 300) / c.spawners;
    c.total_threads = c.per_spawner * c.spawners;
    c.exited = calloc((size_t)c.total_threads, 1);
    c.seen = calloc((size_t)(c.total_threads * TC_OBJS), 1);
    STRESS_CHECK(c.exited && c.seen, "oom");
    FtStats before = stats_now();
    int64_t floats0 = ft_stats_live_of_type(&ft_float_type);
    stress_run_threads(stress_threads(), churn_worker, &c);
    ft_safepoint();
    FtStats after = stats_now();
    long total = c.total_threads * TC_OBJS;
    STRESS_CHECK(atomic_load(&c.received) == total, "received %ld of %ld",
                 atomic_load(&c.received), total);
    for (long k = 0; k < total; k++)
        STRESS_CHECK(atomic_load_explicit(&c.seen[k], memory_order_relaxed) == 1,
                     "object %ld never received", k);
    STRESS_CHECK(after.threads_attached_total - before.threads_attached_total
                 == (uint64_t)(c.total_threads + stress_threads()),
                 "attaches %llu, expected %ld",
                 (unsigned long long)(after.threads_attached_total
                                      - before.threads_attached_total),
                 c.total_threads + stress_threads());
    STRESS_CHECK(after.threads_live == before.threads_live, "threads live %llu -> %llu",
                 (unsigned long long)before.threads_live,
                 (unsigned long long)after.threads_live);
    STRESS_CHECK(after.merges_queued - before.merges_queued
                 == after.merges_done - before.merges_done,
                 "merges queued %llu != done %llu",
                 (unsigned long long)(after.merges_queued - before.merges_queued),
                 (unsigned long long)(after.merges_done - before.merges_done));
    STRESS_CHECK(ft_stats_live_of_type(&ft_float_type) == floats0, "live floats %+lld",
                 (long long)(ft_stats_live_of_type(&ft_float_type) - floats0));
    free((void *)c.exited);
    free((void *)c.seen);
}

int main(int argc, char **argv)
{
    stress_init(argc, argv, "alloc");
    stress_scenario("freelist_crossfree", freelist_crossfree, STRESS_LIVE_EXACT);
    stress_scenario("freelist_exit", freelist_exit, STRESS_LIVE_EXACT);
    stress_scenario("list_qsbr_readers", list_qsbr_readers, STRESS_LIVE_EXACT);
    stress_scenario("thread_churn", thread_churn, STRESS_LIVE_EXACT);
    return stress_finish();
}
