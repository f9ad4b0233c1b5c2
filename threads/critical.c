/* threads/critical.c: critical sections on one or two objects
 * (threads/lock.h), and their suspension while the thread is detached.
 *
 * A critical section holds the per-object mutex of one object, or of two
 * objects locked in ADDRESS ORDER (lower address first, enforced in
 * ft_critical_section2_begin), so two threads locking the same pair in opposite argument
 * order cannot deadlock.
 *
 * The thread's active sections form a stack, linked through
 * FtCriticalSection.prev; FtThreadState.critical_section is the top. Both
 * are tagged pointers (sections are at least 4-byte aligned):
 *
 *   bit 0  CS_INACTIVE  the section is suspended: its mutexes are released
 *   bit 1  CS_TWO       the section is an FtCriticalSection2
 *
 * Invariants (all owner-only state, no other thread reads it):
 *   1. If a section is inactive, every section below it is inactive.
 *   2. While the thread runs attached, the top section is active.
 *   3. A pushed section's obj (obj2) is non-NULL exactly when it holds (or,
 *      inactive, must re-take) that mutex, except while its begin or its
 *      resumption is still taking the mutexes: the fields are written only
 *      once all are held, so a park in between releases and re-takes
 *      nothing of this section. A section that was NOT pushed (nested on
 *      an object the top already holds, or begun while the thread holds the
 *      world stopped) has obj == NULL.
 *
 * Suspension: when the thread detaches (ft_blocking_begin, parking on a
 * mutex, a safepoint that parks), ft__critical_sections_suspend releases the
 * mutex of every active section and marks them inactive. On re-attach,
 * ft__critical_sections_resume re-locks only the TOP section; the ones below
 * are re-locked one by one as the sections above them end (pop). So a
 * thread never holds, while blocked, a lock it took in a critical section
 * (the exception: the first mutex of a two-object section while it waits
 * for the second, in its begin or its resumption, which is safe because of
 * address order; and a mutex a fair unlock handed to it while it was
 * parked, which it holds before its section records it).
 *
 * While the thread holds the world stopped, a section whose mutex is not
 * free at once locks nothing (see ft_critical_section_begin).
 *
 * Nesting on the same object: if the top section already holds the object,
 * a new section on it is not pushed and locks nothing (as CPython's
 * _PyCriticalSection_BeginSlow). If a LOWER section holds it, the new section
 * parks; parking suspends the lower section, which releases the object to
 * us: no self-deadlock, at the cost of one park.
 *
 * NULL arguments (the policy of include/ftrt.h), in both modes: a NULL
 * section sets FT_ERR_STATE "NULL object passed to ft_critical_section..."
 * and does nothing; a NULL object makes begin set that error and lock
 * nothing, recording the section as not pushed (obj, obj2 NULL, as a nested
 * one), so the matching end does nothing (and sets no error).
 *
 * Who may call: attached threads (ft_critical_section_*, public in
 * ftrt/critical.h); the thread machinery calls the
 * suspend/resume hooks on detach/attach. Mode gil: the macros compile to
 * nothing, and nothing here is ever pushed.
 */
#include "runtime/internal.h"
#include "threads/lock.h"
#include "threads/tstate.h"

#define CS_INACTIVE ((uintptr_t)0x1)
#define CS_TWO      ((uintptr_t)0x2)
#define CS_MASK     ((uintptr_t)0x3)

_Static_assert(_Alignof(FtCriticalSection) >= 4,
               "critical sections carry two tag bits in their address");

static inline FtCriticalSection *untag(uintptr_t t)
{
    return (FtCriticalSection *)(t & ~CS_MASK);
}

static inline int is_active(uintptr_t t)
{
    return t != 0 && !(t & CS_INACTIVE);
}

static FtThreadState *cs_tstate(void)
{
    FtThreadState *ts = ft__tstate();
    if (FT_UNLIKELY(!ts))
        ft_fatal("critical section used by a thread that is not attached");
    return ts;
}

