/* server/resp.h: the RESP2 request parser and the reply buffer of ftkv.
 *
 * Plain C, no ftrt objects: a connection's bytes live in its own buffers
 * (one worker thread owns a connection, nobody else reads them), and only a
 * complete command is turned into objects (server/commands.c).
 *
 * Requests are parsed as redis-server parses them (src/networking.c,
 * processMultibulkBuffer / processInlineBuffer), with the same limits and
 * the same error texts:
 *   - multibulk: "*<n>\r\n" then n times "$<len>\r\n<len bytes>\r\n";
 *     n <= 0 is an empty command (skipped); n > RESP_MAX_MULTIBULK is
 *     "invalid multibulk length" (redis <= 6 limit; 7.x allows INT_MAX, but
 *     a server that must bound memory per client wants the smaller one);
 *     len < 0 or > RESP_MAX_BULK (512 MB, proto-max-bulk-len) is "invalid
 *     bulk length"; a count line longer than 64 KB without '\r' is "too big
 *     mbulk/bulk count string"; a non-'$' where a bulk header belongs is
 *     "expected '$', got 'c'".
 *   - inline: a line ending in "\n" (or "\r\n"), split on blanks, with
 *     "..." (C escapes, \xHH) and '...' quoting as sdssplitargs; more than
 *     64 KB without '\n' is "too big inline request"; a bad quote is
 *     "unbalanced quotes in request".
 * Every protocol error is final: the caller replies "-ERR Protocol error:
 * ..." and closes the connection after the reply (as redis does).
 *
 * Memory bound: the argument table grows by doubling from 16 entries up to
 * the announced count, never allocated from the announced count alone; the
 * input buffer only holds bytes the client actually sent (the caller caps
 * it, see resp_parser_wanted).
 */
#ifndef FTKV_RESP_H
#define FTKV_RESP_H

#include <stddef.h>
#include <stdint.h>

#define RESP_MAX_MULTIBULK (1024 * 1024)
#define RESP_MAX_BULK      (512LL * 1024 * 1024)
#define RESP_MAX_INLINE    (64 * 1024)
#define RESP_BIG_ARG       (32 * 1024)

typedef struct RespArg {
    size_t off;                 /* into the input buffer */
    size_t len;
} RespArg;

typedef struct RespParser {
    int64_t multibulk;          /* args still expected; 0 = between commands */
    int64_t bulklen;            /* -1: next is a "$<len>" line */
    RespArg *args;              /* malloc'd, grown by doubling */
    size_t nargs, cap;
    size_t pos;                 /* parse position in the input buffer */
    size_t start;               /* where the command being read began */
    const char *error;          /* the protocol error, after RESP_ERROR */
    char errbuf[64];
} RespParser;

enum {
    RESP_NEED_MORE = 0,         /* no complete command yet */
    RESP_COMMAND = 1,           /* args[0..nargs) is a complete command */
    RESP_ERROR = -1,            /* protocol error (p->error); close after reply */
    RESP_NOMEM = -2,            /* the argument table could not grow */
};

void resp_parser_init(RespParser *p);
void resp_parser_free(RespParser *p);
/* Parse from buf[p->pos .. len). The buffer may be modified in place (an
 * inline command is unescaped where it lies). On RESP_COMMAND, p->pos is
 * past the command; the caller runs it and then calls resp_parser_reset. An
 * empty command ("*0\r\n", a blank inline line) is skipped, not returned. */
int resp_parse(RespParser *p, char *buf, size_t len);
/* Forget the arguments of the command just returned. */
void resp_parser_reset(RespParser *p);
/* Bytes at the front of the buffer the parser no longer needs: everything
 * before the command it is in the middle of (its parsed arguments point
 * into the buffer), or everything it has parsed. */
size_t resp_parser_consumed(const RespParser *p);
/* The caller dropped the first n bytes of its buffer (n <= consumed). */
void resp_parser_shift(RespParser *p, size_t n);
/* How many more input bytes the parser knows it needs beyond `len` to
 * finish the bulk argument being read (0 if it does not know): lets the
 * reader size its buffer once for a large argument. */
size_t resp_parser_wanted(const RespParser *p, size_t len);

/* Redis's string2ll: a canonical decimal int64 (no '+', no leading zeros,
 * no "-0", no spaces). 1 ok, 0 not. */
int resp_string2ll(const char *s, size_t len, long long *out);

/* v in decimal into buf (at least 21 bytes), NUL-terminated; the length. */
size_t resp_ll2str(char *buf, long long v);

/* ---- Reply buffer ---- */
typedef struct RespOut {
    char *buf;
    size_t len, cap;
    size_t sent;                /* bytes already written to the socket */
    int oom;                    /* an append failed: the reply is cut */
} RespOut;

void resp_out_free(RespOut *o);
void resp_out_append(RespOut *o, const void *p, size_t n);
void resp_out_simple(RespOut *o, const char *s);      /* "+s\r\n" */
/* "-<msg>\r\n"; msg's \r and \n become spaces (as addReplyError). msg
 * starts with its code ("ERR ...", "WRONGTYPE ..."). */
void resp_out_error(RespOut *o, const char *msg);
void resp_out_errorf(RespOut *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void resp_out_int(RespOut *o, long long v);           /* ":v\r\n" */
void resp_out_bulk(RespOut *o, const void *p, size_t n);
void resp_out_null(RespOut *o);                       /* "$-1\r\n" */
void resp_out_array(RespOut *o, long long n);         /* "*n\r\n" */
void resp_out_null_array(RespOut *o);                 /* "*-1\r\n" */
/* Drop what was sent; keep the rest at the front. */
void resp_out_compact(RespOut *o);
static inline size_t resp_out_pending(const RespOut *o) { return o->len - o->sent; }

#endif /* FTKV_RESP_H */
