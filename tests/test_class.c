/* tests/test_class.c: classes, instances, attributes, finalizers
 * (runtime/class.c). */
#include "testutil.h"
#include "runtime/weakref.h"

static FtType *new_class(const char *name, FtType *base, const char *const *slots,
                         int weakrefs)
{
    FtClassSpec spec = { .name = name, .base = base, .slots = slots,
                         .weakrefs = weakrefs };
    FtType *c = ft_class_new(&spec);
    assert_non_null(c);
    return c;
}

static void drop_class(FtType *c)
{
    ft_decref(ft_type_as_object(c));
}

static const char *const xyz[] = { "x", "y", "z", NULL };

/* ---- Layout ---- */

static void sizes_match_cpython(void **state)
{
    (void)state;
    FtType *a = new_class("A", NULL, NULL, 1);
    FtType *s3 = new_class("S3", NULL, xyz, 0);
    FtObject *ia = ft_instance_new(a), *is = ft_instance_new(s3);
    assert_non_null(ia);
    assert_non_null(is);
    assert_int_equal(ft_sizeof(ia), 48);
    assert_int_equal(ft_sizeof(is), 56);
    assert_true(ft_gc_is_tracked(ia));
    assert_true(ft_gc_is_tracked(is));
    assert_true(ft_gc_is_tracked(ft_type_as_object(a)));
    assert_ptr_equal(ft_type_of(ft_type_as_object(a)), &ft_type_type);
    assert_true(ft_isinstance(ia, &ft_object_type));
    assert_true(ft_type_is_subtype(a, &ft_object_type));
    assert_string_equal(ft_type_name(a), "A");
    ft_decref(ia);
    ft_decref(is);
    drop_class(a);
    drop_class(s3);
}

/* ---- Attributes ---- */

static void dict_attributes(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtType *a = new_class("A", NULL, NULL, 0);
    FtObject *o = ft_instance_new(a);
    FtObject *v = ft_int_from_i64(5);
    assert_null(ft_getattr(o, "x"));
    assert_int_equal(ft_error_kind(), FT_ERR_ATTRIBUTE);
    ft_error_clear();
    assert_int_equal(ft_setattr(o, "x", v), 0);
    FtObject *r = ft_getattr(o, "x");
    assert_ptr_equal(r, v);
    ft_decref(r);
    FtObject *d = ft_instance_dict(o);
    assert_non_null(d);
    assert_int_equal(ft_len(d), 1);
    ft_decref(d);
    FtObject *cls = ft_getattr(o, "__class__");
    assert_ptr_equal(cls, ft_type_as_object(a));
    ft_decref(cls);
    assert_int_equal(ft_setattr(o, "__dict__", v), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_ATTRIBUTE);
    ft_error_clear();
    assert_int_equal(ft_delattr(o, "x"), 0);
    assert_int_equal(ft_delattr(o, "x"), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_ATTRIBUTE);
    ft_error_clear();
    assert_null(ft_getattr(o, "x"));
    ft_error_clear();
    /* Non-str names. */
    assert_null(ft_getattr_obj(o, v));
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    assert_int_equal(ft_setattr_obj(o, v, v), -1);
    ft_error_clear();
    ft_decref(v);
    ft_decref(o);
    drop_class(a);
    assert_live_equal(before, live_snapshot());
}

/* Split keys (runtime/class.c): interned names live in a values block until
 * a dict is asked for; the dict then has every attribute, and later writes
 * and deletes go through it. Names that are not interned and not yet keys,
 * and names past the table's 30, go to a dict at once. */
static FtObject *get_or_null(FtObject *o, FtObject *name)
{
    FtObject *r = ft_getattr_obj(o, name);
    if (!r)
        ft_error_clear();
    return r;
}

