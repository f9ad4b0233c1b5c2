/* server/keyspace.c: the keyspace's entries and the helpers every command
 * uses (server/cmd.h says what an entry is and how commands stay atomic).
 */
#include "cmd.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char WRONGTYPE[] =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
const char NOTINT[] = "ERR value is not an integer or out of range";
const char SYNTAX[] = "ERR syntax error";
const char OOMERR[] = "OOM command not allowed when used memory > 'maxmemory'.";

/* ---- Helpers ---- */

/* Reply with the pending ftrt error and clear it. */
int reply_fterr(Ctx *c)
{
    if (ft_error_kind() == FT_ERR_MEMORY)
        resp_out_error(c->out, "ERR out of memory");
    else
        resp_out_errorf(c->out, "ERR internal error: %s: %s",
                        ft_error_kind_name(ft_error_kind()), ft_error_message());
    ft_error_clear();
    return CMD_CONTINUE;
}

FtObject *arg_bytes(Ctx *c, int i)
{
    return ft_bytes_from_buffer(c->argv[i], (FtSsize)c->argl[i]);
}

/* A string value: an int if the text is a canonical int64, else bytes. */
FtObject *make_string(const char *p, size_t n)
{
    long long v;
    if (n <= 20 && resp_string2ll(p, n, &v))
        return ft_int_from_i64(v);
    return ft_bytes_from_buffer(p, (FtSsize)n);
}

int arg_ll(Ctx *c, int i, long long *v)
{
    return resp_string2ll(c->argv[i], c->argl[i], v);
}

int arg_is(Ctx *c, int i, const char *word)
{
    return c->argl[i] == strlen(word) && !strncasecmp(c->argv[i], word, c->argl[i]);
}

FtObject *entry_value(FtObject *e)           /* borrowed */
{
    return ft_is_tuple(e) ? ft_tuple_borrow_item(e, 0) : e;
}

int64_t entry_deadline(FtObject *e)          /* -1: no TTL */
{
    int64_t d = -1;
    if (ft_is_tuple(e) && ft_int_as_i64(ft_tuple_borrow_item(e, 1), &d) < 0) {
        ft_error_clear();
        d = -1;
    }
    return d;
}

int entry_expired(FtObject *e, int64_t now)
{
    int64_t d = entry_deadline(e);
    return d >= 0 && now > d;
}

/* value, with e's deadline if it has one: a new reference. */
FtObject *rewrap(FtObject *e, FtObject *value)
{
    if (!e || !ft_is_tuple(e)) {
        ft_incref(value);
        return value;
    }
    return ft_tuple_pack(2, value, ft_tuple_borrow_item(e, 1));
}

FtObject *with_deadline(FtObject *value, int64_t deadline)
{
    FtObject *d = ft_int_from_i64(deadline);
    if (!d)
        return NULL;
    FtObject *t = ft_tuple_pack(2, value, d);
    ft_decref(d);
    return t;
}

void note_expiring(Server *s, FtObject *key)
{
    if (ft_set_add(s->expiring, key) < 0)
        ft_error_clear();       /* only the sampler misses it; lazy expiry stays */
}

/* The live entry of key: 1 (*entry new ref), 0 missing or expired (an
 * expired entry is deleted if it is still the one there), -1 error. */
int lookup_live(Server *s, FtObject *key, FtObject **entry)
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

/* lookup_live of argument i (as bytes): same results; -1 with the error
 * set, for the caller's reply_fterr. */
int lookup_arg(Ctx *c, int i, FtObject **entry)
{
    FtObject *key = arg_bytes(c, i);
    if (!key)
        return -1;
    int r = lookup_live(c->s, key, entry);
    ft_decref(key);
    return r;
}

int type_of(FtObject *v)
{
    if (!v) return T_NONE;
    if (ft_is_bytes(v) || ft_is_int(v)) return T_STRING;
    if (ft_is_deque(v)) return T_LIST;
    if (ft_is_dict(v)) return T_HASH;
    if (ft_type_of(v) == &ft_set_type) return T_SET;
    return T_OTHER;
}

/* Reply a string value (bytes or int). */
void reply_string(Ctx *c, FtObject *v)
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

size_t string_len(FtObject *v)
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
FtObject *string_as_bytes(FtObject *v)
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

/* ---- Time and memory ---- */

/* The time commands see: a per-thread copy a worker refreshes once per
 * round (ftkv_clock_update), as redis reads the clock once per command
 * batch; threads that never refresh it read the clock each time. */
static _Thread_local int64_t tl_now_ms;

static int64_t clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ftkv_clock_update(void)
{
    return tl_now_ms = clock_ms();
}

int64_t ftkv_now_ms(void)
{
    return tl_now_ms ? tl_now_ms : clock_ms();
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
