/* runtime/list.c: the list type: storage, growth, item operations.
 *
 * Slices live in runtime/list_slice.c, sorting in runtime/list_sort.c,
 * iteration in runtime/iter.c; the layout is in runtime/list.h.
 *
 * Growth follows CPython's list_resize: appending one at a time from empty
 * changes the capacity at sizes 1, 5, 9, 17, 25, ... to 4, 8, 16, 24, 32,
 * ... (new = (n + n/8 + 6) & ~3); a list built at a known size (ft_list_new,
 * copy, concat, repeat) has exactly that capacity; removing items below
 * half the capacity reallocates smaller.
 *
 * ---- Concurrency protocol (docs/concurrency.md "list") ----
 * 1. Writers hold the list's critical section for the whole operation.
 *    Anything inside it that allocates may suspend the section (another
 *    thread may then run a writer), so every writer allocates first, in a
 *    loop that re-reads the list after each allocation, and only then
 *    moves items, with no allocation or decref in between. References
 *    dropped by a writer are released after the section ends (a decref can
 *    run arbitrary deallocators).
 * 2. Readers (item read, iteration, len, contains, index, count) take no
 *    lock: load ob_size, then ob_item (acquire), bound the index by the
 *    block's own capacity, load the slot (acquire), try-incref the item and
 *    re-check that slot and ob_item are unchanged; on any failure they take
 *    the lock and read under it.
 * 3. Sharing: the first access by a thread that does not own the list
 *    (reading or writing) takes the lock and marks the list shared
 *    (FT_GC_SHARED), after marking every item (maybe-weakref + shared). From
 *    then on every stored item is marked too, and a replaced item block is
 *    freed through QSBR, so a lock-free reader that loaded an old pointer
 *    (to a block or an item) finds memory that is not reused until it
 *    passes a safepoint: its try-incref on a dead item fails cleanly.
 *    Readers never pass a safepoint between loading a pointer and the
 *    re-check. A list only its owner touches frees old blocks at once.
 * 4. Slots in [ob_size, allocated) are NULL, so a reader with a stale size
 *    finds NULL (and falls back to the lock) rather than an old pointer.
 *
 * Callers: any attached thread, through the API in ftrt/container.h.
 */
#include "runtime/internal.h"
#include "runtime/list.h"
#include "runtime/seq.h"
#include "runtime/trashcan.h"
#include "runtime/init.h"
#include "alloc/alloc.h"
#include "threads/lock.h"
#include "refcount/refcount.h"
#include "gc/gc.h"

/* ---- Item blocks ---- */

static FtObject **items_alloc(FtSsize cap)
{
    if (cap < 0 || (size_t)cap > (SIZE_MAX - sizeof(FtListArray))
                                  / sizeof(FtObject *) / 2) {
        ft_error_set(FT_ERR_MEMORY, "list too large (%td items)", cap);
        return NULL;
    }
    FtListArray *a = ft_mem_alloc(sizeof(FtListArray)
                                  + (size_t)cap * sizeof(FtObject *));
    if (!a)
        return NULL;
    a->allocated = cap;
    return a->items;
}

/* A block never published needs no QSBR. */
static void items_discard(FtObject **items)
{
    ft_mem_free(ft__list_array_of(items));
}

void ft__list_free_items(FtObject **items, int shared)
{
    if (!items)
        return;
    if (shared)
        ft__free_delayed(ft__list_array_of(items));
    else
        ft_mem_free(ft__list_array_of(items));
}

/* ---- Sharing ---- */

/* An item a non-owner may try-incref: let it (maybe-weakref) and have its
 * memory reclaimed through QSBR (shared). */
static void share_item(FtObject *item)
{
    if (item && !ft_is_immortal(item)) {
        ft__set_maybe_weakref(item);
        ft__object_mark_shared(item);
    }
}

void ft__list_share_items(FtObject *const *items, FtSsize n)
{
    for (FtSsize i = 0; i < n; i++)
        share_item(items[i]);
}

