/* tests/test_weakref.c: weak references and the weak-value dictionary
 * (runtime/weakref.c, runtime/weakvaluedict.c), single-threaded. */
#include "testutil.h"
#include "runtime/weakref.h"

static FtType *wcls;            /* a __dict__ class with weak references */

static int setup(void **state)
{
    if (ft_test_group_setup(state) < 0)
        return -1;
    FtClassSpec spec = { .name = "W", .weakrefs = 1 };
    wcls = ft_class_new(&spec);
    return wcls ? 0 : -1;
}

static int teardown(void **state)
{
    ft_decref(ft_type_as_object(wcls));
    return ft_test_group_teardown(state);
}

typedef struct CbLog {
    int calls;
    FtObject *last_wr;
    int referent_was_dead;
} CbLog;

static void cb(FtObject *wr, void *arg)
{
    CbLog *log = arg;
    log->calls++;
    log->last_wr = wr;
    FtObject *o = ft_weakref_get(wr);
    log->referent_was_dead = o == NULL;
    ft_xdecref(o);
}

static void get_and_die(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtObject *o = ft_instance_new(wcls);
    FtObject *wr = ft_weakref_new(o, NULL, NULL);
    assert_non_null(wr);
    assert_ptr_equal(ft_type_of(wr), &ft_weakref_type);
    assert_int_equal(ft_weakref_count(o), 1);
    FtObject *g = ft_weakref_get(wr);
    assert_ptr_equal(g, o);
    ft_decref(g);
    ft_decref(o);
    assert_null(ft_weakref_get(wr));
    assert_false(ft_error_occurred());
    ft_decref(wr);
    assert_live_equal(before, live_snapshot());
}

static void basic_ref_is_shared(void **state)
{
    (void)state;
    CbLog log = {0};
    FtObject *o = ft_instance_new(wcls);
    FtObject *a = ft_weakref_new(o, NULL, NULL);
    FtObject *b = ft_weakref_new(o, NULL, NULL);
    FtObject *c = ft_weakref_new(o, cb, &log);
    FtObject *d = ft_weakref_new(o, cb, &log);
    assert_ptr_equal(a, b);
    assert_ptr_not_equal(a, c);
    assert_ptr_not_equal(c, d);
    assert_int_equal(ft_weakref_count(o), 3);
    ft_decref(b);
    ft_decref(a);                           /* the basic ref dies first */
    assert_int_equal(ft_weakref_count(o), 2);
    FtObject *e = ft_weakref_new(o, NULL, NULL);   /* a fresh basic one */
    assert_int_equal(ft_weakref_count(o), 3);
    ft_decref(e);
    ft_decref(o);
    assert_int_equal(log.calls, 2);         /* c and d, once each */
    assert_true(log.referent_was_dead);
    ft_decref(c);
    ft_decref(d);
}

static void callback_once_after_death(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    CbLog log = {0};
    FtObject *o = ft_instance_new(wcls);
    FtObject *wr = ft_weakref_new(o, cb, &log);
    assert_true(ft__weakref_has_callback(wr));
    ft_decref(o);
    assert_int_equal(log.calls, 1);
    assert_ptr_equal(log.last_wr, wr);
    assert_true(log.referent_was_dead);
    assert_false(ft__weakref_has_callback(wr));
    ft__weakref_run_callback(wr);           /* never twice */
    assert_int_equal(log.calls, 1);
    ft_decref(wr);

    /* A weak reference that dies before its referent: no callback. */
    o = ft_instance_new(wcls);
    wr = ft_weakref_new(o, cb, &log);
    ft_decref(wr);
    assert_int_equal(ft_weakref_count(o), 0);
    ft_decref(o);
    assert_int_equal(log.calls, 1);
    assert_live_equal(before, live_snapshot());
}

static void callback_on_cycle_collection(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    CbLog log = {0};
    FtObject *a = ft_instance_new(wcls), *b = ft_instance_new(wcls);
    ft_setattr(a, "b", b);
    ft_setattr(b, "a", a);
    FtObject *wr = ft_weakref_new(a, cb, &log);
    ft_decref(a);
    ft_decref(b);
    assert_int_equal(log.calls, 0);
    assert_true(ft_gc_collect() >= 2);
    assert_int_equal(log.calls, 1);
    assert_true(log.referent_was_dead);
    assert_null(ft_weakref_get(wr));
    ft_decref(wr);
    assert_live_equal(before, live_snapshot());
}

static void unsupported_types(void **state)
{
    (void)state;
    FtObject *i = ft_int_from_i64(12345);
    FtObject *s = ft_str_from_utf8("abc", -1);
    FtObject *t = ft_tuple_new(0);
    FtObject *l = ft_list_new(0);
    FtObject *objs[] = { i, s, t, l };
    for (size_t k = 0; k < 4; k++) {
        assert_null(ft_weakref_new(objs[k], NULL, NULL));
        assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
        ft_error_clear();
        assert_int_equal(ft_weakref_count(objs[k]), 0);
        ft_decref(objs[k]);
    }
    static const char *const xs[] = { "x", NULL };
    FtClassSpec spec = { .name = "NoWeak", .slots = xs };
    FtType *nw = ft_class_new(&spec);
    FtObject *o = ft_instance_new(nw);
    assert_null(ft_weakref_new(o, NULL, NULL));
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    assert_null(ft_weakref_get(o));         /* not a weakref */
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    ft_decref(o);
    ft_decref(ft_type_as_object(nw));
}

