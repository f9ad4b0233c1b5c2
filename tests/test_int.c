/* tests/test_int.c: int, bool and None: the small-int cache, conversions
 * and their errors, literal parsing rules, arithmetic identities on large
 * values (Karatsuba and Burnikel-Ziegler sizes), sizes, and an
 * allocation-failure loop on every constructor. Bulk correctness against
 * Python lives in test_number_diff.c.
 */
#include "testutil.h"
#include "runtime/int_impl.h"
#include <math.h>
#include <stdio.h>
#include <time.h>

static FtObject *P(const char *s)
{
    FtObject *v = ft_int_from_string(s, -1, 0);
    assert_non_null(v);
    return v;
}

static void assert_int_is(FtObject *v, const char *dec)
{
    assert_non_null(v);
    char *s = ft_int_to_cstring(v, NULL);
    assert_non_null(s);
    assert_string_equal(s, dec);
    ft_mem_free(s);
}

static void assert_error(FtErrorKind kind)
{
    assert_int_equal(ft_error_kind(), kind);
    ft_error_clear();
}

static void test_small_ints(void **state)
{
    for (int64_t v = -5; v <= 256; v++) {
        FtObject *a = ft_int_from_i64(v);
        assert_ptr_equal(a, ft_int_from_i64(v));
        assert_true(ft_is_immortal(a));
    }
    FtObject *a = ft_int_from_i64(257), *b = ft_int_from_i64(257);
    assert_ptr_not_equal(a, b);
    assert_false(ft_is_immortal(a));
    FtObject *d = ft_int_sub(a, b);
    assert_ptr_equal(d, ft_int_from_i64(0));      /* results use the cache */
    ft_decref(a);
    ft_decref(b);
    FtObject *big = P("1000000000000"), *q = ft_int_floordiv(big, big);
    assert_ptr_equal(q, ft_int_from_i64(1));
    ft_decref(big);
}

static void test_c_conversions(void **state)
{
    int64_t i;
    uint64_t u;
    double dd;
    const int64_t vals[] = { 0, 1, -1, 1 << 30, -(1 << 30), INT64_MAX, INT64_MIN,
                             (int64_t)1 << 60, 123456789012345 };
    for (size_t k = 0; k < FT_ARRAY_LEN(vals); k++) {
        FtObject *v = ft_int_from_i64(vals[k]);
        assert_int_equal(ft_int_as_i64(v, &i), 0);
        assert_true(i == vals[k]);
        ft_decref(v);
    }
    FtObject *m = ft_int_from_u64(UINT64_MAX);
    assert_int_equal(ft_int_as_u64(m, &u), 0);
    assert_true(u == UINT64_MAX);
    assert_int_equal(ft_int_as_i64(m, &i), -1);
    assert_error(FT_ERR_OVERFLOW);
    FtObject *m1 = ft_int_add(m, ft_int_from_i64(1));
    assert_int_equal(ft_int_as_u64(m1, &u), -1);
    assert_error(FT_ERR_OVERFLOW);
    assert_int_equal(ft_int_as_u64(ft_int_from_i64(-1), &u), -1);
    assert_error(FT_ERR_OVERFLOW);
    assert_int_equal(ft_int_as_double(m1, &dd), 0);
    assert_true(dd == 18446744073709551616.0);
    ft_decref(m);
    ft_decref(m1);
    /* type errors */
    FtObject *f = ft_float_from_double(1.5);
    assert_int_equal(ft_int_as_i64(f, &i), -1);
    assert_error(FT_ERR_TYPE);
    assert_null(ft_int_add(f, ft_int_from_i64(1)));
    assert_error(FT_ERR_TYPE);
    ft_decref(f);
    /* doubles */
    assert_null(ft_int_from_double(INFINITY));
    assert_error(FT_ERR_OVERFLOW);
    assert_null(ft_int_from_double(NAN));
    assert_error(FT_ERR_VALUE);
    FtObject *t = ft_int_from_double(-2.9);
    assert_ptr_equal(t, ft_int_from_i64(-2));
    t = ft_int_from_double(1e300);
    assert_int_is(t, "1000000000000000052504760255204420248704468581108159154915854115511802457988908195786371375080447864043704443832883878176942523235360430575644792184786706982848387200926575803737830233794788090059368953234970799945081119038967640880074652742780142494579258788820056842838115669472196386865459400540160");
    ft_decref(t);
    /* 2**1024 does not fit a double */
    FtObject *one = ft_int_from_i64(1), *k = ft_int_from_i64(1024);
    FtObject *p = ft_int_lshift(one, k);
    assert_int_equal(ft_int_as_double(p, &dd), -1);
    assert_error(FT_ERR_OVERFLOW);
    ft_decref(p);
    ft_decref(k);
}