static void share_locked(FtListObject *l)
{
    FtObject *op = (FtObject *)l;
    if (ft__object_is_shared(op))
        return;
    ft__list_share_items(l->ob_item, l->ob_base.ob_size);
    /* Items first: a reader that sees the list shared and then an unmarked
     * item only fails its try-incref and takes the lock. */
    ft__object_mark_shared(op);
}

void ft__list_write_begin_locked(FtListObject *l)
{
    if (!ft__is_owned_by_me((FtObject *)l))
        share_locked(l);
}

void ft__list_store_locked(FtListObject *l, FtSsize i, FtObject *item)
{
    if (ft__object_is_shared((FtObject *)l))
        share_item(item);
    /* release: the item's contents happen before a reader's acquire load
     * of the slot (get_item_ref) dereferences it. */
    FT_STORE_RELEASE(l->ob_item[i], item);
}

/* Move n item pointers within the block (memmove order, slot by slot).
 * Release stores, not ft__ptr_move's relaxed ones: a lock-free reader that
 * loads a moved item from its new slot (acquire) must be ordered after the
 * item's construction, and the move is the store it reads from. The chain
 * creator -> release store of the original slot -> this writer (through
 * the lock) only reaches the reader if this store is a release too (a
 * relaxed store by a third thread starts no release sequence). Found by
 * stress_containers/list_mixed under TSan (a reader of a shifted item raced
 * with the item's allocation). Free on x86; keeps C11 honest elsewhere. */
static void move_items_locked(FtObject **dst, FtObject **src, FtSsize n)
{
    if (dst < src) {
        for (FtSsize i = 0; i < n; i++)
            FT_STORE_RELEASE(dst[i], FT_LOAD_RELAXED(src[i]));
    } else if (dst > src) {
        for (FtSsize i = n; i-- > 0;)
            FT_STORE_RELEASE(dst[i], FT_LOAD_RELAXED(src[i]));
    }
}

static void set_size(FtListObject *l, FtSsize n)
{
    FT_STORE_RELAXED(l->ob_base.ob_size, n);
}

/* Install a new block (or NULL); the old one is freed after. */
static void publish_locked(FtListObject *l, FtObject **items, FtSsize cap)
{
    FtObject **old = l->ob_item;
    /* release: the block's capacity and copied slots happen before a
     * reader's acquire load of ob_item. */
    FT_STORE_RELEASE(l->ob_item, items);
    FT_STORE_RELAXED(l->allocated, cap);
    ft__list_free_items(old, ft__object_is_shared((FtObject *)l));
}

/* ---- Growth ---- */

int ft__list_grow_locked(FtListObject *l, FtSsize newsize)
{
    FtSsize n = l->ob_base.ob_size, cap = l->allocated;
    FtObject **old = l->ob_item;
    FT_ASSERT(newsize > cap && newsize >= n);
    size_t na = ((size_t)newsize + ((size_t)newsize >> 3) + 6) & ~(size_t)3;
    if (newsize - n > (FtSsize)(na - (size_t)newsize))
        na = ((size_t)newsize + 3) & ~(size_t)3;
    if (na > (size_t)FT_SSIZE_MAX) {
        ft_error_set(FT_ERR_MEMORY, "list too large");
        return -1;
    }
    /* A block never published (the list is not SHARED: no other thread
     * has read it, and none can before taking the lock we hold) grows in
     * place when mimalloc's block already has the room: no copy, and no
     * allocation, so no safepoint and no other writer in between. */
    if (old && cap > 0 && !ft__object_is_shared((FtObject *)l)
        && na <= (SIZE_MAX - sizeof(FtListArray)) / sizeof(FtObject *) / 2
        && ft__mem_expand(ft__list_array_of(old), sizeof(FtListArray)
                                                   + na * sizeof(FtObject *))) {
        ft__list_array_of(old)->allocated = (FtSsize)na;
        memset(old + cap, 0, (na - (size_t)cap) * sizeof(FtObject *));
        FT_STORE_RELAXED(l->allocated, (FtSsize)na);
        return 0;
    }
    FtObject **items = items_alloc((FtSsize)na);
    if (!items)
        return -1;
    /* The allocation may have let another writer in: start over if it
     * changed anything we copy. */
    if (l->ob_item != old || l->ob_base.ob_size != n || l->allocated != cap) {
        items_discard(items);
        return 0;
    }
    if (n > 0)
        memcpy(items, old, (size_t)n * sizeof(FtObject *));
    memset(items + n, 0, (na - (size_t)n) * sizeof(FtObject *));
    publish_locked(l, items, (FtSsize)na);
    return 0;
}

