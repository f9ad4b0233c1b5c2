/* runtime/weakref.c: weak references (ftrt/class.h, runtime/weakref.h).
 *
 * A weak reference (FtWeakref) points at its referent without counting.
 * Every referent whose type accepts weak references has a weak-list word at
 * tp_weaklistoffset: the head of a doubly linked list of the FtWeakref
 * objects that point at it, plus one tag bit, DYING (set while a finalizer
 * runs from the referent's dealloc). The list holds BORROWED pointers: a
 * weak reference unlinks itself when it dies.
 *
 * ---- Locks in this file ----
 * stripes[hash(referent address)] (pthread mutexes): the weak-list lock of
 *   every referent hashing there (CPython's striped weakref locks). Protects
 *   the referent's weak-list word and the wr_prev/wr_next links of the weak
 *   references on it, and orders every write of wr_object. Leaf lock:
 *   nothing is allocated, counted down, called back or blocked on while it
 *   is held, so no safepoint can occur inside (which is also why the
 *   collector may take it with the world stopped: no stopped thread holds
 *   it). Taking it never detaches.
 *
 * ---- Invariants ----
 *   W1. wr->wr_object is the referent while wr is on the referent's list,
 *       and NULL otherwise (once NULL, forever NULL). It is written under
 *       the referent's stripe lock, read atomically anywhere.
 *   W2. A referent's memory is freed only after ft__weakrefs_clear (or the
 *       collector's ft__weakrefs_clear_world_stopped) emptied its list under
 *       the lock. So, holding the stripe lock and seeing wr_object == op,
 *       op's memory is valid.
 *   W3. ft_weakref_get succeeds only through ft__try_incref, which fails
 *       once the count has reached zero (the referent was marked
 *       maybe-weakref when its first weak reference was made, so even a
 *       non-owner's try-incref is decided by compare-and-swap), and only if
 *       DYING is clear: an object whose count reached zero is never
 *       resurrected through a weak reference, not even while its finalizer
 *       holds a temporary reference.
 *   W4. A callback runs at most once (cb_done exchanged to 1 first), only
 *       after its weak reference was detached, and only if the weak
 *       reference itself is still alive then.
 *
 * Who may call: attached threads; ft__weakrefs_clear_world_stopped and
 * ft__weakref_has_refs with the world stopped (collector).
 */
#include "runtime/internal.h"
#include "runtime/weakref.h"
#include "runtime/init.h"
#include "alloc/alloc.h"
#include "refcount/refcount.h"
#include <pthread.h>

typedef struct FtWeakref {
    FtObject ob_base;
    FtObject *wr_object;             /* ATOMIC: referent or NULL (W1) */
    struct FtWeakref *wr_prev, *wr_next; /* referent's stripe lock */
    struct FtWeakref *cb_next;       /* clearing thread's private chain */
    FtWeakCallback callback;         /* immutable after creation */
    void *cb_arg;                    /* immutable after creation */
    _Atomic int cb_done;             /* W4 */
} FtWeakref;

#define DYING ((uintptr_t)1)
#define NSTRIPES 127

static pthread_mutex_t stripes[NSTRIPES];
static pthread_once_t stripes_once = PTHREAD_ONCE_INIT;

static void stripes_init(void)
{
    for (int i = 0; i < NSTRIPES; i++)
        pthread_mutex_init(&stripes[i], NULL);
}

static pthread_mutex_t *stripe_of(FtObject *op)
{
    return &stripes[((uintptr_t)op >> 4) % NSTRIPES];
}

static void lock_list(FtObject *op)   { pthread_mutex_lock(stripe_of(op)); }
static void unlock_list(FtObject *op) { pthread_mutex_unlock(stripe_of(op)); }

static inline int accepts_weakrefs(FtObject *op)
{
    return op->ob_type->tp_weaklistoffset > 0;
}

/* The weak-list word of op (type must accept weak references). */
static inline uintptr_t *list_word(FtObject *op)
{
    return (uintptr_t *)((char *)op + op->ob_type->tp_weaklistoffset);
}

static inline FtWeakref *list_head(FtObject *op)
{
    return (FtWeakref *)(FT_LOAD_RELAXED(*list_word(op)) & ~DYING);
}

static inline void set_head_locked(FtObject *op, FtWeakref *head)
{
    uintptr_t *w = list_word(op);
    /* release: the weak reference that empties the list (weakref_dealloc)
     * read op's memory under the lock; the referent's dealloc may then see
     * the empty word in ft__weakrefs_clear's lock-free check (acquire) and
     * free op without taking the lock, so this store is what orders those
     * reads before the free. (Relaxed here was a race on op's header found
     * by stress_weakref/wvd_race under TSan: the freed referent's memory
     * was reused while the unlinker's reads were unordered with the free.) */
    FT_STORE_RELEASE(*w, (uintptr_t)head | (FT_LOAD_RELAXED(*w) & DYING));
}

static inline int is_weakref(FtObject *op)
{
    return op->ob_type == &ft_weakref_type;
}

/* ---- List operations (stripe lock held) ---- */

