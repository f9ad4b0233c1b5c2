/* tests/test_tuple.c: the tuple type (runtime/tuple.c), tuple iteration,
 * and the trashcan (runtime/trashcan.c).
 *
 * Layout and sizes as CPython's (() 40, (1, 2, 3) 64), the immortal empty
 * singleton, CPython's 64-bit tuple hashes, lexicographic comparison, repr,
 * slices, free-list reuse, failure injection on every constructor with no
 * leak, and a million-deep nested tuple freed without deep recursion.
 */
#include "sequtil.h"
#include "runtime/trashcan.h"

TVAL_TYPE_DEF

static FtObject *T3(int64_t a, int64_t b, int64_t c)
{
    FtObject *x = V(a), *y = V(b), *z = V(c);
    FtObject *t = ft_tuple_pack(3, x, y, z);
    assert_non_null(t);
    ft_decref(x);
    ft_decref(y);
    ft_decref(z);
    return t;
}

static void test_empty_singleton(void **state)
{
    (void)state;
    FtObject *a = ft_tuple_new(0), *b = ft_tuple_pack(0);
    FtObject *c = ft_tuple_from_array(NULL, 0);
    assert_non_null(a);
    assert_ptr_equal(a, b);
    assert_ptr_equal(a, c);
    assert_true(ft_is_immortal(a));
    assert_int_equal(ft_len(a), 0);
    assert_int_equal(ft_sizeof(a), 40);
    assert_true(ft_is_tuple(a));
    ft_decref(a);
    ft_decref(b);
    ft_decref(c);
    assert_null(ft_tuple_new(-1));
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    ft_error_clear();
}

static void test_sizeof_and_items(void **state)
{
    (void)state;
    FtObject *t = T3(1, 2, 3);
    assert_int_equal(ft_sizeof(t), 64);
    assert_int_equal(ft_len(t), 3);
    assert_true(ft__gc_is_tracked(t));
    for (int i = 0; i < 3; i++) {
        FtObject *x = ft_tuple_get_item(t, i);
        assert_int_equal(tval_of(x), i + 1);
        assert_ptr_equal(x, ft_tuple_borrow_item(t, i));
        ft_decref(x);
    }
    FtObject *last = ft_tuple_get_item(t, -1);
    assert_int_equal(tval_of(last), 3);
    ft_decref(last);
    assert_null(ft_tuple_get_item(t, 3));
    assert_int_equal(ft_error_kind(), FT_ERR_INDEX);
    assert_null(ft_tuple_get_item(t, -4));
    assert_int_equal(ft_error_kind(), FT_ERR_INDEX);
    ft_error_clear();
    FtObject *l = ft_list_new(0);
    assert_null(ft_tuple_get_item(l, 0));
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    ft_decref(l);
    ft_decref(t);
}

static void test_set_item_init(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtObject *t = ft_tuple_new(2);
    assert_int_equal(ft_tuple_set_item_init(t, 0, V(10)), 0);
    assert_int_equal(ft_tuple_set_item_init(t, 1, V(11)), 0);
    /* out of range: the item is still consumed */
    assert_int_equal(ft_tuple_set_item_init(t, 2, V(12)), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_INDEX);
    ft_error_clear();
    assert_int_equal(tval_of(ft_tuple_borrow_item(t, 1)), 11);
    ft_decref(t);
    /* a partly filled tuple frees cleanly */
    t = ft_tuple_new(5);
    assert_int_equal(ft_tuple_set_item_init(t, 3, V(1)), 0);
    ft_decref(t);
    assert_live_equal(before, live_snapshot());
}

static int64_t hash_of(FtObject *t)
{
    int64_t h = ft_hash(t);
    ft_decref(t);
    return h;
}

