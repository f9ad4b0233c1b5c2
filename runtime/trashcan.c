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
#include <pthread.h>

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

int ft__repr_enter(FtReprFrame *frame, FtObject *op)
{
    /* The walk is bounded by the recursion limit (ft_repr's guard). */
    for (FtReprFrame *f = repr_top; f; f = f->prev)
        if (f->op == op)
            return 1;
    frame->op = op;
    frame->prev = repr_top;
    repr_top = frame;
    return 0;
}

void ft__repr_leave(FtReprFrame *frame)
{
    FT_ASSERT(repr_top == frame);
    repr_top = frame->prev;
}

/* ---- Recursion guard ---- */

_Thread_local int ft__tl_recursion_depth;
static _Atomic int recursion_limit = FT_RECURSION_DEFAULT;
_Atomic int ft__recursion_check_from = FT_RECURSION_FAST_DEPTH;

/* This thread's stack: [stack_base, stack_base + size); stack_floor =
 * stack_base + margin; stack_floor 0 = not read yet, 1 = unknown (only the
 * depth limit applies). A frame outside the stack (code running on a stack
 * of its own, as a coroutine library's) is not checked. low_water: lowest
 * frame address the slow path saw (tests measure stack per level with it). */
static _Thread_local uintptr_t stack_base, stack_top;
static _Thread_local uintptr_t stack_floor;
static _Thread_local uintptr_t low_water;
static _Thread_local int low_water_depth;

#define MARGIN_MAX ((size_t)64 << 10)

static uintptr_t read_stack_floor(void)
{
    pthread_attr_t attr;
    void *addr;
    size_t size;
    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        return 1;
    int rc = pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_destroy(&attr);
    if (rc != 0 || size == 0)
        return 1;
    size_t margin = size / 4 < MARGIN_MAX ? size / 4 : MARGIN_MAX;
    stack_base = (uintptr_t)addr;
    stack_top = (uintptr_t)addr + size;
    return (uintptr_t)addr + margin;
}

int ft__recursion_enter_slow(const char *where)
{
    int depth = ft__tl_recursion_depth;
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    if (FT_UNLIKELY(stack_floor == 0))
        stack_floor = read_stack_floor();
    if (sp < low_water || low_water == 0) {
        low_water = sp;
        low_water_depth = depth;
    }
    int low = sp < stack_floor && sp >= stack_base && sp < stack_top;
    if (depth > ft_atomic_load_relaxed(&recursion_limit) || low) {
        ft__tl_recursion_depth--;
        ft_error_set(FT_ERR_RECURSION, "maximum recursion depth exceeded%s",
                     where);
        return -1;
    }
    return 0;
}

uintptr_t ft__recursion_stack_low_water(int reset, int *depth)
{
    uintptr_t r = low_water;
    if (depth)
        *depth = low_water_depth;
    if (reset) {
        low_water = 0;
        low_water_depth = 0;
    }
    return r;
}

int ft_set_recursion_limit(int limit)
{
    if (limit < 1) {
        ft_error_set(FT_ERR_VALUE, "recursion limit must be greater or equal than 1");
        return -1;
    }
    ft_atomic_store_relaxed(&recursion_limit, limit);
    ft_atomic_store_relaxed(&ft__recursion_check_from,
                            limit < FT_RECURSION_FAST_DEPTH ? limit
                                                            : FT_RECURSION_FAST_DEPTH);
    return 0;
}

int ft_get_recursion_limit(void)
{
    return ft_atomic_load_relaxed(&recursion_limit);
}