static void split_keys(void **state)
{
    (void)state;
    FtObject *names[40];
    char buf[16];
    for (int i = 0; i < 40; i++) {                 /* immortal: before the snapshot */
        snprintf(buf, sizeof buf, "sk_%d", i);
        names[i] = ft_str_intern_cstr(buf);
        assert_non_null(names[i]);
    }
    LiveSnapshot before = live_snapshot();
    FtType *a = new_class("SK", NULL, NULL, 1);
    FtObject *o = ft_instance_new(a), *p = ft_instance_new(a);
    FtObject *v1 = ft_int_from_i64(1001), *v2 = ft_int_from_i64(1002);
    /* values mode: set, overwrite, delete, read */
    assert_int_equal(ft_setattr_obj(o, names[0], v1), 0);
    assert_int_equal(ft_setattr_obj(o, names[1], v1), 0);
    assert_int_equal(ft_setattr_obj(o, names[1], v2), 0);
    assert_int_equal(ft_setattr_obj(p, names[2], v2), 0);  /* p: a 3-key block */
    assert_int_equal(ft_refcount(v1), 2);
    assert_int_equal(ft_refcount(v2), 3);
    FtObject *r = get_or_null(o, names[1]);
    assert_ptr_equal(r, v2);
    ft_decref(r);
    r = ft_getattr(o, "sk_0");                     /* a non-interned equal name */
    assert_ptr_equal(r, v1);
    ft_decref(r);
    assert_null(get_or_null(o, names[2]));         /* a key, not set on o */
    assert_int_equal(ft_delattr(o, "sk_0"), 0);
    assert_null(get_or_null(o, names[0]));
    assert_int_equal(ft_delattr(o, "sk_0"), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_ATTRIBUTE);
    ft_error_clear();
    assert_int_equal(ft_refcount(v1), 1);
    /* the dict is made with what is set, then takes over */
    assert_int_equal(ft_setattr_obj(o, names[0], v1), 0);
    FtObject *d = ft_instance_dict(o);
    assert_non_null(d);
    assert_int_equal(ft_len(d), 2);
    FtObject *got;
    assert_int_equal(ft_dict_lookup(d, names[1], &got), 1);
    assert_ptr_equal(got, v2);
    ft_decref(got);
    assert_int_equal(ft_refcount(v1), 2);          /* the dict's, not twice */
    assert_int_equal(ft_setattr_obj(o, names[3], v1), 0);
    assert_int_equal(ft_len(d), 3);
    assert_int_equal(ft_delattr(o, "sk_1"), 0);
    assert_int_equal(ft_len(d), 2);
    FtObject *d2 = ft_getattr(o, "__dict__");
    assert_ptr_equal(d2, d);
    ft_decref(d2);
    ft_decref(d);
    /* a name that is not interned and not a key: a dict at once */
    FtObject *q = ft_instance_new(a);
    assert_int_equal(ft_setattr(q, "not_a_key_yet", v1), 0);
    r = ft_getattr(q, "not_a_key_yet");
    assert_ptr_equal(r, v1);
    ft_decref(r);
    /* past 30 keys: the dict takes the rest */
    for (int i = 0; i < 40; i++)
        assert_int_equal(ft_setattr_obj(p, names[i], i % 2 ? v1 : v2), 0);
    for (int i = 0; i < 40; i++) {
        r = get_or_null(p, names[i]);
        assert_ptr_equal(r, i % 2 ? v1 : v2);
        ft_decref(r);
    }
    /* a cycle through a values block is collected */
    FtObject *c1 = ft_instance_new(a), *c2 = ft_instance_new(a);
    assert_int_equal(ft_setattr_obj(c1, names[0], c2), 0);
    assert_int_equal(ft_setattr_obj(c2, names[0], c1), 0);
    ft_decref(c1);
    ft_decref(c2);
    assert_true(ft_gc_collect() >= 2);
    ft_decref(o);
    ft_decref(p);
    ft_decref(q);
    assert_int_equal(ft_refcount(v1), 1);
    assert_int_equal(ft_refcount(v2), 1);
    ft_decref(v1);
    ft_decref(v2);
    drop_class(a);
    assert_live_equal(before, live_snapshot());
}

