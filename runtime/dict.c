/* runtime/dict.c: the dict's hash table: keys blocks, probing, insertion,
 * deletion, resizing, the lock-free lookup, and the dict type's lifetime
 * slots (dealloc, GC traverse/clear, sizeof). The public operations built on
 * these are in runtime/dict_ops.c; the layout and its invariants I1..I4 are
 * in runtime/dict_impl.h.
 *
 * Growth follows CPython: a table of 2**n slots holds 2**n * 2/3 entries;
 * inserting into a full table resizes to the smallest power of two >= 3 *
 * used (at least 8), so that from empty the keys block is replaced at the
 * 1st, 6th, 11th, 22nd, 43rd, 86th, 171st, ... insertion.
 *
 * Concurrency (docs/concurrency.md, "dict"). Writers hold the dict's
 * critical section. Readers (ft__dict_lookup_hash, len) take no lock: they
 * load ma_keys (acquire), probe the indices (acquire), compare keys, load
 * the value, try-incref it, then re-check that the entry still holds the
 * same key and value and that ma_keys is unchanged; any doubt sends them to
 * the locked path. A lookup never returns another key's value (I1).
 *
 * Re-validation: inside a critical section, a key comparison (user code), an
 * allocation (a safepoint may suspend the section) or a decref (a finalizer)
 * may let another writer in. After each, the code below checks that ma_keys
 * (and, after allocating, ma_version) are what it saw, and restarts if not.
 *
 * Callers: dict_ops.c, and through the public API any attached thread.
 */
#include "runtime/internal.h"
#include "runtime/dict_impl.h"
#include "runtime/str_impl.h"
#include "runtime/trashcan.h"
#include "alloc/alloc.h"
#include "gc/gc.h"
#include "threads/lock.h"
#include "refcount/refcount.h"

#define PERTURB_SHIFT 5

/* ---- The shared empty table (I4) ---- */

static struct {
    FtDictKeys hdr;
    int8_t indices[8];
} empty_keys = {
    { .dk_bytes = 0, .dk_log2_size = FT_DICT_LOG_MINSIZE,
      .dk_log2_index_bytes = FT_DICT_LOG_MINSIZE,
      .dk_kind = FT_DICT_KEYS_STR, .dk_usable = 0, .dk_nentries = 0 },
    { -1, -1, -1, -1, -1, -1, -1, -1 },
};
#define EMPTY_KEYS (&empty_keys.hdr)

/* ---- Index access ----
 * Indices are read by lock-free readers: stores are atomic; the store that
 * publishes a new entry is a release, paired with the acquire in ix_load,
 * so a reader that sees the index sees the entry's hash, key and value. */

static inline FtSsize ix_load(FtDictKeys *k, size_t i)
{
    void *p = ft__dk_indices(k);
    switch (k->dk_log2_index_bytes - k->dk_log2_size) {
    case 0: return __atomic_load_n(&((int8_t *)p)[i], __ATOMIC_ACQUIRE);
    case 1: return __atomic_load_n(&((int16_t *)p)[i], __ATOMIC_ACQUIRE);
    case 2: return __atomic_load_n(&((int32_t *)p)[i], __ATOMIC_ACQUIRE);
    default: return (FtSsize)__atomic_load_n(&((int64_t *)p)[i], __ATOMIC_ACQUIRE);
    }
}

static inline void ix_store(FtDictKeys *k, size_t i, FtSsize ix)
{
    void *p = ft__dk_indices(k);
    switch (k->dk_log2_index_bytes - k->dk_log2_size) {
    case 0: __atomic_store_n(&((int8_t *)p)[i], (int8_t)ix, __ATOMIC_RELEASE); break;
    case 1: __atomic_store_n(&((int16_t *)p)[i], (int16_t)ix, __ATOMIC_RELEASE); break;
    case 2: __atomic_store_n(&((int32_t *)p)[i], (int32_t)ix, __ATOMIC_RELEASE); break;
    default: __atomic_store_n(&((int64_t *)p)[i], (int64_t)ix, __ATOMIC_RELEASE); break;
    }
}

static inline size_t dk_mask(FtDictKeys *k)
{
    return ((size_t)1 << k->dk_log2_size) - 1;
}

#define PROBE_NEXT(i, perturb, mask) \
    ((perturb) >>= PERTURB_SHIFT, (i) = ((i) * 5 + (perturb) + 1) & (mask))

