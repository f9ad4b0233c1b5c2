/* tests/test_dict.c: dict operations, errors, layout sizes, the growth table,
 * iteration order and mutation detection, allocation failure on every
 * constructor and growth path (single-threaded; see test_dict_mt.c). */
#include "sequtil.h"
#include "runtime/dict_impl.h"

TVAL_TYPE_DEF

/* ---- Keys with misbehaving hash / eq ---- */

typedef struct TKey {
    FtObject ob_base;
    int64_t hash;
    int mode;                   /* KEY_* */
} TKey;

enum { KEY_EQ_ERROR = 1, KEY_HASH_ERROR = 2, KEY_EQ_CLEARS = 3, KEY_EQ_TRUE = 4 };
static FtObject *clear_target;   /* dict that KEY_EQ_CLEARS empties */
static FtType tkey_type;

static void tkey_dealloc(FtObject *op) { ft__object_free(op); }
static int64_t tkey_hash(FtObject *op)
{
    TKey *k = (TKey *)op;
    if (k->mode == KEY_HASH_ERROR) {
        ft_error_set(FT_ERR_VALUE, "hash failed");
        return -1;
    }
    return k->hash;
}
static FtObject *tkey_richcompare(FtObject *a, FtObject *b, FtCompareOp op)
{
    int mode = ((TKey *)a)->mode;
    if (b->ob_type == &tkey_type && ((TKey *)b)->mode)
        mode = ((TKey *)b)->mode;
    if (op != FT_EQ)
        return NULL;
    switch (mode) {
    case KEY_EQ_ERROR:
        ft_error_set(FT_ERR_VALUE, "eq failed");
        return NULL;
    case KEY_EQ_CLEARS:
        if (clear_target)
            ft_dict_clear(clear_target);
        return ft_newref(FT_FALSE);
    case KEY_EQ_TRUE:
        return ft_newref(FT_TRUE);
    default:
        return ft_newref(ft_bool_from(a == b));
    }
}
static FtType tkey_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "test.key",
    .tp_basicsize = sizeof(TKey),
    .tp_dealloc = tkey_dealloc,
    .tp_hash = tkey_hash,
    .tp_richcompare = tkey_richcompare,
};
static FtType tunhashable_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "test.unhashable",
    .tp_basicsize = sizeof(TKey),
    .tp_dealloc = tkey_dealloc,
};

static FtObject *K(int64_t hash, int mode)
{
    TKey *k = (TKey *)ft__object_alloc(&tkey_type, sizeof(TKey));
    assert_non_null(k);
    k->hash = hash;
    k->mode = mode;
    return &k->ob_base;
}

/* Keys and values are TVal (sequtil.h): hashed like int, hash(v) == v. */
static FtObject *I(int64_t v)
{
    return V(v);
}

static FtObject *S(const char *s)
{
    FtObject *o = ft_str_from_utf8(s, -1);
    assert_non_null(o);
    return o;
}

static void set_i(FtObject *d, int64_t k, int64_t v)
{
    FtObject *ko = I(k), *vo = I(v);
    assert_int_equal(ft_dict_set_item(d, ko, vo), 0);
    ft_decref(ko);
    ft_decref(vo);
}

static int64_t get_i(FtObject *d, int64_t k)
{
    FtObject *ko = I(k);
    FtObject *v = ft_dict_get_item(d, ko);
    ft_decref(ko);
    if (!v)
        return INT64_MIN;
    int64_t out;
    out = tval_of(v);
    ft_decref(v);
    return out;
}

static int dict_group_setup(void **state)
{
    if (seq_group_setup(state) < 0)
        return -1;
    if (ft__type_ready(&tkey_type) < 0 || ft__type_ready(&tunhashable_type) < 0)
        return -1;
    return 0;
}

/* ---- Basic operations ---- */

