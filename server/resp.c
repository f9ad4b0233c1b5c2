/* server/resp.c: RESP2 request parsing and reply building (server/resp.h
 * says what is accepted, the limits and the error texts).
 *
 * Single-threaded by construction: a parser and its buffers belong to one
 * connection, which belongs to one worker thread.
 */
#include "resp.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Parser ---- */

void resp_parser_init(RespParser *p)
{
    memset(p, 0, sizeof *p);
    p->bulklen = -1;
}

void resp_parser_free(RespParser *p)
{
    free(p->args);
    p->args = NULL;
    p->cap = p->nargs = 0;
}

void resp_parser_reset(RespParser *p)
{
    p->nargs = 0;
    p->multibulk = 0;
    p->bulklen = -1;
    /* Do not keep a huge table from one giant command. */
    if (p->cap > 1024) {
        free(p->args);
        p->args = NULL;
        p->cap = 0;
    }
}

size_t resp_parser_consumed(const RespParser *p)
{
    return p->multibulk > 0 ? p->start : p->pos;
}

void resp_parser_shift(RespParser *p, size_t n)
{
    p->pos -= n;
    p->start -= n;
    for (size_t i = 0; i < p->nargs; i++)
        p->args[i].off -= n;
}

size_t resp_parser_wanted(const RespParser *p, size_t len)
{
    if (p->multibulk == 0 || p->bulklen < 0)
        return 0;
    size_t need = p->pos + (size_t)p->bulklen + 2;
    return need > len ? need - len : 0;
}

int resp_string2ll(const char *s, size_t len, long long *out)
{
    if (len == 0 || len > 20)
        return 0;
    if (len == 1 && s[0] == '0') {
        *out = 0;
        return 1;
    }
    size_t i = 0;
    int neg = 0;
    if (s[0] == '-') {
        neg = 1;
        i = 1;
        if (len == 1)
            return 0;
    }
    if (s[i] < '1' || s[i] > '9')
        return 0;
    unsigned long long v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (ULLONG_MAX - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (unsigned long long)LLONG_MAX + 1)
            return 0;
        *out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
    } else {
        if (v > (unsigned long long)LLONG_MAX)
            return 0;
        *out = (long long)v;
    }
    return 1;
}

static int fail(RespParser *p, const char *msg)
{
    p->error = msg;
    return RESP_ERROR;
}

static int push_arg(RespParser *p, size_t off, size_t len)
{
    if (p->nargs == p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 16;
        RespArg *na = realloc(p->args, ncap * sizeof *na);
        if (!na)
            return -1;
        p->args = na;
        p->cap = ncap;
    }
    p->args[p->nargs].off = off;
    p->args[p->nargs].len = len;
    p->nargs++;
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0';
}

/* sdssplitargs on buf[start, end), unescaping in place (the unescaped text
 * is never longer than the escaped one, and each argument's output starts at
 * or before its input). 0 ok, -1 unbalanced quotes, -2 no memory. */
static int split_inline(RespParser *p, char *buf, size_t start, size_t end)
{
    size_t i = start;
    for (;;) {
        while (i < end && is_blank(buf[i]))
            i++;
        if (i >= end)
            return 0;
        size_t out = i, argstart = i;
        int inq = 0, insq = 0, done = 0;
        while (!done) {
            if (inq) {
                if (i >= end)
                    return -1;
                if (buf[i] == '\\' && i + 3 < end && buf[i + 1] == 'x' &&
                    hexval(buf[i + 2]) >= 0 && hexval(buf[i + 3]) >= 0) {
                    buf[out++] = (char)(hexval(buf[i + 2]) * 16 + hexval(buf[i + 3]));
                    i += 4;
                } else if (buf[i] == '\\' && i + 1 < end) {
                    char c;
                    i++;
                    switch (buf[i]) {
                    case 'n': c = '\n'; break;
                    case 'r': c = '\r'; break;
                    case 't': c = '\t'; break;
                    case 'b': c = '\b'; break;
                    case 'a': c = '\a'; break;
                    default: c = buf[i]; break;
                    }
                    buf[out++] = c;
                    i++;
                } else if (buf[i] == '"') {
                    /* closing quote must be followed by a space or nothing */
                    if (i + 1 < end && !is_blank(buf[i + 1]))
                        return -1;
                    done = 1;
                    i++;
                } else {
                    buf[out++] = buf[i++];
                }
            } else if (insq) {
                if (i >= end)
                    return -1;
                if (buf[i] == '\\' && i + 1 < end && buf[i + 1] == '\'') {
                    buf[out++] = '\'';
                    i += 2;
                } else if (buf[i] == '\'') {
                    if (i + 1 < end && !is_blank(buf[i + 1]))
                        return -1;
                    done = 1;
                    i++;
                } else {
                    buf[out++] = buf[i++];
                }
            } else {
                if (i >= end || is_blank(buf[i])) {
                    done = 1;
                } else if (buf[i] == '"') {
                    inq = 1;
                    i++;
                } else if (buf[i] == '\'') {
                    insq = 1;
                    i++;
                } else {
                    buf[out++] = buf[i++];
                }
            }
        }
        if (push_arg(p, argstart, out - argstart) < 0)
            return -2;
    }
}

