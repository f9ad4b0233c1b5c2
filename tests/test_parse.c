/* tests/test_parse.c: ft_float_from_string against python3's float()
 * (tests/gen_parse_data.py -> tests/data/float_parse.tsv: grammar,
 * underscores, whitespace, inf/nan, correct rounding, overflow), the
 * locale independence, and the strict decimal integer parsers. */
#include "testutil.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>

static double parse_ok(const char *s)
{
    FtObject *f = ft_float_from_string(s, -1);
    if (!f)
        fail_msg("'%s': %s", s, ft_error_message());
    double v = ft_float_as_double(f);
    ft_decref(f);
    return v;
}

static void parse_err(const char *s, FtSsize len)
{
    FtObject *f = ft_float_from_string(s, len);
    if (f)
        fail_msg("'%s' parsed as %g", s, ft_float_as_double(f));
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    ft_error_clear();
}

static void test_float_cases(void **state)
{
    (void)state;
    assert_true(parse_ok("1_000.5") == 1000.5);
    assert_true(parse_ok(" 1e5 ") == 1e5);
    assert_true(isnan(parse_ok("nan")));
    assert_true(isnan(parse_ok("-NaN")));
    assert_true(parse_ok("-inf") == -INFINITY);
    assert_true(parse_ok("+Infinity") == INFINITY);
    assert_true(parse_ok("1e400") == INFINITY);
    assert_true(parse_ok("-1e400") == -INFINITY);
    assert_true(parse_ok("1e-400") == 0.0);
    double z = parse_ok("-0");
    assert_true(z == 0.0 && signbit(z));
    assert_true(parse_ok(".5") == 0.5);
    assert_true(parse_ok("5.") == 5.0);
    assert_true(parse_ok("0.1") == 0.1);
    parse_err("_1", -1);
    parse_err("1_", -1);
    parse_err("1__0", -1);
    parse_err("1_.5", -1);
    parse_err("1._5", -1);
    parse_err("0x10", -1);
    parse_err("0x1p3", -1);
    parse_err("", -1);
    parse_err("   ", -1);
    parse_err(".", -1);
    parse_err("e5", -1);
    parse_err("1e", -1);
    parse_err("infinit", -1);
    parse_err("1 2", -1);
    parse_err("1\0" "2", 3);                 /* embedded NUL */
    FtObject *f = ft_float_from_string("1__0", -1);
    assert_null(f);
    assert_string_equal(ft_error_message(), "could not convert string to float: '1__0'");
    ft_error_clear();
    /* explicit length: only the first 3 bytes */
    f = ft_float_from_string("1.5garbage", 3);
    assert_non_null(f);
    assert_true(ft_float_as_double(f) == 1.5);
    ft_decref(f);
    /* long input (heap buffer) */
    char big[1000];
    memset(big, '1', sizeof big - 1);
    big[sizeof big - 1] = 0;
    assert_true(parse_ok(big) == INFINITY);          /* 999 digits */
    big[0] = '.';
    assert_true(parse_ok(big) == 1.0 / 9.0);
}

static void test_float_locale(void **state)
{
    (void)state;
    /* A decimal-comma locale must not change the grammar (if present). */
    if (!setlocale(LC_NUMERIC, "de_DE.UTF-8") && !setlocale(LC_NUMERIC, "fr_FR.UTF-8"))
        skip();
    assert_true(parse_ok("1.5") == 1.5);
    parse_err("1,5", -1);
    setlocale(LC_NUMERIC, "C");
}

