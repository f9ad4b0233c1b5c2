/* tests/test_weakref_mt.c: weak references dereferenced by several threads
 * while another thread drops the referents.
 *
 * Each round, a creator (the main thread on odd rounds, the dropper thread
 * on even ones) makes K instances, each with a callback weak reference and
 * the shared basic one, and publishes the weak references; readers call
 * ft_weakref_get on them in a loop while the dropper releases the strong
 * references (as the owner, or as a non-owner whose decrefs are merged by
 * the owner). Checked: a get returns either NULL or a live instance of the
 * right class; once a reader has seen NULL for an object it never sees it
 * again (no resurrection); every callback runs exactly once.
 */
#include "testutil.h"
#include <sched.h>

#if FT_TSAN
#define ROUNDS 6
#define K 24
#else
#define ROUNDS 30
#define K 64
#endif
#define READERS 2

static FtType *wcls;

typedef struct Round {
    FtObject *objs[K];          /* strong refs, dropped by the dropper */
    FtObject *wr_cb[K], *wr_basic[K];
    _Atomic int cb_count[K];
} Round;

static Round rounds[ROUNDS];
static _Atomic int published = -1;   /* last round whose weakrefs are out */
static _Atomic int dropped = -1;     /* last round fully dropped */
static _Atomic int readers_done[ROUNDS];
static _Atomic long violations, nonnull_gets;

static void cb(FtObject *wr, void *arg)
{
    (void)wr;
    atomic_fetch_add((_Atomic int *)arg, 1);
}

static void create_round(int r)
{
    Round *rd = &rounds[r];
    for (int i = 0; i < K; i++) {
        rd->objs[i] = ft_instance_new(wcls);
        rd->wr_cb[i] = ft_weakref_new(rd->objs[i], cb, &rd->cb_count[i]);
        rd->wr_basic[i] = ft_weakref_new(rd->objs[i], NULL, NULL);
        if (!rd->objs[i] || !rd->wr_cb[i] || !rd->wr_basic[i])
            ft_fatal("allocation failed in test");
    }
    /* release: readers see the weak references built. */
    atomic_store_explicit(&published, r, memory_order_release);
}

static void wait_until(_Atomic int *v, int at_least)
{
    while (atomic_load_explicit(v, memory_order_acquire) < at_least) {
        ft_safepoint();
        sched_yield();
    }
}

static void drop_round(int r)
{
    Round *rd = &rounds[r];
    for (int i = 0; i < K; i++) {
        FtObject *o = rd->objs[(i * 7) % K];   /* a scrambled order */
        ft_decref(o);
        if (i % 8 == 0)
            sched_yield();
    }
    atomic_store_explicit(&dropped, r, memory_order_release);
}

static void *dropper_main(void *arg)
{
    (void)arg;
    for (int r = 0; r < ROUNDS; r++) {
        if (r % 2 == 0)
            create_round(r);
        else
            wait_until(&published, r);
        drop_round(r);
    }
    return NULL;
}

static void *reader_main(void *arg)
{
    (void)arg;
    char seen_dead[2][K];
    for (int r = 0; r < ROUNDS; r++) {
        wait_until(&published, r);
        Round *rd = &rounds[r];
        memset(seen_dead, 0, sizeof seen_dead);
        int finished = 0;
        while (!finished) {
            finished = atomic_load_explicit(&dropped, memory_order_acquire) >= r;
            for (int i = 0; i < K; i++) {
                for (int kind = 0; kind < 2; kind++) {
                    FtObject *wr = kind ? rd->wr_basic[i] : rd->wr_cb[i];
                    FtObject *o = ft_weakref_get(wr);
                    if (o) {
                        atomic_fetch_add_explicit(&nonnull_gets, 1, memory_order_relaxed);
                        if (seen_dead[kind][i] || ft_type_of(o) != wcls)
                            atomic_fetch_add(&violations, 1);
                        ft_decref(o);
                    } else {
                        seen_dead[kind][i] = 1;
                    }
                }
            }
            ft_safepoint();
        }
        atomic_fetch_add(&readers_done[r], 1);
    }
    return NULL;
}

static void weakrefs_race_with_drops(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtClassSpec spec = { .name = "MT", .weakrefs = 1 };
    wcls = ft_class_new(&spec);
    assert_non_null(wcls);
    pthread_t readers[READERS], dropper;
    for (int i = 0; i < READERS; i++)
        assert_int_equal(ft_thread_start(&readers[i], reader_main, NULL), 0);
    assert_int_equal(ft_thread_start(&dropper, dropper_main, NULL), 0);
    for (int r = 0; r < ROUNDS; r++) {
        if (r % 2 == 1) {
            wait_until(&dropped, r - 1);
            create_round(r);
        }
        wait_until(&readers_done[r], READERS);
    }
    for (int i = 0; i < READERS; i++)
        assert_int_equal(ft_thread_join(readers[i], NULL), 0);
    assert_int_equal(ft_thread_join(dropper, NULL), 0);
    ft_safepoint();             /* merge what non-owners queued to us */
    for (int r = 0; r < ROUNDS; r++) {
        Round *rd = &rounds[r];
        for (int i = 0; i < K; i++) {
            assert_int_equal(atomic_load(&rd->cb_count[i]), 1);
            assert_null(ft_weakref_get(rd->wr_cb[i]));
            assert_null(ft_weakref_get(rd->wr_basic[i]));
            ft_decref(rd->wr_cb[i]);
            ft_decref(rd->wr_basic[i]);
        }
    }
    assert_int_equal(atomic_load(&violations), 0);
    ft_decref(ft_type_as_object(wcls));
    assert_live_equal(before, live_snapshot());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(weakrefs_race_with_drops),
    };
    return cmocka_run_group_tests_name("weakref_mt", tests, ft_test_group_setup,
                                       ft_test_group_teardown);
}
