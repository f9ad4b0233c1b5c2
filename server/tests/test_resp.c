/* server/tests/test_resp.c: ftkv's RESP2 request parser and reply buffer
 * (server/resp.h), against the texts and limits of redis-server. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../resp.h"

/* A growable input buffer (the parser may unescape inline input in place). */
typedef struct In {
    char *buf;
    size_t len;
} In;

static void in_add(In *in, const void *p, size_t n)
{
    in->buf = realloc(in->buf, in->len + n + 1);
    assert_non_null(in->buf);
    memcpy(in->buf + in->len, p, n);
    in->len += n;
}

static void in_adds(In *in, const char *s) { in_add(in, s, strlen(s)); }

static void assert_arg(RespParser *p, In *in, size_t i, const char *want, size_t n)
{
    assert_true(i < p->nargs);
    assert_int_equal(p->args[i].len, n);
    assert_memory_equal(in->buf + p->args[i].off, want, n);
}

static void multibulk_whole_and_split(void **state)
{
    (void)state;
    const char *req = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n*1\r\n$4\r\nPING\r\n";
    size_t total = strlen(req);
    /* every split point, then byte by byte: same commands */
    for (size_t step = 1; step <= total; step++) {
        RespParser p;
        In in = { 0 };
        resp_parser_init(&p);
        int ncmd = 0;
        for (size_t fed = 0; fed < total;) {
            size_t n = total - fed < step ? total - fed : step;
            in_add(&in, req + fed, n);
            fed += n;
            int r;
            while ((r = resp_parse(&p, in.buf, in.len)) == RESP_COMMAND) {
                if (ncmd == 0) {
                    assert_int_equal(p.nargs, 3);
                    assert_arg(&p, &in, 0, "SET", 3);
                    assert_arg(&p, &in, 1, "k", 1);
                    assert_arg(&p, &in, 2, "hello", 5);
                } else {
                    assert_int_equal(p.nargs, 1);
                    assert_arg(&p, &in, 0, "PING", 4);
                }
                ncmd++;
                resp_parser_reset(&p);
            }
            assert_int_equal(r, RESP_NEED_MORE);
        }
        assert_int_equal(ncmd, 2);
        assert_int_equal(p.pos, total);
        resp_parser_free(&p);
        free(in.buf);
    }
}

static void binary_bulk(void **state)
{
    (void)state;
    RespParser p;
    In in = { 0 };
    resp_parser_init(&p);
    static const char req[] = "*2\r\n$4\r\nECHO\r\n$6\r\na\0\r\n\xff" "b\r\n";
    in_add(&in, req, sizeof req - 1);
    assert_int_equal(resp_parse(&p, in.buf, in.len), RESP_COMMAND);
    assert_arg(&p, &in, 1, "a\0\r\n\xff" "b", 6);
    resp_parser_free(&p);
    free(in.buf);
}

static void shift_keeps_args(void **state)
{
    (void)state;
    RespParser p;
    In in = { 0 };
    resp_parser_init(&p);
    in_adds(&in, "*1\r\n$1\r\na\r\n*2\r\n$3\r\nGET\r\n$2\r");
    assert_int_equal(resp_parse(&p, in.buf, in.len), RESP_COMMAND);
    resp_parser_reset(&p);
    assert_int_equal(resp_parse(&p, in.buf, in.len), RESP_NEED_MORE);
    size_t used = resp_parser_consumed(&p);
    assert_int_equal(used, 11);     /* the first command only */
    memmove(in.buf, in.buf + used, in.len - used);
    in.len -= used;
    resp_parser_shift(&p, used);
    in_adds(&in, "\nxy\r\n");
    assert_int_equal(resp_parse(&p, in.buf, in.len), RESP_COMMAND);
    assert_arg(&p, &in, 0, "GET", 3);
    assert_arg(&p, &in, 1, "xy", 2);
    resp_parser_free(&p);
    free(in.buf);
}

static void empty_commands_skipped(void **state)
{
    (void)state;
    RespParser p;
    In in = { 0 };
    resp_parser_init(&p);
    in_adds(&in, "*0\r\n*-1\r\n\r\n   \n*1\r\n$0\r\n\r\n");
    assert_int_equal(resp_parse(&p, in.buf, in.len), RESP_COMMAND);
    assert_int_equal(p.nargs, 1);
    assert_int_equal(p.args[0].len, 0);
    resp_parser_free(&p);
    free(in.buf);
}

/* The text of the error the parser reports for `req`. */
static const char *error_of(const char *req, size_t n)
{
    static char text[128];
    RespParser p;
    In in = { 0 };
    resp_parser_init(&p);
    in_add(&in, req, n);
    int r = resp_parse(&p, in.buf, in.len);
    assert_int_equal(r, RESP_ERROR);
    strncpy(text, p.error, sizeof text - 1);
    resp_parser_free(&p);
    free(in.buf);
    return text;
}