/* Allocation failure while a values block grows: an error, no leak, the
 * attributes already set stay. */
static void split_keys_oom(void **state)
{
    (void)state;
    FtObject *n0 = ft_str_intern_cstr("oom_k0"), *n1 = ft_str_intern_cstr("oom_k1");
    LiveSnapshot before = live_snapshot();
    FtType *a = new_class("SKO", NULL, NULL, 0);
    FtObject *v = ft_int_from_i64(4242);
    for (long n = 1;; n++) {
        FtObject *o = ft_instance_new(a);
        assert_non_null(o);
        assert_int_equal(ft_setattr_obj(o, n0, v), 0);
        ft_debug_fail_alloc_after(n);
        int rc = ft_setattr_obj(o, n1, v);
        ft_debug_fail_alloc_after(0);
        FtObject *r = ft_getattr_obj(o, n0);
        assert_ptr_equal(r, v);
        ft_decref(r);
        ft_decref(o);
        if (rc == 0)
            break;
        assert_int_equal(ft_error_kind(), FT_ERR_MEMORY);
        ft_error_clear();
        assert_true(n < 50);
    }
    assert_int_equal(ft_refcount(v), 1);
    ft_decref(v);
    drop_class(a);
    assert_live_equal(before, live_snapshot());
}

static void slot_attributes(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtType *s = new_class("S", NULL, xyz, 0);
    FtObject *o = ft_instance_new(s);
    FtObject *v = ft_int_from_i64(7);
    assert_null(ft_getattr(o, "y"));               /* unset slot */
    assert_int_equal(ft_error_kind(), FT_ERR_ATTRIBUTE);
    ft_error_clear();
    assert_int_equal(ft_setattr(o, "y", v), 0);
    FtObject *r = ft_getattr(o, "y");
    assert_ptr_equal(r, v);
    ft_decref(r);
    assert_int_equal(ft_setattr(o, "w", v), -1);   /* no __dict__ */
    assert_int_equal(ft_error_kind(), FT_ERR_ATTRIBUTE);
    ft_error_clear();
    assert_null(ft_instance_dict(o));
    assert_int_equal(ft_error_kind(), FT_ERR_ATTRIBUTE);
    ft_error_clear();
    assert_int_equal(ft_delattr(o, "y"), 0);
    assert_int_equal(ft_delattr(o, "y"), -1);
    ft_error_clear();
    assert_int_equal(ft_setattr(o, "z", v), 0);    /* freed with o */
    ft_decref(v);
    ft_decref(o);
    drop_class(s);
    assert_live_equal(before, live_snapshot());
}

static void inheritance(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    static const char *const ab[] = { "a", "b", NULL };
    static const char *const c1[] = { "c", NULL };
    FtType *base = new_class("Base", NULL, ab, 0);
    FtType *slotted = new_class("Slotted", base, c1, 1);
    FtType *dicted = new_class("Dicted", base, NULL, 0);
    assert_int_equal(slotted->tp_basicsize, 32 + 3 * 8 + 8);
    FtObject *o = ft_instance_new(slotted), *p = ft_instance_new(dicted);
    FtObject *v = ft_int_from_i64(1);
    assert_int_equal(ft_setattr(o, "a", v), 0);
    assert_int_equal(ft_setattr(o, "c", v), 0);
    assert_int_equal(ft_setattr(o, "q", v), -1);
    ft_error_clear();
    assert_int_equal(ft_setattr(p, "b", v), 0);
    assert_int_equal(ft_setattr(p, "q", v), 0);    /* has a __dict__ */
    assert_true(ft_isinstance(o, base));
    assert_false(ft_isinstance(o, dicted));
    /* Errors: a static type as base, duplicate slots, a slot clash. */
    FtClassSpec bad = { .name = "Bad", .base = &ft_int_type };
    assert_null(ft_class_new(&bad));
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    static const char *const dup[] = { "x", "x", NULL };
    FtClassSpec bad2 = { .name = "Bad", .slots = dup };
    assert_null(ft_class_new(&bad2));
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    ft_error_clear();
    FtClassSpec bad3 = { .name = "Bad", .base = base, .slots = ab };
    assert_null(ft_class_new(&bad3));
    ft_error_clear();
    FtClassSpec noname = { .name = NULL };
    assert_null(ft_class_new(&noname));
    ft_error_clear();
    assert_null(ft_instance_new(&ft_int_type));
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    ft_decref(v);
    ft_decref(o);
    ft_decref(p);
    drop_class(slotted);
    drop_class(dicted);
    drop_class(base);
    assert_live_equal(before, live_snapshot());
}

