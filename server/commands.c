/* server/commands.c: ftkv's commands over one shared ftrt dict.
 *
 * The keyspace. s->db maps a key (bytes) to an ENTRY: the value itself, or
 * a 2-tuple (value, deadline) when the key has a TTL (deadline: an int, ms
 * since the epoch; the key is expired once now > deadline). A tuple is
 * never a value, so "is a tuple" means "has a TTL". Values:
 *   string  bytes, or int when the text is a canonical int64 (Redis's
 *           OBJ_ENCODING_INT: "10" is stored as the int 10, "010" as bytes)
 *   list    deque of bytes
 *   hash    dict bytes -> bytes
 *   set     set of bytes
 *
 * Atomicity: every command is atomic through ftrt only; the server has no
 * lock of its own. (ft_dict_update_item may call its callback more than
 * once, when a stop-the-world suspended the dict's lock and another writer
 * got in: the callbacks below keep no state beyond the last call's.)
 *   - whole-entry updates go through the atomic dict operations, whose
 *     callback or comparison runs under the dict's per-object lock:
 *     INCR/DECR/INCRBY/DECRBY, APPEND, EXPIRE, PERSIST are
 *     ft_dict_update_item; SET NX/XX/GET/KEEPTTL are ft_dict_compare_and_set
 *     loops; lazy expiry is ft_dict_compare_and_delete (it deletes exactly
 *     the expired entry it saw, never a newer one);
 *   - commands that mutate a container value (LPUSH, RPUSH, LPOP, RPOP,
 *     HSET, HDEL, SADD, SREM) run in FT_BEGIN_CRITICAL_SECTION2(db, value):
 *     both per-object locks, in address order, then re-check that db still
 *     maps the key to the same entry (else retry), mutate, and delete the
 *     key if the container became empty. Holding db's lock makes "push into
 *     the list" and "delete the emptied list" one step, so a push can never
 *     land in a list a concurrent pop has just unlinked. A missing key is
 *     created with ft_dict_compare_and_set(db, key, NULL or the expired
 *     entry, new container) holding the new items;
 *   - multi-key MSET and MGET run in FT_BEGIN_CRITICAL_SECTION(db);
 *   - reads of containers (LRANGE, HGETALL, SMEMBERS) hold the container's
 *     critical section while they copy it into the reply.
 * A critical section is suspended only if the thread detaches inside it;
 * nothing here blocks inside one, and nested ftrt calls on db or the value
 * find their lock already held by the section.
 */
#include "server.h"

#include <ctype.h>
#include <stdarg.h>
#include <unistd.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define RETRIES 1000            /* compare-and-set loops: then give up */

static const char WRONGTYPE[] =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
static const char NOTINT[] = "ERR value is not an integer or out of range";
static const char SYNTAX[] = "ERR syntax error";
static const char OOMERR[] = "OOM command not allowed when used memory > 'maxmemory'.";

typedef struct Ctx {
    Server *s;
    RespOut *out;
    int argc;
    const char **argv;
    const size_t *argl;
    const char *name;           /* lower-case command name */
} Ctx;

typedef int (*CmdFunc)(Ctx *c);

/* ---- Helpers ---- */

/* Reply with the pending ftrt error and clear it. */
static int reply_fterr(Ctx *c)
{
    if (ft_error_kind() == FT_ERR_MEMORY)
        resp_out_error(c->out, "ERR out of memory");
    else
        resp_out_errorf(c->out, "ERR internal error: %s: %s",
                        ft_error_kind_name(ft_error_kind()), ft_error_message());
    ft_error_clear();
    return CMD_CONTINUE;
}

static FtObject *arg_bytes(Ctx *c, int i)
{
    return ft_bytes_from_buffer(c->argv[i], (FtSsize)c->argl[i]);
}

/* A string value: an int if the text is a canonical int64, else bytes. */
static FtObject *make_string(const char *p, size_t n)
{
    long long v;
    if (n <= 20 && resp_string2ll(p, n, &v))
        return ft_int_from_i64(v);
    return ft_bytes_from_buffer(p, (FtSsize)n);
}

static int arg_ll(Ctx *c, int i, long long *v)
{
    return resp_string2ll(c->argv[i], c->argl[i], v);
}

static int arg_is(Ctx *c, int i, const char *word)
{
    return c->argl[i] == strlen(word) && !strncasecmp(c->argv[i], word, c->argl[i]);
}

static FtObject *entry_value(FtObject *e)           /* borrowed */
{
    return ft_is_tuple(e) ? ft_tuple_borrow_item(e, 0) : e;
}

static int64_t entry_deadline(FtObject *e)          /* -1: no TTL */
{
    int64_t d = -1;
    if (ft_is_tuple(e) && ft_int_as_i64(ft_tuple_borrow_item(e, 1), &d) < 0) {
        ft_error_clear();
        d = -1;
    }
    return d;
}

static int entry_expired(FtObject *e, int64_t now)
{
    int64_t d = entry_deadline(e);
    return d >= 0 && now > d;
}

/* value, with e's deadline if it has one: a new reference. */
static FtObject *rewrap(FtObject *e, FtObject *value)
{
    if (!e || !ft_is_tuple(e)) {
        ft_incref(value);
        return value;
    }
    return ft_tuple_pack(2, value, ft_tuple_borrow_item(e, 1));
}

static FtObject *with_deadline(FtObject *value, int64_t deadline)
{
    FtObject *d = ft_int_from_i64(deadline);
    if (!d)
        return NULL;
    FtObject *t = ft_tuple_pack(2, value, d);
    ft_decref(d);
    return t;
}

static void note_expiring(Server *s, FtObject *key)
{
    if (ft_set_add(s->expiring, key) < 0)
        ft_error_clear();       /* only the sampler misses it; lazy expiry stays */
}

/* The live entry of key: 1 (*entry new ref), 0 missing or expired (an
 * expired entry is deleted if it is still the one there), -1 error. */
static int lookup_live(Server *s, FtObject *key, FtObject **entry)
{
    FtObject *e = NULL;
    int r = ft_dict_lookup(s->db, key, &e);
    if (r <= 0)
        return r;
    if (ft_is_tuple(e) && entry_expired(e, ftkv_now_ms())) {
        if (ft_dict_compare_and_delete(s->db, key, e) == 1)
            atomic_fetch_add_explicit(&s->expired_keys, 1, memory_order_relaxed);
        ft_error_clear();
        ft_decref(e);
        return 0;
    }
    *entry = e;
    return 1;
}

enum { T_NONE, T_STRING, T_LIST, T_HASH, T_SET, T_OTHER };

static int type_of(FtObject *v)
{
    if (!v) return T_NONE;
    if (ft_is_bytes(v) || ft_is_int(v)) return T_STRING;
    if (ft_is_deque(v)) return T_LIST;
    if (ft_is_dict(v)) return T_HASH;
    if (ft_type_of(v) == &ft_set_type) return T_SET;
    return T_OTHER;
}

/* Reply a string value (bytes or int). */
static void reply_string(Ctx *c, FtObject *v)
{
    if (ft_is_int(v)) {
        int64_t x = 0;
        ft_int_as_i64(v, &x);
        char tmp[32];
        resp_out_bulk(c->out, tmp, resp_ll2str(tmp, x));
    } else {
        resp_out_bulk(c->out, ft_bytes_data(v), (size_t)ft_bytes_size(v));
    }
}

static size_t string_len(FtObject *v)
{
    if (ft_is_int(v)) {
        int64_t x = 0;
        ft_int_as_i64(v, &x);
        char tmp[32];
        return resp_ll2str(tmp, x);
    }
    return (size_t)ft_bytes_size(v);
}

/* A string value as bytes (new reference). */
static FtObject *string_as_bytes(FtObject *v)
{
    if (ft_is_int(v)) {
        int64_t x = 0;
        ft_int_as_i64(v, &x);
        char tmp[32];
        return ft_bytes_from_buffer(tmp, (FtSsize)resp_ll2str(tmp, x));
    }
    ft_incref(v);
    return v;
}

/* ---- Connection and server commands ---- */

static int cmd_ping(Ctx *c)
{
    if (c->argc > 2) {
        resp_out_errorf(c->out, "ERR wrong number of arguments for '%s' command", c->name);
        return CMD_CONTINUE;
    }
    if (c->argc == 2)
        resp_out_bulk(c->out, c->argv[1], c->argl[1]);
    else
        resp_out_simple(c->out, "PONG");
    return CMD_CONTINUE;
}

