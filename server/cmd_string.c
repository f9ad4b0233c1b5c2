/* server/cmd_string.c: string, key and expiry commands (GET, SET, DEL,
 * EXISTS, TYPE, INCR family, MGET, MSET, APPEND, STRLEN, EXPIRE family,
 * TTL, PTTL) and the expiry sampler. Atomicity: server/cmd.h.
 */
#include "cmd.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Strings ---- */

int cmd_get(Ctx *c)
{
    FtObject *e = NULL;
    int r = lookup_arg(c, 1, &e);
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

int cmd_set(Ctx *c)
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

int cmd_del(Ctx *c)
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

int cmd_exists(Ctx *c)
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

int cmd_type(Ctx *c)
{
    FtObject *e = NULL;
    int r = lookup_arg(c, 1, &e);
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

int cmd_incr(Ctx *c) { return incr_generic(c, 1); }
int cmd_decr(Ctx *c) { return incr_generic(c, -1); }

int cmd_incrby(Ctx *c)
{
    long long d;
    if (!arg_ll(c, 2, &d)) {
        resp_out_error(c->out, NOTINT);
        return CMD_CONTINUE;
    }
    return incr_generic(c, d);
}

int cmd_decrby(Ctx *c)
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

int cmd_mget(Ctx *c)
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

int cmd_mset(Ctx *c)
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

int cmd_append(Ctx *c)
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

int cmd_strlen(Ctx *c)
{
    FtObject *e = NULL;
    int r = lookup_arg(c, 1, &e);
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

int cmd_expire(Ctx *c) { return cmd_expire_ms(c, 1000); }
int cmd_pexpire(Ctx *c) { return cmd_expire_ms(c, 1); }
int cmd_persist(Ctx *c) { return expire_generic(c, -1, 0); }

static int ttl_generic(Ctx *c, int ms)
{
    FtObject *e = NULL;
    int r = lookup_arg(c, 1, &e);
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

int cmd_ttl(Ctx *c) { return ttl_generic(c, 0); }
int cmd_pttl(Ctx *c) { return ttl_generic(c, 1); }

/* One batch: take up to 32 keys from the TTL set; delete the expired ones,
 * keep the pending ones, forget keys that lost their TTL or are gone.
 * Returns how many were deleted. */
static int expire_batch(Server *s)
{
    FtObject *keep[32];
    int nkeep = 0, deleted = 0;
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
                if (ft_dict_compare_and_delete(s->db, key, e) == 1) {
                    atomic_fetch_add_explicit(&s->expired_keys, 1, memory_order_relaxed);
                    deleted++;
                }
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
    return deleted;
}

/* Every tick (100 ms, worker 0): batches of 32 while more than a quarter
 * of a batch had expired (redis's adaptive cycle, simplified), at most 16
 * batches (512 keys) a tick. */
void cmd_expire_cycle(Server *s)
{
    for (int b = 0; b < 16; b++)
        if (expire_batch(s) <= 8)
            break;
}