static void test_parse_rules(void **state)
{
    static const struct { const char *s; int base; const char *want; } ok[] = {
        { " \t-0x_1F\n", 0, "-31" }, { "0b1_01", 0, "5" }, { "0o17", 8, "15" },
        { "00", 0, "0" }, { "0_0", 0, "0" }, { "+7", 10, "7" }, { "-0", 10, "0" },
        { "z", 36, "35" }, { "Z", 36, "35" }, { "010", 10, "10" },
        { "1_000_000", 0, "1000000" }, { "0b1", 16, "177" },
    };
    for (size_t i = 0; i < FT_ARRAY_LEN(ok); i++) {
        FtObject *v = ft_int_from_string(ok[i].s, -1, ok[i].base);
        assert_int_is(v, ok[i].want);
        ft_decref(v);
    }
    static const struct { const char *s; int base; } bad[] = {
        { "", 10 }, { " ", 10 }, { "-", 10 }, { "010", 0 }, { "1__0", 10 },
        { "_1", 10 }, { "1_", 10 }, { "0x", 16 }, { "12a", 10 }, { "8", 8 },
        { "1 2", 10 }, { "+-1", 10 }, { "1.0", 10 }, { "0x1g", 0 }, { "0b2", 0 },
    };
    for (size_t i = 0; i < FT_ARRAY_LEN(bad); i++) {
        assert_null(ft_int_from_string(bad[i].s, -1, bad[i].base));
        assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
        assert_non_null(strstr(ft_error_message(), "invalid literal for int()"));
        ft_error_clear();
    }
    assert_null(ft_int_from_string("1", -1, 1));
    assert_error(FT_ERR_VALUE);
    assert_null(ft_int_from_string("1", -1, 37));
    assert_error(FT_ERR_VALUE);
    /* an explicit length may stop before a NUL and include one */
    FtObject *v = ft_int_from_string("123456", 3, 10);
    assert_int_is(v, "123");
    assert_null(ft_int_from_string("1\0" "2", 3, 10));
    assert_error(FT_ERR_VALUE);
    /* base 2, 8, 16 output */
    FtObject *n = ft_int_from_i64(-255);
    const char *want[] = { "-0b11111111", "-0o377", "-0xff" };
    int bases[] = { 2, 8, 16 };
    for (int i = 0; i < 3; i++) {
        FtObject *s = ft_int_to_string(n, bases[i]);
        assert_non_null(s);
        assert_true(ft_str_equal_cstr(s, want[i]));
        ft_decref(s);
    }
    assert_null(ft_int_to_string(n, 7));
    assert_error(FT_ERR_VALUE);
    FtObject *r = ft_repr(n);
    assert_true(ft_str_equal_cstr(r, "-255"));
    ft_decref(r);
    ft_decref(n);
}

