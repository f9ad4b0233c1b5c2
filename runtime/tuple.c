/* runtime/tuple.c: the tuple type, plus the lexicographic comparison and
 * repr that tuple and list share (runtime/seq.h).
 *
 * Layout (docs/layouts.md "tuple"): the 40-byte FtVarObject header followed
 * by ob_size item pointers inline, so () is 40 bytes and (1, 2, 3) is 64.
 *
 * Invariants:
 *   - A tuple never changes once it has escaped its creator: ft_tuple_new
 *     hands out a tuple of NULL slots that the creator fills with
 *     ft_tuple_set_item_init before sharing it. So no lock is ever taken
 *     and items are read with plain loads.
 *   - () is one immortal static object; ft_tuple_new(0) and every empty
 *     result return it.
 *   - Tuples of 1..19 items come from and go back to the calling thread's
 *     free list FT_FL_TUPLE + n (alloc/alloc.h decides when a block may be
 *     kept).
 *   - Tuples are tracked by the GC as soon as they are allocated (NULL
 *     slots are skipped by traverse); dealloc goes through the trashcan, so
 *     freeing a deeply nested chain does not recurse deeply.
 *
 * The hash is CPython's (3.8+) xxHash-based tuple hash, so hash(()) and
 * hash((1, 2, 3)) equal CPython's 64-bit values.
 */
#include "runtime/internal.h"
#include "runtime/seq.h"
#include "runtime/trashcan.h"
#include "alloc/alloc.h"
#include "gc/gc.h"
#include <stdarg.h>

typedef struct FtTupleObject {
    FtVarObject ob_base;
    FtObject *ob_item[];
} FtTupleObject;

_Static_assert(sizeof(FtTupleObject) == 40, "tuple header is 40 bytes");

#define TUPLE(op) ((FtTupleObject *)(op))
#define FREELIST_MAX_SIZE 19

static FtTupleObject empty_tuple = {
    .ob_base = { .ob_base = FT_STATIC_OBJECT_HEAD(&ft_tuple_type), .ob_size = 0 },
};

static int check_tuple(FtObject *op, const char *func)
{
    if (op && ft_isinstance(op, &ft_tuple_type))
        return 0;
    ft_error_set(FT_ERR_TYPE, "%s: expected a tuple, got %s", func,
                 op ? ft_type_name(ft_type_of(op)) : "NULL");
    return -1;
}

/* ---- Construction and destruction ---- */

FtObject *ft_tuple_new(FtSsize n)
{
    if (n < 0) {
        ft_error_set(FT_ERR_VALUE, "ft_tuple_new: negative size %td", n);
        return NULL;
    }
    if (n == 0)
        return ft_newref((FtObject *)&empty_tuple);
    FtObject *op;
    if (n <= FREELIST_MAX_SIZE) {
        op = ft__object_alloc_fl(&ft_tuple_type,
                                 sizeof(FtTupleObject) + (size_t)n * sizeof(FtObject *),
                                 FT_FL_TUPLE + (int)n);
        if (op)
            TUPLE(op)->ob_base.ob_size = n;
    } else {
        op = ft__object_alloc_var(&ft_tuple_type, n);
    }
    if (!op)
        return NULL;
    memset(TUPLE(op)->ob_item, 0, (size_t)n * sizeof(FtObject *));
    ft__gc_track(op);
    return op;
}

int ft_tuple_set_item_init(FtObject *t, FtSsize i, FtObject *item)
{
    if (FT_UNLIKELY(!t || !item)) {
        ft_xdecref(item);           /* stolen even on error */
        ft__null_arg_error(__func__);
        return -1;
    }
    if (check_tuple(t, "ft_tuple_set_item_init") < 0) {
        ft_xdecref(item);
        return -1;
    }
    if (i < 0 || i >= TUPLE(t)->ob_base.ob_size) {
        ft_xdecref(item);
        ft_error_set(FT_ERR_INDEX, "tuple assignment index out of range");
        return -1;
    }
    FT_SETREF(TUPLE(t)->ob_item[i], item);
    return 0;
}

FtObject *ft_tuple_from_array(FtObject *const *items, FtSsize n)
{
    if (n > 0) {
        FT_NONNULL(NULL, items);
        for (FtSsize i = 0; i < n; i++)
            FT_NONNULL(NULL, items[i]);
    }
    FtObject *t = ft_tuple_new(n);
    if (!t)
        return NULL;
    for (FtSsize i = 0; i < n; i++)
        TUPLE(t)->ob_item[i] = ft_newref(items[i]);
    return t;
}

FtObject *ft_tuple_pack(FtSsize n, ...)
{
    FtObject *t = ft_tuple_new(n);
    if (!t)
        return NULL;
    va_list ap;
    va_start(ap, n);
    int missing = 0;
    for (FtSsize i = 0; i < n; i++) {
        FtObject *item = va_arg(ap, FtObject *);
        missing |= item == NULL;
        TUPLE(t)->ob_item[i] = ft_xnewref(item);
    }
    va_end(ap);
    if (FT_UNLIKELY(missing)) {
        ft_decref(t);               /* dealloc skips the NULL slots */
        ft__null_arg_error(__func__);
        return NULL;
    }
    return t;
}

