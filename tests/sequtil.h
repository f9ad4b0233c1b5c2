/* tests/sequtil.h: a small value type for the tuple and list tests.
 *
 * TVal is a non-GC object holding an int64: it compares (all six
 * operators) and hashes by value (hash(v) == v for small v, like int), and
 * its repr is the decimal value. With it the sequence tests do not depend
 * on the int module. Every TVal carries a magic word that its dealloc
 * clears, so a test can tell a live item from a freed one.
 */
#ifndef FT_TESTS_SEQUTIL_H
#define FT_TESTS_SEQUTIL_H

#include "testutil.h"
#include "gc/gc.h"

#define TVAL_MAGIC 0x5EA5EA5EA5EA5EA5ull

typedef struct TVal {
    FtObject ob_base;
    int64_t value;
    uint64_t magic;             /* TVAL_MAGIC while alive */
} TVal;

static inline void tval_dealloc(FtObject *op)
{
    ((TVal *)op)->magic = 0;
    ft__object_free(op);
}

static inline int64_t tval_hash(FtObject *op)
{
    int64_t v = ((TVal *)op)->value;
    return v == -1 ? -2 : v;
}

extern FtType tval_type;

static inline FtObject *tval_richcompare(FtObject *a, FtObject *b, FtCompareOp op)
{
    if (b->ob_type != &tval_type)
        return NULL;
    int64_t x = ((TVal *)a)->value, y = ((TVal *)b)->value;
    int r = 0;
    switch (op) {
    case FT_LT: r = x < y; break;
    case FT_LE: r = x <= y; break;
    case FT_EQ: r = x == y; break;
    case FT_NE: r = x != y; break;
    case FT_GT: r = x > y; break;
    case FT_GE: r = x >= y; break;
    }
    return ft_newref(ft_bool_from(r));
}

static inline FtObject *tval_repr(FtObject *op)
{
    return ft_str_from_format("%lld", (long long)((TVal *)op)->value);
}

#define TVAL_TYPE_DEF                                   \
    FtType tval_type = {                                \
        .ob_base = FT_STATIC_TYPE_HEAD,                 \
        .tp_name = "test.val",                          \
        .tp_basicsize = sizeof(TVal),                   \
        .tp_dealloc = tval_dealloc,                     \
        .tp_hash = tval_hash,                           \
        .tp_richcompare = tval_richcompare,             \
        .tp_repr = tval_repr,                           \
    };

/* A new TVal, or NULL (FT_ERR_MEMORY) under failure injection. */
static inline FtObject *tval_try(int64_t v)
{
    TVal *t = (TVal *)ft__object_alloc(&tval_type, sizeof(TVal));
    if (!t)
        return NULL;
    t->value = v;
    t->magic = TVAL_MAGIC;
    return &t->ob_base;
}

static inline FtObject *V(int64_t v)
{
    FtObject *op = tval_try(v);
    assert_non_null(op);
    return op;
}

static inline int64_t tval_of(FtObject *op)
{
    assert_ptr_equal(op->ob_type, &tval_type);
    assert_true(((TVal *)op)->magic == TVAL_MAGIC);
    return ((TVal *)op)->value;
}

/* The UTF-8 of repr(op), compared with `expect`; consumes nothing. */
static inline void assert_repr(FtObject *op, const char *expect)
{
    FtObject *r = ft_repr(op);
    assert_non_null(r);
    assert_string_equal(ft_str_as_utf8(r, NULL), expect);
    ft_decref(r);
}

static inline int seq_group_setup(void **state)
{
    if (ft_test_group_setup(state) < 0)
        return -1;
    return ft__type_ready(&tval_type);
}

#endif /* FT_TESTS_SEQUTIL_H */