/* The cached hash of a str key (computed when the key went in). */
static inline int64_t str_cached_hash(FtObject *s)
{
    int64_t h = FT_LOAD_RELAXED(FT_STR(s)->hash);
    return h != -1 ? h : ft__str_hash(s);
}

static inline int64_t entry_hash(FtDictKeys *k, FtSsize ix, FtObject *key)
{
    if (k->dk_kind == FT_DICT_KEYS_STR)
        return str_cached_hash(key);
    return FT_LOAD_RELAXED(((FtDictEntry *)ft__dk_entries(k))[ix].hash);
}

int64_t ft__dict_key_hash(FtObject *key)
{
    if (ft_is_str(key))
        return str_cached_hash(key);
    return ft_hash(key);
}

/* ---- Keys blocks ---- */

/* Smallest log2 size >= 3 whose table has at least minsize slots. */
static uint8_t log2_for(FtSsize minsize)
{
    uint8_t lg = FT_DICT_LOG_MINSIZE;
    while (((FtSsize)1 << lg) < minsize && lg < 62)
        lg++;
    return lg;
}

static FtDictKeys *keys_new(uint8_t log2_size, int kind)
{
    if (log2_size > 40) {
        ft_error_set(FT_ERR_MEMORY, "dict too large");
        return NULL;
    }
    uint8_t lgb = log2_size < 8 ? log2_size
                : log2_size < 16 ? (uint8_t)(log2_size + 1)
                : log2_size < 32 ? (uint8_t)(log2_size + 2)
                : (uint8_t)(log2_size + 3);
    size_t usable = FT_DICT_USABLE((size_t)1 << log2_size);
    size_t esize = kind == FT_DICT_KEYS_STR ? sizeof(FtDictStrEntry)
                                            : sizeof(FtDictEntry);
    size_t ibytes = (size_t)1 << lgb;
    size_t bytes = sizeof(FtDictKeys) + ibytes + usable * esize;
    FtDictKeys *k = ft_mem_alloc(bytes);
    if (!k)
        return NULL;
    memset(k, 0, sizeof(*k));
    k->dk_bytes = bytes;
    k->dk_log2_size = log2_size;
    k->dk_log2_index_bytes = lgb;
    k->dk_kind = (uint8_t)kind;
    k->dk_usable = (FtSsize)usable;
    k->dk_nentries = 0;
    memset(ft__dk_indices(k), 0xff, ibytes);           /* all FT_DKIX_EMPTY */
    memset(ft__dk_entries(k), 0, usable * esize);
    return k;
}

static void keys_free(FtDictKeys *k, int shared)
{
    if (k == EMPTY_KEYS)
        return;
    if (shared)
        ft__free_delayed(k);    /* readers may still probe it (I2) */
    else
        ft_mem_free(k);
}

/* Slot of the first EMPTY index on hash's probe path (dummies are never
 * reused, I1). The table must have one. */
static size_t find_empty_slot(FtDictKeys *k, int64_t hash)
{
    size_t mask = dk_mask(k), perturb = (size_t)hash, i = (size_t)hash & mask;
    while (ix_load(k, i) != FT_DKIX_EMPTY)
        PROBE_NEXT(i, perturb, mask);
    return i;
}

/* Every mutation bumps ma_version (lock held). Lock-free readers compare
 * it around anything that may reach a safepoint: a changed version means
 * the block they probe may have been unpublished and reclaimed, so they
 * must not touch it again (pointer comparisons alone could be fooled by a
 * reused address). Release: pairs with the acquire load in
 * lookup_lockfree; a reader that sees the new version sees the new
 * ma_keys stored before it. */
static inline void bump_version(FtDict *d)
{
    FT_STORE_RELEASE(d->ma_version, d->ma_version + 1);
}

/* ---- Sharing (I3) ---- */

static inline void publish_item(FtObject *op)
{
    if (!ft_is_immortal(op)) {
        ft__set_maybe_weakref(op);
        ft__object_mark_shared(op);
    }
}

void ft__dict_ensure_shared_locked(FtDict *d)
{
    if (ft__object_is_shared(&d->ob_base))
        return;
    FtDictKeys *k = d->ma_keys;
    for (FtSsize ix = 0; ix < k->dk_nentries; ix++) {
        FtObject *key = *ft__dk_key_slot(k, ix);
        if (key) {
            publish_item(key);
            publish_item(*ft__dk_value_slot(k, ix));
        }
    }
    ft__object_mark_shared(&d->ob_base);
}

