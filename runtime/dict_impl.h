/* runtime/dict_impl.h: the dict layout and the table operations shared by
 * runtime/dict.c (the table) and runtime/dict_ops.c (the public API built
 * on it) (internal).
 *
 * Layout (docs/layouts.md, "dict"), as CPython 3.12's combined table:
 *
 *   FtDict (64 bytes)            FtDictKeys block (one ft_mem_alloc)
 *   +----------------+           +---------------------------+
 *   | header (32)    |           | header (32)               |
 *   | ma_used        |           | dk_indices[size]          |  int8/16/32/64
 *   | ma_version     |           |   (width by size)         |
 *   | ma_keys  ------+---------> | dk_entries[usable]        |  24 or 16 bytes
 *   | ma_values      |           +---------------------------+
 *   +----------------+
 *
 * size = 2**dk_log2_size slots; usable = size * 2 / 3 entries. An index is
 * FT_DKIX_EMPTY (never used), FT_DKIX_DUMMY (deleted) or an entry number.
 * Entries are appended in insertion order; a deleted entry keeps its place
 * with key and value NULL until the next resize compacts the table.
 *
 * Invariants (the lock-free readers of dict.c depend on each):
 *   I1  Within one keys block, entry number ix only ever holds one key: it
 *       is written once (hash, value, key, then its index with release)
 *       and later only cleared to NULL by a delete. Dummy slots and
 *       deleted entries are never reused; only a resize (a new block)
 *       compacts. So a value read from entry ix belongs to the key read
 *       from entry ix, or the slot is NULL.
 *   I2  ma_keys is replaced (release) only under the dict's lock, by a
 *       resize or a clear; the old block is freed at once if the dict was
 *       never seen by another thread (FT_GC_SHARED clear), else through
 *       QSBR (ft__free_delayed).
 *   I3  Keys and values stored in a shared dict are marked maybe-weakref
 *       and shared (ft__set_maybe_weakref, ft__object_mark_shared) so that a
 *       non-owner may try-incref them and their memory outlives a reader's
 *       grace period; a dict becoming shared marks everything it holds.
 *   I4  The static empty keys block (size 8, usable 0) is never written and
 *       never freed; every empty dict points at it.
 *
 * Field ownership: everything is written under the dict's per-object lock
 * (critical section). ma_used, ma_keys, the indices and the entries' key
 * and value slots are also read without the lock, so they are accessed
 * with FT_LOAD_* / FT_STORE_*, as is ma_version. The rest of the keys
 * header is read only under the lock (or, immutable parts, by readers).
 */
#ifndef FT_RUNTIME_DICT_IMPL_H
#define FT_RUNTIME_DICT_IMPL_H

#include "runtime/internal.h"

#define FT_DICT_LOG_MINSIZE 3
#define FT_DKIX_EMPTY (-1)
#define FT_DKIX_DUMMY (-2)
#define FT_DKIX_ERROR (-3)

/* usable entries of a table of n slots: two thirds. */
#define FT_DICT_USABLE(n) (((n) << 1) / 3)

enum {
    FT_DICT_KEYS_GENERAL = 0,   /* FtDictEntry: hash stored */
    FT_DICT_KEYS_STR = 1,       /* FtDictStrEntry: exact str keys only, hash
                                 * cached in the str */
};

typedef struct FtDictEntry {
    int64_t hash;
    FtObject *key;      /* FT_LOAD/FT_STORE: NULL once deleted */
    FtObject *value;    /* FT_LOAD/FT_STORE: NULL once deleted */
} FtDictEntry;

typedef struct FtDictStrEntry {
    FtObject *key;
    FtObject *value;
} FtDictStrEntry;

typedef struct FtDictKeys {
    size_t dk_bytes;            /* size of this block; immutable */
    uint8_t dk_log2_size;       /* immutable */
    uint8_t dk_log2_index_bytes;/* immutable */
    uint8_t dk_kind;            /* FT_DICT_KEYS_*; immutable */
    uint8_t dk_reserved[5];
    FtSsize dk_usable;          /* entries left to append; lock held */
    FtSsize dk_nentries;        /* entries appended; lock held (readers
                                 * of the iteration API hold it too) */
    /* followed by the indices, then the entries */
} FtDictKeys;

typedef struct FtDict {
    FtObject ob_base;
    FtSsize ma_used;            /* live items; FT_STORE under the lock,
                                 * FT_LOAD by len() */
    uint64_t ma_version;        /* bumped by every mutation: FT_STORE_RELEASE
                                 * under the lock, FT_LOAD_ACQUIRE by readers */
    FtDictKeys *ma_keys;        /* FT_STORE_RELEASE under the lock,
                                 * FT_LOAD_ACQUIRE by readers (I2) */
    void *ma_values;            /* split-table values in CPython; always
                                 * NULL here (kept for the layout) */
} FtDict;