void ft__list_shrink_locked(FtListObject *l)
{
    FtSsize n = l->ob_base.ob_size, cap = l->allocated;
    FtObject **old = l->ob_item;
    if (cap < 0 || n >= (cap >> 1))
        return;
    if (n == 0) {
        publish_locked(l, NULL, 0);
        return;
    }
    size_t na = ((size_t)n + ((size_t)n >> 3) + 6) & ~(size_t)3;
    if ((FtSsize)na >= cap)
        return;
    /* Best effort: an allocation failure keeps the bigger block, and must
     * not leave an error behind for a call that succeeded. */
    FtErrorState saved;
    ft_error_fetch(&saved);
    FtObject **items = items_alloc((FtSsize)na);
    ft_error_restore(&saved);
    if (!items)
        return;
    if (l->ob_item != old || l->ob_base.ob_size != n || l->allocated != cap) {
        items_discard(items);
        return;
    }
    memcpy(items, old, (size_t)n * sizeof(FtObject *));
    memset(items + n, 0, (na - (size_t)n) * sizeof(FtObject *));
    publish_locked(l, items, (FtSsize)na);
}

/* ---- Construction and destruction ---- */

int ft__list_check(FtObject *op, const char *func)
{
    if (op && ft_isinstance(op, &ft_list_type))
        return 0;
    ft_error_set(FT_ERR_TYPE, "%s: expected a list, got %s", func,
                 op ? ft_type_name(ft_type_of(op)) : "NULL");
    return -1;
}

FtListObject *ft__list_alloc(FtSsize cap)
{
    FtListObject *l = (FtListObject *)ft__object_alloc_fl(
        &ft_list_type, sizeof(FtListObject), FT_FL_LIST);
    if (!l)
        return NULL;
    l->ob_base.ob_size = 0;
    l->ob_item = NULL;
    l->allocated = 0;
    if (cap > 0) {
        FtObject **items = items_alloc(cap);
        if (!items) {
            ft_decref((FtObject *)l);
            return NULL;
        }
        memset(items, 0, (size_t)cap * sizeof(FtObject *));
        l->ob_item = items;
        l->allocated = cap;
    }
    return l;
}

FtObject *ft__list_finish(FtListObject *l)
{
    ft__gc_track((FtObject *)l);
    return (FtObject *)l;
}

FtObject *ft__list_from_stolen(FtObject **items, FtSsize n)
{
    FtListObject *l = ft__list_alloc(n);
    if (!l) {
        for (FtSsize i = 0; i < n; i++)
            ft_decref(items[i]);
        return NULL;
    }
    if (n > 0)
        memcpy(l->ob_item, items, (size_t)n * sizeof(FtObject *));
    l->ob_base.ob_size = n;
    return ft__list_finish(l);
}

FtObject *ft_list_new(FtSsize n)
{
    if (n < 0) {
        ft_error_set(FT_ERR_VALUE, "ft_list_new: negative size %td", n);
        return NULL;
    }
    FtListObject *l = ft__list_alloc(n);
    if (!l)
        return NULL;
    for (FtSsize i = 0; i < n; i++)
        l->ob_item[i] = FT_NONE;      /* immortal: no count to take */
    l->ob_base.ob_size = n;
    return ft__list_finish(l);
}

FtObject *ft_list_from_array(FtObject *const *items, FtSsize n)
{
    if (n < 0) {
        ft_error_set(FT_ERR_VALUE, "ft_list_from_array: bad arguments");
        return NULL;
    }
    if (n > 0) {
        FT_NONNULL(NULL, items);
        for (FtSsize i = 0; i < n; i++)
            FT_NONNULL(NULL, items[i]);
    }
    FtListObject *l = ft__list_alloc(n);
    if (!l)
        return NULL;
    for (FtSsize i = 0; i < n; i++)
        l->ob_item[i] = ft_newref(items[i]);
    l->ob_base.ob_size = n;
    return ft__list_finish(l);
}

