/* tests/test_heap.c: per-thread heaps, the stop-the-world heap walk across
 * thread exits and cross-thread frees, free lists, failure injection, raw
 * memory accounting. */
#include "testutil.h"
#include "threads/tstate.h"

static int count_nodes(FtObject *op, void *arg)
{
    if (op->ob_type == &tnode_type)
        (*(long *)arg)++;
    return 0;
}

static long walk_count(void)
{
    long n = 0;
    ft_world_stop();
    ft_heap_visit(count_nodes, &n);
    assert_true(ft_heap_validate(0) >= n);
    ft_world_start();
    return n;
}

static void walk_sees_gc_objects_only(void **state)
{
    (void)state;
    long base = walk_count();
    FtObject *nodes[50], *leaves[50];
    for (int i = 0; i < 50; i++) {
        nodes[i] = tnode_new(i);
        leaves[i] = tleaf_new(i);
    }
    assert_int_equal(walk_count(), base + 50);
    for (int i = 0; i < 50; i++) {
        ft_decref(nodes[i]);
        ft_decref(leaves[i]);
    }
    assert_int_equal(walk_count(), base);
}

/* Threads make nodes, hand half to us, free the rest, and exit. */
typedef struct {
    FtObject *handed[64];
    int n;
} Handoff;

static void *maker(void *arg)
{
    Handoff *h = arg;
    for (int i = 0; i < 2 * h->n; i++) {
        FtObject *o = tnode_new(i);
        if (i % 2 == 0)
            h->handed[i / 2] = o;
        else
            ft_decref(o);
    }
    return NULL;
}

static void walk_exact_across_thread_exits(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    long base = walk_count();
    enum { T = 8 };
    Handoff h[T];
    for (int round = 0; round < 3; round++) {
        pthread_t t[T];
        for (int i = 0; i < T; i++) {
            h[i].n = 64;
            ft_thread_start(&t[i], maker, &h[i]);
        }
        for (int i = 0; i < T; i++)
            ft_thread_join(t[i], NULL);
        assert_int_equal(walk_count(), base + T * 64);
        FtStats s;
        ft_stats_get(&s);
        assert_int_equal(s.orphans_live, T * 64);
        /* Free half from here (cross-thread frees of orphans). */
        for (int i = 0; i < T; i++)
            for (int j = 0; j < 32; j++)
                ft_decref(h[i].handed[j]);
        assert_int_equal(walk_count(), base + T * 32);
        for (int i = 0; i < T; i++)
            for (int j = 32; j < 64; j++)
                ft_decref(h[i].handed[j]);
        assert_int_equal(walk_count(), base);
    }
    assert_live_equal(before, live_snapshot());
}

/* New threads allocating a lot reclaim the abandoned pages of exited ones;
 * orphans reclaimed into a live thread's heap must still be counted once. */
static void *hog(void *arg)
{
    FtObject **keep = arg;
    for (int i = 0; i < 2000; i++)
        keep[i] = tnode_new(i);
    return NULL;
}

static void walk_exact_after_reclaim(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    long base = walk_count();
    static FtObject *keep[6][2000];
    pthread_t t[6];
    for (int i = 0; i < 3; i++)
        ft_thread_start(&t[i], hog, keep[i]);
    for (int i = 0; i < 3; i++)
        ft_thread_join(t[i], NULL);
    /* drop every other object so pages are partly free, then more threads */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2000; j += 2)
            FT_CLEAR(keep[i][j]);
    for (int i = 3; i < 6; i++)
        ft_thread_start(&t[i], hog, keep[i]);
    for (int i = 3; i < 6; i++)
        ft_thread_join(t[i], NULL);
    assert_int_equal(walk_count(), base + 3 * 1000 + 3 * 2000);
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 2000; j++)
            FT_CLEAR(keep[i][j]);
    assert_int_equal(walk_count(), base);
    assert_live_equal(before, live_snapshot());
}

/* Another thread frees our objects while we are alive: the blocks sit in
 * mimalloc's delayed-free list but must not be reported. */
