/* server/cmd.h: what ftkv's commands share (internal to server/): the
 * keyspace's layout, the atomicity rules every command follows, the
 * helpers (server/keyspace.c) and the command functions of the table
 * (server/commands.c).
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
 *     critical section while they copy it out (LRANGE copies the item
 *     pointers and builds the reply after the section).
 * A critical section is suspended only if the thread detaches inside it;
 * nothing here blocks inside one, and nested ftrt calls on db or the value
 * find their lock already held by the section.
 */
#ifndef FTKV_CMD_H
#define FTKV_CMD_H

#include "server.h"

#define RETRIES 1000            /* compare-and-set loops: then give up */

extern const char WRONGTYPE[], NOTINT[], SYNTAX[], OOMERR[];

typedef struct Ctx {
    Server *s;
    RespOut *out;
    int argc;
    const char **argv;
    const size_t *argl;
    const char *name;           /* lower-case command name */
} Ctx;

typedef int (*CmdFunc)(Ctx *c);

/* ---- Helpers (server/keyspace.c) ---- */

/* Reply with the pending ftrt error and clear it; returns CMD_CONTINUE. */
int reply_fterr(Ctx *c);
FtObject *arg_bytes(Ctx *c, int i);                 /* argv[i] as bytes */
/* A string value: an int if the text is a canonical int64, else bytes. */
FtObject *make_string(const char *p, size_t n);
int arg_ll(Ctx *c, int i, long long *v);            /* 1 canonical int64 */
int arg_is(Ctx *c, int i, const char *word);        /* case-insensitive */

/* Entries: the value, or (value, deadline). */
FtObject *entry_value(FtObject *e);                 /* borrowed */
int64_t entry_deadline(FtObject *e);                /* -1: no TTL */
int entry_expired(FtObject *e, int64_t now);
FtObject *rewrap(FtObject *e, FtObject *value);     /* value with e's TTL */
FtObject *with_deadline(FtObject *value, int64_t deadline);
void note_expiring(Server *s, FtObject *key);       /* for the sampler */
/* The live entry of key: 1 (*entry new ref), 0 missing or expired (an
 * expired entry is deleted if it is still the one there), -1 error. */
int lookup_live(Server *s, FtObject *key, FtObject **entry);
int lookup_arg(Ctx *c, int i, FtObject **entry);    /* of argv[i] */

enum { T_NONE, T_STRING, T_LIST, T_HASH, T_SET, T_OTHER };
int type_of(FtObject *v);
void reply_string(Ctx *c, FtObject *v);             /* bytes or int */
size_t string_len(FtObject *v);
FtObject *string_as_bytes(FtObject *v);

/* ---- The commands of the table ---- */
int cmd_append(Ctx *c);
int cmd_config(Ctx *c);
int cmd_dbsize(Ctx *c);
int cmd_debug(Ctx *c);
int cmd_decr(Ctx *c);
int cmd_decrby(Ctx *c);
int cmd_del(Ctx *c);
int cmd_echo(Ctx *c);
int cmd_exists(Ctx *c);
int cmd_expire(Ctx *c);
int cmd_flushall(Ctx *c);
int cmd_get(Ctx *c);
int cmd_hdel(Ctx *c);
int cmd_hget(Ctx *c);
int cmd_hgetall(Ctx *c);
int cmd_hlen(Ctx *c);
int cmd_hset(Ctx *c);
int cmd_incr(Ctx *c);
int cmd_incrby(Ctx *c);
int cmd_info(Ctx *c);
int cmd_llen(Ctx *c);
int cmd_lpop(Ctx *c);
int cmd_lpush(Ctx *c);
int cmd_lpushx(Ctx *c);
int cmd_lrange(Ctx *c);
int cmd_memory(Ctx *c);
int cmd_mget(Ctx *c);
int cmd_mset(Ctx *c);
int cmd_persist(Ctx *c);
int cmd_pexpire(Ctx *c);
int cmd_ping(Ctx *c);
int cmd_pttl(Ctx *c);
int cmd_quit(Ctx *c);
int cmd_rpop(Ctx *c);
int cmd_rpush(Ctx *c);
int cmd_rpushx(Ctx *c);
int cmd_sadd(Ctx *c);
int cmd_scard(Ctx *c);
int cmd_select(Ctx *c);
int cmd_set(Ctx *c);
int cmd_sismember(Ctx *c);
int cmd_smembers(Ctx *c);
int cmd_srem(Ctx *c);
int cmd_strlen(Ctx *c);
int cmd_ttl(Ctx *c);
int cmd_type(Ctx *c);

#endif /* FTKV_CMD_H */
