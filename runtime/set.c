/* runtime/set.c: set and frozenset, CPython's open-addressing hash table.
 *
 * Layout (docs/layouts.md, "set"): FtSet is 216 bytes, CPython's 200-byte
 * PySetObject plus its 16-byte GC head, with our 32-byte header in place of
 * both heads. A table of mask + 1 entries {key, hash}; the first 8 live
 * inside the object (smalltable). An entry is
 *   empty   key NULL, hash 0 (never used since the last resize)
 *   dummy   key == &dummy, hash -1 (deleted; never reused until a resize)
 *   active  any other key, with its hash
 * Probing: 9 linear probes, then CPython's perturbed 5*i + 1 recurrence.
 * Growth: when an insertion would make fill * 5 >= mask * 3, the table is
 * rebuilt with the smallest power of two > 4 * used (2 * used past 50,000),
 * so from empty it grows to 32 slots at the 5th element, 128 at the 19th,
 * 512 at the 77th, 2048 at the 307th...
 *
 * Concurrency (docs/concurrency.md, "set"): every operation on a mutable
 * set runs in the set's critical section, including membership tests: set
 * tables reuse and move entries in place (resizes into the same smalltable,
 * pop/discard leave dummies a resize then moves), so a lock-free reader
 * could not tell a moved entry from a missing one without the dict's
 * append-only discipline; locking keeps the table simple and dense. Only
 * len() reads without the lock (used is stored atomically). A frozenset is
 * never mutated once its constructor returns, so its lookups, iteration and
 * hash take no lock at all. As a consequence set tables need no QSBR: no
 * reader outside the lock ever holds a table pointer.
 *
 * Re-validation: a key comparison (user code) or an allocation can let
 * another writer in (the critical section is suspended); set_lookkey
 * restarts when the table or the compared entry changed, and set_resize
 * gives up (the caller restarts) when the set changed while it allocated.
 */
#include "runtime/internal.h"
#include "runtime/seq.h"
#include "runtime/trashcan.h"
#include "runtime/init.h"
#include "alloc/alloc.h"
#include "gc/gc.h"
#include "threads/lock.h"

#define SET_MINSIZE 8
#define LINEAR_PROBES 9
#define PERTURB_SHIFT 5

typedef struct FtSetEntry {
    FtObject *key;
    int64_t hash;
} FtSetEntry;

typedef struct FtSet {
    FtObject ob_base;
    FtSsize fill;               /* active + dummy; lock held */
    FtSsize used;               /* active; FT_STORE under the lock, FT_LOAD by len */
    FtSsize mask;               /* slots - 1; lock held */
    FtSetEntry *table;          /* smalltable or ft_mem_alloc'd; lock held */
    int64_t hash;               /* frozenset: cached hash or -1 (relaxed
                                 * atomic: racing threads store the same);
                                 * set: always -1 */
    FtSsize finger;             /* where pop() searches next; lock held */
    FtSetEntry smalltable[SET_MINSIZE];
    FtObject *weakreflist;      /* unused (sets take no weak refs yet) */
} FtSet;

_Static_assert(sizeof(FtSet) == 216, "set object is 216 bytes, as CPython's with its GC head");

#define SO(op) ((FtSet *)(op))

/* The dummy key: an address nothing else has; never counted or compared. */
static FtObject dummy_key;
#define DUMMY (&dummy_key)

static inline int is_frozen(FtObject *op)
{
    return op->ob_type == &ft_frozenset_type;
}

static inline int active(const FtSetEntry *e)
{
    return e->key != NULL && e->key != DUMMY;
}

/* (str caches its hash: the slot returns it without recomputing.) */
static inline int64_t key_hash(FtObject *key)
{
    return ft_hash(key);
}

/* ---- Probing (lock held, or a published frozenset) ---- */

/* The active entry holding key, or the empty entry where it would go; NULL
 * on a comparison error. */
