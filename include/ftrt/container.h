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
