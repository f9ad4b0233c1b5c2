/* runtime/dict_ops.c: the public dict API (ftrt/container.h) on top of the
 * table of runtime/dict.c: get/set/delete, pop, setdefault, update, copy,
 * clear, keys/values/items snapshots, ft_dict_next and the key iterator,
 * equality and repr.
 *
 * Locking pattern (docs/concurrency.md, "dict"): lookups and len read
 * lock-free (dict.c); every mutation runs inside the dict's critical
 * section, and references it removes (old values, deleted keys, a cleared
 * table) are dropped only after the section ends, so no finalizer runs with
 * the lock held. Operations that read a whole dict (copy, update from a
 * dict, keys/values/items, equality) first take a snapshot: the array is
 * allocated outside the lock at the size read lock-free, then filled under
 * the lock if the size still matches (else retried), so no allocation and
 * no user code run while the source is locked.
 *
 * ft_dict_next's position encodes the entry index (low 32 bits) and 1 + the
 * item count seen at the start (bits 32..62): iteration of dicts of more
 * than 2**31 - 2 items does not detect size changes.
 */
#include "runtime/internal.h"
#include "runtime/dict_impl.h"
#include "runtime/seq.h"
#include "runtime/trashcan.h"
#include "runtime/init.h"
#include "alloc/alloc.h"
#include "gc/gc.h"
#include "threads/lock.h"
#include "refcount/refcount.h"

static int check_dict(FtObject *d)
{
    if (!d || !ft_is_dict(d)) {
        ft_error_set(FT_ERR_TYPE, "expected a dict, got '%s'",
                     d ? ft_type_name(ft_type_of(d)) : "NULL");
        return -1;
    }
    return 0;
}

static void key_error(FtObject *key)
{
    FtObject *r = ft_repr(key);
    const char *s = r ? ft_str_as_utf8(r, NULL) : NULL;
    if (s)
        ft_error_set(FT_ERR_KEY, "%s", s);
    else
        ft_error_set(FT_ERR_KEY, "key not found");
    ft_xdecref(r);
}

/* A non-owner about to write marks the dict shared first (dict.c, I3). */
static inline void ensure_shared_on_write(FtDict *d)
{
    if (!ft__is_owned_by_me(&d->ob_base))
        ft__dict_ensure_shared_locked(d);
}

/* ---- Lookup ---- */

int ft_dict_lookup(FtObject *d, FtObject *key, FtObject **out)
{
    FT_NONNULL(-1, d, key, out);
    *out = NULL;
    if (check_dict(d) < 0)
        return -1;
    int64_t hash = ft__dict_key_hash(key);
    if (hash == -1)
        return -1;
    return ft__dict_lookup_hash(d, key, hash, out);
}

FtObject *ft_dict_get_item(FtObject *d, FtObject *key)
{
    FT_NONNULL(NULL, d, key);
    FtObject *v;
    int r = ft_dict_lookup(d, key, &v);
    if (r == 0)
        key_error(key);
    return v;
}

int ft_dict_contains(FtObject *d, FtObject *key)
{
    FT_NONNULL(-1, d, key);
    FtObject *v;
    int r = ft_dict_lookup(d, key, &v);
    ft_xdecref(v);
    return r;
}

/* ---- Insert and delete ---- */

static int set_item_hash(FtObject *d, FtObject *key, int64_t hash, FtObject *value)
{
    FtObject *old = NULL;
    int r;
    FT_BEGIN_CRITICAL_SECTION(d);
    ensure_shared_on_write(FT_DICT(d));
    r = ft__dict_insert_locked(FT_DICT(d), key, hash, value, &old, 1);
    FT_END_CRITICAL_SECTION();
    ft_xdecref(old);
    return r;
}

int ft_dict_set_item(FtObject *d, FtObject *key, FtObject *value)
{
    FT_NONNULL(-1, d, key, value);
    if (check_dict(d) < 0)
        return -1;
    int64_t hash = ft__dict_key_hash(key);
    if (hash == -1)
        return -1;
    return set_item_hash(d, key, hash, value);
}

