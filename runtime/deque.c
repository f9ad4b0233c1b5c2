/* runtime/deque.c: the deque type (ftrt/deque.h), CPython's
 * collections.deque design: a doubly linked list of fixed blocks of 64
 * item slots, so both ends grow and shrink in O(1) without moving items.
 *
 * Layout (docs/layouts.md, "deque"):
 *
 *   FtDeque (80)                          DequeBlock (528)
 *   0   FtObject header (32)              0   left  (NULL at the leftmost)
 *   32  size                              8   right (NULL at the rightmost)
 *   40  leftblock  ---> ... <--->  ... <- 16  data[64]
 *   48  rightblock
 *   56  leftindex   (slot of the first item in leftblock)
 *   64  rightindex  (slot of the last item in rightblock)
 *   72  state       (mutation count, for iterators)
 *   80  maxlen ...
 *
 * Invariants (CPython's): leftblock and rightblock are never NULL (a deque
 * always owns at least one block); size == 0 exactly when leftblock ==
 * rightblock and leftindex == rightindex + 1; an emptied deque re-centres
 * its indices in the block it keeps; slots outside [leftindex, rightindex]
 * of the end blocks are garbage (never read); 0 <= size <= maxlen when
 * maxlen >= 0.
 *
 * Concurrency (docs/concurrency.md, "deque"): every field is written and
 * read under the deque's critical section, except `size`, which ft_len
 * reads with a relaxed load (written with FT_STORE_RELAXED). Nothing is
 * read lock-free, so blocks are freed at once (no QSBR) and items need no
 * shared marking: a reader takes its reference under the lock, while the
 * deque's own reference keeps the item alive. Inside a section the only
 * call that may reach a safepoint (and so suspend the section and let
 * another writer in) is the allocation of a block, made before anything is
 * changed, in a loop that re-reads the state after it; items removed and
 * blocks emptied by an operation are released after the section ends (a
 * decref may run any deallocator). The GC traverses without the lock
 * (the world is stopped; every safepoint leaves the deque consistent).
 */
#include "runtime/internal.h"
#include "runtime/init.h"
#include "runtime/seq.h"
#include "runtime/trashcan.h"
#include "alloc/alloc.h"
#include "gc/gc.h"
#include "threads/lock.h"

#include <stddef.h>

#define BLOCKLEN 64
#define CENTER ((BLOCKLEN - 1) / 2)

typedef struct DequeBlock {
    struct DequeBlock *left, *right;
    FtObject *data[BLOCKLEN];
} DequeBlock;

typedef struct FtDeque {
    FtObject ob_base;
    FtSsize size;               /* lock held; FT_STORE_RELAXED, ft_len loads */
    DequeBlock *leftblock;      /* lock held */
    DequeBlock *rightblock;     /* lock held */
    FtSsize leftindex;          /* lock held */
    FtSsize rightindex;         /* lock held */
    uint64_t state;             /* lock held: bumped by every mutation */
    FtSsize maxlen;             /* immutable: -1 unbounded */
} FtDeque;

_Static_assert(sizeof(DequeBlock) == 528, "a deque block is 528 bytes");
_Static_assert(sizeof(FtDeque) == 88, "the deque object is 88 bytes");

#define FT_DEQUE(op) ((FtDeque *)(op))

static int check_deque(FtObject *op, const char *fn)
{
    if (!op || !ft_is_deque(op)) {
        ft_error_set(FT_ERR_TYPE, "%s: expected a deque, got '%s'", fn,
                     op ? ft_type_name(ft_type_of(op)) : "NULL");
        return -1;
    }
    return 0;
}

static DequeBlock *block_new(void)
{
    DequeBlock *b = ft_mem_alloc(sizeof(DequeBlock));
    if (b) {
        b->left = NULL;
        b->right = NULL;
    }
    return b;
}

/* What an operation releases after its section: items and blocks. */
typedef struct Drops {
    FtObject *item;
    DequeBlock *block;
    DequeBlock *spare;          /* allocated but not used */
} Drops;

static void drops_release(Drops *dr)
{
    FT_CLEAR(dr->item);
    ft_mem_free(dr->block);
    ft_mem_free(dr->spare);
}

static void set_size(FtDeque *d, FtSsize n)
{
    FT_STORE_RELAXED(d->size, n);
    d->state++;
}

/* ---- Locked primitives (no allocation, no decref) ---- */

