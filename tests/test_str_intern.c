/* tests/test_str_intern.c: the interning table: canonical objects,
 * immortality, another thread's str never made immortal, many attached
 * threads interning the same values, allocation failure. */
#include "testutil.h"
#include "runtime/str_impl.h"
#include <pthread.h>
#include <stdio.h>

static FtObject *S(const char *utf8)
{
    FtObject *s = ft_str_from_utf8(utf8, -1);
    assert_non_null(s);
    return s;
}

/* Blocking waits: detached, so neither a stop-the-world nor (mode gil) the
 * global lock waits for us. */
static void barrier_wait(pthread_barrier_t *b)
{
    ft_blocking_begin();
    pthread_barrier_wait(b);
    ft_blocking_end();
}

static void canonical(void **state)
{
    (void)state;
    size_t before = ft__str_intern_count();
    FtObject *a = S("intern-me-\xe2\x82\xac"), *b = S("intern-me-\xe2\x82\xac");
    assert_ptr_not_equal(a, b);
    FtObject *ia = ft_str_intern(a);
    /* a is ours: it becomes the canonical object itself */
    assert_ptr_equal(ia, a);
    assert_true(ft_is_immortal(a));
    assert_true(ft_str_is_interned(a));
    FtObject *ib = ft_str_intern(b);
    assert_ptr_equal(ib, a);
    assert_false(ft_str_is_interned(b));
    assert_false(ft_is_immortal(b));
    ft_decref(b);
    assert_ptr_equal(ft_str_intern_cstr("intern-me-\xe2\x82\xac"), a);
    assert_int_equal(ft__str_intern_count(), before + 1);
    /* interning is idempotent on the canonical object */
    assert_ptr_equal(ft_str_intern(a), a);
    ft_decref(ia);
    ft_decref(ib);
}

static void singletons_are_interned(void **state)
{
    (void)state;
    size_t before = ft__str_intern_count();
    FtObject *e = S(""), *x = S("x"), *l = S("\xc3\xbf");
    assert_ptr_equal(ft_str_intern(e), e);
    assert_ptr_equal(ft_str_intern(x), x);
    assert_ptr_equal(ft_str_intern_cstr("\xc3\xbf"), l);
    assert_true(ft_str_is_interned(x));
    assert_int_equal(ft__str_intern_count(), before);
    assert_null(ft_str_intern(ft_type_as_object(&ft_str_type)));
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
}

/* ---- another thread's str ---- */

typedef struct Handoff {
    pthread_barrier_t made, done;
    FtObject *obj;
    int immortal_after;
} Handoff;

static void *owner_thread(void *arg)
{
    Handoff *h = arg;
    h->obj = ft_str_from_utf8("owned-by-another-thread", -1);
    barrier_wait(&h->made);     /* the main thread interns while we wait */
    barrier_wait(&h->done);
    h->immortal_after = ft_is_immortal(h->obj);
    ft_decref(h->obj);          /* still mortal: this frees it */
    return NULL;
}

static void foreign_object_copied(void **state)
{
    (void)state;
    Handoff h = { .obj = NULL };
    pthread_barrier_init(&h.made, NULL, 2);
    pthread_barrier_init(&h.done, NULL, 2);
    pthread_t t;
    assert_int_equal(ft_thread_start(&t, owner_thread, &h), 0);
    barrier_wait(&h.made);
    FtObject *canon = ft_str_intern(h.obj);
    assert_non_null(canon);
    assert_ptr_not_equal(canon, h.obj);
    assert_true(ft_str_equal(canon, h.obj));
    assert_true(ft_is_immortal(canon));
    assert_false(ft_is_immortal(h.obj));
    assert_false(ft_str_is_interned(h.obj));
    barrier_wait(&h.done);
    ft_blocking_begin();
    pthread_join(t, NULL);
    ft_blocking_end();
    assert_false(h.immortal_after);
    assert_ptr_equal(ft_str_intern_cstr("owned-by-another-thread"), canon);
    pthread_barrier_destroy(&h.made);
    pthread_barrier_destroy(&h.done);
}

/* ---- many threads, the same values ---- */

#define NTHREADS 4
#define NVALUES 300

typedef struct Worker {
    int id;
    FtObject *own[NVALUES];         /* created by this thread */
    FtObject *canon[NVALUES];       /* what interning returned */
    int foreign_immortalised;       /* own objects made immortal but not canonical */
} Worker;

static Worker workers[NTHREADS];
static pthread_barrier_t start_bar, mid_bar, end_bar;

