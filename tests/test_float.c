/* tests/test_float.c: float objects: the free list, arithmetic and its
 * errors, mixed int/float operations and exact comparisons, hash, repr,
 * sizes, allocation failure. Bulk repr/op data: test_number_diff.c.
 */
#include "testutil.h"
#include "runtime/int_impl.h"
#include <math.h>

/* Temporaries made by F() are released at the end of each test. */
static FtObject *temps[128];
static int ntemps;

static FtObject *F(double v)
{
    FtObject *f = ft_float_from_double(v);
    assert_non_null(f);
    assert_true(ntemps < 128);
    temps[ntemps++] = ft_newref(f);
    return f;
}

static int release_temps(void **state)
{
    while (ntemps > 0)
        ft_decref(temps[--ntemps]);
    return 0;
}

static void assert_error(FtErrorKind kind)
{
    assert_int_equal(ft_error_kind(), kind);
    ft_error_clear();
}

static void assert_float(FtObject *r, double want)
{
    assert_non_null(r);
    assert_true(ft_is_float(r));
    double got = ft_float_as_double(r);
    assert_true(got == want && signbit(got) == signbit(want));
    ft_decref(r);
}

static void test_free_list(void **state)
{
    ft_freelists_clear();
    FtObject *a = ft_float_from_double(1.0);
    void *addr = a;
    ft_decref(a);
    FtObject *b = ft_float_from_double(2.0);   /* the block comes back from the list */
    assert_ptr_equal(b, addr);
    assert_true(ft_float_as_double(b) == 2.0);
    ft_decref(b);
    FtObject *z = F(0.0);
    assert_int_equal(ft_sizeof(z), 40);
    ft_decref(z);
}

static void test_arith_errors(void **state)
{
    FtObject *x = F(7.0), *z = F(0.0), *nz = F(-0.0), *iz = ft_int_from_i64(0);
    assert_null(ft_float_truediv(x, z));
    assert_error(FT_ERR_ZERO_DIVISION);
    assert_null(ft_float_floordiv(x, nz));
    assert_error(FT_ERR_ZERO_DIVISION);
    assert_null(ft_float_mod(x, iz));
    assert_error(FT_ERR_ZERO_DIVISION);
    assert_null(ft_number_truediv(x, iz));
    assert_error(FT_ERR_ZERO_DIVISION);
    assert_null(ft_float_pow(z, F(-1.0)));
    assert_error(FT_ERR_ZERO_DIVISION);
    assert_null(ft_float_pow(F(-8.0), F(1.0 / 3)));
    assert_error(FT_ERR_VALUE);
    assert_null(ft_float_pow(F(10.0), F(400.0)));
    assert_error(FT_ERR_OVERFLOW);
    assert_null(ft_number_add(x, FT_NONE));
    assert_error(FT_ERR_TYPE);
    assert_true(ft_number_as_double(FT_NONE) == -1.0);
    assert_error(FT_ERR_TYPE);
    /* int operand too large for a double */
    FtObject *big = ft_int_lshift(ft_int_from_i64(1), ft_int_from_i64(1100));
    assert_null(ft_number_add(big, x));
    assert_error(FT_ERR_OVERFLOW);
    ft_decref(big);
    /* Python's floor semantics */
    assert_float(ft_float_floordiv(F(-7.0), F(2.0)), -4.0);
    assert_float(ft_float_mod(F(-7.0), F(2.0)), 1.0);
    assert_float(ft_float_mod(F(7.0), F(-2.0)), -1.0);
    assert_float(ft_float_mod(F(-0.0), F(2.0)), 0.0);
    assert_float(ft_float_mod(F(0.0), F(-2.0)), -0.0);
    assert_float(ft_float_floordiv(F(1.0), F(0.1)), 9.0);
    assert_float(ft_float_mod(F(1.0), F(0.1)), fmod(1.0, 0.1));
    ft_decref(x);
}

