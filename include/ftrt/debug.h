/* ftrt/debug.h: heap walking, validation, failure injection, free lists.
 */
#ifndef FTRT_DEBUG_H
#define FTRT_DEBUG_H

#include <ftrt/object.h>

/* Visit every live GC-tracked-capable object (allocated by a GC type) exactly
 * once: the GC heaps of every registered thread plus the orphan registry of
 * departed threads. The world must be stopped by the caller
 * (ft_world_stop): otherwise -1 with FT_ERR_STATE. The callback must not
 * allocate or free objects; a non-zero return stops the walk and is
 * returned. */
FT_API int ft_heap_visit(FtVisitProc visit, void *arg);

/* Check every object's header invariants (world stopped by the caller, or
 * stops it itself when `stop` is non-zero). Returns the number of objects
 * checked, or -1 after printing the first broken invariant to stderr (or
 * with FT_ERR_STATE when stop is 0 and the world is not stopped). */
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