/* The first access by a non-owner marks the dict shared, under the lock so
 * that no writer is between "free the old block at once" and its free. */
static inline void ensure_shared_on_read(FtDict *d)
{
    if (!ft__is_owned_by_me(&d->ob_base) && !ft__object_is_shared(&d->ob_base)) {
        FT_BEGIN_CRITICAL_SECTION(d);
        ft__dict_ensure_shared_locked(d);
        FT_END_CRITICAL_SECTION();
    }
}

/* ---- Resize ---- */

/* Move the live entries into a new block of 2**log2_size slots of `kind`.
 * Returns 0 done with no other writer in between, 1 if another writer got
 * in while we allocated or freed (the caller restarts), -1 error (table
 * unchanged). */
static int resize_locked(FtDict *d, uint8_t log2_size, int kind)
{
    FtDictKeys *oldk = d->ma_keys;
    uint64_t version = d->ma_version;
    FtDictKeys *newk = keys_new(log2_size, kind);
    if (!newk)
        return -1;
    if (d->ma_keys != oldk || d->ma_version != version) {
        ft_mem_free(newk);      /* the allocation let a writer in */
        return 1;
    }
    FtSsize n = 0;
    for (FtSsize ix = 0; ix < oldk->dk_nentries; ix++) {
        FtObject *key = *ft__dk_key_slot(oldk, ix);
        if (!key)
            continue;
        int64_t hash = entry_hash(oldk, ix, key);
        if (kind == FT_DICT_KEYS_GENERAL)
            ((FtDictEntry *)ft__dk_entries(newk))[n].hash = hash;
        *ft__dk_key_slot(newk, n) = key;
        *ft__dk_value_slot(newk, n) = *ft__dk_value_slot(oldk, ix);
        ix_store(newk, find_empty_slot(newk, hash), n);
        n++;
    }
    FT_ASSERT(n == d->ma_used);
    newk->dk_nentries = n;
    newk->dk_usable -= n;
    /* release: pairs with the acquire load of ma_keys in the lock-free
     * lookup; the new block's contents are visible before its address. */
    FT_STORE_RELEASE(d->ma_keys, newk);
    bump_version(d);
    version = d->ma_version;
    keys_free(oldk, ft__object_is_shared(&d->ob_base));
    return d->ma_version == version ? 0 : 1;
}

int ft__dict_reserve_locked(FtDict *d, FtSsize n, int kind)
{
    for (;;) {
        FtDictKeys *k = d->ma_keys;
        if (k->dk_usable >= n - d->ma_used)
            return 0;
        if (k != EMPTY_KEYS)
            kind = k->dk_kind;
        int r = resize_locked(d, log2_for((n * 3 + 1) / 2), kind);
        if (r <= 0)
            return r;
    }
}

/* ---- Locked lookup ---- */

FtSsize ft__dict_lookup_locked(FtDict *d, FtObject *key, int64_t hash)
{
    int key_is_str = ft_is_str(key);
restart:;
    FtDictKeys *k = d->ma_keys;
    uint64_t version = d->ma_version;
    size_t mask = dk_mask(k), perturb = (size_t)hash, i = (size_t)hash & mask;
    for (;; PROBE_NEXT(i, perturb, mask)) {
        FtSsize ix = ix_load(k, i);
        if (ix == FT_DKIX_EMPTY)
            return FT_DKIX_EMPTY;
        if (ix < 0)
            continue;
        FtObject **kp = ft__dk_key_slot(k, ix);
        FtObject *ek = *kp;
        if (ek == key)
            return ix;
        if (!ek || entry_hash(k, ix, ek) != hash)
            continue;
        if (key_is_str && ft_is_str(ek)) {
            if (ft_str_equal(ek, key))
                return ix;
            continue;
        }
        ft_incref(ek);
        int cmp = ft_compare_bool(ek, key, FT_EQ);
        ft_decref(ek);
        if (cmp < 0)
            return FT_DKIX_ERROR;
        if (d->ma_version != version)
            goto restart;       /* the comparison let a writer in */
        if (cmp > 0)
            return ix;
    }
}

/* ---- Insert, replace, delete ---- */