int ft_dict_set_item_cstr(FtObject *d, const char *key, FtObject *value)
{
    FT_NONNULL(-1, d, key, value);
    FtObject *k = ft_str_from_utf8(key, -1);
    if (!k)
        return -1;
    int r = ft_dict_set_item(d, k, value);
    ft_decref(k);
    return r;
}

/* Remove key: 1 with its value in *value_out (a reference), 0 missing,
 * -1 error. */
static int pop_item(FtObject *d, FtObject *key, FtObject **value_out)
{
    *value_out = NULL;
    if (check_dict(d) < 0)
        return -1;
    int64_t hash = ft__dict_key_hash(key);
    if (hash == -1)
        return -1;
    FtObject *k = NULL;
    FtSsize ix;
    FT_BEGIN_CRITICAL_SECTION(d);
    ensure_shared_on_write(FT_DICT(d));
    ix = ft__dict_lookup_locked(FT_DICT(d), key, hash);
    if (ix >= 0)
        ft__dict_delete_locked(FT_DICT(d), ix, hash, &k, value_out);
    FT_END_CRITICAL_SECTION();
    ft_xdecref(k);
    return ix >= 0 ? 1 : ix == FT_DKIX_EMPTY ? 0 : -1;
}

int ft_dict_del_item(FtObject *d, FtObject *key)
{
    FT_NONNULL(-1, d, key);
    FtObject *v;
    int r = pop_item(d, key, &v);
    if (r == 0)
        key_error(key);
    ft_xdecref(v);
    return r == 1 ? 0 : -1;
}

FtObject *ft_dict_pop(FtObject *d, FtObject *key, FtObject *dflt)
{
    FT_NONNULL(NULL, d, key);
    FtObject *v;
    int r = pop_item(d, key, &v);
    if (r == 0) {
        if (dflt)
            return ft_newref(dflt);
        key_error(key);
    }
    return v;
}

FtObject *ft_dict_setdefault(FtObject *d, FtObject *key, FtObject *dflt)
{
    FT_NONNULL(NULL, d, key);
    if (check_dict(d) < 0)
        return NULL;
    if (!dflt)
        dflt = ft_none();
    int64_t hash = ft__dict_key_hash(key);
    if (hash == -1)
        return NULL;
    FtObject *old = NULL;
    int r;
    FT_BEGIN_CRITICAL_SECTION(d);
    ensure_shared_on_write(FT_DICT(d));
    r = ft__dict_insert_locked(FT_DICT(d), key, hash, dflt, &old, 0);
    FT_END_CRITICAL_SECTION();
    if (r < 0)
        return NULL;
    return r == 1 ? old : ft_newref(dflt);
}

int ft_dict_clear(FtObject *d)
{
    FT_NONNULL(-1, d);
    if (check_dict(d) < 0)
        return -1;
    FtDictKeys *k;
    int shared;
    FT_BEGIN_CRITICAL_SECTION(d);
    ensure_shared_on_write(FT_DICT(d));
    k = ft__dict_detach_locked(FT_DICT(d));
    shared = ft__object_is_shared(d);
    FT_END_CRITICAL_SECTION();
    ft__dict_keys_release(k, shared);
    return 0;
}

/* ---- Snapshots ---- */

typedef struct Item {
    FtObject *key, *value;
    FtObject *old;              /* value replaced by insert_items */
    int64_t hash;
} Item;

static void items_free(Item *items, FtSsize n)
{
    for (FtSsize i = 0; i < n; i++) {
        ft_decref(items[i].key);
        ft_decref(items[i].value);
        ft_xdecref(items[i].old);
    }
    ft_mem_free(items);
}

/* Every item of d, in order, with new references, in a fresh array. */
static int dict_snapshot(FtObject *d, Item **out, FtSsize *n_out)
{
    FtDict *dd = FT_DICT(d);
    for (;;) {
        FtSsize n = FT_LOAD_RELAXED(dd->ma_used);
        Item *items = ft_mem_alloc((size_t)(n ? n : 1) * sizeof(Item));
        if (!items)
            return -1;
        int ok;
        FT_BEGIN_CRITICAL_SECTION(d);
        ok = dd->ma_used == n;
        FtDictKeys *k = dd->ma_keys;
        for (FtSsize ix = 0, i = 0; ok && ix < k->dk_nentries; ix++) {
            FtObject *key = *ft__dk_key_slot(k, ix);
            if (!key)
                continue;
            items[i].key = ft_newref(key);
            items[i].value = ft_newref(*ft__dk_value_slot(k, ix));
            items[i].old = NULL;
            items[i].hash = k->dk_kind == FT_DICT_KEYS_GENERAL
                ? ((FtDictEntry *)ft__dk_entries(k))[ix].hash
                : ft__dict_key_hash(key);
            i++;
        }
        FT_END_CRITICAL_SECTION();
        if (ok) {
            *out = items;
            *n_out = n;
            return 0;
        }
        ft_mem_free(items);
    }
}