static FtSetEntry *set_lookkey(FtSet *so, FtObject *key, int64_t hash)
{
    int key_is_str = ft_is_str(key);
restart:;
    FtSetEntry *table = so->table;
    size_t mask = (size_t)so->mask, perturb = (size_t)hash;
    size_t i = (size_t)hash & mask;
    for (;;) {
        FtSetEntry *e = &table[i];
        size_t probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
        do {
            if (e->key == NULL)
                return e;       /* empty (dummies hold DUMMY) */
            if (e->hash == hash) {
                FtObject *startkey = e->key;
                if (startkey == key)
                    return e;
                if (key_is_str && ft_is_str(startkey)) {
                    if (ft_str_equal(startkey, key))
                        return e;
                } else {
                    ft_incref(startkey);
                    int cmp = ft_compare_bool(startkey, key, FT_EQ);
                    ft_decref(startkey);
                    if (cmp < 0)
                        return NULL;
                    if (table != so->table || e->key != startkey)
                        goto restart;   /* the comparison let a writer in */
                    if (cmp > 0)
                        return e;
                }
            }
            e++;
        } while (probes--);
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + 1 + perturb) & mask;
    }
}

/* Insert a key known to be absent into a table without dummies. */
static void insert_clean(FtSetEntry *table, size_t mask, FtObject *key, int64_t hash)
{
    size_t perturb = (size_t)hash, i = (size_t)hash & mask;
    FtSetEntry *e = &table[i];
    while (e->key != NULL) {
        size_t probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
        while (probes-- && e->key != NULL)
            e++;
        if (e->key == NULL)
            break;
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + 1 + perturb) & mask;
        e = &table[i];
    }
    e->key = key;
    e->hash = hash;
}

/* Rebuild the table with the smallest power of two > minused slots (at
 * least 8). 0 done; 1 the set changed while we allocated (nothing done, the
 * caller restarts); -1 error (set unchanged). */
static int set_resize(FtSet *so, FtSsize minused)
{
    size_t newsize = SET_MINSIZE;
    while (newsize <= (size_t)minused) {
        if (newsize > ((size_t)1 << 40)) {
            ft_error_set(FT_ERR_MEMORY, "set too large");
            return -1;
        }
        newsize <<= 1;
    }
    FtSetEntry *oldtable = so->table, *newtable;
    FtSetEntry small_copy[SET_MINSIZE];
    FtSsize oldused = so->used;
    size_t oldmask = (size_t)so->mask;
    if (newsize == SET_MINSIZE) {
        if (oldtable == so->smalltable) {
            memcpy(small_copy, so->smalltable, sizeof(small_copy));
            oldtable = small_copy;
        }
        newtable = so->smalltable;
        memset(newtable, 0, sizeof(so->smalltable));
    } else {
        newtable = ft_mem_calloc(newsize, sizeof(FtSetEntry));
        if (!newtable)
            return -1;
        if (so->table != oldtable || so->used != oldused) {
            ft_mem_free(newtable);      /* the allocation let a writer in */
            return 1;
        }
        oldmask = (size_t)so->mask;
    }
    for (size_t i = 0; i <= oldmask; i++)
        if (active(&oldtable[i]))
            insert_clean(newtable, newsize - 1, oldtable[i].key, oldtable[i].hash);
    so->table = newtable;
    so->mask = (FtSsize)newsize - 1;
    so->fill = so->used;
    if (oldtable != small_copy && oldtable != so->smalltable)
        ft_mem_free(oldtable);
    return 0;
}

/* 0 added, 1 already present, -1 error (set unchanged). */
static int set_add_locked(FtSet *so, FtObject *key, int64_t hash)
{
    for (;;) {
        FtSetEntry *e = set_lookkey(so, key, hash);
        if (!e)
            return -1;
        if (e->key)
            return 1;
        if ((size_t)(so->fill + 1) * 5 >= (size_t)so->mask * 3) {
            FtSsize n = so->used + 1;
            if (set_resize(so, n > 50000 ? n * 2 : n * 4) < 0)
                return -1;
            continue;           /* look again in the new table */
        }
        e->key = ft_newref(key);
        e->hash = hash;
        so->fill++;
        FT_STORE_RELAXED(so->used, so->used + 1);
        return 0;
    }
}

/* 1 removed (its reference in *old, dropped by the caller after the lock),
 * 0 absent, -1 error. */