static void test_errors(void **state)
{
    FtObject *zero = ft_int_from_i64(0), *one = ft_int_from_i64(1);
    FtObject *big = P("123456789012345678901234567890"), *q, *r;
    assert_null(ft_int_floordiv(big, zero));
    assert_error(FT_ERR_ZERO_DIVISION);
    assert_null(ft_int_mod(one, zero));
    assert_error(FT_ERR_ZERO_DIVISION);
    assert_int_equal(ft_int_divmod(big, zero, &q, &r), -1);
    assert_error(FT_ERR_ZERO_DIVISION);
    assert_null(ft_int_truediv(big, zero));
    assert_error(FT_ERR_ZERO_DIVISION);
    assert_null(ft_int_pow(big, one, zero));
    assert_error(FT_ERR_VALUE);
    FtObject *two = ft_int_from_i64(2), *four = ft_int_from_i64(4), *m1 = ft_int_from_i64(-1);
    assert_null(ft_int_pow(two, m1, four));       /* 2 has no inverse mod 4 */
    assert_error(FT_ERR_VALUE);
    assert_null(ft_int_pow(zero, m1, NULL));      /* 0 ** -1 */
    assert_error(FT_ERR_ZERO_DIVISION);
    assert_null(ft_int_lshift(one, m1));
    assert_error(FT_ERR_VALUE);
    assert_null(ft_int_rshift(one, m1));
    assert_error(FT_ERR_VALUE);
    /* huge sizes: an overflow error, not an attempt */
    FtObject *huge = P("0x10000000000000000");
    assert_null(ft_int_lshift(one, huge));
    assert_error(FT_ERR_OVERFLOW);
    FtObject *e40 = P("0x10000000000");
    assert_null(ft_int_lshift(one, e40));
    assert_error(FT_ERR_OVERFLOW);
    assert_null(ft_int_pow(two, huge, NULL));
    assert_error(FT_ERR_OVERFLOW);
    assert_null(ft_int_pow(big, e40, NULL));
    assert_error(FT_ERR_OVERFLOW);
    FtObject *z = ft_int_lshift(zero, huge);      /* 0 << huge is 0 */
    assert_ptr_equal(z, zero);
    z = ft_int_rshift(m1, huge);
    assert_ptr_equal(z, m1);
    assert_null(ft_int_random_digits(-1, &(uint64_t){1}));
    assert_error(FT_ERR_VALUE);
    FtObject *tdh = ft_int_lshift(one, ft_int_from_i64(2000));
    assert_null(ft_int_truediv(tdh, one));
    assert_error(FT_ERR_OVERFLOW);
    ft_decref(tdh);
    ft_decref(huge);
    ft_decref(e40);
    ft_decref(big);
}

static void test_bool_none(void **state)
{
    FtObject *one = ft_int_from_i64(1), *zero = ft_int_from_i64(0);
    assert_true(ft_is_int(FT_TRUE) && ft_is_bool(FT_TRUE));
    assert_true(ft_isinstance(FT_TRUE, &ft_int_type));
    assert_int_equal(ft_compare_bool(FT_TRUE, one, FT_EQ), 1);
    assert_int_equal(ft_compare_bool(one, FT_TRUE, FT_EQ), 1);
    assert_int_equal(ft_compare_bool(FT_FALSE, zero, FT_EQ), 1);
    assert_int_equal(ft_compare_bool(FT_TRUE, FT_FALSE, FT_GT), 1);
    assert_true(ft_hash(FT_TRUE) == ft_hash(one) && ft_hash(FT_TRUE) == 1);
    assert_true(ft_hash(FT_FALSE) == 0);
    FtObject *f1 = ft_float_from_double(1.0);
    assert_true(ft_hash(f1) == 1);
    assert_int_equal(ft_compare_bool(FT_TRUE, f1, FT_EQ), 1);
    ft_decref(f1);
    FtObject *s = ft_int_add(FT_TRUE, FT_TRUE);
    assert_ptr_equal(s, ft_int_from_i64(2));
    assert_ptr_equal(ft_int_abs(FT_TRUE), one);        /* plain int, not bool */
    assert_ptr_equal(ft_int_neg(FT_TRUE), ft_int_from_i64(-1));
    assert_ptr_equal(ft_int_mul(FT_TRUE, FT_FALSE), zero);
    assert_true(ft_is_immortal(FT_TRUE) && ft_is_immortal(FT_NONE));
    FtObject *r = ft_repr(FT_TRUE);
    assert_true(ft_str_equal_cstr(r, "True"));
    ft_decref(r);
    r = ft_repr(FT_FALSE);
    assert_true(ft_str_equal_cstr(r, "False"));
    ft_decref(r);
    r = ft_repr(FT_NONE);
    assert_true(ft_str_equal_cstr(r, "None"));
    ft_decref(r);
    assert_int_equal(ft_is_true(FT_NONE), 0);
    assert_int_equal(ft_is_true(zero), 0);
    assert_int_equal(ft_is_true(one), 1);
    assert_true(ft_hash(FT_NONE) != -1);
    assert_ptr_equal(ft_bool_from(5), FT_TRUE);
    int64_t m1 = -1;
    FtObject *mo = ft_int_from_i64(m1);
    assert_true(ft_hash(mo) == -2);
}