static void protocol_errors(void **state)
{
    (void)state;
    assert_string_equal(error_of("*1048577\r\n", 10), "Protocol error: invalid multibulk length");
    assert_string_equal(error_of("*abc\r\n", 6), "Protocol error: invalid multibulk length");
    assert_string_equal(error_of("*1\r\n$1099511627776\r\n", 21), "Protocol error: invalid bulk length");
    assert_string_equal(error_of("*1\r\n$536870913\r\n", 16), "Protocol error: invalid bulk length");
    assert_string_equal(error_of("*1\r\n$-5\r\n", 9), "Protocol error: invalid bulk length");
    assert_string_equal(error_of("*1\r\n:5\r\n", 8), "Protocol error: expected '$', got ':'");
    assert_string_equal(error_of("SET \"a b\r\n", 10), "Protocol error: unbalanced quotes in request");
    assert_string_equal(error_of("SET \"a\"b c\n", 11), "Protocol error: unbalanced quotes in request");
    /* 64 KB without a line end */
    size_t big = RESP_MAX_INLINE + 10;
    char *junk = malloc(big);
    memset(junk, 'x', big);
    assert_string_equal(error_of(junk, big), "Protocol error: too big inline request");
    junk[0] = '*';
    assert_string_equal(error_of(junk, big), "Protocol error: too big mbulk count string");
    char *req = malloc(big + 4);
    memcpy(req, "*1\r\n", 4);
    memset(req + 4, '$', big);
    assert_string_equal(error_of(req, big + 4), "Protocol error: too big bulk count string");
    free(req);
    free(junk);
}

static void limits_are_accepted(void **state)
{
    (void)state;
    /* the largest legal counts parse (and wait for their data) */
    RespParser p;
    In in = { 0 };
    resp_parser_init(&p);
    in_adds(&in, "*1048576\r\n$536870912\r\nab");
    assert_int_equal(resp_parse(&p, in.buf, in.len), RESP_NEED_MORE);
    assert_int_equal(p.multibulk, 1048576);
    assert_int_equal(p.bulklen, 536870912);
    /* the parser knows how much more it needs, and nothing was reserved
     * from the announced sizes: the argument table is still empty */
    assert_int_equal(resp_parser_wanted(&p, in.len), 536870912 + 2 - 2);
    assert_int_equal(p.cap, 0);
    resp_parser_free(&p);
    free(in.buf);
}

static void many_args_grow(void **state)
{
    (void)state;
    RespParser p;
    In in = { 0 };
    resp_parser_init(&p);
    int n = 5000;
    char hdr[32];
    snprintf(hdr, sizeof hdr, "*%d\r\n", n);
    in_adds(&in, hdr);
    for (int i = 0; i < n; i++)
        in_adds(&in, "$1\r\nx\r\n");
    assert_int_equal(resp_parse(&p, in.buf, in.len), RESP_COMMAND);
    assert_int_equal(p.nargs, (size_t)n);
    resp_parser_reset(&p);
    assert_int_equal(p.cap, 0);     /* a big table is not kept */
    resp_parser_free(&p);
    free(in.buf);
}

static void inline_commands(void **state)
{
    (void)state;
    RespParser p;
    In in = { 0 };
    resp_parser_init(&p);
    in_adds(&in, "set  \"a\\x41\\n\" 'it\\'s' plain\r\nPING\n");
    assert_int_equal(resp_parse(&p, in.buf, in.len), RESP_COMMAND);
    assert_int_equal(p.nargs, 4);
    assert_arg(&p, &in, 0, "set", 3);
    assert_arg(&p, &in, 1, "aA\n", 3);
    assert_arg(&p, &in, 2, "it's", 4);
    assert_arg(&p, &in, 3, "plain", 5);
    resp_parser_reset(&p);
    assert_int_equal(resp_parse(&p, in.buf, in.len), RESP_COMMAND);
    assert_arg(&p, &in, 0, "PING", 4);
    resp_parser_reset(&p);
    assert_int_equal(resp_parse(&p, in.buf, in.len), RESP_NEED_MORE);
    resp_parser_free(&p);
    free(in.buf);
}

static void string2ll_is_redis_canonical(void **state)
{
    (void)state;
    long long v;
    assert_true(resp_string2ll("0", 1, &v) && v == 0);
    assert_true(resp_string2ll("-12", 3, &v) && v == -12);
    assert_true(resp_string2ll("9223372036854775807", 19, &v) && v == INT64_MAX);
    assert_true(resp_string2ll("-9223372036854775808", 20, &v) && v == INT64_MIN);
    assert_false(resp_string2ll("9223372036854775808", 19, &v));
    assert_false(resp_string2ll("-9223372036854775809", 20, &v));
    assert_false(resp_string2ll("+1", 2, &v));
    assert_false(resp_string2ll("01", 2, &v));
    assert_false(resp_string2ll("-0", 2, &v));
    assert_false(resp_string2ll(" 1", 2, &v));
    assert_false(resp_string2ll("1 ", 2, &v));
    assert_false(resp_string2ll("", 0, &v));
    assert_false(resp_string2ll("-", 1, &v));
    assert_false(resp_string2ll("1a", 2, &v));
}