/* One CAS, as ft__mutex_lock's fast path; 1 if we took the lock. */
static inline int try_lock(FtObject *op)
{
    uint8_t expected = 0;
    /* acquire: pairs with the release in ft__mutex_unlock. */
    return atomic_compare_exchange_strong_explicit(&op->ob_mutex, &expected,
        FT_MUTEX_LOCKED, memory_order_acquire, memory_order_relaxed);
}

/* 1 if the (active) section tagged t holds op. */
static int section_holds(uintptr_t t, FtObject *op)
{
    FtCriticalSection *c = untag(t);
    if (c->obj == op)
        return 1;
    return (t & CS_TWO) && ((FtCriticalSection2 *)c)->obj2 == op;
}

/* A begin given a NULL section or object: the error, nothing locked; a
 * section is left "not pushed" so that its end does nothing. */
static void begin_null(FtCriticalSection *cs, const char *func)
{
    if (cs) {
        cs->obj = NULL;
        cs->prev = 0;
    }
    ft__null_arg_error(func);
}

/* ---- One object ---- */

void ft_critical_section_begin(FtCriticalSection *cs, FtObject *op)
{
    if (FT_UNLIKELY(!cs || !op)) {
        begin_null(cs, __func__);
        return;
    }
#if FT_MODE_GIL
    (void)cs;
    (void)op;
    return;
#endif
    FtThreadState *ts = cs_tstate();
    uintptr_t top = ts->critical_section;
    if (FT_LIKELY(try_lock(op))) {
        cs->obj = op;
        cs->prev = top;
        ts->critical_section = (uintptr_t)cs;
        return;
    }
    if ((top && section_holds(top, op)) || ft__world_stopped_by_me()) {
        /* Nested on the top section's object, or the world is stopped by
         * us: lock nothing, push nothing (invariant 3). While we hold the
         * world stopped no other thread runs, and a stopped thread may still
         * own the mutex (handed to it by a fair unlock just before it
         * suspended, or held while it waits to re-attach): waiting for it
         * would deadlock (CPython gh-144513). */
        cs->obj = NULL;
        cs->prev = 0;
        return;
    }
    /* Push first with obj NULL: if we park, the suspension must not
     * "release" a mutex we do not hold yet. */
    cs->obj = NULL;
    cs->prev = top;
    ts->critical_section = (uintptr_t)cs;
    ft__mutex_lock(op);
    cs->obj = op;
}

/* Pop cs (the top) and resume the section below if it was suspended. */
static void pop(FtThreadState *ts, FtCriticalSection *cs)
{
    FT_ASSERT(untag(ts->critical_section) == cs);
    ts->critical_section = cs->prev;
    if (cs->prev & CS_INACTIVE)
        ft__critical_sections_resume(ts);
}

void ft_critical_section_end(FtCriticalSection *cs)
{
    FT_NONNULL(, cs);
#if FT_MODE_GIL
    (void)cs;
    return;
#endif
    if (cs->obj == NULL)
        return;                    /* nested section, never pushed */
    FtThreadState *ts = cs_tstate();
    ft__mutex_unlock(cs->obj);
    pop(ts, cs);
}

/* ---- Two objects ---- */

