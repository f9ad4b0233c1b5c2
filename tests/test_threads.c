/* tests/test_threads.c: attach/detach, blocking regions, stop-the-world,
 * and the errors that must not abort (issue 10 item 9): ft_world_start
 * without a stop, ft_thread_start whose thread cannot attach, ft_thread_detach
 * out of memory (state unchanged, retry safe; ft_thread_start retries). */
#include "testutil.h"
#include "threads/tstate.h"
#include "gc/gc.h"
#include <unistd.h>

static void attach_errors(void **state)
{
    (void)state;
    assert_int_equal(ft_thread_attach(), -1);        /* already attached */
    assert_int_equal(ft_error_kind(), FT_ERR_STATE);
    ft_error_clear();
    assert_true(ft_thread_is_attached());
    assert_true(ft_thread_id() > 0);
    assert_int_equal(ft_runtime_init(), -1);          /* already running */
    ft_error_clear();
}

static void *detach_unattached(void *arg)
{
    (void)arg;
    intptr_t r = ft_thread_detach();
    return (void *)r;
}

static void detach_when_not_attached(void **state)
{
    (void)state;
    pthread_t t;
    void *r;
    pthread_create(&t, NULL, detach_unattached, NULL);
    ft_thread_join(t, &r);
    assert_int_equal((intptr_t)r, -1);
}

static void *id_of_thread(void *arg)
{
    *(uint64_t *)arg = ft_thread_id();
    return NULL;
}

static void ids_never_reused(void **state)
{
    (void)state;
    uint64_t ids[20];
    for (int i = 0; i < 20; i++) {
        pthread_t t;
        ft_thread_start(&t, id_of_thread, &ids[i]);
        ft_thread_join(t, NULL);
    }
    for (int i = 0; i < 20; i++)
        for (int j = i + 1; j < 20; j++)
            assert_true(ids[i] != ids[j]);
}

/* ---- Stop-the-world ---- */

static _Atomic int stop_workers;
static _Atomic long progress;

static void *busy_worker(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop_workers)) {
        FtObject *o = tleaf_new(1);   /* allocation polls the safepoint */
        ft_decref(o);
        atomic_fetch_add(&progress, 1);
    }
    return NULL;
}

static void stop_the_world_stops_everyone(void **state)
{
    (void)state;
    atomic_store(&stop_workers, 0);
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        ft_thread_start(&t[i], busy_worker, NULL);
    while (atomic_load(&progress) < 1000)
        ft_safepoint();
    for (int round = 0; round < 50; round++) {
        ft_world_stop();
        assert_true(ft_world_is_stopped());
        long p0 = atomic_load(&progress);
        for (volatile int spin = 0; spin < 100000; spin++)
            ;
        /* Stopped threads make no progress (a thread between its counter
         * increment and its next poll may add at most one). */
        assert_true(atomic_load(&progress) - p0 <= 0);
        ft_world_start();
    }
    atomic_store(&stop_workers, 1);
    for (int i = 0; i < 3; i++)
        ft_thread_join(t[i], NULL);
    FtStats s;
    ft_stats_get(&s);
    assert_true(s.stw_count >= 50);
}

static pthread_mutex_t bmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bcv = PTHREAD_COND_INITIALIZER;
static int released;

static void *blocked_worker(void *arg)
{
    (void)arg;
    ft_blocking_begin();
    pthread_mutex_lock(&bmu);
    while (!released)
        pthread_cond_wait(&bcv, &bmu);
    pthread_mutex_unlock(&bmu);
    ft_blocking_end();
    FtObject *o = tleaf_new(1);
    ft_decref(o);
    return NULL;
}

static void blocking_region_does_not_stall_stop(void **state)
{
    (void)state;
    released = 0;
    pthread_t t;
    ft_thread_start(&t, blocked_worker, NULL);
    usleep(10000);
    for (int i = 0; i < 10; i++) {
        ft_world_stop();    /* would hang if the blocked thread counted */
        ft_world_start();
    }
    pthread_mutex_lock(&bmu);
    released = 1;
    pthread_cond_broadcast(&bcv);
    pthread_mutex_unlock(&bmu);
    ft_thread_join(t, NULL);
}

static void *busy_once(void *arg)
{
    (void)arg;
    FtObject *keep = tnode_new(1);
    for (int i = 0; i < 100; i++) {
        FtObject *o = tleaf_new(i);
        ft_decref(o);
    }
    ft_decref(keep);
    return NULL;
}

static void *churn_worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200 && !atomic_load(&stop_workers); i++) {
        pthread_t t;
        ft_thread_start(&t, busy_once, NULL);
        ft_thread_join(t, NULL);
    }
    return NULL;
}

static void *stopper_worker(void *arg)
{
    long *count = arg;
    while (!atomic_load(&stop_workers)) {
        ft_world_stop();
        ft_world_start();
        (*count)++;
    }
    return NULL;
}

static void stw_with_attach_detach_churn(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    atomic_store(&stop_workers, 0);
    long stops_a = 0, stops_b = 0;
    pthread_t churn[2], stopper;
    ft_thread_start(&stopper, stopper_worker, &stops_a);
    for (int i = 0; i < 2; i++)
        ft_thread_start(&churn[i], churn_worker, NULL);
    /* we also stop the world, concurrently with the other stopper */
    for (int i = 0; i < 200; i++) {
        ft_world_stop();
        ft_world_start();
        stops_b++;
    }
    for (int i = 0; i < 2; i++)
        ft_thread_join(churn[i], NULL);
    atomic_store(&stop_workers, 1);
    ft_thread_join(stopper, NULL);
    assert_int_equal(stops_b, 200);
    assert_true(stops_a > 0);
    assert_live_equal(before, live_snapshot());
}

