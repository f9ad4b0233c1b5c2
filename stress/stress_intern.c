/* stress/stress_intern.c: string interning from many threads
 * (docs/str-interning.md).
 *
 * Scenarios (both leave immortal interned strings behind: STRESS_LIVE_ANY;
 * the exact counts checked instead are the table's size and the canonical
 * objects themselves):
 *   intern_same     every thread builds its own copies of the same values
 *                   at run time (four string kinds), interns them in its own
 *                   order, half of them twice: one canonical object per
 *                   value (all threads pointer-equal, equal text, immortal,
 *                   interned, idempotent), a thread's own copy either became
 *                   the canonical one or stayed mortal with refcount 1, and
 *                   the table grew by exactly the number of values.
 *   intern_foreign  every thread interns the strings its neighbour created
 *                   (and still owns and counts): the result is a copy, the
 *                   neighbour's string is never made immortal nor interned,
 *                   its owner's count stays exact, and when the owner interns
 *                   its own string it gets the same canonical copy.
 */
#include "harness.h"
#include "runtime/str_impl.h"   /* ft__str_intern_count: the table's size */

#include <string.h>

/* Text of value i: its kind varies with i (ASCII, latin-1, UCS-2, UCS-4);
 * tag separates the scenarios' values and the seed separates runs. */
static FtObject *value_text(const char *tag, long i, long sub)
{
    static const char *const suffix[4] = { "", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80" };
    FtObject *s = ft_str_from_format("%s-%llu-%ld-%ld%s", tag,
                                     (unsigned long long)(stress_seed() & 0xFFFFFF),
                                     sub, i, suffix[i & 3]);
    STRESS_OK(s);
    return s;
}

/* Interned, immortal, and equal to s. */
static void check_canonical(FtObject *r, FtObject *s)
{
    STRESS_CHECK(ft_is_str(r) && ft_str_equal(r, s), "ft_str_intern returned "
                 "a different value");
    STRESS_CHECK(ft_is_immortal(r), "canonical string is mortal (refcount %td)",
                 ft_refcount(r));
    STRESS_CHECK(ft_str_is_interned(r), "canonical string not marked interned");
}

/* ================= intern_same ================= */

typedef struct SameCtx {
    long nv;
    FtObject ***res;      /* res[t][i]: thread t's result for value i */
} SameCtx;

static void same_thread(void *ctx, int idx)
{
    SameCtx *c = ctx;
    StressRng r = stress_rng_for(idx);
    long *order = malloc((size_t)c->nv * sizeof *order);
    STRESS_CHECK(order, "out of memory");
    for (long i = 0; i < c->nv; i++)
        order[i] = i;
    /* The first half in the same order on every thread (they run neck and
     * neck, so many values are missed by two threads at once), the second
     * half shuffled per thread (Fisher-Yates). */
    for (long i = c->nv - 1; i > c->nv / 2; i--) {
        long lo = c->nv / 2;
        long j = lo + (long)stress_below(&r, (uint64_t)(i - lo) + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (long k = 0; k < c->nv; k++) {
            long i = order[k];
            if (pass == 1 && (i & 1))
                continue;            /* half the values are interned again */
            if ((k & 63) == 0)
                ft_safepoint();
            FtObject *s = value_text("same", i, 0);
            FtObject *got;
            if (stress_below(&r, 8) == 0) {
                got = ft_str_intern_cstr(ft_str_as_utf8(s, NULL));
            } else {
                got = ft_str_intern(s);
            }
            STRESS_OK(got);
            check_canonical(got, s);
            if (got != s) {
                /* Not ours: ours stays an ordinary string we alone hold. */
                STRESS_CHECK(!ft_is_immortal(s) && !ft_str_is_interned(s)
                             && ft_refcount(s) == 1, "a non-canonical copy was "
                             "changed (immortal %d, interned %d, refcount %td)",
                             ft_is_immortal(s), ft_str_is_interned(s), ft_refcount(s));
            }
            if (pass == 1)
                STRESS_CHECK(got == c->res[idx][i], "value %ld: a second intern "
                             "returned another object", i);
            c->res[idx][i] = got;
            STRESS_CHECK(ft_str_intern(got) == got, "interning a canonical "
                         "string is not the identity");
            ft_decref(s);          /* a no-op if s became canonical */
            ft_decref(got);
        }
    }
    free(order);
    stress_count(c->nv + c->nv / 2);
}

static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)*(FtObject *const *)a, y = (uintptr_t)*(FtObject *const *)b;
    return x < y ? -1 : x > y;
}

