/* tests/test_deque.c: collections.deque semantics (both ends, maxlen,
 * indexing, iteration and mutation detection, repr as Python's), a random
 * walk against an array model, sizes, cycles through deques and their
 * iterators collected by the GC, allocation failure, and producers and
 * consumers on both ends from several threads (exact counts). */
#include "testutil.h"
#include "gc/gc.h"

#include <pthread.h>

static FtObject *I(int64_t v)
{
    FtObject *o = ft_int_from_i64(v);
    assert_non_null(o);
    return o;
}

static int64_t val(FtObject *o)
{
    int64_t x = 0;
    assert_non_null(o);
    assert_int_equal(ft_int_as_i64(o, &x), 0);
    return x;
}

static void push(FtObject *d, int64_t v, int left)
{
    FtObject *o = I(v);
    assert_int_equal(left ? ft_deque_appendleft(d, o) : ft_deque_append(d, o), 0);
    ft_decref(o);
}

static void assert_repr(FtObject *o, const char *want)
{
    FtObject *r = ft_repr(o);
    assert_non_null(r);
    assert_string_equal(ft_str_as_utf8(r, NULL), want);
    ft_decref(r);
}

static void assert_contents(FtObject *d, const int64_t *want, FtSsize n)
{
    assert_int_equal(ft_len(d), n);
    for (FtSsize i = 0; i < n; i++) {
        FtObject *x = ft_deque_get_item(d, i);
        assert_int_equal(val(x), want[i]);
        ft_decref(x);
        x = ft_deque_get_item(d, i - n);
        assert_int_equal(val(x), want[i]);
        ft_decref(x);
    }
    FtObject *it = ft_iter(d), *x;
    FtSsize k = 0;
    while ((x = ft_iter_next(it))) {
        assert_true(k < n);
        assert_int_equal(val(x), want[k++]);
        ft_decref(x);
    }
    assert_false(ft_error_occurred());
    assert_int_equal(k, n);
    ft_decref(it);
}