/* Insert every item into d under one critical section. Replaced values are
 * parked in items[i].old and dropped by items_free, after the lock. */
static int insert_items(FtObject *d, Item *items, FtSsize n)
{
    int r = 0, all_str = 1;
    for (FtSsize i = 0; i < n && all_str; i++)
        all_str = ft_is_str(items[i].key);
    FT_BEGIN_CRITICAL_SECTION(d);
    FtDict *dd = FT_DICT(d);
    ensure_shared_on_write(dd);
    r = ft__dict_reserve_locked(dd, dd->ma_used + n,
                                all_str ? FT_DICT_KEYS_STR : FT_DICT_KEYS_GENERAL);
    for (FtSsize i = 0; i < n && r == 0; i++)
        r = ft__dict_insert_locked(dd, items[i].key, items[i].hash,
                                   items[i].value, &items[i].old, 1);
    FT_END_CRITICAL_SECTION();
    return r;
}

FtObject *ft_dict_copy(FtObject *d)
{
    FT_NONNULL(NULL, d);
    if (check_dict(d) < 0)
        return NULL;
    Item *items;
    FtSsize n;
    if (dict_snapshot(d, &items, &n) < 0)
        return NULL;
    FtObject *c = ft_dict_new();
    if (c && insert_items(c, items, n) < 0)
        FT_CLEAR(c);
    items_free(items, n);
    return c;
}

/* Items of an iterable of pairs, as a snapshot. */
static int pairs_snapshot(FtObject *iterable, Item **out, FtSsize *n_out)
{
    FtObject **seq;
    FtSsize n, filled = 0;
    if (ft__seq_snapshot(iterable, &seq, &n) < 0)
        return -1;
    Item *items = ft_mem_alloc((size_t)(n ? n : 1) * sizeof(Item));
    int err = items == NULL;
    for (FtSsize i = 0; i < n && !err; i++) {
        FtObject **pair;
        FtSsize m;
        if (ft__seq_snapshot(seq[i], &pair, &m) < 0) {
            if (ft_error_kind() == FT_ERR_TYPE)
                ft_error_set(FT_ERR_TYPE, "cannot convert dictionary update "
                             "sequence element #%td to a sequence", i);
            err = 1;
            break;
        }
        if (m != 2) {
            ft__seq_snapshot_free(pair, m);
            ft_error_set(FT_ERR_VALUE, "dictionary update sequence element "
                         "#%td has length %td; 2 is required", i, m);
            err = 1;
            break;
        }
        items[i].key = pair[0];
        items[i].value = pair[1];
        items[i].old = NULL;
        ft_mem_free(pair);
        filled++;
        items[i].hash = ft__dict_key_hash(items[i].key);
        err = items[i].hash == -1;
    }
    ft__seq_snapshot_free(seq, n);
    if (err) {
        if (items)
            items_free(items, filled);
        return -1;
    }
    *out = items;
    *n_out = n;
    return 0;
}

int ft_dict_update(FtObject *d, FtObject *other)
{
    FT_NONNULL(-1, d, other);
    if (check_dict(d) < 0)
        return -1;
    if (d == other)
        return 0;
    Item *items;
    FtSsize n;
    int r = ft_is_dict(other) ? dict_snapshot(other, &items, &n)
                              : pairs_snapshot(other, &items, &n);
    if (r < 0)
        return -1;
    r = insert_items(d, items, n);
    items_free(items, n);
    return r;
}