static int cmd_echo(Ctx *c)
{
    resp_out_bulk(c->out, c->argv[1], c->argl[1]);
    return CMD_CONTINUE;
}

static int cmd_quit(Ctx *c)
{
    resp_out_simple(c->out, "OK");
    return CMD_CLOSE;
}

static int cmd_select(Ctx *c)
{
    long long db;
    if (!arg_ll(c, 1, &db))
        resp_out_error(c->out, NOTINT);
    else if (db != 0)
        resp_out_error(c->out, "ERR DB index is out of range");
    else
        resp_out_simple(c->out, "OK");
    return CMD_CONTINUE;
}

/* CONFIG GET for the few parameters clients ask about (redis-benchmark
 * reads save and appendonly); CONFIG SET is refused. */
static int cmd_config(Ctx *c)
{
    if (arg_is(c, 1, "get") && c->argc >= 3) {
        static const char *const params[][2] = {
            { "save", "" }, { "appendonly", "no" }, { "databases", "1" },
        };
        int n = 0;
        char buf[32];
        for (int pass = 0; pass < 2; pass++) {
            if (pass == 1)
                resp_out_array(c->out, 2LL * n);
            for (int a = 2; a < c->argc; a++) {
                for (size_t i = 0; i < sizeof params / sizeof params[0]; i++) {
                    if (!arg_is(c, a, params[i][0]))
                        continue;
                    if (pass == 0) {
                        n++;
                    } else {
                        resp_out_bulk(c->out, params[i][0], strlen(params[i][0]));
                        resp_out_bulk(c->out, params[i][1], strlen(params[i][1]));
                    }
                }
                if (arg_is(c, a, "maxmemory")) {
                    if (pass == 0) {
                        n++;
                    } else {
                        int k = snprintf(buf, sizeof buf, "%lld", c->s->maxmemory);
                        resp_out_bulk(c->out, "maxmemory", 9);
                        resp_out_bulk(c->out, buf, (size_t)k);
                    }
                }
            }
        }
        return CMD_CONTINUE;
    }
    resp_out_errorf(c->out, "ERR unknown subcommand '%.*s'. Try CONFIG HELP.",
                    (int)(c->argl[1] < 128 ? c->argl[1] : 128), c->argv[1]);
    return CMD_CONTINUE;
}

static int cmd_dbsize(Ctx *c)
{
    resp_out_int(c->out, (long long)ft_len(c->s->db));
    return CMD_CONTINUE;
}

static int cmd_flushall(Ctx *c)
{
    if (c->argc > 2 || (c->argc == 2 && !arg_is(c, 1, "sync") && !arg_is(c, 1, "async"))) {
        resp_out_error(c->out, SYNTAX);
        return CMD_CONTINUE;
    }
    if (ft_dict_clear(c->s->db) < 0 || ft_set_clear(c->s->expiring) < 0)
        return reply_fterr(c);
    resp_out_simple(c->out, "OK");
    return CMD_CONTINUE;
}

static int cmd_debug(Ctx *c)
{
    if (arg_is(c, 1, "gc") && c->argc == 2) {
        FtSsize n = ft_gc_collect();
        if (n < 0)
            return reply_fterr(c);
        resp_out_int(c->out, (long long)n);
        return CMD_CONTINUE;
    }
    resp_out_errorf(c->out, "ERR unknown subcommand '%.*s'. Try DEBUG HELP.",
                    (int)(c->argl[1] < 128 ? c->argl[1] : 128), c->argv[1]);
    return CMD_CONTINUE;
}

static int cmd_memory(Ctx *c)
{
    if ((arg_is(c, 1, "trim") || arg_is(c, 1, "purge")) && c->argc == 2) {
        int64_t n = ft_memory_trim();
        if (n < 0)
            return reply_fterr(c);
        resp_out_int(c->out, (long long)n);
        return CMD_CONTINUE;
    }
    resp_out_errorf(c->out, "ERR unknown subcommand '%.*s'. Try MEMORY HELP.",
                    (int)(c->argl[1] < 128 ? c->argl[1] : 128), c->argv[1]);
    return CMD_CONTINUE;
}


/* ---- Strings ---- */

static int cmd_get(Ctx *c)
{
    FtObject *key = arg_bytes(c, 1), *e = NULL;
    if (!key)
        return reply_fterr(c);
    int r = lookup_live(c->s, key, &e);
    ft_decref(key);
    if (r < 0)
        return reply_fterr(c);
    if (r == 0) {
        resp_out_null(c->out);
        return CMD_CONTINUE;
    }
    FtObject *v = entry_value(e);
    if (type_of(v) == T_STRING)
        reply_string(c, v);
    else
        resp_out_error(c->out, WRONGTYPE);
    ft_decref(e);
    return CMD_CONTINUE;
}

enum { SET_NX = 1, SET_XX = 2, SET_GET = 4, SET_KEEPTTL = 8,
       SET_EX = 16, SET_PX = 32, SET_EXAT = 64, SET_PXAT = 128 };

/* SET's options as redis's parseExtendedStringArgumentsOrReply. */
static int parse_set_options(Ctx *c, int *flags, int64_t *deadline)
{
    int f = 0;
    int exparg = -1;
    for (int j = 3; j < c->argc; j++) {
        int has_next = j + 1 < c->argc;
        int expf = f & (SET_EX | SET_PX | SET_EXAT | SET_PXAT);
        if (arg_is(c, j, "nx") && !(f & SET_XX)) f |= SET_NX;
        else if (arg_is(c, j, "xx") && !(f & SET_NX)) f |= SET_XX;
        else if (arg_is(c, j, "get")) f |= SET_GET;
        else if (arg_is(c, j, "keepttl") && !expf) f |= SET_KEEPTTL;
        else if (arg_is(c, j, "ex") && !(f & SET_KEEPTTL) && !expf && has_next) { f |= SET_EX; exparg = ++j; }
        else if (arg_is(c, j, "px") && !(f & SET_KEEPTTL) && !expf && has_next) { f |= SET_PX; exparg = ++j; }
        else if (arg_is(c, j, "exat") && !(f & SET_KEEPTTL) && !expf && has_next) { f |= SET_EXAT; exparg = ++j; }
        else if (arg_is(c, j, "pxat") && !(f & SET_KEEPTTL) && !expf && has_next) { f |= SET_PXAT; exparg = ++j; }
        else {
            resp_out_error(c->out, SYNTAX);
            return -1;
        }
    }
    *deadline = -1;
    if (exparg > 0) {
        long long ms;
        if (!arg_ll(c, exparg, &ms)) {
            resp_out_error(c->out, NOTINT);
            return -1;
        }
        int secs = (f & (SET_EX | SET_EXAT)) != 0;
        if (ms <= 0 || (secs && ms > LLONG_MAX / 1000)) {
            resp_out_errorf(c->out, "ERR invalid expire time in '%s' command", c->name);
            return -1;
        }
        if (secs)
            ms *= 1000;
        if (f & (SET_EX | SET_PX)) {
            if (ms > LLONG_MAX - ftkv_now_ms()) {
                resp_out_errorf(c->out, "ERR invalid expire time in '%s' command", c->name);
                return -1;
            }
            ms += ftkv_now_ms();
        }
        *deadline = ms;
    }
    *flags = f;
    return 0;
}