/* ---- Errors, not aborts ---- */

static void *world_start_unattached(void *arg)
{
    (void)arg;
    intptr_t rc = ft_world_start();
    return (void *)(intptr_t)(rc == -1 && ft_error_kind() == FT_ERR_STATE);
}

static void world_start_without_stop(void **state)
{
    (void)state;
    assert_int_equal(ft_world_start(), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_STATE);
    ft_error_clear();
    assert_false(ft_world_is_stopped());
    /* A real pair still works afterwards, and a second start fails. */
    ft_world_stop();
    assert_int_equal(ft_world_start(), 0);
    assert_int_equal(ft_world_start(), -1);
    ft_error_clear();
    pthread_t t;
    void *r;
    pthread_create(&t, NULL, world_start_unattached, NULL);
    ft_thread_join(t, &r);
    assert_int_equal((intptr_t)r, 1);
}

static _Atomic int ran;

static void *mark_ran(void *arg)
{
    (void)arg;
    atomic_store(&ran, 1);
    return (void *)7;
}

static void thread_start_attach_oom(void **state)
{
    (void)state;
    FtStats s0, s1;
    ft_stats_get(&s0);
    atomic_store(&ran, 0);
    pthread_t t;
    ft__debug_fail_attach_next(1);
    assert_int_equal(ft_thread_start(&t, mark_ran, NULL), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_MEMORY);
    ft_error_clear();
    assert_int_equal(atomic_load(&ran), 0);       /* fn never ran */
    ft_stats_get(&s1);
    assert_int_equal(s1.threads_live, s0.threads_live);
    assert_int_equal(s1.threads_attached_total, s0.threads_attached_total);
    /* Not while holding the world stopped (the attach would wait for us). */
    ft_world_stop();
    assert_int_equal(ft_thread_start(&t, mark_ran, NULL), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_STATE);
    ft_error_clear();
    assert_int_equal(ft_world_start(), 0);
    /* The next start works. */
    void *r = NULL;
    assert_int_equal(ft_thread_start(&t, mark_ran, NULL), 0);
    assert_int_equal(ft_thread_join(t, &r), 0);
    assert_int_equal((intptr_t)r, 7);
    assert_int_equal(atomic_load(&ran), 1);
}

/* A thread whose first detach fails for lack of memory: nothing changed,
 * and the retry succeeds. Returns 1 if everything held. */
static void *detach_oom_then_retry(void *arg)
{
    (void)arg;
    if (ft_thread_attach() < 0)
        return NULL;
    FtObject *keep = tnode_new(5);
    ft__gc_track(keep);
    uint64_t id = ft_thread_id();
    int ok = 1;
    ft_debug_fail_alloc_after(1);
    if (ft_thread_detach() != -1 || ft_error_kind() != FT_ERR_MEMORY)
        ok = 0;
    ft_error_clear();
    /* Still attached, same id, our object still ours and usable. */
    if (!ft_thread_is_attached() || ft_thread_id() != id)
        ok = 0;
    if (FT_MODE_FT && ft_atomic_load_relaxed(&keep->ob_tid) != (uintptr_t)id)
        ok = 0;
    FtObject *more = tleaf_new(6);
    if (!more || ((TNode *)keep)->value != 5)
        ok = 0;
    ft_decref(more);
    ft_decref(keep);
    if (ft_thread_detach() != 0)
        ok = 0;
    return (void *)(intptr_t)ok;
}

static void thread_detach_oom(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtStats s0, s1;
    ft_stats_get(&s0);
    pthread_t t;
    void *r = NULL;
    pthread_create(&t, NULL, detach_oom_then_retry, NULL);
    ft_thread_join(t, &r);
    assert_int_equal((intptr_t)r, 1);
    ft_stats_get(&s1);
    assert_int_equal(s1.threads_live, s0.threads_live);
    ft_gc_collect();
    assert_live_equal(before, live_snapshot());
}

/* ft_thread_start's thread: its function leaves a failure armed, so the
 * detach after it fails once; the thread must retry, not abort. */
static void *arm_detach_failure(void *arg)
{
    FtObject *keep = tnode_new(1);
    ft__gc_track(keep);
    *(FtObject **)arg = keep;        /* handed to the joiner */
    ft_debug_fail_alloc_after(1);
    return (void *)9;
}

static void thread_start_detach_retried(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtStats s0, s1;
    ft_stats_get(&s0);
    FtObject *handed = NULL;
    pthread_t t;
    void *r = NULL;
    assert_int_equal(ft_thread_start(&t, arm_detach_failure, &handed), 0);
    assert_int_equal(ft_thread_join(t, &r), 0);
    assert_int_equal((intptr_t)r, 9);
    ft_stats_get(&s1);
    assert_int_equal(s1.threads_live, s0.threads_live);
    assert_non_null(handed);
    assert_int_equal(((TNode *)handed)->value, 1);   /* orphaned, alive */
    ft_decref(handed);
    ft_gc_collect();
    assert_live_equal(before, live_snapshot());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(attach_errors),
        cmocka_unit_test(detach_when_not_attached),
        cmocka_unit_test(ids_never_reused),
        cmocka_unit_test(stop_the_world_stops_everyone),
        cmocka_unit_test(blocking_region_does_not_stall_stop),
        cmocka_unit_test(stw_with_attach_detach_churn),
        cmocka_unit_test(world_start_without_stop),
        cmocka_unit_test(thread_start_attach_oom),
        cmocka_unit_test(thread_detach_oom),
        cmocka_unit_test(thread_start_detach_retried),
    };
    return cmocka_run_group_tests(tests, ft_test_group_setup, ft_test_group_teardown);
}
