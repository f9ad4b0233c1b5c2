/* runtime/dict_atomic.c: atomic read-modify-write on one dict entry
 * (ftrt/container.h): get-or-insert, update through a callback,
 * compare-and-set, compare-and-delete, integer add.
 *
 * Atomicity (docs/concurrency.md, "Atomic dict updates"). Each operation
 * runs inside the dict's critical section. A critical section is NOT held
 * through everything: an allocation may reach a safepoint that suspends it
 * (a stop-the-world, a GIL hand-over in mode gil), a user __eq__ may block,
 * and then another writer can get in. So the operations below never rely
 * on the lock alone across a call that may reach a safepoint:
 *
 *   - update_item / add_int: the entry is read, ma_version recorded, the
 *     callback run; if ma_version changed meanwhile, the callback's result
 *     is dropped and the whole step retried (the callback may therefore run
 *     more than once; each run sees the value current at its start). The
 *     store happens with no safepoint between the version check and it, so
 *     the update linearizes at the store and is computed from the value
 *     the entry had just before it.
 *   - compare_and_set / compare_and_delete: the locked lookup re-validates
 *     after any key comparison; the identity test and the store are then
 *     adjacent (no call in between), except an insertion of a missing key
 *     that must grow the table: ft__dict_insert_locked looks the key up
 *     again after growing and reports it present (we re-evaluate).
 *   - get_or_insert: a factory must run at most once per missing key, so a
 *     retry is not enough. While a thread runs a factory for (dict, hash) it
 *     has a record in the pending list below; a second get_or_insert that
 *     finds the key missing and a record for the same (dict, hash) leaves
 *     its section, waits (detached) until the record is gone, and looks
 *     again. Same hash, different key: a needless wait, never a wrong
 *     answer. So concurrent get_or_insert calls on one key call the factory
 *     once, even if the factory's section is suspended. (A plain set_item
 *     that stores the key meanwhile wins: the factory's object is dropped
 *     and the stored value returned.)
 *
 * Lock pending_mu (a pthread mutex) protects pending_head, every record's
 * links and pending_seq; it is held only for list operations (no
 * allocation, no safepoint, no user code) and nests inside a dict's
 * critical section. pending_cv is signalled (broadcast) when a record is
 * removed.
 *
 * References dropped by these operations (replaced values, deleted keys,
 * results of a retried callback) are released after the section ends.
 */
#include "runtime/internal.h"
#include "runtime/dict_impl.h"
#include "threads/lock.h"
#include "refcount/refcount.h"

#include <pthread.h>

/* d is non-NULL (each public entry checks its arguments with FT_NONNULL). */
static int check_args(FtObject *d, const char *fn)
{
    if (!ft_is_dict(d)) {
        ft_error_set(FT_ERR_TYPE, "%s: expected a dict, got '%s'", fn,
                     ft_type_name(ft_type_of(d)));
        return -1;
    }
    return 0;
}

/* A non-owner about to write marks the dict shared first (dict.c, I3). */
static inline void ensure_shared_on_write(FtDict *d)
{
    if (!ft__is_owned_by_me(&d->ob_base))
        ft__dict_ensure_shared_locked(d);
}

/* Up to three references to drop once the section has ended. */
typedef struct Drops { FtObject *p[3]; } Drops;

static void drops_release(Drops *dr)
{
    for (int i = 0; i < 3; i++)
        FT_CLEAR(dr->p[i]);
}

/* ---- Pending factories (get_or_insert) ---- */

typedef struct Pending {
    struct Pending *next;       /* pending_mu */
    FtObject *dict;             /* immutable while listed */
    int64_t hash;
    const void *thread;         /* &my_tag of the thread running the factory */
    uint64_t seq;               /* unique while listed */
} Pending;

static pthread_mutex_t pending_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pending_cv = PTHREAD_COND_INITIALIZER;
static Pending *pending_head;   /* pending_mu */
static uint64_t pending_seq;    /* pending_mu */
static _Thread_local char my_tag;
/* How many times a get_or_insert waited for another's factory (tests). */
_Atomic uint64_t ft__dict_factory_waits;

/* The record for (d, hash) if any; else add `me`. Caller holds d's section. */
static Pending *pending_find_or_add(Pending *me)
{
    pthread_mutex_lock(&pending_mu);
    Pending *p = pending_head;
    while (p && !(p->dict == me->dict && p->hash == me->hash))
        p = p->next;
    if (!p) {
        me->seq = ++pending_seq;
        me->next = pending_head;
        pending_head = me;
    } else {
        /* copy what the waiter needs: p may go away once we unlock */
        me->seq = p->seq;
        me->thread = p->thread;
    }
    pthread_mutex_unlock(&pending_mu);
    return p;
}

