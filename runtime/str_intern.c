/* runtime/str_intern.c: the interning table: one canonical, immortal str
 * per value, shared by every thread.
 *
 * (The design note with the same content in prose: docs/str-interning.md.)
 *
 * Invariants
 *   1. Every interned str is immortal. (The converse does not hold: an owner
 *      may make its own str immortal with ft_object_make_immortal without
 *      interning it.)
 *   2. The table holds at most one str per value; the one it holds is the
 *      canonical object that ft_str_intern returns for that value.
 *   3. A str owned by another thread is never made immortal here: that
 *      would race with its owner's plain writes to ob_ref_local. Such a str
 *      is copied and the copy (owned by the caller) is interned; the
 *      original stays mortal and not interned.
 *   4. The static singletons ("" and the 256 latin-1 characters) are
 *      interned from the start (state INTERNED_STATIC) and never enter the
 *      table.
 *
 * States of FtStr.interned (str_impl.h) and the legal transitions:
 *
 *   NOT_INTERNED --ft_str_intern, caller owns it (or it is merged)-->
 *       INTERNED_IMMORTAL
 *   INTERNED_STATIC: fixed at runtime init, never changes.
 *   INTERNED_IMMORTAL is final until ft_runtime_fini frees the table's
 *   strings. No str ever goes back to NOT_INTERNED (no mortal interning).
 *
 * Threads and locks
 *   - Lookups are lock-free: ck_hs in SPMC mode lets any number of readers
 *     probe while one writer inserts. Old maps are freed through QSBR
 *     (ft__free_delayed), so a reader never touches freed memory: it is
 *     attached and passes no quiescent state inside ck_hs_get.
 *   - Writers serialise on `intern_lock`, a pthread mutex. A waiter blocks
 *     detached (ft_blocking_begin), so a stop-the-world never waits for a
 *     thread queued on it; the holder may reach a safepoint (table growth
 *     allocates), which is then harmless. Nothing else is taken while it
 *     is held, and it is never taken with the world stopped.
 *   - The new entry is made immortal and marked INTERNED_IMMORTAL before it
 *     is published (inside ck_hs_apply, after the slot is found, when the
 *     insertion can no longer fail), so no reader can find a mortal str.
 *   - Interned strings are never removed, so a str found in the table stays
 *     valid for the rest of the runtime's life.
 *
 * Who may call: any attached thread.
 */
#include "runtime/str_impl.h"
#include "alloc/alloc.h"
#include "threads/lock.h"

#include <ck_hs.h>
#include <pthread.h>

#define INTERN_INITIAL_SIZE 64

static ck_hs_t table;           /* map published with ck's fences */
static pthread_mutex_t intern_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- ck_hs glue ---- */

static void *tbl_malloc(size_t n)
{
    return ft_mem_alloc(n);
}

static void tbl_free(void *p, size_t n, bool defer)
{
    (void)n;
    if (defer)
        ft__free_delayed(p);    /* readers may still probe the old map */
    else
        ft_mem_free(p);
}

static struct ck_malloc tbl_alloc = { .malloc = tbl_malloc, .free = tbl_free };

static unsigned long tbl_hash(const void *obj, unsigned long seed)
{
    (void)seed;
    return (unsigned long)ft__str_hash((FtObject *)obj);
}

static bool tbl_compare(const void *in_table, const void *key)
{
    /* Pairs with FT_TSAN_RELEASE in publish(): ck's own fences are in an
     * uninstrumented library, invisible to ThreadSanitizer. */
    FT_TSAN_ACQUIRE(in_table);
    return ft_str_equal((FtObject *)in_table, (FtObject *)key) != 0;
}

/* ---- The writer lock ---- */

static void lock_table(void)
{
    if (pthread_mutex_trylock(&intern_lock) == 0)
        return;
    ft_blocking_begin();        /* wait detached: never stall a stop */
    pthread_mutex_lock(&intern_lock);
    ft_blocking_end();
}

static void unlock_table(void)
{
    pthread_mutex_unlock(&intern_lock);
}

/* ---- Interning ---- */

static FtObject *lookup(FtObject *s, int64_t h)
{
    FtObject *found = ck_hs_get(&table, (unsigned long)h, s);
    if (found)
        FT_TSAN_ACQUIRE(found);
    return found;
}

/* A private copy of s, owned by the calling thread. */
static FtObject *copy_str(FtObject *s)
{
    FtStr *src = FT_STR(s);
    FtObject *r = ft__str_new(src->length, ft__str_kind_bound(s));
    if (!r)
        return NULL;
    memcpy(ft__str_data(r), ft__str_data(s), (size_t)src->length * src->kind);
    FT_STR(r)->hash = ft__str_hash(s);
    return r;
}

