/* tests/test_set.c: set and frozenset operations, algebra, errors, sizes,
 * the growth table, frozenset hashing as CPython, iteration and mutation
 * detection, allocation failure on every constructor and growth path. */
#include "sequtil.h"

TVAL_TYPE_DEF

/* Keys and values are TVal (sequtil.h): hashed like int, hash(v) == v. */
static FtObject *I(int64_t v)
{
    return V(v);
}

static void add_i(FtObject *s, int64_t v)
{
    FtObject *o = I(v);
    assert_int_equal(ft_set_add(s, o), 0);
    ft_decref(o);
}

static int has_i(FtObject *s, int64_t v)
{
    FtObject *o = I(v);
    int r = ft_set_contains(s, o);
    ft_decref(o);
    return r;
}

/* A set of the ints lo..hi-1. */
static FtObject *range_set(int64_t lo, int64_t hi)
{
    FtObject *s = ft_set_new(NULL);
    assert_non_null(s);
    for (int64_t i = lo; i < hi; i++)
        add_i(s, i);
    return s;
}

static void test_basic(void **state)
{
    (void)state;
    FtObject *s = ft_set_new(NULL);
    assert_int_equal(ft_len(s), 0);
    for (int64_t i = 0; i < 1000; i++)
        add_i(s, i * 31);
    add_i(s, 31);                                  /* duplicate */
    assert_int_equal(ft_len(s), 1000);
    for (int64_t i = 0; i < 1000; i++) {
        assert_int_equal(has_i(s, i * 31), 1);
        assert_int_equal(has_i(s, i * 31 + 1), 0);
    }
    FtObject *k = I(62);
    assert_int_equal(ft_set_discard(s, k), 1);
    assert_int_equal(ft_set_discard(s, k), 0);
    assert_int_equal(ft_set_remove(s, k), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_KEY);
    assert_string_equal(ft_error_message(), "62");
    ft_error_clear();
    ft_decref(k);
    assert_int_equal(ft_len(s), 999);
    assert_int_equal(ft_contains(s, (k = I(93))), 1);
    ft_decref(k);
    /* pop until empty */
    FtSsize n = 0;
    FtObject *x;
    while ((x = ft_set_pop(s)) != NULL) {
        ft_decref(x);
        n++;
    }
    assert_int_equal(n, 999);
    assert_int_equal(ft_error_kind(), FT_ERR_KEY);
    assert_string_equal(ft_error_message(), "pop from an empty set");
    ft_error_clear();
    add_i(s, 5);
    assert_int_equal(ft_set_clear(s), 0);
    assert_int_equal(ft_len(s), 0);
    assert_int_equal(ft_set_table_size(s), 8);
    ft_decref(s);
}

