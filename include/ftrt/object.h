/* ftrt/object.h: the object header, reference counting, the generic object
 * protocol.
 *
 * Every ftrt object starts with FtObject, the PEP 703 header (32 bytes on a
 * 64-bit machine, offsets pinned by static asserts in runtime/object.c):
 *
 *   offset  size  field           written by
 *   0       8     ob_tid          creator; owner when merging (relaxed atomic)
 *   8       2     ob_flags        creator, before the object is published
 *   10      1     ob_mutex        per-object lock (threads/mutex.c)
 *   11      1     ob_gc_bits      allocator, GC, owner (atomic byte ops)
 *   12      4     ob_ref_local    owner thread only (relaxed atomic)
 *   16      8     ob_ref_shared   any thread (atomic); low 2 bits = state
 *   24      8     ob_type         creator
 *
 * Reference counting (mode `ft`, biased): the owning thread (ob_tid equals
 * the calling thread's id) counts in ob_ref_local with plain loads and stores;
 * every other thread counts atomically in ob_ref_shared. The full protocol,
 * its states and the merge queue are described in refcount/brc.c and
 * docs/object-model.md. Immortal objects carry FT_IMMORTAL_LOCAL in
 * ob_ref_local; counting them is a no-op that never writes the object.
 *
 * Thread contract: every function here needs the calling thread attached
 * (ft_thread_attach), except ft_incref/ft_decref on immortal objects.
 * Functions returning FtObject * return a new (strong) reference, or NULL
 * with the thread's error indicator set. Arguments are borrowed unless a
 * function says it steals them.
 */
#ifndef FTRT_OBJECT_H
#define FTRT_OBJECT_H

#include <ftrt/common.h>
#include <stdatomic.h>

#ifdef __cplusplus
#error "ftrt's public headers are C11 (they use <stdatomic.h>)"
#endif

typedef struct FtType FtType;   /* opaque: see runtime/type.h */

typedef struct FtObject {
    _Atomic uintptr_t ob_tid;        /* owner thread id; 0 <=> merged */
    uint16_t ob_flags;               /* FT_OBF_* */
    _Atomic uint8_t ob_mutex;        /* per-object lock byte */
    _Atomic uint8_t ob_gc_bits;      /* FT_GC_* (alloc/gc.h) */
    _Atomic uint32_t ob_ref_local;   /* owner-only count */
    _Atomic intptr_t ob_ref_shared;  /* (count << 2) | state */
    FtType *ob_type;
} FtObject;

/* Variable-size objects (int, tuple, list, str) add a size field. */
typedef struct FtVarObject {
    FtObject ob_base;
    FtSsize ob_size;
} FtVarObject;

/* ---- Reference-count encoding ---- */

/* ob_ref_local value of an immortal object. */
#define FT_IMMORTAL_LOCAL UINT32_MAX
/* Owner-path counts at or above this go through the out-of-line path: either
 * the object is immortal, or the local count would wrap (the overflow is then
 * carried on the shared field, so counting never wraps). */
#define FT_LOCAL_SLOW (UINT32_MAX - 1u)
/* What ft_refcount reports for an immortal object. */
#define FT_IMMORTAL_REFCNT ((FtSsize)UINT32_MAX)

/* Low two bits of ob_ref_shared (mode ft). */
#define FT_SHARED_SHIFT 2
#define FT_SHARED_FLAG_MASK 0x3
#define FT_REF_DEFAULT 0        /* owned, not queued */
#define FT_REF_MAYBE_WEAKREF 1  /* others may try-incref: owner must CAS to free */
#define FT_REF_QUEUED 2         /* in the owner's merge queue */
#define FT_REF_MERGED 3         /* ob_tid == 0, all counting on ob_ref_shared */

/* Thread id of the calling thread, UINTPTR_MAX when not attached (so that no
 * object ever looks owned by an unattached thread). Ids are never reused. */
FT_API extern _Thread_local uintptr_t ft__tl_tid FT_TLS_IE;