static void pending_remove(Pending *me)
{
    pthread_mutex_lock(&pending_mu);
    Pending **pp = &pending_head;
    while (*pp != me)
        pp = &(*pp)->next;
    *pp = me->next;
    pthread_cond_broadcast(&pending_cv);
    pthread_mutex_unlock(&pending_mu);
}

static int pending_listed(uint64_t seq)
{
    for (Pending *p = pending_head; p; p = p->next)
        if (p->seq == seq)
            return 1;
    return 0;
}

/* Wait, detached (no section held), until record seq is gone. */
static void pending_wait(uint64_t seq)
{
    ft_blocking_begin();
    pthread_mutex_lock(&pending_mu);
    while (pending_listed(seq))
        pthread_cond_wait(&pending_cv, &pending_mu);
    pthread_mutex_unlock(&pending_mu);
    ft_blocking_end();
}

enum { GOI_WAIT = 2 };

int ft_dict_get_or_insert(FtObject *d, FtObject *key,
                          FtObject *(*factory)(void *arg), void *arg,
                          FtObject **result)
{
    if (result)
        *result = NULL;
    FT_NONNULL(-1, d, key, result);
    if (!factory) {                     /* a function pointer: not in FT_NONNULL */
        ft__null_arg_error(__func__);
        return -1;
    }
    if (check_args(d, "ft_dict_get_or_insert") < 0)
        return -1;
    int64_t hash = ft__dict_key_hash(key);
    if (hash == -1)
        return -1;
    FtDict *dd = FT_DICT(d);
    for (;;) {
        int r;
        Pending me = { .dict = d, .hash = hash, .thread = &my_tag };
        FtObject *made = NULL;
        FT_BEGIN_CRITICAL_SECTION(d);
        ensure_shared_on_write(dd);
        FtSsize ix = ft__dict_lookup_locked(dd, key, hash);
        if (ix >= 0) {
            *result = ft_newref(*ft__dk_value_slot(dd->ma_keys, ix));
            r = 1;
        } else if (ix == FT_DKIX_ERROR) {
            r = -1;
        } else if (pending_find_or_add(&me)) {
            r = GOI_WAIT;       /* another thread's factory is running */
        } else {
            ft_error_clear();
            made = factory(arg);          /* may suspend the section */
            if (!made) {
                if (!ft_error_occurred())
                    ft_error_set(FT_ERR_VALUE, "ft_dict_get_or_insert: "
                                 "factory returned NULL without an error");
                r = -1;
            } else {
                FtObject *present = NULL;
                r = ft__dict_insert_locked(dd, key, hash, made, &present, 0);
                if (r == 0)
                    *result = ft_newref(made);
                else if (r == 1)
                    *result = present;    /* stored meanwhile by a set */
            }
            pending_remove(&me);
        }
        FT_END_CRITICAL_SECTION();
        ft_xdecref(made);
        if (r != GOI_WAIT)
            return r;
        if (me.thread == &my_tag) {
            ft_error_set(FT_ERR_RUNTIME, "ft_dict_get_or_insert: the factory "
                         "called get_or_insert on the same dict and key");
            return -1;
        }
        ft_atomic_add_relaxed(&ft__dict_factory_waits, 1);
        pending_wait(me.seq);
    }
}

/* ---- Update through a callback ---- */

enum { UPD_RETRY = 2 };

/* One attempt; UPD_RETRY if another writer got in while fn ran. */
static int update_once(FtDict *dd, FtObject *key, int64_t hash,
                       FtDictUpdateFunc fn, void *arg, FtObject **stored,
                       Drops *dr)
{
    int r = 0;
    FT_BEGIN_CRITICAL_SECTION(dd);
    ensure_shared_on_write(dd);
    FtSsize ix = ft__dict_lookup_locked(dd, key, hash);
    if (ix == FT_DKIX_ERROR) {
        r = -1;
    } else {
        FtObject *cur = ix >= 0 ? ft_newref(*ft__dk_value_slot(dd->ma_keys, ix)) : NULL;
        uint64_t version = dd->ma_version;
        ft_error_clear();
        FtObject *nv = fn(cur, arg);      /* may suspend the section */
        dr->p[0] = cur;
        dr->p[1] = nv;
        if (dd->ma_version != version) {
            r = UPD_RETRY;                /* the callback let a writer in */
        } else if (!nv && ft_error_occurred()) {
            r = -1;
        } else if (!nv) {
            if (ix >= 0)                  /* same block: version unchanged */
                ft__dict_delete_locked(dd, ix, hash, &dr->p[1], &dr->p[2]);
        } else if (ix >= 0) {
            dr->p[2] = ft__dict_replace_locked(dd, ix, nv);
            *stored = ft_newref(nv);
        } else {
            FtObject *present = NULL;
            r = ft__dict_insert_locked(dd, key, hash, nv, &present, 0);
            if (r == 1) {
                dr->p[2] = present;       /* appeared while growing */
                r = UPD_RETRY;
            } else if (r == 0) {
                *stored = ft_newref(nv);
            }
        }
    }
    FT_END_CRITICAL_SECTION();
    return r;
}

