/* runtime/weakvaluedict.c: the weak-value dictionary (ftrt/class.h).
 *
 * A dict mapping each key to a callback-less weak reference to its value
 * (the shared one, ft_weakref_new(value, NULL, NULL)). Entries whose value
 * has died are purged lazily, with no callbacks: a get that finds a dead
 * reference removes that entry, and len() first purges every dead entry,
 * so an entry is observably gone as soon as its value has died. (Callbacks
 * would need to reach the dictionary from the value's dealloc, possibly on
 * another thread after the dictionary itself died; lazy purging needs no
 * such back pointer.) Sets purge too when the dict has grown past twice the
 * size seen at the last purge, so dead entries cannot pile up unboundedly.
 *
 * Thread safety: the inner dict does its own locking (lookups lock-free);
 * writers (set, purge) take the weak-value dictionary's critical section so
 * that "remove the entry only if it still holds this dead reference" is
 * atomic with respect to other writers. That section can be suspended
 * (ft_dict_set_item allocates; taking the inner dict's lock may park), so
 * the final "still this dead reference?" check and the delete are done
 * together inside the inner dict's own critical section
 * (remove_if_same_locked), where nothing can suspend them.
 */
#include "runtime/internal.h"
#include "runtime/init.h"
#include "alloc/alloc.h"
#include "gc/gc.h"
#include "threads/lock.h"
#include "runtime/dict_impl.h"
#include "refcount/refcount.h"

typedef struct FtWeakValueDict {
    FtObject ob_base;
    FtObject *dict;            /* key -> weakref; immutable after creation */
    FtSsize purge_at;          /* purge on set when len exceeds this (lock) */
} FtWeakValueDict;

static int wvd_traverse(FtObject *op, FtVisitProc visit, void *arg)
{
    FT_VISIT(((FtWeakValueDict *)op)->dict);
    return 0;
}

static int wvd_clear(FtObject *op)
{
    FT_CLEAR(((FtWeakValueDict *)op)->dict);
    return 0;
}

static void wvd_dealloc(FtObject *op)
{
    ft__gc_untrack(op);
    wvd_clear(op);
    ft__object_free(op);
}

static FtType ft_weakvaluedict_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "WeakValueDictionary",
    .tp_basicsize = sizeof(FtWeakValueDict),
    .tp_flags = FT_TPFLAGS_GC,
    .tp_base = &ft_object_type,
    .tp_dealloc = wvd_dealloc,
    .tp_traverse = wvd_traverse,
    .tp_clear = wvd_clear,
};

static FtWeakValueDict *as_wvd(FtObject *op)
{
    if (op->ob_type != &ft_weakvaluedict_type) {
        ft_error_set(FT_ERR_TYPE, "expected a WeakValueDictionary, got '%s'",
                     op->ob_type->tp_name);
        return NULL;
    }
    return (FtWeakValueDict *)op;
}

FtObject *ft_weakvaluedict_new(void)
{
    FtObject *d = ft_dict_new();
    if (!d)
        return NULL;
    FtWeakValueDict *w = (FtWeakValueDict *)ft__object_alloc(
        &ft_weakvaluedict_type, sizeof(FtWeakValueDict));
    if (!w) {
        ft_decref(d);
        return NULL;
    }
    w->dict = d;
    w->purge_at = 8;
    ft__gc_track(&w->ob_base);
    return &w->ob_base;
}

/* Remove key if it still maps to wr (a dead reference). Caller holds the
 * wvd's critical section.
 *
 * The check and the delete run together in the inner dict's critical
 * section, with nothing in between that can suspend it (a locked lookup of
 * a str key calls no user code; the delete neither allocates nor blocks).
 * Checking under the wvd's section alone is not enough: taking the inner
 * dict's lock may park, parking suspends the wvd's section, and a set() of
 * a new, live value for the same key can then slip in between the check
 * and the delete, which removed the live entry. (Bug found by
 * stress_weakref/wvd_race: "get of own key with a live value returned
 * nothing"; the old code was lookup + ft_dict_del_item.) */