static int may_immortalize(FtObject *s)
{
    uintptr_t tid = ft_atomic_load_relaxed(&s->ob_tid);
    return tid == ft__tl_tid || tid == 0;
}

typedef struct Publish {
    FtObject *cand;
    int done;                   /* 1 inserted, -1 make_immortal failed */
} Publish;

/* ck_hs_apply callback, intern lock held: the slot is reserved, so the
 * insertion cannot fail once we return a non-NULL pointer. */
static void *publish(void *existing, void *arg)
{
    Publish *p = arg;
    if (existing)
        return existing;        /* cannot happen: looked up under the lock */
    if (ft_object_make_immortal(p->cand) < 0) {
        p->done = -1;
        return NULL;            /* "delete" of an absent key: no change */
    }
    /* release: a thread that sees INTERNED also sees the immortal count. */
    atomic_store_explicit(&FT_STR(p->cand)->interned,
                          FT_STR_INTERNED_IMMORTAL, memory_order_release);
    FT_TSAN_RELEASE(p->cand);
    p->done = 1;
    return p->cand;
}

/* Insert cand (equal to the value being interned, hash h) unless an equal
 * str got there first. Returns the canonical str, or NULL with the error
 * set; *refused when cand could not be made immortal. */
static FtObject *insert(FtObject *cand, int64_t h, int *refused)
{
    FtErrorState saved;
    Publish p = { cand, 0 };
    ft_error_fetch(&saved);
    lock_table();
    FtObject *found = lookup(cand, h);
    int ok = found || ck_hs_apply(&table, (unsigned long)h, cand, publish, &p);
    unlock_table();
    if (found || p.done == 1) {
        /* Growth after the insertion may have failed harmlessly (the table
         * just stays fuller): forget that error. */
        ft_error_restore(&saved);
        return found ? found : cand;
    }
    *refused = p.done == -1;
    if (ok || !ft_error_occurred())
        ft_error_set(FT_ERR_MEMORY, "cannot grow the intern table");
    return NULL;
}

FtObject *ft_str_intern(FtObject *s)
{
    FT_NONNULL(NULL, s);
    if (!ft_is_str(s)) {
        ft_error_set(FT_ERR_TYPE, "can't intern %s", ft_type_name(ft_type_of(s)));
        return NULL;
    }
    /* acquire: pairs with the release in publish(). */
    if (atomic_load_explicit(&FT_STR(s)->interned, memory_order_acquire))
        return s;               /* immortal: no count to take */
    int64_t h = ft__str_hash(s);
    FtObject *found = lookup(s, h);
    if (found)
        return found;
    int refused = 0;
    if (may_immortalize(s)) {
        found = insert(s, h, &refused);
        if (found || !refused)
            return found;
        ft_error_clear();       /* not ours after all: intern a copy */
    }
    FtObject *copy = copy_str(s);
    if (!copy)
        return NULL;
    found = insert(copy, h, &refused);
    if (found != copy)
        ft_decref(copy);
    return found;
}

FtObject *ft_str_intern_cstr(const char *utf8)
{
    FT_NONNULL(NULL, utf8);
    FtObject *s = ft_str_from_utf8(utf8, -1);
    if (!s)
        return NULL;
    FtObject *r = ft_str_intern(s);
    ft_decref(s);
    return r;
}

int ft_str_is_interned(FtObject *s)
{
    FT_NONNULL(-1, s);
    return ft_is_str(s) &&
           atomic_load_explicit(&FT_STR(s)->interned, memory_order_acquire) !=
           FT_STR_NOT_INTERNED;
}

size_t ft__str_intern_count(void)
{
    lock_table();
    size_t n = ck_hs_count(&table);
    unlock_table();
    return n;
}

/* ---- Runtime init/fini ---- */

int ft__str_intern_init(void)
{
    if (!ck_hs_init(&table, CK_HS_MODE_SPMC | CK_HS_MODE_OBJECT, tbl_hash,
                    tbl_compare, &tbl_alloc, INTERN_INITIAL_SIZE, 0)) {
        if (!ft_error_occurred())
            ft_error_set(FT_ERR_MEMORY, "cannot allocate the intern table");
        return -1;
    }
    return 0;
}

/* Free every interned str and the table. Runs from ft_runtime_fini with
 * only the calling thread attached; interned strings are immortal, so
 * nothing else frees them. */
void ft__str_intern_fini(void)
{
    ck_hs_iterator_t it;
    void *obj;
    ck_hs_iterator_init(&it);
    while (ck_hs_next(&table, &it, &obj)) {
        ft__str_utf8_cache_free(obj);
        ft__object_free(obj);
    }
    ck_hs_destroy(&table);
    memset(&table, 0, sizeof table);
}
