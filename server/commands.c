/* server/commands.c: the command table and dispatch, the connection and
 * server commands (PING, ECHO, QUIT, SELECT, CONFIG GET, DBSIZE, FLUSHALL,
 * DEBUG GC, MEMORY TRIM, INFO). The keyspace and the atomicity rules:
 * server/cmd.h.
 */
#include "cmd.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <stdarg.h>
#include <strings.h>
#include <unistd.h>

/* ---- Connection and server commands ---- */

int cmd_ping(Ctx *c)
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

int cmd_echo(Ctx *c)
{
    resp_out_bulk(c->out, c->argv[1], c->argl[1]);
    return CMD_CONTINUE;
}

int cmd_quit(Ctx *c)
{
    resp_out_simple(c->out, "OK");
    return CMD_CLOSE;
}

int cmd_select(Ctx *c)
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
int cmd_config(Ctx *c)
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

int cmd_dbsize(Ctx *c)
{
    resp_out_int(c->out, (long long)ft_len(c->s->db));
    return CMD_CONTINUE;
}

int cmd_flushall(Ctx *c)
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

int cmd_debug(Ctx *c)
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

int cmd_memory(Ctx *c)
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

int cmd_info(Ctx *c)
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