static void test_basic(void **state)
{
    (void)state;
    FtObject *d = ft_dict_new();
    assert_non_null(d);
    assert_int_equal(ft_len(d), 0);
    for (int64_t i = 0; i < 100; i++)
        set_i(d, i * 1000, i);
    assert_int_equal(ft_len(d), 100);
    for (int64_t i = 0; i < 100; i++)
        assert_int_equal(get_i(d, i * 1000), i);
    set_i(d, 5000, -5);                       /* replace keeps the size */
    assert_int_equal(ft_len(d), 100);
    assert_int_equal(get_i(d, 5000), -5);
    FtObject *k = I(1);
    assert_int_equal(ft_dict_contains(d, k), 0);
    assert_null(ft_dict_get_item(d, k));
    assert_int_equal(ft_error_kind(), FT_ERR_KEY);
    assert_string_equal(ft_error_message(), "1");
    ft_error_clear();
    FtObject *out = (FtObject *)1;
    assert_int_equal(ft_dict_lookup(d, k, &out), 0);
    assert_null(out);
    assert_false(ft_error_occurred());
    assert_int_equal(ft_dict_del_item(d, k), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_KEY);
    ft_error_clear();
    ft_decref(k);
    for (int64_t i = 0; i < 100; i += 2) {
        k = I(i * 1000);
        assert_int_equal(ft_dict_del_item(d, k), 0);
        assert_int_equal(ft_dict_contains(d, k), 0);
        ft_decref(k);
    }
    assert_int_equal(ft_len(d), 50);
    for (int64_t i = 1; i < 100; i += 2)
        assert_int_equal(get_i(d, i * 1000), i == 5 ? -5 : i);
    assert_int_equal(ft_dict_clear(d), 0);
    assert_int_equal(ft_len(d), 0);
    assert_int_equal(ft__dict_keys_bytes(d), 0);
    set_i(d, 7, 8);
    assert_int_equal(get_i(d, 7), 8);
    ft_decref(d);
}

static void test_refcounts(void **state)
{
    (void)state;
    FtObject *d = ft_dict_new();
    FtObject *k = V(12345), *v = V(678);
    FtSsize rk = ft_refcount(k), rv = ft_refcount(v);
    assert_int_equal(ft_dict_set_item(d, k, v), 0);
    assert_int_equal(ft_refcount(k), rk + 1);
    assert_int_equal(ft_refcount(v), rv + 1);
    FtObject *got = ft_dict_get_item(d, k);
    assert_ptr_equal(got, v);
    assert_int_equal(ft_refcount(v), rv + 2);
    ft_decref(got);
    FtObject *v2 = V(9);
    assert_int_equal(ft_dict_set_item(d, k, v2), 0);  /* replace */
    assert_int_equal(ft_refcount(v), rv);
    assert_int_equal(ft_refcount(k), rk + 1);
    FtObject *p = ft_dict_pop(d, k, NULL);
    assert_ptr_equal(p, v2);
    assert_int_equal(ft_refcount(k), rk);
    ft_decref(p);
    ft_decref(v2);
    assert_int_equal(ft_dict_set_item(d, k, v), 0);
    ft_decref(d);                              /* dealloc drops both */
    assert_int_equal(ft_refcount(k), rk);
    assert_int_equal(ft_refcount(v), rv);
    ft_decref(k);
    ft_decref(v);
}

