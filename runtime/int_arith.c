/* runtime/int_arith.c: int arithmetic: add, sub, mul (schoolbook and
 * Karatsuba), division (one-digit, Knuth's algorithm D, Burnikel-Ziegler
 * recursive division for large operands), floor div/mod, divmod, true
 * division (correctly rounded), pow (with optional modulus), neg, abs.
 *
 * Magnitude routines (mul_school, kmul, knuth_divrem, ...) work on digit
 * arrays and know nothing of signs or objects; the object-level functions
 * pick signs and normalise through ft__int_finish. Every function that
 * allocates returns NULL / -1 with the error set and releases what it built
 * (runtime/int_impl.h lists the invariants of the values it returns).
 */
#include "runtime/int_impl.h"
#include <math.h>
#include <float.h>

/* Karatsuba cutoff in digits: the shorter operand must have at least this
 * many. Measured on the build machine (x86-64, 2 cores shared with other
 * builds, gcc -O2; best of 5, microseconds per n x n-digit product, each
 * column a build with that cutoff; compile with -DFT_KARATSUBA_CUTOFF=n):
 *      n   school   k16    k24    k32    k48    k64
 *     24    0.44    0.68   0.56   0.64   0.56   0.44
 *     32    0.97    1.11   0.93   0.73   0.97   0.77
 *     40    1.82    1.40   1.36   1.04   1.16   1.21
 *     64    3.73    3.69   2.38   2.63   3.38   3.28
 *    128   11.5    12.3   10.8    7.5   11.0    8.8
 *    256   60.7    40.7   23.8   23.3   29.7   24.3
 *    512  233      88     73     72     75     75
 * Karatsuba starts winning between 24 and 32 digits; 32 is the best column
 * overall (the numbers are noisy at the 10% level). CPython uses 70. */
#ifndef FT_KARATSUBA_CUTOFF
#define FT_KARATSUBA_CUTOFF 32
#endif
/* Burnikel-Ziegler takes over from algorithm D when the divisor and the
 * quotient both exceed this many bits (as CPython's _pylong, 4000 bits). */
#define FT_BZ_LIMIT_BITS 4000

/* ---- Magnitude helpers on digit arrays ---- */

static int bits_in_digit(ft_digit d)
{
    int n = 0;
    for (; d; d >>= 1)
        n++;
    return n;
}

int64_t ft__int_bit_length_c(FtObject *op)
{
    FtSsize n = ft__int_ndigits(op);
    if (n == 0)
        return 0;
    return (int64_t)(n - 1) * FT_INT_SHIFT + bits_in_digit(ft__int_digits(op)[n - 1]);
}

/* x[0..nx) += y[0..ny), nx >= ny; returns the carry out of x. */
static ft_digit add_into(ft_digit *x, FtSsize nx, const ft_digit *y, FtSsize ny)
{
    ft_digit carry = 0;
    FtSsize i = 0;
    for (; i < ny; i++) {
        carry += x[i] + y[i];
        x[i] = carry & FT_INT_MASK;
        carry >>= FT_INT_SHIFT;
    }
    for (; carry && i < nx; i++) {
        carry += x[i];
        x[i] = carry & FT_INT_MASK;
        carry >>= FT_INT_SHIFT;
    }
    return carry;
}

/* x[0..nx) -= y[0..ny), nx >= ny; returns the borrow out of x. */
static ft_digit sub_from(ft_digit *x, FtSsize nx, const ft_digit *y, FtSsize ny)
{
    ft_digit borrow = 0;
    FtSsize i = 0;
    for (; i < ny; i++) {
        borrow = x[i] - y[i] - borrow;
        x[i] = borrow & FT_INT_MASK;
        borrow = (borrow >> FT_INT_SHIFT) & 1;
    }
    for (; borrow && i < nx; i++) {
        borrow = x[i] - borrow;
        x[i] = borrow & FT_INT_MASK;
        borrow = (borrow >> FT_INT_SHIFT) & 1;
    }
    return borrow;
}

ft_digit ft__muladd1(ft_digit *a, FtSsize n, ft_digit m, ft_digit add)
{
    ft_twodigits carry = add;
    for (FtSsize i = 0; i < n; i++) {
        carry += (ft_twodigits)a[i] * m;
        a[i] = (ft_digit)(carry & FT_INT_MASK);
        carry >>= FT_INT_SHIFT;
    }
    return (ft_digit)carry;
}

ft_digit ft__divrem1(ft_digit *a, FtSsize n, ft_digit d)
{
    ft_twodigits rem = 0;
    for (FtSsize i = n; i-- > 0;) {
        rem = (rem << FT_INT_SHIFT) | a[i];
        a[i] = (ft_digit)(rem / d);
        rem -= (ft_twodigits)a[i] * d;
    }
    return (ft_digit)rem;
}

