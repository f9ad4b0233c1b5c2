/* tests/test_list.c: the list type, single-threaded (runtime/list.c,
 * list_slice.c, list_sort.c; iteration in runtime/iter.c).
 *
 * CPython's growth table exactly, the sizes of [] / [1] / [1, 2], every
 * operation and its errors, sort stability and mutation-during-sort
 * detection, failure injection on every constructor and growth path with
 * no leak, and a million-deep nested list freed without deep recursion.
 * The multi-threaded tests are in test_list_mt.c.
 */
#include "sequtil.h"
#include "runtime/trashcan.h"

TVAL_TYPE_DEF

/* [v0, v1, ...] of fresh TVals; the list holds the only references. */
static FtObject *L(int n, const int64_t *vals)
{
    FtObject *l = ft_list_new(0);
    assert_non_null(l);
    for (int i = 0; i < n; i++) {
        FtObject *x = V(vals[i]);
        assert_int_equal(ft_list_append(l, x), 0);
        ft_decref(x);
    }
    return l;
}
#define LIST(...) L((int)(sizeof((int64_t[]){ __VA_ARGS__ }) / sizeof(int64_t)), \
                    (int64_t[]){ __VA_ARGS__ })

static FtObject *range_list(int n)
{
    FtObject *l = ft_list_new(0);
    for (int i = 0; i < n; i++) {
        FtObject *x = V(i);
        assert_int_equal(ft_list_append(l, x), 0);
        ft_decref(x);
    }
    return l;
}

static int64_t at(FtObject *l, FtSsize i)
{
    FtObject *x = ft_list_get_item(l, i);
    assert_non_null(x);
    int64_t v = tval_of(x);
    ft_decref(x);
    return v;
}

static void expect_error(FtErrorKind kind)
{
    assert_int_equal(ft_error_kind(), kind);
    ft_error_clear();
}

/* ---- Growth and sizes ---- */

static void test_growth_table(void **state)
{
    (void)state;
    static const FtSsize at_size[] = { 1, 5, 9, 17, 25, 33, 41, 53, 65, 77,
        93, 109, 129, 149, 173, 201, 233, 269 };
    static const FtSsize to_cap[] = { 4, 8, 16, 24, 32, 40, 52, 64, 76, 92,
        108, 128, 148, 172, 200, 232, 268, 308 };
    FtObject *l = ft_list_new(0);
    assert_int_equal(ft_list_capacity(l), 0);
    size_t k = 0;
    FtSsize cap = 0;
    for (FtSsize n = 1; n <= 300; n++) {
        assert_int_equal(ft_list_append(l, FT_NONE), 0);
        FtSsize c = ft_list_capacity(l);
        if (c != cap) {
            assert_true(k < FT_ARRAY_LEN(at_size));
            assert_int_equal(n, at_size[k]);
            assert_int_equal(c, to_cap[k]);
            assert_int_equal(ft_sizeof(l), 56 + 8 * (size_t)c);
            cap = c;
            k++;
        }
    }
    assert_int_equal(k, FT_ARRAY_LEN(at_size));
    ft_decref(l);
}

static void test_sizes(void **state)
{
    (void)state;
    FtObject *one = V(1), *two = V(2);
    FtObject *e = ft_list_new(0);
    FtObject *a = ft_list_from_array((FtObject *[]){ one }, 1);
    FtObject *b = ft_list_from_array((FtObject *[]){ one, two }, 2);
    assert_int_equal(ft_sizeof(e), 56);
    assert_int_equal(ft_sizeof(a), 64);
    assert_int_equal(ft_sizeof(b), 72);
    assert_true(ft__gc_is_tracked(b));
    FtObject *n5 = ft_list_new(5);
    assert_int_equal(ft_list_capacity(n5), 5);
    assert_int_equal(ft_len(n5), 5);
    FtObject *x = ft_list_get_item(n5, 4);
    assert_ptr_equal(x, FT_NONE);
    assert_null(ft_list_new(-1));
    expect_error(FT_ERR_VALUE);
    ft_decref(n5);
    ft_decref(e);
    ft_decref(a);
    ft_decref(b);
    ft_decref(one);
    ft_decref(two);
}

/* ---- Item operations ---- */