static void append_locked(FtDict *d, FtDictKeys *k, FtObject *key,
                          int64_t hash, FtObject *value)
{
    FtSsize ix = k->dk_nentries;
    FT_ASSERT(k != EMPTY_KEYS && k->dk_usable > 0);
    if (ft__object_is_shared(&d->ob_base)) {
        publish_item(key);
        publish_item(value);
    }
    ft_incref(key);
    ft_incref(value);
    if (k->dk_kind == FT_DICT_KEYS_GENERAL)
        FT_STORE_RELAXED(((FtDictEntry *)ft__dk_entries(k))[ix].hash, hash);
    FT_STORE_RELAXED(*ft__dk_value_slot(k, ix), value);
    FT_STORE_RELAXED(*ft__dk_key_slot(k, ix), key);
    ix_store(k, find_empty_slot(k, hash), ix);      /* release: publishes the entry */
    k->dk_nentries = ix + 1;
    k->dk_usable--;
    FT_STORE_RELAXED(d->ma_used, d->ma_used + 1);
    bump_version(d);
}

int ft__dict_insert_locked(FtDict *d, FtObject *key, int64_t hash,
                           FtObject *value, FtObject **old, int replace)
{
    int key_is_str = ft_is_str(key);
    *old = NULL;
    for (;;) {
        FtDictKeys *k = d->ma_keys;
        if (k->dk_kind == FT_DICT_KEYS_STR && !key_is_str && k != EMPTY_KEYS) {
            /* A non-str key: convert to the general layout, as CPython. */
            if (resize_locked(d, log2_for(d->ma_used * 3), FT_DICT_KEYS_GENERAL) < 0)
                return -1;
            continue;
        }
        FtSsize ix = ft__dict_lookup_locked(d, key, hash);
        if (ix == FT_DKIX_ERROR)
            return -1;
        k = d->ma_keys;         /* the block the lookup ended in */
        if (ix >= 0 && !replace) {
            *old = ft_newref(*ft__dk_value_slot(k, ix));
            return 1;
        }
        if (ix >= 0) {
            FtObject **vp = ft__dk_value_slot(k, ix);
            if (ft__object_is_shared(&d->ob_base))
                publish_item(value);
            ft_incref(value);
            *old = *vp;
            /* release: a reader that loads the new value sees it built */
            FT_STORE_RELEASE(*vp, value);
            bump_version(d);
            return 0;
        }
        if (k->dk_usable <= 0) {
            int kind = k == EMPTY_KEYS
                ? (key_is_str ? FT_DICT_KEYS_STR : FT_DICT_KEYS_GENERAL)
                : k->dk_kind;
            int r = resize_locked(d, log2_for(d->ma_used * 3), kind);
            if (r < 0)
                return -1;
            if (r > 0)
                continue;       /* others wrote meanwhile: look again */
            k = d->ma_keys;     /* fresh block, key known absent */
        }
        append_locked(d, k, key, hash, value);
        return 0;
    }
}

FtObject *ft__dict_replace_locked(FtDict *d, FtSsize ix, FtObject *value)
{
    FtObject **vp = ft__dk_value_slot(d->ma_keys, ix);
    FtObject *old = *vp;
    if (ft__object_is_shared(&d->ob_base))
        publish_item(value);
    ft_incref(value);
    /* release: a reader that loads the new value sees it built */
    FT_STORE_RELEASE(*vp, value);
    bump_version(d);
    return old;
}

void ft__dict_delete_locked(FtDict *d, FtSsize ix, int64_t hash,
                            FtObject **key_out, FtObject **value_out)
{
    FtDictKeys *k = d->ma_keys;
    size_t mask = dk_mask(k), perturb = (size_t)hash, i = (size_t)hash & mask;
    while (ix_load(k, i) != ix)
        PROBE_NEXT(i, perturb, mask);
    ix_store(k, i, FT_DKIX_DUMMY);
    FtObject **kp = ft__dk_key_slot(k, ix), **vp = ft__dk_value_slot(k, ix);
    *key_out = *kp;
    *value_out = *vp;
    /* Clear before the caller drops the references (I1: never reused). */
    FT_STORE_RELAXED(*vp, NULL);
    FT_STORE_RELAXED(*kp, NULL);
    FT_STORE_RELAXED(d->ma_used, d->ma_used - 1);
    bump_version(d);
}

