/* runtime/type.h: the type object and its slots (internal).
 *
 * A type is an object: static types (int, str, list, ...) are immortal
 * objects defined with FT_STATIC_TYPE_HEAD; classes made at run time
 * (runtime/class.c) are GC-tracked heap objects with FT_TPFLAGS_HEAPTYPE.
 * Every type gets a small index (tp_index) for the per-thread live-object
 * counters; types past FT_MAX_TYPE_INDEX share slot 0.
 */
#ifndef FT_RUNTIME_TYPE_H
#define FT_RUNTIME_TYPE_H

#if !defined(FT_BUILDING) && !defined(FT_INTERNAL_TESTS)
#error "runtime/type.h is internal to libftrt"
#endif

#include <ftrt.h>

#define FT_MAX_TYPE_INDEX 256

/* tp_flags */
#define FT_TPFLAGS_GC          (1u << 0)  /* instances live in the GC heap and may be tracked */
#define FT_TPFLAGS_HEAPTYPE    (1u << 1)  /* a class made at run time */
#define FT_TPFLAGS_BASETYPE    (1u << 2)  /* may be subclassed */
#define FT_TPFLAGS_READY       (1u << 3)  /* ft__type_ready ran */
#define FT_TPFLAGS_INT_SUBCLASS   (1u << 8)
#define FT_TPFLAGS_STR_SUBCLASS   (1u << 9)
#define FT_TPFLAGS_TUPLE_SUBCLASS (1u << 10)
#define FT_TPFLAGS_LIST_SUBCLASS  (1u << 11)
#define FT_TPFLAGS_DICT_SUBCLASS  (1u << 12)
#define FT_TPFLAGS_TYPE_SUBCLASS  (1u << 13)

typedef FtObject *(*FtBinaryFunc)(FtObject *, FtObject *);

struct FtType {
    FtObject ob_base;               /* types are objects */
    const char *tp_name;
    size_t tp_basicsize;            /* bytes of a fixed-size instance */
    size_t tp_itemsize;             /* bytes per item of a var-size instance */
    uint32_t tp_flags;
    uint32_t tp_index;              /* live-counter slot, set by ft__type_ready */
    struct FtType *tp_base;

    /* lifetime */
    void (*tp_dealloc)(FtObject *op);   /* drop references, free the memory */
    int (*tp_traverse)(FtObject *op, FtVisitProc visit, void *arg);
    int (*tp_clear)(FtObject *op);      /* drop references that may form cycles */
    void (*tp_finalize)(FtObject *op);  /* PEP 442: may resurrect */

    /* protocol */
    int64_t (*tp_hash)(FtObject *op);                 /* NULL: unhashable */
    FtObject *(*tp_richcompare)(FtObject *a, FtObject *b, FtCompareOp op);
    FtObject *(*tp_repr)(FtObject *op);
    FtObject *(*tp_str)(FtObject *op);                /* NULL: tp_repr */
    int (*tp_bool)(FtObject *op);                     /* NULL: len or true */
    FtSsize (*tp_len)(FtObject *op);
    int (*tp_contains)(FtObject *op, FtObject *item);
    FtObject *(*tp_iter)(FtObject *op);
    FtObject *(*tp_iternext)(FtObject *op);
    size_t (*tp_sizeof)(FtObject *op);                /* NULL: basicsize + size*itemsize */
    FtObject *(*tp_getattro)(FtObject *op, FtObject *name);
    int (*tp_setattro)(FtObject *op, FtObject *name, FtObject *value); /* value NULL: delete */

    /* instance layout (classes) */
    FtSsize tp_dictoffset;          /* 0: no __dict__ */
    FtSsize tp_weaklistoffset;      /* 0: no weak references */
    void *tp_class;                 /* run-time class data (runtime/class.c) */
};

/* The immortal header of a static object. */
#define FT_STATIC_OBJECT_HEAD(type) {                  \
        .ob_tid = 0, .ob_flags = 0, .ob_mutex = 0,      \
        .ob_gc_bits = 0, .ob_ref_local = FT_IMMORTAL_LOCAL, \
        .ob_ref_shared = FT_REF_MERGED, .ob_type = (type) }
#define FT_STATIC_TYPE_HEAD FT_STATIC_OBJECT_HEAD(&ft_type_type)

/* Assign tp_index and check the slots; static types are readied by
 * ft_runtime_init, classes by ft_class_new. Returns 0 or -1. */
int ft__type_ready(FtType *tp);
/* Register a static type to be readied at ft_runtime_init (called from the
 * runtime's list in runtime/object.c). */

/* Identity hash (object.__hash__), for types that keep the default. */
int64_t ft__object_identity_hash(FtObject *op);

static inline int ft__type_is_gc(const FtType *tp)
{
    return (tp->tp_flags & FT_TPFLAGS_GC) != 0;
}

#endif /* FT_RUNTIME_TYPE_H */