static void test_get_set_del(void **state)
{
    (void)state;
    FtObject *l = LIST(10, 20, 30);
    assert_int_equal(at(l, 0), 10);
    assert_int_equal(at(l, -1), 30);
    assert_null(ft_list_get_item(l, 3));
    expect_error(FT_ERR_INDEX);
    assert_null(ft_list_get_item(l, -4));
    expect_error(FT_ERR_INDEX);
    FtObject *x = V(99);
    assert_int_equal(ft_list_set_item(l, -2, x), 0);
    assert_int_equal(at(l, 1), 99);
    assert_int_equal(ft_list_set_item(l, 3, x), -1);
    expect_error(FT_ERR_INDEX);
    assert_int_equal(ft_list_del_item(l, 0), 0);
    assert_repr(l, "[99, 30]");
    assert_int_equal(ft_list_del_item(l, 5), -1);
    expect_error(FT_ERR_INDEX);
    /* the wrong type */
    FtObject *t = ft_tuple_new(0);
    assert_int_equal(ft_list_append(t, x), -1);
    expect_error(FT_ERR_TYPE);
    assert_null(ft_list_get_item(t, 0));
    expect_error(FT_ERR_TYPE);
    ft_decref(x);
    ft_decref(l);
}

static void test_insert_pop(void **state)
{
    (void)state;
    FtObject *l = LIST(1, 2, 3);
    FtObject *a = V(0), *b = V(9), *c = V(5);
    assert_int_equal(ft_list_insert(l, 0, a), 0);
    assert_int_equal(ft_list_insert(l, 100, b), 0);
    assert_int_equal(ft_list_insert(l, -1, c), 0);      /* before the last */
    assert_int_equal(ft_list_insert(l, -100, c), 0);    /* clamps to 0 */
    assert_repr(l, "[5, 0, 1, 2, 3, 5, 9]");
    FtObject *p = ft_list_pop(l, -1);
    assert_int_equal(tval_of(p), 9);
    ft_decref(p);
    p = ft_list_pop(l, 1);
    assert_int_equal(tval_of(p), 0);
    ft_decref(p);
    assert_null(ft_list_pop(l, 5));
    expect_error(FT_ERR_INDEX);
    assert_repr(l, "[5, 1, 2, 3, 5]");
    while (ft_len(l) > 0)
        ft_decref(ft_list_pop(l, -1));
    assert_int_equal(ft_list_capacity(l), 0);
    assert_null(ft_list_pop(l, -1));
    assert_int_equal(ft_error_kind(), FT_ERR_INDEX);
    assert_string_equal(ft_error_message(), "pop from empty list");
    ft_error_clear();
    ft_decref(a);
    ft_decref(b);
    ft_decref(c);
    ft_decref(l);
}

static void test_shrink(void **state)
{
    (void)state;
    FtObject *l = range_list(100);
    assert_int_equal(ft_list_capacity(l), 108);
    for (int i = 0; i < 90; i++)
        ft_decref(ft_list_pop(l, -1));
    /* below half, reallocated to n + n/8 + 6 rounded down to 4 */
    FtSsize cap = ft_list_capacity(l);
    assert_true(cap >= 10 && cap < 54);
    assert_repr(l, "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]");
    ft_decref(l);
}

static void test_search(void **state)
{
    (void)state;
    FtObject *l = LIST(3, 1, 4, 1, 5);
    FtObject *one = V(1), *nine = V(9), *five = V(5);
    assert_int_equal(ft_list_index(l, one), 1);
    assert_int_equal(ft_list_index(l, nine), -1);
    expect_error(FT_ERR_VALUE);
    assert_int_equal(ft_list_count(l, one), 2);
    assert_int_equal(ft_list_count(l, nine), 0);
    assert_int_equal(ft_contains(l, five), 1);
    assert_int_equal(ft_contains(l, nine), 0);
    assert_int_equal(ft_list_remove(l, one), 0);
    assert_repr(l, "[3, 4, 1, 5]");
    assert_int_equal(ft_list_remove(l, nine), -1);
    expect_error(FT_ERR_VALUE);
    assert_int_equal(ft_list_reverse(l), 0);
    assert_repr(l, "[5, 1, 4, 3]");
    assert_int_equal(ft_list_clear(l), 0);
    assert_int_equal(ft_len(l), 0);
    assert_int_equal(ft_list_capacity(l), 0);
    assert_repr(l, "[]");
    ft_decref(one);
    ft_decref(nine);
    ft_decref(five);
    ft_decref(l);
}

