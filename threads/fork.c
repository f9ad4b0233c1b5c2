/* threads/fork.c: fork support (ft_fork_prepare / ft_fork_parent /
 * ft_fork_child, and ft_fork), after CPython's PyOS_BeforeFork and
 * PyOS_AfterFork_Parent / PyOS_AfterFork_Child.
 *
 * fork() copies the address space but only the calling thread. Every lock
 * another thread held at that instant stays held in the child forever, and
 * every structure it was changing stays half-changed. So the parent
 * quiesces the runtime first (prepare, in this order):
 *   1. the collector lock (ft__gc_lock, waited for detached): no collection
 *      is between two phases when we fork (its scratch bits, its per-thread
 *      data and its restarted world would be half-done in the child);
 *   2. the world stopped (ft_world_stop, unless the caller already holds it
 *      stopped): every other thread is SUSPENDED or DETACHED, so it holds no
 *      object lock in a critical section (suspended), no BRC bucket lock,
 *      no orphan lock, no stw_mu (those are only held attached, never across
 *      a safepoint), and it is offline for QSBR; we hold the request lock
 *      and the registry lock;
 *   3. liburcu's call_rcu thread paused (urcu_qsbr_call_rcu_before_fork),
 *      the forking thread offline meanwhile (the call_rcu thread may be
 *      waiting for a grace period) until parent/child.
 * Locks a DETACHED thread may still hold in the parent at the fork (a
 * parking-lot bucket while it parks or wakes, a BRC bucket, stw_mu while it
 * reports or waits, the GIL's mutex in mode gil) are re-initialised in the
 * child, where their holders do not exist; the data they protect is only
 * changed by attached threads, or is emptied (the parking lot).
 *
 * Parent: call_rcu resumed, the world restarted (if prepare stopped it),
 * the collector lock released.
 *
 * Child: the forking thread is the only thread, attached, holding the
 * world stopped. It re-initialises the locks above, retires every other
 * thread's state as if it had called ft_thread_detach (threads/tstate.c:
 * ft__tstate_fork_child: its objects merged and orphaned, owned by nobody,
 * its merge queue drained), lets liburcu recreate its call_rcu thread,
 * restarts the world and releases the collector lock. Objects a vanished
 * thread had locked outside a critical section (a lock a fair unlock handed
 * to it as it parked) stay locked: code that forks must not rely on objects
 * other threads were contending for at that instant.
 *
 * Who may call: an attached thread, not inside a blocking region, not
 * inside a collection (finalizer, GC callback). The three calls must be
 * made by the same thread, in order, with fork() between prepare and the
 * other two (ft_fork does exactly that).
 */
#include "runtime/internal.h"
#include "threads/tstate.h"
#include "gc/gc.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Owner-only state of one fork: prepare sets it, parent/child read it.
 * Only the thread holding the collector lock touches it. */
static int prepared;          /* 1 between prepare and parent/child */
static int stopped_world;     /* prepare stopped the world (not the caller) */
static FtThreadState *forker; /* the thread that prepared */

int ft_fork_prepare(void)
{
    FtThreadState *ts = ft__tstate();
    if (!ts) {
        ft_error_set(FT_ERR_STATE, "ft_fork_prepare: the calling thread is not attached");
        return -1;
    }
    if (ts->blocking_depth) {
        ft_error_set(FT_ERR_STATE, "ft_fork_prepare inside a blocking region");
        return -1;
    }
    int mine = ft__world_stopped_by_me();
    /* With the world already stopped by the caller, a collector stopped
     * between two phases would never release its lock: do not wait. */
    if ((mine ? ft__gc_trylock() : ft__gc_lock()) < 0) {
        ft_error_set(FT_ERR_STATE, mine
            ? "ft_fork_prepare: a collection is in progress; call it before stopping the world"
            : "ft_fork_prepare: called from inside a collection");
        return -1;
    }
    if (!mine)
        ft_world_stop();
    /* Offline while liburcu pauses its call_rcu thread: that thread may be
     * in a grace period, waiting for every online thread (us included; the
     * others are offline, stopped). */
    ft__qsbr_offline(ts);
    ft__qsbr_fork_prepare();
    prepared = 1;
    stopped_world = !mine;
    forker = ts;
    return 0;
}

static int check_prepared(const char *func)
{
    if (!prepared || forker != ft__tstate()) {
        ft_error_set(FT_ERR_STATE, "%s: ft_fork_prepare was not called by this thread",
                     func);
        return -1;
    }
    return 0;
}

int ft_fork_parent(void)
{
    if (check_prepared(__func__) < 0)
        return -1;
    prepared = 0;
    ft__qsbr_fork_parent();
    ft__qsbr_online(forker);
    if (stopped_world)
        ft_world_start();
    ft__gc_unlock();
    return 0;
}

int ft_fork_child(void)
{
    if (check_prepared(__func__) < 0)
        return -1;
    FtThreadState *me = forker;
    prepared = 0;
    ft__stw_fork_child(me);
    ft__parking_lot_fork_child();
    ft__brc_fork_child();
    ft__gil_fork_child(me);
    ft__qsbr_fork_child(me);
    ft__qsbr_online(me);
    ft__tstate_fork_child(me);
    if (stopped_world)
        ft_world_start();
    ft__gc_unlock();
    return 0;
}

pid_t ft_fork(void)
{
    if (ft_fork_prepare() < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        ft_fork_child();
        return 0;
    }
    int err = errno;
    ft_fork_parent();
    if (pid < 0)
        ft_error_set(FT_ERR_MEMORY, "fork failed: %s", strerror(err));
    return pid;
}