static int cmd_set(Ctx *c)
{
    int flags;
    int64_t deadline;
    if (parse_set_options(c, &flags, &deadline) < 0)
        return CMD_CONTINUE;
    FtObject *key = arg_bytes(c, 1);
    FtObject *value = key ? make_string(c->argv[2], c->argl[2]) : NULL;
    FtObject *entry = NULL;
    if (!value)
        goto fail;
    if (deadline >= 0) {
        if (!(entry = with_deadline(value, deadline)))
            goto fail;
    } else {
        entry = value;
        ft_incref(entry);
    }
    if (!(flags & (SET_NX | SET_XX | SET_GET | SET_KEEPTTL))) {
        /* plain SET: one dict store (it also drops any TTL) */
        if (ft_dict_set_item(c->s->db, key, entry) < 0)
            goto fail;
        if (deadline >= 0)
            note_expiring(c->s, key);
        resp_out_simple(c->out, "OK");
        goto done;
    }
    /* NX/XX/GET/KEEPTTL: decide on the current entry, then replace exactly
     * that entry (compare-and-set by identity), or start again. */
    for (int attempt = 0; attempt < RETRIES; attempt++) {
        FtObject *cur = NULL;
        int r = ft_dict_lookup(c->s->db, key, &cur);
        if (r < 0)
            goto fail;
        int live = r == 1 && !entry_expired(cur, ftkv_now_ms());
        FtObject *curv = live ? entry_value(cur) : NULL;
        if ((flags & SET_GET) && curv && type_of(curv) != T_STRING) {
            resp_out_error(c->out, WRONGTYPE);
            ft_xdecref(cur);
            goto done;
        }
        if (((flags & SET_NX) && live) || ((flags & SET_XX) && !live)) {
            if (flags & SET_GET) {
                if (curv) reply_string(c, curv); else resp_out_null(c->out);
            } else {
                resp_out_null(c->out);
            }
            ft_xdecref(cur);
            goto done;
        }
        FtObject *store = entry;
        ft_incref(store);
        if ((flags & SET_KEEPTTL) && live && ft_is_tuple(cur)) {
            ft_decref(store);
            if (!(store = rewrap(cur, value))) {
                ft_xdecref(cur);
                goto fail;
            }
        }
        int done = ft_dict_compare_and_set(c->s->db, key, cur, store);
        ft_decref(store);
        if (done < 0) {
            ft_xdecref(cur);
            goto fail;
        }
        if (done == 1) {
            if (ft_is_tuple(store))
                note_expiring(c->s, key);
            if (flags & SET_GET) {
                if (curv) reply_string(c, curv); else resp_out_null(c->out);
            } else {
                resp_out_simple(c->out, "OK");
            }
            ft_xdecref(cur);
            goto done;
        }
        ft_xdecref(cur);
    }
    resp_out_error(c->out, "ERR too much contention on the key, try again");
    goto done;
fail:
    reply_fterr(c);
done:
    ft_xdecref(key);
    ft_xdecref(value);
    ft_xdecref(entry);
    return CMD_CONTINUE;
}

static int cmd_del(Ctx *c)
{
    long long n = 0;
    int64_t now = ftkv_now_ms();
    for (int i = 1; i < c->argc; i++) {
        FtObject *key = arg_bytes(c, i);
        if (!key)
            return reply_fterr(c);
        FtObject *old = ft_dict_pop(c->s->db, key, FT_NONE);
        ft_decref(key);
        if (!old)
            return reply_fterr(c);
        if (old != FT_NONE && !entry_expired(old, now))
            n++;
        ft_decref(old);
    }
    resp_out_int(c->out, n);
    return CMD_CONTINUE;
}

static int cmd_exists(Ctx *c)
{
    long long n = 0;
    for (int i = 1; i < c->argc; i++) {
        FtObject *key = arg_bytes(c, i), *e = NULL;
        if (!key)
            return reply_fterr(c);
        int r = lookup_live(c->s, key, &e);
        ft_decref(key);
        if (r < 0)
            return reply_fterr(c);
        n += r;
        ft_xdecref(e);
    }
    resp_out_int(c->out, n);
    return CMD_CONTINUE;
}

static int cmd_type(Ctx *c)
{
    FtObject *key = arg_bytes(c, 1), *e = NULL;
    if (!key)
        return reply_fterr(c);
    int r = lookup_live(c->s, key, &e);
    ft_decref(key);
    if (r < 0)
        return reply_fterr(c);
    static const char *const names[] = { "none", "string", "list", "hash", "set", "none" };
    resp_out_simple(c->out, names[type_of(r ? entry_value(e) : NULL)]);
    ft_xdecref(e);
    return CMD_CONTINUE;
}

/* INCR family: one ft_dict_update_item; the callback runs under db's lock. */
typedef struct IncrArg {
    long long delta;
    int64_t now;
    const char *err;            /* the reply when the callback aborts */
    long long result;
} IncrArg;

static FtObject *incr_fn(FtObject *old, void *argp)
{
    IncrArg *a = argp;
    a->err = NULL;              /* fn may run again: no state kept */
    if (old && entry_expired(old, a->now))
        old = NULL;
    FtObject *v = old ? entry_value(old) : NULL;
    long long cur = 0;
    if (v && ft_is_int(v)) {
        int64_t x;
        if (ft_int_as_i64(v, &x) < 0) {
            a->err = NOTINT;
            return NULL;        /* error set by ft_int_as_i64 */
        }
        cur = x;
    } else if (v && ft_is_bytes(v)) {
        if (!resp_string2ll(ft_bytes_data(v), (size_t)ft_bytes_size(v), &cur)) {
            a->err = NOTINT;
            ft_error_set(FT_ERR_VALUE, "not an integer");
            return NULL;
        }
    } else if (v) {
        a->err = WRONGTYPE;
        ft_error_set(FT_ERR_TYPE, "wrong type");
        return NULL;
    }
    if ((a->delta < 0 && cur < 0 && a->delta < LLONG_MIN - cur) ||
        (a->delta > 0 && cur > 0 && a->delta > LLONG_MAX - cur)) {
        a->err = "ERR increment or decrement would overflow";
        ft_error_set(FT_ERR_OVERFLOW, "overflow");
        return NULL;
    }
    a->result = cur + a->delta;
    FtObject *nv = ft_int_from_i64(a->result);
    if (!nv || !old || !ft_is_tuple(old))
        return nv;
    FtObject *t = rewrap(old, nv);
    ft_decref(nv);
    return t;
}

static int incr_generic(Ctx *c, long long delta)
{
    FtObject *key = arg_bytes(c, 1);
    if (!key)
        return reply_fterr(c);
    IncrArg a = { .delta = delta, .now = ftkv_now_ms() };
    int r = ft_dict_update_item(c->s->db, key, incr_fn, &a, NULL);
    ft_decref(key);
    if (r < 0) {
        if (!a.err)
            return reply_fterr(c);
        ft_error_clear();
        resp_out_error(c->out, a.err);
        return CMD_CONTINUE;
    }
    resp_out_int(c->out, a.result);
    return CMD_CONTINUE;
}

static int cmd_incr(Ctx *c) { return incr_generic(c, 1); }
static int cmd_decr(Ctx *c) { return incr_generic(c, -1); }

static int cmd_incrby(Ctx *c)
{
    long long d;
    if (!arg_ll(c, 2, &d)) {
        resp_out_error(c->out, NOTINT);
        return CMD_CONTINUE;
    }
    return incr_generic(c, d);
}

static int cmd_decrby(Ctx *c)
{
    long long d;
    if (!arg_ll(c, 2, &d)) {
        resp_out_error(c->out, NOTINT);
        return CMD_CONTINUE;
    }
    if (d == LLONG_MIN) {
        resp_out_error(c->out, "ERR decrement would overflow");
        return CMD_CONTINUE;
    }
    return incr_generic(c, -d);
}

static int cmd_mget(Ctx *c)
{
    int n = c->argc - 1;
    FtObject **keys = calloc((size_t)n, sizeof *keys);
    if (!keys) {
        resp_out_error(c->out, "ERR out of memory");
        return CMD_CONTINUE;
    }
    for (int i = 0; i < n; i++) {
        if (!(keys[i] = arg_bytes(c, i + 1))) {
            reply_fterr(c);
            goto out;
        }
    }
    int64_t now = ftkv_now_ms();
    resp_out_array(c->out, n);
    /* db's critical section: no writer in between, one consistent view */
    FT_BEGIN_CRITICAL_SECTION(c->s->db);
    for (int i = 0; i < n; i++) {
        FtObject *e = NULL;
        int r = ft_dict_lookup(c->s->db, keys[i], &e);
        if (r < 0)
            ft_error_clear();
        FtObject *v = r == 1 && !entry_expired(e, now) ? entry_value(e) : NULL;
        if (v && type_of(v) == T_STRING)
            reply_string(c, v);
        else
            resp_out_null(c->out);
        ft_xdecref(e);
    }
    FT_END_CRITICAL_SECTION();
out:
    for (int i = 0; i < n; i++)
        ft_xdecref(keys[i]);
    free(keys);
    return CMD_CONTINUE;
}

static int cmd_mset(Ctx *c)
{
    if ((c->argc - 1) % 2 != 0) {
        resp_out_errorf(c->out, "ERR wrong number of arguments for '%s' command", c->name);
        return CMD_CONTINUE;
    }
    int n = c->argc - 1;
    FtObject **objs = calloc((size_t)n, sizeof *objs);
    if (!objs) {
        resp_out_error(c->out, "ERR out of memory");
        return CMD_CONTINUE;
    }
    int ok = 1;
    for (int i = 0; i < n && ok; i += 2) {
        objs[i] = arg_bytes(c, i + 1);
        objs[i + 1] = objs[i] ? make_string(c->argv[i + 2], c->argl[i + 2]) : NULL;
        ok = objs[i + 1] != NULL;
    }
    if (ok) {
        /* all stores in one critical section: MSET is atomic */
        FT_BEGIN_CRITICAL_SECTION(c->s->db);
        for (int i = 0; i < n && ok; i += 2)
            ok = ft_dict_set_item(c->s->db, objs[i], objs[i + 1]) == 0;
        FT_END_CRITICAL_SECTION();
    }
    if (ok)
        resp_out_simple(c->out, "OK");
    else
        reply_fterr(c);
    for (int i = 0; i < n; i++)
        ft_xdecref(objs[i]);
    free(objs);
    return CMD_CONTINUE;
}