/* A list of f(item) for every item: 0 keys, 1 values, 2 (key, value). */
static FtObject *dict_list(FtObject *d, int what)
{
    if (check_dict(d) < 0)
        return NULL;
    Item *items;
    FtSsize n, i;
    if (dict_snapshot(d, &items, &n) < 0)
        return NULL;
    FtObject *l = NULL, **arr = ft_mem_alloc((size_t)(n ? n : 1) * sizeof(FtObject *));
    for (i = 0; arr && i < n; i++) {
        arr[i] = what == 0 ? items[i].key
               : what == 1 ? items[i].value
               : ft_tuple_pack(2, items[i].key, items[i].value);
        if (!arr[i])
            break;
    }
    if (arr && i == n)
        l = ft_list_from_array(arr, n);
    if (arr && what == 2)
        while (i-- > 0)
            ft_decref(arr[i]);
    ft_mem_free(arr);
    items_free(items, n);
    return l;
}

FtObject *ft_dict_keys(FtObject *d)
{
    FT_NONNULL(NULL, d);
    return dict_list(d, 0);
}
FtObject *ft_dict_values(FtObject *d)
{
    FT_NONNULL(NULL, d);
    return dict_list(d, 1);
}
FtObject *ft_dict_items(FtObject *d)
{
    FT_NONNULL(NULL, d);
    return dict_list(d, 2);
}

/* ---- Iteration ---- */

#define POS_INDEX_MASK 0xffffffffu
#define POS_START(used) ((((uint64_t)(used) + 1) & 0x7fffffffu) << 32)

int ft_dict_next(FtObject *d, FtSsize *pos, FtObject **key, FtObject **value)
{
    FT_NONNULL(-1, d, pos);
    if (key)
        *key = NULL;
    if (value)
        *value = NULL;
    if (check_dict(d) < 0)
        return -1;
    FtDict *dd = FT_DICT(d);
    uint64_t p = (uint64_t)*pos;
    FtSsize ix = (FtSsize)(p & POS_INDEX_MASK);
    int r = 0;
    uint64_t start;
    FT_BEGIN_CRITICAL_SECTION(d);
    start = POS_START(dd->ma_used);
    if (p == 0)
        p = start;
    FtDictKeys *k = dd->ma_keys;
    if ((p & ~(uint64_t)POS_INDEX_MASK) != start) {
        r = -1;
    } else {
        while (ix < k->dk_nentries && !*ft__dk_key_slot(k, ix))
            ix++;
        if (ix < k->dk_nentries) {
            if (key)
                *key = ft_newref(*ft__dk_key_slot(k, ix));
            if (value)
                *value = ft_newref(*ft__dk_value_slot(k, ix));
            ix++;
            r = 1;
        }
    }
    FT_END_CRITICAL_SECTION();
    if (r < 0)
        ft_error_set(FT_ERR_RUNTIME, "dictionary changed size during iteration");
    else if (r > 0)
        *pos = (FtSsize)(start | (uint64_t)ix);
    return r;
}

typedef struct FtDictIter {
    FtObject ob_base;
    FtObject *di_dict;          /* NULL once exhausted; owner-written */
    FtSsize di_pos;             /* ft_dict_next position */
} FtDictIter;

static void dictiter_dealloc(FtObject *op)
{
    ft__gc_untrack(op);
    FT_CLEAR(((FtDictIter *)op)->di_dict);
    ft__object_free(op);
}

static int dictiter_traverse(FtObject *op, FtVisitProc visit, void *arg)
{
    FtObject *d = ((FtDictIter *)op)->di_dict;
    return d ? visit(d, arg) : 0;
}

static int dictiter_clear(FtObject *op)
{
    FT_CLEAR(((FtDictIter *)op)->di_dict);
    return 0;
}

/* An iterator is used by one thread at a time (as CPython's). */
static FtObject *dictiter_next(FtObject *op)
{
    FtDictIter *it = (FtDictIter *)op;
    if (!it->di_dict)
        return NULL;
    FtObject *key;
    int r = ft_dict_next(it->di_dict, &it->di_pos, &key, NULL);
    if (r <= 0) {
        if (r == 0)
            FT_CLEAR(it->di_dict);
        return NULL;
    }
    return key;
}

static FtObject *self_iter(FtObject *op)
{
    return ft_newref(op);
}