static void list_dealloc(FtObject *op)
{
    FtListObject *l = FT_LIST(op);
    ft__gc_untrack(op);
    FT_TRASHCAN_BEGIN(op)
    /* Nobody else holds a reference, so no reader can be in the block:
     * it is freed at once even if the list was shared. */
    FtObject **items = l->ob_item;
    if (items) {
        for (FtSsize i = l->ob_base.ob_size; i-- > 0;)
            ft_xdecref(items[i]);
        items_discard(items);
    }
    ft__object_free_fl(op, FT_FL_LIST);
    FT_TRASHCAN_END
}

static int list_traverse(FtObject *op, FtVisitProc visit, void *arg)
{
    FtListObject *l = FT_LIST(op);
    FtObject **items = l->ob_item;
    for (FtSsize i = 0, n = FT_LIST_SIZE(l); items && i < n; i++) {
        FtObject *item = items[i];
        if (item) {
            int r = visit(item, arg);
            if (r)
                return r;
        }
    }
    return 0;
}

/* ---- Reads (lock-free; protocol point 2) ---- */

static FtObject *get_item_locked_path(FtListObject *l, FtSsize i)
{
    FtObject *item = NULL;
    FT_BEGIN_CRITICAL_SECTION(l);
    if (!ft__is_owned_by_me((FtObject *)l))
        share_locked(l);
    if ((size_t)i < (size_t)l->ob_base.ob_size)
        item = ft_newref(l->ob_item[i]);
    FT_END_CRITICAL_SECTION();
    return item;
}

FtObject *ft__list_get_item_ref(FtObject *op, FtSsize i)
{
    FtListObject *l = FT_LIST(op);
    if (!ft__is_owned_by_me(op) && !ft__object_is_shared(op))
        return get_item_locked_path(l, i);   /* first touch: share */
    if ((size_t)i >= (size_t)FT_LIST_SIZE(l))
        return NULL;
    /* acquire: pairs with the release in publish_locked, so the block's
     * capacity and copied slots are visible. */
    FtObject **items = FT_LOAD_ACQUIRE(l->ob_item);
    if (!items || (size_t)i >= (size_t)ft__list_array_of(items)->allocated)
        return NULL;
    /* acquire: pairs with the release in ft__list_store_locked. */
    FtObject *item = FT_LOAD_ACQUIRE(items[i]);
    if (!item || !ft__try_incref(item))
        return get_item_locked_path(l, i);
    if (FT_LOAD_RELAXED(items[i]) != item
        || FT_LOAD_RELAXED(l->ob_item) != items) {
        ft_decref(item);
        return get_item_locked_path(l, i);
    }
    return item;
}

FtObject *ft_list_get_item(FtObject *op, FtSsize i)
{
    FT_NONNULL(NULL, op);
    if (ft__list_check(op, "ft_list_get_item") < 0)
        return NULL;
    if (i < 0)
        i += FT_LIST_SIZE(FT_LIST(op));
    FtObject *item = i >= 0 ? ft__list_get_item_ref(op, i) : NULL;
    if (!item)
        ft_error_set(FT_ERR_INDEX, "list index out of range");
    return item;
}

static FtSsize list_len(FtObject *op)
{
    return FT_LIST_SIZE(FT_LIST(op));
}

FtSsize ft_list_capacity(FtObject *op)
{
    FT_NONNULL(-1, op);
    if (ft__list_check(op, "ft_list_capacity") < 0)
        return -1;
    return FT_LOAD_RELAXED(FT_LIST(op)->allocated);
}

static size_t list_sizeof(FtObject *op)
{
    FtSsize cap = FT_LOAD_RELAXED(FT_LIST(op)->allocated);
    return ft_type_of(op)->tp_basicsize
           + (size_t)(cap > 0 ? cap : 0) * sizeof(FtObject *);
}

/* Lock-free scan: index of the first item equal to `item` in [0, n) of the
 * live list, -1 if none, -2 on error. */
