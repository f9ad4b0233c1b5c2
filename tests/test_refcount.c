/* tests/test_refcount.c: biased reference counting, immortality, merges,
 * objects outliving their thread. */
#include "testutil.h"
#include <sched.h>
#include <stdatomic.h>
#include "refcount/refcount.h"
#include "threads/tstate.h"
#include "nested_owner.h"

static void owner_counts_locally(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtObject *o = tleaf_new(1);
    assert_non_null(o);
    assert_int_equal(ft_refcount(o), 1);
#if FT_MODE_FT
    assert_int_equal(ft_atomic_load_relaxed(&o->ob_tid), ft_thread_id());
    ft_incref(o);
    assert_int_equal(ft_atomic_load_relaxed(&o->ob_ref_local), 2);
    assert_int_equal(ft_atomic_load_relaxed(&o->ob_ref_shared), 0);
    ft_decref(o);
#endif
    assert_int_equal(ft_refcount(o), 1);
    ft_decref(o);
    assert_live_equal(before, live_snapshot());
}

static FtObject immortal_obj = FT_STATIC_OBJECT_HEAD(&tleaf_type);

static void immortal_never_written(void **state)
{
    (void)state;
    FtObject copy = immortal_obj;
    for (int i = 0; i < 1000; i++) {
        ft_incref(&immortal_obj);
        ft_decref(&immortal_obj);
        ft_decref(&immortal_obj);
    }
    assert_memory_equal(&copy, &immortal_obj, sizeof copy);
    assert_int_equal(ft_refcount(&immortal_obj), FT_IMMORTAL_REFCNT);
}

static void local_count_never_wraps(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtObject *o = tleaf_new(1);
#if FT_MODE_FT
    /* Pretend 2^32 - 3 references are held by the owner. */
    ft_atomic_store_relaxed(&o->ob_ref_local, FT_LOCAL_SLOW - 1);
    for (int i = 0; i < 10; i++)
        ft_incref(o);
    assert_false(ft_is_immortal(o));
    assert_int_equal(ft_refcount(o), (FtSsize)FT_LOCAL_SLOW - 1 + 10);
    for (int i = 0; i < 10; i++)
        ft_decref(o);
    assert_int_equal(ft_refcount(o), (FtSsize)FT_LOCAL_SLOW - 1);
    /* The first increment reached FT_LOCAL_SLOW on the local count, the
     * other nine went to the shared count; the owner's decrements took the
     * local count down. Put the object back to one reference. */
    assert_int_equal(ft_atomic_load_relaxed(&o->ob_ref_shared), 9 << FT_SHARED_SHIFT);
    ft_atomic_store_relaxed(&o->ob_ref_local, 1);
    ft_atomic_store_relaxed(&o->ob_ref_shared, 0);
#endif
    ft_decref(o);
    assert_live_equal(before, live_snapshot());
}

static void make_immortal_owner_only(void **state)
{
    (void)state;
    FtObject *o = tleaf_new(5);
    ft_incref(o);
    assert_int_equal(ft_object_make_immortal(o), 0);
    assert_true(ft_is_immortal(o));
    ft_decref(o);
    ft_decref(o);
    ft_decref(o);   /* no-ops */
    assert_true(ft_is_immortal(o));
    /* Immortal objects are never freed by counting; free by hand for the
     * leak accounting of later tests. */
    ft__object_free(o);
}

/* ---- Cross-thread ---- */

typedef struct {
    FtObject *obj;
    int rounds;
    int drop_last;     /* the thread drops one reference it was given */
    int result;
    _Atomic int *go;   /* if set: wait for *go before dropping */
} Hand;

static void *shared_counter(void *arg)
{
    Hand *h = arg;
    for (int i = 0; i < h->rounds; i++) {
        ft_incref(h->obj);
        ft_safepoint();
        ft_decref(h->obj);
    }
    if (h->go)
        while (!atomic_load(h->go)) {
            ft_blocking_begin();        /* mode gil: let the creator run */
            sched_yield();
            ft_blocking_end();
        }
    if (h->drop_last)
        ft_decref(h->obj);
    return NULL;
}

static void non_owner_counts_shared(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtObject *o = tleaf_new(1);
    Hand h = { .obj = o, .rounds = 10000 };
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(ft_thread_start(&t[i], shared_counter, &h), 0);
    for (int i = 0; i < 3; i++)
        ft_thread_join(t[i], NULL);
    assert_int_equal(ft_refcount(o), 1);
    ft_decref(o);
    assert_live_equal(before, live_snapshot());
}

