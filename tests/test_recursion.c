/* tests/test_recursion.c: the recursion limit (FT_ERR_RECURSION) on every
 * recursive C path, and deallocation of 1,000,000-deep nesting (trashcan).
 *
 * Self-referential and deeply nested lists, tuples, dicts and frozensets are
 * compared, hashed, repr'd, str'd, tested for membership and used as dict
 * keys: each gives a clean error (or a correct result), never a crash, and
 * every object is freed afterwards (exact live counts). The stack used per
 * level is measured and printed for the reader (docs/object-model.md). */
#include "testutil.h"
#include "runtime/trashcan.h"
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define DEEP 1000000

static void expect_recursion(const char *where)
{
    assert_int_equal(ft_error_kind(), FT_ERR_RECURSION);
    char want[128];
    snprintf(want, sizeof want, "maximum recursion depth exceeded%s", where);
    assert_string_equal(ft_error_message(), want);
    ft_error_clear();
}

/* [[[...[leaf]...]]] n deep (n containers). */
static FtObject *deep_list(long n)
{
    FtObject *o = ft_int_from_i64(7);
    for (long i = 0; i < n; i++) {
        FtObject *l = ft_list_new(0);
        assert_non_null(l);
        assert_int_equal(ft_list_append(l, o), 0);
        ft_decref(o);
        o = l;
    }
    return o;
}

static FtObject *deep_tuple(long n)
{
    FtObject *o = ft_int_from_i64(7);
    for (long i = 0; i < n; i++) {
        FtObject *t = ft_tuple_new(1);
        assert_non_null(t);
        assert_int_equal(ft_tuple_set_item_init(t, 0, o), 0);   /* steals */
        o = t;
    }
    return o;
}

static FtObject *deep_dict(long n)
{
    FtObject *o = ft_int_from_i64(7), *k = ft_int_from_i64(0);
    for (long i = 0; i < n; i++) {
        FtObject *d = ft_dict_new();
        assert_non_null(d);
        assert_int_equal(ft_dict_set_item(d, k, o), 0);
        ft_decref(o);
        o = d;
    }
    ft_decref(k);
    return o;
}

/* (frozenset({(frozenset({... 7 ...}),)}),): a set in a tuple, n levels. */
static FtObject *deep_set_in_tuple(long n)
{
    FtObject *o = ft_int_from_i64(7);
    for (long i = 0; i < n; i++) {
        FtObject *t = ft_tuple_pack(1, o);
        ft_decref(o);
        assert_non_null(t);
        o = ft_frozenset_new(t);
        ft_decref(t);
        assert_non_null(o);
        t = ft_tuple_pack(1, o);
        ft_decref(o);
        assert_non_null(t);
        o = t;
    }
    return o;
}

static void test_self_referential_lists(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtObject *a = ft_list_new(0), *b = ft_list_new(0);
    assert_int_equal(ft_list_append(a, a), 0);
    assert_int_equal(ft_list_append(b, b), 0);
    for (int op = FT_LT; op <= FT_GE; op++) {
        assert_int_equal(ft_compare_bool(a, b, (FtCompareOp)op), -1);
        expect_recursion(" in comparison");
    }
    assert_int_equal(ft_compare_bool(a, a, FT_EQ), 1);   /* identity */
    /* Membership compares a with b's item b: recursion again. */
    assert_int_equal(ft_contains(b, a), -1);
    expect_recursion(" in comparison");
    FtObject *r = ft_repr(a);
    assert_string_equal(ft_str_as_utf8(r, NULL), "[[...]]");
    ft_decref(r);
    assert_int_equal(ft_list_clear(a), 0);
    assert_int_equal(ft_list_clear(b), 0);
    ft_decref(a);
    ft_decref(b);
    assert_live_equal(before, live_snapshot());
}

static void test_self_referential_dicts(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtObject *a = ft_dict_new(), *b = ft_dict_new(), *k = ft_int_from_i64(1);
    assert_int_equal(ft_dict_set_item(a, k, a), 0);
    assert_int_equal(ft_dict_set_item(b, k, b), 0);
    assert_int_equal(ft_compare_bool(a, b, FT_EQ), -1);
    expect_recursion(" in comparison");
    FtObject *r = ft_repr(a);
    assert_string_equal(ft_str_as_utf8(r, NULL), "{1: {...}}");
    ft_decref(r);
    assert_int_equal(ft_dict_clear(a), 0);
    assert_int_equal(ft_dict_clear(b), 0);
    ft_decref(a);
    ft_decref(b);
    ft_decref(k);
    assert_live_equal(before, live_snapshot());
}

