/* runtime/int_bits.c: shifts, bitwise and/or/xor/invert with Python's
 * infinite two's-complement semantics on negative ints, bit_length.
 *
 * Negative operands are turned into two's complement digit by digit while
 * the operation runs (a running +1 carry over the inverted magnitude, with
 * sign-extension digits of all ones past the end), so no temporary copies
 * are made. Right shifts round toward minus infinity, as in Python.
 */
#include "runtime/int_impl.h"

FtObject *ft__int_lshift_c(FtObject *a, int64_t n)
{
    FtSsize na = ft__int_ndigits(a);
    if (na == 0)
        return ft__int_small(0);
    int64_t wshift = n / FT_INT_SHIFT;
    int rem = (int)(n % FT_INT_SHIFT);
    if (wshift > FT_INT_MAX_DIGITS) {
        ft_error_set(FT_ERR_OVERFLOW, "too many digits in integer");
        return NULL;
    }
    FtSsize nz = na + (FtSsize)wshift + 1;
    FtIntObject *z = ft__int_alloc(nz);
    if (!z)
        return NULL;
    memset(z->ob_digit, 0, (size_t)wshift * sizeof(ft_digit));
    const ft_digit *da = ft__int_digits(a);
    ft_twodigits carry = 0;
    for (FtSsize i = 0; i < na; i++) {
        carry |= (ft_twodigits)da[i] << rem;
        z->ob_digit[wshift + i] = (ft_digit)(carry & FT_INT_MASK);
        carry >>= FT_INT_SHIFT;
    }
    z->ob_digit[nz - 1] = (ft_digit)carry;
    ft__int_set_size(z, ft__int_signof(a) * nz);
    return ft__int_finish(z);
}

FtObject *ft__int_rshift_c(FtObject *a, int64_t n)
{
    FtSsize na = ft__int_ndigits(a);
    int neg = ft__int_signof(a) < 0;
    int64_t wshift = n / FT_INT_SHIFT;
    if (wshift >= na)
        return ft__int_small(neg ? -1 : 0);
    int rem = (int)(n % FT_INT_SHIFT);
    const ft_digit *da = ft__int_digits(a);
    /* floor(-m / 2**n) = -ceil(m / 2**n): round the magnitude up when a
     * negative value loses set bits. */
    int lost = neg && ft__digits_any_below(da, na, n);
    FtSsize nz = na - (FtSsize)wshift;
    FtIntObject *z = ft__int_alloc(nz + 1);
    if (!z)
        return NULL;
    for (FtSsize i = 0; i < nz; i++) {
        ft_twodigits t = da[wshift + i] >> rem;
        if (wshift + i + 1 < na)
            t |= ((ft_twodigits)da[wshift + i + 1] << (FT_INT_SHIFT - rem)) & FT_INT_MASK;
        z->ob_digit[i] = (ft_digit)t;
    }
    z->ob_digit[nz] = 0;
    if (lost) {
        for (FtSsize i = 0; i <= nz; i++) {
            if (++z->ob_digit[i] < FT_INT_BASE)
                break;
            z->ob_digit[i] = 0;
        }
    }
    ft__int_set_size(z, (neg ? -1 : 1) * (nz + 1));
    return ft__int_finish(z);
}

FtObject *ft__int_low_bits(FtObject *a, int64_t n)
{
    FtSsize na = ft__int_ndigits(a);
    int64_t need = (n + FT_INT_SHIFT - 1) / FT_INT_SHIFT;
    FtSsize nz = need < na ? (FtSsize)need : na;
    FtIntObject *z = ft__int_alloc(nz);
    if (!z)
        return NULL;
    memcpy(z->ob_digit, ft__int_digits(a), (size_t)nz * sizeof(ft_digit));
    if (nz == need && n % FT_INT_SHIFT)
        z->ob_digit[nz - 1] &= ((ft_digit)1 << (n % FT_INT_SHIFT)) - 1;
    return ft__int_finish(z);
}

/* A shift count: 0 with *n set, -1 on a negative count; 1 when the count
 * does not fit an int64 (then the caller decides what "huge" means). */
