/* tests/test_fork.c: fork support (threads/fork.c, issue 10 item 10).
 *
 * A parent with several busy threads (allocating, appending to shared
 * lists in critical sections, entering blocking regions, owning objects
 * the main thread keeps) freezes its heap and forks:
 * - with the world stopped by the caller (the pre-fork recipe: stop,
 *   ft_gc_freeze, fork), and with ft_gc_freeze and ft_fork stopping it
 *   themselves;
 * - the child is the only thread: it reads frozen objects and objects its
 *   vanished threads owned, allocates, appends to a list a vanished thread
 *   was appending to, collects (cycles included), starts and joins a thread
 *   of its own, and exits 0 (each failed check exits with its own code);
 * - the parent's threads keep running after the fork; it joins them, and
 *   every object count comes back.
 * Plus the errors: ft_fork_parent/child without a prepare.
 */
#include "testutil.h"
#include "threads/tstate.h"
#include "gc/gc.h"

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#define NBUSY 3
#define NKEEP 64

typedef struct Busy {
    FtObject *shared;            /* a list every busy thread appends to */
    FtObject *owned[NBUSY];      /* a list each busy thread built (its objects) */
    _Atomic int stop;
    _Atomic long progress;
    _Atomic int ready;
} Busy;

static Busy busy;

static void *busy_main(void *arg)
{
    int me = (int)(intptr_t)arg;
    /* Objects this thread owns and hands to main before the fork. */
    FtObject *mine = ft_list_new(0);
    for (int i = 0; i < NKEEP; i++) {
        FtObject *f = ft_float_from_double(me * 1000 + i);
        ft_list_append(mine, f);
        ft_decref(f);
    }
    busy.owned[me] = mine;            /* main reads it after `ready` */
    atomic_fetch_add(&busy.ready, 1);
    long n = 0;
    while (!atomic_load(&busy.stop)) {
        FtObject *f = ft_float_from_double((double)n);
        if ((n & 3) == 0) {
            ft_list_append(busy.shared, f);
        } else if ((n & 3) == 1) {
            FT_BEGIN_CRITICAL_SECTION(busy.shared);
            FtObject *g = ft_float_from_double(1.0);   /* a safepoint inside */
            ft_decref(g);
            FT_END_CRITICAL_SECTION();
        } else if ((n & 3) == 2) {
            ft_blocking_begin();
            sched_yield();
            ft_blocking_end();
        } else {
            FtObject *x = ft_list_pop(busy.shared, 0);
            if (x)
                ft_decref(x);
            else
                ft_error_clear();
        }
        ft_decref(f);
        atomic_fetch_add(&busy.progress, 1);
        n++;
    }
    return NULL;
}

/* A garbage cycle of two nodes (collected by the child). */
static void make_cycle(void)
{
    FtObject *a = tnode_new(1), *b = tnode_new(2);
    tnode_set(a, 0, b);
    tnode_set(b, 0, a);
    ft__gc_track(a);
    ft__gc_track(b);
    ft_decref(a);
    ft_decref(b);
}

static void *child_thread(void *arg)
{
    FtObject *f = ft_float_from_double(42.0);
    *(double *)arg = ft_float_as_double(f);
    ft_decref(f);
    return NULL;
}

#define CHILD_CHECK(cond, code) do { if (!(cond)) _exit(code); } while (0)

/* Runs in the child; never returns. */
static void child_main(FtObject *frozen)
{
    CHILD_CHECK(ft_thread_is_attached(), 10);
    CHILD_CHECK(!ft_world_is_stopped(), 11);
    FtStats s;
    ft_stats_get(&s);
    CHILD_CHECK(s.threads_live == 1, 12);
    /* Frozen objects, still frozen and intact. */
    CHILD_CHECK(ft_len(frozen) == NKEEP, 13);
    for (int i = 0; i < NKEEP; i++) {
        FtObject *n = ft_list_get_item(frozen, i);
        CHILD_CHECK(n && ((TNode *)n)->value == i, 14);
        CHILD_CHECK(ft__gc_bits(n) & FT_GC_FROZEN, 15);
        ft_decref(n);
    }
    /* Objects the vanished threads owned: readable, then released. */
    for (int t = 0; t < NBUSY; t++) {
        FtObject *l = busy.owned[t];
        CHILD_CHECK(ft_len(l) == NKEEP, 16);
        for (int i = 0; i < NKEEP; i++) {
            FtObject *f = ft_list_get_item(l, i);
            CHILD_CHECK(f && ft_float_as_double(f) == t * 1000 + i, 17);
            ft_decref(f);
        }
    }
    /* The shared list a vanished thread may have been appending to. */
    FtSsize n0 = ft_len(busy.shared);
    for (int i = 0; i < 100; i++) {
        FtObject *f = ft_float_from_double(i);
        CHILD_CHECK(f && ft_list_append(busy.shared, f) == 0, 18);
        ft_decref(f);
    }
    CHILD_CHECK(ft_len(busy.shared) == n0 + 100, 19);
    /* Collect: a fresh cycle is found; nothing hangs. */
    make_cycle();
    CHILD_CHECK(ft_gc_collect() >= 2, 20);
    /* A thread of the child's own. */
    double got = 0;
    pthread_t t;
    CHILD_CHECK(ft_thread_start(&t, child_thread, &got) == 0, 21);
    CHILD_CHECK(ft_thread_join(t, NULL) == 0 && got == 42.0, 22);
    /* Stop the world again, and release what the vanished threads owned. */
    ft_world_stop();
    CHILD_CHECK(ft_world_start() == 0, 23);
    for (int i = 0; i < NBUSY; i++)
        ft_decref(busy.owned[i]);
    ft_gc_collect();
    _exit(0);
}