/* out[0..na+nb) = a * b, schoolbook. */
static void mul_school(const ft_digit *a, FtSsize na, const ft_digit *b,
                       FtSsize nb, ft_digit *out)
{
    memset(out, 0, (size_t)(na + nb) * sizeof(ft_digit));
    for (FtSsize i = 0; i < na; i++) {
        ft_twodigits f = a[i], carry = 0;
        if (f == 0)
            continue;
        for (FtSsize j = 0; j < nb; j++) {
            carry += out[i + j] + f * b[j];
            out[i + j] = (ft_digit)(carry & FT_INT_MASK);
            carry >>= FT_INT_SHIFT;
        }
        out[i + nb] = (ft_digit)carry;
    }
}

static int kmul(const ft_digit *a, FtSsize na, const ft_digit *b, FtSsize nb,
                ft_digit *out);

/* na >= 2 * nb: multiply b by nb-digit slices of a. */
static int kmul_lopsided(const ft_digit *a, FtSsize na, const ft_digit *b,
                         FtSsize nb, ft_digit *out)
{
    ft_digit *tmp = ft_mem_alloc((size_t)(2 * nb) * sizeof(ft_digit));
    if (!tmp)
        return -1;
    memset(out, 0, (size_t)(na + nb) * sizeof(ft_digit));
    for (FtSsize off = 0; off < na; off += nb) {
        FtSsize c = na - off < nb ? na - off : nb;
        if (kmul(a + off, c, b, nb, tmp) < 0) {
            ft_mem_free(tmp);
            return -1;
        }
        add_into(out + off, na + nb - off, tmp, c + nb);
    }
    ft_mem_free(tmp);
    return 0;
}

/* Karatsuba: with s = na/2, a = a1*B^s + a0, b = b1*B^s + b0,
 * a*b = z2*B^2s + ((a0+a1)(b0+b1) - z0 - z2)*B^s + z0. */
static int kmul(const ft_digit *a, FtSsize na, const ft_digit *b, FtSsize nb,
                ft_digit *out)
{
    if (na < nb) {
        const ft_digit *t = a; a = b; b = t;
        FtSsize tn = na; na = nb; nb = tn;
    }
    if (nb < FT_KARATSUBA_CUTOFF) {
        mul_school(a, na, b, nb, out);
        return 0;
    }
    if (2 * nb <= na)
        return kmul_lopsided(a, na, b, nb, out);
    FtSsize s = na / 2, n1a = na - s, n1b = nb - s;     /* nb > s */
    if (kmul(a, s, b, s, out) < 0 ||
        kmul(a + s, n1a, b + s, n1b, out + 2 * s) < 0)
        return -1;
    FtSsize nt1 = n1a + 1, nt2 = (s > n1b ? s : n1b) + 1, nz1 = nt1 + nt2;
    ft_digit *t1 = ft_mem_alloc((size_t)(2 * nz1) * sizeof(ft_digit));
    if (!t1)
        return -1;
    ft_digit *t2 = t1 + nt1, *z1 = t2 + nt2;
    memcpy(t1, a + s, (size_t)n1a * sizeof(ft_digit));
    t1[n1a] = 0;
    add_into(t1, nt1, a, s);
    if (s >= n1b) {
        memcpy(t2, b, (size_t)s * sizeof(ft_digit));
        t2[s] = 0;
        add_into(t2, nt2, b + s, n1b);
    } else {
        memcpy(t2, b + s, (size_t)n1b * sizeof(ft_digit));
        t2[n1b] = 0;
        add_into(t2, nt2, b, s);
    }
    if (kmul(t1, nt1, t2, nt2, z1) < 0) {
        ft_mem_free(t1);
        return -1;
    }
    sub_from(z1, nz1, out, 2 * s);
    sub_from(z1, nz1, out + 2 * s, n1a + n1b);
    while (nz1 > 0 && z1[nz1 - 1] == 0)
        nz1--;
    add_into(out + s, na + nb - s, z1, nz1);
    ft_mem_free(t1);
    return 0;
}

int ft__mul_mag(const ft_digit *a, FtSsize na, const ft_digit *b, FtSsize nb,
                ft_digit *out)
{
    if (na == 0 || nb == 0) {
        memset(out, 0, (size_t)(na + nb) * sizeof(ft_digit));
        return 0;
    }
    return kmul(a, na, b, nb, out);
}

/* Knuth's algorithm D (TAOCP 4.3.1), as CPython's x_divrem: v / w with
 * nv >= nw >= 2. q gets nv - nw + 1 digits, r gets nw digits. */
