/* tests/test_qsbr.c: delayed frees through QSBR (threads/qsbr.c).
 *
 * - a block (and a shared object) freed with the delayed API stays
 *   allocated while another attached thread has not passed a safepoint, and
 *   is freed once it has;
 * - the barrier frees everything every thread deferred, and the counters
 *   come back to where they were (no leak);
 * - the synchronous fallback when a batch record cannot be allocated;
 * - with the world stopped by the caller, frees are immediate.
 */
#include "testutil.h"
#include <sched.h>

#include "threads/lock.h"
#include "threads/tstate.h"

static void snapshot(int64_t *objects, int64_t *raw)
{
    FtStats s;
    ft_stats_get(&s);
    *objects = s.objects_live;
    *raw = s.raw_bytes_live;
}

/* Wait, reporting our own quiescent states, until nothing is pending. */
static void wait_all_freed(void)
{
    while (ft__qsbr_pending_bytes() > 0) {
        ft_safepoint();
        sched_yield();
    }
}

/* ---- A reader that does not report until told to ---- */

static _Atomic int reader_ready, please_report, reported, reader_stop;

static void *reader_main(void *arg)
{
    (void)arg;
    atomic_store(&reader_ready, 1);
    /* Attached and online, but no safepoint: a lock-free reader in the
     * middle of a read, as far as QSBR knows. */
    while (!atomic_load(&please_report))
        sched_yield();
    ft_safepoint();
    atomic_store(&reported, 1);
    while (!atomic_load(&reader_stop)) {
        ft_safepoint();
        sched_yield();
    }
    return NULL;
}

static void start_reader(pthread_t *th)
{
    atomic_store(&reader_ready, 0);
    atomic_store(&please_report, 0);
    atomic_store(&reported, 0);
    atomic_store(&reader_stop, 0);
    assert_int_equal(ft_thread_start(th, reader_main, NULL), 0);
    while (!atomic_load(&reader_ready))
        sched_yield();
}

static void test_freed_only_after_other_safepoint(void **state)
{
    (void)state;
    if (FT_MODE_GIL)
        skip();   /* frees are immediate; a spinning reader holds the GIL */
    wait_all_freed();
    int64_t objects0, raw0;
    snapshot(&objects0, &raw0);

    pthread_t th;
    start_reader(&th);

    void *p = ft_mem_alloc(1000);
    assert_non_null(p);
    memset(p, 0xab, 1000);
    FtObject *op = tleaf_new(45);
    assert_non_null(op);
    ft__object_mark_shared(op);
    ft_decref(op);                      /* dealloc -> ft__object_free_delayed */
    ft__free_delayed(p);
    ft__qsbr_reclaim();                 /* hand the partial batch over */

    /* Counted as freed at once... */
    int64_t objects1, raw1;
    snapshot(&objects1, &raw1);
    assert_int_equal(objects1, objects0);
    assert_int_equal(raw1, raw0);
    /* ...but the memory stays until the reader has reported, however often
     * we ourselves pass safepoints. */
    int freed_early = 0;
    for (int i = 0; i < 300; i++) {
        ft_safepoint();
        sched_yield();
        if (ft__qsbr_pending_bytes() < 1000)
            freed_early = 1;
    }
    atomic_store(&please_report, 1);
    while (!atomic_load(&reported))
        sched_yield();
    wait_all_freed();
    atomic_store(&reader_stop, 1);
    assert_int_equal(ft_thread_join(th, NULL), 0);
    assert_false(freed_early);
}

/* ---- Barrier: everything deferred by any thread gets freed ---- */

#define BLOCKS 1000

static void *deferrer_main(void *arg)
{
    (void)arg;
    for (int i = 0; i < BLOCKS; i++) {
        void *p = ft_mem_alloc((size_t)(16 + i % 200));
        if (p)
            ft__free_delayed(p);
        FtObject *op = tleaf_new(i);
        if (op) {
            ft__object_mark_shared(op);
            ft_decref(op);
        }
        if (i % 97 == 0)
            ft_safepoint();
    }
    return NULL;   /* detaching hands the partial batch over */
}

static void test_barrier_frees_everything(void **state)
{
    (void)state;
    wait_all_freed();
    int64_t objects0, raw0;
    snapshot(&objects0, &raw0);
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(ft_thread_start(&th[i], deferrer_main, NULL), 0);
    deferrer_main(NULL);
    for (int i = 0; i < 3; i++)
        assert_int_equal(ft_thread_join(th[i], NULL), 0);
    ft__qsbr_barrier();
    assert_int_equal(ft__qsbr_pending_bytes(), 0);
    int64_t objects1, raw1;
    snapshot(&objects1, &raw1);
    assert_int_equal(objects1, objects0);
    assert_int_equal(raw1, raw0);
}

/* ---- No batch record: synchronous grace period ---- */

static _Atomic int poller_stop;

static void *poller_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&poller_stop)) {
        ft_safepoint();
        sched_yield();
    }
    return NULL;
}

static void test_batch_oom_fallback(void **state)
{
    (void)state;
    ft__qsbr_reclaim();
    wait_all_freed();
    int64_t objects0, raw0;
    snapshot(&objects0, &raw0);
    atomic_store(&poller_stop, 0);
    pthread_t th;
    assert_int_equal(ft_thread_start(&th, poller_main, NULL), 0);

    ft__qsbr_fail_batch_alloc(1);
    void *p = ft_mem_alloc(4000);
    assert_non_null(p);
    ft__free_delayed(p);                /* waits for the poller, frees */
    assert_int_equal(ft__qsbr_pending_bytes(), 0);
    assert_false(ft_error_occurred());  /* never an error */

    atomic_store(&poller_stop, 1);
    assert_int_equal(ft_thread_join(th, NULL), 0);
    int64_t objects1, raw1;
    snapshot(&objects1, &raw1);
    assert_int_equal(raw1, raw0);
    assert_int_equal(objects1, objects0);
    ft__qsbr_fail_batch_alloc(0);
}

/* ---- World stopped: immediate ---- */

static void test_world_stopped_is_immediate(void **state)
{
    (void)state;
    ft__qsbr_reclaim();
    wait_all_freed();
    void *p = ft_mem_alloc(500);
    assert_non_null(p);
    ft_world_stop();
    ft__free_delayed(p);
    assert_int_equal(ft__qsbr_pending_bytes(), 0);
    ft_world_start();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_freed_only_after_other_safepoint),
        cmocka_unit_test(test_barrier_frees_everything),
        cmocka_unit_test(test_batch_oom_fallback),
        cmocka_unit_test(test_world_stopped_is_immediate),
    };
    return cmocka_run_group_tests_name("qsbr", tests, ft_test_group_setup, ft_test_group_teardown);
}
