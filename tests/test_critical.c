/* tests/test_critical.c: critical sections (threads/critical.c).
 *
 * - two-object sections taken in both argument orders by different threads
 *   do not deadlock (address order), and exclude each other (exact totals);
 * - a section is suspended while its thread is in a blocking region: another
 *   thread can lock the object meanwhile, and the section holds it again
 *   after ft_blocking_end;
 * - nesting: the same object twice, and an object held by a lower section
 *   (which needs the self-suspension when parking);
 * - a thread suspended by a stop-the-world at a safepoint inside a section
 *   has released it: the stopper can lock the object (issue 10 item 1);
 * - the thread holding the world stopped locks nothing (an object whose
 *   mutex a stopped thread owns does not block it), and may enter a
 *   blocking region without suspending itself.
 * In mode gil the macros compile to nothing and the GIL serialises; the
 * same tests still pass (ft__cs_held is always 1 there).
 */
#include "testutil.h"
#include <sched.h>

#include "threads/lock.h"
#include "threads/tstate.h"

typedef struct Box {
    FtObject ob;
    long value;            /* protected by ob's mutex */
} Box;

static Box x, y;

static void reset(void)
{
    memset(&x, 0, sizeof x);
    memset(&y, 0, sizeof y);
}

/* ---- Two objects, both orders ---- */

#if FT_TSAN
#define ITERS 3000
#else
#define ITERS 30000
#endif

static _Atomic long mismatches;

static void *pair_main(void *arg)
{
    int reversed = *(int *)arg;
    for (long i = 0; i < ITERS; i++) {
        FtObject *a = reversed ? &y.ob : &x.ob;
        FtObject *b = reversed ? &x.ob : &y.ob;
        FT_BEGIN_CRITICAL_SECTION2(a, b);
        long vx = x.value;
        if ((i & 127) == 0)
            sched_yield();
        x.value = vx + 1;
        y.value++;
        if (x.value != y.value || !ft__cs_held(&x.ob) || !ft__cs_held(&y.ob))
            ft_atomic_add_relaxed(&mismatches, 1);
        FT_END_CRITICAL_SECTION2();
        if ((i & 511) == 0)
            ft_safepoint();
    }
    return NULL;
}

