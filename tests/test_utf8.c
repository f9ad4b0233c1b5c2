/* tests/test_utf8.c: strict UTF-8 decoding (every error class with its
 * offset and byte), encoding, and the ASCII fast path. */
#include "testutil.h"
#include "runtime/str_impl.h"
#include <stdio.h>

static void expect_error(const char *bytes, FtSsize len, const char *message)
{
    FtObject *s = ft_str_from_utf8(bytes, len);
    assert_null(s);
    assert_int_equal(ft_error_kind(), FT_ERR_UNICODE);
    assert_string_equal(ft_error_message(), message);
    ft_error_clear();
}

static void boundaries(void **state)
{
    (void)state;
    struct { const char *u; uint32_t cp; } cases[] = {
        { "\x7f", 0x7F }, { "\xc2\x80", 0x80 }, { "\xdf\xbf", 0x7FF },
        { "\xe0\xa0\x80", 0x800 }, { "\xed\x9f\xbf", 0xD7FF },
        { "\xee\x80\x80", 0xE000 }, { "\xef\xbf\xbf", 0xFFFF },
        { "\xf0\x90\x80\x80", 0x10000 }, { "\xf4\x8f\xbf\xbf", 0x10FFFF },
    };
    for (size_t i = 0; i < FT_ARRAY_LEN(cases); i++) {
        FtObject *s = ft_str_from_utf8(cases[i].u, -1);
        assert_non_null(s);
        assert_int_equal(ft_str_length(s), 1);
        assert_int_equal(ft_str_read_char(s, 0), cases[i].cp);
        FtSsize n;
        const char *back = ft_str_as_utf8(s, &n);
        assert_int_equal(n, (FtSsize)strlen(cases[i].u));
        assert_memory_equal(back, cases[i].u, (size_t)n);
        ft_decref(s);
    }
}

static void invalid_start(void **state)
{
    (void)state;
    expect_error("abc\xff", -1, "invalid start byte 0xff at offset 3");
    expect_error("\x80", -1, "invalid start byte 0x80 at offset 0");       /* stray continuation */
    expect_error("ab\xbf" "cd", -1, "invalid start byte 0xbf at offset 2");
    expect_error("\xc0\x80", -1, "invalid start byte 0xc0 at offset 0");   /* overlong NUL */
    expect_error("\xc1\xbf", -1, "invalid start byte 0xc1 at offset 0");   /* overlong */
    expect_error("\xf5\x80\x80\x80", -1, "invalid start byte 0xf5 at offset 0"); /* > U+10FFFF */
    expect_error("\xf8\x88\x80\x80\x80", -1, "invalid start byte 0xf8 at offset 0");
    expect_error("\xfe", -1, "invalid start byte 0xfe at offset 0");
    /* the ASCII fast path runs over whole words before the bad byte */
    char buf[64];
    for (int at = 0; at < 40; at++) {
        memset(buf, 'a', sizeof buf);
        buf[at] = (char)0x92;
        char want[64];
        snprintf(want, sizeof want, "invalid start byte 0x92 at offset %d", at);
        expect_error(buf, 48, want);
    }
}

static void invalid_continuation(void **state)
{
    (void)state;
    expect_error("\xe0\x80\x80", -1,
                 "invalid continuation byte 0x80 after 0xe0 at offset 0"); /* overlong */
    expect_error("\xf0\x8f\xbf\xbf", -1,
                 "invalid continuation byte 0x8f after 0xf0 at offset 0"); /* overlong */
    expect_error("x\xed\xa0\x80", -1,
                 "invalid continuation byte 0xa0 after 0xed at offset 1"); /* surrogate */
    expect_error("\xed\xbf\xbf", -1,
                 "invalid continuation byte 0xbf after 0xed at offset 0");
    expect_error("\xf4\x90\x80\x80", -1,
                 "invalid continuation byte 0x90 after 0xf4 at offset 0"); /* > U+10FFFF */
    expect_error("\xe2\x28\xa1", -1,
                 "invalid continuation byte 0x28 after 0xe2 at offset 0");
    expect_error("ab\xe2\x82\x28", -1,
                 "invalid continuation byte 0x28 after 0xe2 at offset 2");
    expect_error("\xc3\x28", -1,
                 "invalid continuation byte 0x28 after 0xc3 at offset 0");
    expect_error("\xf0\x9f\x98" "a", -1,
                 "invalid continuation byte 0x61 after 0xf0 at offset 0");
}