static FtSsize find(FtObject *op, FtObject *item, FtSsize *count)
{
    FtSsize found = -1;
    for (FtSsize i = 0;; i++) {
        FtObject *x = ft__list_get_item_ref(op, i);
        if (!x)
            break;
        int eq = ft_compare_bool(x, item, FT_EQ);
        ft_decref(x);
        if (eq < 0)
            return -2;
        if (eq) {
            if (!count)
                return i;
            if (found < 0)
                found = i;
            (*count)++;
        }
    }
    return found;
}

static int list_contains(FtObject *op, FtObject *item)
{
    FtSsize i = find(op, item, NULL);
    return i == -2 ? -1 : i >= 0;
}

FtSsize ft_list_index(FtObject *op, FtObject *item)
{
    FT_NONNULL(-1, op, item);
    if (ft__list_check(op, "ft_list_index") < 0)
        return -1;
    FtSsize i = find(op, item, NULL);
    if (i == -1)
        ft_error_set(FT_ERR_VALUE, "list.index(x): x not in list");
    return i < 0 ? -1 : i;
}

FtSsize ft_list_count(FtObject *op, FtObject *item)
{
    FT_NONNULL(-1, op, item);
    if (ft__list_check(op, "ft_list_count") < 0)
        return -1;
    FtSsize count = 0;
    return find(op, item, &count) == -2 ? -1 : count;
}

/* ---- Single-item writers (protocol point 1) ---- */

int ft_list_append(FtObject *op, FtObject *item)
{
    FT_NONNULL(-1, op, item);
    if (ft__list_check(op, "ft_list_append") < 0)
        return -1;
    FtListObject *l = FT_LIST(op);
    int rc = 0;
    ft_incref(item);
    FT_BEGIN_CRITICAL_SECTION(op);
    ft__list_write_begin_locked(l);
    for (;;) {
        FtSsize n = l->ob_base.ob_size;
        if (n < l->allocated) {
            ft__list_store_locked(l, n, item);
            set_size(l, n + 1);
            break;
        }
        if (ft__list_grow_locked(l, n + 1) < 0) {
            rc = -1;
            break;
        }
    }
    FT_END_CRITICAL_SECTION();
    if (rc < 0)
        ft_decref(item);
    return rc;
}

int ft_list_insert(FtObject *op, FtSsize i, FtObject *item)
{
    FT_NONNULL(-1, op, item);
    if (ft__list_check(op, "ft_list_insert") < 0)
        return -1;
    FtListObject *l = FT_LIST(op);
    int rc = 0;
    ft_incref(item);
    FT_BEGIN_CRITICAL_SECTION(op);
    ft__list_write_begin_locked(l);
    while (l->ob_base.ob_size >= l->allocated) {
        if (ft__list_grow_locked(l, l->ob_base.ob_size + 1) < 0) {
            rc = -1;
            break;
        }
    }
    if (rc == 0) {
        FtSsize n = l->ob_base.ob_size, at = i;
        if (at < 0) {
            at += n;
            if (at < 0)
                at = 0;
        }
        if (at > n)
            at = n;
        move_items_locked(l->ob_item + at + 1, l->ob_item + at, n - at);
        ft__list_store_locked(l, at, item);
        set_size(l, n + 1);
    }
    FT_END_CRITICAL_SECTION();
    if (rc < 0)
        ft_decref(item);
    return rc;
}

/* Remove the item at i (0 <= i < size) and return the list's reference. */
static FtObject *remove_at_locked(FtListObject *l, FtSsize i)
{
    FtSsize n = l->ob_base.ob_size;
    FtObject *item = l->ob_item[i];
    move_items_locked(l->ob_item + i, l->ob_item + i + 1, n - i - 1);
    FT_STORE_RELAXED(l->ob_item[n - 1], NULL);
    set_size(l, n - 1);
    ft__list_shrink_locked(l);
    return item;
}

/* Resolve a Python index against the current size: -1 if out of range. */
static FtSsize index_locked(FtListObject *l, FtSsize i)
{
    FtSsize n = l->ob_base.ob_size;
    if (i < 0)
        i += n;
    return (i >= 0 && i < n) ? i : -1;
}