static void test_type_errors(void **state)
{
    (void)state;
    FtObject *d = ft_dict_new(), *v = I(1);
    TKey *u = (TKey *)ft__object_alloc(&tunhashable_type, sizeof(TKey));
    assert_int_equal(ft_dict_set_item(d, &u->ob_base, v), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    assert_null(ft_dict_get_item(d, &u->ob_base));
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    assert_int_equal(ft_dict_contains(d, &u->ob_base), -1);
    ft_error_clear();
    ft_decref(&u->ob_base);
    /* Not a dict. */
    assert_int_equal(ft_dict_set_item(v, v, v), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    /* A hash error propagates. */
    FtObject *hk = K(1, KEY_HASH_ERROR);
    assert_int_equal(ft_dict_set_item(d, hk, v), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    assert_string_equal(ft_error_message(), "hash failed");
    ft_error_clear();
    ft_decref(hk);
    assert_int_equal(ft_len(d), 0);
    ft_decref(d);
    ft_decref(v);
}

static void test_eq_errors(void **state)
{
    (void)state;
    FtObject *d = ft_dict_new(), *v = I(1);
    FtObject *a = K(7, 0), *b = K(7, KEY_EQ_ERROR);
    assert_int_equal(ft_dict_set_item(d, a, v), 0);
    /* b collides with a: the comparison fails in get, set and delete. */
    assert_null(ft_dict_get_item(d, b));
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    ft_error_clear();
    assert_int_equal(ft_dict_set_item(d, b, v), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    ft_error_clear();
    assert_int_equal(ft_dict_del_item(d, b), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    ft_error_clear();
    assert_int_equal(ft_len(d), 1);
    /* An always-equal key with the same hash finds a's value. */
    FtObject *t = K(7, KEY_EQ_TRUE);
    FtObject *got = ft_dict_get_item(d, t);
    assert_ptr_equal(got, v);
    ft_decref(got);
    ft_decref(t);
    ft_decref(a);
    ft_decref(b);
    ft_decref(d);
    ft_decref(v);
}

static void test_eq_mutates(void **state)
{
    (void)state;
    /* A comparison that clears the dict: the lookup restarts and the key
     * is then simply missing; nothing is read from the freed table. */
    FtObject *d = ft_dict_new(), *v = I(1);
    FtObject *a = K(9, 0), *m = K(9, KEY_EQ_CLEARS);
    for (int64_t i = 0; i < 20; i++)
        set_i(d, 1000 + i, i);
    assert_int_equal(ft_dict_set_item(d, a, v), 0);
    clear_target = d;
    FtObject *out;
    assert_int_equal(ft_dict_lookup(d, m, &out), 0);
    assert_int_equal(ft_len(d), 0);
    for (int64_t i = 0; i < 20; i++)
        set_i(d, 1000 + i, i);
    assert_int_equal(ft_dict_set_item(d, a, v), 0);
    assert_int_equal(ft_dict_set_item(d, m, v), 0);  /* inserts after the restart */
    assert_int_equal(ft_len(d), 1);
    clear_target = NULL;
    ft_decref(a);
    ft_decref(m);
    ft_decref(d);
    ft_decref(v);
}

/* ---- Layout and growth ---- */

static void test_sizeof(void **state)
{
    (void)state;
    FtObject *d = ft_dict_new();
    assert_int_equal(ft_sizeof(d), 64);          /* CPython: sys.getsizeof({}) */
    FtObject *a = S("a"), *b = S("b"), *c = S("c");
    set_i(d, 1, 0);
    set_i(d, 2, 0);
    set_i(d, 3, 0);
    assert_int_equal(ft_sizeof(d), 224);         /* {1:'a',2:'b',3:'c'} */
    FtObject *sd = ft_dict_new();
    assert_int_equal(ft_dict_set_item(sd, a, a), 0);
    assert_int_equal(ft__dict_keys_kind(sd), FT_DICT_KEYS_STR);
    assert_int_equal(ft_sizeof(sd), 184);        /* {'a': 1}: 16-byte entries */
    /* A non-str key converts to the general layout. */
    set_i(sd, 5, 6);
    assert_int_equal(ft__dict_keys_kind(sd), FT_DICT_KEYS_GENERAL);
    FtObject *got = ft_dict_get_item(sd, a);
    assert_ptr_equal(got, a);
    ft_decref(got);
    assert_int_equal(get_i(sd, 5), 6);
    ft_decref(sd);
    ft_decref(a);
    ft_decref(b);
    ft_decref(c);
    ft_decref(d);
}

static void test_growth_table(void **state)
{
    (void)state;
    /* The seed's table: the insertion at which the keys block is replaced,
     * and its new size (CPython's "representation"). */
    static const FtSsize at[] = { 1, 6, 11, 22, 43, 86, 171, 342, 683, 1366, 2731, 5462 };
    static const size_t bytes[] = { 160, 288, 568, 1104, 2200, 4624, 9240,
                                    18448, 36888, 73744, 147480, 294928 };
    FtObject *d = ft_dict_new();
    size_t last = ft__dict_keys_bytes(d);
    size_t k = 0;
    for (FtSsize i = 1; i <= 6000; i++) {
        set_i(d, i, i);
        size_t now = ft__dict_keys_bytes(d);
        if (now != last) {
            assert_true(k < FT_ARRAY_LEN(at));
            assert_int_equal(i, at[k]);
            assert_int_equal(now, bytes[k]);
            k++;
            last = now;
        }
    }
    assert_int_equal(k, FT_ARRAY_LEN(at));
    assert_int_equal(ft__dict_table_size(d), 16384);
    assert_int_equal(ft_sizeof(d), 64 + 294928);
    ft_decref(d);
}

static void test_int16_int32_indices(void **state)
{
    (void)state;
    /* Past 128 slots the indices are int16, past 2**15 int32: every key
     * still found after deletes and resizes. */
    FtObject *d = ft_dict_new();
    const int64_t n = 50000;
    for (int64_t i = 0; i < n; i++)
        set_i(d, i * 7919, i);
    for (int64_t i = 0; i < n; i += 3) {
        FtObject *k = I(i * 7919);
        assert_int_equal(ft_dict_del_item(d, k), 0);
        ft_decref(k);
    }
    for (int64_t i = 0; i < n; i++)
        assert_int_equal(get_i(d, i * 7919), i % 3 == 0 ? INT64_MIN : i);
    ft_error_clear();
    ft_decref(d);
}

/* ---- Order and iteration ---- */

static void test_insertion_order(void **state)
{
    (void)state;
    FtObject *d = ft_dict_new();
    static const int64_t keys[] = { 50, 3, 99, 7, 1000, 42, -5, 8 };
    for (size_t i = 0; i < FT_ARRAY_LEN(keys); i++)
        set_i(d, keys[i], (int64_t)i);
    FtObject *k3 = I(3);
    assert_int_equal(ft_dict_del_item(d, k3), 0);
    ft_decref(k3);
    set_i(d, 3, 100);                     /* re-inserted goes last */
    static const int64_t expect[] = { 50, 99, 7, 1000, 42, -5, 8, 3 };
    FtSsize pos = 0;
    FtObject *key, *val;
    size_t n = 0;
    while (ft_dict_next(d, &pos, &key, &val) == 1) {
        int64_t kv;
        kv = tval_of(key);
        assert_int_equal(kv, expect[n]);
        n++;
        ft_decref(key);
        ft_decref(val);
    }
    assert_int_equal(n, FT_ARRAY_LEN(expect));
    /* keys / values / items snapshots in the same order */
    FtObject *ks = ft_dict_keys(d), *vs = ft_dict_values(d), *its = ft_dict_items(d);
    assert_int_equal(ft_len(ks), 8);
    assert_int_equal(ft_len(vs), 8);
    assert_int_equal(ft_len(its), 8);
    for (FtSsize i = 0; i < 8; i++) {
        FtObject *x = ft_list_get_item(ks, i), *it = ft_list_get_item(its, i);
        int64_t kv;
        kv = tval_of(x);
        assert_int_equal(kv, expect[i]);
        assert_ptr_equal(ft_tuple_borrow_item(it, 0), x);
        ft_decref(x);
        ft_decref(it);
    }
    ft_decref(ks);
    ft_decref(vs);
    ft_decref(its);
    /* ft_iter yields the keys */
    FtObject *iter = ft_iter(d);
    assert_non_null(iter);
    n = 0;
    while ((key = ft_iter_next(iter)) != NULL) {
        int64_t kv;
        kv = tval_of(key);
        assert_int_equal(kv, expect[n++]);
        ft_decref(key);
    }
    assert_false(ft_error_occurred());
    assert_int_equal(n, 8);
    ft_decref(iter);
    ft_decref(d);
}

static void test_mutation_during_iteration(void **state)
{
    (void)state;
    FtObject *d = ft_dict_new();
    for (int64_t i = 0; i < 10; i++)
        set_i(d, i, i);
    FtSsize pos = 0;
    FtObject *key, *val;
    assert_int_equal(ft_dict_next(d, &pos, &key, &val), 1);
    ft_decref(key);
    ft_decref(val);
    set_i(d, 100, 1);
    assert_int_equal(ft_dict_next(d, &pos, &key, &val), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_RUNTIME);
    assert_string_equal(ft_error_message(), "dictionary changed size during iteration");
    assert_null(key);
    ft_error_clear();
    /* the iterator object records the size when created */
    FtObject *it = ft_iter(d);
    FtObject *k = I(100);
    assert_int_equal(ft_dict_del_item(d, k), 0);
    ft_decref(k);
    assert_null(ft_iter_next(it));
    assert_int_equal(ft_error_kind(), FT_ERR_RUNTIME);
    ft_error_clear();
    ft_decref(it);
    /* replacing a value is not a size change */
    pos = 0;
    assert_int_equal(ft_dict_next(d, &pos, &key, NULL), 1);
    ft_decref(key);
    set_i(d, 3, 33);
    assert_int_equal(ft_dict_next(d, &pos, &key, NULL), 1);
    ft_decref(key);
    ft_decref(d);
}

/* ---- pop, setdefault, update, copy, equality, repr ---- */

static void test_pop_setdefault(void **state)
{
    (void)state;
    FtObject *d = ft_dict_new(), *k = I(4), *dflt = I(-1);
    assert_null(ft_dict_pop(d, k, NULL));
    assert_int_equal(ft_error_kind(), FT_ERR_KEY);
    ft_error_clear();
    FtObject *r = ft_dict_pop(d, k, dflt);
    assert_ptr_equal(r, dflt);
    ft_decref(r);
    r = ft_dict_setdefault(d, k, dflt);
    assert_ptr_equal(r, dflt);
    ft_decref(r);
    FtObject *other = I(77);
    r = ft_dict_setdefault(d, k, other);       /* present: unchanged */
    assert_ptr_equal(r, dflt);
    ft_decref(r);
    ft_decref(other);
    assert_int_equal(get_i(d, 4), -1);
    r = ft_dict_pop(d, k, NULL);
    assert_ptr_equal(r, dflt);
    ft_decref(r);
    assert_int_equal(ft_len(d), 0);
    ft_decref(k);
    ft_decref(dflt);
    ft_decref(d);
}

static void test_update_copy_equal(void **state)
{
    (void)state;
    FtObject *a = ft_dict_new();
    for (int64_t i = 0; i < 30; i++)
        set_i(a, i, i * i);
    FtObject *c = ft_dict_copy(a);
    assert_non_null(c);
    assert_int_equal(ft_len(c), 30);
    assert_int_equal(ft_compare_bool(a, c, FT_EQ), 1);
    set_i(c, 5, 0);
    assert_int_equal(ft_compare_bool(a, c, FT_EQ), 0);
    assert_int_equal(ft_compare_bool(a, c, FT_NE), 1);
    assert_int_equal(get_i(a, 5), 25);
    /* update from a dict: replaces and appends */
    FtObject *b = ft_dict_new();
    set_i(b, 5, 25);
    set_i(b, 100, 1);
    assert_int_equal(ft_dict_update(c, b), 0);
    assert_int_equal(ft_len(c), 31);
    assert_int_equal(get_i(c, 5), 25);
    assert_int_equal(ft_dict_update(c, c), 0);
    /* update from a list of pairs */
    FtObject *k = I(200), *v = I(2), *p = ft_tuple_pack(2, k, v);
    FtObject *l = ft_list_from_array(&p, 1);
    assert_int_equal(ft_dict_update(c, l), 0);
    assert_int_equal(get_i(c, 200), 2);
    ft_decref(l);
    /* bad pairs */
    FtObject *t3 = ft_tuple_pack(3, k, v, v);
    l = ft_list_from_array(&t3, 1);
    assert_int_equal(ft_dict_update(c, l), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    assert_string_equal(ft_error_message(),
        "dictionary update sequence element #0 has length 3; 2 is required");
    ft_error_clear();
    ft_decref(l);
    l = ft_list_from_array(&k, 1);             /* an int is not a pair */
    assert_int_equal(ft_dict_update(c, l), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    ft_decref(l);
    ft_decref(t3);
    ft_decref(p);
    ft_decref(k);
    ft_decref(v);
    ft_decref(a);
    ft_decref(b);
    ft_decref(c);
}

static void test_repr(void **state)
{
    (void)state;
    FtObject *d = ft_dict_new();
    assert_repr(d, "{}");
    set_i(d, 1, 2);
    FtObject *s = S("x");
    assert_int_equal(ft_dict_set_item(d, s, d), 0);   /* self-reference */
    assert_repr(d, "{1: 2, 'x': {...}}");
    assert_int_equal(ft_dict_clear(d), 0);             /* breaks the cycle */
    ft_decref(s);
    ft_decref(d);
}

static void test_str_keys(void **state)
{
    (void)state;
    FtObject *d = ft_dict_new();
    char buf[32];
    for (int i = 0; i < 500; i++) {
        snprintf(buf, sizeof buf, "key%d", i);
        FtObject *v = I(i);
        assert_int_equal(ft_dict_set_item_cstr(d, buf, v), 0);
        ft_decref(v);
    }
    assert_int_equal(ft__dict_keys_kind(d), FT_DICT_KEYS_STR);
    for (int i = 0; i < 500; i++) {
        snprintf(buf, sizeof buf, "key%d", i);
        FtObject *k = S(buf);                   /* equal, not identical */
        FtObject *v = ft_dict_get_item(d, k);
        int64_t x;
        assert_non_null(v);
        x = tval_of(v);
        assert_int_equal(x, i);
        ft_decref(v);
        ft_decref(k);
    }
    FtObject *missing = S("nope");
    assert_int_equal(ft_dict_contains(d, missing), 0);
    ft_decref(missing);
    ft_decref(d);
}

/* ---- GC ---- */

static int count_visit(FtObject *op, void *arg)
{
    (void)op;
    (*(int *)arg)++;
    return 0;
}

static void test_traverse_and_cycle(void **state)
{
    (void)state;
    FtObject *d = ft_dict_new();
    set_i(d, 1, 2);
    FtObject *k = S("self");
    assert_int_equal(ft_dict_set_item(d, k, d), 0);
    int n = 0;
    ft_type_of(d)->tp_traverse(d, count_visit, &n);
    assert_int_equal(n, 4);
    assert_true(ft__gc_is_tracked(d));
    ft_decref(k);
    int64_t before = ft_stats_live_of_type(&ft_dict_type);
    ft_decref(d);                               /* only the cycle holds it */
    ft_gc_collect();
    assert_int_equal(ft_stats_live_of_type(&ft_dict_type), before - 1);
}

static void test_deep_nesting_dealloc(void **state)
{
    (void)state;
    FtObject *k = I(0);
    FtObject *outer = ft_dict_new();
    FtObject *cur = ft_newref(outer);
    for (int i = 0; i < 200000; i++) {
        FtObject *inner = ft_dict_new();
        assert_non_null(inner);
        assert_int_equal(ft_dict_set_item(cur, k, inner), 0);
        ft_decref(cur);
        cur = inner;
    }
    ft_decref(cur);
    ft_decref(outer);                           /* trashcan: no deep recursion */
    ft_decref(k);
}

/* ---- Allocation failure: every constructor and growth path ---- */

typedef FtTestCtor Ctor;     /* (src, unused) */

static FtObject *mk_new(FtObject *src, FtObject *unused) { (void)src; return ft_dict_new(); }
static FtObject *mk_copy(FtObject *src, FtObject *unused) { return ft_dict_copy(src); }
static FtObject *mk_keys(FtObject *src, FtObject *unused) { return ft_dict_keys(src); }
static FtObject *mk_values(FtObject *src, FtObject *unused) { return ft_dict_values(src); }
static FtObject *mk_items(FtObject *src, FtObject *unused) { return ft_dict_items(src); }
static FtObject *mk_repr(FtObject *src, FtObject *unused) { return ft_repr(src); }
static FtObject *mk_iter(FtObject *src, FtObject *unused) { return ft_iter(src); }
static FtObject *mk_update(FtObject *src, FtObject *unused)
{
    FtObject *d = ft_dict_new();
    if (d && ft_dict_update(d, src) < 0)
        FT_CLEAR(d);
    return d;
}
static FtObject *mk_from_pairs(FtObject *src, FtObject *unused)
{
    FtObject *items = ft_dict_items(src);
    if (!items)
        return NULL;
    FtObject *d = ft_dict_new();
    if (d && ft_dict_update(d, items) < 0)
        FT_CLEAR(d);
    ft_decref(items);
    return d;
}

static void oom_loop(Ctor ctor, FtObject *src)
{
    ft_test_oom_loop(ctor, src, NULL, 1000);
}

static void test_oom_constructors(void **state)
{
    (void)state;
    FtObject *src = ft_dict_new();
    for (int64_t i = 0; i < 12; i++)
        set_i(src, 1000 + i, 2000 + i);
    oom_loop(mk_new, src);
    oom_loop(mk_copy, src);
    oom_loop(mk_keys, src);
    oom_loop(mk_values, src);
    oom_loop(mk_items, src);
    oom_loop(mk_update, src);
    oom_loop(mk_from_pairs, src);
    oom_loop(mk_repr, src);
    oom_loop(mk_iter, src);
    ft_decref(src);
}

static void test_oom_growth(void **state)
{
    (void)state;
    /* Every resize point of the growth table, with a str table (converted
     * on the int insert) as well: a failed insert leaves the dict as it
     * was, and leaks nothing. */
    FtObject *d = ft_dict_new();
    FtObject *v = I(123456);
    for (int64_t i = 1; i <= 200; i++) {
        FtObject *k = I(100000 + i);
        FtSsize len = ft_len(d);
        size_t bytes = ft__dict_keys_bytes(d);
        ft_freelists_clear();
        LiveSnapshot before = live_snapshot();
        for (long n = 1;; n++) {
            ft_debug_fail_alloc_after(n);
            int r = ft_dict_set_item(d, k, v);
            ft_debug_fail_alloc_after(0);
            if (r == 0)
                break;
            assert_int_equal(ft_error_kind(), FT_ERR_MEMORY);
            ft_error_clear();
            assert_int_equal(ft_len(d), len);
            assert_int_equal(ft__dict_keys_bytes(d), bytes);
            ft_freelists_clear();
            assert_live_equal(before, live_snapshot());
            assert_true(n < 10);
        }
        ft_decref(k);
    }
    assert_int_equal(ft_len(d), 200);
    /* str -> general conversion under failure */
    FtObject *sd = ft_dict_new(), *s = S("s");
    assert_int_equal(ft_dict_set_item(sd, s, v), 0);
    FtObject *k = I(99999);
    for (long n = 1;; n++) {
        ft_debug_fail_alloc_after(n);
        int r = ft_dict_set_item(sd, k, v);
        ft_debug_fail_alloc_after(0);
        if (r == 0)
            break;
        assert_int_equal(ft_error_kind(), FT_ERR_MEMORY);
        ft_error_clear();
        assert_int_equal(ft__dict_keys_kind(sd), FT_DICT_KEYS_STR);
        assert_int_equal(ft_len(sd), 1);
    }
    assert_int_equal(ft_len(sd), 2);
    ft_decref(k);
    ft_decref(s);
    ft_decref(sd);
    ft_decref(v);
    ft_decref(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_refcounts),
        cmocka_unit_test(test_type_errors),
        cmocka_unit_test(test_eq_errors),
        cmocka_unit_test(test_eq_mutates),
        cmocka_unit_test(test_sizeof),
        cmocka_unit_test(test_growth_table),
        cmocka_unit_test(test_int16_int32_indices),
        cmocka_unit_test(test_insertion_order),
        cmocka_unit_test(test_mutation_during_iteration),
        cmocka_unit_test(test_pop_setdefault),
        cmocka_unit_test(test_update_copy_equal),
        cmocka_unit_test(test_repr),
        cmocka_unit_test(test_str_keys),
        cmocka_unit_test(test_traverse_and_cycle),
        cmocka_unit_test(test_deep_nesting_dealloc),
        cmocka_unit_test(test_oom_constructors),
        cmocka_unit_test(test_oom_growth),
    };
    return cmocka_run_group_tests_name("dict", tests, dict_group_setup,
                                       ft_test_group_teardown);
}
