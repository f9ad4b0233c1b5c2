/* ftrt/gc.h: the cycle collector (the `gc` module, for C).
 *
 * Stop-the-world and non-generational: a collection stops every attached
 * thread, finds unreachable cycles among the tracked objects by walking the
 * per-thread GC heaps, clears weak references to them, runs finalizers
 * (PEP 442, at most once per object) with the world running, and frees what
 * is still unreachable. All functions are callable from any attached
 * thread. See docs/gc.md.
 */
#ifndef FTRT_GC_H
#define FTRT_GC_H

#include <ftrt/object.h>
#include <stdio.h>

/* Run a full collection; returns the number of objects it freed (cyclic
 * garbage, objects whose last reference waited in a merge queue, and
 * everything those held that died with them, e.g. the strings of a
 * garbage dict), plus garbage saved to ft_gc_garbage() under
 * FT_GC_DEBUG_SAVEALL; or -1 on error (state restored). Everything that
 * waited in merge queues when it started, and the whole closure of what
 * that released, is freed before it returns (docs/gc.md). */
FT_API FtSsize ft_gc_collect(void);
FT_API void ft_gc_enable(void);
FT_API void ft_gc_disable(void);
FT_API int ft_gc_is_enabled(void);
/* Automatic collection when tracked allocations minus deallocations since
 * the last collection exceed max(threshold, live_after_last * scale/100). */
FT_API void ft_gc_set_threshold(FtSsize threshold, int scale_percent);
FT_API void ft_gc_get_threshold(FtSsize *threshold, int *scale_percent);
FT_API FtSsize ft_gc_get_count(void);

FT_API void ft_gc_freeze(void);
FT_API void ft_gc_unfreeze(void);
FT_API FtSsize ft_gc_get_freeze_count(void);

FT_API int ft_gc_is_tracked(FtObject *op);
FT_API int ft_gc_is_finalized(FtObject *op);
/* Lists (new references): all tracked objects (a consistent snapshot taken
 * with the world stopped), the tracked objects referring to any of `objs`
 * (a tuple or a single object), the objects op refers to. */
FT_API FtObject *ft_gc_get_objects(void);
FT_API FtObject *ft_gc_get_referrers(FtObject *op);
FT_API FtObject *ft_gc_get_referents(FtObject *op);

typedef struct FtGcInfo {
    FtSsize collected;
    FtSsize uncollectable;
    uint64_t stop_ns, merge_ns, mark_ns, finalize_ns, sweep_ns;
    uint64_t pause_ns;          /* total time the world was stopped */
    FtSsize objects_scanned;
} FtGcInfo;
typedef void (*FtGcCallback)(int phase /* 0 start, 1 stop */,
                             const FtGcInfo *info, void *arg);
FT_API int ft_gc_callback_add(FtGcCallback cb, void *arg);
FT_API int ft_gc_callback_remove(FtGcCallback cb, void *arg);

typedef struct FtGcStats {
    uint64_t collections;
    uint64_t collected;
    uint64_t uncollectable;
    uint64_t pause_total_ns, pause_max_ns;
    /* pause histogram: [<0.1ms, <1ms, <10ms, <100ms, <1s, >=1s] */
    uint64_t pause_hist[6];
} FtGcStats;
FT_API void ft_gc_get_stats(FtGcStats *out);

#define FT_GC_DEBUG_STATS         0x01
#define FT_GC_DEBUG_COLLECTABLE   0x02
#define FT_GC_DEBUG_UNCOLLECTABLE 0x04
#define FT_GC_DEBUG_SAVEALL       0x20
FT_API void ft_gc_set_debug(int flags, FILE *stream);
FT_API int ft_gc_get_debug(void);
/* The garbage list (new reference) filled under FT_GC_DEBUG_SAVEALL. */
FT_API FtObject *ft_gc_garbage(void);

#endif /* FTRT_GC_H */