/* Out-of-line halves of the counting paths (refcount/refcount.c). */
FT_API void ft__incref_slow(FtObject *op);
FT_API void ft__decref_slow_local(FtObject *op);   /* owner, local hit 0 */
FT_API void ft__decref_shared(FtObject *op);       /* non-owner decref */
FT_API void ft__dealloc(FtObject *op);             /* count reached zero */
FT_API FT_NORETURN void ft__refcnt_error(FtObject *op); /* debug: negative count */

static inline int ft_is_immortal(const FtObject *op)
{
    return atomic_load_explicit(&((FtObject *)op)->ob_ref_local,
                                memory_order_relaxed) == FT_IMMORTAL_LOCAL;
}

/* op must not be NULL (as Py_INCREF/Py_DECREF: a NULL is a programming
 * error and faults at the first load; the NULL policy of include/ftrt.h
 * exempts these two so counting stays branch-free). For a pointer that may
 * be NULL use ft_xincref/ft_xdecref (as Py_XINCREF/Py_XDECREF).
 *
 * The mode switch lives in these two functions and nowhere else in object
 * code. Relaxed orderings: the owner's local count is never read by another
 * thread except with the world stopped; the shared count's increments need
 * no ordering (an increment never frees), and its decrements go through
 * ft__decref_shared, which orders with acq_rel. */
static inline void ft_incref(FtObject *op)
{
    uint32_t local = atomic_load_explicit(&op->ob_ref_local,
                                          memory_order_relaxed);
    if (FT_UNLIKELY(local >= FT_LOCAL_SLOW)) {
        ft__incref_slow(op);    /* immortal (no-op) or about to wrap */
        return;
    }
#if FT_MODE_FT
    if (FT_LIKELY(atomic_load_explicit(&op->ob_tid, memory_order_relaxed)
                  == ft__tl_tid))
        atomic_store_explicit(&op->ob_ref_local, local + 1,
                              memory_order_relaxed);
    else
        atomic_fetch_add_explicit(&op->ob_ref_shared,
                                  (intptr_t)1 << FT_SHARED_SHIFT,
                                  memory_order_relaxed);
#elif FT_MODE_GIL
    /* The GIL serialises every count: a plain read-modify-write. */
    atomic_store_explicit(&op->ob_ref_shared,
        atomic_load_explicit(&op->ob_ref_shared, memory_order_relaxed) + 1,
        memory_order_relaxed);
#else /* FT_MODE_ATOMIC */
    atomic_fetch_add_explicit(&op->ob_ref_shared, 1, memory_order_relaxed);
#endif
}

static inline void ft_decref(FtObject *op)
{
    uint32_t local = atomic_load_explicit(&op->ob_ref_local,
                                          memory_order_relaxed);
    if (FT_UNLIKELY(local == FT_IMMORTAL_LOCAL))
        return;
#if FT_MODE_FT
    if (FT_LIKELY(atomic_load_explicit(&op->ob_tid, memory_order_relaxed)
                  == ft__tl_tid)) {
#if FT_DEBUG_LEVEL >= 1
        /* An owned object always has local >= 1 (at 0 the owner merged or
         * freed it): 0 means a freed object or one decref too many. */
        if (FT_UNLIKELY(local == 0))
            ft__refcnt_error(op);
#endif
        local--;
        atomic_store_explicit(&op->ob_ref_local, local, memory_order_relaxed);
        if (FT_UNLIKELY(local == 0))
            ft__decref_slow_local(op);
    } else {
        ft__decref_shared(op);
    }
#elif FT_MODE_GIL
    intptr_t n = atomic_load_explicit(&op->ob_ref_shared,
                                      memory_order_relaxed) - 1;
    atomic_store_explicit(&op->ob_ref_shared, n, memory_order_relaxed);
    if (FT_UNLIKELY(n <= 0))
        ft__decref_slow_local(op);   /* frees at 0, reports negatives */
#else /* FT_MODE_ATOMIC */
    /* release: our writes to the object happen before whoever frees it;
     * the freeing thread pairs with an acquire fence in the slow path. */
    if (FT_UNLIKELY(atomic_fetch_sub_explicit(&op->ob_ref_shared, 1,
                                              memory_order_release) <= 1))
        ft__decref_slow_local(op);
#endif
}

