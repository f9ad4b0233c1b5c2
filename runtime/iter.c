/* runtime/iter.c: generic iteration (ft_iter, ft_iter_next), the tuple and
 * list iterators, snapshots of iterables (runtime/seq.h), and the init of
 * the sequence types.
 *
 * ft_iter dispatches to the type's tp_iter and ft_iter_next to tp_iternext
 * (dict, set and str provide their own). A tuple or list iterator holds a
 * strong reference to its sequence and an index:
 *   index >= 0  the next position to read;
 *   index == -1 exhausted (stays exhausted, even if the list grows).
 * The index is read and written with relaxed atomics: an iterator is meant
 * for one thread, and if several share one, each item still comes out of
 * the sequence (some may come out twice or be skipped), never anything
 * else.
 *
 * The list iterator reads through ft__list_get_item_ref, so it takes no
 * lock and, under concurrent writes, returns only items that were in the
 * list at some point (docs/concurrency.md "list").
 */
#include "runtime/internal.h"
#include "runtime/init.h"
#include "runtime/list.h"
#include "runtime/seq.h"
#include "alloc/alloc.h"
#include "gc/gc.h"

typedef struct SeqIter {
    FtObject ob_base;
    FtObject *seq;              /* immutable after creation */
    FtSsize index;              /* ATOMIC (relaxed): see the file head */
} SeqIter;

static FtType tuple_iter_type, list_iter_type;

/* ---- Generic ---- */

FtObject *ft_iter(FtObject *op)
{
    FT_NONNULL(NULL, op);
    FtType *tp = op->ob_type;
    if (!tp->tp_iter) {
        ft_error_set(FT_ERR_TYPE, "'%s' object is not iterable", tp->tp_name);
        return NULL;
    }
    return tp->tp_iter(op);
}

FtObject *ft_iter_next(FtObject *it)
{
    FT_NONNULL(NULL, it);
    FtType *tp = it->ob_type;
    if (!tp->tp_iternext) {
        ft_error_set(FT_ERR_TYPE, "'%s' object is not an iterator",
                     tp->tp_name);
        return NULL;
    }
    return tp->tp_iternext(it);
}

/* ---- Sequence iterators ---- */

static FtObject *seqiter_new(FtType *tp, FtObject *seq)
{
    SeqIter *it = (SeqIter *)ft__object_alloc(tp, sizeof(SeqIter));
    if (!it)
        return NULL;
    it->seq = ft_newref(seq);
    it->index = 0;
    ft__gc_track((FtObject *)it);
    return (FtObject *)it;
}

FtObject *ft__tuple_iter(FtObject *op)
{
    return seqiter_new(&tuple_iter_type, op);
}

FtObject *ft__list_iter(FtObject *op)
{
    return seqiter_new(&list_iter_type, op);
}

static void seqiter_dealloc(FtObject *op)
{
    SeqIter *it = (SeqIter *)op;
    ft__gc_untrack(op);
    FT_CLEAR(it->seq);
    ft__object_free(op);
}

static int seqiter_traverse(FtObject *op, FtVisitProc visit, void *arg)
{
    FT_VISIT(((SeqIter *)op)->seq);
    return 0;
}

static int seqiter_clear(FtObject *op)
{
    /* Keep `seq` (iternext reads it without a check); the cycle through an
     * iterator is broken by clearing the sequence itself. */
    (void)op;
    return 0;
}

static FtObject *seqiter_self(FtObject *op)
{
    return ft_newref(op);
}

static FtObject *tuple_iternext(FtObject *op)
{
    SeqIter *it = (SeqIter *)op;
    FtSsize i = FT_LOAD_RELAXED(it->index);
    if (i < 0)
        return NULL;
    if (i >= ((FtVarObject *)it->seq)->ob_size) {
        FT_STORE_RELAXED(it->index, (FtSsize)-1);
        return NULL;
    }
    FT_STORE_RELAXED(it->index, i + 1);
    return ft_newref(ft_tuple_borrow_item(it->seq, i));
}

static FtObject *list_iternext(FtObject *op)
{
    SeqIter *it = (SeqIter *)op;
    FtSsize i = FT_LOAD_RELAXED(it->index);
    if (i < 0)
        return NULL;
    FtObject *item = ft__list_get_item_ref(it->seq, i);
    FT_STORE_RELAXED(it->index, item ? i + 1 : (FtSsize)-1);
    return item;
}

static FtType tuple_iter_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "tuple_iterator",
    .tp_basicsize = sizeof(SeqIter),
    .tp_flags = FT_TPFLAGS_GC,
    .tp_base = &ft_object_type,
    .tp_dealloc = seqiter_dealloc,
    .tp_traverse = seqiter_traverse,
    .tp_clear = seqiter_clear,
    .tp_iter = seqiter_self,
    .tp_iternext = tuple_iternext,
};

static FtType list_iter_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "list_iterator",
    .tp_basicsize = sizeof(SeqIter),
    .tp_flags = FT_TPFLAGS_GC,
    .tp_base = &ft_object_type,
    .tp_dealloc = seqiter_dealloc,
    .tp_traverse = seqiter_traverse,
    .tp_clear = seqiter_clear,
    .tp_iter = seqiter_self,
    .tp_iternext = list_iternext,
};

/* ---- Snapshots ---- */

void ft__seq_snapshot_free(FtObject **items, FtSsize n)
{
    for (FtSsize i = 0; i < n; i++)
        ft_decref(items[i]);
    ft_mem_free(items);
}

static int snapshot_iter(FtObject *iterable, FtObject ***out, FtSsize *nout)
{
    FtObject *it = ft_iter(iterable);
    if (!it)
        return -1;
    FtObject **buf = NULL, *x;
    FtSsize n = 0, cap = 0;
    while ((x = ft_iter_next(it)) != NULL) {
        if (n == cap) {
            FtSsize ncap = cap ? cap * 2 : 8;
            FtObject **p = ft_mem_realloc(buf, (size_t)ncap * sizeof(FtObject *));
            if (!p) {
                ft_decref(x);
                goto fail;
            }
            buf = p;
            cap = ncap;
        }
        buf[n++] = x;
    }
    if (ft_error_occurred())
        goto fail;
    ft_decref(it);
    *out = buf;
    *nout = n;
    return 0;
fail:
    ft_decref(it);
    ft__seq_snapshot_free(buf, n);
    return -1;
}

int ft__seq_snapshot(FtObject *iterable, FtObject ***out, FtSsize *nout)
{
    *out = NULL;
    *nout = 0;
    if (!iterable) {
        ft_error_set(FT_ERR_TYPE, "NULL is not iterable");
        return -1;
    }
    if (ft_isinstance(iterable, &ft_list_type))
        return ft__list_snapshot(iterable, out, nout);
    if (!ft_isinstance(iterable, &ft_tuple_type))
        return snapshot_iter(iterable, out, nout);
    FtSsize n = ((FtVarObject *)iterable)->ob_size;
    if (n == 0)
        return 0;
    FtObject **buf = ft_mem_alloc((size_t)n * sizeof(FtObject *));
    if (!buf)
        return -1;
    for (FtSsize i = 0; i < n; i++)
        buf[i] = ft_newref(ft_tuple_borrow_item(iterable, i));
    *out = buf;
    *nout = n;
    return 0;
}

/* ---- Subsystem init ---- */

int ft__seq_init(void)
{
    FtType *types[] = { &ft_tuple_type, &ft_list_type, &tuple_iter_type,
                        &list_iter_type };
    for (size_t i = 0; i < FT_ARRAY_LEN(types); i++)
        if (ft__type_ready(types[i]) < 0)
            return -1;
    return 0;
}