void ft_critical_section2_begin(FtCriticalSection2 *cs, FtObject *a,
                                FtObject *b)
{
    if (FT_UNLIKELY(!cs || !a || !b)) {
        if (cs)
            cs->obj2 = NULL;
        begin_null(cs ? &cs->base : NULL, __func__);
        return;
    }
#if FT_MODE_GIL
    (void)cs;
    (void)a;
    (void)b;
    return;
#endif
    if (a == b) {
        ft_critical_section_begin(&cs->base, a);
        cs->obj2 = NULL;
        return;
    }
    if ((uintptr_t)a > (uintptr_t)b) {   /* address order: lower first */
        FtObject *t = a;
        a = b;
        b = t;
    }
    FtThreadState *ts = cs_tstate();
    int have_a = try_lock(a);
    if (FT_LIKELY(have_a) && try_lock(b)) {
        cs->base.obj = a;
        cs->obj2 = b;
        cs->base.prev = ts->critical_section;
        ts->critical_section = (uintptr_t)cs | CS_TWO;
        return;
    }
    if (ft__world_stopped_by_me()) {
        /* As in ft_critical_section_begin: with the world stopped by us, lock nothing. */
        if (have_a)
            ft__mutex_unlock(a);
        cs->base.obj = NULL;
        cs->obj2 = NULL;
        cs->base.prev = 0;
        return;
    }
    /* Push with both fields NULL and record the objects only once both are
     * held (as CPython's _PyCriticalSection2_BeginSlow). If we park for b,
     * we keep a (the rule's one exception, safe by address order), and the
     * nested suspend/resume of this section touch neither. Recording a
     * first would be wrong: the park would release a, a fair unlock could
     * then hand b to us while we sleep, and the resumption would wait for a
     * while holding b, against the address order: a deadlock with a thread
     * that holds a and waits for b (found by stress_threads cs2_orders). */
    cs->base.obj = NULL;
    cs->obj2 = NULL;
    cs->base.prev = ts->critical_section;
    ts->critical_section = (uintptr_t)cs | CS_TWO;
    if (!have_a)
        ft__mutex_lock(a);
    ft__mutex_lock(b);
    cs->base.obj = a;
    cs->obj2 = b;
}

void ft_critical_section2_end(FtCriticalSection2 *cs)
{
    FT_NONNULL(, cs);
#if FT_MODE_GIL
    (void)cs;
    return;
#endif
    if (cs->obj2 == NULL) {        /* a == b: a one-object section */
        ft_critical_section_end(&cs->base);
        return;
    }
    FtThreadState *ts = cs_tstate();
    ft__mutex_unlock(cs->obj2);
    ft__mutex_unlock(cs->base.obj);
    pop(ts, &cs->base);
}

/* ---- Suspension (detach) and resumption (attach) ---- */

void ft__critical_sections_suspend(FtThreadState *ts)
{
    uintptr_t *tagp = &ts->critical_section;
    /* Stop at the first inactive section: the rest are inactive too
     * (invariant 1). */
    while (is_active(*tagp)) {
        FtCriticalSection *c = untag(*tagp);
        if ((*tagp & CS_TWO) && ((FtCriticalSection2 *)c)->obj2)
            ft__mutex_unlock(((FtCriticalSection2 *)c)->obj2);
        if (c->obj)
            ft__mutex_unlock(c->obj);
        *tagp |= CS_INACTIVE;
        tagp = &c->prev;
    }
}

void ft__critical_sections_resume(FtThreadState *ts)
{
    uintptr_t top = ts->critical_section;
    if (top == 0 || !(top & CS_INACTIVE))
        return;
    FtCriticalSection *c = untag(top);
    FtCriticalSection2 *c2 = (top & CS_TWO) ? (FtCriticalSection2 *)c : NULL;
    FtObject *a = c->obj, *b = c2 ? c2->obj2 : NULL;
    /* Clear the fields while we lock, and record them only once we hold
     * every mutex: locking may park, and parking detaches (suspend) and
     * re-attaches (resume) again; those nested calls must neither release
     * nor re-take what this call is taking (a nested resume that saw a
     * recorded while we wait for b would lock a a second time: a
     * self-deadlock). While we wait for b we keep a (address order). */
    c->obj = NULL;
    if (c2)
        c2->obj2 = NULL;
    if (a)
        ft__mutex_lock(a);
    if (b)
        ft__mutex_lock(b);
    c->obj = a;
    if (c2)
        c2->obj2 = b;
    ts->critical_section &= ~CS_INACTIVE;
}

int ft__cs_held(FtObject *op)
{
#if FT_MODE_GIL
    (void)op;
    return 1;
#else
    FtThreadState *ts = ft__tstate();
    if (!ts)
        return 0;
    for (uintptr_t t = ts->critical_section; is_active(t); t = untag(t)->prev)
        if (section_holds(t, op))
            return 1;
    return 0;
#endif
}