static void push_right_locked(FtDeque *d, FtObject *item, DequeBlock **spare)
{
    if (d->rightindex == BLOCKLEN - 1) {
        DequeBlock *b = *spare;
        *spare = NULL;
        FT_ASSERT(b);
        b->left = d->rightblock;
        b->right = NULL;
        d->rightblock->right = b;
        d->rightblock = b;
        d->rightindex = -1;
    }
    d->rightindex++;
    d->rightblock->data[d->rightindex] = item;
    set_size(d, d->size + 1);
}

static void push_left_locked(FtDeque *d, FtObject *item, DequeBlock **spare)
{
    if (d->leftindex == 0) {
        DequeBlock *b = *spare;
        *spare = NULL;
        FT_ASSERT(b);
        b->right = d->leftblock;
        b->left = NULL;
        d->leftblock->left = b;
        d->leftblock = b;
        d->leftindex = BLOCKLEN;
    }
    d->leftindex--;
    d->leftblock->data[d->leftindex] = item;
    set_size(d, d->size + 1);
}

/* The deque emptied: keep the one block, indices re-centred. */
static void recenter_locked(FtDeque *d)
{
    FT_ASSERT(d->leftblock == d->rightblock);
    d->leftindex = CENTER + 1;
    d->rightindex = CENTER;
}

static FtObject *pop_right_locked(FtDeque *d, DequeBlock **freed)
{
    FT_ASSERT(d->size > 0);
    FtObject *item = d->rightblock->data[d->rightindex];
    d->rightindex--;
    set_size(d, d->size - 1);
    if (d->size == 0) {
        recenter_locked(d);
    } else if (d->rightindex < 0) {
        DequeBlock *b = d->rightblock;
        d->rightblock = b->left;
        d->rightblock->right = NULL;
        d->rightindex = BLOCKLEN - 1;
        FT_ASSERT(!*freed);
        *freed = b;
    }
    return item;
}

static FtObject *pop_left_locked(FtDeque *d, DequeBlock **freed)
{
    FT_ASSERT(d->size > 0);
    FtObject *item = d->leftblock->data[d->leftindex];
    d->leftindex++;
    set_size(d, d->size - 1);
    if (d->size == 0) {
        recenter_locked(d);
    } else if (d->leftindex == BLOCKLEN) {
        DequeBlock *b = d->leftblock;
        d->leftblock = b->right;
        d->leftblock->left = NULL;
        d->leftindex = 0;
        FT_ASSERT(!*freed);
        *freed = b;
    }
    return item;
}

/* ---- Construction ---- */

FtObject *ft_deque_new(FtSsize maxlen)
{
    if (maxlen < -1) {
        ft_error_set(FT_ERR_VALUE, "maxlen must be non-negative");
        return NULL;
    }
    DequeBlock *b = block_new();
    if (!b)
        return NULL;
    FtDeque *d = (FtDeque *)ft__object_alloc(&ft_deque_type, sizeof(FtDeque));
    if (!d) {
        ft_mem_free(b);
        return NULL;
    }
    d->size = 0;
    d->leftblock = d->rightblock = b;
    d->leftindex = CENTER + 1;
    d->rightindex = CENTER;
    d->state = 0;
    d->maxlen = maxlen;
    ft__gc_track(&d->ob_base);
    return &d->ob_base;
}

/* ---- Append ---- */

/* The public entries check their arguments for NULL (FT_NONNULL). */
static int append_impl(FtObject *op, FtObject *item, int left, const char *fn)
{
    if (check_deque(op, fn) < 0)
        return -1;
    FtDeque *d = FT_DEQUE(op);
    Drops dr = { NULL, NULL, NULL };
    int rc = 0;
    if (d->maxlen == 0)
        return 0;               /* dropped at once, as Python */
    ft_incref(item);
    FT_BEGIN_CRITICAL_SECTION(op);
    /* Allocate first: the allocation may suspend the section, so re-read
     * the end index after it (loop). */
    while (!dr.spare && (left ? d->leftindex == 0 : d->rightindex == BLOCKLEN - 1)) {
        dr.spare = block_new();
        if (!dr.spare) {
            rc = -1;
            break;
        }
    }
    if (rc == 0) {
        if (left)
            push_left_locked(d, item, &dr.spare);
        else
            push_right_locked(d, item, &dr.spare);
        if (d->maxlen >= 0 && d->size > d->maxlen)
            dr.item = left ? pop_right_locked(d, &dr.block)
                           : pop_left_locked(d, &dr.block);
    }
    FT_END_CRITICAL_SECTION();
    if (rc < 0)
        ft_decref(item);
    drops_release(&dr);
    return rc;
}