static int parse_inline(RespParser *p, char *buf, size_t len)
{
    char *nl = memchr(buf + p->pos, '\n', len - p->pos);
    if (!nl) {
        if (len - p->pos > RESP_MAX_INLINE)
            return fail(p, "Protocol error: too big inline request");
        return RESP_NEED_MORE;
    }
    size_t end = (size_t)(nl - buf);
    size_t next = end + 1;
    if (end > p->pos && buf[end - 1] == '\r')
        end--;
    int r = split_inline(p, buf, p->pos, end);
    if (r == -1) {
        p->nargs = 0;
        return fail(p, "Protocol error: unbalanced quotes in request");
    }
    if (r == -2)
        return RESP_NOMEM;
    p->pos = next;
    return RESP_COMMAND;
}

/* A "<c><digits>\r\n" line at p->pos: 1 with *ll and *next, 0 need more,
 * -1 too long without '\r'. Like redis, the byte after '\r' is not checked. */
static int read_count_line(RespParser *p, const char *buf, size_t len,
                           long long *ll, int *ok, size_t *next)
{
    const char *cr = memchr(buf + p->pos, '\r', len - p->pos);
    if (!cr)
        return len - p->pos > RESP_MAX_INLINE ? -1 : 0;
    size_t crpos = (size_t)(cr - buf);
    if (crpos + 1 >= len)
        return 0;                               /* the '\n' is not here yet */
    *ok = resp_string2ll(buf + p->pos + 1, crpos - p->pos - 1, ll);
    *next = crpos + 2;
    return 1;
}

static int parse_multibulk(RespParser *p, char *buf, size_t len)
{
    long long ll = 0;
    int ok = 0;
    size_t next;
    if (p->multibulk == 0) {
        p->start = p->pos;
        int r = read_count_line(p, buf, len, &ll, &ok, &next);
        if (r < 0)
            return fail(p, "Protocol error: too big mbulk count string");
        if (r == 0)
            return RESP_NEED_MORE;
        if (!ok || ll > RESP_MAX_MULTIBULK)
            return fail(p, "Protocol error: invalid multibulk length");
        p->pos = next;
        if (ll <= 0)
            return RESP_COMMAND;                /* empty: nargs == 0 */
        p->multibulk = ll;
        p->bulklen = -1;
    }
    while (p->multibulk > 0) {
        if (p->bulklen < 0) {
            int r = read_count_line(p, buf, len, &ll, &ok, &next);
            if (r < 0)
                return fail(p, "Protocol error: too big bulk count string");
            if (r == 0)
                return RESP_NEED_MORE;
            if (buf[p->pos] != '$') {
                char c = buf[p->pos];
                snprintf(p->errbuf, sizeof p->errbuf,
                         "Protocol error: expected '$', got '%c'", c);
                return fail(p, p->errbuf);
            }
            if (!ok || ll < 0 || ll > RESP_MAX_BULK)
                return fail(p, "Protocol error: invalid bulk length");
            p->pos = next;
            p->bulklen = ll;
        }
        if (len - p->pos < (size_t)p->bulklen + 2)
            return RESP_NEED_MORE;
        if (push_arg(p, p->pos, (size_t)p->bulklen) < 0)
            return RESP_NOMEM;
        p->pos += (size_t)p->bulklen + 2;
        p->bulklen = -1;
        p->multibulk--;
    }
    return RESP_COMMAND;
}

