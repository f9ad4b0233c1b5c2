/* runtime/weakref.h: what the collector needs from weak references
 * (implemented in runtime/weakref.c; used by gc/).
 */
#ifndef FT_RUNTIME_WEAKREF_H
#define FT_RUNTIME_WEAKREF_H

#include "runtime/internal.h"

/* 1 if op's type accepts weak references and op currently has any. */
int ft__weakref_has_refs(FtObject *op);

/* World stopped (collector). Detach every weak reference to op: each one
 * dereferences to NULL from now on. For each weak reference object wr that
 * was detached, call visit(wr, arg); the collector uses it to queue the
 * callbacks of weak references that are not garbage themselves (it takes
 * its own strong reference to wr). Never allocates. */
typedef void (*FtWeakrefVisit)(FtObject *wr, void *arg);
void ft__weakrefs_clear_world_stopped(FtObject *op, FtWeakrefVisit visit, void *arg);

/* 1 if wr (a weakref object) has a callback that has not run yet. */
int ft__weakref_has_callback(FtObject *wr);
/* World running: run wr's callback if it has not run yet (at most once
 * over wr's lifetime), with the error indicator saved and restored. */
void ft__weakref_run_callback(FtObject *wr);

/* ---- For types that accept weak references (implemented in weakref.c) ----
 * A type opts in by reserving a pointer-sized field, zeroed at creation, and
 * setting tp_weaklistoffset to its offset; its tp_dealloc calls
 * ft__weakrefs_clear(op) before dropping any reference. */

/* Dealloc path (count reached zero, world running): detach every weak
 * reference to op, then run the callbacks of those still alive (each at
 * most once). Takes op's weak-list lock; runs callbacks without it. */
void ft__weakrefs_clear(FtObject *op);

/* PEP 442 from a dealloc (runtime/class.c): before running a finalizer on
 * an object whose count reached zero, ft__weakrefs_mark_dying(op) makes
 * ft_weakref_get return NULL for op even while the finalizer holds a
 * temporary reference. After the finalizer, ft__finalizer_release(op)
 * drops that temporary reference and returns the remaining count: > 0 if
 * the finalizer resurrected op (weak references work again), 0 if op is
 * dead (weak references stay blocked until cleared). The drop and the
 * decision happen under op's weak-list lock, so no weak reference can take
 * a reference in between. For types without weak references both only
 * count. */
void ft__weakrefs_mark_dying(FtObject *op);
FtSsize ft__finalizer_release(FtObject *op);

int ft__weakref_init(void);

#endif /* FT_RUNTIME_WEAKREF_H */