static void truncated(void **state)
{
    (void)state;
    expect_error("\xe2\x82", -1, "unexpected end of data after 0xe2 at offset 0");
    expect_error("abc\xc3", -1, "unexpected end of data after 0xc3 at offset 3");
    expect_error("\xf0\x9f\x98", -1, "unexpected end of data after 0xf0 at offset 0");
    /* an explicit length that cuts a sequence */
    expect_error("\xe2\x82\xac", 2, "unexpected end of data after 0xe2 at offset 0");
    /* ... but a bad prefix is reported as such even at the end */
    expect_error("\xed\xa0", -1, "invalid continuation byte 0xa0 after 0xed at offset 0");
}

static void lengths_and_nul(void **state)
{
    (void)state;
    FtObject *s = ft_str_from_utf8("a\0b\xc3\xa9", 5);
    assert_non_null(s);
    assert_int_equal(ft_str_length(s), 4);
    assert_int_equal(ft_str_read_char(s, 1), 0);
    FtSsize n;
    const char *u = ft_str_as_utf8(s, &n);
    assert_int_equal(n, 5);
    assert_memory_equal(u, "a\0b\xc3\xa9", 6);
    ft_decref(s);
    s = ft_str_from_utf8("abc", 2);
    assert_int_equal(ft_str_length(s), 2);
    ft_decref(s);
}

/* Every scalar value, 4096 at a time, decodes and re-encodes exactly. */
static void all_code_points(void **state)
{
    (void)state;
    uint32_t cps[4096];
    for (uint32_t base = 0; base < 0x110000; base += 4096) {
        FtSsize n = 0;
        for (uint32_t c = base; c < base + 4096; c++)
            if (c < 0xD800 || c > 0xDFFF)
                cps[n++] = c;
        if (n == 0)
            continue;
        FtObject *s = ft_str_from_ucs4(cps, n);
        assert_non_null(s);
        FtSsize len;
        const char *u = ft_str_as_utf8(s, &len);
        assert_non_null(u);
        FtObject *t = ft_str_from_utf8(u, len);
        assert_non_null(t);
        assert_true(ft_str_equal(s, t));
        assert_int_equal(ft_str_kind(t), ft__str_kind_for(cps[n - 1]));
        for (FtSsize i = 0; i < n; i++)
            assert_int_equal(ft_str_read_char(t, i), cps[i]);
        ft_decref(t);
        ft_decref(s);
    }
}

static void long_mixed(void **state)
{
    (void)state;
    /* ASCII runs of every length around the word size between multibyte
     * characters exercise both paths of the validator */
    char buf[4096];
    size_t k = 0;
    FtSsize chars = 0;
    for (int run = 0; run < 20 && k < sizeof buf - 64; run++) {
        for (int i = 0; i < run; i++, chars++)
            buf[k++] = (char)('a' + i);
        memcpy(buf + k, "\xf0\x9f\x98\x80", 4);
        k += 4;
        chars++;
    }
    FtObject *s = ft_str_from_utf8(buf, (FtSsize)k);
    assert_non_null(s);
    assert_int_equal(ft_str_length(s), chars);
    assert_int_equal(ft_str_kind(s), 4);
    FtSsize n;
    const char *u = ft_str_as_utf8(s, &n);
    assert_int_equal(n, (FtSsize)k);
    assert_memory_equal(u, buf, k);
    ft_decref(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(boundaries),
        cmocka_unit_test(invalid_start),
        cmocka_unit_test(invalid_continuation),
        cmocka_unit_test(truncated),
        cmocka_unit_test(lengths_and_nul),
        cmocka_unit_test(all_code_points),
        cmocka_unit_test(long_mixed),
    };
    return cmocka_run_group_tests_name("utf8", tests, ft_test_group_setup,
                                       ft_test_group_teardown);
}
