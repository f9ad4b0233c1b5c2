/* gc/parallel.h: a helper thread for the collector's stopped phases
 * (gc/parallel.c). */
#ifndef FT_GC_PARALLEL_H
#define FT_GC_PARALLEL_H

#include "runtime/internal.h"

/* Work on entries [lo, hi) of arg. Must only read objects and update them
 * with atomic read-modify-writes: it runs on two threads at once. */
typedef void (*FtGcRangeFn)(void *arg, size_t lo, size_t hi);

/* Split [0, n) between the calling thread and the helper and return when
 * both halves are done (0). Returns -1 without running anything when
 * parallel marking is off, n is too small to be worth it, or the helper
 * cannot be started; the caller then runs its sequential version. */
int ft__gc_parallel_run(FtGcRangeFn fn, void *arg, size_t n);

/* Number of threads the stopped phases may use: 1 (off) or 2. Default: 2
 * on a machine with at least 2 CPUs; FTRT_GC_THREADS=1 turns it off. */
void ft__gc_parallel_set_threads(int n);
int ft__gc_parallel_threads(void);
/* Below this many candidates the phases run on one thread. */
#define FT_GC_PARALLEL_MIN 50000

void ft__gc_parallel_fini(void);

#endif /* FT_GC_PARALLEL_H */