static void test_hash_matches_cpython(void **state)
{
    (void)state;
    assert_true(ft_hash(ft_tuple_new(0)) == INT64_C(5740354900026072187));
    assert_true(hash_of(T3(1, 2, 3)) == INT64_C(529344067295497451));
    FtObject *one = V(1), *empty = ft_tuple_new(0);
    assert_true(hash_of(ft_tuple_pack(1, one)) == INT64_C(-6644214454873602895));
    assert_true(hash_of(ft_tuple_pack(1, empty)) == INT64_C(-5486347211504344842));
    /* equal tuples hash equal */
    assert_true(hash_of(T3(7, 8, 9)) == hash_of(T3(7, 8, 9)));
    /* a list inside makes the tuple unhashable */
    FtObject *l = ft_list_new(0);
    FtObject *t = ft_tuple_pack(2, one, l);
    assert_int_equal(ft_hash(t), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    ft_decref(t);
    ft_decref(l);
    ft_decref(one);
}

static int cmp(FtObject *a, FtObject *b, FtCompareOp op)
{
    int r = ft_compare_bool(a, b, op);
    ft_decref(a);
    ft_decref(b);
    return r;
}

static void test_compare(void **state)
{
    (void)state;
    assert_int_equal(cmp(T3(1, 2, 3), T3(1, 2, 3), FT_EQ), 1);
    assert_int_equal(cmp(T3(1, 2, 3), T3(1, 2, 4), FT_EQ), 0);
    assert_int_equal(cmp(T3(1, 2, 3), T3(1, 2, 4), FT_NE), 1);
    assert_int_equal(cmp(T3(1, 2, 3), T3(1, 2, 4), FT_LT), 1);
    assert_int_equal(cmp(T3(1, 9, 0), T3(1, 2, 4), FT_GT), 1);
    assert_int_equal(cmp(T3(1, 2, 3), T3(1, 2, 3), FT_LE), 1);
    assert_int_equal(cmp(T3(1, 2, 3), T3(1, 2, 3), FT_GE), 1);
    /* a prefix is smaller */
    FtObject *a = V(1), *b = V(2);
    FtObject *p = ft_tuple_pack(2, a, b);
    assert_int_equal(cmp(ft_newref(p), T3(1, 2, 0), FT_LT), 1);
    assert_int_equal(cmp(ft_newref(p), T3(1, 2, 0), FT_EQ), 0);
    assert_int_equal(cmp(ft_tuple_new(0), ft_newref(p), FT_LT), 1);
    /* tuple vs list: == is identity, < is a type error */
    FtObject *l = ft_list_from_array((FtObject *[]){ a, b }, 2);
    assert_int_equal(ft_compare_bool(p, l, FT_EQ), 0);
    assert_int_equal(ft_compare_bool(p, l, FT_LT), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    ft_decref(l);
    ft_decref(p);
    ft_decref(a);
    ft_decref(b);
}

static void test_repr(void **state)
{
    (void)state;
    FtObject *e = ft_tuple_new(0);
    assert_repr(e, "()");
    FtObject *x = V(5);
    FtObject *one = ft_tuple_pack(1, x);
    assert_repr(one, "(5,)");
    FtObject *t = T3(1, -2, 3);
    assert_repr(t, "(1, -2, 3)");
    FtObject *nested = ft_tuple_pack(3, one, e, t);
    assert_repr(nested, "((5,), (), (1, -2, 3))");
    /* a tuple reached again through a list prints (...) */
    FtObject *l = ft_list_new(0);
    FtObject *cyc = ft_tuple_pack(1, l);
    assert_int_equal(ft_list_append(l, cyc), 0);
    assert_repr(cyc, "([(...)],)");
    ft_list_clear(l);
    ft_decref(cyc);
    ft_decref(l);
    ft_decref(nested);
    ft_decref(t);
    ft_decref(one);
    ft_decref(x);
}

static void check_slice(FtObject *t, FtSsize a, FtSsize b, FtSsize s,
                        const char *expect)
{
    FtObject *r = ft_tuple_slice(t, a, b, s);
    assert_non_null(r);
    assert_repr(r, expect);
    ft_decref(r);
}

static void test_slice(void **state)
{
    (void)state;
    FtObject *items[6];
    for (int i = 0; i < 6; i++)
        items[i] = V(i);
    FtObject *t = ft_tuple_from_array(items, 6);
    for (int i = 0; i < 6; i++)
        ft_decref(items[i]);
    check_slice(t, 1, 4, 1, "(1, 2, 3)");
    check_slice(t, -2, PTRDIFF_MAX, 1, "(4, 5)");
    check_slice(t, PTRDIFF_MAX, PTRDIFF_MIN, -1, "(5, 4, 3, 2, 1, 0)");
    check_slice(t, 0, 6, 2, "(0, 2, 4)");
    check_slice(t, 5, 0, -2, "(5, 3, 1)");
    check_slice(t, 4, 2, 1, "()");
    check_slice(t, -100, 100, 3, "(0, 3)");
    FtObject *same = ft_tuple_slice(t, 0, 6, 1);
    assert_ptr_equal(same, t);
    ft_decref(same);
    assert_null(ft_tuple_slice(t, 0, 6, 0));
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    ft_error_clear();
    ft_decref(t);
}

static void test_concat(void **state)
{
    (void)state;
    FtObject *a = T3(1, 2, 3), *b = T3(4, 5, 6), *e = ft_tuple_new(0);
    FtObject *c = ft_tuple_concat(a, b);
    assert_repr(c, "(1, 2, 3, 4, 5, 6)");
    FtObject *d = ft_tuple_concat(a, e);
    assert_ptr_equal(d, a);
    FtObject *l = ft_list_new(0);
    assert_null(ft_tuple_concat(a, l));
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    ft_decref(l);
    ft_decref(d);
    ft_decref(c);
    ft_decref(a);
    ft_decref(b);
}

static void test_iter_and_contains(void **state)
{
    (void)state;
    FtObject *t = T3(4, 5, 6);
    FtObject *it = ft_iter(t);
    assert_non_null(it);
    FtObject *self = ft_iter(it);
    assert_ptr_equal(self, it);
    ft_decref(self);
    for (int i = 0; i < 3; i++) {
        FtObject *x = ft_iter_next(it);
        assert_int_equal(tval_of(x), 4 + i);
        ft_decref(x);
    }
    assert_null(ft_iter_next(it));
    assert_false(ft_error_occurred());
    assert_null(ft_iter_next(it));
    ft_decref(it);
    FtObject *five = V(5), *nine = V(9);
    assert_int_equal(ft_contains(t, five), 1);
    assert_int_equal(ft_contains(t, nine), 0);
    ft_decref(five);
    ft_decref(nine);
    /* not iterable / not an iterator */
    assert_null(ft_iter(nine = V(1)));
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    assert_null(ft_iter_next(t));
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    ft_decref(nine);
    ft_decref(t);
}

static void test_freelist_reuse(void **state)
{
    (void)state;
    FtObject *x = V(1);
    FtObject *t = ft_tuple_pack(2, x, x);
    FtObject *addr = t;
    ft_decref(t);
    FtStats s0, s1;
    ft_stats_get(&s0);
    t = ft_tuple_pack(2, x, x);
    ft_stats_get(&s1);
    assert_ptr_equal(t, addr);
    assert_int_equal(s1.freelist_hits, s0.freelist_hits + 1);
    ft_decref(t);
    ft_decref(x);
}

/* ---- Failure injection: every constructor, n = 1, 2, ... ---- */

typedef FtTestCtor Ctor;

static FtObject *mk_new(FtObject *a, FtObject *b) { (void)a; (void)b; return ft_tuple_new(25); }
static FtObject *mk_pack(FtObject *a, FtObject *b) { return ft_tuple_pack(2, a, b); }
static FtObject *mk_concat(FtObject *a, FtObject *b)
{
    FtObject *x = ft_tuple_pack(2, a, b);
    if (!x)
        return NULL;
    FtObject *r = ft_tuple_concat(x, x);
    ft_decref(x);
    return r;
}
static FtObject *mk_slice(FtObject *a, FtObject *b)
{
    FtObject *x = ft_tuple_pack(4, a, b, a, b);
    if (!x)
        return NULL;
    FtObject *r = ft_tuple_slice(x, 0, 4, 2);
    ft_decref(x);
    return r;
}
static FtObject *mk_repr(FtObject *a, FtObject *b)
{
    FtObject *x = ft_tuple_pack(2, a, b);
    if (!x)
        return NULL;
    FtObject *r = ft_repr(x);
    ft_decref(x);
    return r;
}
static FtObject *mk_iter(FtObject *a, FtObject *b)
{
    FtObject *x = ft_tuple_pack(2, a, b);
    if (!x)
        return NULL;
    FtObject *r = ft_iter(x);
    ft_decref(x);
    return r;
}

static void oom_loop(Ctor ctor)
{
    FtObject *a = V(1), *b = V(2);
    ft_test_oom_loop(ctor, a, b, 100);
    ft_decref(a);
    ft_decref(b);
}

static void test_oom(void **state)
{
    (void)state;
    oom_loop(mk_new);
    oom_loop(mk_pack);
    oom_loop(mk_concat);
    oom_loop(mk_slice);
    oom_loop(mk_repr);
    oom_loop(mk_iter);
}

/* ---- Trashcan ---- */

#define DEEP 1000000

static void test_deep_nesting_dealloc(void **state)
{
    (void)state;
    int64_t tuples0 = ft_stats_live_of_type(&ft_tuple_type);
    FtObject *t = ft_tuple_new(0);
    for (int i = 0; i < DEEP; i++) {
        FtObject *outer = ft_tuple_pack(1, t);
        assert_non_null(outer);
        ft_decref(t);
        t = outer;
    }
    assert_int_equal(ft_stats_live_of_type(&ft_tuple_type), tuples0 + DEEP);
    ft_decref(t);                   /* would overflow the stack without it */
    assert_int_equal(ft__trashcan_pending(), 0);
    assert_int_equal(ft_stats_live_of_type(&ft_tuple_type), tuples0);
    /* deep repr fails cleanly instead of overflowing */
    t = ft_tuple_new(0);
    for (int i = 0; i < 5000; i++) {
        FtObject *outer = ft_tuple_pack(1, t);
        ft_decref(t);
        t = outer;
    }
    assert_null(ft_repr(t));
    assert_int_equal(ft_error_kind(), FT_ERR_RECURSION);
    ft_error_clear();
    ft_decref(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_singleton),
        cmocka_unit_test(test_sizeof_and_items),
        cmocka_unit_test(test_set_item_init),
        cmocka_unit_test(test_hash_matches_cpython),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_repr),
        cmocka_unit_test(test_slice),
        cmocka_unit_test(test_concat),
        cmocka_unit_test(test_iter_and_contains),
        cmocka_unit_test(test_freelist_reuse),
        cmocka_unit_test(test_oom),
        cmocka_unit_test(test_deep_nesting_dealloc),
    };
    return cmocka_run_group_tests_name("tuple", tests, seq_group_setup,
                                       ft_test_group_teardown);
}