FtObject *ft_list_pop(FtObject *op, FtSsize i)
{
    FT_NONNULL(NULL, op);
    if (ft__list_check(op, "ft_list_pop") < 0)
        return NULL;
    FtListObject *l = FT_LIST(op);
    FtObject *item = NULL;
    FT_BEGIN_CRITICAL_SECTION(op);
    ft__list_write_begin_locked(l);
    FtSsize at = index_locked(l, i);
    if (l->ob_base.ob_size == 0)
        ft_error_set(FT_ERR_INDEX, "pop from empty list");
    else if (at < 0)
        ft_error_set(FT_ERR_INDEX, "pop index out of range");
    else
        item = remove_at_locked(l, at);
    FT_END_CRITICAL_SECTION();
    return item;
}

int ft_list_try_pop(FtObject *op, FtSsize i, FtObject **out)
{
    if (out)
        *out = NULL;
    FT_NONNULL(-1, op, out);
    if (ft__list_check(op, "ft_list_try_pop") < 0)
        return -1;
    FtListObject *l = FT_LIST(op);
    int r = 1;
    FT_BEGIN_CRITICAL_SECTION(op);
    ft__list_write_begin_locked(l);
    FtSsize at = index_locked(l, i);
    if (l->ob_base.ob_size == 0)
        r = 0;
    else if (at < 0)
        r = -1;
    else
        *out = remove_at_locked(l, at);
    FT_END_CRITICAL_SECTION();
    if (r < 0)
        ft_error_set(FT_ERR_INDEX, "pop index out of range");
    return r;
}

int ft_list_del_item(FtObject *op, FtSsize i)
{
    FT_NONNULL(-1, op);
    FtObject *item = ft_list_pop(op, i);
    if (!item) {
        if (ft_error_kind() == FT_ERR_INDEX)
            ft_error_set(FT_ERR_INDEX, "list assignment index out of range");
        return -1;
    }
    ft_decref(item);
    return 0;
}

int ft_list_set_item(FtObject *op, FtSsize i, FtObject *item)
{
    FT_NONNULL(-1, op, item);
    if (ft__list_check(op, "ft_list_set_item") < 0)
        return -1;
    FtListObject *l = FT_LIST(op);
    FtObject *old = NULL;
    ft_incref(item);
    FT_BEGIN_CRITICAL_SECTION(op);
    ft__list_write_begin_locked(l);
    FtSsize at = index_locked(l, i);
    if (at >= 0) {
        old = l->ob_item[at];
        ft__list_store_locked(l, at, item);
    }
    FT_END_CRITICAL_SECTION();
    if (!old) {
        ft_decref(item);
        ft_error_set(FT_ERR_INDEX, "list assignment index out of range");
        return -1;
    }
    ft_decref(old);
    return 0;
}

int ft_list_remove(FtObject *op, FtObject *item)
{
    FT_NONNULL(-1, op, item);
    if (ft__list_check(op, "ft_list_remove") < 0)
        return -1;
    FtListObject *l = FT_LIST(op);
    for (;;) {
        /* Compare without the lock (comparisons run arbitrary code), then
         * remove only if the slot still holds what compared equal. */
        FtSsize i = find(op, item, NULL);
        if (i == -2)
            return -1;
        if (i == -1) {
            ft_error_set(FT_ERR_VALUE, "list.remove(x): x not in list");
            return -1;
        }
        FtObject *x = ft__list_get_item_ref(op, i);
        FtObject *removed = NULL;
        FT_BEGIN_CRITICAL_SECTION(op);
        ft__list_write_begin_locked(l);
        if (x && i < l->ob_base.ob_size && l->ob_item[i] == x)
            removed = remove_at_locked(l, i);
        FT_END_CRITICAL_SECTION();
        ft_xdecref(x);
        if (removed) {
            ft_decref(removed);
            return 0;
        }
    }
}

/* ---- Whole-list writers ---- */

