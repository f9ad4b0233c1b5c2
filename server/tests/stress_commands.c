/* server/tests/stress_commands.c: ftkv's atomic commands under contention,
 * without sockets: threads call cmd_execute (server/commands.c) directly on
 * one shared Server, as the workers do, at full speed.
 *
 *   stress_commands [--only NAME] [--threads N] [--n OPS] [--rounds R]
 *
 * Scenarios (each checks an exact outcome; public ftrt API only):
 *   incr     N threads INCR one key: the total is exact (ft_dict_update_item)
 *   pushpop  half the threads LPUSH unique items onto one key, the other
 *            half RPOP it, so the list is emptied and its key deleted over
 *            and over under the pushes: every item comes out exactly once
 *            (the two-object critical section on db and the list, and the
 *            re-check of the binding, in container_update)
 *   setnx    every thread SET NX the same fresh keys: exactly one winner
 *            per key (ft_dict_compare_and_set)
 *   saddrem  threads SADD then SREM their own members of one set, which
 *            empties (and is deleted) again and again: SCARD ends at 0 and
 *            every SADD/SREM reply is 1 (the same protocol as pushpop)
 * A failure prints the scenario and exits 1; a hang is stopped by the
 * meson timeout. FTKV_SUITE_SHORT=1 caps --n at 5000 (sanitizer builds).
 */
#include "../server.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static Server srv;
static int nthreads = 4;
static long nops = 20000;
static int failures;

/* Run one command given as C strings; the reply stays in out. */
static void run(RespOut *out, int argc, ...)
{
    const char *argv[8];
    size_t argl[8];
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc; i++) {
        argv[i] = va_arg(ap, const char *);
        argl[i] = strlen(argv[i]);
    }
    va_end(ap);
    out->len = out->sent = 0;
    cmd_execute(&srv, out, argc, argv, argl);
}

static long long reply_int(RespOut *out)
{
    if (out->len < 3 || out->buf[0] != ':') {
        fprintf(stderr, "stress_commands: not an integer reply: %.*s\n",
                (int)(out->len < 80 ? out->len : 80), out->buf);
        exit(1);
    }
    return strtoll(out->buf + 1, NULL, 10);
}

static void check(int ok, const char *what, long long got, long long want)
{
    if (!ok) {
        fprintf(stderr, "stress_commands: FAIL: %s: got %lld, want %lld\n", what, got, want);
        failures++;
    }
}

typedef struct Arg {
    int index;
    long count;                 /* scenario-specific result */
    unsigned char *seen;        /* pushpop: items seen, shared (atomic bytes) */
} Arg;

static void start_all(void *(*fn)(void *), Arg *args)
{
    pthread_t *t = calloc((size_t)nthreads, sizeof *t);
    for (int i = 0; i < nthreads; i++)
        if (ft_thread_start(&t[i], fn, &args[i]) != 0) {
            fprintf(stderr, "stress_commands: cannot start a thread\n");
            exit(1);
        }
    for (int i = 0; i < nthreads; i++)
        ft_thread_join(t[i], NULL);
    free(t);
}

/* ---- incr ---- */

static void *incr_main(void *p)
{
    (void)p;
    RespOut out = { 0 };
    for (long i = 0; i < nops; i++)
        run(&out, 2, "INCR", "counter");
    resp_out_free(&out);
    return NULL;
}

static void scenario_incr(Arg *args)
{
    start_all(incr_main, args);
    RespOut out = { 0 };
    run(&out, 3, "INCRBY", "counter", "0");
    long long got = reply_int(&out);
    check(got == (long long)nthreads * nops, "incr total", got, (long long)nthreads * nops);
    resp_out_free(&out);
}

/* ---- pushpop ---- */

static _Atomic int pushers_done;

static void *pushpop_main(void *p)
{
    Arg *a = p;
    RespOut out = { 0 };
    char item[32];
    if (a->index % 2 == 0) {                    /* pusher */
        for (long i = 0; i < nops; i++) {
            snprintf(item, sizeof item, "%ld", (long)a->index / 2 * nops + i);
            run(&out, 3, "LPUSH", "pp", item);
        }
        atomic_fetch_add(&pushers_done, 1);
    } else {                                    /* popper */
        for (;;) {
            int done = atomic_load(&pushers_done) == (nthreads + 1) / 2;
            run(&out, 2, "RPOP", "pp");
            if (out.len >= 5 && !memcmp(out.buf, "$-1\r\n", 5)) {
                if (done)
                    break;
                continue;
            }
            /* "$<n>\r\n<item>\r\n" */
            char *body = memchr(out.buf, '\n', out.len);
            long v = body ? strtol(body + 1, NULL, 10) : -1;
            if (v < 0 || v >= (long)((nthreads + 1) / 2) * nops) {
                fprintf(stderr, "stress_commands: pushpop: bad reply %.*s\n", (int)out.len, out.buf);
                exit(1);
            }
            atomic_fetch_add((_Atomic unsigned char *)&a->seen[v], 1);
            a->count++;
        }
    }
    resp_out_free(&out);
    return NULL;
}