static void test_mixed(void **state)
{
    FtObject *one = ft_int_from_i64(1), *half = F(0.5), *r;
    assert_float(ft_number_add(one, half), 1.5);
    assert_float(ft_number_mul(FT_TRUE, half), 0.5);
    assert_float(ft_number_sub(half, one), -0.5);
    r = ft_number_add(one, FT_TRUE);
    assert_ptr_equal(r, ft_int_from_i64(2));
    r = ft_number_floordiv(ft_int_from_i64(-7), ft_int_from_i64(2));
    assert_ptr_equal(r, ft_int_from_i64(-4));
    r = ft_number_mod(ft_int_from_i64(-7), ft_int_from_i64(2));
    assert_ptr_equal(r, ft_int_from_i64(1));
    assert_float(ft_number_truediv(ft_int_from_i64(1), ft_int_from_i64(4)), 0.25);
    assert_float(ft_number_floordiv(F(7.5), ft_int_from_i64(2)), 3.0);
    assert_float(ft_number_mod(F(7.5), ft_int_from_i64(-2)), -0.5);
    assert_true(ft_number_as_double(FT_TRUE) == 1.0);
    /* exact comparisons: 2**53 + 1 is not 2.0**53 */
    FtObject *p53 = ft_int_lshift(one, ft_int_from_i64(53));
    FtObject *p53p1 = ft_int_add(p53, one), *f53 = F(9007199254740992.0);
    assert_int_equal(ft_compare_bool(p53p1, f53, FT_GT), 1);
    assert_int_equal(ft_compare_bool(f53, p53p1, FT_LT), 1);
    assert_int_equal(ft_compare_bool(f53, p53, FT_EQ), 1);
    assert_true(ft_hash(f53) == ft_hash(p53));
    FtObject *nan = F(NAN), *inf = F(INFINITY);
    assert_int_equal(ft_compare_bool(nan, one, FT_EQ), 0);
    assert_int_equal(ft_compare_bool(nan, one, FT_NE), 1);
    assert_int_equal(ft_compare_bool(one, nan, FT_LT), 0);
    assert_int_equal(ft_compare_bool(nan, nan, FT_EQ), 1);   /* identity */
    FtObject *nan2 = F(NAN);
    assert_int_equal(ft_compare_bool(nan, nan2, FT_EQ), 0);
    FtObject *huge = ft_int_lshift(one, ft_int_from_i64(5000));
    assert_int_equal(ft_compare_bool(inf, huge, FT_GT), 1);
    assert_int_equal(ft_compare_bool(huge, F(1e308), FT_GT), 1);
    assert_int_equal(ft_compare_bool(F(0.5), ft_int_from_i64(0), FT_GT), 1);
    assert_int_equal(ft_compare_bool(F(-0.5), ft_int_from_i64(0), FT_LT), 1);
    /* a float compared with a str is not ordered */
    assert_int_equal(ft_compare_bool(half, FT_NONE, FT_EQ), 0);
    assert_int_equal(ft_compare_bool(half, FT_NONE, FT_LT), -1);
    assert_error(FT_ERR_TYPE);
    assert_true(ft_hash(half) == ft_hash(F(0.5)));
    assert_true(ft_hash(F(-1.0)) == -2);
    assert_true(ft_hash(inf) == 314159);
    assert_true(ft_hash(nan) != ft_hash(nan2));
    ft_decref(p53); ft_decref(p53p1); ft_decref(f53); ft_decref(nan);
    ft_decref(nan2); ft_decref(inf); ft_decref(huge); ft_decref(half);
}

