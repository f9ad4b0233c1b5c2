/* tests/test_dict_atomic.c: the atomic dict updates (get_or_insert,
 * update_item, compare_and_set/delete, add_int) and ft_list_try_pop:
 * results, errors, leaks, and the two re-validations that make them atomic
 * when the dict's lock is suspended inside a callback (a callback that
 * blocks lets a second thread in): update_item re-runs its callback on
 * the new value; get_or_insert makes the second caller wait for the
 * running factory instead of calling its own. */
#include "testutil.h"
#include "runtime/dict_impl.h"

#include <pthread.h>
#include <sched.h>

static FtObject *S(const char *s)
{
    FtObject *o = ft_str_from_utf8(s, -1);
    assert_non_null(o);
    return o;
}

static int64_t get_i64(FtObject *d, const char *key)
{
    FtObject *k = S(key), *v = ft_dict_get_item(d, k);
    ft_decref(k);
    assert_non_null(v);
    int64_t x = 0;
    assert_int_equal(ft_int_as_i64(v, &x), 0);
    ft_decref(v);
    return x;
}

/* ---- get_or_insert ---- */

static int factory_calls;

static FtObject *make_list(void *arg)
{
    (void)arg;
    factory_calls++;
    return ft_list_new(0);
}

static FtObject *fail_factory(void *arg)
{
    factory_calls++;
    if (arg)
        ft_error_set(FT_ERR_VALUE, "no");
    return NULL;
}