static void check_deep(FtObject *x, FtObject *y, int hashable)
{
    assert_int_equal(ft_compare_bool(x, y, FT_EQ), -1);
    expect_recursion(" in comparison");
    assert_int_equal(ft_compare_bool(x, y, FT_LT), -1);
    if (ft_is_dict(x)) {            /* dicts do not order: no recursion */
        assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
        ft_error_clear();
    } else {
        expect_recursion(" in comparison");
    }
    assert_null(ft_repr(x));
    expect_recursion(" while getting the repr of an object");
    assert_null(ft_str(x));
    expect_recursion(" while getting the repr of an object");
    FtObject *l = ft_list_new(0);
    assert_int_equal(ft_list_append(l, y), 0);
    assert_int_equal(ft_contains(l, x), -1);
    expect_recursion(" in comparison");
    ft_decref(l);
    FtObject *d = ft_dict_new();
    if (hashable) {
        assert_int_equal(ft_hash(x), -1);
        expect_recursion(" while hashing an object");
        assert_int_equal(ft_dict_set_item(d, x, x), -1);
        expect_recursion(" while hashing an object");
        assert_int_equal(ft_dict_contains(d, x), -1);
        expect_recursion(" while hashing an object");
        FtObject *s = ft_set_new(NULL);
        assert_int_equal(ft_set_add(s, x), -1);
        expect_recursion(" while hashing an object");
        ft_decref(s);
    } else {
        assert_int_equal(ft_hash(x), -1);
        assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
        ft_error_clear();
    }
    ft_decref(d);
}

static void test_deep_lists(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtObject *x = deep_list(DEEP), *y = deep_list(DEEP);
    check_deep(x, y, 0);
    ft_gc_collect();                /* the collector's traversal is iterative */
    ft_decref(x);
    ft_decref(y);
    assert_int_equal(ft__trashcan_pending(), 0);
    assert_live_equal(before, live_snapshot());
}

static void test_deep_tuples(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtObject *x = deep_tuple(DEEP), *y = deep_tuple(DEEP);
    check_deep(x, y, 1);
    ft_decref(x);
    ft_decref(y);
    assert_int_equal(ft__trashcan_pending(), 0);
    assert_live_equal(before, live_snapshot());
}

static void test_deep_dicts(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtObject *x = deep_dict(DEEP), *y = deep_dict(DEEP);
    check_deep(x, y, 0);
    ft_decref(x);
    ft_decref(y);
    assert_live_equal(before, live_snapshot());
}

static void test_deep_set_in_tuple(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    /* Building hashes each level once (frozensets cache entry hashes), so
     * construction itself does not recurse. */
    FtObject *x = deep_set_in_tuple(DEEP / 2), *y = deep_set_in_tuple(DEEP / 2);
    assert_int_equal(ft_compare_bool(x, y, FT_EQ), -1);
    expect_recursion(" in comparison");
    assert_null(ft_repr(x));
    expect_recursion(" while getting the repr of an object");
    ft_decref(x);
    ft_decref(y);
    assert_live_equal(before, live_snapshot());
}

/* Instances of classes: a 1,000,000-long chain through a __slots__
 * attribute and one through __dict__ entries are freed without recursing,
 * and their repr is not recursive (the default repr names the object). */
static void test_deep_instances(void **state)
{
    (void)state;
    /* Attribute names given as C strings are interned (immortal) on first
     * use: intern "next" before counting. */
    ft_decref(ft_str_intern_cstr("next"));
    LiveSnapshot before = live_snapshot();
    static const char *const slots[] = { "next", NULL };
    FtClassSpec ss = { .name = "SNode", .slots = slots };
    FtClassSpec ds = { .name = "DNode" };
    FtType *sc = ft_class_new(&ss), *dc = ft_class_new(&ds);
    assert_non_null(sc);
    assert_non_null(dc);
    for (int kind = 0; kind < 2; kind++) {
        FtObject *head = ft_none();
        for (long i = 0; i < DEEP; i++) {
            FtObject *n = ft_instance_new(kind ? dc : sc);
            assert_non_null(n);
            assert_int_equal(ft_setattr(n, "next", head), 0);
            ft_decref(head);
            head = n;
        }
        FtObject *r = ft_repr(head);
        assert_non_null(r);
        ft_decref(r);
        ft_decref(head);
        assert_int_equal(ft__trashcan_pending(), 0);
    }
    ft_decref(ft_type_as_object(sc));
    ft_decref(ft_type_as_object(dc));
    assert_live_equal(before, live_snapshot());
}