static void remove_if_same_locked(FtWeakValueDict *w, FtObject *key, FtObject *wr)
{
    int64_t hash = ft__dict_key_hash(key);
    if (hash == -1) {
        ft_error_clear();       /* keys in the dict are hashable */
        return;
    }
    FtDict *d = FT_DICT(w->dict);
    FtObject *k_out = NULL, *v_out = NULL;
    FtSsize ix;
    FT_BEGIN_CRITICAL_SECTION(w->dict);
    /* A non-owner writes: the dict must be shared (dict_ops.c's rule). */
    if (!ft__is_owned_by_me(w->dict))
        ft__dict_ensure_shared_locked(d);
    ix = ft__dict_lookup_locked(d, key, hash);
    if (ix >= 0 && *ft__dk_value_slot(d->ma_keys, ix) == wr)
        ft__dict_delete_locked(d, ix, hash, &k_out, &v_out);
    FT_END_CRITICAL_SECTION();
    if (ix == FT_DKIX_ERROR)
        ft_error_clear();
    ft_xdecref(k_out);          /* outside the dict's lock: may free */
    ft_xdecref(v_out);
}

/* Purge every dead entry. Collects the dead keys first (a snapshot of the
 * items), then removes each if unchanged. -1 only on allocation failure. */
static int purge(FtWeakValueDict *w)
{
    FtObject *items = ft_dict_items(w->dict);
    if (!items)
        return -1;
    FtSsize n = ft_len(items);
    FT_BEGIN_CRITICAL_SECTION(&w->ob_base);
    for (FtSsize i = 0; i < n; i++) {
        FtObject *pair = ft_list_get_item(items, i);
        if (!pair)
            break;
        FtObject *key = ft_tuple_borrow_item(pair, 0);
        FtObject *wr = ft_tuple_borrow_item(pair, 1);
        FtObject *v = ft_weakref_get(wr);
        if (v)
            ft_decref(v);
        else
            remove_if_same_locked(w, key, wr);
        ft_decref(pair);
    }
    FtSsize len = ft_len(w->dict);
    w->purge_at = len < 4 ? 8 : 2 * len;
    FT_END_CRITICAL_SECTION();
    ft_decref(items);
    return 0;
}

int ft_weakvaluedict_set(FtObject *wd, FtObject *key, FtObject *value)
{
    FT_NONNULL(-1, wd, key, value);
    FtWeakValueDict *w = as_wvd(wd);
    if (!w)
        return -1;
    FtObject *wr = ft_weakref_new(value, NULL, NULL);
    if (!wr)
        return -1;
    int rc;
    FtSsize len;
    FT_BEGIN_CRITICAL_SECTION(wd);
    rc = ft_dict_set_item(w->dict, key, wr);
    len = ft_len(w->dict);
    len = len > w->purge_at ? len : -1;
    FT_END_CRITICAL_SECTION();
    ft_decref(wr);
    if (rc == 0 && len >= 0 && purge(w) < 0)
        ft_error_clear();   /* purging is an optimisation; keep the entry */
    return rc;
}

FtObject *ft_weakvaluedict_get(FtObject *wd, FtObject *key)
{
    FT_NONNULL(NULL, wd, key);
    FtWeakValueDict *w = as_wvd(wd);
    if (!w)
        return NULL;
    FtObject *wr = NULL;
    int rc = ft_dict_lookup(w->dict, key, &wr);
    if (rc <= 0)
        return NULL;        /* missing: NULL, no error; -1: error set */
    FtObject *v = ft_weakref_get(wr);
    if (!v) {
        FT_BEGIN_CRITICAL_SECTION(wd);
        remove_if_same_locked(w, key, wr);
        FT_END_CRITICAL_SECTION();
    }
    ft_decref(wr);
    return v;
}

FtSsize ft_weakvaluedict_len(FtObject *wd)
{
    FT_NONNULL(-1, wd);
    FtWeakValueDict *w = as_wvd(wd);
    if (!w)
        return -1;
    if (purge(w) < 0)
        return -1;
    return ft_len(w->dict);
}

int ft__weakvaluedict_init(void)
{
    return ft__type_ready(&ft_weakvaluedict_type);
}