static int knuth_divrem(const ft_digit *v0, FtSsize nv, const ft_digit *w0,
                        FtSsize nw, ft_digit *q, ft_digit *r)
{
    ft_digit *v = ft_mem_alloc((size_t)(nv + 1 + nw) * sizeof(ft_digit));
    if (!v)
        return -1;
    ft_digit *w = v + nv + 1;
    int d = FT_INT_SHIFT - bits_in_digit(w0[nw - 1]);
    ft_digit carry = 0;
    for (FtSsize i = 0; i < nw; i++) {
        ft_twodigits t = ((ft_twodigits)w0[i] << d) | carry;
        w[i] = (ft_digit)(t & FT_INT_MASK);
        carry = (ft_digit)(t >> FT_INT_SHIFT);
    }
    carry = 0;
    for (FtSsize i = 0; i < nv; i++) {
        ft_twodigits t = ((ft_twodigits)v0[i] << d) | carry;
        v[i] = (ft_digit)(t & FT_INT_MASK);
        carry = (ft_digit)(t >> FT_INT_SHIFT);
    }
    v[nv] = carry;
    memset(q, 0, (size_t)(nv - nw + 1) * sizeof(ft_digit));
    ft_digit wm1 = w[nw - 1], wm2 = w[nw - 2];
    for (FtSsize k = nv - nw + 1; k-- > 0;) {
        ft_digit *vk = v + k;
        ft_digit vtop = vk[nw];
        ft_twodigits vv = ((ft_twodigits)vtop << FT_INT_SHIFT) | vk[nw - 1];
        ft_digit qd = (ft_digit)(vv / wm1);
        ft_digit rd = (ft_digit)(vv - (ft_twodigits)wm1 * qd);
        while ((ft_twodigits)wm2 * qd >
               (((ft_twodigits)rd << FT_INT_SHIFT) | vk[nw - 2])) {
            --qd;
            rd += wm1;
            if (rd >= FT_INT_BASE)
                break;
        }
        ft_stwodigits zhi = 0;
        for (FtSsize i = 0; i < nw; i++) {
            ft_stwodigits z = (ft_stwodigits)vk[i] + zhi
                              - (ft_stwodigits)qd * (ft_stwodigits)w[i];
            vk[i] = (ft_digit)z & FT_INT_MASK;
            zhi = z >> FT_INT_SHIFT;     /* arithmetic shift, as CPython */
        }
        if ((ft_stwodigits)vtop + zhi < 0) {
            ft_digit c = 0;
            for (FtSsize i = 0; i < nw; i++) {
                c += vk[i] + w[i];
                vk[i] = c & FT_INT_MASK;
                c >>= FT_INT_SHIFT;
            }
            --qd;
        }
        vk[nw] = 0;
        q[k] = qd;
    }
    carry = 0;
    for (FtSsize i = nw; i-- > 0;) {
        ft_twodigits t = ((ft_twodigits)carry << FT_INT_SHIFT) | v[i];
        r[i] = (ft_digit)(t >> d);
        carry = (ft_digit)(t & (((ft_digit)1 << d) - 1));
    }
    ft_mem_free(v);
    return 0;
}

/* ---- Signed object helpers ---- */

/* a itself as an exact int (bool -> int), a new reference. */
static FtObject *int_exact(FtObject *a)
{
    if (ft_is_bool(a))
        return ft__int_small(ft__int_medium(a));
    return ft_newref(a);
}

/* sign * (|a| + |b|) */
static FtObject *x_add(FtObject *a, FtObject *b, int sign)
{
    FtSsize na = ft__int_ndigits(a), nb = ft__int_ndigits(b);
    if (na < nb) {
        FtObject *t = a; a = b; b = t;
        FtSsize tn = na; na = nb; nb = tn;
    }
    FtIntObject *z = ft__int_alloc(na + 1);
    if (!z)
        return NULL;
    memcpy(z->ob_digit, ft__int_digits(a), (size_t)na * sizeof(ft_digit));
    z->ob_digit[na] = add_into(z->ob_digit, na, ft__int_digits(b), nb);
    ft__int_set_size(z, sign * (na + 1));
    return ft__int_finish(z);
}

/* sign * (|a| - |b|) */
static FtObject *x_sub(FtObject *a, FtObject *b, int sign)
{
    int c = ft__int_cmp_mag(a, b);
    if (c == 0)
        return ft__int_small(0);
    if (c < 0) {
        FtObject *t = a; a = b; b = t;
        sign = -sign;
    }
    FtSsize na = ft__int_ndigits(a), nb = ft__int_ndigits(b);
    FtIntObject *z = ft__int_alloc(na);
    if (!z)
        return NULL;
    memcpy(z->ob_digit, ft__int_digits(a), (size_t)na * sizeof(ft_digit));
    sub_from(z->ob_digit, na, ft__int_digits(b), nb);
    ft__int_set_size(z, sign * na);
    return ft__int_finish(z);
}

