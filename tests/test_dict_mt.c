/* tests/test_dict_mt.c: dict and set under threads.
 *
 * Readers look keys up lock-free while writers insert, replace, delete,
 * resize and clear; every value a reader gets must belong to the key it
 * asked for (values are TVal objects carrying their key's number and a
 * magic word their dealloc clears, so a freed value is caught too). Set
 * membership is checked while the set mutates; at the end every refcount
 * and live count is back where it started.
 */
#include "sequtil.h"
#include "runtime/dict_impl.h"
#include "threads/lock.h"
#include <pthread.h>

TVAL_TYPE_DEF

#if FT_TSAN
#define OPS 3000
#else
#define OPS 40000
#endif
#define NKEYS 600
#define NREADERS 3

static FtObject *keys_int[NKEYS], *keys_str[NKEYS];
static _Atomic int stop_flag;

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void make_keys(void)
{
    for (int i = 0; i < NKEYS; i++) {
        keys_int[i] = V(1000000 + (int64_t)i * 37);
        keys_str[i] = ft_str_from_format("key-%d", i);
        assert_non_null(keys_int[i]);
        assert_non_null(keys_str[i]);
    }
}

static void drop_keys(void)
{
    for (int i = 0; i < NKEYS; i++) {
        FT_CLEAR(keys_int[i]);
        FT_CLEAR(keys_str[i]);
    }
}

/* Start n threads running fn(args[i]) and wait for them (detached while
 * waiting so a stop-the-world does not wait for us). */
static void run_threads(int n, void *(*fn)(void *), void **args)
{
    pthread_t th[8];
    for (int i = 0; i < n; i++)
        assert_int_equal(ft_thread_start(&th[i], fn, args[i]), 0);
    ft_blocking_begin();
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    ft_blocking_end();
}

typedef struct Ctx {
    FtObject *d;
    FtObject **keys;
    uint64_t seed;
    long hits, misses;
    int writer;
} Ctx;

/* Writer: random inserts (fresh value objects), deletes, and now and then
 * a clear followed by a refill (resizes from empty). */
static void writer_loop(Ctx *c)
{
    for (long op = 0; op < OPS; op++) {
        uint64_t r = rnd(&c->seed);
        int i = (int)(r % NKEYS);
        FtObject *k = c->keys[i];
        switch ((r >> 20) % 16) {
        case 0: case 1: case 2: case 3: case 4: case 5: case 6: {
            FtObject *v = V(i);
            assert_int_equal(ft_dict_set_item(c->d, k, v), 0);
            ft_decref(v);
            break;
        }
        case 7: case 8: case 9: case 10: {
            FtObject *v = ft_dict_pop(c->d, k, c->keys[0]);
            assert_non_null(v);
            if (v != c->keys[0])
                assert_int_equal(tval_of(v), i);
            ft_decref(v);
            break;
        }
        case 11: {
            FtObject *dv = V(i);
            FtObject *v = ft_dict_setdefault(c->d, k, dv);
            assert_int_equal(tval_of(v), i);
            ft_decref(v);
            ft_decref(dv);
            break;
        }
        case 12:
            if (((r >> 32) & 63) == 0)
                assert_int_equal(ft_dict_clear(c->d), 0);
            break;
        default:
            ft_safepoint();
            break;
        }
    }
}

static void reader_loop(Ctx *c)
{
    /* at least 2000 lookups, however fast the writer is */
    while (!atomic_load(&stop_flag) || c->hits + c->misses < 2000) {
        int i = (int)(rnd(&c->seed) % NKEYS);
        FtObject *v;
        int r = ft_dict_lookup(c->d, c->keys[i], &v);
        assert_true(r >= 0);
        if (r == 1) {
            assert_int_equal(tval_of(v), i);    /* never another key's value */
            ft_decref(v);
            c->hits++;
        } else {
            c->misses++;
        }
        FtSsize n = ft_len(c->d);
        assert_true(n >= 0 && n <= NKEYS * 2);
        if ((c->hits + c->misses) % 64 == 0)
            ft_safepoint();
    }
}

static void *writer_then_stop(void *arg)
{
    writer_loop(arg);
    atomic_store(&stop_flag, 1);
    return NULL;
}

static void *any_worker(void *arg)
{
    Ctx *c = arg;
    if (c->writer)
        return writer_then_stop(arg);
    reader_loop(c);
    return NULL;
}

