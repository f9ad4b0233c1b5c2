/* ftrt/thread.h: the runtime, thread states, safepoints, stop-the-world.
 *
 * A thread uses ftrt objects only while attached. States (docs/object-model.md, "Threads"):
 *
 *   DETACHED  --ft_blocking_end / attach-->  ATTACHED
 *   ATTACHED  --ft_blocking_begin-->         DETACHED
 *   ATTACHED  --stop request seen at a safepoint-->  SUSPENDED
 *   DETACHED  --stop request (by the stopper)-->     SUSPENDED
 *   SUSPENDED --world restarted-->           DETACHED (then re-attaches)
 *
 * A detached thread counts as stopped: a stop-the-world never waits for it,
 * and it cannot re-attach until the world restarts. So an attached thread
 * that is about to block (I/O, a lock, a condition variable) must bracket the
 * wait with ft_blocking_begin()/ft_blocking_end().
 *
 * Mode `gil`: attaching takes the global lock, detaching releases it, and a
 * safepoint hands it over when another thread asks for it.
 */
#ifndef FTRT_THREAD_H
#define FTRT_THREAD_H

#include <ftrt/common.h>
#include <pthread.h>

/* Initialise the runtime (singletons, static types, the GC arena) and attach
 * the calling thread. Returns 0, or -1 with the error set. Calling it again
 * while initialised fails with FT_ERR_STATE. */
FT_API int ft_runtime_init(void);
/* Detach the calling thread and tear the runtime down. Every other thread
 * must have detached (ft_thread_detach) first. A later ft_runtime_init()
 * starts afresh. */
FT_API void ft_runtime_fini(void);
FT_API int ft_runtime_is_initialized(void);

/* Register the calling pthread with the runtime and attach it. The thread
 * gets a fresh id (ids are never reused). Returns 0, or -1 (FT_ERR_STATE if
 * already attached, FT_ERR_MEMORY). */
FT_API int ft_thread_attach(void);
/* Leave the runtime for good (until a later ft_thread_attach). The objects
 * this thread owns are merged (they count on their shared field from now on
 * and may be freed by any thread), its merge queue is drained, its free
 * lists are emptied, and its GC-tracked objects are handed to the runtime's
 * orphan registry so that the collector still finds them. Must be called
 * before the pthread exits: a thread that exits attached is a fatal error.
 * Returns 0, or -1 (FT_ERR_STATE if not attached). */
FT_API int ft_thread_detach(void);
FT_API int ft_thread_is_attached(void);
/* This thread's id (0 when not attached). */
FT_API uint64_t ft_thread_id(void);

/* Start a pthread that attaches, runs fn(arg), and detaches before exiting. */
FT_API int ft_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);

/* pthread_join inside a blocking region (joining while attached would stall
 * every stop-the-world until the other thread ends). */
FT_API int ft_thread_join(pthread_t thread, void **result);

/* Blocking regions: detach around a call that may block. Objects must not be
 * touched between the two calls. They nest: only the outermost pair acts. */
FT_API void ft_blocking_begin(void);
FT_API void ft_blocking_end(void);

/* A safepoint: runs pending merges, reports a quiescent state, honours stop
 * requests (and in mode gil, hands the lock over if asked). Also polled by
 * every object allocation. */
FT_API void ft_safepoint(void);

/* Stop every other attached thread at its next safepoint (detached threads
 * count as stopped and cannot re-attach), and restart them. The caller must
 * be attached; calls do not nest. While the world is stopped the caller is
 * the only thread touching objects: its critical sections lock nothing
 * (every stopped thread has released its own), and its blocking regions
 * keep it attached. ft_world_stop returns the nanoseconds it took to stop.
 * ft_world_start returns 0, or -1 with FT_ERR_STATE when the calling thread
 * has not stopped the world (nothing changes then). */
FT_API uint64_t ft_world_stop(void);
FT_API int ft_world_start(void);
FT_API int ft_world_is_stopped(void);

#endif /* FTRT_THREAD_H */