int ft_deque_append(FtObject *dq, FtObject *item)
{
    FT_NONNULL(-1, dq, item);
    return append_impl(dq, item, 0, "ft_deque_append");
}

int ft_deque_appendleft(FtObject *dq, FtObject *item)
{
    FT_NONNULL(-1, dq, item);
    return append_impl(dq, item, 1, "ft_deque_appendleft");
}

/* ---- Pop ---- */

/* out is never NULL (the public entries check). */
static int pop_impl(FtObject *op, FtObject **out, int left, const char *fn)
{
    *out = NULL;
    if (check_deque(op, fn) < 0)
        return -1;
    FtDeque *d = FT_DEQUE(op);
    Drops dr = { NULL, NULL, NULL };
    FT_BEGIN_CRITICAL_SECTION(op);
    if (d->size > 0)
        *out = left ? pop_left_locked(d, &dr.block) : pop_right_locked(d, &dr.block);
    FT_END_CRITICAL_SECTION();
    drops_release(&dr);
    return *out != NULL;
}

int ft_deque_try_pop(FtObject *dq, FtObject **out)
{
    if (out)
        *out = NULL;
    FT_NONNULL(-1, dq, out);
    return pop_impl(dq, out, 0, "ft_deque_try_pop");
}

int ft_deque_try_popleft(FtObject *dq, FtObject **out)
{
    if (out)
        *out = NULL;
    FT_NONNULL(-1, dq, out);
    return pop_impl(dq, out, 1, "ft_deque_try_popleft");
}

FtObject *ft_deque_pop(FtObject *dq)
{
    FT_NONNULL(NULL, dq);
    FtObject *item;
    if (pop_impl(dq, &item, 0, "ft_deque_pop") == 0)
        ft_error_set(FT_ERR_INDEX, "pop from an empty deque");
    return item;
}

FtObject *ft_deque_popleft(FtObject *dq)
{
    FT_NONNULL(NULL, dq);
    FtObject *item;
    if (pop_impl(dq, &item, 1, "ft_deque_popleft") == 0)
        ft_error_set(FT_ERR_INDEX, "pop from an empty deque");
    return item;
}

/* ---- Indexing ---- */

/* The slot of item i (0 <= i < size): walk from the nearer end. */
static FtObject **slot_locked(FtDeque *d, FtSsize i)
{
    FtSsize j = i + d->leftindex, n = j / BLOCKLEN;
    DequeBlock *b;
    j %= BLOCKLEN;
    if (i < d->size / 2) {
        b = d->leftblock;
        while (n-- > 0)
            b = b->right;
    } else {
        n = (d->leftindex + d->size - 1) / BLOCKLEN - n;
        b = d->rightblock;
        while (n-- > 0)
            b = b->left;
    }
    return &b->data[j];
}

FtObject *ft_deque_get_item(FtObject *dq, FtSsize i)
{
    FT_NONNULL(NULL, dq);
    if (check_deque(dq, "ft_deque_get_item") < 0)
        return NULL;
    FtDeque *d = FT_DEQUE(dq);
    FtObject *item = NULL;
    FT_BEGIN_CRITICAL_SECTION(dq);
    FtSsize k = i < 0 ? i + d->size : i;
    if (k >= 0 && k < d->size)
        item = ft_newref(*slot_locked(d, k));
    FT_END_CRITICAL_SECTION();
    if (!item)
        ft_error_set(FT_ERR_INDEX, "deque index out of range");
    return item;
}

FtSsize ft_deque_maxlen(FtObject *dq)
{
    FT_NONNULL(-2, dq);
    if (check_deque(dq, "ft_deque_maxlen") < 0)
        return -2;
    return FT_DEQUE(dq)->maxlen;
}

/* ---- Clear ---- */

/* Release a detached chain of blocks starting at b, holding n items from
 * slot `first` of b on (no other thread can see it any more). */
static void chain_release(DequeBlock *b, FtSsize first, FtSsize n)
{
    FtSsize j = first;
    while (b) {
        for (; j < BLOCKLEN && n > 0; j++, n--)
            ft_decref(b->data[j]);
        DequeBlock *next = b->right;
        ft_mem_free(b);
        b = next;
        j = 0;
    }
}

/* Empty the deque. With a fresh block (allocated before the lock) the whole
 * chain is detached in one step and released after; out of memory, items
 * are popped one by one (each released outside the lock), so clearing
 * never fails. */