static void unlink_locked(FtObject *op, FtWeakref *wr)
{
    if (wr->wr_prev)
        wr->wr_prev->wr_next = wr->wr_next;
    else
        set_head_locked(op, wr->wr_next);
    if (wr->wr_next)
        wr->wr_next->wr_prev = wr->wr_prev;
    wr->wr_prev = wr->wr_next = NULL;
}

static void link_head_locked(FtObject *op, FtWeakref *wr)
{
    FtWeakref *head = list_head(op);
    wr->wr_prev = NULL;
    wr->wr_next = head;
    if (head)
        head->wr_prev = wr;
    set_head_locked(op, wr);
    FT_STORE_RELAXED(wr->wr_object, op);
}

/* The shared callback-less reference, with a new reference, or NULL. It is
 * kept at the head of the list; it may be dying (count zero, its dealloc
 * waiting for this lock), hence the try-incref. */
static FtWeakref *find_basic_locked(FtObject *op)
{
    FtWeakref *head = list_head(op);
    if (head && !head->callback && ft__try_incref(&head->ob_base))
        return head;
    return NULL;
}

/* ---- The weakref type ---- */

static void weakref_dealloc(FtObject *self)
{
    FtWeakref *wr = (FtWeakref *)self;
    /* acquire: pairs with the release store of NULL in detach_all, so the
     * clearing thread's last touches of wr happen before we free it. */
    FtObject *op = FT_LOAD_ACQUIRE(wr->wr_object);
    if (op) {
        lock_list(op);
        /* Re-check under the lock: the referent may have been cleared
         * meanwhile (then op may be freed; we only hashed its address). */
        if (FT_LOAD_RELAXED(wr->wr_object) == op) {
            unlink_locked(op, wr);
            FT_STORE_RELAXED(wr->wr_object, NULL);
        }
        unlock_list(op);
    }
    ft__object_free(self);
}

static FtObject *weakref_repr(FtObject *self)
{
    FtObject *op = ft_weakref_get(self);
    if (!op)
        return ft_str_from_format("<weakref at %p; dead>", (void *)self);
    FtObject *r = ft_str_from_format("<weakref at %p; to '%s' at %p>",
                                     (void *)self, op->ob_type->tp_name,
                                     (void *)op);
    ft_decref(op);
    return r;
}

FtType ft_weakref_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "weakref",
    .tp_basicsize = sizeof(FtWeakref),
    .tp_base = &ft_object_type,
    .tp_dealloc = weakref_dealloc,
    .tp_repr = weakref_repr,
    .tp_hash = ft__object_identity_hash,
};

/* ---- Public API ---- */

static FtWeakref *weakref_alloc(FtWeakCallback callback, void *arg)
{
    FtWeakref *wr = (FtWeakref *)ft__object_alloc(&ft_weakref_type,
                                                  sizeof(FtWeakref));
    if (!wr)
        return NULL;
    wr->wr_object = NULL;
    wr->wr_prev = wr->wr_next = wr->cb_next = NULL;
    wr->callback = callback;
    wr->cb_arg = arg;
    atomic_init(&wr->cb_done, 0);
    /* The clearing thread (any thread) try-increfs weak references. */
    ft__set_maybe_weakref(&wr->ob_base);
    return wr;
}

FtObject *ft_weakref_new(FtObject *op, FtWeakCallback callback, void *arg)
{
    FT_NONNULL(NULL, op);
    if (!accepts_weakrefs(op)) {
        ft_error_set(FT_ERR_TYPE, "cannot create weak reference to '%s' object",
                     op->ob_type->tp_name);
        return NULL;
    }
    FtWeakref *found = NULL;
    if (!callback) {
        lock_list(op);
        found = find_basic_locked(op);
        unlock_list(op);
        if (found)
            return &found->ob_base;
    }
    /* Allocate outside the lock (allocation is a safepoint). */
    FtWeakref *wr = weakref_alloc(callback, arg);
    if (!wr)
        return NULL;
    /* Let non-owners try-incref op through this weak reference (W3). */
    ft__set_maybe_weakref(op);
    lock_list(op);
    if (!callback && (found = find_basic_locked(op)) != NULL) {
        unlock_list(op);
        ft_decref(&wr->ob_base);       /* lost a race: never linked */
        return &found->ob_base;
    }
    FtWeakref *head = list_head(op);
    if (callback && head && !head->callback) {
        /* Keep the basic reference at the head: insert after it. */
        wr->wr_prev = head;
        wr->wr_next = head->wr_next;
        if (head->wr_next)
            head->wr_next->wr_prev = wr;
        head->wr_next = wr;
        FT_STORE_RELAXED(wr->wr_object, op);
    } else {
        link_head_locked(op, wr);
    }
    unlock_list(op);
    return &wr->ob_base;
}