_Static_assert(sizeof(FtDictKeys) == 32, "dict keys header is 32 bytes");
_Static_assert(sizeof(FtDict) == 64, "dict object is 64 bytes");
_Static_assert(sizeof(FtDictEntry) == 24, "dict entry is 24 bytes");
_Static_assert(sizeof(FtDictStrEntry) == 16, "str-key dict entry is 16 bytes");

#define FT_DICT(op) ((FtDict *)(op))

/* ---- Table operations (runtime/dict.c) ----
 * "_locked" functions need the dict's critical section; they may compare
 * keys (user code) or allocate, so they re-validate what they cached and
 * may briefly let other writers in (their results are still consistent). */

/* Lock-free lookup with a precomputed hash: 1 (*out new ref), 0 missing,
 * -1 error. Falls back to the lock when it cannot read safely. */
int ft__dict_lookup_hash(FtObject *d, FtObject *key, int64_t hash, FtObject **out);
/* Locked lookup: entry index, FT_DKIX_EMPTY, or FT_DKIX_ERROR. */
FtSsize ft__dict_lookup_locked(FtDict *d, FtObject *key, int64_t hash);
/* Insert, or replace when `replace` is set. Returns 0 after inserting or
 * replacing (*old: the previous value, a reference the caller drops after
 * leaving the lock; NULL if the key was new), 1 if the key was present and
 * !replace (*old: a new reference to its value, nothing changed), -1 on
 * error (dict unchanged). */
int ft__dict_insert_locked(FtDict *d, FtObject *key, int64_t hash,
                           FtObject *value, FtObject **old, int replace);
/* Store value (a new reference is taken) in entry ix (from
 * ft__dict_lookup_locked in this block, no call in between); returns the
 * old value, a reference the caller drops after leaving the lock. */
FtObject *ft__dict_replace_locked(FtDict *d, FtSsize ix, FtObject *value);
/* Remove entry ix (from ft__dict_lookup_locked in this block, no call in
 * between): its key and value references go to *key_out / *value_out. */
void ft__dict_delete_locked(FtDict *d, FtSsize ix, int64_t hash,
                            FtObject **key_out, FtObject **value_out);
/* Detach the table (the dict becomes empty); the caller drops the old
 * block's references with ft__dict_keys_release after leaving the lock. */
FtDictKeys *ft__dict_detach_locked(FtDict *d);
void ft__dict_keys_release(FtDictKeys *keys, int shared);
/* Grow to hold at least n items without resizing; an empty dict gets a
 * table of `kind`. 0 / -1. */
int ft__dict_reserve_locked(FtDict *d, FtSsize n, int kind);
/* A non-owner is about to write: mark the dict shared (lock held). */
void ft__dict_ensure_shared_locked(FtDict *d);
/* Hash of a key (str: the cached hash): -1 + FT_ERR_TYPE if unhashable. */
int64_t ft__dict_key_hash(FtObject *key);

/* Entry accessors (the block must be alive: lock held, or a reader's
 * grace period). */
static inline int8_t *ft__dk_indices(FtDictKeys *k) { return (int8_t *)(k + 1); }
static inline char *ft__dk_entries(FtDictKeys *k)
{
    return (char *)ft__dk_indices(k) + ((size_t)1 << k->dk_log2_index_bytes);
}
static inline FtObject **ft__dk_key_slot(FtDictKeys *k, FtSsize ix)
{
    if (k->dk_kind == FT_DICT_KEYS_STR)
        return &((FtDictStrEntry *)ft__dk_entries(k))[ix].key;
    return &((FtDictEntry *)ft__dk_entries(k))[ix].key;
}
static inline FtObject **ft__dk_value_slot(FtDictKeys *k, FtSsize ix)
{
    if (k->dk_kind == FT_DICT_KEYS_STR)
        return &((FtDictStrEntry *)ft__dk_entries(k))[ix].value;
    return &((FtDictEntry *)ft__dk_entries(k))[ix].value;
}

/* ---- For tests (growth tables, layouts) ---- */
/* Bytes of the dict's keys block (0 for the shared empty block). */
size_t ft__dict_keys_bytes(FtObject *d);
/* Slots of the index table (8 for the shared empty block). */
FtSsize ft__dict_table_size(FtObject *d);
/* FT_DICT_KEYS_* of the current table. */
int ft__dict_keys_kind(FtObject *d);

/* ---- dict_atomic.c ---- */
/* get_or_insert calls that waited for another thread's factory (tests). */
extern _Atomic uint64_t ft__dict_factory_waits;

/* ---- dict_ops.c: slots of ft_dict_type ---- */
extern FtType ft__dict_iter_type;
FtObject *ft__dict_richcompare(FtObject *a, FtObject *b, FtCompareOp op);
FtObject *ft__dict_repr(FtObject *op);
FtObject *ft__dict_iter(FtObject *op);

#endif /* FT_RUNTIME_DICT_IMPL_H */
