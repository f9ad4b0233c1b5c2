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

#endif /* FT_RUNTIME_WEAKREF_H */
