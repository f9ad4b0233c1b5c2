/* tests/test_gc_containers.c: reference cycles through every container type
 * and class kind are found and freed by the collector, with exact counts
 * per type (ft_stats_live_of_type), and everything reachable survives.
 *
 * test_gc.c covers the collector's rules on test-only node types; this file
 * builds the cycles a program would build with the public API.
 */
#include "testutil.h"
#include <ftrt.h>

typedef struct Live {
    int64_t tuple, list, dict, set, frozenset, all;
    int64_t a, s;   /* instances of the dict class A, of the slot class S */
} Live;

static FtType *cls_a, *cls_s;

static Live live_now(void)
{
    FtStats st;
    ft_stats_get(&st);
    return (Live){
        ft_stats_live_of_type(&ft_tuple_type), ft_stats_live_of_type(&ft_list_type),
        ft_stats_live_of_type(&ft_dict_type), ft_stats_live_of_type(&ft_set_type),
        ft_stats_live_of_type(&ft_frozenset_type), st.objects_live,
        ft_stats_live_of_type(cls_a), ft_stats_live_of_type(cls_s),
    };
}

static void assert_same(Live a, Live b)
{
    assert_int_equal(a.tuple, b.tuple);
    assert_int_equal(a.list, b.list);
    assert_int_equal(a.dict, b.dict);
    assert_int_equal(a.set, b.set);
    assert_int_equal(a.frozenset, b.frozenset);
    assert_int_equal(a.a, b.a);
    assert_int_equal(a.s, b.s);
    assert_int_equal(a.all, b.all);
}

static int setup(void **state)
{
    if (ft_test_group_setup(state))
        return -1;
    static const char *const slots[] = { "p", "q", "r", NULL };
    FtClassSpec a = { .name = "A", .weakrefs = 1 };
    FtClassSpec s = { .name = "S", .slots = slots };
    cls_a = ft_class_new(&a);
    cls_s = ft_class_new(&s);
    return cls_a && cls_s ? 0 : -1;
}

static int teardown(void **state)
{
    FT_CLEAR(cls_a);
    FT_CLEAR(cls_s);
    return ft_test_group_teardown(state);
}

/* Settle: nothing garbage before a case starts. */
static Live start(void)
{
    while (ft_gc_collect() > 0)
        ;
    ft_freelists_clear();
    return live_now();
}

static void finish(Live before, FtSsize expect_collected)
{
    FtSsize n = ft_gc_collect();
    assert_int_equal(n, expect_collected);
    ft_freelists_clear();
    assert_same(before, live_now());
}

static void list_self_cycle(void **state)
{
    (void)state;
    Live before = start();
    FtObject *l = ft_list_new(0);
    assert_int_equal(ft_list_append(l, l), 0);
    ft_decref(l);
    assert_int_equal(live_now().list, before.list + 1);
    finish(before, 1);
}

static void list_dict_tuple_ring(void **state)
{
    (void)state;
    Live before = start();
    /* list -> dict -> tuple -> list */
    FtObject *l = ft_list_new(0), *d = ft_dict_new();
    FtObject *t = ft_tuple_pack(2, l, ft_none());
    assert_int_equal(ft_list_append(l, d), 0);
    assert_int_equal(ft_dict_set_item_cstr(d, "t", t), 0);
    ft_decref(l);
    ft_decref(d);
    ft_decref(t);
    /* str key "t" is interned or freed with the dict: count objects
     * collected by type, not the exact total. */
    FtSsize n = ft_gc_collect();
    assert_true(n >= 3);
    ft_freelists_clear();
    Live after = live_now();
    assert_int_equal(after.list, before.list);
    assert_int_equal(after.dict, before.dict);
    assert_int_equal(after.tuple, before.tuple);
    assert_int_equal(after.all, before.all);
}

static void dict_value_and_key_cycles(void **state)
{
    (void)state;
    Live before = start();
    /* d[d_key_tuple] = d : the cycle goes through a key (a tuple holding a
     * list is unhashable, so a tuple holding the instance). */
    FtObject *d = ft_dict_new(), *a = ft_instance_new(cls_a);
    FtObject *k = ft_tuple_pack(1, a);
    assert_int_equal(ft_dict_set_item(d, k, ft_none()), 0);
    assert_int_equal(ft_setattr(a, "owner", d), 0);
    ft_decref(k);
    ft_decref(a);
    ft_decref(d);
    FtSsize n = ft_gc_collect();
    /* d, the key tuple, a and a's __dict__, and the attribute name "owner"
     * that only a's __dict__ held (ft_gc_collect counts everything the
     * collection freed, docs/gc.md) */
    assert_int_equal(n, 5);
    ft_freelists_clear();
    assert_same(before, live_now());
}