static void scenario_pushpop(Arg *args)
{
    long total = (long)((nthreads + 1) / 2) * nops;
    unsigned char *seen = calloc((size_t)total, 1);
    for (int i = 0; i < nthreads; i++)
        args[i].seen = seen;
    atomic_store(&pushers_done, 0);
    start_all(pushpop_main, args);
    long popped = 0, twice = 0, missing = 0;
    for (int i = 0; i < nthreads; i++)
        popped += args[i].count;
    for (long v = 0; v < total; v++) {
        twice += seen[v] > 1;
        missing += seen[v] == 0;
    }
    check(popped == total, "pushpop items popped", popped, total);
    check(missing == 0, "pushpop items lost", missing, 0);
    check(twice == 0, "pushpop items popped twice", twice, 0);
    RespOut out = { 0 };
    run(&out, 2, "EXISTS", "pp");
    check(reply_int(&out) == 0, "pushpop key deleted when empty", reply_int(&out), 0);
    resp_out_free(&out);
    free(seen);
}

/* ---- setnx ---- */

static void *setnx_main(void *p)
{
    Arg *a = p;
    RespOut out = { 0 };
    char key[32];
    for (long i = 0; i < nops; i++) {
        snprintf(key, sizeof key, "nx:%ld", i);
        run(&out, 4, "SET", key, "v", "NX");
        if (out.len >= 3 && !memcmp(out.buf, "+OK", 3))
            a->count++;
    }
    resp_out_free(&out);
    return NULL;
}

static void scenario_setnx(Arg *args)
{
    start_all(setnx_main, args);
    long wins = 0;
    for (int i = 0; i < nthreads; i++)
        wins += args[i].count;
    check(wins == nops, "setnx winners", wins, nops);
}

/* ---- saddrem ---- */

static void *saddrem_main(void *p)
{
    Arg *a = p;
    RespOut out = { 0 };
    char m[32];
    for (long i = 0; i < nops; i++) {
        snprintf(m, sizeof m, "%d:%ld", a->index, i);
        run(&out, 3, "SADD", "st", m);
        a->count += reply_int(&out) != 1;
        run(&out, 3, "SREM", "st", m);
        a->count += reply_int(&out) != 1;
    }
    resp_out_free(&out);
    return NULL;
}

static void scenario_saddrem(Arg *args)
{
    start_all(saddrem_main, args);
    long bad = 0;
    for (int i = 0; i < nthreads; i++)
        bad += args[i].count;
    check(bad == 0, "saddrem replies other than 1", bad, 0);
    RespOut out = { 0 };
    run(&out, 2, "SCARD", "st");
    check(reply_int(&out) == 0, "saddrem final SCARD", reply_int(&out), 0);
    resp_out_free(&out);
}

static const struct {
    const char *name;
    void (*fn)(Arg *);
} scenarios[] = {
    { "incr", scenario_incr },
    { "pushpop", scenario_pushpop },
    { "setnx", scenario_setnx },
    { "saddrem", scenario_saddrem },
};

int main(int argc, char **argv)
{
    const char *only = NULL;
    long rounds = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--only")) only = argv[i + 1];
        else if (!strcmp(argv[i], "--threads")) nthreads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--n")) nops = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--rounds")) rounds = atol(argv[i + 1]);
        else {
            fprintf(stderr, "usage: stress_commands [--only NAME] [--threads N] [--n OPS] [--rounds R]\n");
            return 2;
        }
    }
    const char *short_env = getenv("FTKV_SUITE_SHORT");
    if (short_env && !strcmp(short_env, "1") && nops > 5000)
        nops = 5000;            /* sanitizer builds: the same races, fewer ops */
    if (nthreads < 2 || nops < 1) {
        fprintf(stderr, "stress_commands: --threads >= 2, --n >= 1\n");
        return 2;
    }
    if (ft_runtime_init() < 0 || cmd_init(&srv) < 0) {
        fprintf(stderr, "stress_commands: %s\n", ft_error_message());
        return 1;
    }
    int ran = 0;
    for (long round = 0; round < rounds && !failures; round++)
    for (size_t s = 0; s < sizeof scenarios / sizeof scenarios[0]; s++) {
        if (only && strcmp(only, scenarios[s].name))
            continue;
        Arg *args = calloc((size_t)nthreads, sizeof *args);
        for (int i = 0; i < nthreads; i++)
            args[i].index = i;
        int before = failures;
        scenarios[s].fn(args);
        free(args);
        printf("stress_commands: %s: %s (%d threads x %ld)\n", scenarios[s].name,
               failures == before ? "ok" : "FAILED", nthreads, nops);
        RespOut out = { 0 };
        run(&out, 1, "FLUSHALL");       /* the next round starts empty */
        resp_out_free(&out);
        ran++;
    }
    cmd_fini(&srv);
    ft_runtime_fini();
    if (!ran) {
        fprintf(stderr, "stress_commands: no scenario named %s\n", only);
        return 2;
    }
    return failures ? 1 : 0;
}
