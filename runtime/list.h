/* runtime/list.h: the list object's layout and the helpers its files share
 * (internal; runtime/list.c, list_slice.c, list_sort.c, iter.c).
 *
 * Layout (docs/layouts.md "list"): a 56-byte object pointing at a separate
 * item block. The block carries its own capacity so that a lock-free reader
 * holding only the items pointer can bound its index:
 *
 *   FtListObject (56)                  FtListArray (8 + 8 * allocated)
 *   0   FtObject header (32)           0  allocated
 *   32  ob_size                        8  items[0] ... items[allocated - 1]
 *   40  ob_item  ------------------------> (points at items[0])
 *   48  allocated
 *
 * Concurrency (docs/concurrency.md "list"; the protocol is in list.c):
 *   - every writer holds the list's critical section;
 *   - ob_size and item slots are written with FT_STORE_* and read lock-free
 *     with FT_LOAD_*; ob_item is stored with release, loaded with acquire;
 *   - `allocated` is written under the lock (FT_STORE_RELAXED) and is -1
 *     while ft_list_sort has taken the items out of the list;
 *   - slots in [ob_size, allocated) are NULL.
 */
#ifndef FT_RUNTIME_LIST_H
#define FT_RUNTIME_LIST_H

#include "runtime/internal.h"
#include <stddef.h>

typedef struct FtListArray {
    FtSsize allocated;          /* immutable once the block is published */
    FtObject *items[];
} FtListArray;

typedef struct FtListObject {
    FtVarObject ob_base;        /* ob_size: written under the lock (ATOMIC) */
    FtObject **ob_item;         /* NULL or &block->items[0] (ATOMIC) */
    FtSsize allocated;          /* written under the lock (ATOMIC) */
} FtListObject;

#define FT_LIST(op) ((FtListObject *)(op))
#define FT_LIST_SIZE(l) FT_LOAD_RELAXED((l)->ob_base.ob_size)

static inline FtListArray *ft__list_array_of(FtObject **items)
{
    return (FtListArray *)(void *)((char *)items - offsetof(FtListArray, items));
}

/* 0 if op is a list (or subclass), else -1 with FT_ERR_TYPE. */
int ft__list_check(FtObject *op, const char *func);

/* A new empty list with room for exactly `cap` items (not yet tracked: the
 * caller fills it and calls ft__list_finish). */
FtListObject *ft__list_alloc(FtSsize cap);
/* Track a list built by ft__list_alloc and return it as an object. */
FtObject *ft__list_finish(FtListObject *l);
/* A list made of n new references (stolen, also on failure), exact
 * capacity. *items is freed by the caller. */
FtObject *ft__list_from_stolen(FtObject **items, FtSsize n);

/* Lock-free item read: a new reference to the item at index i (0 <= i),
 * or NULL with no error set when i is out of range. Never invents an item:
 * what it returns was stored at some index of the list at some point. */
FtObject *ft__list_get_item_ref(FtObject *op, FtSsize i);

/* Writer helpers; the caller holds the list's critical section. */
void ft__list_write_begin_locked(FtListObject *l);
void ft__list_store_locked(FtListObject *l, FtSsize i, FtObject *item);
/* Publish a block with room for at least newsize items, or return 0
 * after noticing the list changed while allocating (the caller re-checks
 * its condition in a loop); -1 with FT_ERR_MEMORY. May let other threads
 * in (it allocates). */
int ft__list_grow_locked(FtListObject *l, FtSsize newsize);
/* Give back memory after items were removed (best effort, never fails). */
void ft__list_shrink_locked(FtListObject *l);
/* Mark items so that non-owners may try-incref them and their memory is
 * reclaimed through QSBR (done for every item stored in a shared list). */
void ft__list_share_items(FtObject *const *items, FtSsize n);
/* Free a detached item block: through QSBR when the list is shared. */
void ft__list_free_items(FtObject **items, int shared);

/* Snapshot of the items as new references (see ft__seq_snapshot). */
int ft__list_snapshot(FtObject *op, FtObject ***items, FtSsize *n);

#endif /* FT_RUNTIME_LIST_H */
