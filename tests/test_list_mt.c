/* tests/test_list_mt.c: lists under concurrent use (runtime/list.c
 * protocol, docs/concurrency.md "list").
 *
 * - One writer appends, inserts, pops, deletes, assigns items and slices,
 *   extends, reverses, sorts and clears, while readers iterate, index,
 *   take len() and search without locks. Every item a reader gets must be
 *   alive (TVal magic intact) and one of the values the writer stored; the
 *   writer mirrors each operation on a plain C array and the list must end
 *   up equal to it exactly. Run with the list owned by the main thread (the
 *   writer is a non-owner: sharing on first write) and owned by the writer
 *   itself (the readers' first access shares it while the owner writes).
 * - Several writers append concurrently while readers iterate: the final
 *   length is exact and every value is there exactly once.
 * - Afterwards every TVal is freed (no leak, nothing freed twice).
 * Iteration counts are smaller under ThreadSanitizer.
 */
#include "sequtil.h"
#include "threads/lock.h"
#include <stdio.h>
#include <stdlib.h>

TVAL_TYPE_DEF

#if FT_TSAN
#define ROUNDS 1500
#define APPENDS 2000
#else
#define ROUNDS 40000
#define APPENDS 20000
#endif
#define READERS 3
#define WRITERS 3

static _Atomic int stop;
static _Atomic(FtObject *) shared_list;
static _Atomic int64_t next_value;        /* values stored are < this */
static _Atomic long bad_items, items_seen, index_hits, writer_failures;
static _Atomic int readers_ready;

/* cmocka's asserts only work on the main thread: worker threads count
 * failures, which the main thread then asserts to be zero. */
#define WCHECK(cond) do {                                               \
        if (!(cond)) {                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,       \
                    __LINE__, #cond);                                   \
            ft_atomic_add_relaxed(&writer_failures, 1);                 \
        }                                                               \
    } while (0)

/* ---- Readers ---- */

static void check_item(FtObject *x)
{
    if (x->ob_type != &tval_type || ((TVal *)x)->magic != TVAL_MAGIC
        || ((TVal *)x)->value < 0
        || ((TVal *)x)->value >= ft_atomic_load_relaxed(&next_value))
        ft_atomic_add_relaxed(&bad_items, 1);
    ft_atomic_add_relaxed(&items_seen, 1);
}

static void read_pass(FtObject *l, uint64_t *rng)
{
    FtObject *it = ft_iter(l);
    if (!it) {
        ft_atomic_add_relaxed(&bad_items, 1);
        return;
    }
    FtObject *x;
    while ((x = ft_iter_next(it)) != NULL) {
        check_item(x);
        ft_decref(x);
    }
    if (ft_error_occurred())
        ft_atomic_add_relaxed(&bad_items, 1);
    ft_decref(it);
    for (int k = 0; k < 64; k++) {
        *rng = *rng * 6364136223846793005ull + 1442695040888963407ull;
        FtSsize n = ft_len(l);
        if (n < 0) {
            ft_atomic_add_relaxed(&bad_items, 1);
            return;
        }
        FtSsize i = (FtSsize)(*rng >> 33) % (n + 1) - (k & 1 ? n : 0);
        x = ft_list_get_item(l, i);
        if (x) {
            check_item(x);
            ft_decref(x);
            ft_atomic_add_relaxed(&index_hits, 1);
        } else if (ft_error_kind() != FT_ERR_INDEX) {
            ft_atomic_add_relaxed(&bad_items, 1);
        }
        ft_error_clear();
    }
}

static void *reader_main(void *arg)
{
    uint64_t rng = (uintptr_t)arg * 0x9E3779B97F4A7C15ull;
    FtObject *l;
    while (!(l = ft_atomic_load_acquire(&shared_list)))
        ft_safepoint();
    ft_incref(l);
    ft_atomic_add_relaxed(&readers_ready, 1);
    while (!ft_atomic_load_relaxed(&stop)) {
        read_pass(l, &rng);
        ft_safepoint();
    }
    ft_decref(l);
    return NULL;
}