static int check2(FtObject *a, FtObject *b, const char *what)
{
    if (ft__int_check(a, what) < 0 || ft__int_check(b, what) < 0)
        return -1;
    return 0;
}

FtObject *ft_int_add(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    if (check2(a, b, "int +") < 0)
        return NULL;
    if (ft__int_ndigits(a) <= 1 && ft__int_ndigits(b) <= 1)
        return ft_int_from_i64(ft__int_medium(a) + ft__int_medium(b));
    int sa = ft__int_signof(a), sb = ft__int_signof(b);
    if (sa < 0)
        return sb < 0 ? x_add(a, b, -1) : x_sub(b, a, 1);
    return sb < 0 ? x_sub(a, b, 1) : x_add(a, b, 1);
}

FtObject *ft_int_sub(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    if (check2(a, b, "int -") < 0)
        return NULL;
    if (ft__int_ndigits(a) <= 1 && ft__int_ndigits(b) <= 1)
        return ft_int_from_i64(ft__int_medium(a) - ft__int_medium(b));
    int sa = ft__int_signof(a), sb = ft__int_signof(b);
    if (sa < 0)
        return sb < 0 ? x_sub(a, b, -1) : x_add(a, b, -1);
    return sb < 0 ? x_add(a, b, 1) : x_sub(a, b, 1);
}

FtObject *ft_int_mul(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    if (check2(a, b, "int *") < 0)
        return NULL;
    FtSsize na = ft__int_ndigits(a), nb = ft__int_ndigits(b);
    if (na <= 1 && nb <= 1)
        return ft_int_from_i64(ft__int_medium(a) * ft__int_medium(b));
    if (na == 0 || nb == 0)
        return ft__int_small(0);
    FtIntObject *z = ft__int_alloc(na + nb);
    if (!z)
        return NULL;
    if (ft__mul_mag(ft__int_digits(a), na, ft__int_digits(b), nb, z->ob_digit) < 0) {
        ft_decref((FtObject *)z);
        return NULL;
    }
    ft__int_set_size(z, ft__int_signof(a) * ft__int_signof(b) * (na + nb));
    return ft__int_finish(z);
}

FtObject *ft_int_neg(FtObject *a)
{
    FT_NONNULL(NULL, a);
    if (ft__int_check(a, "int neg") < 0)
        return NULL;
    return ft__int_copy_signed(a, -1);
}

FtObject *ft_int_abs(FtObject *a)
{
    FT_NONNULL(NULL, a);
    if (ft__int_check(a, "int abs") < 0)
        return NULL;
    return ft__int_signof(a) < 0 ? ft__int_copy_signed(a, -1) : int_exact(a);
}

/* ---- Division ---- */

/* |a| / |b| by algorithm D or one-digit division (no BZ). */
static int divrem_basic(FtObject *a, FtObject *b, FtObject **pq, FtObject **pr)
{
    FtSsize na = ft__int_ndigits(a), nb = ft__int_ndigits(b);
    const ft_digit *da = ft__int_digits(a), *db = ft__int_digits(b);
    FtIntObject *q = ft__int_alloc(na - nb + 1), *r = NULL;
    if (!q)
        return -1;
    if (nb == 1) {
        memcpy(q->ob_digit, da, (size_t)na * sizeof(ft_digit));
        ft_digit rem = ft__divrem1(q->ob_digit, na, db[0]);
        *pr = ft_int_from_i64(rem);
        if (!*pr)
            goto fail;
    } else {
        r = ft__int_alloc(nb);
        if (!r || knuth_divrem(da, na, db, nb, q->ob_digit, r->ob_digit) < 0)
            goto fail;
        *pr = ft__int_finish(r);
    }
    *pq = ft__int_finish(q);
    return 0;
fail:
    ft_decref((FtObject *)q);
    if (r)
        ft_decref((FtObject *)r);
    return -1;
}

/* ---- Burnikel-Ziegler recursive division ----
 * On non-negative objects, following the structure of CPython's
 * Lib/_pylong.py (_div2n1n / _div3n2n / _divmod_pos): a 2n-bit by n-bit
 * division is two 3n/2-by-n divisions at half size, each one recursive
 * division plus one multiplication, so the cost is O(M(n) log n). */

static int div2n1n(FtObject *a, FtObject *b, int64_t n, FtObject **q, FtObject **r);