static void lookups_during_writes(FtObject **keys)
{
    LiveSnapshot before = live_snapshot();
    int64_t tvals = ft_stats_live_of_type(&tval_type);
    FtSsize kref[NKEYS];
    for (int i = 0; i < NKEYS; i++)
        kref[i] = ft_refcount(keys[i]);
    FtObject *d = ft_dict_new();
    /* prefill from the main thread: the dict starts owned by it */
    for (int i = 0; i < NKEYS; i += 2) {
        FtObject *v = V(i);
        assert_int_equal(ft_dict_set_item(d, keys[i], v), 0);
        ft_decref(v);
    }
    Ctx ctx[NREADERS + 1];
    void *args[NREADERS + 1];
    atomic_store(&stop_flag, 0);
    for (int t = 0; t <= NREADERS; t++) {
        ctx[t] = (Ctx){ .d = d, .keys = keys, .seed = 0x9E3779B97F4A7C15ull * (t + 1),
                        .writer = t == 0 };
        args[t] = &ctx[t];
    }
    run_threads(NREADERS + 1, any_worker, args);
    /* Every reader looked up at least 2000 times. (Not "some hit": on a
     * loaded machine the writer may have emptied the dict before a reader
     * ran; what each lookup returned is checked in reader_loop.) */
    for (int t = 1; t <= NREADERS; t++)
        assert_true(ctx[t].hits + ctx[t].misses >= 2000);
    assert_true(ft__object_is_shared(d));
    /* Every remaining value still belongs to its key. */
    FtSsize pos = 0;
    FtObject *k, *v;
    while (ft_dict_next(d, &pos, &k, &v) == 1) {
        int found = -1;
        for (int i = 0; i < NKEYS; i++)
            if (keys[i] == k)
                found = i;
        assert_true(found >= 0);
        assert_int_equal(tval_of(v), found);
        ft_decref(k);
        ft_decref(v);
    }
    ft_decref(d);
    ft__qsbr_reclaim();
    for (int i = 0; i < NKEYS; i++)
        assert_int_equal(ft_refcount(keys[i]), kref[i]);
    assert_int_equal(ft_stats_live_of_type(&tval_type), tvals);
    assert_int_equal(live_snapshot().objects, before.objects);
}

static void test_lookups_int_keys(void **state)
{
    (void)state;
    make_keys();
    lookups_during_writes(keys_int);
    drop_keys();
}

static void test_lookups_str_keys(void **state)
{
    (void)state;
    make_keys();
    lookups_during_writes(keys_str);
    drop_keys();
}

/* Several non-owner writers on disjoint key ranges of one dict. */
typedef struct WCtx {
    FtObject *d;
    int lo, hi;
} WCtx;

static void *range_writer(void *arg)
{
    WCtx *w = arg;
    for (int round = 0; round < 3; round++) {
        for (int i = w->lo; i < w->hi; i++) {
            FtObject *v = V(i);
            assert_int_equal(ft_dict_set_item(w->d, keys_int[i], v), 0);
            ft_decref(v);
        }
        if (round < 2)
            for (int i = w->lo; i < w->hi; i += 2)
                assert_int_equal(ft_dict_del_item(w->d, keys_int[i]), 0);
    }
    return NULL;
}

static void test_concurrent_writers(void **state)
{
    (void)state;
    make_keys();
    int64_t tvals = ft_stats_live_of_type(&tval_type);
    FtObject *d = ft_dict_new();
    WCtx w[3];
    void *args[3];
    for (int t = 0; t < 3; t++) {
        w[t] = (WCtx){ d, t * NKEYS / 3, (t + 1) * NKEYS / 3 };
        args[t] = &w[t];
    }
    run_threads(3, range_writer, args);
    assert_true(ft__object_is_shared(d));     /* marked by non-owner writes */
    assert_int_equal(ft_len(d), NKEYS);
    for (int i = 0; i < NKEYS; i++) {
        FtObject *v = ft_dict_get_item(d, keys_int[i]);
        assert_non_null(v);
        assert_int_equal(tval_of(v), i);
        ft_decref(v);
    }
    ft_decref(d);
    ft__qsbr_reclaim();
    assert_int_equal(ft_stats_live_of_type(&tval_type), tvals);
    drop_keys();
}

/* Iteration while another thread mutates: every pair seen is consistent;
 * a size change is reported, never a crash or a stale pair. */
