/* tests/testutil.c: see testutil.h. */
#include "testutil.h"

static int tnode_traverse(FtObject *op, FtVisitProc visit, void *arg)
{
    TNode *n = (TNode *)op;
    for (int i = 0; i < FT_TNODE_SLOTS; i++)
        if (n->slots[i]) {
            int r = visit(n->slots[i], arg);
            if (r)
                return r;
        }
    return 0;
}

static int tnode_clear(FtObject *op)
{
    TNode *n = (TNode *)op;
    for (int i = 0; i < FT_TNODE_SLOTS; i++)
        FT_CLEAR(n->slots[i]);
    return 0;
}

static void tnode_dealloc(FtObject *op)
{
    ft__gc_bits_clear(op, FT_GC_TRACKED);
    tnode_clear(op);
    ft__object_free(op);
}

static void tleaf_dealloc(FtObject *op)
{
    ft__object_free(op);
}

FtType tnode_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "test.node",
    .tp_basicsize = sizeof(TNode),
    .tp_flags = FT_TPFLAGS_GC,
    .tp_dealloc = tnode_dealloc,
    .tp_traverse = tnode_traverse,
    .tp_clear = tnode_clear,
};

FtType tleaf_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "test.leaf",
    .tp_basicsize = sizeof(TLeaf),
    .tp_dealloc = tleaf_dealloc,
};

FtObject *tnode_new(int64_t value)
{
    TNode *n = (TNode *)ft__object_alloc(&tnode_type, sizeof(TNode));
    if (!n)
        return NULL;
    memset(n->slots, 0, sizeof n->slots);
    n->value = value;
    return &n->ob_base;
}

FtObject *tleaf_new(int64_t value)
{
    TLeaf *l = (TLeaf *)ft__object_alloc(&tleaf_type, sizeof(TLeaf));
    if (!l)
        return NULL;
    l->value = value;
    return &l->ob_base;
}

void tnode_set(FtObject *node, int i, FtObject *child)
{
    TNode *n = (TNode *)node;
    FT_SETREF(n->slots[i], ft_xnewref(child));
}

int ft_test_group_setup(void **state)
{
    (void)state;
    if (ft_runtime_init() < 0)
        return -1;
    if (ft__type_ready(&tnode_type) < 0 || ft__type_ready(&tleaf_type) < 0)
        return -1;
    return 0;
}

int ft_test_group_teardown(void **state)
{
    (void)state;
    ft_runtime_fini();
    return 0;
}

LiveSnapshot live_snapshot(void)
{
    FtStats s;
    ft_stats_get(&s);
    LiveSnapshot l = {
        .nodes = ft_stats_live_of_type(&tnode_type),
        .leaves = ft_stats_live_of_type(&tleaf_type),
        .objects = s.objects_live,
        .raw = s.raw_bytes_live,
    };
    return l;
}

void assert_live_equal(LiveSnapshot a, LiveSnapshot b)
{
    assert_int_equal(a.nodes, b.nodes);
    assert_int_equal(a.leaves, b.leaves);
    assert_int_equal(a.objects, b.objects);
    assert_int_equal(a.raw, b.raw);
}

void ft_test_oom_loop(FtTestCtor ctor, FtObject *a, FtObject *b, long max_points)
{
    ft_freelists_clear();
    LiveSnapshot before = live_snapshot();
    for (long n = 1;; n++) {
        ft_debug_fail_alloc_after(n);
        FtObject *r = ctor(a, b);
        ft_debug_fail_alloc_after(0);
        if (r) {
            ft_decref(r);
            break;
        }
        assert_int_equal(ft_error_kind(), FT_ERR_MEMORY);
        ft_error_clear();
        ft_freelists_clear();
        assert_live_equal(before, live_snapshot());
        assert_true(n < max_points);
    }
    ft_freelists_clear();
    assert_live_equal(before, live_snapshot());
}
