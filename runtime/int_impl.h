/* runtime/int_impl.h: the layout of int (and bool) objects and the helpers
 * the int_*.c files share (internal).
 *
 * Layout (docs/layouts.md "int"): the 32-byte object header, ob_size, then
 * 30-bit digits, least significant first, each in a uint32_t:
 *
 *   value = sign(ob_size) * sum(ob_digit[i] * 2**(30*i), i < |ob_size|)
 *
 * Invariants of every int handed out:
 *   - normalized: |ob_size| == 0 or ob_digit[|ob_size| - 1] != 0;
 *   - zero has ob_size == 0 and one allocated digit holding 0;
 *   - values -5..256 are the immortal small ints (ft__int_small), never a
 *     fresh object, so identity tests on them work as in CPython;
 *   - ints are immutable once returned: no lock is needed to read them.
 * Functions named x_* / *_mag work on magnitudes (digit arrays) and ignore
 * signs. Only runtime/int*.c, bool.c, float.c, number.c and numhash.c use
 * this header.
 */
#ifndef FT_RUNTIME_INT_IMPL_H
#define FT_RUNTIME_INT_IMPL_H

#include "runtime/internal.h"

typedef uint32_t ft_digit;
typedef uint64_t ft_twodigits;
typedef int64_t ft_stwodigits;

#define FT_INT_SHIFT 30
#define FT_INT_BASE ((ft_digit)1 << FT_INT_SHIFT)
#define FT_INT_MASK (FT_INT_BASE - 1)
/* Longest int we agree to build: past this FT_ERR_OVERFLOW "too many digits
 * in integer" (below it, a request the allocator cannot meet is
 * FT_ERR_MEMORY). 2**34 digits = 64 GiB, so bit counts fit in int64_t. */
#define FT_INT_MAX_DIGITS ((FtSsize)1 << 34)

#define FT_SMALL_INT_MIN (-5)
#define FT_SMALL_INT_MAX 256

typedef struct FtIntObject {
    FtVarObject ob_base;     /* ob_size: sign * number of digits */
    ft_digit ob_digit[1];    /* at least one digit is always allocated */
} FtIntObject;

#define FT_INT_HEADER_SIZE offsetof(FtIntObject, ob_digit)

static inline FtIntObject *ft__as_int(FtObject *op) { return (FtIntObject *)op; }
static inline FtSsize ft__int_size(FtObject *op)
{
    return ((FtVarObject *)op)->ob_size;
}
static inline FtSsize ft__int_ndigits(FtObject *op)
{
    FtSsize n = ft__int_size(op);
    return n < 0 ? -n : n;
}
static inline ft_digit *ft__int_digits(FtObject *op)
{
    return ((FtIntObject *)op)->ob_digit;
}
static inline void ft__int_set_size(FtIntObject *v, FtSsize n)
{
    v->ob_base.ob_size = n;
}
/* -1, 0 or 1 */
static inline int ft__int_signof(FtObject *op)
{
    FtSsize n = ft__int_size(op);
    return (n > 0) - (n < 0);
}
/* A value of at most one digit, as a C integer. */
static inline int64_t ft__int_medium(FtObject *op)
{
    FtSsize n = ft__int_size(op);
    return n == 0 ? 0 : (n < 0 ? -(int64_t)ft__int_digits(op)[0]
                                : (int64_t)ft__int_digits(op)[0]);
}

/* ---- runtime/int.c ---- */
/* A fresh int with room for n digits (n >= 0), ob_size = n, digits not
 * initialised. NULL + FT_ERR_MEMORY / FT_ERR_OVERFLOW. */
FtIntObject *ft__int_alloc(FtSsize n);
/* Strip leading zero digits (keeps the sign) and hand back the small-int
 * singleton when the value is one; consumes v. Never fails. */
FtObject *ft__int_finish(FtIntObject *v);
/* The immortal small int v (FT_SMALL_INT_MIN <= v <= FT_SMALL_INT_MAX). */
FtObject *ft__int_small(int64_t v);
/* A copy of op with the sign multiplied by `sign` (+1/-1). */
FtObject *ft__int_copy_signed(FtObject *op, int sign);
/* Compare magnitudes: -1, 0, 1. */
int ft__int_cmp_mag(FtObject *a, FtObject *b);
/* FT_ERR_TYPE unless op is an int or bool; 0 or -1. */
int ft__int_check(FtObject *op, const char *what);
/* Bits [pos, pos + count) of a magnitude (count <= 64); whether any bit
 * below pos is set. */
uint64_t ft__digits_get_bits(const ft_digit *d, FtSsize n, int64_t pos, int count);
int ft__digits_any_below(const ft_digit *d, FtSsize n, int64_t pos);
/* x * 2**exp2 rounded half-even to `keep` bits (sticky: more bits below). */
double ft__round_bits_to_double(uint64_t x, int sticky, int64_t exp2, int keep);
/* The bool for "c op 0" (c = -1, 0, 1). */
FtObject *ft__compare_result(int c, FtCompareOp op);
/* Slots shared with bool. */
FtObject *ft__int_richcompare(FtObject *a, FtObject *b, FtCompareOp op);
int64_t ft__int_hash(FtObject *op);
size_t ft__int_sizeof(FtObject *op);
/* Fill the header of a static immortal object of type tp. */
void ft__init_static_header(FtObject *op, FtType *tp);

/* ---- runtime/float.c ---- */
/* Exact comparison of a finite or infinite (not NaN) double with an int:
 * -1, 0, 1 for d <, ==, > i. Never fails. */
int ft__compare_double_int(double d, FtObject *i);

/* ---- runtime/int_arith.c ---- */
/* Magnitude helpers on digit arrays (least significant first). */
/* out[0..na+nb) = a * b (Karatsuba above FT_KARATSUBA_CUTOFF); 0 or -1. */
int ft__mul_mag(const ft_digit *a, FtSsize na, const ft_digit *b, FtSsize nb,
                ft_digit *out);
/* Truncating division of magnitudes |a| / |b| (b != 0), signs ignored:
 * new references in *q and *r (both non-negative). 0 or -1. */
int ft__int_divrem_mag(FtObject *a, FtObject *b, FtObject **q, FtObject **r);
/* q = a * m + add for 0 <= m, add < 2**30, in place on digit arrays:
 * returns the carry out. */
ft_digit ft__muladd1(ft_digit *a, FtSsize n, ft_digit m, ft_digit add);
/* In place a /= d (0 < d < 2**30); returns the remainder. */
ft_digit ft__divrem1(ft_digit *a, FtSsize n, ft_digit d);
int64_t ft__int_bit_length_c(FtObject *op);

/* ---- runtime/int_bits.c ---- */
/* a << n and a >> n (floor) for a C shift count n >= 0. */
FtObject *ft__int_lshift_c(FtObject *a, int64_t n);
FtObject *ft__int_rshift_c(FtObject *a, int64_t n);
/* |a| mod 2**n, non-negative (the low n bits of the magnitude). */
FtObject *ft__int_low_bits(FtObject *a, int64_t n);

/* ---- runtime/int_convert.c ---- */
/* Decimal text of op in a ft_mem buffer, NUL-terminated. */
char *ft__int_to_decimal(FtObject *op, size_t *len_out);

#endif /* FT_RUNTIME_INT_IMPL_H */