/* Borrowed a12, a3, b, b1, b2; a12 < b * 2**n... (see _pylong._div3n2n). */
static int div3n2n(FtObject *a12, FtObject *a3, FtObject *b, FtObject *b1,
                   FtObject *b2, int64_t n, FtObject **pq, FtObject **pr)
{
    FtObject *q = NULL, *r = NULL, *t = NULL, *u = NULL;
    FtObject *a1 = ft__int_rshift_c(a12, n);
    if (!a1)
        return -1;
    int eq = ft_int_compare(a1, b1) == 0;
    ft_decref(a1);
    if (eq) {
        /* q = 2**n - 1, r = a12 - (b1 << n) + b1 */
        FtObject *one = ft__int_small(1);
        if (!(t = ft__int_lshift_c(one, n)) || !(q = ft_int_sub(t, one)))
            goto fail;
        FT_CLEAR(t);
        if (!(t = ft__int_lshift_c(b1, n)) || !(u = ft_int_sub(a12, t)) ||
            !(r = ft_int_add(u, b1)))
            goto fail;
        FT_CLEAR(t);
        FT_CLEAR(u);
    } else if (div2n1n(a12, b1, n, &q, &r) < 0) {
        return -1;
    }
    /* r = (r << n | a3) - q * b2 */
    if (!(t = ft__int_lshift_c(r, n)) || !(u = ft_int_add(t, a3)))
        goto fail;
    FT_CLEAR(t);
    FT_CLEAR(r);
    if (!(t = ft_int_mul(q, b2)) || !(r = ft_int_sub(u, t)))
        goto fail;
    FT_CLEAR(t);
    FT_CLEAR(u);
    while (ft__int_signof(r) < 0) {
        if (!(t = ft_int_sub(q, ft__int_small(1))))
            goto fail;
        FT_SETREF(q, t);
        if (!(t = ft_int_add(r, b)))
            goto fail;
        FT_SETREF(r, t);
        t = NULL;
    }
    *pq = q;
    *pr = r;
    return 0;
fail:
    ft_xdecref(q);
    ft_xdecref(r);
    ft_xdecref(t);
    ft_xdecref(u);
    return -1;
}

/* a < b * 2**n, b has n bits: q, r = divmod(a, b). */
static int div2n1n(FtObject *a, FtObject *b, int64_t n, FtObject **pq, FtObject **pr)
{
    if (ft__int_bit_length_c(a) - n <= FT_BZ_LIMIT_BITS || n <= FT_BZ_LIMIT_BITS)
        return ft__int_cmp_mag(a, b) < 0
            ? (*pq = ft__int_small(0), *pr = ft_newref(a), 0)
            : divrem_basic(a, b, pq, pr);
    FtObject *aa = NULL, *bb = NULL, *b1 = NULL, *b2 = NULL, *ahi = NULL,
             *amid = NULL, *alo = NULL, *q1 = NULL, *r1 = NULL, *q2 = NULL,
             *r2 = NULL, *t = NULL;
    int pad = (int)(n & 1), rc = -1;
    if (pad) {
        if (!(aa = ft__int_lshift_c(a, 1)) || !(bb = ft__int_lshift_c(b, 1)))
            goto done;
        n++;
    } else {
        aa = ft_newref(a);
        bb = ft_newref(b);
    }
    int64_t half = n >> 1;
    if (!(b1 = ft__int_rshift_c(bb, half)) || !(b2 = ft__int_low_bits(bb, half)) ||
        !(ahi = ft__int_rshift_c(aa, n)) || !(t = ft__int_rshift_c(aa, half)) ||
        !(amid = ft__int_low_bits(t, half)) || !(alo = ft__int_low_bits(aa, half)))
        goto done;
    if (div3n2n(ahi, amid, bb, b1, b2, half, &q1, &r1) < 0 ||
        div3n2n(r1, alo, bb, b1, b2, half, &q2, &r2) < 0)
        goto done;
    if (pad) {
        FtObject *s = ft__int_rshift_c(r2, 1);
        if (!s)
            goto done;
        FT_SETREF(r2, s);
    }
    FT_CLEAR(t);
    if (!(t = ft__int_lshift_c(q1, half)) || !(*pq = ft_int_add(t, q2)))
        goto done;
    *pr = r2;
    r2 = NULL;
    rc = 0;
done:
    ft_xdecref(aa); ft_xdecref(bb); ft_xdecref(b1); ft_xdecref(b2);
    ft_xdecref(ahi); ft_xdecref(amid); ft_xdecref(alo); ft_xdecref(q1);
    ft_xdecref(r1); ft_xdecref(q2); ft_xdecref(r2); ft_xdecref(t);
    return rc;
}

/* OR x (non-negative, < 2**width) into dst at bit position pos. */
static void or_bits_at(ft_digit *dst, FtSsize ndst, FtObject *x, int64_t pos)
{
    FtSsize nx = ft__int_ndigits(x);
    const ft_digit *dx = ft__int_digits(x);
    FtSsize j = (FtSsize)(pos / FT_INT_SHIFT);
    int off = (int)(pos % FT_INT_SHIFT);
    for (FtSsize i = 0; i < nx; i++) {
        ft_twodigits t = (ft_twodigits)dx[i] << off;
        if (j + i < ndst)
            dst[j + i] |= (ft_digit)(t & FT_INT_MASK);
        if (j + i + 1 < ndst)
            dst[j + i + 1] |= (ft_digit)(t >> FT_INT_SHIFT);
    }
}