static void *iterating_reader(void *arg)
{
    Ctx *c = arg;
    while (!atomic_load(&stop_flag)) {
        FtSsize pos = 0;
        FtObject *k, *v;
        int r;
        while ((r = ft_dict_next(c->d, &pos, &k, &v)) == 1) {
            int i = -1;
            for (int j = 0; j < NKEYS; j++)
                if (c->keys[j] == k)
                    i = j;
            assert_true(i >= 0);
            assert_int_equal(tval_of(v), i);
            ft_decref(k);
            ft_decref(v);
        }
        if (r < 0) {
            assert_int_equal(ft_error_kind(), FT_ERR_RUNTIME);
            ft_error_clear();
            c->misses++;
        } else {
            c->hits++;
        }
        ft_safepoint();         /* mode gil: let the writer have the lock */
    }
    return NULL;
}

static void *iter_worker(void *arg)
{
    Ctx *c = arg;
    return c->writer ? writer_then_stop(arg) : iterating_reader(arg);
}

static void test_iteration_during_writes(void **state)
{
    (void)state;
    make_keys();
    int64_t tvals = ft_stats_live_of_type(&tval_type);
    FtObject *d = ft_dict_new();
    Ctx ctx[2];
    void *args[2];
    atomic_store(&stop_flag, 0);
    for (int t = 0; t < 2; t++) {
        ctx[t] = (Ctx){ .d = d, .keys = keys_int, .seed = 77 + t, .writer = t == 0 };
        args[t] = &ctx[t];
    }
    run_threads(2, iter_worker, args);
    ft_decref(d);
    ft__qsbr_reclaim();
    assert_int_equal(ft_stats_live_of_type(&tval_type), tvals);
    drop_keys();
}

/* ---- set membership during mutation ---- */

typedef struct SCtx {
    FtObject *s;
    uint64_t seed;
    int writer;
} SCtx;

/* keys 0..NKEYS/2 are always present; NKEYS/2.. come and go; NKEYS..
 * never present. */
static void *set_worker(void *arg)
{
    SCtx *c = arg;
    if (c->writer) {
        for (long op = 0; op < OPS; op++) {
            int i = NKEYS / 2 + (int)(rnd(&c->seed) % (NKEYS / 2));
            if (rnd(&c->seed) & 1)
                assert_int_equal(ft_set_add(c->s, keys_int[i]), 0);
            else
                assert_true(ft_set_discard(c->s, keys_int[i]) >= 0);
            if ((op & 1023) == 0) {
                /* drop the churning half at once: resize to small later */
                for (int j = NKEYS / 2; j < NKEYS; j++)
                    ft_set_discard(c->s, keys_int[j]);
            }
        }
        atomic_store(&stop_flag, 1);
    } else {
        FtObject *absent = V(-12345);
        while (!atomic_load(&stop_flag)) {
            int i = (int)(rnd(&c->seed) % (NKEYS / 2));
            assert_int_equal(ft_set_contains(c->s, keys_int[i]), 1);
            assert_int_equal(ft_set_contains(c->s, absent), 0);
            FtSsize n = ft_len(c->s);
            assert_true(n >= NKEYS / 2 && n <= NKEYS);
            ft_safepoint();     /* mode gil: let the writer have the lock */
        }
        ft_decref(absent);
    }
    return NULL;
}

static void test_set_membership(void **state)
{
    (void)state;
    make_keys();
    FtSsize kref[NKEYS];
    for (int i = 0; i < NKEYS; i++)
        kref[i] = ft_refcount(keys_int[i]);
    FtObject *s = ft_set_new(NULL);
    for (int i = 0; i < NKEYS / 2; i++)
        assert_int_equal(ft_set_add(s, keys_int[i]), 0);
    SCtx ctx[3];
    void *args[3];
    atomic_store(&stop_flag, 0);
    for (int t = 0; t < 3; t++) {
        ctx[t] = (SCtx){ s, 1234 + t, t == 0 };
        args[t] = &ctx[t];
    }
    run_threads(3, set_worker, args);
    ft_decref(s);
    for (int i = 0; i < NKEYS; i++)
        assert_int_equal(ft_refcount(keys_int[i]), kref[i]);
    drop_keys();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookups_int_keys),
        cmocka_unit_test(test_lookups_str_keys),
        cmocka_unit_test(test_concurrent_writers),
        cmocka_unit_test(test_iteration_during_writes),
        cmocka_unit_test(test_set_membership),
    };
    return cmocka_run_group_tests_name("dict_mt", tests, seq_group_setup,
                                       ft_test_group_teardown);
}