typedef struct AppendArg {
    const char *p;
    size_t n;
    int64_t now;
    const char *err;
    long long newlen;
} AppendArg;

static FtObject *append_fn(FtObject *old, void *argp)
{
    AppendArg *a = argp;
    a->err = NULL;              /* fn may run again: no state kept */
    if (old && entry_expired(old, a->now))
        old = NULL;
    FtObject *v = old ? entry_value(old) : NULL;
    if (!v) {
        a->newlen = (long long)a->n;
        return ft_bytes_from_buffer(a->p, (FtSsize)a->n);
    }
    if (type_of(v) != T_STRING) {
        a->err = WRONGTYPE;
        ft_error_set(FT_ERR_TYPE, "wrong type");
        return NULL;
    }
    size_t cur = string_len(v);
    if (cur + a->n > (size_t)RESP_MAX_BULK) {
        a->err = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
        ft_error_set(FT_ERR_VALUE, "too big");
        return NULL;
    }
    FtObject *head = string_as_bytes(v);
    FtObject *tail = head ? ft_bytes_from_buffer(a->p, (FtSsize)a->n) : NULL;
    FtObject *nv = tail ? ft_bytes_concat(head, tail) : NULL;
    ft_xdecref(head);
    ft_xdecref(tail);
    if (!nv)
        return NULL;
    a->newlen = (long long)ft_bytes_size(nv);
    FtObject *e = rewrap(old, nv);
    ft_decref(nv);
    return e;
}

static int cmd_append(Ctx *c)
{
    FtObject *key = arg_bytes(c, 1);
    if (!key)
        return reply_fterr(c);
    AppendArg a = { .p = c->argv[2], .n = c->argl[2], .now = ftkv_now_ms() };
    int r = ft_dict_update_item(c->s->db, key, append_fn, &a, NULL);
    ft_decref(key);
    if (r < 0) {
        if (!a.err)
            return reply_fterr(c);
        ft_error_clear();
        resp_out_error(c->out, a.err);
        return CMD_CONTINUE;
    }
    resp_out_int(c->out, a.newlen);
    return CMD_CONTINUE;
}

static int cmd_strlen(Ctx *c)
{
    FtObject *key = arg_bytes(c, 1), *e = NULL;
    if (!key)
        return reply_fterr(c);
    int r = lookup_live(c->s, key, &e);
    ft_decref(key);
    if (r < 0)
        return reply_fterr(c);
    if (r == 0)
        resp_out_int(c->out, 0);
    else if (type_of(entry_value(e)) != T_STRING)
        resp_out_error(c->out, WRONGTYPE);
    else
        resp_out_int(c->out, (long long)string_len(entry_value(e)));
    ft_xdecref(e);
    return CMD_CONTINUE;
}

/* ---- Expiry ---- */

enum { EXP_NX = 1, EXP_XX = 2, EXP_GT = 4, EXP_LT = 8 };

typedef struct ExpireArg {
    int64_t deadline;           /* -1: PERSIST */
    int64_t now;
    int flags;
    int done;                   /* reply: 1 the TTL changed, 0 not */
} ExpireArg;

static FtObject *expire_fn(FtObject *old, void *argp)
{
    ExpireArg *a = argp;
    a->done = 0;                /* fn may run again: no state kept */
    if (!old)
        return NULL;                            /* stays missing */
    if (entry_expired(old, a->now))
        return NULL;                            /* deleted */
    FtObject *v = entry_value(old);
    int64_t cur = entry_deadline(old);          /* -1: persistent */
    if (a->deadline < 0) {                      /* PERSIST */
        if (cur < 0) {
            ft_incref(old);
            return old;
        }
        a->done = 1;
        ft_incref(v);
        return v;
    }
    int skip = ((a->flags & EXP_NX) && cur >= 0) ||
               ((a->flags & EXP_XX) && cur < 0) ||
               ((a->flags & EXP_GT) && (cur < 0 || a->deadline <= cur)) ||
               ((a->flags & EXP_LT) && cur >= 0 && a->deadline >= cur);
    if (skip) {
        ft_incref(old);
        return old;
    }
    a->done = 1;
    if (a->deadline <= a->now)
        return NULL;                            /* a TTL in the past deletes */
    return with_deadline(v, a->deadline);
}

static int expire_generic(Ctx *c, int64_t deadline, int flags)
{
    FtObject *key = arg_bytes(c, 1);
    if (!key)
        return reply_fterr(c);
    ExpireArg a = { .deadline = deadline, .now = ftkv_now_ms(), .flags = flags };
    int r = ft_dict_update_item(c->s->db, key, expire_fn, &a, NULL);
    if (r == 0 && a.done && deadline > a.now)
        note_expiring(c->s, key);
    ft_decref(key);
    if (r < 0)
        return reply_fterr(c);
    resp_out_int(c->out, a.done);
    return CMD_CONTINUE;
}

static int cmd_expire_ms(Ctx *c, long long unit)
{
    long long t;
    if (!arg_ll(c, 2, &t)) {
        resp_out_error(c->out, NOTINT);
        return CMD_CONTINUE;
    }
    int flags = 0;
    for (int i = 3; i < c->argc; i++) {
        if (arg_is(c, i, "nx")) flags |= EXP_NX;
        else if (arg_is(c, i, "xx")) flags |= EXP_XX;
        else if (arg_is(c, i, "gt")) flags |= EXP_GT;
        else if (arg_is(c, i, "lt")) flags |= EXP_LT;
        else {
            resp_out_errorf(c->out, "ERR Unsupported option %.*s", (int)c->argl[i], c->argv[i]);
            return CMD_CONTINUE;
        }
    }
    if ((flags & EXP_NX) && (flags & ~EXP_NX)) {
        resp_out_error(c->out, "ERR NX and XX, GT or LT options at the same time are not compatible");
        return CMD_CONTINUE;
    }
    if ((flags & EXP_GT) && (flags & EXP_LT)) {
        resp_out_error(c->out, "ERR GT and LT options at the same time are not compatible");
        return CMD_CONTINUE;
    }
    int64_t now = ftkv_now_ms();
    if (t > LLONG_MAX / unit || t < LLONG_MIN / unit ||
        (t > 0 && t * unit > LLONG_MAX - now)) {
        resp_out_errorf(c->out, "ERR invalid expire time in '%s' command", c->name);
        return CMD_CONTINUE;
    }
    int64_t deadline = now + t * unit;
    if (deadline < 0)
        deadline = 0;           /* in the past: deletes */
    return expire_generic(c, deadline, flags);
}

static int cmd_expire(Ctx *c) { return cmd_expire_ms(c, 1000); }
static int cmd_pexpire(Ctx *c) { return cmd_expire_ms(c, 1); }
static int cmd_persist(Ctx *c) { return expire_generic(c, -1, 0); }

static int ttl_generic(Ctx *c, int ms)
{
    FtObject *key = arg_bytes(c, 1), *e = NULL;
    if (!key)
        return reply_fterr(c);
    int r = lookup_live(c->s, key, &e);
    ft_decref(key);
    if (r < 0)
        return reply_fterr(c);
    if (r == 0) {
        resp_out_int(c->out, -2);
        return CMD_CONTINUE;
    }
    int64_t d = entry_deadline(e);
    ft_decref(e);
    if (d < 0) {
        resp_out_int(c->out, -1);
        return CMD_CONTINUE;
    }
    int64_t left = d - ftkv_now_ms();
    if (left < 0)
        left = 0;
    resp_out_int(c->out, ms ? left : (left + 500) / 1000);
    return CMD_CONTINUE;
}

static int cmd_ttl(Ctx *c) { return ttl_generic(c, 0); }
static int cmd_pttl(Ctx *c) { return ttl_generic(c, 1); }