/* divmod of non-negative a, b by n-bit blocks of a (_pylong._divmod_pos). */
static int bz_divmod(FtObject *a, FtObject *b, FtObject **pq, FtObject **pr)
{
    int64_t n = ft__int_bit_length_c(b), abits = ft__int_bit_length_c(a);
    int64_t blocks = (abits + n - 1) / n;
    FtIntObject *q = ft__int_alloc(ft__int_ndigits(a) - ft__int_ndigits(b) + 1);
    FtObject *r = ft__int_small(0), *chunk = NULL, *t = NULL, *qd = NULL, *rn = NULL;
    if (!q)
        return -1;
    memset(q->ob_digit, 0, (size_t)ft__int_ndigits((FtObject *)q) * sizeof(ft_digit));
    for (int64_t i = blocks; i-- > 0;) {
        if (!(t = ft__int_rshift_c(a, i * n)) || !(chunk = ft__int_low_bits(t, n)))
            goto fail;
        FT_CLEAR(t);
        if (!(t = ft__int_lshift_c(r, n)))
            goto fail;
        FT_SETREF(r, ft_int_add(t, chunk));
        FT_CLEAR(t);
        FT_CLEAR(chunk);
        if (!r || div2n1n(r, b, n, &qd, &rn) < 0)
            goto fail;
        FT_SETREF(r, rn);
        or_bits_at(q->ob_digit, ft__int_ndigits((FtObject *)q), qd, i * n);
        FT_CLEAR(qd);
    }
    *pq = ft__int_finish(q);
    *pr = r;
    return 0;
fail:
    ft_xdecref(r);
    ft_xdecref(t);
    ft_xdecref(chunk);
    ft_decref((FtObject *)q);
    return -1;
}

int ft__int_divrem_mag(FtObject *a, FtObject *b, FtObject **pq, FtObject **pr)
{
    FtSsize na = ft__int_ndigits(a), nb = ft__int_ndigits(b);
    FT_ASSERT(nb > 0);
    if (ft__int_cmp_mag(a, b) < 0) {
        *pr = ft__int_signof(a) < 0 ? ft__int_copy_signed(a, -1) : int_exact(a);
        if (!*pr)
            return -1;
        *pq = ft__int_small(0);
        return 0;
    }
    int64_t limit_digits = FT_BZ_LIMIT_BITS / FT_INT_SHIFT;
    if (nb <= limit_digits || na - nb <= limit_digits)
        return divrem_basic(a, b, pq, pr);
    FtObject *pa = ft__int_copy_signed(a, ft__int_signof(a));
    FtObject *pb = ft__int_copy_signed(b, ft__int_signof(b));
    int rc = pa && pb ? bz_divmod(pa, pb, pq, pr) : -1;
    ft_xdecref(pa);
    ft_xdecref(pb);
    return rc;
}

/* Floor division and modulo: q = floor(a / b), r = a - q*b (sign of b).
 * Either output may be NULL when not wanted. */
static int l_divmod(FtObject *a, FtObject *b, FtObject **pq, FtObject **pr)
{
    if (ft__int_signof(b) == 0) {
        ft_error_set(FT_ERR_ZERO_DIVISION, "integer division or modulo by zero");
        return -1;
    }
    if (ft__int_ndigits(a) <= 1 && ft__int_ndigits(b) <= 1) {
        int64_t x = ft__int_medium(a), y = ft__int_medium(b);
        int64_t q = x / y, r = x % y;
        if (r != 0 && ((r < 0) != (y < 0))) {
            q--;
            r += y;
        }
        FtObject *oq = pq ? ft_int_from_i64(q) : NULL;
        if (pq && !oq)
            return -1;
        if (pr && !(*pr = ft_int_from_i64(r))) {
            ft_xdecref(oq);
            return -1;
        }
        if (pq)
            *pq = oq;
        return 0;
    }
    FtObject *q, *r;
    if (ft__int_divrem_mag(a, b, &q, &r) < 0)
        return -1;
    int sa = ft__int_signof(a), sb = ft__int_signof(b);
    /* truncated quotient has sign sa*sb, remainder sign sa */
    if (sa * sb < 0) {
        FtObject *t = ft__int_copy_signed(q, -1);
        ft_decref(q);
        q = t;
    }
    if (sa < 0 && r && ft__int_signof(r) != 0) {
        FtObject *t = ft__int_copy_signed(r, -1);
        ft_decref(r);
        r = t;
    }
    if (q && r && ft__int_signof(r) != 0 && ft__int_signof(r) != sb) {
        FtObject *t1 = ft_int_add(r, b), *t2 = ft_int_sub(q, ft__int_small(1));
        ft_decref(r);
        ft_decref(q);
        r = t1;
        q = t2;
    }
    if (!q || !r) {
        ft_xdecref(q);
        ft_xdecref(r);
        return -1;
    }
    if (pq) *pq = q; else ft_decref(q);
    if (pr) *pr = r; else ft_decref(r);
    return 0;
}