static int set_discard_locked(FtSet *so, FtObject *key, int64_t hash, FtObject **old)
{
    *old = NULL;
    FtSetEntry *e = set_lookkey(so, key, hash);
    if (!e)
        return -1;
    if (!e->key)
        return 0;
    *old = e->key;
    e->key = DUMMY;
    e->hash = -1;
    FT_STORE_RELAXED(so->used, so->used - 1);
    return 1;
}

/* ---- Snapshots: entries with new references, read under the lock ---- */

typedef struct Snap {
    FtSetEntry *e;
    FtSsize n;
} Snap;

static void snap_free(Snap *s)
{
    for (FtSsize i = 0; i < s->n; i++)
        ft_decref(s->e[i].key);
    ft_mem_free(s->e);
    s->e = NULL;
    s->n = 0;
}

static void snap_fill(FtSet *so, Snap *s)
{
    FtSsize j = 0;
    for (FtSsize i = 0; i <= so->mask; i++)
        if (active(&so->table[i]))
            s->e[j++] = (FtSetEntry){ ft_newref(so->table[i].key), so->table[i].hash };
    FT_ASSERT(j == s->n);
}

static int set_snapshot(FtObject *op, Snap *s)
{
    FtSet *so = SO(op);
    for (;;) {
        FtSsize n = FT_LOAD_RELAXED(so->used);
        s->e = ft_mem_alloc((size_t)(n ? n : 1) * sizeof(FtSetEntry));
        if (!s->e)
            return -1;
        s->n = n;
        int ok = 1;
        if (is_frozen(op)) {
            snap_fill(so, s);
        } else {
            FT_BEGIN_CRITICAL_SECTION(op);
            ok = so->used == n;
            if (ok)
                snap_fill(so, s);
            FT_END_CRITICAL_SECTION();
        }
        if (ok)
            return 0;
        ft_mem_free(s->e);
    }
}

/* Any iterable as a snapshot of (key, hash) pairs; sets keep their hashes. */
static int iter_snapshot(FtObject *iterable, Snap *s)
{
    if (ft_is_anyset(iterable))
        return set_snapshot(iterable, s);
    FtObject **items;
    FtSsize n;
    if (ft__seq_snapshot(iterable, &items, &n) < 0)
        return -1;
    s->e = ft_mem_alloc((size_t)(n ? n : 1) * sizeof(FtSetEntry));
    s->n = 0;
    for (FtSsize i = 0; s->e && i < n; i++) {
        int64_t h = key_hash(items[i]);
        if (h == -1)
            break;
        s->e[i] = (FtSetEntry){ ft_newref(items[i]), h };
        s->n++;
    }
    ft__seq_snapshot_free(items, n);
    if (s->e && s->n == n)
        return 0;
    snap_free(s);
    return -1;
}

/* ---- Core operations with locking ---- */

static int set_add_entries(FtObject *op, const Snap *s)
{
    FtSet *so = SO(op);
    int r = 0;
    FT_BEGIN_CRITICAL_SECTION(op);
    /* Presize as CPython's set_merge does for a set source. */
    if ((size_t)(so->fill + s->n) * 5 >= (size_t)so->mask * 3)
        r = set_resize(so, (so->used + s->n) * 2) < 0 ? -1 : 0;
    for (FtSsize i = 0; i < s->n && r >= 0; i++)
        r = set_add_locked(so, s->e[i].key, s->e[i].hash);
    FT_END_CRITICAL_SECTION();
    return r < 0 ? -1 : 0;
}

static int set_update(FtObject *op, FtObject *iterable)
{
    Snap s;
    if (iter_snapshot(iterable, &s) < 0)
        return -1;
    int r = set_add_entries(op, &s);
    snap_free(&s);
    return r;
}

/* 1, 0, -1 with a precomputed hash. */
static int contains_hash(FtObject *op, FtObject *key, int64_t hash)
{
    FtSetEntry *e;
    int r;
    if (is_frozen(op)) {
        e = set_lookkey(SO(op), key, hash);
        return e ? e->key != NULL : -1;
    }
    FT_BEGIN_CRITICAL_SECTION(op);
    e = set_lookkey(SO(op), key, hash);
    r = e ? e->key != NULL : -1;
    FT_END_CRITICAL_SECTION();
    return r;
}