static void test_get_or_insert(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtObject *d = ft_dict_new(), *k = S("q"), *r1, *r2;
    factory_calls = 0;
    assert_int_equal(ft_dict_get_or_insert(d, k, make_list, NULL, &r1), 0);
    assert_true(ft_is_list(r1));
    assert_int_equal(ft_dict_get_or_insert(d, k, make_list, NULL, &r2), 1);
    assert_ptr_equal(r1, r2);
    assert_int_equal(factory_calls, 1);
    assert_int_equal(ft_len(d), 1);
    ft_decref(r1);
    ft_decref(r2);

    /* factory errors: dict unchanged */
    FtObject *k2 = S("other");
    assert_int_equal(ft_dict_get_or_insert(d, k2, fail_factory, (void *)1, &r1), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    assert_string_equal(ft_error_message(), "no");
    assert_null(r1);
    assert_int_equal(ft_dict_get_or_insert(d, k2, fail_factory, NULL, &r1), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    ft_error_clear();
    assert_int_equal(ft_len(d), 1);

    /* unhashable key, bad arguments */
    FtObject *l = ft_list_new(0);
    assert_int_equal(ft_dict_get_or_insert(d, l, make_list, NULL, &r1), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    assert_int_equal(ft_dict_get_or_insert(l, k, make_list, NULL, &r1), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    /* NULL arguments: FT_ERR_STATE (the table in tests/test_null_args.c) */
    assert_int_equal(ft_dict_get_or_insert(d, k, NULL, NULL, &r1), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_STATE);
    assert_int_equal(ft_dict_get_or_insert(d, k, make_list, NULL, NULL), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_STATE);
    assert_int_equal(ft_dict_get_or_insert(d, NULL, make_list, NULL, &r1), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_STATE);
    ft_error_clear();
    ft_decref(l);
    ft_decref(k2);
    ft_decref(k);
    ft_decref(d);
    assert_live_equal(before, live_snapshot());
}

/* A factory that calls get_or_insert for the same key again. */
static FtObject *g_dict, *g_key;

static FtObject *recursive_factory(void *arg)
{
    (void)arg;
    FtObject *r;
    assert_int_equal(ft_dict_get_or_insert(g_dict, g_key, make_list, NULL, &r), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_RUNTIME);
    return NULL;    /* error kept */
}

static void test_get_or_insert_recursive(void **state)
{
    (void)state;
    g_dict = ft_dict_new();
    g_key = S("k");
    FtObject *r;
    assert_int_equal(ft_dict_get_or_insert(g_dict, g_key, recursive_factory, NULL, &r), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_RUNTIME);
    ft_error_clear();
    assert_int_equal(ft_len(g_dict), 0);
    FT_CLEAR(g_key);
    FT_CLEAR(g_dict);
}

/* ---- Suspension inside a callback: a second thread gets in ---- */

static _Atomic int helper_state;       /* 1 started, 2 done */
static FtObject *helper_result;

static void *goi_helper(void *arg)
{
    (void)arg;
    ft_atomic_store_release(&helper_state, 1);
    FtObject *r;
    int rc = ft_dict_get_or_insert(g_dict, g_key, make_list, NULL, &r);
    assert_int_equal(rc, 1);
    helper_result = r;
    ft_atomic_store_release(&helper_state, 2);
    return NULL;
}

/* Starts the helper, then waits detached (suspending the dict's lock)
 * until the helper is waiting for this factory. Without the pending
 * records the helper would call make_list itself and insert first. */
static FtObject *blocking_factory(void *arg)
{
    pthread_t *t = arg;
    factory_calls++;
    uint64_t waits = ft_atomic_load_relaxed(&ft__dict_factory_waits);
    assert_int_equal(ft_thread_start(t, goi_helper, NULL), 0);
    ft_blocking_begin();
    while (ft_atomic_load_relaxed(&ft__dict_factory_waits) == waits
           && ft_atomic_load_acquire(&helper_state) != 2)
        sched_yield();
    ft_blocking_end();
    return ft_list_new(0);
}

static void test_get_or_insert_factory_once(void **state)
{
    (void)state;
    g_dict = ft_dict_new();
    g_key = S("k");
    factory_calls = 0;
    helper_state = 0;
    pthread_t t;
    FtObject *r;
    assert_int_equal(ft_dict_get_or_insert(g_dict, g_key, blocking_factory, &t, &r), 0);
    assert_int_equal(ft_thread_join(t, NULL), 0);
    assert_int_equal(factory_calls, 1);
    assert_ptr_equal(helper_result, r);
    ft_decref(r);
    FT_CLEAR(helper_result);
    FT_CLEAR(g_key);
    FT_CLEAR(g_dict);
}

static void *set_helper(void *arg)
{
    (void)arg;
    FtObject *v = ft_int_from_i64(100);
    assert_int_equal(ft_dict_set_item(g_dict, g_key, v), 0);
    ft_decref(v);
    return NULL;
}

static int update_calls;

/* old + 1; on the first call, blocks while another thread sets the key to
 * 100 (the block suspends the dict's lock, so the set gets in). */
static FtObject *incr_blocking(FtObject *old, void *arg)
{
    (void)arg;
    if (update_calls++ == 0) {
        pthread_t t;
        assert_int_equal(ft_thread_start(&t, set_helper, NULL), 0);
        assert_int_equal(ft_thread_join(t, NULL), 0);  /* joins detached */
    }
    FtObject *one = ft_int_from_i64(1), *r = ft_int_add(old, one);
    ft_decref(one);
    return r;
}

static void test_update_item_revalidates(void **state)
{
    (void)state;
    g_dict = ft_dict_new();
    g_key = S("n");
    FtObject *v = ft_int_from_i64(5), *res;
    assert_int_equal(ft_dict_set_item(g_dict, g_key, v), 0);
    ft_decref(v);
    update_calls = 0;
    assert_int_equal(ft_dict_update_item(g_dict, g_key, incr_blocking, NULL, &res), 0);
    /* The set of 100 landed while the first call ran: that result (6) is
     * dropped and the callback re-runs on 100. */
    assert_int_equal(update_calls, 2);
    int64_t x;
    assert_int_equal(ft_int_as_i64(res, &x), 0);
    assert_int_equal(x, 101);
    assert_int_equal(get_i64(g_dict, "n"), 101);
    ft_decref(res);
    FT_CLEAR(g_key);
    FT_CLEAR(g_dict);
}

/* ---- update_item ---- */

static FtObject *append_x(FtObject *old, void *arg)
{
    (void)arg;
    if (!old)
        return S("x");
    return ft_str_concat(old, old);
}

static FtObject *delete_fn(FtObject *old, void *arg)
{
    (void)old;
    (void)arg;
    return NULL;
}

static FtObject *abort_fn(FtObject *old, void *arg)
{
    (void)old;
    (void)arg;
    ft_error_set(FT_ERR_KEY, "abort");
    return NULL;
}

static void test_update_item(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtObject *d = ft_dict_new(), *k = S("a"), *res;
    assert_int_equal(ft_dict_update_item(d, k, append_x, NULL, &res), 0);
    assert_true(ft_str_equal_cstr(res, "x"));
    ft_decref(res);
    assert_int_equal(ft_dict_update_item(d, k, append_x, NULL, NULL), 0);
    assert_int_equal(ft_dict_update_item(d, k, append_x, NULL, &res), 0);
    assert_true(ft_str_equal_cstr(res, "xxxx"));
    ft_decref(res);
    assert_int_equal(ft_dict_update_item(d, k, abort_fn, NULL, &res), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_KEY);
    assert_null(res);
    ft_error_clear();
    assert_int_equal(ft_len(d), 1);
    assert_int_equal(ft_dict_update_item(d, k, delete_fn, NULL, &res), 0);
    assert_null(res);
    assert_int_equal(ft_len(d), 0);
    /* missing and fn says "leave missing" */
    assert_int_equal(ft_dict_update_item(d, k, delete_fn, NULL, &res), 0);
    assert_int_equal(ft_len(d), 0);
    assert_false(ft_error_occurred());
    assert_int_equal(ft_dict_update_item(d, k, NULL, NULL, &res), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_STATE);      /* NULL policy */
    ft_error_clear();
    ft_decref(k);
    ft_decref(d);
    assert_live_equal(before, live_snapshot());
}

/* ---- add_int ---- */

static void test_add_int(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtObject *d = ft_dict_new(), *k = S("c"), *res;
    assert_int_equal(ft_dict_add_int(d, k, 5, &res), 0);
    int64_t x;
    assert_int_equal(ft_int_as_i64(res, &x), 0);
    assert_int_equal(x, 5);
    ft_decref(res);
    assert_int_equal(ft_dict_add_int(d, k, -7, NULL), 0);
    assert_int_equal(get_i64(d, "c"), -2);
    assert_int_equal(ft_dict_add_int(d, k, INT64_MAX, NULL), 0);
    assert_int_equal(ft_dict_add_int(d, k, INT64_MAX, &res), 0);
    FtObject *txt = ft_int_to_string(res, 10);
    assert_true(ft_str_equal_cstr(txt, "18446744073709551612"));  /* 2*(2**63-1) - 2 */
    ft_decref(txt);
    ft_decref(res);
    /* a bool counts as an int; anything else is a type error */
    FtObject *kb = S("b");
    assert_int_equal(ft_dict_set_item(d, kb, FT_TRUE), 0);
    assert_int_equal(ft_dict_add_int(d, kb, 1, NULL), 0);
    assert_int_equal(get_i64(d, "b"), 2);
    FtObject *ks = S("s");
    assert_int_equal(ft_dict_set_item(d, ks, ks), 0);
    assert_int_equal(ft_dict_add_int(d, ks, 1, &res), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    assert_null(res);
    ft_error_clear();
    FtObject *v = ft_dict_get_item(d, ks);
    assert_ptr_equal(v, ks);
    ft_decref(v);
    ft_decref(ks);
    ft_decref(kb);
    ft_decref(k);
    ft_decref(d);
    assert_live_equal(before, live_snapshot());
}

/* ---- compare_and_set / compare_and_delete ---- */

static void test_compare_and_set(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtObject *d = ft_dict_new(), *k = S("k"), *a = S("alpha"), *b = S("beta");
    assert_int_equal(ft_dict_compare_and_set(d, k, a, b), 0);     /* absent */
    assert_int_equal(ft_len(d), 0);
    assert_int_equal(ft_dict_compare_and_set(d, k, NULL, a), 1);  /* insert */
    assert_int_equal(ft_dict_compare_and_set(d, k, NULL, b), 0);
    FtObject *a2 = ft_str_from_utf8("alpha", -1);      /* equal, not identical */
    assert_ptr_not_equal(a2, a);
    assert_int_equal(ft_dict_compare_and_set(d, k, a2, b), 0);
    ft_decref(a2);
    assert_int_equal(ft_dict_compare_and_set(d, k, a, b), 1);
    FtObject *v = ft_dict_get_item(d, k);
    assert_ptr_equal(v, b);
    ft_decref(v);
    assert_int_equal(ft_dict_compare_and_delete(d, k, a), 0);
    assert_int_equal(ft_len(d), 1);
    assert_int_equal(ft_dict_compare_and_delete(d, k, b), 1);
    assert_int_equal(ft_len(d), 0);
    assert_int_equal(ft_dict_compare_and_delete(d, k, b), 0);
    assert_int_equal(ft_dict_compare_and_set(d, k, NULL, NULL), 1); /* absent stays */
    assert_int_equal(ft_dict_compare_and_delete(d, k, NULL), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_STATE);      /* NULL policy */
    FtObject *l = ft_list_new(0);
    assert_int_equal(ft_dict_compare_and_set(d, l, NULL, a), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    /* many keys: inserting through CAS grows the table */
    for (int i = 0; i < 200; i++) {
        FtObject *ki = ft_int_from_i64(1000 + i);
        assert_int_equal(ft_dict_compare_and_set(d, ki, NULL, ki), 1);
        ft_decref(ki);
    }
    assert_int_equal(ft_len(d), 200);
    ft_decref(l);
    ft_decref(a);
    ft_decref(b);
    ft_decref(k);
    ft_decref(d);
    assert_live_equal(before, live_snapshot());
}

/* ---- list try_pop ---- */

static void test_list_try_pop(void **state)
{
    (void)state;
    FtObject *l = ft_list_new(0), *out = (FtObject *)1;
    assert_int_equal(ft_list_try_pop(l, -1, &out), 0);
    assert_null(out);
    assert_false(ft_error_occurred());
    FtObject *a = S("a"), *b = S("b");
    ft_list_append(l, a);
    ft_list_append(l, b);
    assert_int_equal(ft_list_try_pop(l, 5, &out), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_INDEX);
    ft_error_clear();
    assert_int_equal(ft_list_try_pop(l, 0, &out), 1);
    assert_ptr_equal(out, a);
    ft_decref(out);
    assert_int_equal(ft_list_try_pop(l, -1, &out), 1);
    assert_ptr_equal(out, b);
    ft_decref(out);
    assert_int_equal(ft_list_try_pop(l, 0, &out), 0);
    assert_int_equal(ft_list_try_pop(a, 0, &out), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    ft_decref(a);
    ft_decref(b);
    ft_decref(l);
}

/* ---- allocation failure ---- */

static FtObject *ctor_add_int(FtObject *d, FtObject *k)
{
    FtObject *res;
    if (ft_dict_add_int(d, k, 1000000, &res) < 0)
        return NULL;
    ft_decref(ft_dict_pop(d, k, NULL));
    return res;
}

static FtObject *ctor_goi(FtObject *d, FtObject *k)
{
    FtObject *res;
    if (ft_dict_get_or_insert(d, k, make_list, NULL, &res) < 0)
        return NULL;
    ft_decref(ft_dict_pop(d, k, NULL));
    return res;
}

static FtObject *ctor_cas(FtObject *d, FtObject *k)
{
    FtObject *v = ft_int_from_i64(123456789);
    if (!v)
        return NULL;
    int r = ft_dict_compare_and_set(d, k, NULL, v);
    if (r < 0) {
        ft_decref(v);
        return NULL;
    }
    ft_dict_compare_and_delete(d, k, v);
    return v;
}

static void test_oom(void **state)
{
    (void)state;
    FtObject *d = ft_dict_new(), *k = S("oom"), *pad = S("pad");
    /* the table exists before the walks (they must not leave a block) */
    assert_int_equal(ft_dict_set_item(d, pad, pad), 0);
    ft_test_oom_loop(ctor_goi, d, k, 50);
    ft_test_oom_loop(ctor_cas, d, k, 50);
    ft_test_oom_loop(ctor_add_int, d, k, 50);
    assert_int_equal(ft_len(d), 1);
    ft_decref(pad);
    ft_decref(k);
    ft_decref(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_or_insert),
        cmocka_unit_test(test_get_or_insert_recursive),
        cmocka_unit_test(test_get_or_insert_factory_once),
        cmocka_unit_test(test_update_item),
        cmocka_unit_test(test_update_item_revalidates),
        cmocka_unit_test(test_add_int),
        cmocka_unit_test(test_compare_and_set),
        cmocka_unit_test(test_list_try_pop),
        cmocka_unit_test(test_oom),
    };
    return cmocka_run_group_tests_name("dict_atomic", tests, ft_test_group_setup,
                                       ft_test_group_teardown);
}