int resp_parse(RespParser *p, char *buf, size_t len)
{
    for (;;) {
        if (p->pos >= len)
            return RESP_NEED_MORE;
        int r;
        if (p->multibulk > 0 || buf[p->pos] == '*')
            r = parse_multibulk(p, buf, len);
        else
            r = parse_inline(p, buf, len);
        if (r == RESP_COMMAND && p->nargs == 0) {
            resp_parser_reset(p);               /* empty command: skip */
            continue;
        }
        return r;
    }
}

/* ---- Reply buffer ---- */

void resp_out_free(RespOut *o)
{
    free(o->buf);
    memset(o, 0, sizeof *o);
}

static int reserve(RespOut *o, size_t n)
{
    if (o->oom)
        return -1;
    if (o->cap - o->len >= n)
        return 0;
    size_t ncap = o->cap ? o->cap : 1024;
    while (ncap - o->len < n) {
        if (ncap > SIZE_MAX / 2) {
            o->oom = 1;
            return -1;
        }
        ncap *= 2;
    }
    char *nb = realloc(o->buf, ncap);
    if (!nb) {
        o->oom = 1;
        return -1;
    }
    o->buf = nb;
    o->cap = ncap;
    return 0;
}

void resp_out_append(RespOut *o, const void *p, size_t n)
{
    if (n == 0 || reserve(o, n) < 0)
        return;
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

void resp_out_simple(RespOut *o, const char *s)
{
    size_t n = strlen(s);
    if (reserve(o, n + 3) < 0)
        return;
    o->buf[o->len++] = '+';
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len++] = '\r';
    o->buf[o->len++] = '\n';
}

void resp_out_error(RespOut *o, const char *msg)
{
    size_t n = strlen(msg);
    if (reserve(o, n + 3) < 0)
        return;
    o->buf[o->len++] = '-';
    for (size_t i = 0; i < n; i++) {
        char c = msg[i];
        o->buf[o->len++] = (c == '\r' || c == '\n') ? ' ' : c;
    }
    o->buf[o->len++] = '\r';
    o->buf[o->len++] = '\n';
}

void resp_out_errorf(RespOut *o, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    resp_out_error(o, tmp);
}

/* "<prefix><v>\r\n" into tmp (at least 24 bytes); returns the length.
 * By hand: snprintf was the largest user-space cost of a reply. */
static size_t format_prefixed(char *tmp, char prefix, long long v)
{
    char digits[20];
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    size_t nd = 0;
    do {
        digits[nd++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t n = 0;
    tmp[n++] = prefix;
    if (v < 0)
        tmp[n++] = '-';
    while (nd)
        tmp[n++] = digits[--nd];
    tmp[n++] = '\r';
    tmp[n++] = '\n';
    return n;
}

size_t resp_ll2str(char *buf, long long v)
{
    char tmp[32];
    size_t n = format_prefixed(tmp, ' ', v) - 3;    /* no prefix, no CRLF */
    memcpy(buf, tmp + 1, n);
    buf[n] = '\0';
    return n;
}

static void prefixed_number(RespOut *o, char prefix, long long v)
{
    char tmp[32];
    resp_out_append(o, tmp, format_prefixed(tmp, prefix, v));
}

void resp_out_int(RespOut *o, long long v) { prefixed_number(o, ':', v); }
void resp_out_array(RespOut *o, long long n) { prefixed_number(o, '*', n); }
void resp_out_null(RespOut *o) { resp_out_append(o, "$-1\r\n", 5); }
void resp_out_null_array(RespOut *o) { resp_out_append(o, "*-1\r\n", 5); }

void resp_out_bulk(RespOut *o, const void *p, size_t n)
{
    char tmp[32];
    size_t h = format_prefixed(tmp, '$', (long long)n);
    if (reserve(o, h + n + 2) < 0)
        return;
    memcpy(o->buf + o->len, tmp, h);
    o->len += h;
    if (n)
        memcpy(o->buf + o->len, p, n);
    o->len += n;
    o->buf[o->len++] = '\r';
    o->buf[o->len++] = '\n';
}

void resp_out_compact(RespOut *o)
{
    if (o->sent == 0)
        return;
    memmove(o->buf, o->buf + o->sent, o->len - o->sent);
    o->len -= o->sent;
    o->sent = 0;
    /* Give back a large buffer once it is drained. */
    if (o->len == 0 && o->cap > 1024 * 1024) {
        free(o->buf);
        o->buf = NULL;
        o->cap = 0;
    }
}