static void test_float_differential(void **state)
{
    (void)state;
    const char *dir = getenv("FTRT_TEST_DATA");
    char path[1024];
    snprintf(path, sizeof path, "%s/float_parse.tsv", dir ? dir : "tests/data");
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open %s (set FTRT_TEST_DATA)", path);
    char line[1024], text[512];
    int n = 0, errs = 0;
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\n")] = 0;
        char *tab = strchr(line, '\t');
        assert_non_null(tab);
        *tab = 0;
        size_t len = 0;
        for (char *h = line; *h; h += 2) {
            unsigned v;
            assert_int_equal(sscanf(h, "%2x", &v), 1);
            text[len++] = (char)v;
        }
        text[len] = 0;
        FtObject *f = ft_float_from_string(text, (FtSsize)len);
        if (strcmp(tab + 1, "ERR") == 0) {
            if (f)
                fail_msg("line %d: '%s' should fail, got %a", n + 1, text,
                         ft_float_as_double(f));
            assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
            ft_error_clear();
            errs++;
        } else {
            if (!f)
                fail_msg("line %d: '%s': %s", n + 1, text, ft_error_message());
            double want = strtod(tab + 1, NULL), got = ft_float_as_double(f);
            if (isnan(want))
                assert_true(isnan(got));
            else if (memcmp(&want, &got, sizeof got) != 0)
                fail_msg("line %d: '%s': got %a want %a", n + 1, text, got, want);
            ft_decref(f);
        }
        n++;
    }
    fclose(fp);
    assert_true(n > 3000 && errs > 500 && n - errs > 1000);
}

static void test_int_strict(void **state)
{
    (void)state;
    int64_t v = 7;
    assert_int_equal(ft_parse_int64_strict("12345", -1, &v), 0);
    assert_int_equal(v, 12345);
    assert_int_equal(ft_parse_int64_strict("-9223372036854775808", -1, &v), 0);
    assert_true(v == INT64_MIN);
    assert_int_equal(ft_parse_int64_strict("+9223372036854775807", -1, &v), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(ft_parse_int64_strict("007", -1, &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(ft_parse_int64_strict("12x", 2, &v), 0);
    assert_int_equal(v, 12);
    v = 99;
    assert_int_equal(ft_parse_int64_strict("9223372036854775808", -1, &v), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_OVERFLOW);
    assert_int_equal(ft_parse_int64_strict("-9223372036854775809", -1, &v), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_OVERFLOW);
    assert_int_equal(ft_parse_int64_strict("99999999999999999999999", -1, &v), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_OVERFLOW);
    assert_int_equal(v, 99);
    const char *bad[] = { "", "-", "+", " 1", "1 ", "1_000", "0x10", "1.0",
                          "--1", "+-1", "1e3", "\xd9\xa1" };
    for (size_t i = 0; i < FT_ARRAY_LEN(bad); i++) {
        assert_int_equal(ft_parse_int64_strict(bad[i], -1, &v), -1);
        assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
        assert_null(ft_int_from_decimal_strict(bad[i], -1));
        assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
        ft_error_clear();
    }
    assert_int_equal(ft_parse_int64_strict("1\0" "2", 3, &v), -1);
    ft_error_clear();
    FtObject *i = ft_int_from_decimal_strict("-123456789012345678901234567890", -1);
    assert_non_null(i);
    FtObject *t = ft_int_to_string(i, 10);
    assert_true(ft_str_equal_cstr(t, "-123456789012345678901234567890"));
    ft_decref(t);
    ft_decref(i);
    i = ft_int_from_decimal_strict("+42", -1);
    assert_int_equal(ft_int_as_i64(i, &v), 0);
    assert_int_equal(v, 42);
    ft_decref(i);
}

static FtObject *c_float(FtObject *a, FtObject *b)
{
    (void)a; (void)b;
    char big[300];
    memset(big, '3', sizeof big - 1);
    big[0] = '.';
    big[sizeof big - 1] = 0;
    return ft_float_from_string(big, -1);
}

static FtObject *c_int(FtObject *a, FtObject *b)
{
    (void)a; (void)b;
    return ft_int_from_decimal_strict("123456789012345678901234567890", -1);
}

static void test_oom(void **state)
{
    (void)state;
    ft_test_oom_loop(c_float, NULL, NULL, 10);
    ft_test_oom_loop(c_int, NULL, NULL, 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_float_cases),
        cmocka_unit_test(test_float_locale),
        cmocka_unit_test(test_float_differential),
        cmocka_unit_test(test_int_strict),
        cmocka_unit_test(test_oom),
    };
    return cmocka_run_group_tests_name("parse", tests, ft_test_group_setup,
                                       ft_test_group_teardown);
}