FtObject *ft_int_floordiv(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    FtObject *q;
    if (check2(a, b, "int //") < 0 || l_divmod(a, b, &q, NULL) < 0)
        return NULL;
    return q;
}

FtObject *ft_int_mod(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    FtObject *r;
    if (check2(a, b, "int %") < 0 || l_divmod(a, b, NULL, &r) < 0)
        return NULL;
    return r;
}

int ft_int_divmod(FtObject *a, FtObject *b, FtObject **q, FtObject **r)
{
    FT_NONNULL(-1, a, b, q, r);
    if (check2(a, b, "divmod") < 0)
        return -1;
    return l_divmod(a, b, q, r);
}

/* ---- True division ---- */

FtObject *ft_int_truediv(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    if (check2(a, b, "int /") < 0)
        return NULL;
    int sa = ft__int_signof(a), sb = ft__int_signof(b);
    if (sb == 0) {
        ft_error_set(FT_ERR_ZERO_DIVISION, "division by zero");
        return NULL;
    }
    int neg = (sa < 0) != (sb < 0);     /* 0 / -x is -0.0 */
    int64_t abits = ft__int_bit_length_c(a), bbits = ft__int_bit_length_c(b);
    if (abits <= DBL_MANT_DIG && bbits <= DBL_MANT_DIG) {
        double x, y;
        ft_int_as_double(a, &x);
        ft_int_as_double(b, &y);
        return ft_float_from_double(x / y);
    }
    int64_t diff = abits - bbits;   /* 2**(diff-1) < |a/b| < 2**(diff+1) */
    if (diff > DBL_MAX_EXP + 1) {
        ft_error_set(FT_ERR_OVERFLOW, "integer division result too large for a float");
        return NULL;
    }
    if (sa == 0 || diff < DBL_MIN_EXP - DBL_MANT_DIG - 2)
        return ft_float_from_double(neg ? -0.0 : 0.0);
    int64_t shift = (diff > DBL_MIN_EXP ? diff : DBL_MIN_EXP) - DBL_MANT_DIG - 2;
    /* q = |a| * 2**-shift // |b|, 55 or 56 bits (fewer when subnormal) */
    FtObject *x = shift < 0 ? ft__int_lshift_c(a, -shift) : ft__int_copy_signed(a, 1);
    FtObject *y = shift > 0 ? ft__int_lshift_c(b, shift) : ft__int_copy_signed(b, 1);
    FtObject *q = NULL, *r = NULL;
    int rc = x && y ? ft__int_divrem_mag(x, y, &q, &r) : -1;
    ft_xdecref(x);
    ft_xdecref(y);
    if (rc < 0)
        return NULL;
    uint64_t qbits = 0;
    for (FtSsize i = ft__int_ndigits(q); i-- > 0;)
        qbits = (qbits << FT_INT_SHIFT) | ft__int_digits(q)[i];
    int sticky = ft__int_signof(r) != 0;
    int64_t nq = ft__int_bit_length_c(q);
    ft_decref(q);
    ft_decref(r);
    int64_t keep = nq + shift - (DBL_MIN_EXP - DBL_MANT_DIG);
    double v = ft__round_bits_to_double(qbits, sticky, shift,
                                        (int)(keep < DBL_MANT_DIG ? keep : DBL_MANT_DIG));
    if (isinf(v)) {
        ft_error_set(FT_ERR_OVERFLOW, "integer division result too large for a float");
        return NULL;
    }
    return ft_float_from_double(neg ? -v : v);
}

/* ---- Power ---- */

/* x * y mod m (m > 0), or plain x * y when m is NULL; steals x. */
static FtObject *mulmod(FtObject *x, FtObject *y, FtObject *m)
{
    FtObject *p = ft_int_mul(x, y);
    ft_decref(x);
    if (!p || !m)
        return p;
    FtObject *r;
    int rc = l_divmod(p, m, NULL, &r);
    ft_decref(p);
    return rc < 0 ? NULL : r;
}