/* Under the limit: a correct answer; the limit is settable and read. */
static void test_limit_settable(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    assert_int_equal(ft_get_recursion_limit(), 1000);
    assert_int_equal(ft_set_recursion_limit(0), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    ft_error_clear();
    FtObject *x = deep_tuple(900), *y = deep_tuple(900);
    assert_int_equal(ft_compare_bool(x, y, FT_EQ), 1);
    assert_int_equal(ft_hash(x), ft_hash(y));
    FtObject *r = ft_repr(x);
    assert_non_null(r);
    assert_int_equal(ft_len(r), 900 * 2 + 1 + 900);     /* "(" "7" ",)" */
    ft_decref(r);
    assert_int_equal(ft_set_recursion_limit(100), 0);
    assert_int_equal(ft_get_recursion_limit(), 100);
    assert_int_equal(ft_compare_bool(x, y, FT_EQ), -1);
    expect_recursion(" in comparison");
    FtObject *s = deep_list(99), *t = deep_list(99);
    assert_int_equal(ft_compare_bool(s, t, FT_EQ), 1);
    ft_decref(s);
    ft_decref(t);
    /* Below the fast-path depth too. */
    assert_int_equal(ft_set_recursion_limit(5), 0);
    s = deep_list(5);
    t = deep_list(5);
    assert_int_equal(ft_compare_bool(s, t, FT_EQ), 1);
    FtObject *u = deep_list(6), *v = deep_list(6);
    assert_int_equal(ft_compare_bool(u, v, FT_EQ), -1);
    expect_recursion(" in comparison");
    ft_decref(s);
    ft_decref(t);
    ft_decref(u);
    ft_decref(v);
    assert_int_equal(ft_set_recursion_limit(1000), 0);
    ft_decref(x);
    ft_decref(y);
    assert_live_equal(before, live_snapshot());
}

/* A limit far above what the stack holds: the stack check stops the
 * recursion with a clean error before the C stack overflows. Run on a
 * thread with a 1 MiB stack (the main stack would also do, but its tens of
 * thousands of frames overflow ThreadSanitizer's stack depot). */
static void *stack_check_thread(void *arg)
{
    int *ok = arg;
    assert_int_equal(ft_thread_attach(), 0);
    FtObject *x = deep_list(100000), *y = deep_list(100000);
    *ok = ft_compare_bool(x, y, FT_EQ) == -1 && ft_error_kind() == FT_ERR_RECURSION;
    ft_error_clear();
    FtObject *r = ft_repr(x);
    *ok &= r == NULL && ft_error_kind() == FT_ERR_RECURSION;
    ft_error_clear();
    FtObject *t = deep_tuple(100000);
    *ok &= ft_hash(t) == -1 && ft_error_kind() == FT_ERR_RECURSION;
    ft_error_clear();
    ft_decref(t);
    ft_decref(x);
    ft_decref(y);
    assert_int_equal(ft_thread_detach(), 0);
    return NULL;
}

static void test_stack_check(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    assert_int_equal(ft_set_recursion_limit(100000000), 0);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    assert_int_equal(pthread_attr_setstacksize(&attr, 1 << 20), 0);
    int ok = 0;
    pthread_t t;
    ft_thread_detach();
    assert_int_equal(pthread_create(&t, &attr, stack_check_thread, &ok), 0);
    pthread_join(t, NULL);
    assert_int_equal(ft_thread_attach(), 0);
    pthread_attr_destroy(&attr);
    assert_int_equal(ft_set_recursion_limit(1000), 0);
    assert_true(ok);
    assert_live_equal(before, live_snapshot());
}

/* The same on the main thread (8 MiB or whatever ulimit -s gives), where
 * the depth reached is in the tens of thousands: not under TSan, whose
 * shadow stack depot holds at most 65,536 frames. */
static void test_stack_check_main(void **state)
{
    (void)state;
#if FT_TSAN
    skip();
#else
    LiveSnapshot before = live_snapshot();
    assert_int_equal(ft_set_recursion_limit(100000000), 0);
    FtObject *x = deep_list(DEEP), *y = deep_list(DEEP);
    assert_int_equal(ft_compare_bool(x, y, FT_EQ), -1);
    expect_recursion(" in comparison");
    assert_null(ft_repr(x));
    expect_recursion(" while getting the repr of an object");
    ft_decref(x);
    ft_decref(y);
    assert_int_equal(ft_set_recursion_limit(1000), 0);
    assert_live_equal(before, live_snapshot());
#endif
}

/* Stack per level, measured: compare (and repr) of two 999-deep lists. */
static void measure(const char *what, int repr_too, long *per_level)
{
    FtObject *x = deep_list(999), *y = deep_list(999);
    ft__recursion_stack_low_water(1, NULL);
    uintptr_t top = (uintptr_t)__builtin_frame_address(0);
    int r = ft_compare_bool(x, y, FT_EQ);
    int depth;
    uintptr_t low = ft__recursion_stack_low_water(1, &depth);
    long cmp_level = r == 1 && depth > 0 ? (long)(top - low) / depth : -1;
    long repr_level = -1;
    if (repr_too) {
        FtObject *s = ft_repr(x);
        low = ft__recursion_stack_low_water(1, &depth);
        if (s && depth > 0)
            repr_level = (long)(top - low) / depth;
        ft_xdecref(s);
    }
    ft_error_clear();
    printf("# stack per recursion level (%s): compare %ld bytes, repr %ld bytes\n",
           what, cmp_level, repr_level);
    if (per_level)
        *per_level = cmp_level > repr_level ? cmp_level : repr_level;
    ft_decref(x);
    ft_decref(y);
}

typedef struct SmallStack {
    int deep_err, deep_kind, fine;
} SmallStack;

static void *small_stack_thread(void *arg)
{
    SmallStack *s = arg;
    assert_int_equal(ft_thread_attach(), 0);
    /* 1,000-deep at the default limit on a 128 KiB stack: an answer or a
     * clean recursion error, no overflow. */
    FtObject *x = deep_list(2000), *y = deep_list(2000);
    s->deep_err = ft_compare_bool(x, y, FT_EQ);
    s->deep_kind = ft_error_kind();
    ft_error_clear();
    FtObject *r = ft_repr(x);
    if (!r) {
        s->deep_kind = s->deep_kind == FT_ERR_RECURSION ? (int)ft_error_kind() : -1;
        ft_error_clear();
    }
    ft_xdecref(r);
    FtObject *a = deep_list(20), *b = deep_list(20);
    s->fine = ft_compare_bool(a, b, FT_EQ);
    ft_decref(a);
    ft_decref(b);
    ft_decref(x);
    ft_decref(y);
    assert_int_equal(ft_thread_detach(), 0);
    return NULL;
}

static void test_small_thread_stack(void **state)
{
    (void)state;
    long per_level;
    measure("main thread", 1, &per_level);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    assert_int_equal(pthread_attr_setstacksize(&attr, 128 * 1024), 0);
    SmallStack s = { 0, 0, 0 };
    pthread_t t;
    ft_thread_detach();
    assert_int_equal(pthread_create(&t, &attr, small_stack_thread, &s), 0);
    pthread_join(t, NULL);
    assert_int_equal(ft_thread_attach(), 0);
    pthread_attr_destroy(&attr);
    assert_int_equal(s.deep_err, -1);
    assert_int_equal(s.deep_kind, FT_ERR_RECURSION);
    assert_int_equal(s.fine, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_self_referential_lists),
        cmocka_unit_test(test_self_referential_dicts),
        cmocka_unit_test(test_limit_settable),
        cmocka_unit_test(test_deep_lists),
        cmocka_unit_test(test_deep_tuples),
        cmocka_unit_test(test_deep_dicts),
        cmocka_unit_test(test_deep_set_in_tuple),
        cmocka_unit_test(test_deep_instances),
        cmocka_unit_test(test_stack_check),
        cmocka_unit_test(test_stack_check_main),
        cmocka_unit_test(test_small_thread_stack),
    };
    return cmocka_run_group_tests(tests, ft_test_group_setup,
                                  ft_test_group_teardown);
}