static void last_release_on_non_owner(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtStats s0, s1;
    ft_stats_get(&s0);
    /* We create, hand our only reference to another thread, which drops
     * it: the shared count would go negative, so it is queued to us. */
    FtObject *o = tleaf_new(2);
    _Atomic int go = 0;
    Hand h = { .obj = o, .rounds = 0, .drop_last = 1, .go = &go };
    pthread_t t;
    /* The thread may drop its reference while we are still detached inside
     * ft_thread_start: it would then adopt our queue ("Owners idle",
     * refcount/brc.c) and merge it itself at its detach. This test is about
     * the owner's own merge: no adoption. */
    ft__brc_adopt_off = 1;
    assert_int_equal(ft_thread_start(&t, shared_counter, &h), 0);
    /* Only now may the thread drop it: had it dropped it while we were
     * still in ft_thread_start, the queue would have been merged by our
     * own blocking_begin (refcount/brc.c, "Owners idle" step 3) or adopted
     * by the thread (we were detached, step 1), not left for the
     * ft_safepoint below. */
    atomic_store(&go, 1);
    /* A plain join: ft_thread_join would re-attach through a safepoint,
     * which merges the queue before we can look at it. (Joining while
     * attached is fine here: nobody stops the world meanwhile.) */
#if FT_MODE_GIL
    ft_thread_join(t, NULL);    /* a plain join would hold the GIL */
#else
    pthread_join(t, NULL);
#endif
#if FT_MODE_FT
    assert_int_equal(ft_atomic_load_relaxed(&o->ob_ref_shared) & 3, FT_REF_QUEUED);
    assert_true(ft_atomic_load_relaxed(&ft__tstate()->breaker) & FT_BREAK_MERGE);
    assert_int_equal(ft_stats_live_of_type(&tleaf_type), before.leaves + 1);
#endif
    ft_safepoint();   /* merges the queue: count 0, freed */
    ft__brc_adopt_off = 0;
    assert_live_equal(before, live_snapshot());
    ft_stats_get(&s1);
#if FT_MODE_FT
    assert_int_equal(s1.merges_queued - s0.merges_queued, 1);
    assert_int_equal(s1.merges_done - s0.merges_done, 1);
#endif
}

/* A thread makes objects, hands them to us and leaves. */
typedef struct {
    FtObject *objs[100];
    int n;
} Batch;

static void *make_and_leave(void *arg)
{
    Batch *b = arg;
    for (int i = 0; i < b->n; i++) {
        b->objs[i] = (i % 2) ? tnode_new(i) : tleaf_new(i);
        if (i % 3 == 0)
            ft_incref(b->objs[i]);   /* an extra owner reference... */
        if (i % 3 == 0)
            ft_decref(b->objs[i]);   /* ...dropped again */
    }
    return NULL;
}

static void owner_exits_while_others_hold(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    Batch b = { .n = 100 };
    pthread_t t;
    assert_int_equal(ft_thread_start(&t, make_and_leave, &b), 0);
    ft_thread_join(t, NULL);
    for (int i = 0; i < b.n; i++) {
#if FT_MODE_FT
        /* merged at the owner's detach: ob_tid 0, count on shared */
        assert_int_equal(ft_atomic_load_relaxed(&b.objs[i]->ob_tid), 0);
        assert_int_equal(ft_atomic_load_relaxed(&b.objs[i]->ob_ref_shared) & 3,
                         FT_REF_MERGED);
#endif
        assert_int_equal(ft_refcount(b.objs[i]), 1);
    }
    FtStats s;
    ft_stats_get(&s);
    assert_int_equal(s.orphans_live, 50);
    for (int i = 0; i < b.n; i++)
        ft_decref(b.objs[i]);
    ft_stats_get(&s);
    assert_int_equal(s.orphans_live, 0);
    assert_live_equal(before, live_snapshot());
}

/* Objects queued to an owner that then leaves without a safepoint. */
static pthread_mutex_t qmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t qcv = PTHREAD_COND_INITIALIZER;
static int phase;

static void wait_phase(int p)
{
    ft_blocking_begin();
    pthread_mutex_lock(&qmu);
    while (phase < p)
        pthread_cond_wait(&qcv, &qmu);
    pthread_mutex_unlock(&qmu);
    ft_blocking_end();
}