static void start_busy(pthread_t *th)
{
    busy.shared = ft_list_new(0);
    assert_non_null(busy.shared);
    atomic_store(&busy.stop, 0);
    atomic_store(&busy.ready, 0);
    for (int i = 0; i < NBUSY; i++)
        assert_int_equal(ft_thread_start(&th[i], busy_main, (void *)(intptr_t)i), 0);
    ft_blocking_begin();
    while (atomic_load(&busy.ready) < NBUSY)
        sched_yield();
    ft_blocking_end();
}

static FtObject *make_frozen(void)
{
    FtObject *l = ft_list_new(0);
    for (int i = 0; i < NKEEP; i++) {
        FtObject *n = tnode_new(i);
        ft__gc_track(n);
        ft_list_append(l, n);
        ft_decref(n);
    }
    return l;
}

static void stop_busy(pthread_t *th)
{
    long p0 = atomic_load(&busy.progress);
    /* The parent's threads keep running after the fork. */
    ft_blocking_begin();
    while (atomic_load(&busy.progress) < p0 + 100)
        sched_yield();
    ft_blocking_end();
    atomic_store(&busy.stop, 1);
    for (int i = 0; i < NBUSY; i++)
        assert_int_equal(ft_thread_join(th[i], NULL), 0);
    for (int i = 0; i < NBUSY; i++)
        ft_decref(busy.owned[i]);
    ft_decref(busy.shared);
}

static int wait_child(pid_t pid)
{
    int status = 0;
    ft_blocking_begin();
    pid_t r = waitpid(pid, &status, 0);
    ft_blocking_end();
    if (r != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

static void fork_run(int caller_stops)
{
    LiveSnapshot before = live_snapshot();
    pthread_t th[NBUSY];
    FtObject *frozen = make_frozen();
    start_busy(th);
    pid_t pid;
    if (caller_stops) {
        /* The pre-fork recipe: stop, freeze, fork (world still stopped). */
        ft_world_stop();
        ft_gc_freeze();
        assert_true(ft_gc_get_freeze_count() >= NKEEP);
        pid = ft_fork();
        if (pid == 0) {
            /* The child inherits the stopped world; it restarts it. */
            if (ft_world_start() != 0)
                _exit(30);
            child_main(frozen);
        }
        assert_int_equal(ft_world_start(), 0);
    } else {
        ft_gc_freeze();
        pid = ft_fork();
        if (pid == 0)
            child_main(frozen);
    }
    assert_true(pid > 0);
    assert_int_equal(wait_child(pid), 0);
    ft_gc_unfreeze();
    stop_busy(th);
    ft_decref(frozen);
    ft_gc_collect();
    assert_live_equal(before, live_snapshot());
}

static void fork_world_stopped_by_caller(void **state)
{
    (void)state;
    fork_run(1);
}

static void fork_world_stopped_by_fork(void **state)
{
    (void)state;
    fork_run(0);
}

static void fork_errors(void **state)
{
    (void)state;
    assert_int_equal(ft_fork_parent(), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_STATE);
    ft_error_clear();
    assert_int_equal(ft_fork_child(), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_STATE);
    ft_error_clear();
    /* A prepare with nothing forked: the parent side undoes it. */
    assert_int_equal(ft_fork_prepare(), 0);
    assert_true(ft_world_is_stopped());
    assert_int_equal(ft_fork_parent(), 0);
    assert_false(ft_world_is_stopped());
    ft_blocking_begin();
    assert_int_equal(ft_fork_prepare(), -1);
    ft_blocking_end();
    assert_int_equal(ft_error_kind(), FT_ERR_STATE);
    ft_error_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fork_errors),
        cmocka_unit_test(fork_world_stopped_by_caller),
        cmocka_unit_test(fork_world_stopped_by_fork),
    };
    return cmocka_run_group_tests_name("fork", tests, ft_test_group_setup,
                                       ft_test_group_teardown);
}
