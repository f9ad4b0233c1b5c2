/* tests/nested_owner.h: an owner thread that builds a nested structure and
 * then sits in a blocking region (an idle server worker in epoll_wait):
 * test_gc.c (one collection frees a queued closure) and test_refcount.c
 * (adoption of idle owners' queues) share it. Header-only, static. */
#ifndef FT_TESTS_NESTED_OWNER_H
#define FT_TESTS_NESTED_OWNER_H

#include "testutil.h"
#include <pthread.h>
#include <unistd.h>

/* depth levels of [inner, {"key-i": 1000000 + i}]: 4 objects per level
 * (list, dict, str, int), all owned by the building thread. */
static FtObject *nested_build(int depth)
{
    FtObject *inner = NULL;
    for (int i = 0; i < depth; i++) {
        FtObject *l = ft_list_new(0), *d = ft_dict_new();
        FtObject *k = ft_str_from_format("key-%d", i);
        FtObject *v = ft_int_from_i64(1000000 + i);
        assert_true(l && d && k && v);
        assert_int_equal(ft_dict_set_item(d, k, v), 0);
        ft_decref(k);
        ft_decref(v);
        assert_int_equal(ft_list_append(l, d), 0);
        ft_decref(d);
        if (inner) {
            assert_int_equal(ft_list_append(l, inner), 0);
            ft_decref(inner);
        }
        inner = l;
    }
    return inner;
}

typedef struct NestedOwner {
    int depth;
    FtObject *made;             /* the reference moves to the test */
    _Atomic int ready, go_exit;
    pthread_t thread;
} NestedOwner;

static void *nested_owner_main(void *arg)
{
    NestedOwner *o = arg;
    o->made = nested_build(o->depth);
    atomic_store(&o->ready, 1);
    ft_blocking_begin();                /* idle: no safepoint from here on */
    while (!atomic_load(&o->go_exit))
        usleep(200);
    ft_blocking_end();
    return NULL;
}

/* Start the owner and wait (detached) until it has built and parked. */
static void nested_owner_start(NestedOwner *o, int depth)
{
    o->depth = depth;
    o->made = NULL;
    atomic_store(&o->ready, 0);
    atomic_store(&o->go_exit, 0);
    assert_int_equal(ft_thread_start(&o->thread, nested_owner_main, o), 0);
    ft_blocking_begin();
    while (!atomic_load(&o->ready))
        usleep(100);
    ft_blocking_end();
}

static void nested_owner_stop(NestedOwner *o)
{
    atomic_store(&o->go_exit, 1);
    ft_blocking_begin();
    pthread_join(o->thread, NULL);
    ft_blocking_end();
}

#endif
