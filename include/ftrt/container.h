/* ftrt/container.h: tuple, list, dict, set/frozenset, iteration.
 *
 * Thread safety: every operation is safe to call from any attached thread
 * at any time. Writers take the container's per-object lock; item reads,
 * dict lookups, len() and iteration of list/dict/set read without it
 * (docs/concurrency.md says what a reader may observe).
 *
 * Indices follow Python: negative counts from the end; out of range is
 * FT_ERR_INDEX. Missing keys are FT_ERR_KEY; unhashable keys FT_ERR_TYPE.
 */
#ifndef FTRT_CONTAINER_H
#define FTRT_CONTAINER_H

#include <ftrt/object.h>

FT_API extern FtType ft_tuple_type, ft_list_type, ft_dict_type,
                     ft_set_type, ft_frozenset_type;
static inline int ft_is_tuple(const FtObject *op) { return op->ob_type == &ft_tuple_type; }
static inline int ft_is_list(const FtObject *op) { return op->ob_type == &ft_list_type; }
static inline int ft_is_dict(const FtObject *op) { return op->ob_type == &ft_dict_type; }
static inline int ft_is_anyset(const FtObject *op)
{ return op->ob_type == &ft_set_type || op->ob_type == &ft_frozenset_type; }

/* Length of any sized container (tuple, list, dict, set, str): -1 + error. */
FT_API FtSsize ft_len(FtObject *op);
/* Membership for any container: 1, 0, -1. */
FT_API int ft_contains(FtObject *container, FtObject *item);

/* ---- tuple (immutable; () is an immortal singleton) ---- */
/* A tuple of n NULL slots to fill with ft_tuple_set_item_init before it is
 * shared; a tuple with NULL slots must not escape. */
FT_API FtObject *ft_tuple_new(FtSsize n);
FT_API int ft_tuple_set_item_init(FtObject *t, FtSsize i, FtObject *item); /* steals item */
FT_API FtObject *ft_tuple_pack(FtSsize n, ...);            /* borrows items */
FT_API FtObject *ft_tuple_from_array(FtObject *const *items, FtSsize n);
FT_API FtObject *ft_tuple_get_item(FtObject *t, FtSsize i); /* new reference */
FT_API FtObject *ft_tuple_borrow_item(FtObject *t, FtSsize i); /* borrowed, no check */
FT_API FtObject *ft_tuple_slice(FtObject *t, FtSsize start, FtSsize stop, FtSsize step);
FT_API FtObject *ft_tuple_concat(FtObject *a, FtObject *b);

/* ---- list ---- */
FT_API FtObject *ft_list_new(FtSsize n);     /* n None items, exact capacity */
FT_API FtObject *ft_list_from_array(FtObject *const *items, FtSsize n);
FT_API FtSsize ft_list_capacity(FtObject *l);
FT_API int ft_list_append(FtObject *l, FtObject *item);
FT_API int ft_list_insert(FtObject *l, FtSsize i, FtObject *item);
FT_API FtObject *ft_list_pop(FtObject *l, FtSsize i);       /* i = -1: last */
FT_API FtObject *ft_list_get_item(FtObject *l, FtSsize i);  /* lock-free read */
FT_API int ft_list_set_item(FtObject *l, FtSsize i, FtObject *item);
FT_API int ft_list_del_item(FtObject *l, FtSsize i);
FT_API FtObject *ft_list_get_slice(FtObject *l, FtSsize start, FtSsize stop, FtSsize step);
/* l[start:stop:step] = items (an iterable; NULL deletes). Extended slices
 * need exactly as many items as the slice has. */
FT_API int ft_list_set_slice(FtObject *l, FtSsize start, FtSsize stop, FtSsize step, FtObject *items);
FT_API int ft_list_del_slice(FtObject *l, FtSsize start, FtSsize stop, FtSsize step);
FT_API int ft_list_extend(FtObject *l, FtObject *iterable);
FT_API int ft_list_reverse(FtObject *l);
FT_API FtSsize ft_list_index(FtObject *l, FtObject *item); /* -1 + FT_ERR_VALUE */
FT_API FtSsize ft_list_count(FtObject *l, FtObject *item);
FT_API int ft_list_remove(FtObject *l, FtObject *item);
FT_API int ft_list_clear(FtObject *l);
/* Stable sort. cmp(a, b, arg) returns <0, 0, >0, or FT_CMP_ERROR to abort
 * (the error is then set); cmp NULL uses ft_compare_bool(FT_LT). A list
 * mutated during the sort is detected: FT_ERR_VALUE, contents unspecified
 * but every item kept. */