static void clear_impl(FtListObject *l)
{
    FtObject **items;
    FtSsize n;
    int shared;
    FT_BEGIN_CRITICAL_SECTION(l);
    ft__list_write_begin_locked(l);
    items = l->ob_item;
    n = l->ob_base.ob_size;
    shared = ft__object_is_shared((FtObject *)l);
    FT_STORE_RELEASE(l->ob_item, NULL);
    FT_STORE_RELAXED(l->allocated, 0);
    set_size(l, 0);
    FT_END_CRITICAL_SECTION();
    /* The block is detached: drop the references it holds, then free it
     * (through QSBR if readers may still be in it). */
    for (FtSsize i = n; i-- > 0;)
        ft_xdecref(items[i]);
    ft__list_free_items(items, shared);
}

int ft_list_clear(FtObject *op)
{
    FT_NONNULL(-1, op);
    if (ft__list_check(op, "ft_list_clear") < 0)
        return -1;
    clear_impl(FT_LIST(op));
    return 0;
}

static int list_tp_clear(FtObject *op)
{
    clear_impl(FT_LIST(op));
    return 0;
}

int ft_list_extend(FtObject *op, FtObject *iterable)
{
    FT_NONNULL(-1, op, iterable);
    if (ft__list_check(op, "ft_list_extend") < 0)
        return -1;
    FtListObject *l = FT_LIST(op);
    FtObject **src;
    FtSsize m;
    int rc = 0;
    if (ft__seq_snapshot(iterable, &src, &m) < 0)
        return -1;
    if (m == 0)
        return 0;
    FT_BEGIN_CRITICAL_SECTION(op);
    ft__list_write_begin_locked(l);
    while (l->ob_base.ob_size + m > l->allocated) {
        if (ft__list_grow_locked(l, l->ob_base.ob_size + m) < 0) {
            rc = -1;
            break;
        }
    }
    if (rc == 0) {
        FtSsize n = l->ob_base.ob_size;
        for (FtSsize i = 0; i < m; i++)
            ft__list_store_locked(l, n + i, src[i]);   /* steals */
        set_size(l, n + m);
    }
    FT_END_CRITICAL_SECTION();
    if (rc == 0)
        ft_mem_free(src);
    else
        ft__seq_snapshot_free(src, m);
    return rc;
}

int ft_list_reverse(FtObject *op)
{
    FT_NONNULL(-1, op);
    if (ft__list_check(op, "ft_list_reverse") < 0)
        return -1;
    FtListObject *l = FT_LIST(op);
    FT_BEGIN_CRITICAL_SECTION(op);
    ft__list_write_begin_locked(l);
    FtObject **it = l->ob_item;
    for (FtSsize lo = 0, hi = l->ob_base.ob_size - 1; lo < hi; lo++, hi--) {
        FtObject *t = it[lo];
        /* release: as in move_items_locked (readers of the new slot). */
        FT_STORE_RELEASE(it[lo], it[hi]);
        FT_STORE_RELEASE(it[hi], t);
    }
    FT_END_CRITICAL_SECTION();
    return 0;
}

int ft__list_snapshot(FtObject *op, FtObject ***out, FtSsize *nout)
{
    FtListObject *l = FT_LIST(op);
    FtObject **buf = NULL;
    FtSsize bufcap = 0, n;
    for (;;) {
        int done = 0;
        FT_BEGIN_CRITICAL_SECTION(op);
        n = l->ob_base.ob_size;
        if (n <= bufcap) {
            for (FtSsize i = 0; i < n; i++)
                buf[i] = ft_newref(l->ob_item[i]);
            done = 1;
        }
        FT_END_CRITICAL_SECTION();
        if (done)
            break;
        /* Allocate outside the lock and try again with the new size. */
        ft_mem_free(buf);
        buf = ft_mem_alloc((size_t)n * sizeof(FtObject *));
        if (!buf)
            return -1;
        bufcap = n;
    }
    if (n == 0) {
        ft_mem_free(buf);
        buf = NULL;
    }
    *out = buf;
    *nout = n;
    return 0;
}

/* ---- New lists from old ones ---- */

FtObject *ft_list_copy(FtObject *op)
{
    FT_NONNULL(NULL, op);
    if (ft__list_check(op, "ft_list_copy") < 0)
        return NULL;
    FtObject **items;
    FtSsize n;
    if (ft__list_snapshot(op, &items, &n) < 0)
        return NULL;
    FtObject *res = ft__list_from_stolen(items, n);
    ft_mem_free(items);
    return res;
}