static int shift_count(FtObject *a, FtObject *b, const char *what, int64_t *n)
{
    if (ft__int_check(a, what) < 0 || ft__int_check(b, what) < 0)
        return -1;
    if (ft__int_signof(b) < 0) {
        ft_error_set(FT_ERR_VALUE, "negative shift count");
        return -1;
    }
    if (ft__int_ndigits(b) > 2) {
        return 1;
    }
    ft_int_as_i64(b, n);
    return 0;
}

FtObject *ft_int_lshift(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    int64_t n = 0;
    int rc = shift_count(a, b, "int <<", &n);
    if (rc < 0)
        return NULL;
    if (ft__int_signof(a) == 0)
        return ft__int_small(0);
    if (rc > 0) {
        ft_error_set(FT_ERR_OVERFLOW, "too many digits in integer");
        return NULL;
    }
    return ft__int_lshift_c(a, n);
}

FtObject *ft_int_rshift(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    int64_t n = 0;
    int rc = shift_count(a, b, "int >>", &n);
    if (rc < 0)
        return NULL;
    if (rc > 0)
        return ft__int_small(ft__int_signof(a) < 0 ? -1 : 0);
    return ft__int_rshift_c(a, n);
}

/* ---- Bitwise operations ---- */

/* Streams the two's-complement digits of an int: digit i of a negative
 * value is (~|a|_i + carry) & MASK, with carry starting at 1. */
typedef struct TwosDigits {
    const ft_digit *d;
    FtSsize n;
    int neg;
    ft_digit carry;
} TwosDigits;

static void twos_init(TwosDigits *t, FtObject *a)
{
    t->d = ft__int_digits(a);
    t->n = ft__int_ndigits(a);
    t->neg = ft__int_signof(a) < 0;
    t->carry = 1;
}

static ft_digit twos_next(TwosDigits *t, FtSsize i)
{
    ft_digit d = i < t->n ? t->d[i] : 0;
    if (!t->neg)
        return d;
    d = (~d & FT_INT_MASK) + t->carry;
    t->carry = d >> FT_INT_SHIFT;
    return d & FT_INT_MASK;
}

static FtObject *bitwise(FtObject *a, char op, FtObject *b)
{
    const char *what = op == '&' ? "int &" : op == '|' ? "int |" : "int ^";
    if (ft__int_check(a, what) < 0 || ft__int_check(b, what) < 0)
        return NULL;
    FtSsize na = ft__int_ndigits(a), nb = ft__int_ndigits(b);
    FtSsize nz = (na > nb ? na : nb) + 1;
    FtIntObject *z = ft__int_alloc(nz);
    if (!z)
        return NULL;
    TwosDigits ta, tb;
    twos_init(&ta, a);
    twos_init(&tb, b);
    int negz = op == '&' ? ta.neg && tb.neg
             : op == '|' ? ta.neg || tb.neg : ta.neg != tb.neg;
    ft_digit carry = 1;
    for (FtSsize i = 0; i < nz; i++) {
        ft_digit x = twos_next(&ta, i), y = twos_next(&tb, i);
        ft_digit d = op == '&' ? x & y : op == '|' ? x | y : x ^ y;
        if (negz) {     /* back from two's complement to a magnitude */
            d = (~d & FT_INT_MASK) + carry;
            carry = d >> FT_INT_SHIFT;
            d &= FT_INT_MASK;
        }
        z->ob_digit[i] = d;
    }
    ft__int_set_size(z, negz ? -nz : nz);
    return ft__int_finish(z);
}

FtObject *ft_int_and(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    return bitwise(a, '&', b);
}
FtObject *ft_int_or(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    return bitwise(a, '|', b);
}
FtObject *ft_int_xor(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    return bitwise(a, '^', b);
}

FtObject *ft_int_invert(FtObject *a)
{
    FT_NONNULL(NULL, a);
    if (ft__int_check(a, "int ~") < 0)
        return NULL;
    FtObject *t = ft_int_add(a, ft__int_small(1));     /* ~a == -(a + 1) */
    if (!t)
        return NULL;
    FtObject *r = ft__int_copy_signed(t, -1);
    ft_decref(t);
    return r;
}

int64_t ft_int_bit_length(FtObject *op)
{
    FT_NONNULL(-1, op);
    if (ft__int_check(op, "bit_length") < 0)
        return -1;
    return ft__int_bit_length_c(op);
}