static int discard_hash(FtObject *op, FtObject *key, int64_t hash)
{
    FtObject *old;
    int r;
    FT_BEGIN_CRITICAL_SECTION(op);
    r = set_discard_locked(SO(op), key, hash, &old);
    FT_END_CRITICAL_SECTION();
    ft_xdecref(old);
    return r;
}

static int add_hash(FtObject *op, FtObject *key, int64_t hash)
{
    int r;
    FT_BEGIN_CRITICAL_SECTION(op);
    r = set_add_locked(SO(op), key, hash);
    FT_END_CRITICAL_SECTION();
    return r < 0 ? -1 : 0;
}

/* ---- Construction and lifetime ---- */

static FtObject *set_alloc(FtType *tp)
{
    FtObject *op = ft__object_alloc(tp, sizeof(FtSet));
    if (!op)
        return NULL;
    FtSet *so = SO(op);
    so->fill = so->used = 0;
    so->mask = SET_MINSIZE - 1;
    so->table = so->smalltable;
    so->hash = -1;
    so->finger = 0;
    memset(so->smalltable, 0, sizeof(so->smalltable));
    so->weakreflist = NULL;
    return op;
}

/* A new set or frozenset holding the items of iterable (NULL: empty). */
static FtObject *make_set(FtType *tp, FtObject *iterable)
{
    FtObject *op = set_alloc(tp);
    if (!op)
        return NULL;
    if (iterable && set_update(op, iterable) < 0) {
        ft_decref(op);
        return NULL;
    }
    ft__gc_track(op);
    return op;
}

FtObject *ft_set_new(FtObject *iterable)
{
    return make_set(&ft_set_type, iterable);
}

FtObject *ft_frozenset_new(FtObject *iterable)
{
    return make_set(&ft_frozenset_type, iterable);
}

/* Detach the table and drop every reference (the set becomes empty). */
static void set_clear_internal(FtObject *op)
{
    FtSet *so = SO(op);
    FtSetEntry small_copy[SET_MINSIZE], *table;
    FtSsize mask;
    FT_BEGIN_CRITICAL_SECTION(op);
    table = so->table;
    mask = so->mask;
    if (table == so->smalltable) {
        memcpy(small_copy, so->smalltable, sizeof(small_copy));
        table = small_copy;
    }
    memset(so->smalltable, 0, sizeof(so->smalltable));
    so->table = so->smalltable;
    so->mask = SET_MINSIZE - 1;
    so->fill = 0;
    FT_STORE_RELAXED(so->used, 0);
    FT_END_CRITICAL_SECTION();
    for (FtSsize i = 0; i <= mask; i++)
        if (active(&table[i]))
            ft_decref(table[i].key);
    if (table != small_copy)
        ft_mem_free(table);
}

static void set_dealloc(FtObject *op)
{
    ft__gc_untrack(op);
    FT_TRASHCAN_BEGIN(op)
    FtSet *so = SO(op);
    for (FtSsize i = 0; i <= so->mask; i++)
        if (active(&so->table[i]))
            ft_decref(so->table[i].key);
    if (so->table != so->smalltable)
        ft_mem_free(so->table);
    ft__object_free(op);
    FT_TRASHCAN_END
}

/* World stopped (collector): no lock. */
static int set_traverse(FtObject *op, FtVisitProc visit, void *arg)
{
    FtSet *so = SO(op);
    for (FtSsize i = 0; i <= so->mask; i++)
        if (active(&so->table[i]))
            FT_VISIT(so->table[i].key);
    return 0;
}

static int set_tp_clear(FtObject *op)
{
    set_clear_internal(op);
    return 0;
}

static size_t set_sizeof(FtObject *op)
{
    FtSsize slots = ft_set_table_size(op);
    return sizeof(FtSet) + (slots > SET_MINSIZE ? (size_t)slots * sizeof(FtSetEntry) : 0);
}

static FtSsize set_len(FtObject *op)
{
    return FT_LOAD_RELAXED(SO(op)->used);
}

