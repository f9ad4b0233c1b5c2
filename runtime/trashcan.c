/* runtime/trashcan.c: per-thread deferred dealloc and the repr guard.
 *
 * What they are for and how callers use them: runtime/trashcan.h.
 *
 * Invariants (all state is thread-local, so no locks):
 *   depth    = number of FT_TRASHCAN_BEGIN brackets open on this thread;
 *   parked   = dead objects whose tp_dealloc was cut short at depth >=
 *              FT_TRASHCAN_LIMIT, linked through ob_tid, LIFO;
 *   parked is empty whenever depth == 0 and no drain is running: the
 *   outermost bracket drains it before returning.
 * A parked object is already untracked and unreachable; nothing but this
 * file touches it until its tp_dealloc runs again.
 */
#include "runtime/internal.h"
#include "runtime/trashcan.h"

/* ---- Deferred dealloc ---- */

static _Thread_local int tc_depth;
static _Thread_local int tc_draining;
static _Thread_local FtObject *tc_parked;
static _Thread_local FtSsize tc_count;

static void park(FtObject *op)
{
    /* ob_tid of a dead object is no longer read by the counting paths of
     * its owner, and a racing non-owner try-incref only compares it with
     * its own id (a thread id is never an object address). */
    ft_atomic_store_relaxed(&op->ob_tid, (uintptr_t)tc_parked);
    tc_parked = op;
    tc_count++;
}

static FtObject *unpark(void)
{
    FtObject *op = tc_parked;
    tc_parked = (FtObject *)ft_atomic_load_relaxed(&op->ob_tid);
    tc_count--;
    /* As CPython does: the resumed dealloc sees an object nobody owns. */
    ft_atomic_store_relaxed(&op->ob_tid, (uintptr_t)0);
    return op;
}

int ft__trashcan_begin(FtObject *op)
{
    if (tc_depth >= FT_TRASHCAN_LIMIT) {
        park(op);
        return 1;
    }
    tc_depth++;
    return 0;
}

void ft__trashcan_end(void)
{
    FT_ASSERT(tc_depth > 0);
    if (--tc_depth > 0 || tc_draining)
        return;
    /* Outermost bracket: run the parked deallocs one after the other. Each
     * starts again at depth 1 and may park more objects, which this loop
     * then picks up; the draining flag keeps the inner brackets from
     * starting a nested drain (that would recurse again). */
    tc_draining = 1;
    while (tc_parked) {
        FtObject *op = unpark();
        op->ob_type->tp_dealloc(op);
    }
    tc_draining = 0;
}

FtSsize ft__trashcan_pending(void)
{
    return tc_count;
}

/* ---- Repr guard ---- */

static _Thread_local FtReprFrame *repr_top;
static _Thread_local int repr_depth;

int ft__repr_enter(FtReprFrame *frame, FtObject *op)
{
    for (FtReprFrame *f = repr_top; f; f = f->prev)
        if (f->op == op)
            return 1;
    if (repr_depth >= FT_REPR_MAX_DEPTH) {
        ft_error_set(FT_ERR_RUNTIME,
                     "maximum recursion depth exceeded while getting the repr of an object");
        return -1;
    }
    frame->op = op;
    frame->prev = repr_top;
    repr_top = frame;
    repr_depth++;
    return 0;
}

void ft__repr_leave(FtReprFrame *frame)
{
    FT_ASSERT(repr_top == frame);
    repr_top = frame->prev;
    repr_depth--;
}
