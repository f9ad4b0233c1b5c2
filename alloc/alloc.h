/* alloc/alloc.h: object and raw allocation, GC bits, free lists (internal).
 *
 * Each attached thread allocates from three mimalloc heaps of its own (see
 * alloc/heap.c for the design and invariants):
 *   gc  : objects of FT_TPFLAGS_GC types, in the runtime's exclusive arena;
 *         walked by ft_heap_visit with the world stopped;
 *   obj : all other objects;
 *   raw : item arrays, tables, buffers (ft_mem_*).
 * Any thread may free any block.
 */
#ifndef FT_ALLOC_ALLOC_H
#define FT_ALLOC_ALLOC_H

#include "runtime/internal.h"

/* ---- ob_gc_bits ----
 * Read and written with atomic byte operations: the detaching owner
 * (ORPHAN) and a first non-owner reader (SHARED) may set bits at the same
 * time. ALIVE is never in word 0 (mimalloc's free-list link lives there). */
#define FT_GC_ALIVE       0x01  /* allocated and not yet freed (set at alloc, cleared before free) */
#define FT_GC_TRACKED     0x02  /* visible to the collector */
#define FT_GC_FINALIZED   0x04  /* tp_finalize already ran (PEP 442) */
#define FT_GC_UNREACHABLE 0x08  /* collector scratch, world stopped only */
#define FT_GC_FROZEN      0x10  /* ft_gc_freeze: skipped by the collector */
#define FT_GC_ORPHAN      0x20  /* in the orphan registry (owner departed) */
#define FT_GC_SHARED      0x40  /* seen by a non-owner: free storage via QSBR */
#define FT_GC_SCRATCH     0x80  /* collector scratch, world stopped only */

static inline uint8_t ft__gc_bits(FtObject *op)
{
    return ft_atomic_load_relaxed(&op->ob_gc_bits);
}
static inline void ft__gc_bits_set(FtObject *op, uint8_t bits)
{
    ft_atomic_or_relaxed(&op->ob_gc_bits, bits);
}
static inline void ft__gc_bits_clear(FtObject *op, uint8_t bits)
{
    ft_atomic_and_relaxed(&op->ob_gc_bits, (uint8_t)~bits);
}

/* ---- Objects ---- */

/* A new object of `size` bytes (>= sizeof(FtObject)) for type tp, owned by
 * the calling thread with one reference, header initialised, ALIVE set,
 * not tracked. Polls the safepoint first. NULL + FT_ERR_MEMORY on failure. */
FtObject *ft__object_alloc(FtType *tp, size_t size);
/* basicsize + n * itemsize bytes (overflow checked), ob_size = n. */
FtObject *ft__object_alloc_var(FtType *tp, FtSsize n);
/* Release an object's memory after tp_dealloc has dropped its references:
 * untracks, clears ALIVE, leaves the orphan registry, frees (through QSBR if
 * FT_GC_SHARED is set, so lock-free readers never touch reused memory). */
void ft__object_free(FtObject *op);

/* Initialise the header of a fresh block for thread ts (alloc/heap.c), and
 * give a dead object's block back to mimalloc (no accounting). */
struct FtThreadState;
void ft__object_init_header(struct FtThreadState *ts, FtObject *op, FtType *tp);
void ft__object_release_block(FtObject *op);

/* ---- Per-thread free lists ----
 * Only blocks from the calling thread's own heaps, freed by an object the
 * thread owned (ob_tid == self, not SHARED), go on its lists; so every
 * listed block belongs to a heap this thread will walk or orphan. Caps per
 * kind; emptied at detach and by ft_freelists_clear. */
enum {
    FT_FL_FLOAT = 0,
    FT_FL_TUPLE = 1,              /* FT_FL_TUPLE + n for n in 1..19 */
    FT_FL_LIST = FT_FL_TUPLE + 20,
    FT_FL_DICT,
    FT_FL_INT,                    /* one-digit ints */
    FT_FL_COUNT
};
/* An object of kind `kind` from the free list or the heap (as
 * ft__object_alloc). */
FtObject *ft__object_alloc_fl(FtType *tp, size_t size, int kind);
/* As ft__object_free, but keeps the block on the calling thread's list when
 * allowed and not full. */
void ft__object_free_fl(FtObject *op, int kind);

/* ---- Raw memory: ft_mem_* (ftrt/memory.h) are the API. ---- */
/* Grow raw block p (from ft_mem_*) in place to `size` bytes if the block
 * already has the room (mimalloc rounds blocks up to their size class, and
 * large ones to their page): p, or NULL and nothing changed. Never
 * allocates, polls no safepoint, sets no error. */
void *ft__mem_expand(void *p, size_t size);

/* Live-object counting per type: the per-thread slot of tp. */
void ft__live_count(FtType *tp, int delta);

/* ---- Heaps ---- */
/* Called on attach (create or reuse this OS thread's heaps) and detach. */
struct FtThreadState;
int ft__heaps_attach(struct FtThreadState *ts);
int ft__heaps_detach(struct FtThreadState *ts);  /* merges + orphans */
int ft__heaps_init(void);   /* runtime init: the GC arena */
void ft__heaps_fini(void);
/* Orphan registry (alloc/orphans.c). */
int ft__orphans_reserve(size_t extra);
void ft__orphans_add(FtObject *op);          /* after a successful reserve */
void ft__orphans_unreserve(size_t n);        /* give back unused reservations */
void ft__orphans_remove(FtObject *op);
size_t ft__orphans_count(void);
int ft__orphans_visit(FtVisitProc visit, void *arg);   /* world stopped */

/* ft_heap_visit without the exclusion (world stopped by the caller, who
 * holds the collector's lock or is the collector): gc/, alloc/. */
int ft__heap_visit_world_stopped(FtVisitProc visit, void *arg);
/* The validator with the collector's transient states it may accept
 * between its phases (alloc/validate.c); world stopped. */
#define FT_VALIDATE_QUEUE_DEAD 0x1u   /* merged, count 0, maybe SCRATCH */
#define FT_VALIDATE_GARBAGE    0x2u   /* UNREACHABLE on garbage */
FtSsize ft__heap_validate_world_stopped(unsigned allow);
/* The owner at a safepoint: trim its heaps and free lists if an
 * ft_memory_trim asked since it last did (alloc/trim.c). */
void ft__heaps_trim_due(struct FtThreadState *ts);
void ft__freelists_clear(struct FtThreadState *ts);

#endif /* FT_ALLOC_ALLOC_H */