/* ---- Public API ---- */

static int check_anyset(FtObject *op)
{
    if (!op || !ft_is_anyset(op)) {
        ft_error_set(FT_ERR_TYPE, "expected a set or frozenset, got '%s'",
                     op ? ft_type_name(ft_type_of(op)) : "NULL");
        return -1;
    }
    return 0;
}

static int check_mutable(FtObject *op)
{
    if (!op || op->ob_type != &ft_set_type) {
        ft_error_set(FT_ERR_TYPE, "expected a set, got '%s'",
                     op ? ft_type_name(ft_type_of(op)) : "NULL");
        return -1;
    }
    return 0;
}

int ft_set_add(FtObject *s, FtObject *key)
{
    FT_NONNULL(-1, s, key);
    if (check_mutable(s) < 0)
        return -1;
    int64_t h = key_hash(key);
    return h == -1 ? -1 : add_hash(s, key, h);
}

int ft_set_discard(FtObject *s, FtObject *key)
{
    FT_NONNULL(-1, s, key);
    if (check_mutable(s) < 0)
        return -1;
    int64_t h = key_hash(key);
    return h == -1 ? -1 : discard_hash(s, key, h);
}

int ft_set_remove(FtObject *s, FtObject *key)
{
    FT_NONNULL(-1, s, key);
    int r = ft_set_discard(s, key);
    if (r == 0) {
        FtObject *rep = ft_repr(key);
        const char *txt = rep ? ft_str_as_utf8(rep, NULL) : NULL;
        ft_error_set(FT_ERR_KEY, "%s", txt ? txt : "key not found");
        ft_xdecref(rep);
        return -1;
    }
    return r < 0 ? -1 : 0;
}

int ft_set_contains(FtObject *s, FtObject *key)
{
    FT_NONNULL(-1, s, key);
    if (check_anyset(s) < 0)
        return -1;
    int64_t h = key_hash(key);
    return h == -1 ? -1 : contains_hash(s, key, h);
}

FtObject *ft_set_pop(FtObject *s)
{
    FT_NONNULL(NULL, s);
    if (check_mutable(s) < 0)
        return NULL;
    FtSet *so = SO(s);
    FtObject *key = NULL;
    FT_BEGIN_CRITICAL_SECTION(s);
    if (so->used > 0) {
        FtSsize i = so->finger & so->mask;
        while (!active(&so->table[i]))
            i = (i + 1) & so->mask;
        key = so->table[i].key;         /* the table's reference moves to us */
        so->table[i].key = DUMMY;
        so->table[i].hash = -1;
        FT_STORE_RELAXED(so->used, so->used - 1);
        so->finger = i + 1;
    }
    FT_END_CRITICAL_SECTION();
    if (!key)
        ft_error_set(FT_ERR_KEY, "pop from an empty set");
    return key;
}

int ft_set_clear(FtObject *s)
{
    FT_NONNULL(-1, s);
    if (check_mutable(s) < 0)
        return -1;
    set_clear_internal(s);
    return 0;
}

FtObject *ft_set_copy(FtObject *s)
{
    FT_NONNULL(NULL, s);
    if (check_anyset(s) < 0)
        return NULL;
    if (is_frozen(s))
        return ft_newref(s);    /* immutable: copy() is the object itself */
    return make_set(&ft_set_type, s);
}

FtSsize ft_set_table_size(FtObject *s)
{
    FT_NONNULL(-1, s);
    if (check_anyset(s) < 0)
        return -1;
    FtSsize n;
    FT_BEGIN_CRITICAL_SECTION(s);
    n = SO(s)->mask + 1;
    FT_END_CRITICAL_SECTION();
    return n;
}

/* ---- Algebra ---- */

/* b as a set to test membership in: b itself if it is one, else a new
 * set of its items (a new reference either way). */
static FtObject *as_set(FtObject *b)
{
    return ft_is_anyset(b) ? ft_newref(b) : ft_set_new(b);
}

FtObject *ft_set_union(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    if (check_anyset(a) < 0)
        return NULL;
    FtObject *r = make_set(ft_type_of(a), a);
    if (r && set_update(r, b) < 0)
        FT_CLEAR(r);
    return r;
}