/* ---- Slices ---- */

static void check_get(FtObject *l, FtSsize a, FtSsize b, FtSsize s, const char *expect)
{
    FtObject *r = ft_list_get_slice(l, a, b, s);
    assert_non_null(r);
    assert_repr(r, expect);
    assert_int_equal(ft_list_capacity(r), ft_len(r));   /* exact */
    ft_decref(r);
}

static void test_get_slice(void **state)
{
    (void)state;
    FtObject *l = range_list(6);
    check_get(l, 1, 4, 1, "[1, 2, 3]");
    check_get(l, PTRDIFF_MAX, PTRDIFF_MIN, -1, "[5, 4, 3, 2, 1, 0]");
    check_get(l, 0, PTRDIFF_MAX, 2, "[0, 2, 4]");
    check_get(l, -1, 0, -2, "[5, 3, 1]");
    check_get(l, 4, 1, 1, "[]");
    assert_null(ft_list_get_slice(l, 0, 1, 0));
    expect_error(FT_ERR_VALUE);
    ft_decref(l);
}

static void test_set_slice(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtObject *l = range_list(6);
    FtObject *src = LIST(10, 11, 12);
    /* replace 2 by 3 (grows), 3 by 0 (shrinks), insert, self-assign */
    assert_int_equal(ft_list_set_slice(l, 1, 3, 1, src), 0);
    assert_repr(l, "[0, 10, 11, 12, 3, 4, 5]");
    FtObject *empty = ft_tuple_new(0);
    assert_int_equal(ft_list_set_slice(l, 1, 4, 1, empty), 0);
    assert_repr(l, "[0, 3, 4, 5]");
    assert_int_equal(ft_list_set_slice(l, 2, 2, 1, src), 0);
    assert_repr(l, "[0, 3, 10, 11, 12, 4, 5]");
    assert_int_equal(ft_list_set_slice(l, 5, 1, 1, src), 0);   /* stop < start: insert */
    assert_repr(l, "[0, 3, 10, 11, 12, 10, 11, 12, 4, 5]");
    assert_int_equal(ft_list_set_slice(l, 0, 8, 1, NULL), 0);   /* delete */
    assert_repr(l, "[4, 5]");
    assert_int_equal(ft_list_set_slice(l, 1, 1, 1, l), 0);      /* l[1:1] = l */
    assert_repr(l, "[4, 4, 5, 5]");
    /* from an iterator */
    FtObject *it = ft_iter(src);
    assert_int_equal(ft_list_set_slice(l, 0, PTRDIFF_MAX, 1, it), 0);
    ft_decref(it);
    assert_repr(l, "[10, 11, 12]");
    /* extended: exact length required */
    FtObject *ab = LIST(-1, -2);
    FtObject *six = range_list(6);
    assert_int_equal(ft_list_set_slice(six, 0, PTRDIFF_MAX, 3, ab), 0);
    assert_repr(six, "[-1, 1, 2, -2, 4, 5]");
    assert_int_equal(ft_list_set_slice(six, PTRDIFF_MAX, PTRDIFF_MIN, -4, ab), 0);
    assert_repr(six, "[-1, -2, 2, -2, 4, -1]");
    assert_int_equal(ft_list_set_slice(six, 0, PTRDIFF_MAX, 2, ab), -1);
    expect_error(FT_ERR_VALUE);
    assert_int_equal(ft_list_set_slice(six, 0, 1, 0, ab), -1);
    expect_error(FT_ERR_VALUE);
    FtObject *notiter = V(3);
    assert_int_equal(ft_list_set_slice(six, 0, 1, 1, notiter), -1);
    expect_error(FT_ERR_TYPE);
    ft_decref(notiter);
    ft_decref(six);
    ft_decref(ab);
    ft_decref(src);
    ft_decref(l);
    assert_live_equal(before, live_snapshot());
}