/* ---- The writer and its model ---- */

typedef struct Model {
    int64_t *v;
    FtSsize n, cap;
} Model;

static void model_reserve(Model *m, FtSsize extra)
{
    if (m->n + extra > m->cap) {
        m->cap = (m->n + extra) * 2;
        m->v = realloc(m->v, (size_t)m->cap * sizeof(int64_t));
        if (!m->v)
            abort();
    }
}

static void model_insert(Model *m, FtSsize i, int64_t x)
{
    model_reserve(m, 1);
    memmove(m->v + i + 1, m->v + i, (size_t)(m->n - i) * sizeof(int64_t));
    m->v[i] = x;
    m->n++;
}

static void model_delete(Model *m, FtSsize lo, FtSsize hi)
{
    if (m->n > hi)      /* m->v is NULL while the model is still empty */
        memmove(m->v + lo, m->v + hi, (size_t)(m->n - hi) * sizeof(int64_t));
    m->n -= hi - lo;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int tval_cmp(FtObject *a, FtObject *b, void *arg)
{
    (void)arg;
    int64_t x = ((TVal *)a)->value, y = ((TVal *)b)->value;
    return x < y ? -1 : x > y;
}

static FtObject *fresh(int64_t *val)
{
    *val = ft_atomic_add_relaxed(&next_value, 1);
    FtObject *x = tval_try(*val);
    if (!x) {
        fprintf(stderr, "allocation failed: %s\n", ft_error_message());
        abort();
    }
    return x;
}

/* One random operation on l, mirrored on m. */
static void write_op(FtObject *l, Model *m, uint64_t r)
{
    int64_t v;
    FtObject *x;
    FtSsize n = m->n, i = n ? (FtSsize)((r >> 20) % (uint64_t)n) : 0;
    switch (r % 12) {
    case 0: case 1: case 2:                     /* append */
        x = fresh(&v);
        WCHECK(ft_list_append(l, x) == 0);
        ft_decref(x);
        model_insert(m, n, v);
        break;
    case 3:                                     /* insert */
        x = fresh(&v);
        WCHECK(ft_list_insert(l, i, x) == 0);
        ft_decref(x);
        model_insert(m, i, v);
        break;
    case 4:                                     /* pop */
        if (n == 0)
            break;
        x = ft_list_pop(l, i);
        WCHECK(x != NULL);
        if (x) {
            WCHECK(((TVal *)x)->value == m->v[i]);
            ft_decref(x);
        }
        model_delete(m, i, i + 1);
        break;
    case 5:                                     /* set item */
        if (n == 0)
            break;
        x = fresh(&v);
        WCHECK(ft_list_set_item(l, i, x) == 0);
        ft_decref(x);
        m->v[i] = v;
        break;
    case 6: {                                   /* replace a slice by 3 */
        FtObject *a, *b, *c;
        int64_t va, vb, vc;
        a = fresh(&va); b = fresh(&vb); c = fresh(&vc);
        FtObject *t = ft_tuple_pack(3, a, b, c);
        FtSsize hi = i + (FtSsize)((r >> 40) % 5);
        if (hi > n)
            hi = n;
        WCHECK(ft_list_set_slice(l, i, hi, 1, t) == 0);
        model_delete(m, i, hi);
        model_insert(m, i, vc);
        model_insert(m, i, vb);
        model_insert(m, i, va);
        ft_decref(t); ft_decref(a); ft_decref(b); ft_decref(c);
        break;
    }
    case 7: {                                   /* delete a slice */
        FtSsize hi = i + (FtSsize)((r >> 40) % 12);
        if (hi > n)
            hi = n;
        WCHECK(ft_list_del_slice(l, i, hi, 1) == 0);
        model_delete(m, i, hi);
        break;
    }
    case 8: {                                   /* extend by 10 */
        FtObject *items[10];
        for (int k = 0; k < 10; k++) {
            items[k] = fresh(&v);
            model_insert(m, m->n, v);
        }
        FtObject *t = ft_tuple_from_array(items, 10);
        WCHECK(ft_list_extend(l, t) == 0);
        ft_decref(t);
        for (int k = 0; k < 10; k++)
            ft_decref(items[k]);
        break;
    }
    case 9:                                     /* reverse */
        WCHECK(ft_list_reverse(l) == 0);
        for (FtSsize lo = 0, hi = n - 1; lo < hi; lo++, hi--) {
            int64_t t = m->v[lo];
            m->v[lo] = m->v[hi];
            m->v[hi] = t;
        }
        break;
    case 10:                                    /* sort */
        if ((r >> 8) % 8 != 0)
            break;
        WCHECK(ft_list_sort(l, tval_cmp, NULL, 0) == 0);
        qsort(m->v, (size_t)n, sizeof(int64_t), cmp_i64);
        break;
    default:                                    /* clear when large */
        if (n < 400)
            break;
        WCHECK(ft_list_clear(l) == 0);
        m->n = 0;
        break;
    }
}

static void assert_matches(FtObject *l, const Model *m)
{
    FtSsize n = ft_len(l);
    WCHECK(n == m->n);
    for (FtSsize i = 0; i < n && i < m->n; i++) {
        FtObject *x = ft_list_get_item(l, i);
        WCHECK(x != NULL);
        if (x) {
            WCHECK(((TVal *)x)->magic == TVAL_MAGIC);
            WCHECK(((TVal *)x)->value == m->v[i]);
            ft_decref(x);
        }
    }
}

typedef struct WriterArg {
    FtObject *list;             /* NULL: the writer creates (owns) it */
    uint64_t seed;
} WriterArg;

static void *writer_main(void *arg)
{
    WriterArg *w = arg;
    FtObject *l = w->list ? ft_newref(w->list) : ft_list_new(0);
    if (!w->list)   /* readers start now; main drops this reference */
        ft_atomic_store_release(&shared_list, ft_newref(l));
    while (ft_atomic_load_relaxed(&readers_ready) < READERS)
        ft_safepoint();
    Model m = { NULL, 0, 0 };
    uint64_t r = w->seed;
    /* At least ROUNDS operations, and on until the readers have read a
     * fair number of items meanwhile (so the two really overlap). */
    for (int k = 0; k < ROUNDS || ft_atomic_load_relaxed(&items_seen) < 20000; k++) {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        write_op(l, &m, r);
        if ((k & 255) == 0)
            assert_matches(l, &m);
    }
    assert_matches(l, &m);
    free(m.v);
    ft_decref(l);
    return NULL;
}

static void join(pthread_t th)
{
    ft_blocking_begin();
    pthread_join(th, NULL);
    ft_blocking_end();
}

static void reset(void)
{
    ft_atomic_store_relaxed(&stop, 0);
    ft_atomic_store_relaxed(&shared_list, NULL);
    ft_atomic_store_relaxed(&bad_items, 0);
    ft_atomic_store_relaxed(&items_seen, 0);
    ft_atomic_store_relaxed(&index_hits, 0);
    ft_atomic_store_relaxed(&writer_failures, 0);
    ft_atomic_store_relaxed(&readers_ready, 0);
}

/* All threads gone: let delayed frees run, then compare live counts. */
static void settle(void)
{
    for (int i = 0; i < 4; i++) {
        ft_safepoint();
        ft__qsbr_reclaim();
    }
}

static void run_single_writer(int owner_is_main)
{
    reset();
    int64_t tvals0 = ft_stats_live_of_type(&tval_type);
    int64_t lists0 = ft_stats_live_of_type(&ft_list_type);
    FtObject *l = NULL;
    if (owner_is_main) {
        l = ft_list_new(0);
        ft_atomic_store_release(&shared_list, l);
    }
    pthread_t readers[READERS], writer;
    for (uintptr_t i = 0; i < READERS; i++)
        assert_int_equal(ft_thread_start(&readers[i], reader_main, (void *)(i + 1)), 0);
    WriterArg w = { l, 0x1234567ull + (uint64_t)owner_is_main };
    assert_int_equal(ft_thread_start(&writer, writer_main, &w), 0);
    join(writer);
    ft_atomic_store_relaxed(&stop, 1);
    for (int i = 0; i < READERS; i++)
        join(readers[i]);
    assert_int_equal(ft_atomic_load_relaxed(&bad_items), 0);
    assert_int_equal(ft_atomic_load_relaxed(&writer_failures), 0);
    assert_true(ft_atomic_load_relaxed(&items_seen) > 0);
    ft_decref(ft_atomic_load_relaxed(&shared_list));
    settle();
    assert_int_equal(ft_stats_live_of_type(&ft_list_type), lists0);
    assert_int_equal(ft_stats_live_of_type(&tval_type), tvals0);
}

static void test_writer_non_owner(void **state)
{
    (void)state;
    run_single_writer(1);
}

static void test_writer_is_owner(void **state)
{
    (void)state;
    run_single_writer(0);
}

/* ---- Concurrent appenders ---- */

static void *appender_main(void *arg)
{
    FtObject *l = ft_atomic_load_acquire(&shared_list);
    int64_t base = (int64_t)(uintptr_t)arg * APPENDS;
    while (ft_atomic_load_relaxed(&readers_ready) < READERS)
        ft_safepoint();
    for (int64_t i = 0; i < APPENDS; i++) {
        FtObject *x = tval_try(base + i);
        if (!x)
            abort();
        WCHECK(ft_list_append(l, x) == 0);
        ft_decref(x);
        if ((i & 1023) == 0)
            ft_safepoint();
    }
    return NULL;
}

static void test_concurrent_appends(void **state)
{
    (void)state;
    reset();
    int64_t tvals0 = ft_stats_live_of_type(&tval_type);
    ft_atomic_store_relaxed(&next_value, (int64_t)WRITERS * APPENDS);
    FtObject *l = ft_list_new(0);
    ft_atomic_store_release(&shared_list, l);
    pthread_t readers[READERS], writers[WRITERS];
    for (uintptr_t i = 0; i < READERS; i++)
        assert_int_equal(ft_thread_start(&readers[i], reader_main, (void *)(i + 7)), 0);
    for (uintptr_t i = 0; i < WRITERS; i++)
        assert_int_equal(ft_thread_start(&writers[i], appender_main, (void *)i), 0);
    for (int i = 0; i < WRITERS; i++)
        join(writers[i]);
    ft_atomic_store_relaxed(&stop, 1);
    for (int i = 0; i < READERS; i++)
        join(readers[i]);
    assert_int_equal(ft_atomic_load_relaxed(&bad_items), 0);
    assert_int_equal(ft_atomic_load_relaxed(&writer_failures), 0);
    assert_int_equal(ft_len(l), (FtSsize)WRITERS * APPENDS);
    assert_int_equal(ft_list_sort(l, tval_cmp, NULL, 0), 0);
    for (FtSsize i = 0; i < (FtSsize)WRITERS * APPENDS; i++) {
        FtObject *x = ft_list_get_item(l, i);
        assert_int_equal(tval_of(x), i);        /* each value exactly once */
        ft_decref(x);
    }
    ft_decref(l);
    settle();
    assert_int_equal(ft_stats_live_of_type(&tval_type), tvals0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_non_owner),
        cmocka_unit_test(test_writer_is_owner),
        cmocka_unit_test(test_concurrent_appends),
    };
    return cmocka_run_group_tests_name("list_mt", tests, seq_group_setup,
                                       ft_test_group_teardown);
}
