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
#include <sys/types.h>

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
 * Returns 0, or -1: FT_ERR_STATE if not attached or inside a blocking
 * region or critical section; FT_ERR_MEMORY if there was no memory to
 * register the thread's objects as orphans. After a failure the thread is
 * exactly as before the call (still attached, its objects its own, its free
 * lists emptied), so calling ft_thread_detach again later is safe. */
FT_API int ft_thread_detach(void);
FT_API int ft_thread_is_attached(void);
/* This thread's id (0 when not attached). */
FT_API uint64_t ft_thread_id(void);

/* Start a pthread that attaches, runs fn(arg), and detaches before exiting.
 * Returns 0 once the new thread is attached, or -1 with the error set and
 * no thread left running: FT_ERR_MEMORY (no memory for the thread, its
 * attach failed for lack of memory, or pthread_create failed), FT_ERR_STATE
 * (runtime not initialised, or the caller holds the world stopped). The
 * caller need not be attached; if it is, it
 * waits for the new thread's attach in a blocking region. When fn returns,
 * a detach that fails for lack of memory is retried (the thread waits
 * detached, 1 ms doubling up to 100 ms) until it succeeds. */
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

/* fork() with the runtime usable in the child (threads/fork.c has the
 * protocol). ft_fork() = ft_fork_prepare(), fork(), then ft_fork_parent()
 * or ft_fork_child(); it returns fork's result, or -1 with the error set.
 * Or call the three around a fork of your own (as CPython's
 * PyOS_BeforeFork / PyOS_AfterFork_*). The caller must be attached and not
 * in a blocking region; prepare waits for a running collection to end and
 * stops the world (unless the caller already holds it stopped; then a
 * collection in progress is FT_ERR_STATE). In the child, the calling thread
 * is the only thread: every other thread's objects are merged and owned by
 * nobody (they live on, readable, freed by whoever drops them last), their
 * GC objects are orphans the collector still finds, and the child can
 * allocate, collect and start threads. In the parent, the world is
 * restarted (if prepare stopped it). Each returns 0, or -1 with
 * FT_ERR_STATE (not attached, or parent/child without a prepare by the
 * same thread). No pthread_atfork handlers are installed: a fork that does
 * not go through these leaves the child unable to use the runtime. */
FT_API int ft_fork_prepare(void);
FT_API int ft_fork_parent(void);
FT_API int ft_fork_child(void);
FT_API pid_t ft_fork(void);

#endif /* FTRT_THREAD_H */
