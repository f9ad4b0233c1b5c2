/* ftrt/debug.h: heap walking, validation, failure injection, free lists.
 */
#ifndef FTRT_DEBUG_H
#define FTRT_DEBUG_H

#include <ftrt/object.h>

/* Visit every live GC-tracked-capable object (allocated by a GC type) exactly
 * once: the GC heaps of every registered thread plus the orphan registry of
 * departed threads, with the world stopped. Attached threads only.
 *   - World running: waits for a collection in progress to end (holding
 *     the collector's lock, as ft_gc_get_objects does), stops the world,
 *     visits, restarts it. Never sees a collection's transient states.
 *   - World stopped by the caller (ft_world_stop): visits at once, unless
 *     the stop landed between the phases of another thread's collection:
 *     then returns -1 with FT_ERR_STATE (call it with the world running).
 * The callback runs with the world stopped and must not allocate or free
 * objects; a non-zero return stops the walk and is returned. */
FT_API int ft_heap_visit(FtVisitProc visit, void *arg);

/* Check every object's header invariants. stop != 0 and the world running:
 * excludes a collection in progress and stops the world itself (as
 * ft_heap_visit). World stopped by the caller: checks at once, or fails
 * (-1, FT_ERR_STATE, nothing printed) inside another thread's collection.
 * Returns the number of objects checked, or -1 after printing the first
 * broken invariant to stderr. */
FT_API FtSsize ft_heap_validate(int stop);

/* Failure injection: make the n-th allocation (object or raw) from now on
 * in the calling thread fail with FT_ERR_MEMORY (n >= 1); 0 disarms. Returns
 * the number of allocations left before the armed failure (0 when disarmed
 * or already fired). */
FT_API void ft_debug_fail_alloc_after(long n);
FT_API long ft_debug_fail_alloc_pending(void);
/* Allocations attempted by this thread so far (for OOM loops). */
FT_API uint64_t ft_debug_alloc_count(void);

/* Empty the calling thread's free lists (they are also emptied at detach). */
FT_API void ft_freelists_clear(void);

#endif /* FTRT_DEBUG_H */
