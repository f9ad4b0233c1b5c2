/* tests/test_mutex.c: the per-object mutex (threads/mutex.c).
 *
 * - contended increments under the object lock come out exact (a lost
 *   update or, under TSan, a data race means the lock is broken);
 * - a thread parked on a lock is detached: ft_world_stop does not wait for
 *   it (the test would hang, and time out, otherwise);
 * - the parked thread gets the lock once it is released.
 */
#include "testutil.h"
#include <sched.h>

#include "threads/lock.h"
#include "threads/tstate.h"

/* An object header used only for its lock byte, and the data it guards. */
typedef struct Box {
    FtObject ob;
    long counter;          /* protected by ob's mutex */
    long pairs[2];         /* protected by ob's mutex: always equal */
} Box;

static Box box;

/* ---- Contended increments ---- */

#define NTHREADS 4
#if FT_TSAN
#define ITERS 5000
#else
#define ITERS 50000
#endif

static _Atomic long parked_seen, mismatches;

static void *incr_main(void *arg)
{
    (void)arg;
    for (long i = 0; i < ITERS; i++) {
        ft__mutex_lock(&box.ob);
        /* Read-modify-write with a yield in the middle now and then, so the
         * others spin and park. */
        long c = box.counter;
        box.pairs[0]++;
        if ((i & 255) == 0) {
            if (ft_atomic_load_relaxed(&box.ob.ob_mutex) & FT_MUTEX_HAS_PARKED)
                ft_atomic_add_relaxed(&parked_seen, 1);
            sched_yield();
        }
        box.counter = c + 1;
        box.pairs[1]++;
        if (box.pairs[0] != box.pairs[1])
            ft_atomic_add_relaxed(&mismatches, 1);   /* no cmocka off main */
        ft__mutex_unlock(&box.ob);
        if ((i & 1023) == 0)
            ft_safepoint();
    }
    return NULL;
}

static void test_contended_increments(void **state)
{
    (void)state;
    memset(&box, 0, sizeof box);
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(ft_thread_start(&th[i], incr_main, NULL), 0);
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(ft_thread_join(th[i], NULL), 0);
    assert_int_equal(box.counter, (long)NTHREADS * ITERS);
    assert_int_equal(box.pairs[0], (long)NTHREADS * ITERS);
    assert_int_equal(atomic_load(&mismatches), 0);
    assert_int_equal(ft_atomic_load_relaxed(&box.ob.ob_mutex), 0);
}

/* ---- A parked waiter does not block a stop-the-world ---- */

static _Atomic int waiter_done;

static void *waiter_main(void *arg)
{
    (void)arg;
    ft__mutex_lock(&box.ob);          /* parks: main holds it */
    box.counter++;
    ft__mutex_unlock(&box.ob);
    atomic_store(&waiter_done, 1);
    return NULL;
}

static void test_parked_waiter_is_detached(void **state)
{
    (void)state;
    if (FT_MODE_GIL)
        skip();   /* no per-object locks: the GIL serialises */
    memset(&box, 0, sizeof box);
    atomic_store(&waiter_done, 0);
    ft__mutex_lock(&box.ob);
    pthread_t th;
    assert_int_equal(ft_thread_start(&th, waiter_main, NULL), 0);
    /* Wait until the waiter has announced itself (it parks right after). */
    while (!(ft_atomic_load_relaxed(&box.ob.ob_mutex) & FT_MUTEX_HAS_PARKED)) {
        ft_safepoint();
        sched_yield();
    }
    /* Whether it is already asleep or about to be, the stop completes: a
     * thread parking detaches first. */
    ft_world_stop();
    assert_true(ft_world_is_stopped());
    assert_int_equal(atomic_load(&waiter_done), 0);
    ft_world_start();
    assert_int_equal(box.counter, 0);   /* it could not get the lock */
    ft__mutex_unlock(&box.ob);
    assert_int_equal(ft_thread_join(th, NULL), 0);
    assert_int_equal(atomic_load(&waiter_done), 1);
    assert_int_equal(box.counter, 1);
    assert_int_equal(ft_atomic_load_relaxed(&box.ob.ob_mutex), 0);
}

/* ---- Several waiters on one object: each gets it once ---- */

static void test_many_waiters(void **state)
{
    (void)state;
    if (FT_MODE_GIL)
        skip();
    memset(&box, 0, sizeof box);
    ft__mutex_lock(&box.ob);
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(ft_thread_start(&th[i], waiter_main, NULL), 0);
    while (!(ft_atomic_load_relaxed(&box.ob.ob_mutex) & FT_MUTEX_HAS_PARKED))
        sched_yield();
    /* Hold the lock long enough (in wall time, not asserted) for the
     * fairness hand-off to kick in for at least the first waiter. */
    uint64_t until = ft__now_ns() + 3u * 1000u * 1000u;
    while (ft__now_ns() < until) {
        ft_safepoint();
        sched_yield();
    }
    ft__mutex_unlock(&box.ob);
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(ft_thread_join(th[i], NULL), 0);
    assert_int_equal(box.counter, NTHREADS);
    assert_int_equal(ft_atomic_load_relaxed(&box.ob.ob_mutex), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contended_increments),
        cmocka_unit_test(test_parked_waiter_is_detached),
        cmocka_unit_test(test_many_waiters),
    };
    return cmocka_run_group_tests_name("mutex", tests, ft_test_group_setup, ft_test_group_teardown);
}
