/* server/cmd_container.c: lists (deque), hashes (dict) and sets (set):
 * the container protocol (container_update, server/cmd.h) and the
 * commands over it.
 */
#include "cmd.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int cmd_lpush(Ctx *c) { return container_cmd(c, &LPUSH_OPS, 0); }
int cmd_rpush(Ctx *c) { return container_cmd(c, &RPUSH_OPS, 0); }
int cmd_lpushx(Ctx *c) { return container_cmd(c, &LPUSHX_OPS, 0); }
int cmd_rpushx(Ctx *c) { return container_cmd(c, &RPUSHX_OPS, 0); }

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

int cmd_lpop(Ctx *c) { return pop_generic(c, 1); }
int cmd_rpop(Ctx *c) { return pop_generic(c, 0); }

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

int cmd_llen(Ctx *c)
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

int cmd_lrange(Ctx *c)
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

int cmd_hset(Ctx *c)
{
    if ((c->argc - 2) % 2 != 0) {
        resp_out_errorf(c->out, "ERR wrong number of arguments for '%s' command", c->name);
        return CMD_CONTINUE;
    }
    return container_cmd(c, &HSET_OPS, 0);
}

int cmd_hdel(Ctx *c) { return container_cmd(c, &HDEL_OPS, 0); }

int cmd_hget(Ctx *c)
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

int cmd_hlen(Ctx *c)
{
    FtObject *e = NULL;
    int r = read_value(c, T_HASH, &e);
    if (r >= 0)
        resp_out_int(c->out, r ? (long long)ft_len(entry_value(e)) : 0);
    ft_xdecref(e);
    return CMD_CONTINUE;
}

int cmd_hgetall(Ctx *c)
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

int cmd_sadd(Ctx *c) { return container_cmd(c, &SADD_OPS, 0); }
int cmd_srem(Ctx *c) { return container_cmd(c, &SREM_OPS, 0); }

int cmd_scard(Ctx *c)
{
    FtObject *e = NULL;
    int r = read_value(c, T_SET, &e);
    if (r >= 0)
        resp_out_int(c->out, r ? (long long)ft_len(entry_value(e)) : 0);
    ft_xdecref(e);
    return CMD_CONTINUE;
}

int cmd_sismember(Ctx *c)
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

int cmd_smembers(Ctx *c)
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