static void tuple_dealloc(FtObject *op)
{
    FtSsize n = TUPLE(op)->ob_base.ob_size;
    ft__gc_untrack(op);
    FT_TRASHCAN_BEGIN(op)
    for (FtSsize i = n; i-- > 0;)
        ft_xdecref(TUPLE(op)->ob_item[i]);
    if (n >= 1 && n <= FREELIST_MAX_SIZE && op->ob_type == &ft_tuple_type)
        ft__object_free_fl(op, FT_FL_TUPLE + (int)n);
    else
        ft__object_free(op);
    FT_TRASHCAN_END
}

static int tuple_traverse(FtObject *op, FtVisitProc visit, void *arg)
{
    for (FtSsize i = 0, n = TUPLE(op)->ob_base.ob_size; i < n; i++)
        FT_VISIT(TUPLE(op)->ob_item[i]);
    return 0;
}

static int tuple_clear(FtObject *op)
{
    for (FtSsize i = 0, n = TUPLE(op)->ob_base.ob_size; i < n; i++)
        FT_CLEAR(TUPLE(op)->ob_item[i]);
    return 0;
}

/* ---- Item access ---- */

FtObject *ft_tuple_borrow_item(FtObject *t, FtSsize i)
{
    FT_NONNULL(NULL, t);
    return TUPLE(t)->ob_item[i];
}

FtObject *ft_tuple_get_item(FtObject *t, FtSsize i)
{
    FT_NONNULL(NULL, t);
    if (check_tuple(t, "ft_tuple_get_item") < 0)
        return NULL;
    FtSsize n = TUPLE(t)->ob_base.ob_size;
    if (i < 0)
        i += n;
    if (i < 0 || i >= n) {
        ft_error_set(FT_ERR_INDEX, "tuple index out of range");
        return NULL;
    }
    return ft_newref(TUPLE(t)->ob_item[i]);
}

FtObject *ft_tuple_slice(FtObject *t, FtSsize start, FtSsize stop, FtSsize step)
{
    FT_NONNULL(NULL, t);
    if (check_tuple(t, "ft_tuple_slice") < 0 || ft__slice_check_step(&step) < 0)
        return NULL;
    FtSsize n = TUPLE(t)->ob_base.ob_size;
    FtSsize k = ft__slice_adjust(n, &start, &stop, step);
    if (k == n && step == 1 && t->ob_type == &ft_tuple_type)
        return ft_newref(t);        /* immutable: the whole slice is itself */
    FtObject *res = ft_tuple_new(k);
    if (!res)
        return NULL;
    for (FtSsize j = 0; j < k; j++)
        TUPLE(res)->ob_item[j] = ft_newref(TUPLE(t)->ob_item[start + j * step]);
    return res;
}

FtObject *ft_tuple_concat(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    if (check_tuple(a, "ft_tuple_concat") < 0 || check_tuple(b, "ft_tuple_concat") < 0)
        return NULL;
    FtSsize na = TUPLE(a)->ob_base.ob_size, nb = TUPLE(b)->ob_base.ob_size;
    if (nb == 0 && a->ob_type == &ft_tuple_type)
        return ft_newref(a);
    if (na == 0 && b->ob_type == &ft_tuple_type)
        return ft_newref(b);
    if (na > FT_SSIZE_MAX / 2 - nb) {
        ft_error_set(FT_ERR_MEMORY, "tuple too large");
        return NULL;
    }
    FtObject *res = ft_tuple_new(na + nb);
    if (!res)
        return NULL;
    for (FtSsize i = 0; i < na; i++)
        TUPLE(res)->ob_item[i] = ft_newref(TUPLE(a)->ob_item[i]);
    for (FtSsize i = 0; i < nb; i++)
        TUPLE(res)->ob_item[na + i] = ft_newref(TUPLE(b)->ob_item[i]);
    return res;
}

/* ---- Protocol slots ---- */

static FtSsize tuple_len(FtObject *op)
{
    return TUPLE(op)->ob_base.ob_size;
}

static int tuple_contains(FtObject *op, FtObject *item)
{
    for (FtSsize i = 0, n = TUPLE(op)->ob_base.ob_size; i < n; i++) {
        int eq = ft_compare_bool(TUPLE(op)->ob_item[i], item, FT_EQ);
        if (eq != 0)
            return eq;
    }
    return 0;
}

/* CPython's tuplehash (Objects/tupleobject.c, 3.8+): xxHash's round
 * function over the items' hashes, then the length mixed in so that
 * hash(()) keeps its historical value. */
#define XXPRIME_1 11400714785074694791ULL
#define XXPRIME_2 14029467366897019727ULL
#define XXPRIME_5 2870177450012600261ULL
#define XXROTATE(x) (((x) << 31) | ((x) >> 33))