void cmd_expire_cycle(Server *s)
{
    /* Take up to 32 keys from the TTL set; delete the expired ones, keep
     * the pending ones, forget keys that lost their TTL or are gone. */
    FtObject *keep[32];
    int nkeep = 0;
    int64_t now = ftkv_now_ms();
    for (int i = 0; i < 32; i++) {
        if (ft_len(s->expiring) <= 0)
            break;
        FtObject *key = ft_set_pop(s->expiring);
        if (!key) {
            ft_error_clear();
            break;
        }
        FtObject *e = NULL;
        int r = ft_dict_lookup(s->db, key, &e);
        if (r == 1 && ft_is_tuple(e)) {
            if (entry_expired(e, now)) {
                if (ft_dict_compare_and_delete(s->db, key, e) == 1)
                    atomic_fetch_add_explicit(&s->expired_keys, 1, memory_order_relaxed);
                ft_decref(key);
            } else {
                keep[nkeep++] = key;
            }
        } else {
            ft_decref(key);
        }
        ft_xdecref(e);
        ft_error_clear();
    }
    for (int i = 0; i < nkeep; i++) {
        note_expiring(s, keep[i]);
        ft_decref(keep[i]);
    }
}

/* ---- Containers: the shared protocol ---- */

/* What a container command does to an existing container, under both
 * locks, and to build a new one. */
typedef struct ContOps {
    int type;                                   /* T_LIST, T_HASH, T_SET */
    FtObject *(*create)(void);                  /* an empty container */
    /* apply to v (db and v locked); return 0, or -1 with the ftrt error */
    int (*apply)(Ctx *c, FtObject *v, FtObject **items, int nitems, long long *result);
    int creates;                                /* a missing key is created */
} ContOps;

/* Returns 1 applied (*result set, *deleted if the key was removed), 0 key
 * missing and not created, -1 ftrt error, -2 wrong type. */
static int container_update(Ctx *c, FtObject *key, const ContOps *ops,
                            FtObject **items, int nitems, long long *result)
{
    Server *s = c->s;
    for (int attempt = 0; attempt < RETRIES; attempt++) {
        FtObject *e = NULL;
        int r = ft_dict_lookup(s->db, key, &e);
        if (r < 0)
            return -1;
        int live = r == 1 && !entry_expired(e, ftkv_now_ms());
        FtObject *v = live ? entry_value(e) : NULL;
        if (!v) {
            if (!ops->creates) {
                ft_xdecref(e);
                return 0;
            }
            /* fill a private container, then publish it if the key is
             * still missing (or still the same expired entry) */
            FtObject *nv = ops->create();
            int rc = nv ? ops->apply(c, nv, items, nitems, result) : -1;
            int done = rc == 0 ? ft_dict_compare_and_set(s->db, key, e, nv) : -1;
            ft_xdecref(nv);
            ft_xdecref(e);
            if (done < 0)
                return -1;
            if (done == 1)
                return 1;
            continue;
        }
        if (type_of(v) != ops->type) {
            ft_decref(e);
            return -2;
        }
        int same = 0, rc = 0;
        FT_BEGIN_CRITICAL_SECTION2(s->db, v);
        FtObject *cur = NULL;
        if (ft_dict_lookup(s->db, key, &cur) == 1 && cur == e) {
            same = 1;
            rc = ops->apply(c, v, items, nitems, result);
            if (rc == 0 && ft_len(v) == 0)
                rc = ft_dict_compare_and_delete(s->db, key, e) < 0 ? -1 : 0;
        }
        ft_xdecref(cur);
        FT_END_CRITICAL_SECTION2();
        ft_decref(e);
        if (same)
            return rc < 0 ? -1 : 1;
    }
    ft_error_set(FT_ERR_RUNTIME, "too much contention on the key");
    return -1;
}

/* Make bytes objects of argv[from..argc). */
static FtObject **args_as_bytes(Ctx *c, int from)
{
    int n = c->argc - from;
    FtObject **items = calloc((size_t)n + 1, sizeof *items);
    if (!items) {
        ft_error_nomem();
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        if (!(items[i] = arg_bytes(c, from + i))) {
            for (int j = 0; j < i; j++)
                ft_decref(items[j]);
            free(items);
            return NULL;
        }
    }
    return items;
}

static void free_items(FtObject **items, int n)
{
    for (int i = 0; i < n; i++)
        ft_xdecref(items[i]);
    free(items);
}

/* Run a container write command: key at argv[1], items from argv[2]. */
static int container_cmd(Ctx *c, const ContOps *ops, int reply_missing_null)
{
    FtObject *key = arg_bytes(c, 1);
    if (!key)
        return reply_fterr(c);
    int n = c->argc - 2;
    FtObject **items = args_as_bytes(c, 2);
    if (!items) {
        ft_decref(key);
        return reply_fterr(c);
    }
    long long result = 0;
    int r = container_update(c, key, ops, items, n, &result);
    ft_decref(key);
    free_items(items, n);
    if (r == -1)
        return reply_fterr(c);
    if (r == -2)
        resp_out_error(c->out, WRONGTYPE);
    else if (r == 0 && reply_missing_null)
        resp_out_null(c->out);
    else
        resp_out_int(c->out, r == 0 ? 0 : result);
    return CMD_CONTINUE;
}

/* ---- Lists (deque of bytes) ---- */

static FtObject *new_deque(void) { return ft_deque_new(-1); }

static int lpush_apply(Ctx *c, FtObject *v, FtObject **items, int n, long long *result)
{
    (void)c;
    for (int i = 0; i < n; i++)
        if (ft_deque_appendleft(v, items[i]) < 0)
            return -1;
    *result = (long long)ft_len(v);
    return 0;
}

static int rpush_apply(Ctx *c, FtObject *v, FtObject **items, int n, long long *result)
{
    (void)c;
    for (int i = 0; i < n; i++)
        if (ft_deque_append(v, items[i]) < 0)
            return -1;
    *result = (long long)ft_len(v);
    return 0;
}

static const ContOps LPUSH_OPS = { T_LIST, new_deque, lpush_apply, 1 };
static const ContOps RPUSH_OPS = { T_LIST, new_deque, rpush_apply, 1 };
static const ContOps LPUSHX_OPS = { T_LIST, new_deque, lpush_apply, 0 };
static const ContOps RPUSHX_OPS = { T_LIST, new_deque, rpush_apply, 0 };

static int cmd_lpush(Ctx *c) { return container_cmd(c, &LPUSH_OPS, 0); }
static int cmd_rpush(Ctx *c) { return container_cmd(c, &RPUSH_OPS, 0); }
static int cmd_lpushx(Ctx *c) { return container_cmd(c, &LPUSHX_OPS, 0); }
static int cmd_rpushx(Ctx *c) { return container_cmd(c, &RPUSHX_OPS, 0); }

/* Pops write their reply directly: *result is the count popped, the
 * popped items are collected in a list carried by the context. */
typedef struct PopState {
    long long count;
    int left;
    FtObject *popped[64];       /* first batch; more go to `more` */
    int npopped;
    FtObject *more;             /* a list, for counts above 64 */
} PopState;

/* The pop in progress on this thread (ContOps.apply has no extra
 * argument for it). */
static _Thread_local PopState *tl_pop;

static int pop_apply(Ctx *c, FtObject *v, FtObject **items, int n, long long *result)
{
    (void)c; (void)items; (void)n;
    PopState *ps = tl_pop;
    long long got = 0;
    while (got < ps->count) {
        FtObject *x = NULL;
        int r = ps->left ? ft_deque_try_popleft(v, &x) : ft_deque_try_pop(v, &x);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        if (ps->npopped < 64) {
            ps->popped[ps->npopped++] = x;
        } else {
            if (!ps->more && !(ps->more = ft_list_new(0))) {
                ft_decref(x);
                return -1;
            }
            int ar = ft_list_append(ps->more, x);
            ft_decref(x);
            if (ar < 0)
                return -1;
        }
        got++;
    }
    *result = got;
    return 0;
}

static const ContOps POP_OPS = { T_LIST, new_deque, pop_apply, 0 };

