/* tests/test_bytes.c: the bytes type and the str <-> bytes codecs.
 * Differential cases (repr, hash, UTF-8 strict/replace and latin-1
 * decoding, comparison, find) come from python3 through
 * tests/gen_bytes_data.py (tests/data/bytes_cases.tsv); the rest is
 * hand-written: keys, sizes, slicing, encoding errors, the UTF-8 cache
 * under threads, allocation failure of every constructor. */
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>

static FtObject *B(const char *s, FtSsize n)
{
    FtObject *b = ft_bytes_from_buffer(s, n < 0 ? (FtSsize)strlen(s) : n);
    assert_non_null(b);
    return b;
}

static FtObject *S(const char *s)
{
    FtObject *o = ft_str_from_utf8(s, -1);
    assert_non_null(o);
    return o;
}

static void assert_bytes(FtObject *b, const char *want, FtSsize n)
{
    assert_non_null(b);
    assert_true(ft_is_bytes(b));
    assert_int_equal(ft_bytes_size(b), n);
    assert_memory_equal(ft_bytes_data(b), want, (size_t)n);
    assert_int_equal(ft_bytes_data(b)[n], 0);
}

static void assert_repr(FtObject *o, const char *want)
{
    FtObject *r = ft_repr(o);
    assert_non_null(r);
    assert_string_equal(ft_str_as_utf8(r, NULL), want);
    ft_decref(r);
}

/* ---- differential ---- */

static size_t unhex(const char *h, size_t hl, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i + 1 < hl + 1 && i < hl; i += 2) {
        unsigned v;
        assert_int_equal(sscanf(h + i, "%2x", &v), 1);
        out[n++] = (char)v;
    }
    return n;
}

#define MAXF 8

/* Split a line into tab-separated fields (in place). */
static int fields(char *line, char **f)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p; p++)
        if (*p == '\t' && n < MAXF) {
            *p = 0;
            f[n++] = p + 1;
        }
    return n;
}

static FtObject *from_hex(const char *h)
{
    static char buf[4096];
    size_t n = unhex(h, strlen(h), buf);
    return B(buf, (FtSsize)n);
}

static void check_utf8_hex(FtObject *s, const char *h)
{
    assert_non_null(s);
    FtSsize n;
    const char *u = ft_str_as_utf8_and_size(s, &n);
    assert_non_null(u);
    char buf[8192];
    size_t m = unhex(h, strlen(h), buf);
    assert_int_equal((size_t)n, m);
    assert_memory_equal(u, buf, m);
}

static void test_differential(void **state)
{
    (void)state;
    const char *dir = getenv("FTRT_TEST_DATA");
    char path[1024];
    snprintf(path, sizeof path, "%s/bytes_cases.tsv", dir ? dir : "tests/data");
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (set FTRT_TEST_DATA)", path);
    static char line[16384];
    int nb = 0, ncmp = 0, nfind = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        char *fl[MAXF];
        int n = fields(line, fl);
        if (strcmp(fl[0], "b") == 0) {
            assert_int_equal(n, 7);
            FtObject *b = from_hex(fl[1]);
            assert_repr(b, fl[2]);
            assert_int_equal(ft_hash(b), strtoll(fl[3], NULL, 10));
            FtObject *s = ft_bytes_decode(b, FT_ENC_UTF8, FT_ERRORS_STRICT);
            if (fl[4][0] == '1') {
                check_utf8_hex(s, fl[5]);
                ft_decref(s);
            } else {
                assert_null(s);
                assert_int_equal(ft_error_kind(), FT_ERR_UNICODE);
                ft_error_clear();
            }
            s = ft_bytes_decode(b, FT_ENC_UTF8, FT_ERRORS_REPLACE);
            check_utf8_hex(s, fl[5]);
            ft_decref(s);
            s = ft_bytes_decode(b, FT_ENC_LATIN1, FT_ERRORS_STRICT);
            check_utf8_hex(s, fl[6]);
            /* latin-1 round trip */
            FtObject *back = ft_str_encode(s, FT_ENC_LATIN1, FT_ERRORS_STRICT);
            assert_int_equal(ft_compare_bool(back, b, FT_EQ), 1);
            ft_decref(back);
            ft_decref(s);
            ft_decref(b);
            nb++;
        } else if (strcmp(fl[0], "cmp") == 0) {
            FtObject *a = from_hex(fl[1]), *b = from_hex(fl[2]);
            int want = atoi(fl[3]);
            assert_int_equal(ft_compare_bool(a, b, FT_LT), want < 0);
            assert_int_equal(ft_compare_bool(a, b, FT_LE), want <= 0);
            assert_int_equal(ft_compare_bool(a, b, FT_EQ), want == 0);
            assert_int_equal(ft_compare_bool(a, b, FT_NE), want != 0);
            assert_int_equal(ft_compare_bool(a, b, FT_GT), want > 0);
            assert_int_equal(ft_compare_bool(a, b, FT_GE), want >= 0);
            if (want == 0)
                assert_int_equal(ft_hash(a), ft_hash(b));
            ft_decref(a);
            ft_decref(b);
            ncmp++;
        } else if (strcmp(fl[0], "find") == 0) {
            FtObject *h = from_hex(fl[1]), *s = from_hex(fl[2]);
            assert_int_equal(ft_bytes_find(h, s, atoi(fl[3]), atoi(fl[4])),
                             atoi(fl[5]));
            ft_decref(h);
            ft_decref(s);
            nfind++;
        } else {
            fail_msg("bad line kind %s", fl[0]);
        }
    }
    fclose(f);
    assert_true(nb > 500 && ncmp > 200 && nfind > 200);
}

