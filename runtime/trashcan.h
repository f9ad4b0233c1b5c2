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
 * (CPython's Py_ReprEnter), and repr() nested deeper than FT_REPR_MAX_DEPTH
 * fails with FT_ERR_RUNTIME instead of overflowing the stack. Frames live on
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

/* ---- Repr guard ---- */

#define FT_REPR_MAX_DEPTH 1000

typedef struct FtReprFrame {
    FtObject *op;
    struct FtReprFrame *prev;
} FtReprFrame;

/* 0: entered (call ft__repr_leave with the same frame when done);
 * 1: op is already being repr'd on this thread (print the "..." form);
 * -1: too deep, FT_ERR_RUNTIME set. */
int ft__repr_enter(FtReprFrame *frame, FtObject *op);
void ft__repr_leave(FtReprFrame *frame);

#endif /* FT_RUNTIME_TRASHCAN_H */