static void *intern_worker(void *arg)
{
    Worker *w = arg;
    char buf[64];
    for (int k = 0; k < NVALUES; k++) {
        /* mixed kinds so that every representation is interned */
        const char *tail = k % 3 == 0 ? "" : k % 3 == 1 ? "\xc3\xa9" : "\xf0\x9f\x98\x80";
        snprintf(buf, sizeof buf, "value-%d-%s", k, tail);
        w->own[k] = ft_str_from_utf8(buf, -1);
        assert_non_null(w->own[k]);
    }
    barrier_wait(&start_bar);
    /* Each thread interns the values in its own order, alternating between
     * its own objects and another thread's (which must be copied). */
    FtObject **other = workers[(w->id + 1) % NTHREADS].own;
    for (int i = 0; i < NVALUES; i++) {
        int k = (i * 7 + w->id * 31) % NVALUES;
        FtObject *src = (i + w->id) % 2 ? w->own[k] : other[k];
        w->canon[k] = ft_str_intern(src);
        assert_non_null(w->canon[k]);
        if (i % 16 == 0)
            ft_safepoint();
    }
    barrier_wait(&mid_bar);
    for (int k = 0; k < NVALUES; k++)
        if (ft_is_immortal(w->own[k]) && w->own[k] != w->canon[k])
            w->foreign_immortalised++;
    barrier_wait(&end_bar);   /* nobody frees before everyone has checked */
    for (int k = 0; k < NVALUES; k++)
        ft_decref(w->own[k]);
    return NULL;
}

static void many_threads(void **state)
{
    (void)state;
    size_t before = ft__str_intern_count();
    pthread_barrier_init(&start_bar, NULL, NTHREADS);
    pthread_barrier_init(&mid_bar, NULL, NTHREADS);
    pthread_barrier_init(&end_bar, NULL, NTHREADS);
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        memset(&workers[i], 0, sizeof workers[i]);
        workers[i].id = i;
    }
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(ft_thread_start(&t[i], intern_worker, &workers[i]), 0);
    ft_blocking_begin();
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    ft_blocking_end();
    for (int k = 0; k < NVALUES; k++) {
        FtObject *c = workers[0].canon[k];
        assert_true(ft_is_immortal(c));
        assert_true(ft_str_is_interned(c));
        for (int i = 1; i < NTHREADS; i++)
            assert_ptr_equal(workers[i].canon[k], c);
    }
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(workers[i].foreign_immortalised, 0);
    assert_int_equal(ft__str_intern_count(), before + NVALUES);
    /* the canonical objects outlive the threads that made them */
    char buf[64];
    for (int k = 0; k < NVALUES; k += 37) {
        const char *tail = k % 3 == 0 ? "" : k % 3 == 1 ? "\xc3\xa9" : "\xf0\x9f\x98\x80";
        snprintf(buf, sizeof buf, "value-%d-%s", k, tail);
        assert_ptr_equal(ft_str_intern_cstr(buf), workers[0].canon[k]);
    }
    pthread_barrier_destroy(&start_bar);
    pthread_barrier_destroy(&mid_bar);
    pthread_barrier_destroy(&end_bar);
}

/* ---- allocation failure: table growth and the copy ---- */

static void oom(void **state)
{
    (void)state;
    size_t before = ft__str_intern_count();
    int failures = 0;
    char buf[64];
    for (int k = 0; k < 2000; k++) {
        snprintf(buf, sizeof buf, "oom-value-%d", k);
        FtObject *s = S(buf);
        for (;;) {
            size_t n = ft__str_intern_count();
            ft_debug_fail_alloc_after(1);
            FtObject *r = ft_str_intern(s);
            ft_debug_fail_alloc_after(0);
            if (r) {
                assert_false(ft_error_occurred());
                assert_ptr_equal(r, s);
                break;
            }
            assert_int_equal(ft_error_kind(), FT_ERR_MEMORY);
            ft_error_clear();
            assert_false(ft_is_immortal(s));
            assert_false(ft_str_is_interned(s));
            assert_int_equal(ft__str_intern_count(), n);
            failures++;
            /* let the growth succeed next time */
            FtObject *r2 = ft_str_intern(s);
            assert_ptr_equal(r2, s);
            break;
        }
        ft_decref(s);
    }
    assert_true(failures >= 1);
    assert_int_equal(ft__str_intern_count(), before + 2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(canonical),
        cmocka_unit_test(singletons_are_interned),
        cmocka_unit_test(foreign_object_copied),
        cmocka_unit_test(many_threads),
        cmocka_unit_test(oom),
    };
    return cmocka_run_group_tests_name("str_intern", tests, ft_test_group_setup,
                                       ft_test_group_teardown);
}
