/* tests/gc_pause.c: pause of a full collection over N live tracked objects
 * and over N objects in garbage 2-cycles (not a unit test; a measurement).
 *
 *   gc_pause [N=1000000] [repeats=5]
 *   FTRT_GC_THREADS=1 gc_pause     # stopped phases on one thread
 *
 * Prints, per scenario, the best and median pause (time the world was
 * stopped) and the phase times of the median run. */
#include "testutil.h"
#include "gc/gc.h"
#include "gc/parallel.h"
#include <stdio.h>

static FtGcInfo last;

static void record(int phase, const FtGcInfo *info, void *arg)
{
    (void)arg;
    if (phase == 1)
        last = *info;
}

static int cmp(const void *a, const void *b)
{
    uint64_t x = ((const FtGcInfo *)a)->pause_ns, y = ((const FtGcInfo *)b)->pause_ns;
    return x < y ? -1 : x > y;
}

static FtObject *tracked(void)
{
    FtObject *n = tnode_new(0);
    if (!n)
        abort();
    ft__gc_bits_set(n, FT_GC_TRACKED);
    return n;
}

/* A 4-ary tree of n live nodes held by its root (depth log4 n, so that
 * freeing it does not recurse deeply). */
static FtObject *build_live(long n)
{
    FtObject **all = malloc((size_t)n * sizeof *all);
    if (!all)
        abort();
    for (long i = 0; i < n; i++)
        all[i] = tracked();
    for (long i = 0; i < n; i++)
        for (int k = 0; k < 4 && 4 * i + 1 + k < n; k++)
            tnode_set(all[i], k, all[4 * i + 1 + k]);
    for (long i = 1; i < n; i++)
        ft_decref(all[i]);
    FtObject *root = all[0];
    free(all);
    return root;
}

static void build_pairs(long n)
{
    for (long i = 0; i < n / 2; i++) {
        FtObject *a = tracked(), *b = tracked();
        tnode_set(a, 0, b);
        tnode_set(b, 0, a);
        ft_decref(a);
        ft_decref(b);
    }
}

static void report(const char *what, FtGcInfo *runs, int k)
{
    qsort(runs, (size_t)k, sizeof *runs, cmp);
    FtGcInfo *m = &runs[k / 2];
    printf("%-28s collected %8td scanned %8td  pause best %7.2f ms  median %7.2f ms"
           "  (stop %.2f merge %.2f mark %.2f finalize %.2f sweep %.2f ms)\n",
           what, m->collected, m->objects_scanned, runs[0].pause_ns / 1e6,
           m->pause_ns / 1e6, m->stop_ns / 1e6, m->merge_ns / 1e6,
           m->mark_ns / 1e6, m->finalize_ns / 1e6, m->sweep_ns / 1e6);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    if (reps > 32)
        reps = 32;
    if (ft_test_group_setup(NULL) < 0)
        return 1;
    ft_gc_disable();
    ft_gc_callback_add(record, NULL);
    printf("N = %ld, stopped-phase threads = %d\n", n, ft__gc_parallel_threads());
    FtGcInfo runs[32];

    FtObject *live = build_live(n);
    for (int r = 0; r < reps; r++) {
        ft_gc_collect();
        runs[r] = last;
    }
    report("live 4-ary tree", runs, reps);
    ft_decref(live);
    ft_gc_collect();

    for (int r = 0; r < reps; r++) {
        build_pairs(n);
        ft_gc_collect();
        runs[r] = last;
    }
    report("garbage 2-cycles", runs, reps);
    ft_test_group_teardown(NULL);
    return 0;
}