static int pop_generic(Ctx *c, int left)
{
    long long count = 1;
    int with_count = c->argc == 3;
    if (c->argc > 3) {
        resp_out_errorf(c->out, "ERR wrong number of arguments for '%s' command", c->name);
        return CMD_CONTINUE;
    }
    if (with_count && (!arg_ll(c, 2, &count) || count < 0)) {
        resp_out_error(c->out, "ERR value is out of range, must be positive");
        return CMD_CONTINUE;
    }
    FtObject *key = arg_bytes(c, 1);
    if (!key)
        return reply_fterr(c);
    PopState ps = { .count = count, .left = left };
    long long got = 0;
    int r;
    if (count == 0) {
        /* LPOP key 0: an empty array if the key holds a list */
        FtObject *e = NULL;
        r = lookup_live(c->s, key, &e);
        if (r == 1 && type_of(entry_value(e)) != T_LIST)
            r = -2;
        ft_xdecref(e);
    } else {
        tl_pop = &ps;
        r = container_update(c, key, &POP_OPS, NULL, 0, &got);
        tl_pop = NULL;
    }
    ft_decref(key);
    if (r == -1) {
        reply_fterr(c);
    } else if (r == -2) {
        resp_out_error(c->out, WRONGTYPE);
    } else if (r == 0 || (got == 0 && count > 0)) {
        /* missing; or (never expected: an emptied list is deleted in the
         * same section) an empty list: nil all the same */
        if (with_count) resp_out_null_array(c->out); else resp_out_null(c->out);
    } else {
        if (with_count)
            resp_out_array(c->out, got);
        for (int i = 0; i < ps.npopped; i++)
            resp_out_bulk(c->out, ft_bytes_data(ps.popped[i]), (size_t)ft_bytes_size(ps.popped[i]));
        for (FtSsize i = 0; ps.more && i < ft_len(ps.more); i++) {
            FtObject *x = ft_list_get_item(ps.more, i);
            if (x) {
                resp_out_bulk(c->out, ft_bytes_data(x), (size_t)ft_bytes_size(x));
                ft_decref(x);
            }
        }
    }
    for (int i = 0; i < ps.npopped; i++)
        ft_decref(ps.popped[i]);
    ft_xdecref(ps.more);
    return CMD_CONTINUE;
}

static int cmd_lpop(Ctx *c) { return pop_generic(c, 1); }
static int cmd_rpop(Ctx *c) { return pop_generic(c, 0); }

/* The live value of argv[1] if it has `type`: 1 (*entry new ref), 0
 * missing, -1 replied (error or wrong type). */
static int read_value(Ctx *c, int type, FtObject **entry)
{
    FtObject *key = arg_bytes(c, 1), *e = NULL;
    if (!key) {
        reply_fterr(c);
        return -1;
    }
    int r = lookup_live(c->s, key, &e);
    ft_decref(key);
    if (r < 0) {
        reply_fterr(c);
        return -1;
    }
    if (r == 1 && type_of(entry_value(e)) != type) {
        ft_decref(e);
        resp_out_error(c->out, WRONGTYPE);
        return -1;
    }
    *entry = e;
    return r;
}

static int cmd_llen(Ctx *c)
{
    FtObject *e = NULL;
    int r = read_value(c, T_LIST, &e);
    if (r >= 0)
        resp_out_int(c->out, r ? (long long)ft_len(entry_value(e)) : 0);
    ft_xdecref(e);
    return CMD_CONTINUE;
}

/* LRANGE's start/stop against a list of len items: the first index and
 * the count (0: empty), as redis clamps them. */
static long long clamp_range(long long len, long long start, long long stop,
                             long long *first)
{
    if (start < 0) start += len;
    if (stop < 0) stop += len;
    if (start < 0) start = 0;
    if (stop >= len) stop = len - 1;
    *first = start;
    return start > stop || start >= len ? 0 : stop - start + 1;
}

static int cmd_lrange(Ctx *c)
{
    long long start, stop;
    if (!arg_ll(c, 2, &start) || !arg_ll(c, 3, &stop)) {
        resp_out_error(c->out, NOTINT);
        return CMD_CONTINUE;
    }
    FtObject *e = NULL;
    int r = read_value(c, T_LIST, &e);
    if (r < 0)
        return CMD_CONTINUE;
    if (r == 0) {
        resp_out_array(c->out, 0);
        return CMD_CONTINUE;
    }
    FtObject *v = entry_value(e);
    /* Take the items (new references) in the deque's critical section, a
     * consistent range, and build the reply after it: other readers and
     * writers of the list wait for the copy of n pointers only. The array
     * is sized from a lock-free length; if the list grew past it before
     * the section, size it again. */
    FtObject *stackbuf[128], **items = stackbuf;
    long long cap = 128, n = 0, first = 0;
    int fit = 0, failed = 0;
    for (int attempt = 0; attempt < 8 && !fit && !failed; attempt++) {
        long long want = clamp_range((long long)ft_len(v), start, stop, &first) + 64;
        if (want > cap) {
            FtObject **ni = malloc((size_t)want * sizeof *ni);
            if (!ni) {
                failed = 1;
                break;
            }
            if (items != stackbuf)
                free(items);
            items = ni;
            cap = want;
        }
        FT_BEGIN_CRITICAL_SECTION(v);
        n = clamp_range((long long)ft_len(v), start, stop, &first);
        fit = n <= cap;
        for (long long k = 0; fit && k < n; k++) {
            if (!(items[k] = ft_deque_get_item(v, (FtSsize)(first + k)))) {
                n = k;
                failed = 1;
                break;
            }
        }
        FT_END_CRITICAL_SECTION();
    }
    ft_decref(e);
    if (!fit)
        n = 0;
    if (failed || !fit) {
        ft_error_clear();
        resp_out_error(c->out, "ERR out of memory");
    } else {
        resp_out_array(c->out, n);
        for (long long k = 0; k < n; k++)
            resp_out_bulk(c->out, ft_bytes_data(items[k]), (size_t)ft_bytes_size(items[k]));
    }
    for (long long k = 0; k < n; k++)
        ft_decref(items[k]);
    if (items != stackbuf)
        free(items);
    return CMD_CONTINUE;
}

/* ---- Hashes (dict bytes -> bytes) ---- */

static FtObject *new_dict(void) { return ft_dict_new(); }

static int hset_apply(Ctx *c, FtObject *v, FtObject **items, int n, long long *result)
{
    (void)c;
    long long added = 0;
    for (int i = 0; i + 1 < n; i += 2) {
        int had = ft_dict_contains(v, items[i]);
        if (had < 0 || ft_dict_set_item(v, items[i], items[i + 1]) < 0)
            return -1;
        added += !had;
    }
    *result = added;
    return 0;
}

static int hdel_apply(Ctx *c, FtObject *v, FtObject **items, int n, long long *result)
{
    (void)c;
    long long removed = 0;
    for (int i = 0; i < n; i++) {
        FtObject *old = ft_dict_pop(v, items[i], FT_NONE);
        if (!old)
            return -1;
        removed += old != FT_NONE;
        ft_decref(old);
    }
    *result = removed;
    return 0;
}

static const ContOps HSET_OPS = { T_HASH, new_dict, hset_apply, 1 };
static const ContOps HDEL_OPS = { T_HASH, new_dict, hdel_apply, 0 };

static int cmd_hset(Ctx *c)
{
    if ((c->argc - 2) % 2 != 0) {
        resp_out_errorf(c->out, "ERR wrong number of arguments for '%s' command", c->name);
        return CMD_CONTINUE;
    }
    return container_cmd(c, &HSET_OPS, 0);
}

static int cmd_hdel(Ctx *c) { return container_cmd(c, &HDEL_OPS, 0); }

static int cmd_hget(Ctx *c)
{
    FtObject *e = NULL;
    int r = read_value(c, T_HASH, &e);
    if (r < 0)
        return CMD_CONTINUE;
    FtObject *field = r ? arg_bytes(c, 2) : NULL, *x = NULL;
    if (r && !field) {
        ft_decref(e);
        return reply_fterr(c);
    }
    int fr = r ? ft_dict_lookup(entry_value(e), field, &x) : 0;
    if (fr < 0)
        reply_fterr(c);
    else if (fr == 0)
        resp_out_null(c->out);
    else
        resp_out_bulk(c->out, ft_bytes_data(x), (size_t)ft_bytes_size(x));
    ft_xdecref(x);
    ft_xdecref(field);
    ft_xdecref(e);
    return CMD_CONTINUE;
}

static int cmd_hlen(Ctx *c)
{
    FtObject *e = NULL;
    int r = read_value(c, T_HASH, &e);
    if (r >= 0)
        resp_out_int(c->out, r ? (long long)ft_len(entry_value(e)) : 0);
    ft_xdecref(e);
    return CMD_CONTINUE;
}

