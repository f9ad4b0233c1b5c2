/* runtime/object.c: the object header's layout checks, type readiness, and
 * the generic object protocol (repr, str, hash, compare, truth, len,
 * contains, sizeof), dispatched through the type slots of runtime/type.h.
 *
 * Slot conventions (stated once here): a slot returning FtObject * returns
 * a new reference, or NULL with the error set; tp_richcompare may return
 * NULL with NO error set, meaning "not implemented for these operands" (the
 * caller then tries the reflected operation, then identity for ==/!=).
 *
 * ft_type_type (the type of types) and ft_object_type (the root base) are
 * defined here so every static type can name them; runtime/class.c fills in
 * the slots that classes need from its init function.
 */
#include "runtime/internal.h"
#include "runtime/init.h"
#include "runtime/trashcan.h"
#include "alloc/alloc.h"
#include <stdio.h>
#include <inttypes.h>

/* ---- The PEP 703 header: 32 bytes, every offset pinned ---- */
_Static_assert(sizeof(FtObject) == 32, "FtObject must be 32 bytes");
_Static_assert(offsetof(FtObject, ob_tid) == 0, "ob_tid at 0");
_Static_assert(offsetof(FtObject, ob_flags) == 8, "ob_flags at 8");
_Static_assert(offsetof(FtObject, ob_mutex) == 10, "ob_mutex at 10");
_Static_assert(offsetof(FtObject, ob_gc_bits) == 11, "ob_gc_bits at 11");
_Static_assert(offsetof(FtObject, ob_ref_local) == 12, "ob_ref_local at 12");
_Static_assert(offsetof(FtObject, ob_ref_shared) == 16, "ob_ref_shared at 16");
_Static_assert(offsetof(FtObject, ob_type) == 24, "ob_type at 24");
_Static_assert(sizeof(FtVarObject) == 40, "FtVarObject must be 40 bytes");
_Static_assert(offsetof(FtVarObject, ob_size) == 32, "ob_size at 32");
_Static_assert(sizeof(uint8_t) == sizeof(_Atomic uint8_t), "atomic byte");
_Static_assert(sizeof(uint32_t) == sizeof(_Atomic uint32_t), "atomic u32");
_Static_assert(sizeof(uintptr_t) == 8, "64-bit platform required");

/* ---- Types ---- */

static int64_t object_hash(FtObject *op)
{
    /* Identity hash, as CPython's object.__hash__: the address rotated so
     * the alignment zeros do not crowd the low bits. */
    uintptr_t p = (uintptr_t)op;
    int64_t h = (int64_t)((p >> 4) | (p << (8 * sizeof(p) - 4)));
    return h == -1 ? -2 : h;
}

FtType ft_type_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "type",
    .tp_basicsize = sizeof(FtType),
    .tp_base = &ft_object_type,
    .tp_hash = object_hash,
};

FtType ft_object_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "object",
    .tp_basicsize = sizeof(FtObject),
    .tp_flags = FT_TPFLAGS_BASETYPE,
    .tp_hash = object_hash,
};

int64_t ft__object_identity_hash(FtObject *op)
{
    return object_hash(op);
}

static _Atomic uint32_t next_type_index = 1;   /* slot 0: overflow */

int ft__type_ready(FtType *tp)
{
    if (tp->tp_flags & FT_TPFLAGS_READY)
        return 0;
    if (!tp->tp_name || tp->tp_basicsize < sizeof(FtObject)) {
        ft_error_set(FT_ERR_TYPE, "type %s: invalid layout",
                     tp->tp_name ? tp->tp_name : "?");
        return -1;
    }
    uint32_t idx = atomic_fetch_add_explicit(&next_type_index, 1,
                                             memory_order_relaxed);
    tp->tp_index = idx < FT_MAX_TYPE_INDEX ? idx : 0;
    tp->tp_flags |= FT_TPFLAGS_READY;
    return 0;
}

const char *ft_type_name(const FtType *tp)
{
    FT_NONNULL(NULL, tp);
    return tp->tp_name;
}

int ft_type_is_subtype(const FtType *a, const FtType *b)
{
    FT_NONNULL(-1, a, b);
    for (; a; a = a->tp_base)
        if (a == b)
            return 1;
    return 0;
}

int ft_isinstance(const FtObject *op, const FtType *tp)
{
    FT_NONNULL(-1, op, tp);
    return ft_type_is_subtype(op->ob_type, tp);
}

/* ---- Deallocation ---- */

void ft__dealloc(FtObject *op)
{
#if FT_DEBUG_LEVEL >= 1
    if (ft_is_immortal(op))
        ft_fatal_object(op, "deallocating an immortal object");
    if (!(ft_atomic_load_relaxed(&op->ob_gc_bits) & FT_GC_ALIVE))
        ft_fatal_object(op, "deallocating a freed object");
#endif
    op->ob_type->tp_dealloc(op);
}

/* ---- Generic protocol ---- */

FtObject *ft_repr(FtObject *op)
{
    FT_NONNULL(NULL, op);
    FtType *tp = op->ob_type;
    if (tp->tp_repr) {
        if (!ft__type_is_gc(tp))        /* no references: cannot recurse */
            return tp->tp_repr(op);
        if (ft__recursion_enter(" while getting the repr of an object") < 0)
            return NULL;
        FtObject *r = tp->tp_repr(op);
        ft__recursion_leave();
        return r;
    }
    return ft_str_from_format("<%s object at %p>", tp->tp_name, (void *)op);
}