static void *release_all(void *arg)
{
    FtObject **objs = arg;
    for (int i = 0; i < 100; i++)
        ft_decref(objs[i]);
    return NULL;
}

static void cross_thread_frees_not_reported(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    long base = walk_count();
    FtObject *objs[100];
    for (int i = 0; i < 100; i++) {
        objs[i] = tnode_new(i);
        ft_incref(objs[i]);        /* a reference for the other thread */
    }
    pthread_t t;
    ft_thread_start(&t, release_all, objs);
    ft_thread_join(t, NULL);
    assert_int_equal(walk_count(), base + 100);
    for (int i = 0; i < 100; i++)
        ft_decref(objs[i]);        /* last reference: freed here */
    assert_int_equal(walk_count(), base);
    assert_live_equal(before, live_snapshot());
}

static void free_list_reuses_own_blocks(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtObject *a = ft__object_alloc_fl(&tleaf_type, sizeof(TLeaf), FT_FL_FLOAT);
    ft__object_free_fl(a, FT_FL_FLOAT);
    FtObject *b = ft__object_alloc_fl(&tleaf_type, sizeof(TLeaf), FT_FL_FLOAT);
    assert_ptr_equal(a, b);
    assert_int_equal(ft_refcount(b), 1);
    assert_true(ft__gc_bits(b) & FT_GC_ALIVE);
    ft__object_free_fl(b, FT_FL_FLOAT);
    ft_freelists_clear();
    assert_live_equal(before, live_snapshot());
}

static void failure_injection(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    ft_debug_fail_alloc_after(3);
    FtObject *a = tleaf_new(1);
    void *raw = ft_mem_alloc(10);
    assert_non_null(a);
    assert_non_null(raw);
    assert_int_equal(ft_debug_fail_alloc_pending(), 1);
    assert_null(tnode_new(3));
    assert_int_equal(ft_error_kind(), FT_ERR_MEMORY);
    ft_error_clear();
    FtObject *c = tnode_new(4);     /* disarmed after firing */
    assert_non_null(c);
    ft_decref(a);
    ft_decref(c);
    ft_mem_free(raw);
    assert_live_equal(before, live_snapshot());
}

static void raw_memory_accounting(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    char *p = ft_mem_alloc(100);
    memset(p, 1, 100);
    p = ft_mem_realloc(p, 100000);
    assert_non_null(p);
    assert_int_equal(p[99], 1);
    void *z = ft_mem_calloc(10, 10);
    assert_null(ft_mem_calloc(SIZE_MAX / 2, 4));
    assert_int_equal(ft_error_kind(), FT_ERR_MEMORY);
    ft_error_clear();
    ft_debug_fail_alloc_after(1);
    assert_null(ft_mem_realloc(p, 200000));
    ft_error_clear();
    ft_mem_free(p);
    ft_mem_free(z);
    assert_live_equal(before, live_snapshot());
}

static void var_size_overflow(void **state)
{
    (void)state;
    static FtType big = {
        .ob_base = FT_STATIC_TYPE_HEAD, .tp_name = "test.big",
        .tp_basicsize = sizeof(FtVarObject), .tp_itemsize = 8,
    };
    ft__type_ready(&big);
    assert_null(ft__object_alloc_var(&big, PTRDIFF_MAX / 4));
    assert_int_equal(ft_error_kind(), FT_ERR_MEMORY);
    ft_error_clear();
    assert_null(ft__object_alloc_var(&big, -1));
    ft_error_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(walk_sees_gc_objects_only),
        cmocka_unit_test(walk_exact_across_thread_exits),
        cmocka_unit_test(walk_exact_after_reclaim),
        cmocka_unit_test(cross_thread_frees_not_reported),
        cmocka_unit_test(free_list_reuses_own_blocks),
        cmocka_unit_test(failure_injection),
        cmocka_unit_test(raw_memory_accounting),
        cmocka_unit_test(var_size_overflow),
    };
    return cmocka_run_group_tests(tests, ft_test_group_setup, ft_test_group_teardown);
}