static void repr_and_hash(void **state)
{
    (void)state;
    FtObject *o = ft_instance_new(wcls);
    FtObject *wr = ft_weakref_new(o, NULL, NULL);
    FtObject *r = ft_repr(wr);
    assert_non_null(r);
    assert_non_null(strstr(ft_str_as_utf8(r, NULL), "to 'W'"));
    ft_decref(r);
    assert_true(ft_hash(wr) != -1);
    ft_decref(o);
    r = ft_repr(wr);
    assert_non_null(strstr(ft_str_as_utf8(r, NULL), "dead"));
    ft_decref(r);
    ft_decref(wr);
}

static void oom_weakref_new(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    CbLog log = {0};
    FtObject *o = ft_instance_new(wcls);
    for (long n = 1;; n++) {
        ft_debug_fail_alloc_after(n);
        FtObject *wr = ft_weakref_new(o, cb, &log);
        ft_debug_fail_alloc_after(0);
        if (wr) {
            assert_int_equal(ft_weakref_count(o), 1);
            ft_decref(wr);
            break;
        }
        assert_int_equal(ft_error_kind(), FT_ERR_MEMORY);
        ft_error_clear();
        assert_int_equal(ft_weakref_count(o), 0);
    }
    ft_decref(o);
    assert_int_equal(log.calls, 0);
    assert_live_equal(before, live_snapshot());
}

/* ---- Weak-value dictionary ---- */

static void weakvaluedict_entries_vanish(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtObject *wd = ft_weakvaluedict_new();
    assert_non_null(wd);
    FtObject *k1 = ft_str_from_utf8("one", -1), *k2 = ft_str_from_utf8("two", -1);
    FtObject *v1 = ft_instance_new(wcls), *v2 = ft_instance_new(wcls);
    assert_int_equal(ft_weakvaluedict_set(wd, k1, v1), 0);
    assert_int_equal(ft_weakvaluedict_set(wd, k2, v2), 0);
    assert_int_equal(ft_weakvaluedict_len(wd), 2);
    FtObject *g = ft_weakvaluedict_get(wd, k1);
    assert_ptr_equal(g, v1);
    ft_decref(g);
    ft_decref(v1);
    assert_null(ft_weakvaluedict_get(wd, k1));
    assert_false(ft_error_occurred());
    assert_int_equal(ft_weakvaluedict_len(wd), 1);
    ft_decref(v2);
    assert_int_equal(ft_weakvaluedict_len(wd), 0);
    /* Values that refuse weak references; wrong object types. */
    FtObject *i = ft_int_from_i64(3);
    assert_int_equal(ft_weakvaluedict_set(wd, k1, i), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    assert_int_equal(ft_weakvaluedict_len(i), -1);
    ft_error_clear();
    /* Many dead entries get purged by later sets. */
    for (int n = 0; n < 100; n++) {
        FtObject *k = ft_int_from_i64(n), *v = ft_instance_new(wcls);
        assert_int_equal(ft_weakvaluedict_set(wd, k, v), 0);
        ft_decref(k);
        ft_decref(v);
    }
    assert_int_equal(ft_weakvaluedict_len(wd), 0);
    ft_decref(i);
    ft_decref(k1);
    ft_decref(k2);
    ft_decref(wd);
    assert_live_equal(before, live_snapshot());
}

static void oom_weakvaluedict(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtObject *k = ft_str_from_utf8("key", -1), *v = ft_instance_new(wcls);
    for (long n = 1;; n++) {
        ft_debug_fail_alloc_after(n);
        FtObject *wd = ft_weakvaluedict_new();
        int rc = wd ? ft_weakvaluedict_set(wd, k, v) : -1;
        ft_debug_fail_alloc_after(0);
        if (rc == 0) {
            assert_int_equal(ft_weakvaluedict_len(wd), 1);
            ft_decref(wd);
            break;
        }
        assert_int_equal(ft_error_kind(), FT_ERR_MEMORY);
        ft_error_clear();
        ft_xdecref(wd);
    }
    ft_decref(k);
    ft_decref(v);
    assert_live_equal(before, live_snapshot());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(get_and_die),
        cmocka_unit_test(basic_ref_is_shared),
        cmocka_unit_test(callback_once_after_death),
        cmocka_unit_test(callback_on_cycle_collection),
        cmocka_unit_test(unsupported_types),
        cmocka_unit_test(repr_and_hash),
        cmocka_unit_test(oom_weakref_new),
        cmocka_unit_test(weakvaluedict_entries_vanish),
        cmocka_unit_test(oom_weakvaluedict),
    };
    return cmocka_run_group_tests_name("weakref", tests, setup, teardown);
}
