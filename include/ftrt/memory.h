/* ftrt/memory.h: raw memory from the calling thread's raw heap.
 *
 * These allocate from the attached thread's raw mimalloc heap (any thread may
 * free). They set FT_ERR_MEMORY and return NULL on failure, and honour the
 * failure injection of ftrt/debug.h.
 */
#ifndef FTRT_MEMORY_H
#define FTRT_MEMORY_H

#include <ftrt/common.h>

FT_API void *ft_mem_alloc(size_t size);
FT_API void *ft_mem_calloc(size_t n, size_t size);   /* overflow checked */
FT_API void *ft_mem_realloc(void *p, size_t size);    /* p kept on failure */
FT_API void ft_mem_free(void *p);

/* Give free memory back to the OS (docs/memory.md). In order: a full
 * collection (ft_gc_collect: every merge queue merged, queue deaths and
 * cycles freed with everything they held), QSBR-deferred frees waited for,
 * then mimalloc's collect (mi_heap_collect(heap, true): empty pages freed,
 * free segment parts decommitted now, empty abandoned segments released)
 * on the calling thread's heaps and free lists, on those of threads in
 * blocking regions (held off attaching meanwhile: code inside a blocking
 * region must not call malloc/free while ft_memory_trim runs, see
 * ft_memory_trim_set_idle_heaps), while attached threads trim their own
 * at their next safepoint.
 * Thread contract: attached, world not stopped, not holding critical
 * sections that a finalizer may need (it collects). Returns the drop of
 * the process's resident set size over the call in bytes (0 if it did not
 * drop), or -1 with the error set (FT_ERR_STATE: world stopped; errors of
 * the collection). */
FT_API int64_t ft_memory_trim(void);
/* 0: ft_memory_trim leaves the heaps of threads in blocking regions alone
 * (they trim at their next safepoint instead), for embedders whose
 * blocking regions call malloc/free. 1 (default): trims them. */
FT_API void ft_memory_trim_set_idle_heaps(int on);

#endif /* FTRT_MEMORY_H */