static void set_phase(int p)
{
    pthread_mutex_lock(&qmu);
    phase = p;
    pthread_cond_broadcast(&qcv);
    pthread_mutex_unlock(&qmu);
}

static void *owner_then_leave(void *arg)
{
    Batch *b = arg;
    for (int i = 0; i < b->n; i++)
        b->objs[i] = tleaf_new(i);
    set_phase(1);
    wait_phase(2);          /* main drops them: all queued to us */
    return NULL;            /* detach drains the queue */
}

static void queue_drained_at_detach(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    Batch b = { .n = 100 };
    phase = 0;
    pthread_t t;
    assert_int_equal(ft_thread_start(&t, owner_then_leave, &b), 0);
    wait_phase(1);
    for (int i = 0; i < b.n; i++)
        ft_decref(b.objs[i]);
    set_phase(2);
    ft_thread_join(t, NULL);
    assert_live_equal(before, live_snapshot());
}

/* try-incref */
static void try_incref_rules(void **state)
{
    (void)state;
    FtObject *o = tleaf_new(3);
    assert_true(ft__try_incref(o));     /* owner */
    assert_int_equal(ft_refcount(o), 2);
    ft_decref(o);
    ft__set_maybe_weakref(o);
#if FT_MODE_FT
    assert_int_equal(ft_atomic_load_relaxed(&o->ob_ref_shared) & 3,
                     FT_REF_MAYBE_WEAKREF);
#endif
    assert_true(ft__try_incref(&immortal_obj));
    ft_decref(o);
}

/* Issue 11 item 6a: objects released by a non-owner while their owner is
 * idle in a blocking region are freed without the owner and without a
 * collection, by the releasing thread's next safepoint (refcount/brc.c,
 * "Owners idle"), the whole nested closure at once. */
static void idle_owner_freed_by_next_safepoint(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    NestedOwner o;
    nested_owner_start(&o, 100);
    assert_int_equal(live_snapshot().objects, before.objects + 400);
    ft_decref(o.made);                  /* non-owner: queued to the idle owner */
#if FT_MODE_FT
    assert_int_equal(atomic_load(&o.made->ob_ref_shared) & FT_SHARED_FLAG_MASK,
                     FT_REF_QUEUED);
    assert_int_equal(live_snapshot().objects, before.objects + 400);
#endif
    ft_safepoint();                     /* the bound */
    assert_int_equal(live_snapshot().objects, before.objects);
    nested_owner_stop(&o);
    assert_int_equal(live_snapshot().objects, before.objects);
}

/* The same bound when the releasing thread goes idle itself right after
 * (no safepoint between its release and its ft_blocking_begin). */
typedef struct Releaser {
    FtObject *obj;
    _Atomic int released, go_exit;
} Releaser;

static void *releaser_main(void *arg)
{
    Releaser *r = arg;
    ft_decref(r->obj);
    ft_blocking_begin();
    atomic_store(&r->released, 1);
    while (!atomic_load(&r->go_exit))
        usleep(200);
    ft_blocking_end();
    return NULL;
}

static void idle_owner_freed_when_releaser_blocks(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    NestedOwner o;
    nested_owner_start(&o, 100);
    Releaser r = { .obj = o.made };
    pthread_t t;
    assert_int_equal(ft_thread_start(&t, releaser_main, &r), 0);
    ft_blocking_begin();
    while (!atomic_load(&r.released))
        usleep(100);
    ft_blocking_end();
    /* Both threads idle now; nothing was collected. */
    assert_int_equal(live_snapshot().objects, before.objects);
    atomic_store(&r.go_exit, 1);
    ft_blocking_begin();
    pthread_join(t, NULL);
    ft_blocking_end();
    nested_owner_stop(&o);
    assert_int_equal(live_snapshot().objects, before.objects);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(owner_counts_locally),
        cmocka_unit_test(immortal_never_written),
        cmocka_unit_test(local_count_never_wraps),
        cmocka_unit_test(make_immortal_owner_only),
        cmocka_unit_test(non_owner_counts_shared),
        cmocka_unit_test(last_release_on_non_owner),
        cmocka_unit_test(owner_exits_while_others_hold),
        cmocka_unit_test(queue_drained_at_detach),
        cmocka_unit_test(idle_owner_freed_by_next_safepoint),
        cmocka_unit_test(idle_owner_freed_when_releaser_blocks),
        cmocka_unit_test(try_incref_rules),
    };
    return cmocka_run_group_tests(tests, ft_test_group_setup, ft_test_group_teardown);
}