/* Entries of `from` whose membership in `in` equals want, into a new set
 * of type tp. */
static FtObject *filter(FtType *tp, FtObject *from, FtObject *in, int want)
{
    Snap s;
    if (iter_snapshot(from, &s) < 0)
        return NULL;
    FtObject *r = set_alloc(tp);
    for (FtSsize i = 0; r && i < s.n; i++) {
        int c = contains_hash(in, s.e[i].key, s.e[i].hash);
        if (c < 0 || (c == want && add_hash(r, s.e[i].key, s.e[i].hash) < 0))
            FT_CLEAR(r);
    }
    snap_free(&s);
    if (r)
        ft__gc_track(r);
    return r;
}

FtObject *ft_set_intersection(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    if (check_anyset(a) < 0)
        return NULL;
    /* Walk the smaller side when both are sets. */
    if (ft_is_anyset(b) && ft_len(b) >= ft_len(a))
        return filter(ft_type_of(a), a, b, 1);
    return filter(ft_type_of(a), b, a, 1);
}

FtObject *ft_set_difference(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    if (check_anyset(a) < 0)
        return NULL;
    FtObject *bs = as_set(b);
    if (!bs)
        return NULL;
    FtObject *r = filter(ft_type_of(a), a, bs, 0);
    ft_decref(bs);
    return r;
}

FtObject *ft_set_symmetric_difference(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    if (check_anyset(a) < 0)
        return NULL;
    Snap s;
    if (iter_snapshot(b, &s) < 0)
        return NULL;
    /* Work on a mutable set, then convert for a frozenset result. */
    FtObject *r = make_set(&ft_set_type, a);
    for (FtSsize i = 0; r && i < s.n; i++) {
        int d = discard_hash(r, s.e[i].key, s.e[i].hash);
        if (d < 0 || (d == 0 && add_hash(r, s.e[i].key, s.e[i].hash) < 0))
            FT_CLEAR(r);
    }
    snap_free(&s);
    if (r && is_frozen(a)) {
        FtObject *f = ft_frozenset_new(r);
        ft_decref(r);
        r = f;
    }
    return r;
}

/* How the snapshot's size must relate to len(in) for all_in to go on. */
enum { SIZE_EQ, SIZE_LE, SIZE_LT };

/* 1 if every entry of `from` is in `in` (and the snapshot of `from` has the
 * size relation `rel` to len(in)), 0 if not, -1 on error. The size test is
 * decided from the snapshot, never from an earlier len of `from`: a
 * concurrent clear between a len and the snapshot would otherwise compare a
 * size and a content taken at different times. */
static int all_in(FtObject *from, FtObject *in, int rel)
{
    Snap s;
    if (set_snapshot(from, &s) < 0)
        return -1;
    FtSsize lin = ft_len(in);
    int r = 1;
    if ((rel == SIZE_EQ && s.n != lin) || (rel == SIZE_LE && s.n > lin)
        || (rel == SIZE_LT && s.n >= lin))
        r = 0;
    for (FtSsize i = 0; i < s.n && r == 1; i++)
        r = contains_hash(in, s.e[i].key, s.e[i].hash);
    snap_free(&s);
    return r;
}

int ft_set_issubset(FtObject *a, FtObject *b)
{
    FT_NONNULL(-1, a, b);
    if (check_anyset(a) < 0)
        return -1;
    FtObject *bs = as_set(b);
    if (!bs)
        return -1;
    int r = all_in(a, bs, SIZE_LE);
    ft_decref(bs);
    return r;
}

int ft_set_issuperset(FtObject *a, FtObject *b)
{
    FT_NONNULL(-1, a, b);
    if (check_anyset(a) < 0)
        return -1;
    FtObject *bs = as_set(b);
    if (!bs)
        return -1;
    int r = all_in(bs, a, SIZE_LE);
    ft_decref(bs);
    return r;
}