static void replies(void **state)
{
    (void)state;
    RespOut o = { 0 };
    resp_out_simple(&o, "OK");
    resp_out_error(&o, "ERR bad\r\nthing");
    resp_out_int(&o, -42);
    resp_out_int(&o, INT64_MIN);
    resp_out_int(&o, 0);
    resp_out_bulk(&o, "a\0b", 3);
    resp_out_bulk(&o, "", 0);
    resp_out_null(&o);
    resp_out_array(&o, 2);
    resp_out_null_array(&o);
    const char want[] = "+OK\r\n-ERR bad  thing\r\n:-42\r\n:-9223372036854775808\r\n:0\r\n$3\r\na\0b\r\n$0\r\n\r\n$-1\r\n*2\r\n*-1\r\n";
    assert_int_equal(o.len, sizeof want - 1);
    assert_memory_equal(o.buf, want, sizeof want - 1);
    o.sent = 5;
    resp_out_compact(&o);
    assert_int_equal(o.len, sizeof want - 6);
    assert_memory_equal(o.buf, want + 5, o.len);
    resp_out_free(&o);
    char num[32];
    assert_int_equal(resp_ll2str(num, 1234567890123LL), 13);
    assert_string_equal(num, "1234567890123");
    assert_int_equal(resp_ll2str(num, INT64_MAX), 19);
    assert_string_equal(num, "9223372036854775807");
}

/* Seeded random inputs made of RESP fragments and garbage, fed in random
 * chunks: the parser never reads or points outside the bytes it was given,
 * every command it returns has its arguments inside the consumed part, and
 * it either errors, waits, or makes progress (bounded steps). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void fuzz_fragments(void **state)
{
    (void)state;
    static const char *const frags[] = {
        "*", "$", "\r\n", "\r", "\n", "0", "1", "2", "3", "-1", "-", "+", "10",
        "99999999999999999999", "1048577", "536870913", "GET", "SET", "k",
        "\"", "'", "\\", "\\x4", "\\x41", " ", "\t", ":", "\0", "\xff",
        "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", "PING\r\n", "*0\r\n",
    };
    const size_t nfrags = sizeof frags / sizeof frags[0];
    for (int round = 0; round < 3000; round++) {
        char input[512];
        size_t len = 0;
        int pieces = 1 + (int)(rng() % 40);
        for (int i = 0; i < pieces; i++) {
            const char *f = frags[rng() % nfrags];
            size_t fl = strlen(f);
            if (f[0] == '\0' || (fl == 1 && rng() % 7 == 0))
                fl = 1;                     /* lets a NUL byte in */
            if (len + fl > sizeof input)
                break;
            memcpy(input + len, f, fl);
            len += fl;
        }
        RespParser p;
        In in = { 0 };
        resp_parser_init(&p);
        size_t fed = 0;
        int steps = 0, done = 0;
        while (!done && steps++ < 10000) {
            if (fed < len) {
                size_t n = 1 + rng() % 16;
                if (n > len - fed)
                    n = len - fed;
                in_add(&in, input + fed, n);
                fed += n;
            }
            int r = resp_parse(&p, in.buf, in.len);
            assert_true(p.pos <= in.len);
            if (r == RESP_COMMAND) {
                assert_true(p.nargs > 0);
                for (size_t i = 0; i < p.nargs; i++)
                    assert_true(p.args[i].off + p.args[i].len <= p.pos);
                resp_parser_reset(&p);
            } else if (r == RESP_ERROR) {
                assert_non_null(p.error);
                assert_true(strncmp(p.error, "Protocol error: ", 16) == 0);
                done = 1;
            } else {
                assert_int_equal(r, RESP_NEED_MORE);
                if (fed == len)
                    done = 1;
            }
        }
        assert_true(done);
        resp_parser_free(&p);
        free(in.buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(multibulk_whole_and_split),
        cmocka_unit_test(binary_bulk),
        cmocka_unit_test(shift_keeps_args),
        cmocka_unit_test(empty_commands_skipped),
        cmocka_unit_test(protocol_errors),
        cmocka_unit_test(limits_are_accepted),
        cmocka_unit_test(many_args_grow),
        cmocka_unit_test(inline_commands),
        cmocka_unit_test(string2ll_is_redis_canonical),
        cmocka_unit_test(replies),
        cmocka_unit_test(fuzz_fragments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