FtType ft__dict_iter_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "dict_keyiterator",
    .tp_basicsize = sizeof(FtDictIter),
    .tp_flags = FT_TPFLAGS_GC,
    .tp_dealloc = dictiter_dealloc,
    .tp_traverse = dictiter_traverse,
    .tp_clear = dictiter_clear,
    .tp_iter = self_iter,
    .tp_iternext = dictiter_next,
};

FtObject *ft__dict_iter(FtObject *d)
{
    FtDictIter *it = (FtDictIter *)ft__object_alloc(&ft__dict_iter_type,
                                                    sizeof(FtDictIter));
    if (!it)
        return NULL;
    it->di_dict = ft_newref(d);
    /* The size is recorded now, so changes before the first next count. */
    it->di_pos = (FtSsize)POS_START(FT_LOAD_RELAXED(FT_DICT(d)->ma_used));
    ft__gc_track(&it->ob_base);
    return &it->ob_base;
}

/* ---- Equality and repr ---- */

/* 1 if a and b hold equal items, 0 if not, -1 on error. */
static int dict_equal(FtObject *a, FtObject *b)
{
    Item *items;
    FtSsize n;
    if (dict_snapshot(a, &items, &n) < 0)
        return -1;
    /* The size test uses the snapshot, not an earlier len(a). */
    int eq = n == ft_len(b);
    for (FtSsize i = 0; i < n && eq == 1; i++) {
        FtObject *bv;
        eq = ft__dict_lookup_hash(b, items[i].key, items[i].hash, &bv);
        if (eq == 1) {
            eq = ft_compare_bool(items[i].value, bv, FT_EQ);
            ft_decref(bv);
        }
    }
    items_free(items, n);
    return eq;
}

FtObject *ft__dict_richcompare(FtObject *a, FtObject *b, FtCompareOp op)
{
    if (!ft_is_dict(a) || !ft_is_dict(b) || (op != FT_EQ && op != FT_NE))
        return NULL;            /* not implemented */
    int eq = dict_equal(a, b);
    if (eq < 0)
        return NULL;
    return ft_bool_from(op == FT_EQ ? eq : !eq);
}

/* Append the UTF-8 of str s to the growing buffer (*buf, *len, *cap). */
static int buf_add(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t c = (*cap + n + 1) * 2;
        char *nb = ft_mem_realloc(*buf, c);
        if (!nb)
            return -1;
        *buf = nb;
        *cap = c;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    return 0;
}

static int buf_add_repr(char **buf, size_t *len, size_t *cap, FtObject *op)
{
    FtObject *r = ft_repr(op);
    FtSsize n;
    const char *s = r ? ft_str_as_utf8(r, &n) : NULL;
    int rc = s ? buf_add(buf, len, cap, s, (size_t)n) : -1;
    ft_xdecref(r);
    return rc;
}

FtObject *ft__dict_repr(FtObject *op)
{
    FtReprFrame frame;
    int e = ft__repr_enter(&frame, op);
    if (e != 0)
        return e > 0 ? ft_str_from_utf8("{...}", -1) : NULL;
    Item *items;
    FtSsize n;
    FtObject *res = NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    if (dict_snapshot(op, &items, &n) < 0)
        goto done;
    int rc = buf_add(&buf, &len, &cap, "{", 1);
    for (FtSsize i = 0; i < n && rc == 0; i++) {
        if (i > 0)
            rc = buf_add(&buf, &len, &cap, ", ", 2);
        if (rc == 0)
            rc = buf_add_repr(&buf, &len, &cap, items[i].key);
        if (rc == 0)
            rc = buf_add(&buf, &len, &cap, ": ", 2);
        if (rc == 0)
            rc = buf_add_repr(&buf, &len, &cap, items[i].value);
    }
    if (rc == 0)
        rc = buf_add(&buf, &len, &cap, "}", 1);
    if (rc == 0)
        res = ft_str_from_utf8(buf, (FtSsize)len);
    items_free(items, n);
    ft_mem_free(buf);
done:
    ft__repr_leave(&frame);
    return res;
}

/* ---- Subsystem init ---- */

int ft__dict_init(void)
{
    if (ft__type_ready(&ft_dict_type) < 0 ||
        ft__type_ready(&ft__dict_iter_type) < 0)
        return -1;
    return 0;
}
