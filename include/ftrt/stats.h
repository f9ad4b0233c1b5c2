/* ftrt/stats.h: counters the runtime keeps.
 *
 * Counters are per thread (plain increments by their owner) and summed on
 * demand; a thread's counts are folded into the global totals when it
 * detaches. A snapshot taken while other threads run is approximate; with
 * those threads detached or the world stopped it is exact.
 */
#ifndef FTRT_STATS_H
#define FTRT_STATS_H

#include <ftrt/common.h>

typedef struct FtStats {
    /* objects */
    uint64_t objects_allocated;     /* every object allocation */
    uint64_t objects_freed;
    int64_t  objects_live;          /* allocated - freed */
    uint64_t freelist_hits;         /* allocations served by a free list */
    /* reference counting */
    uint64_t merges_queued;         /* objects handed to an owner's queue */
    uint64_t merges_done;           /* queued objects merged by the owner */
    uint64_t merges_at_detach;      /* objects merged when their owner left */
    uint64_t shared_frees;          /* objects freed by a non-owner thread */
    /* threads */
    uint64_t threads_attached_total;
    uint64_t threads_live;          /* currently registered */
    uint64_t orphans_live;          /* tracked objects of departed threads */
    /* stop-the-world */
    uint64_t stw_count;
    uint64_t stw_total_ns;          /* time spent stopping (not stopped) */
    uint64_t stw_max_ns;
    /* memory */
    int64_t  raw_bytes_live;        /* raw (non-object) memory in use; kept in
                                     * builds with debug_level >= 1 (the default),
                                     * always 0 in release builds (debug_level 0) */
} FtStats;

FT_API void ft_stats_get(FtStats *out);
/* Live objects of one type (a per-type counter kept in every build). */
struct FtType;
FT_API int64_t ft_stats_live_of_type(const struct FtType *tp);
/* Print the counters, one per line. */
FT_API void ft_stats_print(const FtStats *s, void *stdio_file);

#endif /* FTRT_STATS_H */