FtDictKeys *ft__dict_detach_locked(FtDict *d)
{
    FtDictKeys *k = d->ma_keys;
    /* release: pairs with readers' acquire (the empty block is static). */
    FT_STORE_RELEASE(d->ma_keys, EMPTY_KEYS);
    FT_STORE_RELAXED(d->ma_used, 0);
    bump_version(d);
    return k;
}

void ft__dict_keys_release(FtDictKeys *k, int shared)
{
    if (k == EMPTY_KEYS)
        return;
    for (FtSsize ix = 0; ix < k->dk_nentries; ix++) {
        FtObject *key = *ft__dk_key_slot(k, ix);
        if (key) {
            FtObject *value = *ft__dk_value_slot(k, ix);
            ft_decref(key);
            ft_decref(value);
        }
    }
    keys_free(k, shared);
}

/* ---- Lock-free lookup ---- */

enum { LF_ERROR = -1, LF_MISSING = 0, LF_FOUND = 1, LF_RETRY = 2 };

/* Is ek (read from *kp of block k) equal to key? 1, 0, LF_ERROR, LF_RETRY.
 * ek may be concurrently deleted and released: its memory stays readable
 * for our grace period (I3), so immutable parts of a str can be read
 * without a reference; anything else gets one (try-incref) before user
 * code runs, and the table is re-checked afterwards. */
static int lf_compare(FtDict *d, uint64_t version, FtDictKeys *k, FtSsize ix,
                      FtObject *ek, FtObject *key, int key_is_str, int64_t hash)
{
    int str_table = k->dk_kind == FT_DICT_KEYS_STR;
    if (!str_table &&
        FT_LOAD_RELAXED(((FtDictEntry *)ft__dk_entries(k))[ix].hash) != hash)
        return 0;
    if (str_table && str_cached_hash(ek) != hash)
        return 0;
    if (key_is_str && ft_is_str(ek))
        return ft_str_equal(ek, key);   /* immutable: safe without a ref */
    if (!ft__try_incref(ek))
        return LF_RETRY;
    int cmp = ft_compare_bool(ek, key, FT_EQ);
    ft_decref(ek);
    if (cmp < 0)
        return LF_ERROR;
    /* The comparison and the decref may have reached a safepoint (a
     * quiescent state): k may have been replaced and reclaimed since. Only
     * an unchanged version proves it was not; k is not touched otherwise. */
    if (FT_LOAD_ACQUIRE(d->ma_version) != version)
        return LF_RETRY;
    return cmp;
}

static int lookup_lockfree(FtDict *d, FtObject *key, int64_t hash, FtObject **out)
{
    /* acquire, version first: pairs with bump_version's release, so the
     * keys block we load is at least as new as the version we compare
     * against after any call that may reach a safepoint. */
    uint64_t version = FT_LOAD_ACQUIRE(d->ma_version);
    /* acquire: pairs with the release store of ma_keys (resize, detach) */
    FtDictKeys *k = FT_LOAD_ACQUIRE(d->ma_keys);
    int key_is_str = ft_is_str(key);
    size_t mask = dk_mask(k), perturb = (size_t)hash, i = (size_t)hash & mask;
    FtObject **kp, *ek;
    FtSsize ix;
    for (;; PROBE_NEXT(i, perturb, mask)) {
        ix = ix_load(k, i);     /* acquire: pairs with the publishing store */
        if (ix == FT_DKIX_EMPTY)
            return LF_MISSING;
        if (ix < 0)
            continue;
        kp = ft__dk_key_slot(k, ix);
        ek = FT_LOAD_RELAXED(*kp);
        if (ek == key)
            break;
        if (!ek)
            continue;           /* deleted (I1): the key is not here */
        int r = lf_compare(d, version, k, ix, ek, key, key_is_str, hash);
        if (r == 1)
            break;
        if (r != 0)
            return r;
    }
    FtObject **vp = ft__dk_value_slot(k, ix);
    /* acquire: pairs with the release store in insert: the value is built */
    FtObject *v = FT_LOAD_ACQUIRE(*vp);
    if (!v || !ft__try_incref(v))
        return LF_RETRY;
    /* The re-check: with the reference held, the entry still maps ek to v
     * in the dict's current table, so v is key's value at this moment. */
    if (FT_LOAD_ACQUIRE(*vp) != v || FT_LOAD_RELAXED(*kp) != ek ||
        FT_LOAD_ACQUIRE(d->ma_keys) != k) {
        ft_decref(v);
        return LF_RETRY;
    }
    *out = v;
    return LF_FOUND;
}