/* ---- hand-written ---- */

static void test_basic(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtObject *a = B("ab\0c", 4), *e = B("", 0);
    assert_bytes(a, "ab\0c", 4);
    assert_bytes(e, "", 0);
    assert_int_equal(ft_len(a), 4);
    const char *p;
    FtSsize n;
    assert_int_equal(ft_bytes_as_buffer(a, &p, &n), 0);
    assert_ptr_equal(p, ft_bytes_data(a));
    assert_int_equal(n, 4);
    /* sizes: CPython 3.11's 33 + n, plus our 16 extra header bytes */
    assert_int_equal(ft_sizeof(e), 33 + 0 + 16);
    assert_int_equal(ft_sizeof(a), 33 + 4 + 16);

    FtObject *c = ft_bytes_concat(a, a);
    assert_bytes(c, "ab\0cab\0c", 8);
    FtObject *c2 = ft_bytes_concat(a, e);
    assert_ptr_equal(c2, a);
    ft_decref(c2);
    FtObject *sl = ft_bytes_slice(c, 2, -1);
    assert_bytes(sl, "\0cab\0", 5);
    ft_decref(sl);
    sl = ft_bytes_slice(c, -100, 100);
    assert_ptr_equal(sl, c);
    ft_decref(sl);
    sl = ft_bytes_slice(c, 5, 2);
    assert_bytes(sl, "", 0);
    ft_decref(sl);
    FtObject *sub = B("\0c", 2);
    assert_int_equal(ft_bytes_find(c, sub, 0, 100), 2);
    assert_int_equal(ft_bytes_find(c, sub, 3, 100), 6);
    assert_int_equal(ft_bytes_find(c, sub, 3, 7), -1);
    assert_int_equal(ft_contains(c, sub), 1);
    FtObject *i99 = ft_int_from_i64('c'), *i300 = ft_int_from_i64(300);
    assert_int_equal(ft_contains(c, i99), 1);
    assert_int_equal(ft_contains(c, i300), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    ft_error_clear();
    ft_decref(i99);
    ft_decref(i300);
    ft_decref(sub);

    /* errors */
    FtObject *s = S("abc");
    assert_null(ft_bytes_data(s));
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    assert_int_equal(ft_bytes_size(NULL), -1);
    assert_null(ft_bytes_concat(a, s));
    assert_int_equal(ft_bytes_find(a, s, 0, 10), -2);
    assert_null(ft_bytes_from_buffer(NULL, 3));
    assert_int_equal(ft_error_kind(), FT_ERR_STATE);      /* NULL policy */
    assert_null(ft_bytes_from_buffer("x", -1));
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    ft_error_clear();
    ft_decref(s);
    ft_decref(c);
    ft_decref(a);
    ft_decref(e);
    assert_live_equal(before, live_snapshot());
}

static void test_keys_and_str(void **state)
{
    (void)state;
    FtObject *b = B("abc", -1), *b2 = B("abc", -1), *s = S("abc");
    /* same hash as the str with the same latin-1 characters (CPython) */
    assert_int_equal(ft_hash(b), ft_hash(s));
    assert_int_equal(ft_compare_bool(b, s, FT_EQ), 0);
    assert_int_equal(ft_compare_bool(b, s, FT_NE), 1);
    assert_int_equal(ft_compare_bool(b, b2, FT_EQ), 1);
    FtObject *d = ft_dict_new(), *one = ft_int_from_i64(1), *two = ft_int_from_i64(2);
    assert_int_equal(ft_dict_set_item(d, b, one), 0);
    assert_int_equal(ft_dict_set_item(d, s, two), 0);
    assert_int_equal(ft_len(d), 2);
    FtObject *v = ft_dict_get_item(d, b2);
    assert_ptr_equal(v, one);
    ft_decref(v);
    FtObject *set = ft_set_new(NULL);
    assert_int_equal(ft_set_add(set, b), 0);
    assert_int_equal(ft_set_contains(set, b2), 1);
    assert_int_equal(ft_set_contains(set, s), 0);
    assert_repr(d, "{b'abc': 1, 'abc': 2}");
    ft_decref(set);
    ft_decref(d);
    ft_decref(one);
    ft_decref(two);
    ft_decref(b);
    ft_decref(b2);
    ft_decref(s);
}

static void test_codecs(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    FtObject *s = S("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80");   /* héllo € 😀 */
    FtObject *u = ft_str_encode(s, FT_ENC_UTF8, FT_ERRORS_STRICT);
    assert_bytes(u, "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 15);
    FtObject *back = ft_bytes_decode(u, FT_ENC_UTF8, FT_ERRORS_STRICT);
    assert_int_equal(ft_str_equal(back, s), 1);
    ft_decref(back);
    ft_decref(u);

    assert_null(ft_str_encode(s, FT_ENC_LATIN1, FT_ERRORS_STRICT));
    assert_int_equal(ft_error_kind(), FT_ERR_UNICODE);
    assert_string_equal(ft_error_message(), "'latin-1' codec can't encode character "
                        "'\\u20ac' in position 6: ordinal not in range(256)");
    ft_error_clear();
    FtObject *l = ft_str_encode(s, FT_ENC_LATIN1, FT_ERRORS_REPLACE);
    assert_bytes(l, "h\xe9llo ? ?", 9);                  /* 'héllo ? ?' */
    ft_decref(l);

    /* lone surrogates: strict fails, replace writes '?' (Python) */
    uint32_t cps[] = { 'a', 0xD800, 'b', 0xDFFF };
    FtObject *sur = ft_str_from_ucs4(cps, 4);
    assert_non_null(sur);
    assert_null(ft_str_encode(sur, FT_ENC_UTF8, FT_ERRORS_STRICT));
    assert_int_equal(ft_error_kind(), FT_ERR_UNICODE);
    assert_string_equal(ft_error_message(), "'utf-8' codec can't encode character "
                        "'\\ud800' in position 1: surrogates not allowed");
    ft_error_clear();
    u = ft_str_encode(sur, FT_ENC_UTF8, FT_ERRORS_REPLACE);
    assert_bytes(u, "a?b?", 4);
    ft_decref(u);
    assert_null(ft_str_as_utf8_and_size(sur, NULL));
    assert_int_equal(ft_error_kind(), FT_ERR_UNICODE);
    ft_error_clear();
    ft_decref(sur);

    /* str_from_latin1, and as_utf8_and_size caches */
    FtObject *lat = ft_str_from_latin1("caf\xe9\0!", 6);
    assert_int_equal(ft_str_length(lat), 6);
    assert_int_equal(ft_str_read_char(lat, 3), 0xE9);
    FtSsize n;
    const char *p = ft_str_as_utf8_and_size(lat, &n);
    assert_int_equal(n, 7);
    assert_memory_equal(p, "caf\xc3\xa9\0!", 8);
    assert_ptr_equal(ft_str_as_utf8_and_size(lat, NULL), p);
    ft_decref(lat);

    /* argument errors */
    assert_null(ft_str_encode(u = B("x", 1), FT_ENC_UTF8, FT_ERRORS_STRICT));
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    assert_null(ft_bytes_decode(s, FT_ENC_UTF8, FT_ERRORS_STRICT));
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    assert_null(ft_bytes_decode(u, (FtEncoding)7, FT_ERRORS_STRICT));
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    assert_null(ft_str_as_utf8_and_size(u, NULL));
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    assert_null(ft_str_from_latin1(NULL, 2));
    assert_int_equal(ft_error_kind(), FT_ERR_STATE);      /* NULL policy */
    assert_null(ft_str_from_latin1("x", -1));
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    ft_error_clear();
    ft_decref(u);
    ft_decref(s);
    ft_freelists_clear();
    assert_live_equal(before, live_snapshot());
}

/* ---- the UTF-8 cache, filled by racing threads ---- */

static FtObject *shared_str;
static const char *seen[4];

static void *utf8_reader(void *arg)
{
    intptr_t i = (intptr_t)arg;
    FtSsize n;
    seen[i] = ft_str_as_utf8_and_size(shared_str, &n);
    assert_int_equal(n, 3 * 1000);
    return NULL;
}

static void test_utf8_cache_threads(void **state)
{
    (void)state;
    for (int round = 0; round < 20; round++) {
        uint32_t cps[1000];
        for (int i = 0; i < 1000; i++)
            cps[i] = 0x20AC;
        shared_str = ft_str_from_ucs4(cps, 1000);
        assert_non_null(shared_str);
        pthread_t t[4];
        for (intptr_t i = 0; i < 4; i++)
            assert_int_equal(ft_thread_start(&t[i], utf8_reader, (void *)i), 0);
        for (int i = 0; i < 4; i++)
            assert_int_equal(ft_thread_join(t[i], NULL), 0);
        for (int i = 1; i < 4; i++)
            assert_ptr_equal(seen[i], seen[0]);
        assert_memory_equal(seen[0], "\xe2\x82\xac", 3);
        FT_CLEAR(shared_str);
    }
}

/* ---- allocation failure ---- */

static FtObject *c_from_buffer(FtObject *a, FtObject *b)
{
    (void)a; (void)b;
    return ft_bytes_from_buffer("hello", 5);
}
static FtObject *c_concat(FtObject *a, FtObject *b) { return ft_bytes_concat(a, b); }
static FtObject *c_slice(FtObject *a, FtObject *b) { (void)b; return ft_bytes_slice(a, 1, 3); }
static FtObject *c_repr(FtObject *a, FtObject *b) { (void)b; return ft_repr(a); }
static FtObject *c_encode_utf8(FtObject *a, FtObject *b)
{
    (void)a;
    return ft_str_encode(b, FT_ENC_UTF8, FT_ERRORS_REPLACE);
}
static FtObject *c_encode_latin1(FtObject *a, FtObject *b)
{
    (void)a;
    return ft_str_encode(b, FT_ENC_LATIN1, FT_ERRORS_REPLACE);
}
static FtObject *c_decode_replace(FtObject *a, FtObject *b)
{
    (void)b;
    return ft_bytes_decode(a, FT_ENC_UTF8, FT_ERRORS_REPLACE);
}
static FtObject *c_decode_latin1(FtObject *a, FtObject *b)
{
    (void)b;
    return ft_bytes_decode(a, FT_ENC_LATIN1, FT_ERRORS_STRICT);
}
static FtObject *c_from_latin1(FtObject *a, FtObject *b)
{
    (void)a; (void)b;
    return ft_str_from_latin1("\xe9t\xe9", 3);
}

static void test_oom(void **state)
{
    (void)state;
    FtObject *a = B("\xff\xe2\x82 'x\" \n", -1), *s = S("h\xc3\xa9llo \xe2\x82\xac!");
    ft_test_oom_loop(c_from_buffer, NULL, NULL, 10);
    ft_test_oom_loop(c_concat, a, a, 10);
    ft_test_oom_loop(c_slice, a, NULL, 10);
    ft_test_oom_loop(c_repr, a, NULL, 10);
    ft_test_oom_loop(c_encode_utf8, NULL, s, 10);
    ft_test_oom_loop(c_encode_latin1, NULL, s, 10);
    ft_test_oom_loop(c_decode_replace, a, NULL, 10);
    ft_test_oom_loop(c_decode_latin1, a, NULL, 10);
    ft_test_oom_loop(c_from_latin1, NULL, NULL, 10);
    ft_decref(a);
    ft_decref(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_differential),
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_keys_and_str),
        cmocka_unit_test(test_codecs),
        cmocka_unit_test(test_utf8_cache_threads),
        cmocka_unit_test(test_oom),
    };
    return cmocka_run_group_tests_name("bytes", tests, ft_test_group_setup,
                                       ft_test_group_teardown);
}