int ft_set_isdisjoint(FtObject *a, FtObject *b)
{
    FT_NONNULL(-1, a, b);
    if (check_anyset(a) < 0)
        return -1;
    FtObject *bs = as_set(b);
    if (!bs)
        return -1;
    Snap s;
    /* Pick the smaller side once: two separate len reads could pick the
     * same set for both roles under a concurrent resize. */
    int a_smaller = ft_len(a) <= ft_len(bs);
    int r = set_snapshot(a_smaller ? a : bs, &s);
    FtObject *other = a_smaller ? bs : a;
    if (r == 0) {
        r = 1;
        for (FtSsize i = 0; i < s.n && r == 1; i++) {
            int c = contains_hash(other, s.e[i].key, s.e[i].hash);
            r = c < 0 ? -1 : !c;
        }
        snap_free(&s);
    }
    ft_decref(bs);
    return r;
}

/* ---- Type slots: compare, hash, repr, iteration ---- */

static FtObject *set_richcompare(FtObject *a, FtObject *b, FtCompareOp op)
{
    if (!ft_is_anyset(a) || !ft_is_anyset(b))
        return NULL;            /* not implemented */
    int r;
    switch (op) {
    case FT_EQ: case FT_NE:
        r = all_in(a, b, SIZE_EQ);
        if (r >= 0 && op == FT_NE)
            r = !r;
        break;
    case FT_LE: r = all_in(a, b, SIZE_LE); break;
    case FT_GE: r = all_in(b, a, SIZE_LE); break;
    case FT_LT: r = all_in(a, b, SIZE_LT); break;
    case FT_GT: r = all_in(b, a, SIZE_LT); break;
    default: return NULL;
    }
    return r < 0 ? NULL : ft_bool_from(r);
}

static uint64_t shuffle_bits(uint64_t h)
{
    return ((h ^ 89869747ULL) ^ (h << 16)) * 3644798167ULL;
}

/* CPython's frozenset hash: order-independent xor of shuffled entry hashes,
 * mixed with the size. Immutable table: no lock. */
static int64_t frozenset_hash(FtObject *op)
{
    FtSet *so = SO(op);
    int64_t cached = FT_LOAD_RELAXED(so->hash);
    if (cached != -1)
        return cached;
    uint64_t h = 0;
    for (FtSsize i = 0; i <= so->mask; i++)
        if (active(&so->table[i]))
            h ^= shuffle_bits((uint64_t)so->table[i].hash);
    h ^= ((uint64_t)so->used + 1) * 1927868237ULL;
    h ^= (h >> 11) ^ (h >> 25);
    h = h * 69069U + 907133923ULL;
    if (h == (uint64_t)-1)
        h = 590923713ULL;
    FT_STORE_RELAXED(so->hash, (int64_t)h);     /* racers store the same */
    return (int64_t)h;
}

static FtObject *set_repr(FtObject *op)
{
    int frozen = is_frozen(op);
    FtReprFrame frame;
    int e = ft__repr_enter(&frame, op);
    if (e != 0)
        return e > 0 ? ft_str_from_format("%s(...)", frozen ? "frozenset" : "set") : NULL;
    Snap s;
    FtObject *res = NULL, *list = NULL, *sep = NULL, *body = NULL;
    if (set_snapshot(op, &s) < 0)
        goto done;
    /* Empty or not is decided from the snapshot (gh-129967): an earlier
     * len() and a concurrent clear would print "{}", a dict's repr. */
    if (s.n == 0) {
        snap_free(&s);
        res = ft_str_from_utf8(frozen ? "frozenset()" : "set()", -1);
        goto done;
    }
    list = ft_list_new(s.n);
    for (FtSsize i = 0; list && i < s.n; i++) {
        FtObject *r = ft_repr(s.e[i].key);
        if (!r || ft_list_set_item(list, i, r) < 0)
            FT_CLEAR(list);
        ft_xdecref(r);
    }
    snap_free(&s);
    sep = list ? ft_str_from_utf8(", ", 2) : NULL;
    body = sep ? ft_str_join(sep, list) : NULL;
    if (body)
        res = ft_str_from_format(frozen ? "frozenset({%s})" : "{%s}",
                                 ft_str_as_utf8(body, NULL));
done:
    ft_xdecref(list);
    ft_xdecref(sep);
    ft_xdecref(body);
    ft__repr_leave(&frame);
    return res;
}

