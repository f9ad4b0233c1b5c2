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

#endif /* FTRT_MEMORY_H */