int ft__dict_lookup_hash(FtObject *op, FtObject *key, int64_t hash, FtObject **out)
{
    FtDict *d = FT_DICT(op);
    *out = NULL;
    ensure_shared_on_read(d);
    int r = lookup_lockfree(d, key, hash, out);
    if (r != LF_RETRY)
        return r;
    /* Locked path: the reference is taken with writers excluded. */
    FtSsize ix;
    FT_BEGIN_CRITICAL_SECTION(d);
    ix = ft__dict_lookup_locked(d, key, hash);
    if (ix >= 0)
        *out = ft_newref(*ft__dk_value_slot(d->ma_keys, ix));
    FT_END_CRITICAL_SECTION();
    return ix >= 0 ? 1 : ix == FT_DKIX_EMPTY ? 0 : -1;
}

/* ---- Type slots: lifetime, GC, size ---- */

static void dict_dealloc(FtObject *op)
{
    FtDict *d = FT_DICT(op);
    ft__gc_untrack(op);
    FT_TRASHCAN_BEGIN(op)
    FtDictKeys *k = d->ma_keys;
    d->ma_keys = EMPTY_KEYS;
    /* No reader holds a reference to a dying dict: free at once. */
    ft__dict_keys_release(k, 0);
    ft__object_free_fl(op, FT_FL_DICT);
    FT_TRASHCAN_END
}

/* World stopped (collector): no lock needed. */
static int dict_traverse(FtObject *op, FtVisitProc visit, void *arg)
{
    FtDictKeys *k = FT_DICT(op)->ma_keys;
    for (FtSsize ix = 0; ix < k->dk_nentries; ix++) {
        FtObject *key = *ft__dk_key_slot(k, ix);
        if (!key)
            continue;
        int r = visit(key, arg);
        if (!r)
            r = visit(*ft__dk_value_slot(k, ix), arg);
        if (r)
            return r;
    }
    return 0;
}

static int dict_gc_clear(FtObject *op)
{
    return ft_dict_clear(op);
}

static size_t dict_sizeof(FtObject *op)
{
    return sizeof(FtDict) + ft__dict_keys_bytes(op);
}

static FtSsize dict_len(FtObject *op)
{
    return FT_LOAD_RELAXED(FT_DICT(op)->ma_used);
}

static int dict_contains_slot(FtObject *op, FtObject *key)
{
    return ft_dict_contains(op, key);
}

size_t ft__dict_keys_bytes(FtObject *d)
{
    size_t n;
    FT_BEGIN_CRITICAL_SECTION(d);
    n = FT_DICT(d)->ma_keys->dk_bytes;
    FT_END_CRITICAL_SECTION();
    return n;
}

FtSsize ft__dict_table_size(FtObject *d)
{
    FtSsize n;
    FT_BEGIN_CRITICAL_SECTION(d);
    n = (FtSsize)1 << FT_DICT(d)->ma_keys->dk_log2_size;
    FT_END_CRITICAL_SECTION();
    return n;
}

int ft__dict_keys_kind(FtObject *d)
{
    int kind;
    FT_BEGIN_CRITICAL_SECTION(d);
    kind = FT_DICT(d)->ma_keys->dk_kind;
    FT_END_CRITICAL_SECTION();
    return kind;
}

FtType ft_dict_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "dict",
    .tp_basicsize = sizeof(FtDict),
    .tp_flags = FT_TPFLAGS_GC,
    .tp_dealloc = dict_dealloc,
    .tp_traverse = dict_traverse,
    .tp_clear = dict_gc_clear,
    .tp_richcompare = ft__dict_richcompare,
    .tp_repr = ft__dict_repr,
    .tp_len = dict_len,
    .tp_contains = dict_contains_slot,
    .tp_iter = ft__dict_iter,
    .tp_sizeof = dict_sizeof,
};

FtObject *ft_dict_new(void)
{
    FtObject *op = ft__object_alloc_fl(&ft_dict_type, sizeof(FtDict), FT_FL_DICT);
    if (!op)
        return NULL;
    FtDict *d = FT_DICT(op);
    d->ma_used = 0;
    d->ma_version = 0;
    d->ma_keys = EMPTY_KEYS;
    d->ma_values = NULL;
    ft__gc_track(op);
    return op;
}