static void test_basic(void **state)
{
    (void)state;
    FtObject *d = ft_deque_new(-1), *x;
    assert_true(ft_is_deque(d));
    assert_int_equal(ft_deque_maxlen(d), -1);
    assert_repr(d, "deque([])");
    assert_int_equal(ft_deque_try_pop(d, &x), 0);
    assert_null(x);
    assert_false(ft_error_occurred());
    assert_int_equal(ft_deque_try_popleft(d, &x), 0);
    assert_null(ft_deque_pop(d));
    assert_int_equal(ft_error_kind(), FT_ERR_INDEX);
    assert_string_equal(ft_error_message(), "pop from an empty deque");
    assert_null(ft_deque_popleft(d));
    assert_int_equal(ft_error_kind(), FT_ERR_INDEX);
    ft_error_clear();
    push(d, 1, 0);
    push(d, 2, 0);
    push(d, 0, 1);
    int64_t w[] = { 0, 1, 2 };
    assert_contents(d, w, 3);
    assert_repr(d, "deque([0, 1, 2])");
    assert_null(ft_deque_get_item(d, 3));
    assert_int_equal(ft_error_kind(), FT_ERR_INDEX);
    assert_null(ft_deque_get_item(d, -4));
    ft_error_clear();
    FtObject *one = I(1), *five = I(5);
    assert_int_equal(ft_contains(d, one), 1);
    assert_int_equal(ft_contains(d, five), 0);
    ft_decref(one);
    ft_decref(five);
    x = ft_deque_popleft(d);
    assert_int_equal(val(x), 0);
    ft_decref(x);
    assert_int_equal(ft_deque_try_pop(d, &x), 1);
    assert_int_equal(val(x), 2);
    ft_decref(x);
    assert_int_equal(ft_deque_clear(d), 0);
    assert_int_equal(ft_len(d), 0);

    /* bad arguments */
    FtObject *l = ft_list_new(0);
    assert_int_equal(ft_deque_append(l, l), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    assert_int_equal(ft_deque_append(d, NULL), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_STATE);      /* NULL policy */
    assert_int_equal(ft_deque_try_pop(d, NULL), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_STATE);
    assert_null(ft_deque_new(-2));
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    assert_int_equal(ft_deque_maxlen(l), -2);
    assert_int_equal(ft_deque_clear(NULL), -1);
    ft_error_clear();
    ft_decref(l);
    ft_decref(d);
}

static void test_maxlen(void **state)
{
    (void)state;
    FtObject *d = ft_deque_new(3);
    for (int64_t i = 1; i <= 5; i++)
        push(d, i, 0);
    int64_t w1[] = { 3, 4, 5 };
    assert_contents(d, w1, 3);
    assert_repr(d, "deque([3, 4, 5], maxlen=3)");
    push(d, 0, 1);                      /* drops the rightmost */
    int64_t w2[] = { 0, 3, 4 };
    assert_contents(d, w2, 3);
    assert_int_equal(ft_deque_maxlen(d), 3);
    ft_decref(d);

    d = ft_deque_new(0);
    push(d, 1, 0);
    push(d, 2, 1);
    assert_int_equal(ft_len(d), 0);
    assert_repr(d, "deque([], maxlen=0)");
    ft_decref(d);

    /* a bound that spans blocks: the window slides over block edges */
    d = ft_deque_new(100);
    for (int64_t i = 0; i < 1000; i++)
        push(d, i, 0);
    int64_t w3[100];
    for (int i = 0; i < 100; i++)
        w3[i] = 900 + i;
    assert_contents(d, w3, 100);
    for (int64_t i = 0; i < 1000; i++)
        push(d, -i, 1);
    for (int i = 0; i < 100; i++)
        w3[i] = -999 + i;
    assert_contents(d, w3, 100);
    ft_decref(d);
}

/* Random operations against an array model with room on both sides. */
static void test_model(void **state)
{
    (void)state;
    enum { CAP = 20000, MID = 10000 };
    static int64_t model[CAP];
    for (int round = 0; round < 3; round++) {
        FtSsize maxlen = round == 0 ? -1 : round == 1 ? 70 : 5;
        FtObject *d = ft_deque_new(maxlen);
        FtSsize lo = MID, hi = MID;             /* model[lo..hi) */
        uint64_t r = 12345 + (uint64_t)round;
        for (int step = 0; step < 8000; step++) {
            r = r * 6364136223846793005ULL + 1442695040888963407ULL;
            int op = (int)((r >> 33) % 10);
            int64_t v = (int64_t)(r >> 40);
            FtObject *x;
            if (op < 3) {
                push(d, v, 0);
                model[hi++] = v;
                if (maxlen >= 0 && hi - lo > maxlen)
                    lo++;
            } else if (op < 6) {
                push(d, v, 1);
                model[--lo] = v;
                if (maxlen >= 0 && hi - lo > maxlen)
                    hi--;
            } else if (op < 8) {
                int got = op == 6 ? ft_deque_try_pop(d, &x) : ft_deque_try_popleft(d, &x);
                assert_int_equal(got, hi > lo);
                if (got) {
                    assert_int_equal(val(x), op == 6 ? model[--hi] : model[lo++]);
                    ft_decref(x);
                }
            } else if (hi > lo) {
                FtSsize i = (FtSsize)((r >> 20) % (uint64_t)(hi - lo));
                x = ft_deque_get_item(d, i);
                assert_int_equal(val(x), model[lo + i]);
                ft_decref(x);
            }
            assert_int_equal(ft_len(d), hi - lo);
            if (lo < 100 || hi > CAP - 100) {           /* re-centre the model */
                FtSsize n = hi - lo;
                memmove(model + MID, model + lo, (size_t)n * sizeof(int64_t));
                lo = MID;
                hi = MID + n;
            }
        }
        assert_contents(d, model + lo, hi - lo);
        ft_decref(d);
    }
}

static void test_iteration_mutation(void **state)
{
    (void)state;
    FtObject *d = ft_deque_new(-1);
    for (int64_t i = 0; i < 200; i++)
        push(d, i, 0);
    FtObject *it = ft_iter(d), *x = ft_iter_next(it);
    assert_int_equal(val(x), 0);
    ft_decref(x);
    push(d, 7, 0);
    assert_null(ft_iter_next(it));
    assert_int_equal(ft_error_kind(), FT_ERR_RUNTIME);
    assert_string_equal(ft_error_message(), "deque mutated during iteration");
    ft_error_clear();
    ft_decref(it);
    /* a pop counts too; exhausted stays exhausted */
    it = ft_iter(d);
    x = ft_deque_pop(d);
    ft_decref(x);
    assert_null(ft_iter_next(it));
    assert_int_equal(ft_error_kind(), FT_ERR_RUNTIME);
    ft_error_clear();
    ft_decref(it);
    ft_deque_clear(d);
    it = ft_iter(d);
    assert_null(ft_iter_next(it));
    assert_false(ft_error_occurred());
    push(d, 1, 0);
    assert_null(ft_iter_next(it));
    assert_false(ft_error_occurred());
    ft_decref(it);
    ft_decref(d);
}

static void test_sizes(void **state)
{
    (void)state;
    FtObject *d = ft_deque_new(-1);
    assert_int_equal(ft_sizeof(d), 88 + 528);
    for (int64_t i = 0; i < 64; i++)
        push(d, i, 0);
    /* the first block starts at its centre: 64 items span two blocks */
    assert_int_equal(ft_sizeof(d), 88 + 2 * 528);
    for (int64_t i = 0; i < 64; i++)
        ft_decref(ft_deque_popleft(d));
    assert_int_equal(ft_sizeof(d), 88 + 528);
    ft_decref(d);
}

/* ---- GC ---- */

static void test_gc_cycles(void **state)
{
    (void)state;
    ft_gc_collect();
    LiveSnapshot before = live_snapshot();
    /* a deque holding itself */
    FtObject *d = ft_deque_new(-1);
    assert_int_equal(ft_deque_append(d, d), 0);
    assert_repr(d, "deque([[...]])");
    ft_decref(d);
    /* deque -> node -> deque, with an iterator of the deque in the node */
    d = ft_deque_new(5);
    FtObject *n = tnode_new(1), *leaf = tleaf_new(2);
    tnode_set(n, 0, d);
    FtObject *it = ft_iter(d);
    tnode_set(n, 1, it);
    ft_decref(it);
    ft_deque_append(d, leaf);
    ft_deque_appendleft(d, n);
    ft__gc_track(n);
    ft_decref(leaf);
    ft_decref(n);
    ft_decref(d);
    /* a long chain across many blocks, closed into a ring */
    FtObject *first = ft_deque_new(-1), *prev = first;
    for (int i = 0; i < 300; i++) {
        FtObject *next = ft_deque_new(-1);
        ft_deque_append(prev, next);
        for (int j = 0; j < 70; j++)
            push(next, j, j & 1);
        ft_decref(next);
        prev = next;
    }
    ft_deque_append(prev, first);
    ft_decref(first);
    assert_true(ft_gc_collect() >= 300);
    ft_freelists_clear();
    assert_live_equal(before, live_snapshot());
}

/* ---- allocation failure ---- */

static FtObject *ctor_new(FtObject *a, FtObject *b)
{
    (void)a; (void)b;
    return ft_deque_new(-1);
}

/* A deque grown over three blocks, popped back and repr'd. */
static FtObject *ctor_fill(FtObject *item, FtObject *b)
{
    (void)b;
    FtObject *d = ft_deque_new(10);
    if (!d)
        return NULL;
    for (int i = 0; i < 150; i++)
        if (ft_deque_append(d, item) < 0 || ft_deque_appendleft(d, item) < 0) {
            ft_decref(d);
            return NULL;
        }
    FtObject *r = ft_repr(d);
    ft_decref(d);
    return r;
}

static FtObject *ctor_iter(FtObject *a, FtObject *b)
{
    (void)b;
    return ft_iter(a);
}

static void test_oom(void **state)
{
    (void)state;
    FtObject *item = tleaf_new(1), *d = ft_deque_new(-1);
    for (int i = 0; i < 100; i++)
        ft_deque_append(d, item);
    ft_test_oom_loop(ctor_new, NULL, NULL, 10);
    ft_test_oom_loop(ctor_fill, item, NULL, 100);
    ft_test_oom_loop(ctor_iter, d, NULL, 10);
    /* clearing under allocation failure still empties the deque */
    ft_debug_fail_alloc_after(1);
    assert_int_equal(ft_deque_clear(d), 0);
    ft_debug_fail_alloc_after(0);
    assert_int_equal(ft_len(d), 0);
    assert_false(ft_error_occurred());
    ft_decref(d);
    ft_decref(item);
}

/* ---- threads: producers and consumers on both ends ---- */

enum { NPROD = 2, NCONS = 2, PER = 20000 };

static FtObject *shared_dq;
static _Atomic int64_t consumed_sum, consumed_n, producers_done;

static void *producer(void *arg)
{
    intptr_t w = (intptr_t)arg;
    for (int64_t i = 0; i < PER; i++) {
        FtObject *o = I(1000 + i);
        assert_int_equal(w & 1 ? ft_deque_appendleft(shared_dq, o)
                               : ft_deque_append(shared_dq, o), 0);
        ft_decref(o);
    }
    atomic_fetch_add(&producers_done, 1);
    return NULL;
}

static void *consumer(void *arg)
{
    intptr_t w = (intptr_t)arg;
    for (;;) {
        FtObject *x;
        int r = w & 1 ? ft_deque_try_popleft(shared_dq, &x)
                      : ft_deque_try_pop(shared_dq, &x);
        assert_true(r >= 0);
        if (r == 1) {
            atomic_fetch_add(&consumed_sum, val(x));
            atomic_fetch_add(&consumed_n, 1);
            ft_decref(x);
        } else if (atomic_load(&producers_done) == NPROD) {
            if (ft_len(shared_dq) == 0)
                break;
        } else {
            ft_safepoint();
        }
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    shared_dq = ft_deque_new(-1);
    consumed_sum = consumed_n = producers_done = 0;
    pthread_t t[NPROD + NCONS];
    for (intptr_t i = 0; i < NPROD; i++)
        assert_int_equal(ft_thread_start(&t[i], producer, (void *)i), 0);
    for (intptr_t i = 0; i < NCONS; i++)
        assert_int_equal(ft_thread_start(&t[NPROD + i], consumer, (void *)i), 0);
    for (int i = 0; i < NPROD + NCONS; i++)
        assert_int_equal(ft_thread_join(t[i], NULL), 0);
    assert_int_equal(consumed_n, NPROD * PER);
    int64_t per_sum = PER * 1000 + (int64_t)PER * (PER - 1) / 2;
    assert_int_equal(consumed_sum, NPROD * per_sum);
    assert_int_equal(ft_len(shared_dq), 0);
    FT_CLEAR(shared_dq);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_maxlen),
        cmocka_unit_test(test_model),
        cmocka_unit_test(test_iteration_mutation),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_gc_cycles),
        cmocka_unit_test(test_oom),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests_name("deque", tests, ft_test_group_setup,
                                       ft_test_group_teardown);
}