static void test_errors(void **state)
{
    (void)state;
    FtObject *s = ft_set_new(NULL), *l = ft_list_new(0);
    assert_int_equal(ft_set_add(s, l), -1);       /* list: unhashable */
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    assert_int_equal(ft_set_contains(s, l), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    FtObject *f = ft_frozenset_new(NULL);
    FtObject *one = I(1);
    assert_int_equal(ft_set_add(f, one), -1);     /* frozenset is immutable */
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    assert_null(ft_set_pop(f));
    ft_error_clear();
    assert_int_equal(ft_set_add(one, one), -1);
    ft_error_clear();
    /* a list holding an unhashable item cannot become a set */
    FtObject *bad = ft_list_from_array(&l, 1);
    assert_null(ft_set_new(bad));
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    ft_decref(bad);
    ft_decref(one);
    ft_decref(f);
    ft_decref(l);
    ft_decref(s);
}

static void test_sizes_and_growth(void **state)
{
    (void)state;
    FtObject *s = ft_set_new(NULL);
    assert_int_equal(ft_sizeof(s), 216);                   /* set() */
    add_i(s, 1);
    add_i(s, 2);
    add_i(s, 3);
    assert_int_equal(ft_sizeof(s), 216);                   /* {1, 2, 3} */
    ft_decref(s);
    /* The seed's table: slots after the insertion that grew the table. */
    static const FtSsize at[] = { 5, 19, 77, 307, 1229, 4915 };
    static const FtSsize slots[] = { 32, 128, 512, 2048, 8192, 32768 };
    s = ft_set_new(NULL);
    FtSsize last = ft_set_table_size(s), k = 0;
    assert_int_equal(last, 8);
    for (FtSsize i = 1; i < 6000; i++) {
        add_i(s, i);
        FtSsize now = ft_set_table_size(s);
        if (now != last) {
            assert_true(k < (FtSsize)FT_ARRAY_LEN(at));
            assert_int_equal(i, at[k]);
            assert_int_equal(now, slots[k]);
            k++;
            last = now;
        }
    }
    assert_int_equal(k, FT_ARRAY_LEN(at));
    assert_int_equal(ft_sizeof(s), 216 + 32768 * 16);
    ft_decref(s);
}

static void test_frozenset_hash(void **state)
{
    (void)state;
    /* Values from CPython 3.11 on 64-bit. */
    FtObject *f = ft_frozenset_new(NULL);
    assert_int_equal(ft_hash(f), 133146708735736LL);
    ft_decref(f);
    FtObject *s = range_set(1, 4);
    f = ft_frozenset_new(s);
    assert_int_equal(ft_hash(f), -272375401224217160LL);
    assert_int_equal(ft_hash(f), -272375401224217160LL);  /* cached */
    /* equal frozensets built in another order hash alike and compare equal */
    FtObject *s2 = ft_set_new(NULL);
    add_i(s2, 3);
    add_i(s2, 2);
    add_i(s2, 1);
    FtObject *f2 = ft_frozenset_new(s2);
    assert_int_equal(ft_hash(f), ft_hash(f2));
    assert_int_equal(ft_compare_bool(f, f2, FT_EQ), 1);
    assert_int_equal(ft_compare_bool(f, s, FT_EQ), 1);
    /* set is unhashable */
    assert_int_equal(ft_hash(s), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    /* copy of a frozenset is itself */
    FtObject *c = ft_set_copy(f);
    assert_ptr_equal(c, f);
    ft_decref(c);
    /* frozensets as set members and dict keys */
    FtObject *outer = ft_set_new(NULL);
    assert_int_equal(ft_set_add(outer, f), 0);
    assert_int_equal(ft_set_contains(outer, f2), 1);
    ft_decref(outer);
    ft_decref(f);
    ft_decref(f2);
    ft_decref(s);
    ft_decref(s2);
}

static void test_algebra(void **state)
{
    (void)state;
    FtObject *a = range_set(0, 10), *b = range_set(5, 15);
    FtObject *u = ft_set_union(a, b), *i = ft_set_intersection(a, b);
    FtObject *d = ft_set_difference(a, b), *x = ft_set_symmetric_difference(a, b);
    assert_int_equal(ft_len(u), 15);
    assert_int_equal(ft_len(i), 5);
    assert_int_equal(ft_len(d), 5);
    assert_int_equal(ft_len(x), 10);
    for (int64_t v = 0; v < 15; v++) {
        assert_int_equal(has_i(u, v), 1);
        assert_int_equal(has_i(i, v), v >= 5 && v < 10);
        assert_int_equal(has_i(d, v), v < 5);
        assert_int_equal(has_i(x, v), v < 5 || v >= 10);
    }
    assert_int_equal(ft_set_issubset(i, a), 1);
    assert_int_equal(ft_set_issubset(a, i), 0);
    assert_int_equal(ft_set_issuperset(a, i), 1);
    assert_int_equal(ft_set_issuperset(i, a), 0);
    assert_int_equal(ft_set_isdisjoint(d, b), 1);
    assert_int_equal(ft_set_isdisjoint(a, b), 0);
    assert_int_equal(ft_compare_bool(i, a, FT_LT), 1);
    assert_int_equal(ft_compare_bool(a, a, FT_LE), 1);
    assert_int_equal(ft_compare_bool(a, b, FT_GT), 0);
    /* with a list operand, and frozenset results keep the left type */
    FtObject *items = ft_list_new(0);
    for (int64_t v = 8; v < 12; v++) {
        FtObject *o = I(v);
        ft_list_append(items, o);
        ft_decref(o);
    }
    FtObject *fa = ft_frozenset_new(a);
    FtObject *fi = ft_set_intersection(fa, items);
    assert_ptr_equal(ft_type_of(fi), &ft_frozenset_type);
    assert_int_equal(ft_len(fi), 2);
    FtObject *fx = ft_set_symmetric_difference(fa, items);
    assert_ptr_equal(ft_type_of(fx), &ft_frozenset_type);
    assert_int_equal(ft_len(fx), 10);
    assert_int_equal(ft_set_issubset(fi, items), 1);
    FtObject *du = ft_set_difference(a, items);
    assert_int_equal(ft_len(du), 8);
    FtObject *objs[] = { u, i, d, x, items, fa, fi, fx, du, a, b };
    for (size_t k = 0; k < FT_ARRAY_LEN(objs); k++)
        ft_decref(objs[k]);
}

static void test_iteration(void **state)
{
    (void)state;
    FtObject *s = range_set(0, 50);
    FtObject *it = ft_iter(s), *x;
    int seen[50] = { 0 };
    while ((x = ft_iter_next(it)) != NULL) {
        int64_t v;
        v = tval_of(x);
        seen[v]++;
        ft_decref(x);
    }
    assert_false(ft_error_occurred());
    for (int k = 0; k < 50; k++)
        assert_int_equal(seen[k], 1);
    ft_decref(it);
    it = ft_iter(s);
    x = ft_iter_next(it);
    ft_decref(x);
    add_i(s, 1000);
    assert_null(ft_iter_next(it));
    assert_int_equal(ft_error_kind(), FT_ERR_RUNTIME);
    assert_string_equal(ft_error_message(), "Set changed size during iteration");
    ft_error_clear();
    ft_decref(it);
    ft_decref(s);
}

static void test_repr(void **state)
{
    (void)state;
    FtObject *s = ft_set_new(NULL);
    assert_repr(s, "set()");
    add_i(s, 7);
    assert_repr(s, "{7}");
    FtObject *f = ft_frozenset_new(s);
    assert_repr(f, "frozenset({7})");
    ft_decref(f);
    f = ft_frozenset_new(NULL);
    assert_repr(f, "frozenset()");
    ft_decref(f);
    ft_decref(s);
}

static void test_tval_keys_and_gc(void **state)
{
    (void)state;
    /* TVal keys hash by value: a fresh equal object is found. */
    FtObject *s = ft_set_new(NULL), *a = V(42), *b = V(42);
    assert_int_equal(ft_set_add(s, a), 0);
    assert_int_equal(ft_set_contains(s, b), 1);
    assert_int_equal(ft_set_add(s, b), 0);
    assert_int_equal(ft_len(s), 1);
    FtSsize ra = ft_refcount(a);
    ft_decref(s);
    assert_int_equal(ft_refcount(a), ra - 1);
    assert_true(ft__gc_is_tracked(a) == 0);
    ft_decref(a);
    ft_decref(b);
}

static void test_deep_nesting_dealloc(void **state)
{
    (void)state;
    /* frozenset({frozenset({...})}) 100000 deep */
    FtObject *cur = ft_frozenset_new(NULL);
    for (int i = 0; i < 100000; i++) {
        FtObject *l = ft_list_from_array(&cur, 1);
        assert_non_null(l);
        FtObject *next = ft_frozenset_new(l);
        assert_non_null(next);
        ft_decref(l);
        ft_decref(cur);
        cur = next;
    }
    ft_decref(cur);
}

/* ---- Allocation failure ---- */

typedef FtTestCtor Ctor;
static FtObject *mk_new(FtObject *a, FtObject *b) { (void)b; return ft_set_new(a); }
static FtObject *mk_frozen(FtObject *a, FtObject *b) { (void)b; return ft_frozenset_new(a); }
static FtObject *mk_copy(FtObject *a, FtObject *b) { (void)b; return ft_set_copy(a); }
static FtObject *mk_union(FtObject *a, FtObject *b) { return ft_set_union(a, b); }
static FtObject *mk_inter(FtObject *a, FtObject *b) { return ft_set_intersection(a, b); }
static FtObject *mk_diff(FtObject *a, FtObject *b) { return ft_set_difference(a, b); }
static FtObject *mk_sym(FtObject *a, FtObject *b) { return ft_set_symmetric_difference(a, b); }
static FtObject *mk_repr(FtObject *a, FtObject *b) { (void)b; return ft_repr(a); }
static FtObject *mk_iter(FtObject *a, FtObject *b) { (void)b; return ft_iter(a); }
static FtObject *mk_list_src(FtObject *a, FtObject *b)
{
    (void)a;
    return ft_set_new(b);           /* b is a list here */
}
static FtObject *mk_subset(FtObject *a, FtObject *b)
{
    int r = ft_set_issubset(a, b);
    return r < 0 ? NULL : ft_newref(ft_bool_from(r));
}

static void oom_loop(Ctor ctor, FtObject *a, FtObject *b)
{
    ft_test_oom_loop(ctor, a, b, 1000);
}

static void test_oom(void **state)
{
    (void)state;
    FtObject *a = range_set(1000, 1040), *b = range_set(1020, 1070);
    FtObject *l = ft_list_new(0);
    for (int64_t v = 2000; v < 2030; v++) {
        FtObject *o = I(v);
        ft_list_append(l, o);
        ft_decref(o);
    }
    oom_loop(mk_new, NULL, NULL);
    oom_loop(mk_new, a, NULL);
    oom_loop(mk_frozen, a, NULL);
    oom_loop(mk_copy, a, NULL);
    oom_loop(mk_union, a, b);
    oom_loop(mk_inter, a, b);
    oom_loop(mk_diff, a, l);
    oom_loop(mk_sym, a, b);
    oom_loop(mk_repr, a, NULL);
    oom_loop(mk_iter, a, NULL);
    oom_loop(mk_list_src, NULL, l);
    oom_loop(mk_subset, a, l);
    ft_decref(a);
    ft_decref(b);
    ft_decref(l);
}

static void test_oom_growth(void **state)
{
    (void)state;
    /* Every growth point: a failed add leaves the set as it was. */
    FtObject *s = ft_set_new(NULL);
    for (int64_t i = 1; i <= 400; i++) {
        FtObject *k = I(10000 + i);
        FtSsize len = ft_len(s), slots = ft_set_table_size(s);
        ft_freelists_clear();
        LiveSnapshot before = live_snapshot();
        for (long n = 1;; n++) {
            ft_debug_fail_alloc_after(n);
            int r = ft_set_add(s, k);
            ft_debug_fail_alloc_after(0);
            if (r == 0)
                break;
            assert_int_equal(ft_error_kind(), FT_ERR_MEMORY);
            ft_error_clear();
            assert_int_equal(ft_len(s), len);
            assert_int_equal(ft_set_table_size(s), slots);
            assert_live_equal(before, live_snapshot());
            assert_true(n < 10);
        }
        ft_decref(k);
    }
    assert_int_equal(ft_len(s), 400);
    ft_decref(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_sizes_and_growth),
        cmocka_unit_test(test_frozenset_hash),
        cmocka_unit_test(test_algebra),
        cmocka_unit_test(test_iteration),
        cmocka_unit_test(test_repr),
        cmocka_unit_test(test_tval_keys_and_gc),
        cmocka_unit_test(test_deep_nesting_dealloc),
        cmocka_unit_test(test_oom),
        cmocka_unit_test(test_oom_growth),
    };
    return cmocka_run_group_tests_name("set", tests, seq_group_setup,
                                       ft_test_group_teardown);
}