FtObject *ft_weakref_get(FtObject *self)
{
    FT_NONNULL(NULL, self);
    if (!is_weakref(self)) {
        ft_error_set(FT_ERR_TYPE, "expected a weakref, got '%s'",
                     self->ob_type->tp_name);
        return NULL;
    }
    FtWeakref *wr = (FtWeakref *)self;
    FtObject *op = FT_LOAD_RELAXED(wr->wr_object);
    if (!op)
        return NULL;
    lock_list(op);
    /* W2: still linked, so op's memory is valid while we hold the lock. */
    int ok = FT_LOAD_RELAXED(wr->wr_object) == op
             && !(FT_LOAD_RELAXED(*list_word(op)) & DYING)
             && ft__try_incref(op);
    unlock_list(op);
    return ok ? op : NULL;
}

FtSsize ft_weakref_count(FtObject *op)
{
    FT_NONNULL(-1, op);
    if (!accepts_weakrefs(op))
        return 0;
    FtSsize n = 0;
    lock_list(op);
    for (FtWeakref *wr = list_head(op); wr; wr = wr->wr_next)
        n++;
    unlock_list(op);
    return n;
}

/* ---- Clearing ---- */

/* Detach every weak reference to op (lock held). Those with a pending
 * callback that are still alive are chained through cb_next with a new
 * reference (if take_refs) or passed to visit (world stopped). */
static FtWeakref *detach_all_locked(FtObject *op, int take_refs,
                                    FtWeakrefVisit visit, void *arg)
{
    FtWeakref *chain = NULL, **tail = &chain;
    FtWeakref *wr = list_head(op);
    FT_STORE_RELAXED(*list_word(op), (uintptr_t)0);
    while (wr) {
        FtWeakref *next = wr->wr_next;
        wr->wr_prev = wr->wr_next = NULL;
        int pending = wr->callback && !atomic_load(&wr->cb_done);
        if (pending && take_refs && ft__try_incref(&wr->ob_base)) {
            wr->cb_next = NULL;
            *tail = wr;
            tail = &wr->cb_next;
        } else if (pending && visit && ft_refcount(&wr->ob_base) > 0) {
            /* World stopped: counts are exact, and a weak reference whose
             * count is zero is dead already (waiting in a merge queue). */
            visit(&wr->ob_base, arg);
        }
        /* release: our last touch of a weak reference we hold no reference
         * to; pairs with the acquire in weakref_dealloc (W1). */
        FT_STORE_RELEASE(wr->wr_object, NULL);
        wr = next;
    }
    return chain;
}

void ft__weakrefs_clear(FtObject *op)
{
    /* Lock-free check: nobody can link a weak reference to a dead object.
     * acquire: pairs with the release in ft__finalizer_release, whose
     * thread may still be clearing DYING when the resurrected object dies
     * again here (a word with DYING set sends us through the lock). */
    if (!accepts_weakrefs(op) || FT_LOAD_ACQUIRE(*list_word(op)) == 0)
        return;
    lock_list(op);
    FtWeakref *chain = detach_all_locked(op, 1, NULL, NULL);
    unlock_list(op);
    while (chain) {
        FtWeakref *next = chain->cb_next;
        ft__weakref_run_callback(&chain->ob_base);
        ft_decref(&chain->ob_base);
        chain = next;
    }
}

void ft__weakrefs_clear_world_stopped(FtObject *op, FtWeakrefVisit visit, void *arg)
{
    if (!accepts_weakrefs(op))
        return;
    lock_list(op);    /* free: no stopped thread can hold it (file head) */
    detach_all_locked(op, 0, visit, arg);
    unlock_list(op);
}

int ft__weakref_has_refs(FtObject *op)
{
    return accepts_weakrefs(op) && list_head(op) != NULL;
}

int ft__weakref_has_callback(FtObject *self)
{
    FtWeakref *wr = (FtWeakref *)self;
    return is_weakref(self) && wr->callback && !atomic_load(&wr->cb_done);
}

void ft__weakref_run_callback(FtObject *self)
{
    FtWeakref *wr = (FtWeakref *)self;
    if (!is_weakref(self) || !wr->callback)
        return;
    if (atomic_exchange(&wr->cb_done, 1))
        return;       /* W4: ran already */
    FtErrorState saved;
    ft_error_fetch(&saved);
    wr->callback(self, wr->cb_arg);
    ft_error_restore(&saved);
}

/* ---- PEP 442 support for deallocs with finalizers ---- */

void ft__weakrefs_mark_dying(FtObject *op)
{
    if (!accepts_weakrefs(op))
        return;
    lock_list(op);
    uintptr_t *w = list_word(op);
    FT_STORE_RELAXED(*w, FT_LOAD_RELAXED(*w) | DYING);
    unlock_list(op);
}

FtSsize ft__finalizer_release(FtObject *op)
{
    if (!accepts_weakrefs(op))
        return ft__merge_refcount(op, -1);
    lock_list(op);
    FtSsize left = ft__merge_refcount(op, -1);
    if (left > 0) {
        /* Resurrected. release: this is our last touch of op; pairs with
         * the acquire in ft__weakrefs_clear of whoever frees it next. */
        uintptr_t *w = list_word(op);
        FT_STORE_RELEASE(*w, FT_LOAD_RELAXED(*w) & ~DYING);
    }
    unlock_list(op);
    return left;
}

int ft__weakref_init(void)
{
    pthread_once(&stripes_once, stripes_init);
    return ft__type_ready(&ft_weakref_type);
}