static void test_two_objects_both_orders(void **state)
{
    (void)state;
    reset();
    atomic_store(&mismatches, 0);
    int orders[4] = {0, 1, 0, 1};
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(ft_thread_start(&th[i], pair_main, &orders[i]), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(ft_thread_join(th[i], NULL), 0);
    assert_int_equal(x.value, 4L * ITERS);
    assert_int_equal(y.value, 4L * ITERS);
    assert_int_equal(atomic_load(&mismatches), 0);
    assert_int_equal(ft_atomic_load_relaxed(&x.ob.ob_mutex), 0);
    assert_int_equal(ft_atomic_load_relaxed(&y.ob.ob_mutex), 0);
}

static void test_two_same_object(void **state)
{
    (void)state;
    reset();
    FT_BEGIN_CRITICAL_SECTION2(&x.ob, &x.ob);
    assert_true(ft__cs_held(&x.ob));
    x.value = 7;
    FT_END_CRITICAL_SECTION2();
    if (!FT_MODE_GIL) {
        assert_false(ft__cs_held(&x.ob));
        assert_int_equal(ft_atomic_load_relaxed(&x.ob.ob_mutex), 0);
    }
}

/* ---- NULL arguments (include/ftrt.h; the table row is in
 * tests/test_null_args.c) ---- */

static void expect_null_error(const char *func)
{
    char want[96];
    snprintf(want, sizeof want, "NULL object passed to %s", func);
    assert_int_equal(ft_error_kind(), FT_ERR_STATE);
    assert_string_equal(ft_error_message(), want);
    ft_error_clear();
}

/* A NULL object: begin sets the error and locks nothing (not even the other
 * object of a pair), pushes nothing, and the matching end does nothing; in
 * both modes, alone and nested in a real section. */
static void test_null_object_locks_nothing(void **state)
{
    (void)state;
    reset();
    uintptr_t top = ft__tstate()->critical_section;
    FtCriticalSection cs;
    FtCriticalSection2 cs2;
    ft_critical_section_begin(&cs, NULL);
    expect_null_error("ft_critical_section_begin");
    assert_int_equal(ft__tstate()->critical_section, top);
    ft_critical_section_end(&cs);
    assert_false(ft_error_occurred());
    for (int order = 0; order < 2; order++) {
        ft_critical_section2_begin(&cs2, order ? NULL : &x.ob, order ? &x.ob : NULL);
        expect_null_error("ft_critical_section2_begin");
        assert_int_equal(ft_atomic_load_relaxed(&x.ob.ob_mutex), 0);
        assert_int_equal(ft__tstate()->critical_section, top);
        ft_critical_section2_end(&cs2);
        assert_false(ft_error_occurred());
    }
    FT_BEGIN_CRITICAL_SECTION(&y.ob);
    uintptr_t inner = ft__tstate()->critical_section;
    ft_critical_section_begin(&cs, NULL);
    expect_null_error("ft_critical_section_begin");
    ft_critical_section2_begin(&cs2, &x.ob, NULL);
    expect_null_error("ft_critical_section2_begin");
    assert_int_equal(ft__tstate()->critical_section, inner);
    ft_critical_section2_end(&cs2);
    ft_critical_section_end(&cs);
    assert_false(ft_error_occurred());
    assert_true(ft__cs_held(&y.ob));
    FT_END_CRITICAL_SECTION();
    assert_int_equal(ft__tstate()->critical_section, top);
    assert_int_equal(ft_atomic_load_relaxed(&x.ob.ob_mutex), 0);
    assert_int_equal(ft_atomic_load_relaxed(&y.ob.ob_mutex), 0);
    /* A NULL section pointer: the error, nothing else. */
    ft_critical_section_begin(NULL, &x.ob);
    expect_null_error("ft_critical_section_begin");
    ft_critical_section2_begin(NULL, &x.ob, &y.ob);
    expect_null_error("ft_critical_section2_begin");
    ft_critical_section_end(NULL);
    expect_null_error("ft_critical_section_end");
    ft_critical_section2_end(NULL);
    expect_null_error("ft_critical_section2_end");
    assert_int_equal(ft_atomic_load_relaxed(&x.ob.ob_mutex), 0);
    assert_int_equal(ft_atomic_load_relaxed(&y.ob.ob_mutex), 0);
    assert_int_equal(ft__tstate()->critical_section, top);
}

/* ---- Suspension in a blocking region ---- */

static _Atomic int other_locked;

static void *locker_main(void *arg)
{
    (void)arg;
    FT_BEGIN_CRITICAL_SECTION(&x.ob);
    x.value = 42;
    atomic_store(&other_locked, 1);
    FT_END_CRITICAL_SECTION();
    return NULL;
}

static void test_suspended_while_blocking(void **state)
{
    (void)state;
    reset();
    atomic_store(&other_locked, 0);
    pthread_t th;
    FT_BEGIN_CRITICAL_SECTION(&x.ob);
    assert_true(ft__cs_held(&x.ob));
    x.value = 1;
    assert_int_equal(ft_thread_start(&th, locker_main, NULL), 0);
    ft_blocking_begin();
    /* Detached: our section is suspended, x is free for the other thread. */
    while (!atomic_load(&other_locked))
        sched_yield();
    ft_blocking_end();
    /* Resumed: we hold x again, and see what the other thread wrote. */
    assert_true(ft__cs_held(&x.ob));
    if (!FT_MODE_GIL)
        assert_true(ft__mutex_is_locked(&x.ob));
    assert_int_equal(x.value, 42);
    x.value = 2;
    FT_END_CRITICAL_SECTION();
    assert_int_equal(ft_thread_join(th, NULL), 0);
    assert_int_equal(x.value, 2);
}

/* ---- Nesting ----
 * (one section per function: the macros declare a block-scoped variable) */

static void nested_pair_on_x_y(void)
{
    FT_BEGIN_CRITICAL_SECTION2(&y.ob, &x.ob);  /* x held by us below */
    assert_true(ft__cs_held(&x.ob));
    assert_true(ft__cs_held(&y.ob));
    FT_END_CRITICAL_SECTION2();
}

static void nested_on_x(void)
{
    FT_BEGIN_CRITICAL_SECTION(&x.ob);
    assert_true(ft__cs_held(&x.ob));
    x.value++;
    FT_END_CRITICAL_SECTION();
}

static void test_nested_same_object(void **state)
{
    (void)state;
    reset();
    FT_BEGIN_CRITICAL_SECTION(&x.ob);
    nested_on_x();                        /* top holds x: not re-locked */
    assert_true(ft__cs_held(&x.ob));      /* still held by the outer one */
    if (!FT_MODE_GIL)
        assert_true(ft__mutex_is_locked(&x.ob));
    nested_pair_on_x_y();
    assert_true(ft__cs_held(&x.ob));
    FT_END_CRITICAL_SECTION();
    if (!FT_MODE_GIL) {
        assert_false(ft__cs_held(&x.ob));
        assert_int_equal(ft_atomic_load_relaxed(&x.ob.ob_mutex), 0);
        assert_int_equal(ft_atomic_load_relaxed(&y.ob.ob_mutex), 0);
        assert_int_equal(ft__tstate()->critical_section, 0);
    }
    assert_int_equal(x.value, 1);
}

static void y_then_x(void)
{
    FT_BEGIN_CRITICAL_SECTION(&y.ob);
    nested_on_x();   /* x held by the section below y: parks on itself */
    /* The y section was resumed when the inner one ended. */
    assert_true(ft__cs_held(&y.ob));
    if (!FT_MODE_GIL)
        assert_true(ft__mutex_is_locked(&y.ob));
    y.value++;
    FT_END_CRITICAL_SECTION();
}

static void test_nested_held_below(void **state)
{
    (void)state;
    reset();
    /* x held by a lower section, y in between: locking x again parks, the
     * park suspends both lower sections (releasing x to ourselves). */
    FT_BEGIN_CRITICAL_SECTION(&x.ob);
    y_then_x();
    assert_true(ft__cs_held(&x.ob));
    if (!FT_MODE_GIL)
        assert_true(ft__mutex_is_locked(&x.ob));
    FT_END_CRITICAL_SECTION();
    if (!FT_MODE_GIL) {
        assert_int_equal(ft_atomic_load_relaxed(&x.ob.ob_mutex), 0);
        assert_int_equal(ft_atomic_load_relaxed(&y.ob.ob_mutex), 0);
        assert_int_equal(ft__tstate()->critical_section, 0);
    }
    assert_int_equal(x.value, 1);
    assert_int_equal(y.value, 1);
}

/* ---- Sections stay exclusive across suspensions under contention ---- */

static void *suspender_main(void *arg)
{
    (void)arg;
    for (long i = 0; i < ITERS / 10; i++) {
        FT_BEGIN_CRITICAL_SECTION(&x.ob);
        long v = x.value;
        if ((i & 7) == 0) {
            /* Block inside the section: x is released meanwhile, so what
             * we read must be re-validated afterwards (the contract). */
            ft_blocking_begin();
            sched_yield();
            ft_blocking_end();
            v = x.value;
        }
        x.value = v + 1;
        FT_END_CRITICAL_SECTION();
    }
    return NULL;
}

static void test_suspend_under_contention(void **state)
{
    (void)state;
    reset();
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(ft_thread_start(&th[i], suspender_main, NULL), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(ft_thread_join(th[i], NULL), 0);
    assert_int_equal(x.value, 3L * (ITERS / 10));
}

/* ---- Suspension at a stop-the-world ---- */

static _Atomic int in_section, stopper_wrote;

static void *safepoint_in_section_main(void *arg)
{
    (void)arg;
    FT_BEGIN_CRITICAL_SECTION(&x.ob);
    x.value = 1;
    atomic_store(&in_section, 1);
    /* Safepoints inside the section: the stop suspends us here. */
    while (!atomic_load(&stopper_wrote))
        ft_safepoint();
    /* Resumed after the restart: the section holds x again, and what the
     * stopper wrote meanwhile is visible (the contract: re-validate). */
    if (!ft__cs_held(&x.ob) || (!FT_MODE_GIL && !ft__mutex_is_locked(&x.ob)))
        x.value = -1000;
    x.value += 1;
    FT_END_CRITICAL_SECTION();
    return NULL;
}

static void test_suspended_at_stop(void **state)
{
    (void)state;
    reset();
    atomic_store(&in_section, 0);
    atomic_store(&stopper_wrote, 0);
    pthread_t th;
    assert_int_equal(ft_thread_start(&th, safepoint_in_section_main, NULL), 0);
    ft_blocking_begin();
    while (!atomic_load(&in_section))
        sched_yield();
    ft_blocking_end();
    ft_world_stop();
    /* The other thread is stopped inside its section: released. */
    if (!FT_MODE_GIL)
        assert_false(ft__mutex_is_locked(&x.ob));
    FT_BEGIN_CRITICAL_SECTION(&x.ob);
    assert_int_equal(x.value, 1);
    x.value = 10;
    FT_END_CRITICAL_SECTION();
    atomic_store(&stopper_wrote, 1);
    assert_int_equal(ft_world_start(), 0);
    assert_int_equal(ft_thread_join(th, NULL), 0);
    assert_int_equal(x.value, 11);
    if (!FT_MODE_GIL)
        assert_int_equal(ft_atomic_load_relaxed(&x.ob.ob_mutex), 0);
}

static _Atomic int raw_locked, raw_release;

static void *raw_holder_main(void *arg)
{
    (void)arg;
    /* Own y's mutex outside any section (as a fair unlock hands a mutex to
     * a parked thread), then wait detached. */
    ft__mutex_lock(&y.ob);
    atomic_store(&raw_locked, 1);
    ft_blocking_begin();
    while (!atomic_load(&raw_release))
        sched_yield();
    ft_blocking_end();
    ft__mutex_unlock(&y.ob);
    return NULL;
}

static void stopper_sections(void)
{
    FT_BEGIN_CRITICAL_SECTION(&y.ob);         /* owned by a stopped thread */
    y.value++;
    FT_END_CRITICAL_SECTION();
    FT_BEGIN_CRITICAL_SECTION2(&y.ob, &x.ob);
    y.value++;
    x.value++;
    FT_END_CRITICAL_SECTION2();
}

static void test_stopper_locks_nothing(void **state)
{
    (void)state;
    reset();
    atomic_store(&raw_locked, 0);
    atomic_store(&raw_release, 0);
    pthread_t th;
    assert_int_equal(ft_thread_start(&th, raw_holder_main, NULL), 0);
    ft_blocking_begin();
    while (!atomic_load(&raw_locked))
        sched_yield();
    ft_blocking_end();
    ft_world_stop();
    stopper_sections();          /* must not wait for the stopped owner */
    /* A blocking region while we hold the world stopped keeps us attached. */
    ft_blocking_begin();
    ft_blocking_end();
    assert_true(ft_thread_is_attached());
    assert_true(ft_world_is_stopped());
    if (!FT_MODE_GIL)
        assert_int_equal(ft__tstate()->critical_section, 0);
    assert_int_equal(ft_world_start(), 0);
    atomic_store(&raw_release, 1);
    assert_int_equal(ft_thread_join(th, NULL), 0);
    assert_int_equal(y.value, 2);
    assert_int_equal(x.value, 1);
    if (!FT_MODE_GIL) {
        assert_int_equal(ft_atomic_load_relaxed(&x.ob.ob_mutex), 0);
        assert_int_equal(ft_atomic_load_relaxed(&y.ob.ob_mutex), 0);
    }
}

/* ---- Parking on a lock releases the sections held ---- */

static _Atomic int a_holds_x;

static void *x_then_y_main(void *arg)
{
    (void)arg;
    FT_BEGIN_CRITICAL_SECTION(&x.ob);
    x.value += 1;
    atomic_store(&a_holds_x, 1);
    /* y is held by main: we park, which must release x meanwhile. */
    FT_BEGIN_CRITICAL_SECTION(&y.ob);
    y.value += 1;
    FT_END_CRITICAL_SECTION();
    x.value += 1;             /* x re-taken when the inner section ended */
    FT_END_CRITICAL_SECTION();
    return NULL;
}

static void x_section_while_y_held(void)
{
    /* Needs x while the other thread (holding x in a section) waits for
     * our y: only possible if its park released x. */
    FT_BEGIN_CRITICAL_SECTION(&x.ob);
    x.value += 10;
    FT_END_CRITICAL_SECTION();
}

static void test_park_releases_sections(void **state)
{
    (void)state;
    reset();
    atomic_store(&a_holds_x, 0);
    pthread_t th;
    FT_BEGIN_CRITICAL_SECTION(&y.ob);
    assert_int_equal(ft_thread_start(&th, x_then_y_main, NULL), 0);
    ft_blocking_begin();       /* our y section is suspended meanwhile... */
    while (!atomic_load(&a_holds_x))
        sched_yield();
    ft_blocking_end();         /* ...and re-taken (the thread may have had y) */
    x_section_while_y_held();
    FT_END_CRITICAL_SECTION();
    assert_int_equal(ft_thread_join(th, NULL), 0);
    assert_int_equal(x.value, 12);
    assert_int_equal(y.value, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_objects_both_orders),
        cmocka_unit_test(test_two_same_object),
        cmocka_unit_test(test_null_object_locks_nothing),
        cmocka_unit_test(test_suspended_while_blocking),
        cmocka_unit_test(test_nested_same_object),
        cmocka_unit_test(test_nested_held_below),
        cmocka_unit_test(test_suspend_under_contention),
        cmocka_unit_test(test_suspended_at_stop),
        cmocka_unit_test(test_stopper_locks_nothing),
        cmocka_unit_test(test_park_releases_sections),
    };
    return cmocka_run_group_tests_name("critical", tests, ft_test_group_setup, ft_test_group_teardown);
}