static int64_t tuple_hash(FtObject *op)
{
    FtSsize n = TUPLE(op)->ob_base.ob_size;
    uint64_t acc = XXPRIME_5;
    for (FtSsize i = 0; i < n; i++) {
        int64_t lane = ft_hash(TUPLE(op)->ob_item[i]);
        if (lane == -1)
            return -1;
        acc += (uint64_t)lane * XXPRIME_2;
        acc = XXROTATE(acc);
        acc *= XXPRIME_1;
    }
    acc += (uint64_t)n ^ (XXPRIME_5 ^ 3527539ULL);
    if (acc == (uint64_t)-1)
        return 1546275796;
    return (int64_t)acc;
}

static FtObject *tuple_richcompare(FtObject *a, FtObject *b, FtCompareOp op)
{
    if (!ft_isinstance(b, &ft_tuple_type))
        return NULL;    /* NULL, no error: Python's NotImplemented (runtime/object.c) */
    return ft__seq_richcompare(TUPLE(a)->ob_item, TUPLE(a)->ob_base.ob_size,
                               TUPLE(b)->ob_item, TUPLE(b)->ob_base.ob_size, op);
}

static FtObject *tuple_repr(FtObject *op)
{
    return ft__seq_repr(op, TUPLE(op)->ob_item, TUPLE(op)->ob_base.ob_size,
                        "(", ")", 1);
}

static size_t tuple_sizeof(FtObject *op)
{
    return sizeof(FtTupleObject)
           + (size_t)TUPLE(op)->ob_base.ob_size * sizeof(FtObject *);
}

FtType ft_tuple_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "tuple",
    .tp_basicsize = sizeof(FtTupleObject),
    .tp_itemsize = sizeof(FtObject *),
    .tp_flags = FT_TPFLAGS_GC | FT_TPFLAGS_BASETYPE | FT_TPFLAGS_TUPLE_SUBCLASS,
    .tp_base = &ft_object_type,
    .tp_dealloc = tuple_dealloc,
    .tp_traverse = tuple_traverse,
    .tp_clear = tuple_clear,
    .tp_hash = tuple_hash,
    .tp_richcompare = tuple_richcompare,
    .tp_repr = tuple_repr,
    .tp_len = tuple_len,
    .tp_contains = tuple_contains,
    .tp_iter = ft__tuple_iter,
    .tp_sizeof = tuple_sizeof,
};

/* ==== Shared by tuple and list (runtime/seq.h) ==== */

static FtObject *compare_sizes(FtSsize na, FtSsize nb, FtCompareOp op)
{
    int r;
    switch (op) {
    case FT_LT: r = na < nb; break;
    case FT_LE: r = na <= nb; break;
    case FT_EQ: r = na == nb; break;
    case FT_NE: r = na != nb; break;
    case FT_GT: r = na > nb; break;
    default:    r = na >= nb; break;
    }
    return ft_newref(ft_bool_from(r));
}

FtObject *ft__seq_richcompare(FtObject *const *a, FtSsize na,
                              FtObject *const *b, FtSsize nb, FtCompareOp op)
{
    if ((op == FT_EQ || op == FT_NE) && na != nb)
        return ft_newref(ft_bool_from(op == FT_NE));
    FtSsize i;
    for (i = 0; i < na && i < nb; i++) {
        int eq = ft_compare_bool(a[i], b[i], FT_EQ);
        if (eq < 0)
            return NULL;
        if (!eq)
            break;
    }
    if (i >= na || i >= nb)
        return compare_sizes(na, nb, op);
    if (op == FT_EQ)
        return ft_newref(FT_FALSE);
    if (op == FT_NE)
        return ft_newref(FT_TRUE);
    return ft_richcompare(a[i], b[i], op);
}

/* A growing UTF-8 buffer for repr. */
typedef struct ReprBuf {
    char *p;
    size_t len, cap;
} ReprBuf;

static int buf_add(ReprBuf *b, const char *s, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n)
            cap *= 2;
        char *p = ft_mem_realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    return 0;
}

static int buf_add_repr(ReprBuf *b, FtObject *item)
{
    FtObject *r = ft_repr(item);
    if (!r)
        return -1;
    FtSsize n;
    const char *s = ft_str_as_utf8(r, &n);
    int rc = s ? buf_add(b, s, (size_t)n) : -1;
    ft_decref(r);
    return rc;
}

FtObject *ft__seq_repr(FtObject *self, FtObject *const *items, FtSsize n,
                       const char *open, const char *close, int one_comma)
{
    FtReprFrame frame;
    int entered = ft__repr_enter(&frame, self);
    if (entered < 0)
        return NULL;
    if (entered > 0)
        return ft_str_from_format("%s...%s", open, close);
    ReprBuf b = { NULL, 0, 0 };
    int rc = buf_add(&b, open, strlen(open));
    for (FtSsize i = 0; rc == 0 && i < n; i++) {
        if (i > 0)
            rc = buf_add(&b, ", ", 2);
        if (rc == 0)
            rc = buf_add_repr(&b, items[i]);
    }
    if (rc == 0 && one_comma && n == 1)
        rc = buf_add(&b, ",", 1);
    if (rc == 0)
        rc = buf_add(&b, close, strlen(close));
    ft__repr_leave(&frame);
    FtObject *res = rc == 0 ? ft_str_from_utf8(b.p, (FtSsize)b.len) : NULL;
    ft_mem_free(b.p);
    return res;
}