static inline void ft_xincref(FtObject *op) { if (op) ft_incref(op); }
static inline void ft_xdecref(FtObject *op) { if (op) ft_decref(op); }
static inline FtObject *ft_newref(FtObject *op) { ft_incref(op); return op; }
static inline FtObject *ft_xnewref(FtObject *op) { ft_xincref(op); return op; }

/* Clear before decref: the slot is NULL before the reference is dropped, so
 * a finalizer or another reader never sees a dangling pointer through it. */
#define FT_CLEAR(slot) do {                      \
        FtObject *ft_clear_tmp_ = (FtObject *)(slot); \
        if (ft_clear_tmp_) {                      \
            (slot) = NULL;                        \
            ft_decref(ft_clear_tmp_);             \
        }                                         \
    } while (0)

/* Replace a reference held in `slot`: the new one is stored first. */
#define FT_SETREF(slot, newval) do {             \
        FtObject *ft_setref_old_ = (FtObject *)(slot); \
        (slot) = (newval);                        \
        ft_xdecref(ft_setref_old_);               \
    } while (0)

/* Total reference count: exact when no other thread is counting the object
 * (or with the world stopped), a snapshot otherwise. FT_IMMORTAL_REFCNT for
 * immortal objects. */
FT_API FtSsize ft_refcount(FtObject *op);

/* Make an object immortal. Only the owning thread may do this (or any thread
 * for a merged object): fails with FT_ERR_STATE otherwise, because making an
 * object immortal behind its owner's back would race with the owner's plain
 * local-count writes. Returns 0 or -1. */
FT_API int ft_object_make_immortal(FtObject *op);

/* ---- Types ---- */

static inline FtType *ft_type_of(const FtObject *op) { return op->ob_type; }
FT_API const char *ft_type_name(const FtType *tp);
/* 1 if op's type is tp or a subtype of tp. */
FT_API int ft_isinstance(const FtObject *op, const FtType *tp);
FT_API int ft_type_is_subtype(const FtType *a, const FtType *b);
/* The type object as an object (types are objects; static ones immortal). */
static inline FtObject *ft_type_as_object(FtType *tp) { return (FtObject *)tp; }

/* ---- Generic object protocol (dispatches through the type's slots) ---- */

typedef enum FtCompareOp {
    FT_LT = 0, FT_LE = 1, FT_EQ = 2, FT_NE = 3, FT_GT = 4, FT_GE = 5
} FtCompareOp;

typedef int (*FtVisitProc)(FtObject *op, void *arg);

/* repr() and str() as new str objects. */
FT_API FtObject *ft_repr(FtObject *op);
FT_API FtObject *ft_str(FtObject *op);
/* hash(): -1 with FT_ERR_TYPE set for unhashable objects. Never returns -1
 * otherwise (like CPython, -1 is mapped to -2). */
FT_API int64_t ft_hash(FtObject *op);
/* Rich comparison returning a new bool object, NULL on error. */
FT_API FtObject *ft_richcompare(FtObject *a, FtObject *b, FtCompareOp op);
/* Rich comparison as C truth: 1, 0, or -1 on error. a == b by identity is
 * true for FT_EQ without calling the slot (as CPython's containers do). */
FT_API int ft_compare_bool(FtObject *a, FtObject *b, FtCompareOp op);
/* bool(op): 1, 0, or -1 on error. */
FT_API int ft_is_true(FtObject *op);
/* The object's memory footprint in bytes, in the spirit of sys.getsizeof:
 * the object itself plus storage it owns exclusively (item arrays, tables),
 * not the objects it refers to. */
FT_API size_t ft_sizeof(FtObject *op);

/* ---- Attribute access (instances of classes; see ftrt/class.h) ---- */
FT_API FtObject *ft_getattr(FtObject *op, const char *name);
FT_API int ft_setattr(FtObject *op, const char *name, FtObject *value);
FT_API int ft_delattr(FtObject *op, const char *name);

#endif /* FTRT_OBJECT_H */