static int cmd_hgetall(Ctx *c)
{
    FtObject *e = NULL;
    int r = read_value(c, T_HASH, &e);
    if (r < 0)
        return CMD_CONTINUE;
    if (r == 0) {
        resp_out_array(c->out, 0);
        return CMD_CONTINUE;
    }
    FtObject *h = entry_value(e);
    size_t mark = c->out->len;
    int failed = 0;
    FT_BEGIN_CRITICAL_SECTION(h);
    resp_out_array(c->out, 2 * (long long)ft_len(h));
    FtSsize pos = 0;
    FtObject *k, *v;
    int nr;
    while ((nr = ft_dict_next(h, &pos, &k, &v)) == 1) {
        resp_out_bulk(c->out, ft_bytes_data(k), (size_t)ft_bytes_size(k));
        resp_out_bulk(c->out, ft_bytes_data(v), (size_t)ft_bytes_size(v));
        ft_decref(k);
        ft_decref(v);
    }
    failed = nr < 0;
    FT_END_CRITICAL_SECTION();
    ft_decref(e);
    if (failed) {
        c->out->len = mark;
        return reply_fterr(c);
    }
    return CMD_CONTINUE;
}

/* ---- Sets (set of bytes) ---- */

static FtObject *new_set(void) { return ft_set_new(NULL); }

static int sadd_apply(Ctx *c, FtObject *v, FtObject **items, int n, long long *result)
{
    (void)c;
    long long added = 0;
    for (int i = 0; i < n; i++) {
        int had = ft_set_contains(v, items[i]);
        if (had < 0 || ft_set_add(v, items[i]) < 0)
            return -1;
        added += !had;
    }
    *result = added;
    return 0;
}

static int srem_apply(Ctx *c, FtObject *v, FtObject **items, int n, long long *result)
{
    (void)c;
    long long removed = 0;
    for (int i = 0; i < n; i++) {
        int r = ft_set_discard(v, items[i]);
        if (r < 0)
            return -1;
        removed += r;
    }
    *result = removed;
    return 0;
}

static const ContOps SADD_OPS = { T_SET, new_set, sadd_apply, 1 };
static const ContOps SREM_OPS = { T_SET, new_set, srem_apply, 0 };

static int cmd_sadd(Ctx *c) { return container_cmd(c, &SADD_OPS, 0); }
static int cmd_srem(Ctx *c) { return container_cmd(c, &SREM_OPS, 0); }

static int cmd_scard(Ctx *c)
{
    FtObject *e = NULL;
    int r = read_value(c, T_SET, &e);
    if (r >= 0)
        resp_out_int(c->out, r ? (long long)ft_len(entry_value(e)) : 0);
    ft_xdecref(e);
    return CMD_CONTINUE;
}

static int cmd_sismember(Ctx *c)
{
    FtObject *e = NULL;
    int r = read_value(c, T_SET, &e);
    if (r < 0)
        return CMD_CONTINUE;
    int in = 0;
    if (r) {
        FtObject *m = arg_bytes(c, 2);
        in = m ? ft_set_contains(entry_value(e), m) : -1;
        ft_xdecref(m);
    }
    ft_xdecref(e);
    if (in < 0)
        return reply_fterr(c);
    resp_out_int(c->out, in);
    return CMD_CONTINUE;
}

static int cmd_smembers(Ctx *c)
{
    FtObject *e = NULL;
    int r = read_value(c, T_SET, &e);
    if (r < 0)
        return CMD_CONTINUE;
    if (r == 0) {
        resp_out_array(c->out, 0);
        return CMD_CONTINUE;
    }
    FtObject *sv = entry_value(e);
    size_t mark = c->out->len;
    int failed = 1;
    for (int attempt = 0; attempt < 8 && failed; attempt++) {
        /* the iterator is made before the section (no allocation inside);
         * a set that changed size in between fails next: start again */
        FtObject *it = ft_iter(sv);
        if (!it)
            break;
        c->out->len = mark;
        FT_BEGIN_CRITICAL_SECTION(sv);
        resp_out_array(c->out, (long long)ft_len(sv));
        FtObject *x;
        while ((x = ft_iter_next(it)) != NULL) {
            resp_out_bulk(c->out, ft_bytes_data(x), (size_t)ft_bytes_size(x));
            ft_decref(x);
        }
        failed = ft_error_occurred();
        FT_END_CRITICAL_SECTION();
        ft_decref(it);
        if (failed && ft_error_kind() == FT_ERR_RUNTIME)
            ft_error_clear();
        else if (failed)
            break;
    }
    ft_decref(e);
    if (failed) {
        c->out->len = mark;
        if (ft_error_occurred())
            return reply_fterr(c);
        resp_out_error(c->out, "ERR the set kept changing, try again");
    }
    return CMD_CONTINUE;
}

/* ---- INFO ---- */

static void info_line(RespOut *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void info_line(RespOut *o, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp - 2, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof tmp - 3)
        n = (int)sizeof tmp - 3;
    tmp[n++] = '\r';
    tmp[n++] = '\n';
    resp_out_append(o, tmp, (size_t)n);
}

static int section_wanted(Ctx *c, const char *name)
{
    if (c->argc < 2)
        return 1;
    for (int i = 1; i < c->argc; i++)
        if (arg_is(c, i, name) || arg_is(c, i, "all") || arg_is(c, i, "everything") ||
            arg_is(c, i, "default"))
            return 1;
    return 0;
}

static int cmd_info(Ctx *c)
{
    Server *s = c->s;
    RespOut txt = { 0 };
    int64_t now = ftkv_now_ms();
    if (section_wanted(c, "server")) {
        info_line(&txt, "# Server");
        info_line(&txt, "redis_version:7.0.15");
        info_line(&txt, "ftkv_version:%s", FTKV_VERSION);
        info_line(&txt, "ftrt_version:%s", FT_VERSION);
        info_line(&txt, "ftrt_mode:%s", FT_MODE_NAME);
        info_line(&txt, "process_id:%ld", (long)getpid());
        info_line(&txt, "tcp_port:%d", s->port);
        info_line(&txt, "worker_threads:%d", s->nthreads);
        info_line(&txt, "uptime_in_seconds:%lld", (long long)((now - s->start_ms) / 1000));
        info_line(&txt, "%s", "");
    }
    if (section_wanted(c, "clients")) {
        info_line(&txt, "# Clients");
        info_line(&txt, "connected_clients:%ld", atomic_load_explicit(&s->nclients, memory_order_relaxed));
        info_line(&txt, "maxclients:%ld", s->maxclients);
        info_line(&txt, "%s", "");
    }
    if (section_wanted(c, "memory")) {
        FtStats st;
        FtGcStats gs;
        ft_stats_get(&st);
        ft_gc_get_stats(&gs);
        int64_t rss = ftkv_rss_bytes();
        uint64_t backlog = st.merges_queued > st.merges_done + st.merges_at_detach
            ? st.merges_queued - st.merges_done - st.merges_at_detach : 0;
        info_line(&txt, "# Memory");
        info_line(&txt, "used_memory_rss:%lld", (long long)rss);
        info_line(&txt, "used_memory_rss_human:%.2fM", (double)rss / (1024.0 * 1024.0));
        info_line(&txt, "maxmemory:%lld", s->maxmemory);
        info_line(&txt, "maxmemory_policy:noeviction");
        info_line(&txt, "ftrt_objects_live:%lld", (long long)st.objects_live);
        info_line(&txt, "ftrt_objects_allocated:%llu", (unsigned long long)st.objects_allocated);
        info_line(&txt, "ftrt_objects_freed:%llu", (unsigned long long)st.objects_freed);
        info_line(&txt, "ftrt_live_bytes:%lld", (long long)ft_stats_live_of_type(&ft_bytes_type));
        info_line(&txt, "ftrt_live_int:%lld", (long long)ft_stats_live_of_type(&ft_int_type));
        info_line(&txt, "ftrt_live_tuple:%lld", (long long)ft_stats_live_of_type(&ft_tuple_type));
        info_line(&txt, "ftrt_live_deque:%lld", (long long)ft_stats_live_of_type(&ft_deque_type));
        info_line(&txt, "ftrt_live_dict:%lld", (long long)ft_stats_live_of_type(&ft_dict_type));
        info_line(&txt, "ftrt_live_set:%lld", (long long)ft_stats_live_of_type(&ft_set_type));
        info_line(&txt, "ftrt_live_list:%lld", (long long)ft_stats_live_of_type(&ft_list_type));
        info_line(&txt, "ftrt_raw_bytes_live:%lld", (long long)st.raw_bytes_live);
        info_line(&txt, "ftrt_merges_queued:%llu", (unsigned long long)st.merges_queued);
        info_line(&txt, "ftrt_merges_done:%llu", (unsigned long long)st.merges_done);
        info_line(&txt, "ftrt_merge_queue_backlog:%llu", (unsigned long long)backlog);
        info_line(&txt, "ftrt_shared_frees:%llu", (unsigned long long)st.shared_frees);
        info_line(&txt, "ftrt_threads_live:%llu", (unsigned long long)st.threads_live);
        info_line(&txt, "ftrt_stw_count:%llu", (unsigned long long)st.stw_count);
        info_line(&txt, "ftrt_stw_total_us:%llu", (unsigned long long)(st.stw_total_ns / 1000));
        info_line(&txt, "ftrt_gc_collections:%llu", (unsigned long long)gs.collections);
        info_line(&txt, "ftrt_gc_collected:%llu", (unsigned long long)gs.collected);
        info_line(&txt, "ftrt_gc_pause_total_us:%llu", (unsigned long long)(gs.pause_total_ns / 1000));
        info_line(&txt, "ftrt_gc_pause_max_us:%llu", (unsigned long long)(gs.pause_max_ns / 1000));
        info_line(&txt, "%s", "");
    }
    if (section_wanted(c, "stats")) {
        info_line(&txt, "# Stats");
        info_line(&txt, "total_connections_received:%llu",
                  (unsigned long long)atomic_load_explicit(&s->total_connections, memory_order_relaxed));
        info_line(&txt, "total_commands_processed:%llu",
                  (unsigned long long)atomic_load_explicit(&s->total_commands, memory_order_relaxed));
        info_line(&txt, "rejected_connections:%llu",
                  (unsigned long long)atomic_load_explicit(&s->rejected_connections, memory_order_relaxed));
        info_line(&txt, "expired_keys:%llu",
                  (unsigned long long)atomic_load_explicit(&s->expired_keys, memory_order_relaxed));
        info_line(&txt, "%s", "");
    }
    if (section_wanted(c, "keyspace")) {
        info_line(&txt, "# Keyspace");
        FtSsize n = ft_len(s->db);
        if (n > 0)
            info_line(&txt, "db0:keys=%lld,expires=%lld,avg_ttl=0", (long long)n,
                      (long long)ft_len(s->expiring));
    }
    if (txt.oom) {
        resp_out_free(&txt);
        resp_out_error(c->out, "ERR out of memory");
        return CMD_CONTINUE;
    }
    resp_out_bulk(c->out, txt.buf, txt.len);
    resp_out_free(&txt);
    return CMD_CONTINUE;
}