static void clear_impl(FtObject *op)
{
    FtDeque *d = FT_DEQUE(op);
    FtErrorState saved;
    ft_error_fetch(&saved);     /* clearing never reports an error */
    DequeBlock *fresh = block_new();
    if (!fresh) {
        FtObject *item;
        while (pop_impl(op, &item, 1, "clear") == 1)
            ft_decref(item);
        ft_error_restore(&saved);
        return;
    }
    DequeBlock *chain = NULL;
    FtSsize first = 0, n = 0;
    FT_BEGIN_CRITICAL_SECTION(op);
    if (d->size > 0) {
        chain = d->leftblock;
        first = d->leftindex;
        n = d->size;
        d->leftblock = d->rightblock = fresh;
        fresh = NULL;
        d->leftindex = CENTER + 1;
        d->rightindex = CENTER;
        set_size(d, 0);
    }
    FT_END_CRITICAL_SECTION();
    ft_mem_free(fresh);
    chain_release(chain, first, n);
    ft_error_restore(&saved);
}

int ft_deque_clear(FtObject *dq)
{
    FT_NONNULL(-1, dq);
    if (check_deque(dq, "ft_deque_clear") < 0)
        return -1;
    clear_impl(dq);
    return 0;
}

/* ---- Snapshots (repr, contains) ---- */

/* Every item as a new reference in a fresh array (NULL when empty): the
 * array is allocated outside the lock at the size read lock-free and filled
 * under it if the size still matches (else retried). */