FtObject *ft_str(FtObject *op)
{
    FT_NONNULL(NULL, op);
    FtType *tp = op->ob_type;
    if (tp->tp_str) {
        if (!ft__type_is_gc(tp))
            return tp->tp_str(op);
        if (ft__recursion_enter(" while getting the str of an object") < 0)
            return NULL;
        FtObject *r = tp->tp_str(op);
        ft__recursion_leave();
        return r;
    }
    return ft_repr(op);
}

int64_t ft_hash(FtObject *op)
{
    FT_NONNULL(-1, op);
    FtType *tp = op->ob_type;
    if (!tp->tp_hash) {
        ft_error_set(FT_ERR_TYPE, "unhashable type: '%s'", tp->tp_name);
        return -1;
    }
    if (!ft__type_is_gc(tp))
        return tp->tp_hash(op);
    if (ft__recursion_enter(" while hashing an object") < 0)
        return -1;
    int64_t h = tp->tp_hash(op);
    ft__recursion_leave();
    return h;
}

static const char *const op_symbols[] = { "<", "<=", "==", "!=", ">", ">=" };
static const FtCompareOp reflected[] = { FT_GT, FT_GE, FT_EQ, FT_NE, FT_LT, FT_LE };

static FtObject *richcompare(FtObject *a, FtObject *b, FtCompareOp op);

FtObject *ft_richcompare(FtObject *a, FtObject *b, FtCompareOp op)
{
    FT_NONNULL(NULL, a, b);
    if (!((a->ob_type->tp_flags | b->ob_type->tp_flags) & FT_TPFLAGS_GC))
        return richcompare(a, b, op);   /* no references: cannot recurse */
    if (ft__recursion_enter(" in comparison") < 0)
        return NULL;
    FtObject *r = richcompare(a, b, op);
    ft__recursion_leave();
    return r;
}

static FtObject *richcompare(FtObject *a, FtObject *b, FtCompareOp op)
{
    if ((unsigned)op > FT_GE) {
        ft_error_set(FT_ERR_VALUE, "invalid comparison operator %d", (int)op);
        return NULL;
    }
    FtType *ta = a->ob_type, *tb = b->ob_type;
    /* A subtype's reflected method gets the first chance, as in Python. */
    int b_first = ta != tb && ft_type_is_subtype(tb, ta) && tb->tp_richcompare;
    FtObject *r;
    if (b_first) {
        r = tb->tp_richcompare(b, a, reflected[op]);
        if (r || ft_error_occurred())
            return r;
    }
    if (ta->tp_richcompare) {
        r = ta->tp_richcompare(a, b, op);
        if (r || ft_error_occurred())
            return r;
    }
    if (!b_first && tb->tp_richcompare) {
        r = tb->tp_richcompare(b, a, reflected[op]);
        if (r || ft_error_occurred())
            return r;
    }
    if (op == FT_EQ)
        return ft_bool_from(a == b);
    if (op == FT_NE)
        return ft_bool_from(a != b);
    ft_error_set(FT_ERR_TYPE,
                 "'%s' not supported between instances of '%s' and '%s'",
                 op_symbols[op], ta->tp_name, tb->tp_name);
    return NULL;
}

int ft_compare_bool(FtObject *a, FtObject *b, FtCompareOp op)
{
    FT_NONNULL(-1, a, b);
    if (a == b) {
        if (op == FT_EQ)
            return 1;
        if (op == FT_NE)
            return 0;
    }
    FtObject *r = ft_richcompare(a, b, op);
    if (!r)
        return -1;
    int t = ft_is_true(r);
    ft_decref(r);
    return t;
}

int ft_is_true(FtObject *op)
{
    FT_NONNULL(-1, op);
    if (op == FT_TRUE)
        return 1;
    if (op == FT_FALSE || op == FT_NONE)
        return 0;
    FtType *tp = op->ob_type;
    if (tp->tp_bool)
        return tp->tp_bool(op);
    if (tp->tp_len) {
        FtSsize n = tp->tp_len(op);
        return n < 0 ? -1 : n > 0;
    }
    return 1;
}

FtSsize ft_len(FtObject *op)
{
    FT_NONNULL(-1, op);
    FtType *tp = op->ob_type;
    if (!tp->tp_len) {
        ft_error_set(FT_ERR_TYPE, "object of type '%s' has no len()",
                     tp->tp_name);
        return -1;
    }
    return tp->tp_len(op);
}

int ft_contains(FtObject *container, FtObject *item)
{
    FT_NONNULL(-1, container, item);
    FtType *tp = container->ob_type;
    if (tp->tp_contains)
        return tp->tp_contains(container, item);
    if (!tp->tp_iter) {
        ft_error_set(FT_ERR_TYPE, "argument of type '%s' is not iterable",
                     tp->tp_name);
        return -1;
    }
    FtObject *it = ft_iter(container);
    if (!it)
        return -1;
    int found = 0;
    FtObject *x;
    while (!found && (x = ft_iter_next(it)) != NULL) {
        found = ft_compare_bool(x, item, FT_EQ);
        ft_decref(x);
    }
    ft_decref(it);
    if (found == 0 && ft_error_occurred())
        return -1;
    return found;
}

size_t ft_sizeof(FtObject *op)
{
    FT_NONNULL(0, op);
    FtType *tp = op->ob_type;
    if (tp->tp_sizeof)
        return tp->tp_sizeof(op);
    size_t size = tp->tp_basicsize;
    if (tp->tp_itemsize) {
        FtSsize n = FT_LOAD_RELAXED(((FtVarObject *)op)->ob_size);
        size += (size_t)(n < 0 ? -n : n) * tp->tp_itemsize;
    }
    return size;
}

/* ---- Subsystem init ---- */

int ft__object_init(void)
{
    if (ft__type_ready(&ft_object_type) < 0 || ft__type_ready(&ft_type_type) < 0)
        return -1;
    return 0;
}
