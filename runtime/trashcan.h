/* runtime/trashcan.h: recursion guards for container code (internal).
 *
 * Two per-thread mechanisms that keep deeply nested or self-referential
 * containers from overflowing the C stack (runtime/trashcan.c):
 *
 * Deferred dealloc (CPython's "trashcan"). Freeing the outer list of a chain
 * [[[[...]]]] a million deep would recurse tp_dealloc a million times. A
 * container's tp_dealloc brackets its body with FT_TRASHCAN_BEGIN/END: past
 * FT_TRASHCAN_LIMIT nested deallocs on this thread, BEGIN parks the object on
 * a per-thread list and returns from tp_dealloc at once; when the outermost
 * dealloc ends, the parked objects are deallocated from there (through their
 * type's tp_dealloc), each starting again at depth 1. The caller must have untracked the object from the GC
 * before BEGIN (a parked object is dead and must not be seen by a
 * collection). While parked, the object's ob_tid holds the list link (the
 * object is dead: no count path writes it any more); it is reset to 0 before
 * the object's tp_dealloc runs again, so the dealloc sees a merged-looking
 * object it does not own (no free-list reuse, which is harmless).
 *
 *     static void foo_dealloc(FtObject *op)
 *     {
 *         untrack(op);
 *         FT_TRASHCAN_BEGIN(op)
 *         ... drop references, free storage, ft__object_free(op) ...
 *         FT_TRASHCAN_END
 *     }
 *
 * Repr guard. repr() of a container that contains itself prints "[...]"
 * (CPython's Py_ReprEnter); depth is limited by the recursion guard below
 * (ft_repr brackets every tp_repr). Frames live on
 * the caller's stack: entering never allocates.
 *
 * Both are per thread and need no locking. Callers: any tp_dealloc / tp_repr
 * in the library (tuple, list, dict, set, class instances).
 */
#ifndef FT_RUNTIME_TRASHCAN_H
#define FT_RUNTIME_TRASHCAN_H

#include "runtime/internal.h"

/* ---- Deferred dealloc ---- */

/* Nested deallocs allowed on one thread before objects are parked. */
#define FT_TRASHCAN_LIMIT 50

/* 1: op was parked, the caller must return without touching it.
 * 0: go ahead; the caller must call ft__trashcan_end() afterwards. */
int ft__trashcan_begin(FtObject *op);
/* Leave the bracket; the outermost one deallocates what was parked. */
void ft__trashcan_end(void);
/* Objects currently parked on this thread (tests). */
FtSsize ft__trashcan_pending(void);

#define FT_TRASHCAN_BEGIN(op) \
    if (!ft__trashcan_begin((FtObject *)(op))) {
#define FT_TRASHCAN_END \
        ft__trashcan_end(); \
    }

/* ---- Recursion guard (FT_ERR_RECURSION; ft_set_recursion_limit) ----
 *
 * Every generic entry that may recurse on an operand's structure (ft_repr,
 * ft_str, ft_hash, ft_richcompare) brackets the type slot it calls, when
 * an operand's type is a GC type (only those hold references; int, float,
 * str cannot recurse and skip the counter):
 *
 *     if (ft__recursion_enter(" in comparison") < 0)
 *         return NULL;                  // FT_ERR_RECURSION set
 *     r = tp->tp_richcompare(a, b, op);
 *     ft__recursion_leave();
 *
 * State, all thread-local: depth = brackets open on this thread. The fast
 * path is one increment and one compare against ft__recursion_check_from
 * (min(limit, FT_RECURSION_FAST_DEPTH)); past it, the slow path checks the
 * depth against the limit and the stack pointer against the thread's stack
 * (bounds from pthread_getattr_np, read once per thread): it fails when
 * fewer than ft__recursion_margin bytes are left (64 KiB, or a quarter of
 * a small stack). A failing enter leaves depth unchanged (no leave). */
#define FT_RECURSION_DEFAULT 1000
#define FT_RECURSION_FAST_DEPTH 32

extern _Thread_local int ft__tl_recursion_depth;
/* Relaxed: a limit change only has to be seen eventually. */
extern _Atomic int ft__recursion_check_from;

int ft__recursion_enter_slow(const char *where);

static inline int ft__recursion_enter(const char *where)
{
    if (FT_UNLIKELY(++ft__tl_recursion_depth
                    > ft_atomic_load_relaxed(&ft__recursion_check_from)))
        return ft__recursion_enter_slow(where);
    return 0;
}

static inline void ft__recursion_leave(void)
{
    ft__tl_recursion_depth--;
}

/* Tests: the lowest stack address the slow path has seen on this thread
 * (0 if none) and the depth it was seen at; reset by passing 1. */
uintptr_t ft__recursion_stack_low_water(int reset, int *depth);

/* ---- Repr guard ---- */

typedef struct FtReprFrame {
    FtObject *op;
    struct FtReprFrame *prev;
} FtReprFrame;

/* 0: entered (call ft__repr_leave with the same frame when done);
 * 1: op is already being repr'd on this thread (print the "..." form).
 * Never fails (-1 is kept in the contract for callers' sake). */
int ft__repr_enter(FtReprFrame *frame, FtObject *op);
void ft__repr_leave(FtReprFrame *frame);

#endif /* FT_RUNTIME_TRASHCAN_H */