static void intern_same(void)
{
    int n = stress_threads();
    SameCtx c;
    c.nv = stress_iters(200000, 2000);
    c.res = calloc((size_t)n, sizeof *c.res);
    for (int t = 0; t < n; t++)
        c.res[t] = calloc((size_t)c.nv, sizeof **c.res);
    size_t before = ft__str_intern_count();
    stress_run_threads(n, same_thread, &c);
    size_t after = ft__str_intern_count();
    FtObject **all = malloc((size_t)c.nv * sizeof *all);
    for (long i = 0; i < c.nv; i++) {
        for (int t = 1; t < n; t++)
            STRESS_CHECK(c.res[t][i] == c.res[0][i], "value %ld: threads 0 and %d "
                         "got different canonical objects", i, t);
        all[i] = c.res[0][i];
        FtObject *s = value_text("same", i, 0);
        check_canonical(all[i], s);
        STRESS_CHECK(ft_str_intern(s) == all[i], "value %ld: main thread got "
                     "another canonical object", i);
        ft_decref(s);
    }
    qsort(all, (size_t)c.nv, sizeof *all, cmp_ptr);
    long distinct = c.nv > 0;
    for (long i = 1; i < c.nv; i++)
        distinct += all[i] != all[i - 1];
    STRESS_CHECK(distinct == c.nv, "%ld canonical objects for %ld values",
                 distinct, c.nv);
    STRESS_CHECK(after - before == (size_t)c.nv, "intern table grew by %zu for "
                 "%ld new values", after - before, c.nv);
    free(all);
    for (int t = 0; t < n; t++)
        free(c.res[t]);
    free(c.res);
}

/* ================= intern_foreign ================= */

typedef struct ForeignCtx {
    long nf;
    FtObject ***strs;               /* strs[t]: created and owned by t */
    FtObject ***canon;              /* canon[t][i]: interned by t's neighbour */
    _Atomic int *published;         /* strs[t] is ready (release) */
    _Atomic int *interned;          /* canon[t] is ready (release) */
} ForeignCtx;

/* Spin until *flag, polling safepoints (we are attached). acquire: pairs
 * with the release store that raised the flag, so what the other thread
 * wrote before (the array, its strings, its results) is visible. */
static void wait_flag(_Atomic int *flag)
{
    for (long spins = 0; !atomic_load_explicit(flag, memory_order_acquire); spins++) {
        if (spins < 64)
            ft_safepoint();
        else
            stress_sleep_us(50);
    }
}