/* ---- Time and memory ---- */

int64_t ftkv_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ftkv_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    long long size = 0, rss = 0;
    int ok = fscanf(f, "%lld %lld", &size, &rss) == 2;
    fclose(f);
    return ok ? rss * sysconf(_SC_PAGESIZE) : 0;
}

/* ---- The command table ---- */

enum { F_DENYOOM = 1 };

typedef struct Command {
    const char *name;
    int arity;                  /* > 0 exact argc, < 0 at least -arity */
    CmdFunc fn;
    int flags;
} Command;

/* sorted by name (bsearch) */
static const Command commands[] = {
    { "append",    3, cmd_append, F_DENYOOM },
    { "config",   -2, cmd_config, 0 },
    { "dbsize",    1, cmd_dbsize, 0 },
    { "debug",    -2, cmd_debug, 0 },
    { "decr",      2, cmd_decr, F_DENYOOM },
    { "decrby",    3, cmd_decrby, F_DENYOOM },
    { "del",      -2, cmd_del, 0 },
    { "echo",      2, cmd_echo, 0 },
    { "exists",   -2, cmd_exists, 0 },
    { "expire",   -3, cmd_expire, 0 },
    { "flushall", -1, cmd_flushall, 0 },
    { "get",       2, cmd_get, 0 },
    { "hdel",     -3, cmd_hdel, 0 },
    { "hget",      3, cmd_hget, 0 },
    { "hgetall",   2, cmd_hgetall, 0 },
    { "hlen",      2, cmd_hlen, 0 },
    { "hset",     -4, cmd_hset, F_DENYOOM },
    { "incr",      2, cmd_incr, F_DENYOOM },
    { "incrby",    3, cmd_incrby, F_DENYOOM },
    { "info",     -1, cmd_info, 0 },
    { "llen",      2, cmd_llen, 0 },
    { "lpop",     -2, cmd_lpop, 0 },
    { "lpush",    -3, cmd_lpush, F_DENYOOM },
    { "lpushx",   -3, cmd_lpushx, F_DENYOOM },
    { "lrange",    4, cmd_lrange, 0 },
    { "memory",   -2, cmd_memory, 0 },
    { "mget",     -2, cmd_mget, 0 },
    { "mset",     -3, cmd_mset, F_DENYOOM },
    { "persist",   2, cmd_persist, 0 },
    { "pexpire",  -3, cmd_pexpire, 0 },
    { "ping",     -1, cmd_ping, 0 },
    { "pttl",      2, cmd_pttl, 0 },
    { "quit",     -1, cmd_quit, 0 },
    { "rpop",     -2, cmd_rpop, 0 },
    { "rpush",    -3, cmd_rpush, F_DENYOOM },
    { "rpushx",   -3, cmd_rpushx, F_DENYOOM },
    { "sadd",     -3, cmd_sadd, F_DENYOOM },
    { "scard",     2, cmd_scard, 0 },
    { "select",    2, cmd_select, 0 },
    { "set",      -3, cmd_set, F_DENYOOM },
    { "sismember", 3, cmd_sismember, 0 },
    { "smembers",  2, cmd_smembers, 0 },
    { "srem",     -3, cmd_srem, 0 },
    { "strlen",    2, cmd_strlen, 0 },
    { "ttl",       2, cmd_ttl, 0 },
    { "type",      2, cmd_type, 0 },
};

static int command_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const Command *)elem)->name);
}

static void reply_unknown(Ctx *c)
{
    char args[256];
    size_t used = 0;
    args[0] = '\0';
    for (int i = 1; i < c->argc && used < 128; i++) {
        int room = 128 - (int)used;
        int len = (int)c->argl[i] < room ? (int)c->argl[i] : room;
        int n = snprintf(args + used, sizeof args - used, "'%.*s' ", len, c->argv[i]);
        if (n < 0 || (size_t)n >= sizeof args - used)
            break;
        used += (size_t)n;
    }
    int nl = c->argl[0] < 128 ? (int)c->argl[0] : 128;
    resp_out_errorf(c->out, "ERR unknown command '%.*s', with args beginning with: %s",
                    nl, c->argv[0], args);
}

int cmd_execute(Server *s, RespOut *out, int argc, const char **argv,
                const size_t *argl)
{
    char name[16];
    Ctx c = { .s = s, .out = out, .argc = argc, .argv = argv, .argl = argl, .name = name };
    const Command *cmd = NULL;
    if (argl[0] < sizeof name) {
        for (size_t i = 0; i < argl[0]; i++)
            name[i] = (char)tolower((unsigned char)argv[0][i]);
        name[argl[0]] = '\0';
        if (memchr(argv[0], '\0', argl[0]) == NULL)
            cmd = bsearch(name, commands, sizeof commands / sizeof commands[0],
                          sizeof commands[0], command_cmp);
    }
    if (!cmd) {
        reply_unknown(&c);
        return CMD_CONTINUE;
    }
    if ((cmd->arity > 0 && argc != cmd->arity) || (cmd->arity < 0 && argc < -cmd->arity)) {
        resp_out_errorf(out, "ERR wrong number of arguments for '%s' command", name);
        return CMD_CONTINUE;
    }
    if ((cmd->flags & F_DENYOOM) && s->maxmemory > 0 &&
        atomic_load_explicit(&s->rss_bytes, memory_order_relaxed) > s->maxmemory) {
        resp_out_error(out, OOMERR);
        return CMD_CONTINUE;
    }
    int r = cmd->fn(&c);
    if (ft_error_occurred())
        ft_error_clear();   /* a path that replied without clearing */
    return r;
}

int cmd_init(Server *s)
{
    for (size_t i = 1; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i - 1].name, commands[i].name) >= 0)
            ft_fatal("ftkv: command table not sorted at %s", commands[i].name);
    s->db = ft_dict_new();
    s->expiring = ft_set_new(NULL);
    if (!s->db || !s->expiring) {
        ft_xdecref(s->db);
        ft_xdecref(s->expiring);
        return -1;
    }
    return 0;
}

void cmd_fini(Server *s)
{
    FT_CLEAR(s->db);
    FT_CLEAR(s->expiring);
}
