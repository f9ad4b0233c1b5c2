/* runtime/float.c: the float type (an IEEE double in a 40-byte object).
 *
 * Arithmetic follows Python: / // % raise FT_ERR_ZERO_DIVISION on a zero
 * divisor, // and % round toward minus infinity with the remainder taking
 * the divisor's sign, ** follows float_pow's special cases. Operands may be
 * float, int or bool (ints are converted, correctly rounded, with
 * FT_ERR_OVERFLOW past DBL_MAX). Comparisons with ints are exact.
 *
 * Floats come from the calling thread's free list FT_FL_FLOAT
 * (alloc/alloc.h says which blocks may go there). Immutable: no locks.
 */
#include "runtime/int_impl.h"
#include "runtime/numhash.h"
#include "alloc/freelist.h"
#include "runtime/init.h"
#include <math.h>

typedef struct FtFloatObject {
    FtObject ob_base;
    double ob_fval;
} FtFloatObject;

FtObject *ft_float_from_double(double v)
{
    FtObject *op = ft__object_alloc_fl_inline(&ft_float_type,
                                              sizeof(FtFloatObject), FT_FL_FLOAT, 0);
    if (!op)
        return NULL;
    ((FtFloatObject *)op)->ob_fval = v;
    return op;
}

double ft_float_as_double(FtObject *op)
{
    FT_NONNULL(-1.0, op);
    if (FT_LIKELY(ft_is_float(op)))
        return ((FtFloatObject *)op)->ob_fval;
    /* As PyFloat_AsDouble: an int converts (correctly rounded; too large:
     * FT_ERR_OVERFLOW), anything else is FT_ERR_TYPE. */
    return ft_number_as_double(op);
}

double ft_number_as_double(FtObject *op)
{
    FT_NONNULL(-1.0, op);
    if (ft_is_float(op))
        return ((FtFloatObject *)op)->ob_fval;
    if (ft_is_int(op)) {
        double d;
        return ft_int_as_double(op, &d) < 0 ? -1.0 : d;
    }
    ft_error_set(FT_ERR_TYPE, "must be real number, not %s",
                 ft_type_name(ft_type_of(op)));
    return -1.0;
}

static void float_dealloc(FtObject *op)
{
    ft__object_free_fl_inline(op, FT_FL_FLOAT, 0);
}

/* Both operands as doubles; -1 with the error set. */
static int operands(FtObject *a, FtObject *b, const char *op, double *x, double *y)
{
    if (!(ft_is_float(a) || ft_is_int(a)) || !(ft_is_float(b) || ft_is_int(b))) {
        ft_error_set(FT_ERR_TYPE, "unsupported operand type(s) for %s: '%s' and '%s'",
                     op, ft_type_name(ft_type_of(a)), ft_type_name(ft_type_of(b)));
        return -1;
    }
    *x = ft_number_as_double(a);
    if (*x == -1.0 && ft_error_occurred())
        return -1;
    *y = ft_number_as_double(b);
    if (*y == -1.0 && ft_error_occurred())
        return -1;
    return 0;
}

FtObject *ft_float_add(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    double x, y;
    return operands(a, b, "+", &x, &y) < 0 ? NULL : ft_float_from_double(x + y);
}

FtObject *ft_float_sub(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    double x, y;
    return operands(a, b, "-", &x, &y) < 0 ? NULL : ft_float_from_double(x - y);
}

FtObject *ft_float_mul(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    double x, y;
    return operands(a, b, "*", &x, &y) < 0 ? NULL : ft_float_from_double(x * y);
}

FtObject *ft_float_truediv(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    double x, y;
    if (operands(a, b, "/", &x, &y) < 0)
        return NULL;
    if (y == 0.0) {
        ft_error_set(FT_ERR_ZERO_DIVISION, "float division by zero");
        return NULL;
    }
    return ft_float_from_double(x / y);
}

/* CPython's _float_div_mod: floor quotient and remainder (y != 0). */
static void float_div_mod(double vx, double wx, double *floordiv, double *mod)
{
    double m = fmod(vx, wx);
    double div = (vx - m) / wx;
    if (m) {
        if ((wx < 0) != (m < 0)) {
            m += wx;
            div -= 1.0;
        }
    } else {
        m = copysign(0.0, wx);
    }
    if (div) {
        double f = floor(div);
        if (div - f > 0.5)
            f += 1.0;
        div = f;
    } else {
        div = copysign(0.0, vx / wx);
    }
    *floordiv = div;
    *mod = m;
}

FtObject *ft_float_floordiv(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    double x, y, q, r;
    if (operands(a, b, "//", &x, &y) < 0)
        return NULL;
    if (y == 0.0) {
        ft_error_set(FT_ERR_ZERO_DIVISION, "float floor division by zero");
        return NULL;
    }
    float_div_mod(x, y, &q, &r);
    return ft_float_from_double(q);
}

FtObject *ft_float_mod(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    double x, y, q, r;
    if (operands(a, b, "%", &x, &y) < 0)
        return NULL;
    if (y == 0.0) {
        ft_error_set(FT_ERR_ZERO_DIVISION, "float modulo by zero");
        return NULL;
    }
    float_div_mod(x, y, &q, &r);
    return ft_float_from_double(r);
}

