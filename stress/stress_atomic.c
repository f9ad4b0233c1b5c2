/* stress/stress_atomic.c: atomic container updates and queues under
 * contention (docs/testing.md; the atomicity of each operation is stated in
 * include/ftrt/container.h and docs/concurrency.md).
 *
 * Scenarios:
 *   dict_atomic 8 threads INCR one entry, half through ft_dict_add_int and
 *               half through ft_dict_update_item, and another through a
 *               lookup + ft_dict_compare_and_set loop: both totals exact;
 *               all 8 race ft_dict_get_or_insert over the same key
 *               sequence: each factory runs exactly once per key and every
 *               thread gets the same object. Every 8th callback blocks
 *               briefly (suspending the dict's lock, so other writers get
 *               in: the re-validation and pending-factory paths), and a
 *               ninth thread collects in a loop (stop-the-worlds).
 *   deque_pc    producers append at both ends, consumers pop at both ends
 *               (try_pop / try_popleft), a reader indexes both ends and
 *               takes repr snapshots: every value is consumed exactly once,
 *               an indexed value is one a producer made, final length 0.
 */
#include "harness.h"

#include <pthread.h>
#include <sched.h>
#include <string.h>

/* Values above any small-int singleton: heap ints, owned by their maker. */
#define BASE ((int64_t)1 << 40)

/* ---- dict_atomic ---- */

#define DA_WORKERS 8

typedef struct DaCtx {
    FtObject *d, *gd, *kcount, *kcas;
    FtObject **gkeys;
    long iters;
    _Atomic int *calls;                 /* factory runs per key */
    _Atomic uintptr_t *seen;            /* first result per key */
    _Atomic int done;
} DaCtx;

/* Every 8th callback of a thread blocks briefly (a blocking region): that
 * suspends the dict's lock, so other writers get in while it runs, the
 * case the re-validation and the pending records exist for. */
static _Thread_local unsigned da_calls;

static void da_maybe_block(void)
{
    if (++da_calls % 8 == 0) {
        ft_blocking_begin();
        sched_yield();
        ft_blocking_end();
    }
}

static FtObject *da_incr(FtObject *old, void *arg)
{
    (void)arg;
    da_maybe_block();
    FtObject *one = ft_int_from_i64(1);
    if (!one)
        return NULL;
    FtObject *r = old ? ft_int_add(old, one) : ft_newref(one);
    ft_decref(one);
    return r;
}

typedef struct DaFactoryArg { DaCtx *c; long j; } DaFactoryArg;

static FtObject *da_factory(void *arg)
{
    DaFactoryArg *a = arg;
    atomic_fetch_add(&a->c->calls[a->j], 1);
    da_maybe_block();
    return ft_list_new(0);
}

static void da_cas_incr(DaCtx *c)
{
    for (;;) {
        FtObject *cur, *nv;
        STRESS_CHECK(ft_dict_lookup(c->d, c->kcas, &cur) >= 0, "lookup");
        if (cur) {
            FtObject *one = ft_int_from_i64(1);
            STRESS_OK(one);
            nv = ft_int_add(cur, one);
            ft_decref(one);
        } else {
            nv = ft_int_from_i64(1);
        }
        STRESS_OK(nv);
        int r = ft_dict_compare_and_set(c->d, c->kcas, cur, nv);
        STRESS_CHECK(r >= 0, "compare_and_set: %s", ft_error_message());
        ft_xdecref(cur);
        ft_decref(nv);
        if (r == 1)
            return;
    }
}

static void da_thread(void *ctx, int idx)
{
    DaCtx *c = ctx;
    if (idx == DA_WORKERS) {            /* the collector */
        while (atomic_load(&c->done) < DA_WORKERS) {
            ft_gc_collect();
            stress_sleep_us(50);
        }
        return;
    }
    for (long i = 0; i < c->iters; i++) {
        if (idx % 2 == 0)
            STRESS_CHECK(ft_dict_add_int(c->d, c->kcount, 1, NULL) == 0,
                         "add_int: %s", ft_error_message());
        else
            STRESS_CHECK(ft_dict_update_item(c->d, c->kcount, da_incr, NULL, NULL) == 0,
                         "update_item: %s", ft_error_message());
        da_cas_incr(c);
        DaFactoryArg fa = { c, i };
        FtObject *res;
        int r = ft_dict_get_or_insert(c->gd, c->gkeys[i], da_factory, &fa, &res);
        STRESS_CHECK(r >= 0, "get_or_insert: %s", ft_error_message());
        uintptr_t want = 0;
        if (!atomic_compare_exchange_strong(&c->seen[i], &want, (uintptr_t)res))
            STRESS_CHECK(want == (uintptr_t)res,
                         "key %ld: two different objects inserted", i);
        ft_decref(res);
    }
    stress_count(c->iters * 3);
    atomic_fetch_add(&c->done, 1);
}

static int64_t da_value(FtObject *d, FtObject *k)
{
    FtObject *v = ft_dict_get_item(d, k);
    int64_t x = -1;
    STRESS_OK(v);
    STRESS_CHECK(ft_int_as_i64(v, &x) == 0, "int");
    ft_decref(v);
    return x;
}