/* The inverse of a modulo n (n > 1), or FT_ERR_VALUE. */
static FtObject *invmod(FtObject *a, FtObject *n)
{
    FtObject *b = ft_newref(a), *c = ft_newref(n);
    FtObject *s0 = ft__int_small(1), *s1 = ft__int_small(0), *res = NULL;
    while (ft__int_signof(c) != 0) {
        FtObject *q, *r, *t, *s2;
        if (l_divmod(b, c, &q, &r) < 0)
            goto done;
        t = ft_int_mul(q, s1);
        ft_decref(q);
        s2 = t ? ft_int_sub(s0, t) : NULL;
        ft_xdecref(t);
        if (!s2) {
            ft_decref(r);
            goto done;
        }
        FT_SETREF(b, c);
        c = r;
        FT_SETREF(s0, s1);
        s1 = s2;
    }
    if (ft_int_compare(b, ft__int_small(1)) != 0)
        ft_error_set(FT_ERR_VALUE, "base is not invertible for the given modulus");
    else
        l_divmod(s0, n, NULL, &res);
done:
    ft_decref(b);
    ft_decref(c);
    ft_decref(s0);
    ft_decref(s1);
    return res;
}

static FtObject *pow_float(FtObject *a, FtObject *b)
{
    double x, y;
    if (ft_int_as_double(a, &x) < 0 || ft_int_as_double(b, &y) < 0)
        return NULL;
    FtObject *fa = ft_float_from_double(x), *fb = fa ? ft_float_from_double(y) : NULL;
    FtObject *r = fb ? ft_float_pow(fa, fb) : NULL;
    ft_xdecref(fa);
    ft_xdecref(fb);
    return r;
}

/* Left-to-right binary exponentiation of base (already reduced) by e >= 0. */
static FtObject *pow_binary(FtObject *base, FtObject *e, FtObject *m)
{
    FtObject *res = ft__int_small(1);
    int64_t nbits = ft__int_bit_length_c(e);
    const ft_digit *de = ft__int_digits(e);
    for (int64_t i = nbits; i-- > 0;) {
        res = mulmod(res, res, m);
        if (res && ((de[i / FT_INT_SHIFT] >> (i % FT_INT_SHIFT)) & 1))
            res = mulmod(res, base, m);
        if (!res)
            return NULL;
    }
    if (!m)
        return res;
    FtObject *r;     /* pow(x, 0, m) must still reduce 1 mod m */
    int rc = l_divmod(res, m, NULL, &r);
    ft_decref(res);
    return rc < 0 ? NULL : r;
}

FtObject *ft_int_pow(FtObject *a, FtObject *b, FtObject *mod)
{
    FT_NONNULL(NULL, a, b);
    if (check2(a, b, "pow") < 0 || (mod && ft__int_check(mod, "pow") < 0))
        return NULL;
    if (!mod) {
        if (ft__int_signof(b) < 0)
            return pow_float(a, b);
        int64_t abits = ft__int_bit_length_c(a);
        if (abits <= 1 && ft__int_medium(a) >= 0)     /* 0 or 1 */
            return ft__int_small(ft__int_signof(b) == 0 ? 1 : ft__int_medium(a));
        if (ft__int_ndigits(a) == 1 && ft__int_medium(a) == -1)
            return ft__int_small(ft__int_signof(b) == 0 ? 1 :
                   (ft__int_digits(b)[0] & 1) ? -1 : 1);
        /* |a| >= 2: the result has at least (abits - 1) * b bits */
        int64_t e = 0;
        if (ft__int_ndigits(b) > 2 || (ft_int_as_i64(b, &e),
            (double)(abits - 1) * (double)e / FT_INT_SHIFT > (double)FT_INT_MAX_DIGITS)) {
            ft_error_set(FT_ERR_OVERFLOW, "too many digits in integer");
            return NULL;
        }
        return pow_binary(a, b, NULL);
    }
    if (ft__int_signof(mod) == 0) {
        ft_error_set(FT_ERR_VALUE, "pow() 3rd argument cannot be 0");
        return NULL;
    }
    int mneg = ft__int_signof(mod) < 0;
    FtObject *m = ft__int_copy_signed(mod, mneg ? -1 : 1), *base = NULL,
             *e = NULL, *res = NULL;
    if (!m)
        return NULL;
    if (ft__int_ndigits(m) == 1 && ft__int_digits(m)[0] == 1) {
        ft_decref(m);
        return ft__int_small(0);
    }
    if (l_divmod(a, m, NULL, &base) < 0)
        goto done;
    if (ft__int_signof(b) < 0) {
        FtObject *inv = invmod(base, m);
        if (!inv)
            goto done;
        FT_SETREF(base, inv);
        if (!(e = ft__int_copy_signed(b, -1)))
            goto done;
    } else {
        e = ft_newref(b);
    }
    res = pow_binary(base, e, m);
    if (res && mneg && ft__int_signof(res) != 0) {
        FtObject *t = ft_int_sub(res, m);
        FT_SETREF(res, t);
    }
done:
    ft_decref(m);
    ft_xdecref(base);
    ft_xdecref(e);
    return res;
}
