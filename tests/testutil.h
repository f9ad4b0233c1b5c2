/* tests/testutil.h: shared helpers for the cmocka unit tests.
 *
 * Two test-only types: TNode, a GC type with FT_TNODE_SLOTS child slots
 * (traverse/clear/dealloc), and TLeaf, a plain object with an int64 payload.
 * Group setup/teardown start and stop the runtime.
 */
#ifndef FT_TESTS_TESTUTIL_H
#define FT_TESTS_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "runtime/internal.h"
#include "alloc/alloc.h"

#define FT_TNODE_SLOTS 4

typedef struct TNode {
    FtObject ob_base;
    FtObject *slots[FT_TNODE_SLOTS];
    int64_t value;
} TNode;

typedef struct TLeaf {
    FtObject ob_base;
    int64_t value;
} TLeaf;

extern FtType tnode_type, tleaf_type;

FtObject *tnode_new(int64_t value);   /* untracked until tnode_track */
FtObject *tleaf_new(int64_t value);
/* Store a child (steals nothing: increfs child). */
void tnode_set(FtObject *node, int i, FtObject *child);

int ft_test_group_setup(void **state);
int ft_test_group_teardown(void **state);

/* Live counts of the test types and of everything, for leak checks. */
typedef struct LiveSnapshot {
    int64_t nodes, leaves, objects, raw;
} LiveSnapshot;
LiveSnapshot live_snapshot(void);
void assert_live_equal(LiveSnapshot a, LiveSnapshot b);

/* Allocation-failure walk: make the n-th allocation fail for n = 1, 2, ...
 * until ctor(a, b) succeeds (its result is released). Every failure must be
 * a clean FT_ERR_MEMORY with no object or raw byte left behind; more than
 * max_points failures fail the test. */
typedef FtObject *(*FtTestCtor)(FtObject *a, FtObject *b);
void ft_test_oom_loop(FtTestCtor ctor, FtObject *a, FtObject *b, long max_points);

#endif