static void plain_object_instances(void **state)
{
    (void)state;
    FtObject *o = ft_instance_new(&ft_object_type);
    assert_non_null(o);
    assert_int_equal(ft_sizeof(o), 32);
    assert_null(ft_getattr(o, "x"));
    assert_int_equal(ft_error_kind(), FT_ERR_ATTRIBUTE);
    ft_error_clear();
    assert_int_equal(ft_setattr(o, "x", o), -1);
    ft_error_clear();
    FtObject *cls = ft_getattr(ft_type_as_object(&ft_int_type), "__name__");
    assert_non_null(cls);
    assert_true(ft_str_equal_cstr(cls, "int"));
    ft_decref(cls);
    ft_decref(o);
}

/* ---- Finalizers (PEP 442) ---- */

static int fin_calls;
static FtObject *resurrect_into;   /* a list, or NULL */

static void finalizer(FtObject *self)
{
    fin_calls++;
    if (resurrect_into)
        ft_list_append(resurrect_into, self);
}

static void finalizer_runs_once(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtClassSpec spec = { .name = "F", .finalize = finalizer, .weakrefs = 1 };
    FtType *f = ft_class_new(&spec);
    assert_non_null(f);
    fin_calls = 0;
    resurrect_into = NULL;
    ft_decref(ft_instance_new(f));
    assert_int_equal(fin_calls, 1);

    /* Resurrection: the finalizer stores self; the dealloc stops. */
    resurrect_into = ft_list_new(0);
    FtObject *o = ft_instance_new(f);
    FtObject *wr = ft_weakref_new(o, NULL, NULL);
    ft_decref(o);
    assert_int_equal(fin_calls, 2);
    assert_int_equal(ft_len(resurrect_into), 1);
    FtObject *item = ft_list_get_item(resurrect_into, 0);
    assert_true(ft_gc_is_finalized(item));
    FtObject *again = ft_weakref_get(wr);   /* resurrected: alive again */
    assert_ptr_equal(again, item);
    ft_decref(again);
    ft_decref(item);
    FtObject *lst = resurrect_into;
    resurrect_into = NULL;
    ft_decref(lst);                        /* dies for good: no second call */
    assert_int_equal(fin_calls, 2);
    assert_null(ft_weakref_get(wr));
    ft_decref(wr);
    drop_class(f);
    assert_live_equal(before, live_snapshot());
}

/* ---- cdata and C hooks, collected in a cycle ---- */

typedef struct Payload { FtObject *ref; int64_t tag; } Payload;
static int clear_calls;

static int payload_traverse(FtObject *self, FtVisitProc visit, void *arg)
{
    Payload *p = ft_instance_cdata(self);
    if (p->ref)
        return visit(p->ref, arg);
    return 0;
}

static int payload_clear(FtObject *self)
{
    Payload *p = ft_instance_cdata(self);
    clear_calls++;
    FT_CLEAR(p->ref);
    return 0;
}