static void test_sizeof(void **state)
{
    /* docs/layouts.md: 40-byte header + 4 bytes per digit, at least one */
    FtObject *zero = ft_int_from_i64(0);
    FtObject *p30 = P("1073741824");
    FtObject *one = ft_int_from_i64(1), *k = ft_int_from_i64(511);
    FtObject *t = ft_int_lshift(one, k), *p511 = ft_int_sub(t, one);
    assert_int_equal(ft_sizeof(zero), 44);
    assert_int_equal(ft_sizeof(p30), 48);
    assert_int_equal(ft_sizeof(p511), 40 + 18 * 4);
    assert_int_equal(ft_sizeof(FT_TRUE), 44);
    assert_int_equal(ft_sizeof(FT_NONE), 32);
    ft_decref(p30);
    ft_decref(t);
    ft_decref(p511);
    ft_decref(k);
}

/* a*(b+c) == a*b + a*c and divmod identities on sizes around the
 * Karatsuba and Burnikel-Ziegler cutoffs, both signs. */
static void test_big_identities(void **state)
{
    uint64_t seed = 12345;
    assert_int_equal(ft_set_int_max_str_digits(0), 0);  /* 2000 digits * 2 */
    const FtSsize sizes[] = { 1, 2, 30, 31, 32, 33, 47, 48, 100, 140, 300, 700, 2000 };
    for (size_t i = 0; i < FT_ARRAY_LEN(sizes); i++) {
        for (size_t j = 0; j <= i; j++) {
            FtObject *a = ft_int_random_digits(sizes[i], &seed);
            FtObject *b = ft_int_random_digits(sizes[j], &seed);
            FtObject *c = ft_int_random_digits(sizes[j] + 3, &seed);
            if (j & 1) {
                FtObject *na = ft_int_neg(a);
                ft_decref(a);
                a = na;
            }
            FtObject *bc = ft_int_add(b, c), *l = ft_int_mul(a, bc);
            FtObject *ab = ft_int_mul(a, b), *ac = ft_int_mul(a, c);
            FtObject *rr = ft_int_add(ab, ac);
            assert_int_equal(ft_int_compare(l, rr), 0);
            /* divmod(l, b): q*b + r == l, 0 <= r < b */
            FtObject *q, *r;
            assert_int_equal(ft_int_divmod(l, b, &q, &r), 0);
            FtObject *qb = ft_int_mul(q, b), *back = ft_int_add(qb, r);
            assert_int_equal(ft_int_compare(back, l), 0);
            assert_true(ft_int_sign(r) >= 0 && ft_int_compare(r, b) < 0);
            /* decimal round trip */
            size_t len;
            char *s = ft_int_to_cstring(l, &len);
            FtObject *again = ft_int_from_string(s, (FtSsize)len, 10);
            assert_int_equal(ft_int_compare(again, l), 0);
            ft_mem_free(s);
            FtObject *objs[] = { a, b, c, bc, l, ab, ac, rr, q, r, qb, back, again };
            for (size_t k = 0; k < FT_ARRAY_LEN(objs); k++)
                ft_decref(objs[k]);
        }
    }
    assert_int_equal(ft_set_int_max_str_digits(FT_INT_MAX_STR_DIGITS_DEFAULT), 0);
}

/* A 1,000,000-digit decimal string parses and prints back identically.
 * The time is printed for the report, not asserted. */
static void test_million_digits(void **state)
{
    size_t n = 1000000;
    char *s = malloc(n + 1);
    uint64_t x = 88172645463325252u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        s[i] = (char)('0' + x % 10);
    }
    s[0] = '7';
    s[n] = '\0';
    assert_int_equal(ft_set_int_max_str_digits(0), 0);  /* far over 4300 */
    struct timespec t0, t1, t2;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    FtObject *v = ft_int_from_string(s, (FtSsize)n, 10);
    assert_non_null(v);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    size_t len;
    char *back = ft_int_to_cstring(v, &len);
    clock_gettime(CLOCK_MONOTONIC, &t2);
    assert_non_null(back);
    assert_int_equal(len, n);
    assert_memory_equal(back, s, n);
    print_message("1e6 digits: parse %.2f s, print %.2f s\n",
                  (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9,
                  (double)(t2.tv_sec - t1.tv_sec) + (double)(t2.tv_nsec - t1.tv_nsec) * 1e-9);
    ft_mem_free(back);
    ft_decref(v);
    free(s);
    assert_int_equal(ft_set_int_max_str_digits(FT_INT_MAX_STR_DIGITS_DEFAULT), 0);
}