static int snapshot(FtObject *op, FtObject ***out, FtSsize *n_out)
{
    FtDeque *d = FT_DEQUE(op);
    for (;;) {
        FtSsize n = FT_LOAD_RELAXED(d->size);
        FtObject **items = NULL;
        if (n > 0 && !(items = ft_mem_alloc((size_t)n * sizeof(FtObject *))))
            return -1;
        int ok;
        FT_BEGIN_CRITICAL_SECTION(op);
        ok = d->size == n;
        DequeBlock *b = d->leftblock;
        for (FtSsize i = 0, j = d->leftindex; ok && i < n; i++, j++) {
            if (j == BLOCKLEN) {
                b = b->right;
                j = 0;
            }
            items[i] = ft_newref(b->data[j]);
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

static FtObject *deque_repr(FtObject *op)
{
    /* A deque inside itself prints "[...]", as CPython. */
    FtReprFrame frame;
    int entered = ft__repr_enter(&frame, op);
    if (entered < 0)
        return NULL;
    if (entered > 0)
        return ft_str_from_utf8("[...]", 5);
    FtObject **items, *inner = NULL;
    FtSsize n;
    if (snapshot(op, &items, &n) == 0) {
        FtObject *l = ft_list_from_array(items, n);
        ft__seq_snapshot_free(items, n);
        inner = l ? ft_repr(l) : NULL;
        ft_xdecref(l);
    }
    ft__repr_leave(&frame);
    if (!inner)
        return NULL;
    const char *s = ft_str_as_utf8(inner, NULL);
    FtObject *r = NULL;
    if (s && FT_DEQUE(op)->maxlen >= 0)
        r = ft_str_from_format("deque(%s, maxlen=%td)", s, FT_DEQUE(op)->maxlen);
    else if (s)
        r = ft_str_from_format("deque(%s)", s);
    ft_decref(inner);
    return r;
}

static int deque_contains(FtObject *op, FtObject *item)
{
    FtObject **items;
    FtSsize n;
    if (snapshot(op, &items, &n) < 0)
        return -1;
    int r = 0;
    for (FtSsize i = 0; i < n && r == 0; i++)
        r = items[i] == item ? 1 : ft_compare_bool(items[i], item, FT_EQ);
    ft__seq_snapshot_free(items, n);
    return r;
}

/* ---- Type slots ---- */

static FtSsize deque_len(FtObject *op)
{
    return FT_LOAD_RELAXED(FT_DEQUE(op)->size);
}

static size_t deque_sizeof(FtObject *op)
{
    FtDeque *d = FT_DEQUE(op);
    size_t blocks = 0;
    FT_BEGIN_CRITICAL_SECTION(op);
    for (DequeBlock *b = d->leftblock; b; b = b->right)
        blocks++;
    FT_END_CRITICAL_SECTION();
    return sizeof(FtDeque) + blocks * sizeof(DequeBlock);
}

/* World stopped (the collector), or the only reference: no lock. */
static int deque_traverse(FtObject *op, FtVisitProc visit, void *arg)
{
    FtDeque *d = FT_DEQUE(op);
    DequeBlock *b = d->leftblock;
    for (FtSsize i = 0, j = d->leftindex; i < d->size; i++, j++) {
        if (j == BLOCKLEN) {
            b = b->right;
            j = 0;
        }
        int r = visit(b->data[j], arg);
        if (r)
            return r;
    }
    return 0;
}

static int deque_tp_clear(FtObject *op)
{
    clear_impl(op);
    return 0;
}

static void deque_dealloc(FtObject *op)
{
    FtDeque *d = FT_DEQUE(op);
    ft__gc_untrack(op);
    FT_TRASHCAN_BEGIN(op)
    chain_release(d->leftblock, d->leftindex, d->size);
    ft__object_free(op);
    FT_TRASHCAN_END
}

/* ---- Iteration ---- */

typedef struct DequeIter {
    FtObject ob_base;
    FtObject *deque;            /* strong; NULL once exhausted or cleared */
    DequeBlock *b;              /* position: valid while state matches */
    FtSsize index;
    FtSsize left;               /* items still to return */
    uint64_t state;             /* the deque's state at creation */
} DequeIter;

static FtType deque_iter_type;

static FtObject *deque_iter(FtObject *op)
{
    DequeIter *it = (DequeIter *)ft__object_alloc(&deque_iter_type, sizeof(DequeIter));
    if (!it)
        return NULL;
    FtDeque *d = FT_DEQUE(op);
    it->deque = ft_newref(op);
    FT_BEGIN_CRITICAL_SECTION(op);
    it->b = d->leftblock;
    it->index = d->leftindex;
    it->left = d->size;
    it->state = d->state;
    FT_END_CRITICAL_SECTION();
    ft__gc_track(&it->ob_base);
    return &it->ob_base;
}

/* An iterator is used by one thread at a time (as CPython's); the deque's
 * lock orders its reads against the deque's writers. */
static FtObject *deque_iter_next(FtObject *op)
{
    DequeIter *it = (DequeIter *)op;
    FtObject *dq = it->deque, *item = NULL;
    if (!dq)
        return NULL;
    FtDeque *d = FT_DEQUE(dq);
    int mutated = 0;
    FT_BEGIN_CRITICAL_SECTION(dq);
    if (d->state != it->state) {
        mutated = 1;
    } else if (it->left > 0) {
        if (it->index == BLOCKLEN) {
            it->b = it->b->right;
            it->index = 0;
        }
        item = ft_newref(it->b->data[it->index]);
        it->index++;
        it->left--;
    }
    FT_END_CRITICAL_SECTION();
    if (mutated) {
        ft_error_set(FT_ERR_RUNTIME, "deque mutated during iteration");
        return NULL;
    }
    if (!item)
        FT_CLEAR(it->deque);
    return item;
}

static FtObject *iter_self(FtObject *op)
{
    return ft_newref(op);
}

static int deque_iter_traverse(FtObject *op, FtVisitProc visit, void *arg)
{
    FtObject *dq = ((DequeIter *)op)->deque;
    return dq ? visit(dq, arg) : 0;
}

static int deque_iter_clear(FtObject *op)
{
    FT_CLEAR(((DequeIter *)op)->deque);
    return 0;
}

static void deque_iter_dealloc(FtObject *op)
{
    ft__gc_untrack(op);
    FT_CLEAR(((DequeIter *)op)->deque);
    ft__object_free(op);
}

static FtType deque_iter_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "_collections._deque_iterator",
    .tp_basicsize = sizeof(DequeIter),
    .tp_flags = FT_TPFLAGS_GC,
    .tp_dealloc = deque_iter_dealloc,
    .tp_traverse = deque_iter_traverse,
    .tp_clear = deque_iter_clear,
    .tp_iter = iter_self,
    .tp_iternext = deque_iter_next,
};

FtType ft_deque_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "collections.deque",
    .tp_basicsize = sizeof(FtDeque),
    .tp_flags = FT_TPFLAGS_GC,
    .tp_dealloc = deque_dealloc,
    .tp_traverse = deque_traverse,
    .tp_clear = deque_tp_clear,
    .tp_repr = deque_repr,
    .tp_len = deque_len,
    .tp_contains = deque_contains,
    .tp_iter = deque_iter,
    .tp_sizeof = deque_sizeof,
};

int ft__deque_init(void)
{
    if (ft__type_ready(&ft_deque_type) < 0)
        return -1;
    return ft__type_ready(&deque_iter_type);
}