static void set_and_frozenset_cycles(void **state)
{
    (void)state;
    Live before = start();
    FtObject *s = ft_set_new(NULL), *a = ft_instance_new(cls_a);
    assert_int_equal(ft_set_add(s, a), 0);          /* instances hash by id */
    assert_int_equal(ft_setattr(a, "home", s), 0);  /* a -> dict -> s -> a */
    /* frozenset holding an instance whose slot points back at it */
    FtObject *b = ft_instance_new(cls_s);
    FtObject *tmp = ft_tuple_pack(1, b);
    FtObject *fs = ft_frozenset_new(tmp);
    ft_decref(tmp);
    assert_int_equal(ft_setattr(b, "p", fs), 0);
    ft_decref(s);
    ft_decref(a);
    ft_decref(b);
    ft_decref(fs);
    /* s, a, a's dict; fs, b; the name "home" that only a's dict held */
    finish(before, 6);
}

static void slot_class_ring(void **state)
{
    (void)state;
    Live before = start();
    enum { N = 100 };
    FtObject *first = ft_instance_new(cls_s), *prev = first;
    ft_incref(prev);
    for (int i = 1; i < N; i++) {
        FtObject *x = ft_instance_new(cls_s);
        assert_int_equal(ft_setattr(prev, "q", x), 0);
        ft_decref(prev);
        prev = x;
    }
    assert_int_equal(ft_setattr(prev, "q", first), 0);
    ft_decref(prev);
    ft_decref(first);
    assert_int_equal(live_now().s, before.s + N);
    finish(before, N);
}

static void reachable_survive(void **state)
{
    (void)state;
    Live before = start();
    /* A root list holds a cycle: nothing is collected, everything intact. */
    FtObject *root = ft_list_new(0), *l = ft_list_new(0), *d = ft_dict_new();
    assert_int_equal(ft_list_append(l, d), 0);
    assert_int_equal(ft_dict_set_item_cstr(d, "l", l), 0);
    assert_int_equal(ft_list_append(root, l), 0);
    ft_decref(l);
    ft_decref(d);
    assert_int_equal(ft_gc_collect(), 0);
    FtObject *l2 = ft_list_get_item(root, 0);
    assert_ptr_equal(l2, l);
    FtObject *d2 = ft_list_get_item(l2, 0);
    assert_ptr_equal(d2, d);
    ft_decref(d2);
    ft_decref(l2);
    ft_decref(root);                /* now only the cycle is left */
    FtSsize n = ft_gc_collect();
    assert_true(n >= 2);
    ft_freelists_clear();
    Live after = live_now();
    assert_int_equal(after.list, before.list);
    assert_int_equal(after.dict, before.dict);
    assert_int_equal(after.all, before.all);
}

static void weakref_to_cycle_cleared(void **state)
{
    (void)state;
    Live before = start();
    FtObject *a = ft_instance_new(cls_a);
    assert_int_equal(ft_setattr(a, "me", a), 0);
    FtObject *wr = ft_weakref_new(a, NULL, NULL);
    assert_non_null(wr);
    ft_decref(a);
    FtObject *got = ft_weakref_get(wr);
    assert_ptr_equal(got, a);       /* still alive: only the cycle holds it */
    ft_decref(got);
    /* a, its __dict__ and the name "me" that only the __dict__ held */
    assert_int_equal(ft_gc_collect(), 3);
    assert_null(ft_weakref_get(wr));
    assert_false(ft_error_occurred());
    ft_decref(wr);
    ft_freelists_clear();
    assert_same(before, live_now());
}

static int list_holds(FtObject *list, FtObject *op)
{
    FtSsize n = ft_len(list);
    for (FtSsize i = 0; i < n; i++) {
        FtObject *x = ft_list_get_item(list, i);
        ft_decref(x);
        if (x == op)
            return 1;
    }
    return 0;
}

/* A tuple still being filled is tracked (the collector sees its items) but
 * not reported by get_objects until every slot is set. */
static void partial_tuple_not_reported(void **state)
{
    (void)state;
    FtObject *t = ft_tuple_new(3);
    assert_non_null(t);
    assert_int_equal(ft_tuple_set_item_init(t, 0, ft_int_from_i64(1000)), 0);
    assert_true(ft_gc_is_tracked(t));
    FtObject *objs = ft_gc_get_objects();
    assert_non_null(objs);
    assert_false(list_holds(objs, t));
    ft_decref(objs);
    assert_int_equal(ft_tuple_set_item_init(t, 1, ft_newref(ft_none())), 0);
    assert_int_equal(ft_tuple_set_item_init(t, 2, ft_newref(ft_none())), 0);
    objs = ft_gc_get_objects();
    assert_true(list_holds(objs, t));
    ft_decref(objs);
    ft_decref(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(list_self_cycle),
        cmocka_unit_test(list_dict_tuple_ring),
        cmocka_unit_test(dict_value_and_key_cycles),
        cmocka_unit_test(set_and_frozenset_cycles),
        cmocka_unit_test(slot_class_ring),
        cmocka_unit_test(reachable_survive),
        cmocka_unit_test(weakref_to_cycle_cleared),
        cmocka_unit_test(partial_tuple_not_reported),
    };
    return cmocka_run_group_tests_name("gc_containers", tests, setup, teardown);
}