static void test_del_slice(void **state)
{
    (void)state;
    FtObject *l = range_list(10);
    assert_int_equal(ft_list_del_slice(l, 0, PTRDIFF_MAX, 3), 0);
    assert_repr(l, "[1, 2, 4, 5, 7, 8]");
    assert_int_equal(ft_list_del_slice(l, PTRDIFF_MAX, PTRDIFF_MIN, -2), 0);
    assert_repr(l, "[1, 4, 7]");
    assert_int_equal(ft_list_del_slice(l, 2, 1, -1), 0);
    assert_repr(l, "[1, 4]");
    assert_int_equal(ft_list_del_slice(l, 5, 1, 2), 0);          /* empty */
    assert_int_equal(ft_list_del_slice(l, -100, 100, 1), 0);
    assert_repr(l, "[]");
    ft_decref(l);
    /* more than the on-stack buffer of removed items */
    l = range_list(100);
    assert_int_equal(ft_list_del_slice(l, 10, 90, 1), 0);
    assert_int_equal(ft_len(l), 20);
    assert_int_equal(at(l, 10), 90);
    assert_int_equal(ft_list_del_slice(l, 0, 20, 2), 0);
    assert_int_equal(ft_len(l), 10);
    assert_int_equal(at(l, 9), 99);
    ft_decref(l);
}

/* ---- Whole-list operations ---- */

static void test_extend_concat_repeat_copy(void **state)
{
    (void)state;
    FtObject *l = LIST(1, 2);
    FtObject *t = ft_tuple_pack(0);
    assert_int_equal(ft_list_extend(l, l), 0);
    assert_repr(l, "[1, 2, 1, 2]");
    assert_int_equal(ft_list_extend(l, t), 0);
    FtObject *x = V(7);
    FtObject *t1 = ft_tuple_pack(1, x);
    FtObject *it = ft_iter(t1);
    assert_int_equal(ft_list_extend(l, it), 0);
    assert_repr(l, "[1, 2, 1, 2, 7]");
    assert_int_equal(ft_list_extend(l, x), -1);
    expect_error(FT_ERR_TYPE);
    FtObject *c = ft_list_concat(l, l);
    assert_repr(c, "[1, 2, 1, 2, 7, 1, 2, 1, 2, 7]");
    assert_int_equal(ft_list_capacity(c), 10);
    assert_null(ft_list_concat(l, t1));
    expect_error(FT_ERR_TYPE);
    FtObject *r = ft_list_repeat(c, 0);
    assert_repr(r, "[]");
    ft_decref(r);
    FtObject *small = LIST(3, 4);
    r = ft_list_repeat(small, 3);
    assert_repr(r, "[3, 4, 3, 4, 3, 4]");
    FtObject *r0 = ft_list_get_item(r, 0), *r2 = ft_list_get_item(r, 2);
    assert_ptr_equal(r0, r2);           /* the same objects, repeated */
    ft_decref(r0);
    ft_decref(r2);
    ft_decref(r);
    r = ft_list_repeat(small, -5);
    assert_int_equal(ft_len(r), 0);
    ft_decref(r);
    assert_null(ft_list_repeat(small, PTRDIFF_MAX / 2 + 1));
    expect_error(FT_ERR_MEMORY);
    FtObject *cp = ft_list_copy(small);
    assert_ptr_not_equal(cp, small);
    assert_int_equal(ft_compare_bool(cp, small, FT_EQ), 1);
    assert_int_equal(ft_list_capacity(cp), 2);
    ft_decref(cp);
    ft_decref(small);
    ft_decref(it);
    ft_decref(t1);
    ft_decref(x);
    ft_decref(c);
    ft_decref(l);
}

static void test_compare_and_repr(void **state)
{
    (void)state;
    FtObject *a = LIST(1, 2, 3), *b = LIST(1, 2, 4), *c = LIST(1, 2);
    assert_int_equal(ft_compare_bool(a, b, FT_LT), 1);
    assert_int_equal(ft_compare_bool(a, b, FT_EQ), 0);
    assert_int_equal(ft_compare_bool(c, a, FT_LT), 1);
    assert_int_equal(ft_compare_bool(a, a, FT_GE), 1);
    assert_int_equal(ft_hash(a), -1);
    expect_error(FT_ERR_TYPE);
    /* a list that contains itself */
    assert_int_equal(ft_list_append(a, a), 0);
    assert_repr(a, "[1, 2, 3, [...]]");
    ft_list_clear(a);
    ft_decref(a);
    ft_decref(b);
    ft_decref(c);
}