static void dict_atomic(void)
{
    DaCtx *c = calloc(1, sizeof(*c));
    c->iters = stress_iters(20000, 400);
    c->d = ft_dict_new();
    c->gd = ft_dict_new();
    c->kcount = ft_str_from_utf8("count", -1);
    c->kcas = ft_str_from_utf8("cas", -1);
    c->gkeys = calloc((size_t)c->iters, sizeof(FtObject *));
    c->calls = calloc((size_t)c->iters, sizeof(*c->calls));
    c->seen = calloc((size_t)c->iters, sizeof(*c->seen));
    for (long i = 0; i < c->iters; i++) {
        c->gkeys[i] = ft_str_from_format("g%ld", i);
        STRESS_OK(c->gkeys[i]);
    }
    stress_run_threads(DA_WORKERS + 1, da_thread, c);
    int64_t want = (int64_t)DA_WORKERS * c->iters;
    int64_t got = da_value(c->d, c->kcount);
    STRESS_CHECK(got == want, "INCR total %lld, want %lld", (long long)got,
                 (long long)want);
    got = da_value(c->d, c->kcas);
    STRESS_CHECK(got == want, "CAS total %lld, want %lld", (long long)got,
                 (long long)want);
    STRESS_CHECK(ft_len(c->gd) == c->iters, "get_or_insert keys %zd",
                 (size_t)ft_len(c->gd));
    for (long i = 0; i < c->iters; i++)
        STRESS_CHECK(atomic_load(&c->calls[i]) == 1,
                     "key %ld: factory ran %d times", i, atomic_load(&c->calls[i]));
    for (long i = 0; i < c->iters; i++)
        ft_decref(c->gkeys[i]);
    free(c->gkeys);
    free((void *)c->calls);
    free((void *)c->seen);
    ft_decref(c->kcount);
    ft_decref(c->kcas);
    ft_decref(c->d);
    ft_decref(c->gd);
    free(c);
}

/* ---- deque_pc ---- */

#define DQ_PROD 3
#define DQ_CONS 3

typedef struct DqCtx {
    FtObject *dq;
    long per;
    _Atomic uint8_t *seen;              /* per value: times consumed */
    _Atomic long consumed;
    _Atomic int producers_done;
} DqCtx;

static void dq_take(DqCtx *c, FtObject *x)
{
    int64_t v;
    STRESS_CHECK(ft_int_as_i64(x, &v) == 0 && v >= BASE
                 && v < BASE + DQ_PROD * c->per, "bad value");
    uint8_t was = atomic_fetch_add(&c->seen[v - BASE], 1);
    STRESS_CHECK(was == 0, "value %lld consumed twice", (long long)(v - BASE));
    atomic_fetch_add(&c->consumed, 1);
    ft_decref(x);
}

static void dq_thread(void *ctx, int idx)
{
    DqCtx *c = ctx;
    long total = DQ_PROD * c->per;
    if (idx < DQ_PROD) {
        for (long i = 0; i < c->per; i++) {
            FtObject *x = ft_int_from_i64(BASE + idx * c->per + i);
            STRESS_OK(x);
            int r = (i + idx) & 1 ? ft_deque_appendleft(c->dq, x)
                                  : ft_deque_append(c->dq, x);
            STRESS_CHECK(r == 0, "append: %s", ft_error_message());
            ft_decref(x);
        }
        atomic_fetch_add(&c->producers_done, 1);
        stress_count(c->per);
    } else if (idx < DQ_PROD + DQ_CONS) {
        long n = 0;
        while (atomic_load(&c->consumed) < total) {
            FtObject *x;
            int r = (n++ + idx) & 1 ? ft_deque_try_popleft(c->dq, &x)
                                    : ft_deque_try_pop(c->dq, &x);
            STRESS_CHECK(r >= 0, "pop: %s", ft_error_message());
            if (r == 1)
                dq_take(c, x);
            else
                ft_safepoint();
        }
    } else {                            /* reader */
        long n = 0;
        while (atomic_load(&c->consumed) < total) {
            FtObject *x = ft_deque_get_item(c->dq, n++ & 1 ? -1 : 0);
            if (x) {
                int64_t v;
                STRESS_CHECK(ft_int_as_i64(x, &v) == 0 && v >= BASE
                             && v < BASE + total, "indexed a bad value");
                ft_decref(x);
            } else {
                STRESS_CHECK(ft_error_kind() == FT_ERR_INDEX, "get_item: %s",
                             ft_error_message());
                ft_error_clear();
            }
            if (n % 64 == 0) {
                FtObject *r = ft_repr(c->dq);
                STRESS_OK(r);
                ft_decref(r);
            }
        }
    }
}

static void deque_pc(void)
{
    DqCtx *c = calloc(1, sizeof(*c));
    c->per = stress_iters(40000, 1000);
    c->dq = ft_deque_new(-1);
    STRESS_OK(c->dq);
    c->seen = calloc((size_t)(DQ_PROD * c->per), 1);
    stress_run_threads(DQ_PROD + DQ_CONS + 1, dq_thread, c);
    STRESS_CHECK(atomic_load(&c->consumed) == DQ_PROD * c->per, "consumed %ld",
                 atomic_load(&c->consumed));
    for (long i = 0; i < DQ_PROD * c->per; i++)
        STRESS_CHECK(atomic_load(&c->seen[i]) == 1, "value %ld consumed %d times",
                     i, atomic_load(&c->seen[i]));
    STRESS_CHECK(ft_len(c->dq) == 0, "left %zd", (size_t)ft_len(c->dq));
    ft_decref(c->dq);
    free((void *)c->seen);
    free(c);
}

int main(int argc, char **argv)
{
    stress_init(argc, argv, "atomic");
    stress_scenario("dict_atomic", dict_atomic, STRESS_LIVE_EXACT);
    stress_scenario("deque_pc", deque_pc, STRESS_LIVE_EXACT);
    return stress_finish();
}
