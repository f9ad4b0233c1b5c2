/* alloc/orphans.c: the registry of orphaned GC objects.
 *
 * When a thread leaves the runtime, nobody will walk its gc heap again, so
 * every live object there moves into this registry (FT_GC_ORPHAN set) and
 * ft_heap_visit finds it here instead. An orphan leaves the registry when it
 * is freed (ft__object_free, any thread).
 *
 * A set of pointers: open addressing with linear probing and backward-shift
 * deletion (no tombstones, so removal never needs memory). One mutex
 * (`lock`) protects everything; it is held only for short table operations
 * that neither allocate through ftrt nor reach a safepoint. Lock order:
 * registry lock -> bucket lock -> orphan lock (it is innermost).
 *
 * Capacity arithmetic: cap is a power of two (or 0), and
 *   2 * (count + reserved) <= cap
 * holds at all times, so ft__orphans_add never grows the table: a leaving
 * thread first reserves room for all of its objects (the only step that can
 * fail with out of memory), then adds them.
 */
#include "runtime/internal.h"
#include "alloc/alloc.h"
#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static FtObject **table;       /* protected by lock */
static size_t cap, count, reserved;

static size_t slot_of(FtObject *op, size_t mask)
{
    uintptr_t h = (uintptr_t)op;
    h ^= h >> 17;
    h *= 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 20) & mask;
}

static void insert_locked(FtObject **t, size_t mask, FtObject *op)
{
    size_t i = slot_of(op, mask);
    while (t[i])
        i = (i + 1) & mask;
    t[i] = op;
}

int ft__orphans_reserve(size_t extra)
{
    pthread_mutex_lock(&lock);
    for (;;) {
        size_t need = 2 * (count + reserved + extra);
        if (need <= cap) {
            reserved += extra;
            pthread_mutex_unlock(&lock);
            return 0;
        }
        size_t ncap = cap ? cap : 64;
        while (ncap < need)
            ncap *= 2;
        pthread_mutex_unlock(&lock);
        FtObject **nt = calloc(ncap, sizeof *nt);   /* outside the lock */
        if (!nt) {
            ft_error_nomem();
            return -1;
        }
        pthread_mutex_lock(&lock);
        if (ncap <= cap) {          /* someone grew it meanwhile */
            free(nt);
            continue;
        }
        for (size_t i = 0; i < cap; i++)
            if (table[i])
                insert_locked(nt, ncap - 1, table[i]);
        free(table);
        table = nt;
        cap = ncap;
    }
}

void ft__orphans_add(FtObject *op)
{
    pthread_mutex_lock(&lock);
    FT_ASSERT(reserved > 0);
    reserved--;
    count++;
    insert_locked(table, cap - 1, op);
    pthread_mutex_unlock(&lock);
}

void ft__orphans_unreserve(size_t n)
{
    pthread_mutex_lock(&lock);
    FT_ASSERT(reserved >= n);
    reserved -= n;
    pthread_mutex_unlock(&lock);
}

void ft__orphans_remove(FtObject *op)
{
    pthread_mutex_lock(&lock);
    size_t mask = cap - 1;
    size_t i = slot_of(op, mask);
    while (table[i] != op) {
        if (!table[i])
            ft_fatal_object(op, "orphan not in the registry");
        i = (i + 1) & mask;
    }
    /* Backward-shift deletion: pull later members of the probe run into
     * the hole so lookups never stop early. */
    size_t hole = i;
    for (size_t j = (i + 1) & mask; table[j]; j = (j + 1) & mask) {
        size_t home = slot_of(table[j], mask);
        /* Move j into the hole if its home is not cyclically in (hole, j]. */
        if (((j - home) & mask) >= ((j - hole) & mask)) {
            table[hole] = table[j];
            hole = j;
        }
    }
    table[hole] = NULL;
    count--;
    pthread_mutex_unlock(&lock);
}

size_t ft__orphans_count(void)
{
    pthread_mutex_lock(&lock);
    size_t n = count;
    pthread_mutex_unlock(&lock);
    return n;
}

int ft__orphans_visit(FtVisitProc visit, void *arg)
{
    /* World stopped: no thread frees or adds orphans meanwhile, and the
     * callback must not free; the lock is held for hygiene only. A visit
     * callback must not call back into this registry. */
    pthread_mutex_lock(&lock);
    int r = 0;
    for (size_t i = 0; i < cap && r == 0; i++)
        if (table[i])
            r = visit(table[i], arg);
    pthread_mutex_unlock(&lock);
    return r;
}