static void test_iteration(void **state)
{
    (void)state;
    FtObject *l = LIST(1, 2, 3);
    FtObject *it = ft_iter(l);
    FtObject *x = ft_iter_next(it);
    assert_int_equal(tval_of(x), 1);
    ft_decref(x);
    /* the iterator reads the live list */
    ft_decref(ft_list_pop(l, 0));
    x = ft_iter_next(it);
    assert_int_equal(tval_of(x), 3);
    ft_decref(x);
    assert_null(ft_iter_next(it));
    assert_false(ft_error_occurred());
    /* exhausted stays exhausted */
    FtObject *y = V(4);
    ft_list_append(l, y);
    ft_decref(y);
    assert_null(ft_iter_next(it));
    ft_decref(it);
    ft_decref(l);
}

/* ---- Sort ---- */

static int by_tens(FtObject *a, FtObject *b, void *arg)
{
    (void)arg;
    int64_t x = tval_of(a) / 10, y = tval_of(b) / 10;
    return x < y ? -1 : x > y;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_sort(void **state)
{
    (void)state;
    FtObject *l = LIST(5, 3, 9, 1, 7);
    assert_int_equal(ft_list_sort(l, NULL, NULL, 0), 0);
    assert_repr(l, "[1, 3, 5, 7, 9]");
    assert_int_equal(ft_list_sort(l, NULL, NULL, 1), 0);
    assert_repr(l, "[9, 7, 5, 3, 1]");
    ft_decref(l);
    /* stability, forwards and reversed: equal keys keep their order */
    l = LIST(31, 12, 35, 10, 33, 17, 38);
    assert_int_equal(ft_list_sort(l, by_tens, NULL, 0), 0);
    assert_repr(l, "[12, 10, 17, 31, 35, 33, 38]");
    assert_int_equal(ft_list_sort(l, by_tens, NULL, 1), 0);
    assert_repr(l, "[31, 35, 33, 38, 12, 10, 17]");
    ft_decref(l);
    /* large random input, sorted and reverse-sorted input */
    for (int round = 0; round < 3; round++) {
        l = ft_list_new(0);
        for (int i = 0; i < 5000; i++) {
            int64_t v = round == 0 ? (int64_t)(next_rand() % 1000)
                      : round == 1 ? i : 5000 - i;
            FtObject *x = V(v * 10000 + i);   /* key v, original index i */
            ft_list_append(l, x);
            ft_decref(x);
        }
        assert_int_equal(ft_list_sort(l, NULL, NULL, 0), 0);
        for (int i = 1; i < 5000; i++)
            assert_true(at(l, i - 1) < at(l, i));
        ft_decref(l);
    }
}

static int fail_after_calls(FtObject *a, FtObject *b, void *arg)
{
    int *left = arg;
    if ((*left)-- <= 0) {
        ft_error_set(FT_ERR_TYPE, "cannot compare");
        return FT_CMP_ERROR;
    }
    int64_t x = tval_of(a), y = tval_of(b);
    return x < y ? -1 : x > y;
}

static int mutating_cmp(FtObject *a, FtObject *b, void *arg)
{
    FtObject *l = arg;
    FtObject *x = V(-1);
    ft_list_append(l, x);
    ft_decref(x);
    int64_t p = tval_of(a), q = tval_of(b);
    return p < q ? -1 : p > q;
}

static void test_sort_errors_keep_items(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    for (int limit = 0; limit < 400; limit += 7) {
        FtObject *l = ft_list_new(0);
        for (int i = 0; i < 100; i++) {
            FtObject *x = V((int64_t)(next_rand() % 100000) * 100 + i);
            ft_list_append(l, x);
            ft_decref(x);
        }
        int left = limit;
        int rc = ft_list_sort(l, fail_after_calls, &left, limit & 1);
        if (rc < 0)
            expect_error(FT_ERR_TYPE);
        /* every item is still there exactly once */
        assert_int_equal(ft_len(l), 100);
        int seen[100] = { 0 };
        for (int i = 0; i < 100; i++)
            seen[at(l, i) % 100]++;
        for (int i = 0; i < 100; i++)
            assert_int_equal(seen[i], 1);
        ft_decref(l);
    }
    /* a comparison that mutates the list */
    FtObject *l = LIST(3, 1, 2, 5, 4);
    assert_int_equal(ft_list_sort(l, mutating_cmp, l, 0), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    assert_string_equal(ft_error_message(), "list modified during sort");
    ft_error_clear();
    assert_repr(l, "[1, 2, 3, 4, 5]");      /* CPython keeps the sorted items */
    ft_decref(l);
    assert_live_equal(before, live_snapshot());
}

/* ---- Failure injection ---- */

typedef int (*Op)(FtObject **out);

/* [0, 1, ..., 11] without asserting: NULL when an allocation fails. */
static FtObject *base_list(void)
{
    FtObject *l = ft_list_new(0);
    for (int i = 0; l && i < 12; i++) {
        FtObject *x = tval_try(i);
        if (!x || ft_list_append(l, x) < 0) {
            ft_xdecref(x);
            ft_decref(l);
            return NULL;
        }
        ft_decref(x);
    }
    return l;
}

static int op_new(FtObject **out) { return (*out = ft_list_new(7)) ? 0 : -1; }
static int op_from_array(FtObject **out)
{
    FtObject *x = tval_try(1);
    if (!x)
        return -1;
    *out = ft_list_from_array((FtObject *[]){ x, x, x }, 3);
    ft_decref(x);
    return *out ? 0 : -1;
}
static int op_append_growth(FtObject **out)
{
    FtObject *l = ft_list_new(4);
    if (!l)
        return -1;
    int rc = ft_list_append(l, FT_NONE);
    *out = l;
    return rc;
}
static int op_insert_growth(FtObject **out)
{
    FtObject *l = ft_list_new(4);
    if (!l)
        return -1;
    FtObject *x = tleaf_new(3);
    int rc = x ? ft_list_insert(l, 0, x) : -1;
    ft_xdecref(x);
    *out = l;
    return rc;
}
static int op_extend(FtObject **out)
{
    FtObject *l = base_list();
    int rc = l ? ft_list_extend(l, l) : -1;
    *out = l;
    return rc;
}
static int op_extend_iter(FtObject **out)
{
    FtObject *l = base_list();
    FtObject *it = l ? ft_iter(l) : NULL;
    int rc = it ? ft_list_extend(l, it) : -1;
    ft_xdecref(it);
    *out = l;
    return rc;
}
static int op_set_slice(FtObject **out)
{
    FtObject *l = base_list();
    int rc = l ? ft_list_set_slice(l, 2, 3, 1, l) : -1;
    *out = l;
    return rc;
}
static int op_set_ext_slice(FtObject **out)
{
    FtObject *l = base_list();
    FtObject *src = l ? ft_list_get_slice(l, 0, 12, 1) : NULL;
    int rc = src ? ft_list_set_slice(l, 0, 12, 1, src) : -1;
    if (rc == 0)
        rc = ft_list_set_slice(l, PTRDIFF_MAX, PTRDIFF_MIN, -1, src);
    ft_xdecref(src);
    *out = l;
    return rc;
}
static int op_del_slice(FtObject **out)
{
    FtObject *l = base_list();
    int rc = l ? ft_list_del_slice(l, 0, 11, 1) : -1;
    if (rc == 0)
        rc = ft_list_set_slice(l, 0, 0, 1, l);
    *out = l;
    return rc;
}
static int op_del_ext_slice(FtObject **out)
{
    FtObject *l = ft_list_new(30);
    if (!l)
        return -1;
    int rc = ft_list_del_slice(l, 0, 30, 2);
    *out = l;
    return rc;
}
static int op_get_slice(FtObject **out)
{
    FtObject *l = base_list();
    if (!l)
        return -1;
    *out = ft_list_get_slice(l, 1, 10, 2);
    ft_decref(l);
    return *out ? 0 : -1;
}
static int op_copy(FtObject **out)
{
    FtObject *l = base_list();
    if (!l)
        return -1;
    *out = ft_list_copy(l);
    ft_decref(l);
    return *out ? 0 : -1;
}
static int op_concat(FtObject **out)
{
    FtObject *l = base_list();
    if (!l)
        return -1;
    *out = ft_list_concat(l, l);
    ft_decref(l);
    return *out ? 0 : -1;
}
static int op_repeat(FtObject **out)
{
    FtObject *l = base_list();
    if (!l)
        return -1;
    *out = ft_list_repeat(l, 3);
    ft_decref(l);
    return *out ? 0 : -1;
}
static int op_sort(FtObject **out)
{
    FtObject *l = base_list();
    int rc = l ? ft_list_sort(l, NULL, NULL, 1) : -1;
    *out = l;
    return rc;
}
static int op_repr(FtObject **out)
{
    FtObject *l = base_list();
    if (!l)
        return -1;
    *out = ft_repr(l);
    ft_decref(l);
    return *out ? 0 : -1;
}
static int op_iter(FtObject **out)
{
    FtObject *l = base_list();
    if (!l)
        return -1;
    *out = ft_iter(l);
    ft_decref(l);
    return *out ? 0 : -1;
}

static void oom_loop(Op op)
{
    ft_freelists_clear();
    LiveSnapshot before = live_snapshot();
    /* Each op builds its own input too, so those paths fail as well. */
    for (long n = 1;; n++) {
        FtObject *out = NULL;
        ft_debug_fail_alloc_after(n);
        int rc = op(&out);
        ft_debug_fail_alloc_after(0);
        ft_xdecref(out);
        if (rc == 0) {
            assert_false(ft_error_occurred());
            break;
        }
        assert_int_equal(ft_error_kind(), FT_ERR_MEMORY);
        ft_error_clear();
        ft_freelists_clear();
        assert_live_equal(before, live_snapshot());
        assert_true(n < 200);
    }
    ft_freelists_clear();
    assert_live_equal(before, live_snapshot());
}

static void test_oom(void **state)
{
    (void)state;
    Op ops[] = { op_new, op_from_array, op_append_growth, op_insert_growth,
                 op_extend, op_extend_iter, op_set_slice, op_set_ext_slice,
                 op_del_slice, op_del_ext_slice, op_get_slice, op_copy,
                 op_concat, op_repeat, op_sort, op_repr, op_iter };
    for (size_t i = 0; i < FT_ARRAY_LEN(ops); i++)
        oom_loop(ops[i]);
}

/* ---- Trashcan and GC ---- */

static void test_deep_nesting_dealloc(void **state)
{
    (void)state;
    int64_t lists0 = ft_stats_live_of_type(&ft_list_type);
    FtObject *l = ft_list_new(0);
    for (int i = 0; i < 1000000; i++) {
        FtObject *outer = ft_list_new(0);
        assert_int_equal(ft_list_append(outer, l), 0);
        ft_decref(l);
        l = outer;
    }
    ft_decref(l);
    assert_int_equal(ft__trashcan_pending(), 0);
    assert_int_equal(ft_stats_live_of_type(&ft_list_type), lists0);
}

static int count_visit(FtObject *op, void *arg)
{
    (void)op;
    (*(int *)arg)++;
    return 0;
}

static void test_traverse_clear(void **state)
{
    (void)state;
    FtObject *l = LIST(1, 2, 3);
    int n = 0;
    assert_int_equal(ft_list_type.tp_traverse(l, count_visit, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(ft_list_type.tp_clear(l), 0);
    assert_int_equal(ft_len(l), 0);
    ft_decref(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_growth_table),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_get_set_del),
        cmocka_unit_test(test_insert_pop),
        cmocka_unit_test(test_shrink),
        cmocka_unit_test(test_search),
        cmocka_unit_test(test_get_slice),
        cmocka_unit_test(test_set_slice),
        cmocka_unit_test(test_del_slice),
        cmocka_unit_test(test_extend_concat_repeat_copy),
        cmocka_unit_test(test_compare_and_repr),
        cmocka_unit_test(test_iteration),
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_sort_errors_keep_items),
        cmocka_unit_test(test_oom),
        cmocka_unit_test(test_deep_nesting_dealloc),
        cmocka_unit_test(test_traverse_clear),
    };
    return cmocka_run_group_tests_name("list", tests, seq_group_setup,
                                       ft_test_group_teardown);
}