#define FT_CMP_ERROR INT32_MIN
typedef int (*FtCompareFunc)(FtObject *a, FtObject *b, void *arg);
FT_API int ft_list_sort(FtObject *l, FtCompareFunc cmp, void *arg, int reverse);
FT_API FtObject *ft_list_concat(FtObject *a, FtObject *b);
FT_API FtObject *ft_list_repeat(FtObject *l, FtSsize n);
FT_API FtObject *ft_list_copy(FtObject *l);
/* Pop that tells empty apart from error: 1 popped (*out a new reference),
 * 0 the list was empty (no error set), -1 error (FT_ERR_INDEX: index out of
 * range of a non-empty list). index as ft_list_pop (-1 last, 0 first).
 * Atomic: one critical section on the list. */
FT_API int ft_list_try_pop(FtObject *l, FtSsize index, FtObject **out);

/* ---- dict (insertion ordered) ---- */
FT_API FtObject *ft_dict_new(void);
FT_API int ft_dict_set_item(FtObject *d, FtObject *key, FtObject *value);
FT_API int ft_dict_set_item_cstr(FtObject *d, const char *key, FtObject *value);
/* New reference, or NULL: FT_ERR_KEY if missing (check ft_error_kind). */
FT_API FtObject *ft_dict_get_item(FtObject *d, FtObject *key);
/* 1 found (*out new ref), 0 missing (no error), -1 error. Lock-free. */
FT_API int ft_dict_lookup(FtObject *d, FtObject *key, FtObject **out);
FT_API int ft_dict_del_item(FtObject *d, FtObject *key);
FT_API int ft_dict_contains(FtObject *d, FtObject *key);
FT_API FtObject *ft_dict_pop(FtObject *d, FtObject *key, FtObject *dflt);
FT_API FtObject *ft_dict_setdefault(FtObject *d, FtObject *key, FtObject *dflt);
FT_API int ft_dict_update(FtObject *d, FtObject *other);   /* dict or iterable of pairs */
FT_API FtObject *ft_dict_copy(FtObject *d);
FT_API int ft_dict_clear(FtObject *d);
FT_API FtObject *ft_dict_keys(FtObject *d);    /* list snapshot */
FT_API FtObject *ft_dict_values(FtObject *d);  /* list snapshot */
FT_API FtObject *ft_dict_items(FtObject *d);   /* list of 2-tuples */
/* Iteration in insertion order without an iterator object: *pos starts at
 * 0. Returns 1 with new references in *key and *value (either pointer may be NULL),
 * 0 at the end, -1 if the dict changed size since *pos was 0 (FT_ERR_RUNTIME). */
FT_API int ft_dict_next(FtObject *d, FtSsize *pos, FtObject **key, FtObject **value);

/* ---- atomic dict updates (docs/concurrency.md, "Atomic dict updates") ----
 * Each runs under the dict's per-object lock and is linearizable: it acts
 * on the entry's value at one instant, and no other writer's change to the
 * dict falls between its read and its write. The lock alone does not give
 * that across a callback (an allocation may reach a safepoint that
 * suspends the lock, e.g. for a stop-the-world), so each says how it
 * re-validates. Callbacks run in the calling thread with the dict's lock
 * held (possibly suspended): they MAY allocate, create objects, read other
 * containers and set an error; they MUST NOT write the same dict (an
 * update_item whose fn writes the dict retries forever; a get_or_insert
 * factory's write may be overwritten or win), and should not block (a blocking region or a wait for another thread delays
 * every writer of the dict, and suspends the lock; atomicity then still
 * holds by the re-validation, at the cost of a retry). Keys as in
 * ft_dict_set_item (hash and __eq__ may run; unhashable: FT_ERR_TYPE).
 * A NULL d, key, callback or required result pointer: -1 with
 * FT_ERR_STATE "NULL object passed to ft_dict_xxx" (include/ftrt.h); the
 * documented NULLs (expected/value of compare_and_set, an optional result)
 * keep their meaning. */