FtObject *ft_list_concat(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    if (ft__list_check(a, "ft_list_concat") < 0
        || ft__list_check(b, "ft_list_concat") < 0)
        return NULL;
    FtObject **ia, **ib, *res = NULL;
    FtSsize na, nb;
    if (ft__list_snapshot(a, &ia, &na) < 0)
        return NULL;
    if (ft__list_snapshot(b, &ib, &nb) < 0) {
        ft__seq_snapshot_free(ia, na);
        return NULL;
    }
    FtListObject *l = ft__list_alloc(na + nb);
    if (l) {
        if (na)
            memcpy(l->ob_item, ia, (size_t)na * sizeof(FtObject *));
        if (nb)
            memcpy(l->ob_item + na, ib, (size_t)nb * sizeof(FtObject *));
        l->ob_base.ob_size = na + nb;
        res = ft__list_finish(l);
        ft_mem_free(ia);
        ft_mem_free(ib);
    } else {
        ft__seq_snapshot_free(ia, na);
        ft__seq_snapshot_free(ib, nb);
    }
    return res;
}

FtObject *ft_list_repeat(FtObject *op, FtSsize times)
{
    FT_NONNULL(NULL, op);
    if (ft__list_check(op, "ft_list_repeat") < 0)
        return NULL;
    FtObject **items;
    FtSsize n;
    if (ft__list_snapshot(op, &items, &n) < 0)
        return NULL;
    if (times < 0 || n == 0)
        times = 0;
    if (times > 0 && n > FT_SSIZE_MAX / times) {
        ft__seq_snapshot_free(items, n);
        ft_error_set(FT_ERR_MEMORY, "repeated list is too long");
        return NULL;
    }
    FtListObject *l = ft__list_alloc(n * times);
    if (l) {
        FtObject **dst = l->ob_item;
        for (FtSsize k = 0; k < times; k++)
            for (FtSsize i = 0; i < n; i++)
                *dst++ = ft_newref(items[i]);
        l->ob_base.ob_size = n * times;
    }
    ft__seq_snapshot_free(items, n);
    return l ? ft__list_finish(l) : NULL;
}

/* ---- Protocol slots ---- */

static FtObject *list_repr(FtObject *op)
{
    FtObject **items;
    FtSsize n;
    if (ft__list_snapshot(op, &items, &n) < 0)
        return NULL;
    FtObject *r = ft__seq_repr(op, items, n, "[", "]", 0);
    ft__seq_snapshot_free(items, n);
    return r;
}

static FtObject *list_richcompare(FtObject *a, FtObject *b, FtCompareOp op)
{
    if (!ft_isinstance(b, &ft_list_type))
        return NULL;    /* NULL, no error: Python's NotImplemented (runtime/object.c) */
    FtObject **ia, **ib, *res = NULL;
    FtSsize na, nb;
    if (ft__list_snapshot(a, &ia, &na) < 0)
        return NULL;
    if (ft__list_snapshot(b, &ib, &nb) == 0) {
        res = ft__seq_richcompare(ia, na, ib, nb, op);
        ft__seq_snapshot_free(ib, nb);
    }
    ft__seq_snapshot_free(ia, na);
    return res;
}

FtType ft_list_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "list",
    .tp_basicsize = sizeof(FtListObject),
    .tp_itemsize = 0,
    .tp_flags = FT_TPFLAGS_GC | FT_TPFLAGS_BASETYPE | FT_TPFLAGS_LIST_SUBCLASS,
    .tp_base = &ft_object_type,
    .tp_dealloc = list_dealloc,
    .tp_traverse = list_traverse,
    .tp_clear = list_tp_clear,
    .tp_hash = NULL,                  /* unhashable */
    .tp_richcompare = list_richcompare,
    .tp_repr = list_repr,
    .tp_len = list_len,
    .tp_contains = list_contains,
    .tp_iter = ft__list_iter,
    .tp_sizeof = list_sizeof,
};