int ft_dict_update_item(FtObject *d, FtObject *key, FtDictUpdateFunc fn,
                        void *arg, FtObject **result)
{
    if (result)
        *result = NULL;
    FT_NONNULL(-1, d, key);             /* result is optional */
    if (!fn) {
        ft__null_arg_error(__func__);
        return -1;
    }
    if (check_args(d, "ft_dict_update_item") < 0)
        return -1;
    int64_t hash = ft__dict_key_hash(key);
    if (hash == -1)
        return -1;
    for (;;) {
        Drops dr = { { NULL, NULL, NULL } };
        FtObject *stored = NULL;
        int r = update_once(FT_DICT(d), key, hash, fn, arg, &stored, &dr);
        drops_release(&dr);
        if (r == UPD_RETRY)
            continue;
        if (result)
            *result = stored;
        else
            ft_xdecref(stored);
        return r;
    }
}

/* ---- Integer add ---- */

static FtObject *add_int_fn(FtObject *old, void *arg)
{
    FtObject *delta = arg;
    if (!old)
        return ft_newref(delta);
    if (!ft_is_int(old)) {
        ft_error_set(FT_ERR_TYPE, "ft_dict_add_int: the value is '%s', not an int",
                     ft_type_name(ft_type_of(old)));
        return NULL;
    }
    return ft_int_add(old, delta);
}

int ft_dict_add_int(FtObject *d, FtObject *key, int64_t delta, FtObject **result)
{
    if (result)
        *result = NULL;
    FT_NONNULL(-1, d, key);             /* result is optional */
    if (check_args(d, "ft_dict_add_int") < 0)
        return -1;
    FtObject *dv = ft_int_from_i64(delta);
    if (!dv)
        return -1;
    int r = ft_dict_update_item(d, key, add_int_fn, dv, result);
    ft_decref(dv);
    return r;
}

/* ---- Compare-and-set ---- */

int ft_dict_compare_and_set(FtObject *d, FtObject *key,
                            FtObject *expected, FtObject *value)
{
    FT_NONNULL(-1, d, key);             /* expected and value: NULL = absent */
    if (check_args(d, "ft_dict_compare_and_set") < 0)
        return -1;
    int64_t hash = ft__dict_key_hash(key);
    if (hash == -1)
        return -1;
    FtDict *dd = FT_DICT(d);
    Drops dr = { { NULL, NULL, NULL } };
    int r;
    FT_BEGIN_CRITICAL_SECTION(d);
    ensure_shared_on_write(dd);
    FtSsize ix = ft__dict_lookup_locked(dd, key, hash);
    /* From the lookup's last check to the store nothing reaches a
     * safepoint, except the growth of the table for a missing key. */
    FtObject *cur = ix >= 0 ? *ft__dk_value_slot(dd->ma_keys, ix) : NULL;
    if (ix == FT_DKIX_ERROR) {
        r = -1;
    } else if (cur != expected) {
        r = 0;
    } else if (!value) {
        if (ix >= 0)
            ft__dict_delete_locked(dd, ix, hash, &dr.p[0], &dr.p[1]);
        r = 1;
    } else if (ix >= 0) {
        dr.p[0] = ft__dict_replace_locked(dd, ix, value);
        r = 1;
    } else {
        /* Missing: insert. Growing the table may let a writer in; the
         * insertion then looks again and may find the key present (1):
         * the CAS fails, linearized at that lookup. */
        r = ft__dict_insert_locked(dd, key, hash, value, &dr.p[2], 0);
        r = r == 0 ? 1 : r == 1 ? 0 : -1;
    }
    FT_END_CRITICAL_SECTION();
    drops_release(&dr);
    return r;
}

int ft_dict_compare_and_delete(FtObject *d, FtObject *key, FtObject *expected)
{
    FT_NONNULL(-1, d, key, expected);
    return ft_dict_compare_and_set(d, key, expected, NULL);
}