static void test_repr(void **state)
{
    static const struct { double v; const char *s; } cases[] = {
        { 1e16, "1e+16" }, { -0.0, "-0.0" }, { 0.1, "0.1" }, { 1e-05, "1e-05" },
        { 123456789012345.0, "123456789012345.0" }, { INFINITY, "inf" },
        { -INFINITY, "-inf" }, { NAN, "nan" }, { 1e22, "1e+22" }, { 0.0001, "0.0001" },
        { 5e-324, "5e-324" }, { 1.7976931348623157e308, "1.7976931348623157e+308" },
        { 2.5, "2.5" }, { 1e15, "1000000000000000.0" },
    };
    char buf[32];
    for (size_t i = 0; i < FT_ARRAY_LEN(cases); i++) {
        int n = ft_double_repr(cases[i].v, buf, sizeof buf);
        assert_int_equal(n, (int)strlen(cases[i].s));
        assert_string_equal(buf, cases[i].s);
        FtObject *f = F(cases[i].v), *s = ft_repr(f);
        assert_true(ft_str_equal_cstr(s, cases[i].s));
        ft_decref(s);
        ft_decref(f);
    }
    assert_int_equal(ft_double_repr(0.1, buf, 3), -1);    /* "0.1" + NUL */
    assert_int_equal(ft_double_repr(0.1, buf, 4), 3);
}

static FtObject *c_float(void *arg) { return ft_float_from_double(3.25); }
static FtObject *c_add(void *arg) { return ft_number_add(FT_TRUE, arg); }
static FtObject *c_repr(void *arg) { return ft_repr(arg); }

/* ft_float_as_double converts an int as PyFloat_AsDouble does (it used to
 * abort on anything but a float). */
static void test_as_double_of_int(void **state)
{
    (void)state;
    FtObject *i = ft_int_from_i64(-7), *b = ft_bool_from(1);
    assert_true(ft_float_as_double(i) == -7.0);
    assert_true(ft_float_as_double(b) == 1.0);
    FtObject *big = ft_int_from_string("9007199254740993", -1, 10);  /* 2**53 + 1 */
    assert_true(ft_float_as_double(big) == 9007199254740992.0);     /* rounded */
    FtObject *huge = ft_int_from_string("1" "0000000000" "0000000000", -1, 10);
    FtObject *e = ft_int_from_i64(400), *h = ft_int_pow(huge, e, NULL);
    assert_true(ft_float_as_double(h) == -1.0);
    assert_int_equal(ft_error_kind(), FT_ERR_OVERFLOW);
    ft_error_clear();
    FtObject *s = ft_str_from_utf8("1.5", -1);
    assert_true(ft_float_as_double(s) == -1.0);
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    assert_string_equal(ft_error_message(), "must be real number, not str");
    ft_error_clear();
    FtObject *objs[] = { i, big, huge, e, h, s };
    for (size_t k = 0; k < FT_ARRAY_LEN(objs); k++)
        ft_decref(objs[k]);
}

static void test_oom(void **state)
{
    FtObject *(*ctors[])(void *) = { c_float, c_add, c_repr };
    FtObject *x = F(0.75);
    for (size_t i = 0; i < FT_ARRAY_LEN(ctors); i++) {
        ft_freelists_clear();
        LiveSnapshot before = live_snapshot();
        for (long n = 1;; n++) {
            ft_debug_fail_alloc_after(n);
            FtObject *r = ctors[i](x);
            long pending = ft_debug_fail_alloc_pending();
            ft_debug_fail_alloc_after(0);
            if (r) {
                ft_decref(r);
                if (pending > 0)
                    break;
                continue;
            }
            assert_int_equal(ft_error_kind(), FT_ERR_MEMORY);
            ft_error_clear();
            ft_freelists_clear();
            assert_live_equal(before, live_snapshot());
        }
        ft_freelists_clear();
        assert_live_equal(before, live_snapshot());
    }
    ft_decref(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_free_list, release_temps),
        cmocka_unit_test_teardown(test_arith_errors, release_temps),
        cmocka_unit_test_teardown(test_mixed, release_temps),
        cmocka_unit_test_teardown(test_repr, release_temps),
        cmocka_unit_test(test_as_double_of_int),
        cmocka_unit_test_teardown(test_oom, release_temps),
    };
    return cmocka_run_group_tests_name("float", tests, ft_test_group_setup,
                                       ft_test_group_teardown);
}