static int is_odd_integer(double v)
{
    return fmod(fabs(v), 2.0) == 1.0;
}

/* CPython's float_pow special cases; -1 with the error set. */
static int float_pow_value(double iv, double iw, double *out)
{
    if (iw == 0.0) { *out = 1.0; return 0; }
    if (isnan(iv)) { *out = iv; return 0; }
    if (isnan(iw)) { *out = iv == 1.0 ? 1.0 : iw; return 0; }
    if (isinf(iw)) {
        double av = fabs(iv);
        *out = av == 1.0 ? 1.0 : ((iw > 0) == (av > 1.0)) ? fabs(iw) : 0.0;
        return 0;
    }
    if (isinf(iv)) {
        int odd = is_odd_integer(iw);
        *out = iw > 0 ? (odd ? iv : fabs(iv)) : (odd ? copysign(0.0, iv) : 0.0);
        return 0;
    }
    if (iv == 0.0) {
        if (iw < 0.0) {
            ft_error_set(FT_ERR_ZERO_DIVISION, "0.0 cannot be raised to a negative power");
            return -1;
        }
        *out = is_odd_integer(iw) ? iv : 0.0;
        return 0;
    }
    int negate = 0;
    if (iv < 0.0) {
        if (iw != floor(iw)) {
            ft_error_set(FT_ERR_VALUE,
                         "negative number cannot be raised to a fractional power");
            return -1;
        }
        iv = -iv;
        negate = is_odd_integer(iw);
    }
    if (iv == 1.0) {
        *out = negate ? -1.0 : 1.0;
        return 0;
    }
    double r = pow(iv, iw);
    if (isinf(r)) {
        ft_error_set(FT_ERR_OVERFLOW, "(34, 'Numerical result out of range')");
        return -1;
    }
    *out = negate ? -r : r;
    return 0;
}

FtObject *ft_float_pow(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    double x, y, r;
    if (operands(a, b, "**", &x, &y) < 0 || float_pow_value(x, y, &r) < 0)
        return NULL;
    return ft_float_from_double(r);
}

/* ---- Comparison ---- */

int ft__compare_double_int(double d, FtObject *i)
{
    if (isinf(d))
        return d > 0 ? 1 : -1;
    int isign = ft__int_signof(i), dsign = (d > 0) - (d < 0);
    if (dsign != isign)
        return dsign < isign ? -1 : 1;
    if (dsign == 0)
        return 0;
    int64_t nbits = ft__int_bit_length_c(i);
    if (nbits <= 53) {       /* i is exactly a double */
        double id = 0;
        ft_int_as_double(i, &id);
        return (d > id) - (d < id);
    }
    int e;
    double m = frexp(fabs(d), &e);     /* |d| in [2**(e-1), 2**e) */
    if (e != nbits)
        return e < nbits ? -dsign : dsign;
    /* same binary exponent (> 53): |d| = M * 2**k, M of 53 bits, k > 0 */
    uint64_t M = (uint64_t)ldexp(m, 53);
    int64_t k = e - 53;
    const ft_digit *dg = ft__int_digits(i);
    FtSsize n = ft__int_ndigits(i);
    uint64_t top = ft__digits_get_bits(dg, n, k, 53);
    int c = M > top ? 1 : M < top ? -1 : ft__digits_any_below(dg, n, k) ? -1 : 0;
    return c * dsign;
}

static FtObject *float_richcompare(FtObject *a, FtObject *b, FtCompareOp op)
{
    double x = ((FtFloatObject *)a)->ob_fval;
    if (ft_is_float(b)) {
        double y = ((FtFloatObject *)b)->ob_fval;
        switch (op) {
        case FT_LT: return ft_bool_from(x < y);
        case FT_LE: return ft_bool_from(x <= y);
        case FT_EQ: return ft_bool_from(x == y);
        case FT_NE: return ft_bool_from(x != y);
        case FT_GT: return ft_bool_from(x > y);
        default:    return ft_bool_from(x >= y);
        }
    }
    if (ft_is_int(b)) {
        if (isnan(x))
            return ft_bool_from(op == FT_NE);
        return ft__compare_result(ft__compare_double_int(x, b), op);
    }
    return NULL;
}

static int64_t float_hash(FtObject *op)
{
    return ft__hash_double(op, ((FtFloatObject *)op)->ob_fval);
}

static FtObject *float_repr(FtObject *op)
{
    char buf[32];
    int n = ft_double_repr(((FtFloatObject *)op)->ob_fval, buf, sizeof buf);
    return ft_str_from_utf8(buf, n);
}

static int float_bool(FtObject *op)
{
    return ((FtFloatObject *)op)->ob_fval != 0.0;
}

FtType ft_float_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "float",
    .tp_basicsize = sizeof(FtFloatObject),
    .tp_flags = FT_TPFLAGS_BASETYPE,
    .tp_dealloc = float_dealloc,
    .tp_hash = float_hash,
    .tp_richcompare = float_richcompare,
    .tp_repr = float_repr,
    .tp_bool = float_bool,
};

int ft__float_init(void)
{
    return ft__type_ready(&ft_float_type);
}