static void cdata_cycle_collected(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtClassSpec spec = { .name = "C", .slots = xyz, .cdata_size = sizeof(Payload),
                         .traverse = payload_traverse, .clear = payload_clear };
    FtType *c = ft_class_new(&spec);
    assert_non_null(c);
    assert_int_equal(c->tp_basicsize % 16, 0);
    FtObject *a = ft_instance_new(c), *b = ft_instance_new(c);
    Payload *pa = ft_instance_cdata(a);
    assert_non_null(pa);
    assert_null(pa->ref);                  /* zeroed */
    pa->ref = ft_newref(b);                /* a -> b through cdata */
    assert_int_equal(ft_setattr(b, "x", a), 0);   /* b -> a through a slot */
    ft_decref(a);
    ft_decref(b);
    clear_calls = 0;
    assert_true(ft_gc_collect() >= 2);
    assert_true(clear_calls >= 1);
    drop_class(c);
    assert_live_equal(before, live_snapshot());
}

static void gc_finalizer_cycle(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtClassSpec spec = { .name = "G", .finalize = finalizer, .weakrefs = 1 };
    FtType *g = ft_class_new(&spec);
    FtObject *a = ft_instance_new(g), *b = ft_instance_new(g);
    assert_int_equal(ft_setattr(a, "peer", b), 0);
    assert_int_equal(ft_setattr(b, "peer", a), 0);
    fin_calls = 0;
    resurrect_into = NULL;
    ft_decref(a);
    ft_decref(b);
    assert_true(ft_gc_collect() >= 2);
    assert_int_equal(fin_calls, 2);
    drop_class(g);
    assert_live_equal(before, live_snapshot());
}

/* ---- Allocation failure ---- */

static void oom_class_and_instances(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    for (long n = 1;; n++) {
        FtClassSpec spec = { .name = "Oom", .slots = xyz, .weakrefs = 1 };
        ft_debug_fail_alloc_after(n);
        FtType *c = ft_class_new(&spec);
        FtObject *o = c ? ft_instance_new(c) : NULL;
        int rc = o ? ft_setattr(o, "x", o) : -1;
        ft_debug_fail_alloc_after(0);
        if (rc == 0) {
            ft_delattr(o, "x");
            ft_decref(o);
            drop_class(c);
            assert_live_equal(before, live_snapshot());
            break;
        }
        assert_int_equal(ft_error_kind(), FT_ERR_MEMORY);
        ft_error_clear();
        if (o)
            ft_decref(o);
        if (c)
            drop_class(c);
        assert_live_equal(before, live_snapshot());
    }
    for (long n = 1;; n++) {
        FtType *c = new_class("OomD", NULL, NULL, 0);
        FtObject *o = ft_instance_new(c);
        LiveSnapshot mid = live_snapshot();
        ft_debug_fail_alloc_after(n);
        FtObject *v = ft_int_from_i64(1);
        int rc = v ? ft_setattr(o, "attr", v) : -1;
        ft_debug_fail_alloc_after(0);
        if (rc < 0) {
            assert_int_equal(ft_error_kind(), FT_ERR_MEMORY);
            ft_error_clear();
            ft_xdecref(v);
            /* a dict may have been created already: that is not a leak */
            (void)mid;
            ft_decref(o);
            drop_class(c);
            assert_live_equal(before, live_snapshot());
            continue;
        }
        ft_decref(v);
        ft_decref(o);
        drop_class(c);
        assert_live_equal(before, live_snapshot());
        break;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes_match_cpython),
        cmocka_unit_test(dict_attributes),
        cmocka_unit_test(slot_attributes),
        cmocka_unit_test(inheritance),
        cmocka_unit_test(plain_object_instances),
        cmocka_unit_test(finalizer_runs_once),
        cmocka_unit_test(cdata_cycle_collected),
        cmocka_unit_test(gc_finalizer_cycle),
        cmocka_unit_test(split_keys),
        cmocka_unit_test(split_keys_oom),
        cmocka_unit_test(oom_class_and_instances),
    };
    return cmocka_run_group_tests_name("class", tests, ft_test_group_setup,
                                       ft_test_group_teardown);
}