static char *digits_of(size_t n, char lead)
{
    char *s = malloc(n + 1);
    memset(s, '9', n);
    s[0] = lead;
    s[n] = '\0';
    return s;
}

/* The int text limit (CPython's sys.set_int_max_str_digits): default 4300
 * digits both ways, power-of-two bases exempt, settable, 0 disables. */
static void test_max_str_digits(void **state)
{
    (void)state;
    assert_int_equal(ft_get_int_max_str_digits(), 4300);
    char *ok = digits_of(4300, '1'), *over = digits_of(4301, '1');
    FtObject *v = ft_int_from_string(ok, -1, 10);
    assert_non_null(v);
    char *back = ft_int_to_cstring(v, NULL);
    assert_string_equal(back, ok);
    ft_mem_free(back);
    FtObject *neg = ft_int_neg(v);                  /* the sign is not a digit */
    FtObject *r = ft_repr(neg);
    assert_non_null(r);
    assert_int_equal(ft_str_length(r), 4301);
    ft_decref(r);
    ft_decref(neg);
    assert_null(ft_int_from_string(over, -1, 10));
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    assert_string_equal(ft_error_message(), "Exceeds the limit (4300 digits) for "
                        "integer string conversion: value has 4301 digits; use "
                        "ft_set_int_max_str_digits() to increase the limit");
    ft_error_clear();
    /* Underscores, sign and whitespace do not count; leading zeros do. */
    char us[8700];
    size_t k = 0;
    us[k++] = ' ';
    us[k++] = '-';
    for (int i = 0; i < 4300; i++) {
        us[k++] = '5';
        if (i < 4299)
            us[k++] = '_';
    }
    us[k++] = '\0';
    FtObject *u = ft_int_from_string(us, -1, 0);
    assert_non_null(u);
    ft_decref(u);
    over[0] = '0';
    assert_null(ft_int_from_string(over, -1, 10));
    ft_error_clear();
    /* Every non-power-of-two base is limited; 2, 4, 8, 16, 32 are not. */
    for (int base = 2; base <= 36; base++) {
        char *big = digits_of(5000, '1');
        memset(big, '1', 5000);
        FtObject *b = ft_int_from_string(big, -1, base);
        int pow2 = (base & (base - 1)) == 0;
        assert_true(pow2 ? b != NULL : b == NULL);
        if (!b) {
            assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
            ft_error_clear();
        }
        ft_xdecref(b);
        free(big);
    }
    /* int -> decimal: 10**4300 has 4301 digits; hex output is not limited. */
    FtObject *ten = ft_int_from_i64(10), *e = ft_int_from_i64(4300);
    FtObject *p = ft_int_pow(ten, e, NULL);
    assert_null(ft_int_to_cstring(p, NULL));
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    assert_string_equal(ft_error_message(), "Exceeds the limit (4300 digits) for "
                        "integer string conversion; use "
                        "ft_set_int_max_str_digits() to increase the limit");
    ft_error_clear();
    assert_null(ft_repr(p));
    ft_error_clear();
    assert_null(ft_str(p));
    ft_error_clear();
    assert_null(ft_int_to_string(p, 10));
    ft_error_clear();
    FtObject *hx = ft_int_to_string(p, 16);
    assert_non_null(hx);
    ft_decref(hx);
    /* A huge value fails fast (before the superlinear conversion). */
    FtObject *huge = ft_int_random_digits(2000000, &(uint64_t){ 5 });
    assert_null(ft_int_to_cstring(huge, NULL));
    ft_error_clear();
    ft_decref(huge);
    /* Settable: below 640 (other than 0) is refused; 0 disables. */
    assert_int_equal(ft_set_int_max_str_digits(639), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    assert_string_equal(ft_error_message(), "maxdigits must be >= 640 or 0");
    ft_error_clear();
    assert_int_equal(ft_set_int_max_str_digits(-1), -1);
    ft_error_clear();
    assert_int_equal(ft_get_int_max_str_digits(), 4300);
    assert_int_equal(ft_set_int_max_str_digits(640), 0);
    char *s641 = digits_of(641, '1');
    assert_null(ft_int_from_string(s641, -1, 10));
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    ft_error_clear();
    s641[640] = '\0';
    FtObject *v640 = ft_int_from_string(s641, -1, 10);
    assert_non_null(v640);
    ft_decref(v640);
    free(s641);
    assert_int_equal(ft_set_int_max_str_digits(0), 0);
    FtObject *o = ft_int_from_string(over, -1, 10);
    assert_non_null(o);
    char *ps = ft_int_to_cstring(p, NULL);
    assert_non_null(ps);
    assert_int_equal(strlen(ps), 4301);
    ft_mem_free(ps);
    ft_decref(o);
    assert_int_equal(ft_set_int_max_str_digits(FT_INT_MAX_STR_DIGITS_DEFAULT), 0);
    ft_decref(p);
    ft_decref(ten);
    ft_decref(e);
    ft_decref(v);
    free(ok);
    free(over);
}

/* ---- Allocation failure: every constructor fails cleanly, no leak ---- */

typedef FtObject *(*Ctor)(void *arg);

static FtObject *g_a, *g_b, *g_c, *g_m, *g_p, *g_e;

static void oom_loop(const char *name, Ctor ctor, void *arg)
{
    ft_freelists_clear();
    LiveSnapshot before = live_snapshot();
    long n_points = 0;
    for (long n = 1;; n++) {
        n_points = n;
        ft_debug_fail_alloc_after(n);
        FtObject *r = ctor(arg);
        long pending = ft_debug_fail_alloc_pending();
        ft_debug_fail_alloc_after(0);
        if (r) {
            assert_false(ft_error_occurred());
            ft_decref(r);
            if (pending > 0)
                break;       /* succeeded without reaching the failure */
            continue;        /* the failure fired but was survived (cache) */
        }
        if (ft_error_kind() != FT_ERR_MEMORY)
            fail_msg("%s: n=%ld: error %s (%s)", name, n,
                     ft_error_kind_name(ft_error_kind()), ft_error_message());
        ft_error_clear();
        ft_freelists_clear();
        assert_live_equal(before, live_snapshot());
        if (n > 200000)
            fail_msg("%s: never succeeds", name);
    }
    ft_freelists_clear();
    assert_live_equal(before, live_snapshot());
    if (getenv("FT_OOM_VERBOSE"))
        print_message("oom %s: %ld allocation points\n", name, n_points);
}

static FtObject *c_from_i64(void *arg) { return ft_int_from_i64(INT64_MIN); }
static FtObject *c_from_u64(void *arg) { return ft_int_from_u64(UINT64_MAX); }
static FtObject *c_from_double(void *arg) { return ft_int_from_double(-1e300); }
static FtObject *c_parse(void *arg) { return ft_int_from_string(arg, -1, 0); }
static FtObject *c_add(void *arg) { return ft_int_add(g_a, g_b); }
static FtObject *c_sub(void *arg) { return ft_int_sub(g_b, g_a); }
static FtObject *c_mul(void *arg) { return ft_int_mul(g_a, g_b); }
static FtObject *c_floordiv(void *arg) { return ft_int_floordiv(g_a, g_b); }
static FtObject *c_mod(void *arg) { return ft_int_mod(g_a, g_b); }
static FtObject *c_truediv(void *arg) { return ft_int_truediv(g_b, g_c); }
static FtObject *c_pow(void *arg) { return ft_int_pow(g_b, ft_int_from_i64(5), NULL); }
/* A 3-digit exponent: every allocation point of the modular loop, without
 * the quadratic cost of failing each of a 4500-bit exponent's ~7000 steps. */
static FtObject *c_powmod(void *arg) { return ft_int_pow(g_a, g_e, g_m); }
static FtObject *c_powinv(void *arg) { return ft_int_pow(g_b, ft_int_from_i64(-3), g_p); }
static FtObject *c_pow_float(void *arg) { return ft_int_pow(g_m, ft_int_from_i64(-3), NULL); }
static FtObject *c_neg(void *arg) { return ft_int_neg(g_a); }
static FtObject *c_abs(void *arg) { return ft_int_abs(g_a); }
static FtObject *c_invert(void *arg) { return ft_int_invert(g_a); }
static FtObject *c_lshift(void *arg) { return ft_int_lshift(g_a, ft_int_from_i64(100)); }
static FtObject *c_rshift(void *arg) { return ft_int_rshift(g_a, ft_int_from_i64(100)); }
static FtObject *c_and(void *arg) { return ft_int_and(g_a, g_b); }
static FtObject *c_or(void *arg) { return ft_int_or(g_a, g_b); }
static FtObject *c_xor(void *arg) { return ft_int_xor(g_a, g_b); }
static FtObject *c_random(void *arg) { return ft_int_random_digits(50, &(uint64_t){7}); }
static FtObject *c_repr(void *arg) { return ft_repr(g_a); }
static FtObject *c_tostr16(void *arg) { return ft_int_to_string(g_a, 16); }
static FtObject *c_divmod(void *arg)
{
    FtObject *q, *r;
    if (ft_int_divmod(g_a, g_b, &q, &r) < 0)
        return NULL;
    ft_decref(r);
    return q;
}
static FtObject *c_cstring(void *arg)
{
    char *s = ft_int_to_cstring(g_a, NULL);
    if (!s)
        return NULL;
    ft_mem_free(s);
    return ft_int_from_i64(1);
}

static void test_oom(void **state)
{
    uint64_t seed = 99;
    FtObject *big = ft_int_random_digits(400, &seed);      /* BZ and Karatsuba sizes */
    g_a = ft_int_neg(big);
    ft_decref(big);
    g_b = ft_int_random_digits(150, &seed);
    g_m = ft_int_random_digits(20, &seed);
    g_c = ft_int_random_digits(140, &seed);
    g_p = P("0x1fffffffffffffff");     /* prime: everything is invertible */
    g_e = ft_int_random_digits(3, &seed);
    char *dec = ft_int_to_cstring(g_a, NULL);
    static const struct { const char *name; Ctor f; } ctors[] = {
        { "from_i64", c_from_i64 }, { "from_u64", c_from_u64 },
        { "from_double", c_from_double }, { "add", c_add }, { "sub", c_sub },
        { "mul", c_mul }, { "floordiv", c_floordiv }, { "mod", c_mod },
        { "divmod", c_divmod }, { "truediv", c_truediv }, { "pow", c_pow },
        { "powmod", c_powmod }, { "powinv", c_powinv }, { "pow_float", c_pow_float },
        { "neg", c_neg }, { "abs", c_abs }, { "invert", c_invert },
        { "lshift", c_lshift }, { "rshift", c_rshift }, { "and", c_and },
        { "or", c_or }, { "xor", c_xor }, { "random", c_random },
        { "repr", c_repr }, { "tostr16", c_tostr16 }, { "cstring", c_cstring },
    };
    for (size_t i = 0; i < FT_ARRAY_LEN(ctors); i++)
        oom_loop(ctors[i].name, ctors[i].f, NULL);
    oom_loop("parse_dec", c_parse, dec);
    oom_loop("parse_hex", c_parse, "-0x123456789abcdef0123456789abcdef_0");
    oom_loop("parse_small", c_parse, "12");
    ft_mem_free(dec);
    ft_decref(g_a);
    ft_decref(g_b);
    ft_decref(g_m);
    ft_decref(g_c);
    ft_decref(g_p);
    ft_decref(g_e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_ints),
        cmocka_unit_test(test_c_conversions),
        cmocka_unit_test(test_parse_rules),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_bool_none),
        cmocka_unit_test(test_sizeof),
        cmocka_unit_test(test_big_identities),
        cmocka_unit_test(test_million_digits),
        cmocka_unit_test(test_max_str_digits),
        cmocka_unit_test(test_oom),
    };
    return cmocka_run_group_tests_name("int", tests, ft_test_group_setup,
                                       ft_test_group_teardown);
}