/* Get-or-insert: if key present, *result = its value (new ref), return 1;
 * else call factory(arg) under the dict's lock, insert its result (a new
 * reference the function consumes), *result = new ref to it, return 0.
 * -1 + error (factory returned NULL with error, OOM, unhashable).
 * The factory runs at most once per missing key: a concurrent
 * get_or_insert of the same key waits (detached) for the running factory
 * and then returns the inserted value (1); if that factory failed, the
 * waiter runs its own. If a plain ft_dict_set_item
 * stores the key while the factory runs, the stored value wins (1) and the
 * factory's object is released. A factory that calls get_or_insert on the
 * same dict and key fails with FT_ERR_RUNTIME. */
FT_API int ft_dict_get_or_insert(FtObject *d, FtObject *key,
                                 FtObject *(*factory)(void *arg), void *arg,
                                 FtObject **result);
/* Read-modify-write under the dict's lock. fn(old, arg): old is the
 * current value (borrowed for the call) or NULL if missing; fn returns a
 * NEW reference to store, or NULL with no error set to delete the entry (or
 * leave it missing), or NULL with an error set to abort (dict unchanged).
 * result (may be NULL): new ref to the stored value, NULL if deleted.
 * Returns 0 ok, -1 error. fn must not touch the dict itself.
 * Atomicity: if another writer changed the dict while fn ran (its lock was
 * suspended), fn's result is released and fn called again with the then
 * current value; so fn may run more than once and must have no effect
 * beyond its result (its result must depend only on old and arg). The
 * stored value is fn of the value the entry held just before the store. */
typedef FtObject *(*FtDictUpdateFunc)(FtObject *old, void *arg);
FT_API int ft_dict_update_item(FtObject *d, FtObject *key, FtDictUpdateFunc fn,
                               void *arg, FtObject **result);
/* Compare-and-set by identity: if the current value is `expected` (NULL =
 * key absent), store value (NULL = delete; absent and expected NULL: done,
 * nothing to delete). 1 done, 0 not (value differed), -1 error. The
 * identity test and the store are one atomic step. */
FT_API int ft_dict_compare_and_set(FtObject *d, FtObject *key,
                                   FtObject *expected, FtObject *value);
/* Delete key if its value is `expected` (non-NULL): 1 deleted, 0 not (absent
 * or another value), -1 error. */
FT_API int ft_dict_compare_and_delete(FtObject *d, FtObject *key, FtObject *expected);
/* Atomic integer add (INCRBY): missing key counts as 0; the value must be
 * an int or bool (else FT_ERR_TYPE, dict unchanged). *result (may be NULL)
 * = new ref to the new int. An ft_dict_update_item with a built-in fn:
 * never loses an increment. */
FT_API int ft_dict_add_int(FtObject *d, FtObject *key, int64_t delta, FtObject **result);

/* ---- set / frozenset ---- */
FT_API FtObject *ft_set_new(FtObject *iterable);        /* NULL: empty */
FT_API FtObject *ft_frozenset_new(FtObject *iterable);
FT_API int ft_set_add(FtObject *s, FtObject *key);
FT_API int ft_set_discard(FtObject *s, FtObject *key);   /* 1 removed, 0 absent */
FT_API int ft_set_remove(FtObject *s, FtObject *key);    /* FT_ERR_KEY if absent */
FT_API int ft_set_contains(FtObject *s, FtObject *key);
FT_API FtObject *ft_set_pop(FtObject *s);
FT_API int ft_set_clear(FtObject *s);
FT_API FtObject *ft_set_copy(FtObject *s);
FT_API FtObject *ft_set_union(FtObject *a, FtObject *b);
FT_API FtObject *ft_set_intersection(FtObject *a, FtObject *b);
FT_API FtObject *ft_set_difference(FtObject *a, FtObject *b);
FT_API FtObject *ft_set_symmetric_difference(FtObject *a, FtObject *b);
FT_API int ft_set_issubset(FtObject *a, FtObject *b);
FT_API int ft_set_issuperset(FtObject *a, FtObject *b);
FT_API int ft_set_isdisjoint(FtObject *a, FtObject *b);
FT_API FtSsize ft_set_table_size(FtObject *s);          /* slots, for the growth table */

/* ---- iteration (any iterable: tuple, list, dict keys, set, str) ---- */
FT_API FtObject *ft_iter(FtObject *iterable);
/* Next item (new reference), or NULL: at the end with no error set, or with
 * the error set (e.g. FT_ERR_RUNTIME: dict/set changed size during
 * iteration). A list iterator never invents items, even under concurrent
 * mutation: each item it returns was in the list at some point. */
FT_API FtObject *ft_iter_next(FtObject *iter);

#endif /* FTRT_CONTAINER_H */