static void foreign_thread(void *ctx, int idx)
{
    ForeignCtx *c = ctx;
    int n = stress_threads();
    int from = (idx + n - 1) % n;   /* we intern the strings of `from` */
    StressRng r = stress_rng_for(idx);
    FtObject **mine = c->strs[idx];
    for (long i = 0; i < c->nf; i++)
        mine[i] = value_text("foreign", i, idx);
    atomic_store_explicit(&c->published[idx], 1, memory_order_release);

    wait_flag(&c->published[from]);
    FtObject **theirs = c->strs[from];
    for (long i = 0; i < c->nf; i++) {
        FtObject *s = theirs[i];    /* borrowed: `from` keeps it alive */
        FtObject *own = NULL;
        if (i % 4 == 1) {
            /* First an equal string of our own: it becomes canonical. */
            own = value_text("foreign", i, from);
            FtObject *g = ft_str_intern(own);
            STRESS_OK(g);
            STRESS_CHECK(g == own, "our own new value was copied instead");
            ft_decref(g);
        }
        FtObject *got = ft_str_intern(s);
        STRESS_OK(got);
        check_canonical(got, s);
        STRESS_CHECK(got != s, "another thread's string became canonical");
        STRESS_CHECK(!own || got == own, "value %ld: not our canonical string", i);
        STRESS_CHECK(!ft_is_immortal(s), "another thread's string was made immortal");
        c->canon[from][i] = got;
        if (own)
            ft_decref(own);
        if ((i & 63) == 0)
            ft_safepoint();
    }
    atomic_store_explicit(&c->interned[from], 1, memory_order_release);

    /* Meanwhile (and afterwards) we count our own strings the owner's way:
     * plain local increments that an immortalizing neighbour would race. */
    while (!atomic_load_explicit(&c->interned[idx], memory_order_acquire)) {
        for (int k = 0; k < 64; k++) {
            FtObject *s = mine[stress_below(&r, (uint64_t)c->nf)];
            ft_incref(s);
            ft_incref(s);
            ft_decref(s);
            ft_decref(s);
        }
        ft_safepoint();
    }
    wait_flag(&c->interned[idx]);
    for (long i = 0; i < c->nf; i++) {
        FtObject *s = mine[i];
        STRESS_CHECK(!ft_is_immortal(s) && !ft_str_is_interned(s),
                     "own string %ld was made immortal/interned by another thread "
                     "(immortal %d, interned %d)", i, ft_is_immortal(s),
                     ft_str_is_interned(s));
        STRESS_CHECK(ft_refcount(s) == 1, "own string %ld refcount %td, expected 1",
                     i, ft_refcount(s));
        ft_incref(s);
        STRESS_CHECK(ft_refcount(s) == 2, "own string counts wrong after incref");
        ft_decref(s);
        /* Ours interns to the neighbour's canonical copy. */
        FtObject *g = ft_str_intern(s);
        STRESS_OK(g);
        STRESS_CHECK(g == c->canon[idx][i], "own string %ld interns to another "
                     "object than the neighbour got", i);
        ft_decref(g);
        ft_decref(s);              /* the last reference: freed */
    }
    stress_count(2 * c->nf);
}

static void intern_foreign(void)
{
    int n = stress_threads();
    ForeignCtx c;
    c.nf = stress_iters(80000, 1000);
    c.strs = calloc((size_t)n, sizeof *c.strs);
    c.canon = calloc((size_t)n, sizeof *c.canon);
    c.published = calloc((size_t)n, sizeof *c.published);
    c.interned = calloc((size_t)n, sizeof *c.interned);
    for (int t = 0; t < n; t++) {
        c.strs[t] = calloc((size_t)c.nf, sizeof **c.strs);
        c.canon[t] = calloc((size_t)c.nf, sizeof **c.canon);
    }
    size_t before = ft__str_intern_count();
    stress_run_threads(n, foreign_thread, &c);
    size_t after = ft__str_intern_count();
    /* One new canonical string per (owner, value). */
    STRESS_CHECK(after - before == (size_t)n * (size_t)c.nf, "intern table grew "
                 "by %zu for %ld new values", after - before, (long)n * c.nf);
    for (int t = 0; t < n; t++) {
        free(c.strs[t]);
        free(c.canon[t]);
    }
    free(c.strs);
    free(c.canon);
    free((void *)c.published);
    free((void *)c.interned);
}

int main(int argc, char **argv)
{
    stress_init(argc, argv, "intern");
    stress_scenario("intern_same", intern_same, STRESS_LIVE_ANY);
    stress_scenario("intern_foreign", intern_foreign, STRESS_LIVE_ANY);
    return stress_finish();
}
