/* tests/test_memory.c: memory that comes back without the owners' help
 * (issue 11 item 6): 8 owner threads build 200,000 objects (strings and
 * ints in dicts), other threads release them while the owners sit in
 * blocking regions, then ft_memory_trim: live objects return to the
 * baseline exactly and the resident set to within 20% of what it was
 * before the build. Prints the figures. */
#include "testutil.h"
#include "threads/tstate.h"
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

enum { OWNERS = 8, RELEASERS = 2, TOTAL = 200000 };
enum { PER_OWNER = TOTAL / OWNERS, ENTRIES = PER_OWNER / 2 - 1 };

static int64_t rss_now(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, rss = 0;
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%ld %ld", &size, &rss), 2);
    fclose(f);
    return (int64_t)rss * sysconf(_SC_PAGESIZE);
}

static int64_t live_objects(void)
{
    FtStats s;
    ft_stats_get(&s);
    return s.objects_live;
}

typedef struct Shared {
    _Atomic int build, built, go_exit;
    FtObject *made[OWNERS];     /* one dict per owner, then a list of it */
} Shared;

typedef struct OwnerArg {
    Shared *sh;
    int index;
} OwnerArg;

static void wait_flag(_Atomic int *flag, int value)
{
    ft_blocking_begin();
    while (atomic_load(flag) < value)
        usleep(200);
    ft_blocking_end();
}

/* Per owner: a list holding one dict of ENTRIES str -> int entries and a
 * list of ... : 1 list + 1 dict + 2 * ENTRIES = PER_OWNER objects. */
static void *owner_main(void *p)
{
    OwnerArg *a = p;
    Shared *sh = a->sh;
    wait_flag(&sh->build, 1);
    FtObject *d = ft_dict_new();
    assert_non_null(d);
    for (int i = 0; i < ENTRIES; i++) {
        FtObject *k = ft_str_from_format("owner-%d-key-%d-padding-to-some-length", a->index, i);
        FtObject *v = ft_int_from_i64(1000000000LL + i);
        assert_true(k && v);
        assert_int_equal(ft_dict_set_item(d, k, v), 0);
        ft_decref(k);
        ft_decref(v);
    }
    FtObject *l = ft_list_new(0);
    assert_int_equal(ft_list_append(l, d), 0);
    ft_decref(d);
    sh->made[a->index] = l;
    atomic_fetch_add(&sh->built, 1);
    ft_blocking_begin();            /* idle, as a worker in epoll_wait */
    while (!atomic_load(&sh->go_exit))
        usleep(500);
    ft_blocking_end();
    return NULL;
}

typedef struct ReleaserArg {
    Shared *sh;
    int index;
} ReleaserArg;

static void *releaser_main(void *p)
{
    ReleaserArg *a = p;
    for (int i = a->index; i < OWNERS; i += RELEASERS)
        FT_CLEAR(a->sh->made[i]);   /* non-owner drops the last reference */
    return NULL;                    /* ft_thread_start detaches: the bound */
}

static void memory_comes_back(void **state)
{
    (void)state;
    Shared sh = { 0 };
    OwnerArg oa[OWNERS];
    pthread_t owners[OWNERS], rel[RELEASERS];
    for (int i = 0; i < OWNERS; i++) {
        oa[i] = (OwnerArg){ &sh, i };
        assert_int_equal(ft_thread_start(&owners[i], owner_main, &oa[i]), 0);
    }
    assert_true(ft_memory_trim() >= 0);
    int64_t live0 = live_objects(), rss0 = rss_now();

    atomic_store(&sh.build, 1);
    wait_flag(&sh.built, OWNERS);
    int64_t live1 = live_objects(), rss1 = rss_now();
    assert_int_equal(live1 - live0, (int64_t)OWNERS * (2 * ENTRIES + 2));
    assert_true(live1 - live0 >= TOTAL - OWNERS * 2);

    ReleaserArg ra[RELEASERS];
    for (int i = 0; i < RELEASERS; i++) {
        ra[i] = (ReleaserArg){ &sh, i };
        assert_int_equal(ft_thread_start(&rel[i], releaser_main, &ra[i]), 0);
    }
    for (int i = 0; i < RELEASERS; i++)
        assert_int_equal(ft_thread_join(rel[i], NULL), 0);
    /* The owners are still idle: the releasers freed everything. */
    int64_t live2 = live_objects(), rss2 = rss_now();
    assert_int_equal(live2, live0);

    int64_t released = ft_memory_trim();
    assert_true(released >= 0);
    int64_t live3 = live_objects(), rss3 = rss_now();

    printf("memory: live objects before %lld, peak %lld, after release %lld, "
           "after trim %lld\n", (long long)live0, (long long)live1,
           (long long)live2, (long long)live3);
    printf("memory: RSS before %.1f MB, peak %.1f MB, after release %.1f MB, "
           "after trim %.1f MB (trim reported %.1f MB)\n",
           rss0 / 1e6, rss1 / 1e6, rss2 / 1e6, rss3 / 1e6, released / 1e6);
    assert_int_equal(live3, live0);
#if !FT_TSAN && !defined(__SANITIZE_ADDRESS__)
    /* Sanitizer runtimes keep shadow memory and their own allocator's
     * caches: RSS is only meaningful in a plain build. */
    assert_true(rss3 <= rss0 + rss0 / 5);
#endif

    atomic_store(&sh.go_exit, 1);
    for (int i = 0; i < OWNERS; i++)
        assert_int_equal(ft_thread_join(owners[i], NULL), 0);
    assert_int_equal(live_objects(), live0);
}

/* ft_memory_trim refuses a stopped world, and works with nothing to do. */
static void trim_contract(void **state)
{
    (void)state;
    assert_true(ft_memory_trim() >= 0);
    assert_true(ft_memory_trim() >= 0);
    ft_world_stop();
    assert_int_equal(ft_memory_trim(), -1);
    ft_world_start();
    assert_int_equal(ft_error_kind(), FT_ERR_STATE);
    ft_error_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(memory_comes_back),
        cmocka_unit_test(trim_contract),
    };
    return cmocka_run_group_tests(tests, ft_test_group_setup,
                                  ft_test_group_teardown);
}