typedef struct FtSetIter {
    FtObject ob_base;
    FtObject *si_set;           /* NULL once exhausted */
    FtSsize si_pos;             /* next table index */
    FtSsize si_used;            /* size at creation */
} FtSetIter;

static FtType set_iter_type;

static FtObject *set_iter(FtObject *op)
{
    FtSetIter *it = (FtSetIter *)ft__object_alloc(&set_iter_type, sizeof(FtSetIter));
    if (!it)
        return NULL;
    it->si_set = ft_newref(op);
    it->si_pos = 0;
    it->si_used = FT_LOAD_RELAXED(SO(op)->used);
    ft__gc_track(&it->ob_base);
    return &it->ob_base;
}

/* Lock held (or a frozenset). NULL: at the end, or size changed (error). */
static FtObject *setiter_step(FtSetIter *it, FtSet *so, int *changed)
{
    if (so->used != it->si_used) {
        *changed = 1;
        return NULL;
    }
    while (it->si_pos <= so->mask && !active(&so->table[it->si_pos]))
        it->si_pos++;
    if (it->si_pos > so->mask)
        return NULL;
    return ft_newref(so->table[it->si_pos++].key);
}

static FtObject *setiter_next(FtObject *op)
{
    FtSetIter *it = (FtSetIter *)op;
    FtObject *s = it->si_set, *key;
    int changed = 0;
    if (!s)
        return NULL;
    if (is_frozen(s)) {
        key = setiter_step(it, SO(s), &changed);
    } else {
        FT_BEGIN_CRITICAL_SECTION(s);
        key = setiter_step(it, SO(s), &changed);
        FT_END_CRITICAL_SECTION();
    }
    if (changed) {
        it->si_used = -1;       /* stays in error, as CPython's */
        ft_error_set(FT_ERR_RUNTIME, "Set changed size during iteration");
    } else if (!key) {
        FT_CLEAR(it->si_set);
    }
    return key;
}

static void setiter_dealloc(FtObject *op)
{
    ft__gc_untrack(op);
    FT_CLEAR(((FtSetIter *)op)->si_set);
    ft__object_free(op);
}

static int setiter_traverse(FtObject *op, FtVisitProc visit, void *arg)
{
    FT_VISIT(((FtSetIter *)op)->si_set);
    return 0;
}

static int setiter_clear(FtObject *op)
{
    FT_CLEAR(((FtSetIter *)op)->si_set);
    return 0;
}

static FtObject *self_iter(FtObject *op)
{
    return ft_newref(op);
}

static int set_contains_slot(FtObject *op, FtObject *key)
{
    return ft_set_contains(op, key);
}

static FtType set_iter_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "set_iterator",
    .tp_basicsize = sizeof(FtSetIter),
    .tp_flags = FT_TPFLAGS_GC,
    .tp_dealloc = setiter_dealloc,
    .tp_traverse = setiter_traverse,
    .tp_clear = setiter_clear,
    .tp_iter = self_iter,
    .tp_iternext = setiter_next,
};

#define SET_TYPE_SLOTS                          \
    .tp_basicsize = sizeof(FtSet),              \
    .tp_flags = FT_TPFLAGS_GC,                  \
    .tp_dealloc = set_dealloc,                  \
    .tp_traverse = set_traverse,                \
    .tp_clear = set_tp_clear,                   \
    .tp_richcompare = set_richcompare,          \
    .tp_repr = set_repr,                        \
    .tp_len = set_len,                          \
    .tp_contains = set_contains_slot,           \
    .tp_iter = set_iter,                        \
    .tp_sizeof = set_sizeof

FtType ft_set_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "set",
    SET_TYPE_SLOTS,
};

FtType ft_frozenset_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "frozenset",
    .tp_hash = frozenset_hash,
    SET_TYPE_SLOTS,
};

int ft__set_init(void)
{
    if (ft__type_ready(&ft_set_type) < 0 ||
        ft__type_ready(&ft_frozenset_type) < 0 ||
        ft__type_ready(&set_iter_type) < 0)
        return -1;
    return 0;
}
