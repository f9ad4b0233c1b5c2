/* runtime/int.c: the int type: allocation, the small-int cache, conversions
 * to and from C integers and doubles, comparison, hash, repr, sizeof.
 *
 * Layout and invariants: runtime/int_impl.h. Arithmetic lives in
 * int_arith.c, bit operations in int_bits.c, text conversion in
 * int_convert.c, the int/float mixed comparison in float.c.
 *
 * Small ints -5..256 are static immortal objects built by ft__int_init
 * before any thread can see them; afterwards they are read-only, so any
 * thread may hand them out without synchronisation. One-digit ints go
 * through the per-thread free list FT_FL_INT.
 */
#include "runtime/int_impl.h"
#include "runtime/numhash.h"
#include "runtime/init.h"
#include "alloc/freelist.h"
#include <math.h>

static FtIntObject small_ints[FT_SMALL_INT_MAX - FT_SMALL_INT_MIN + 1];

/* ---- Allocation and normalisation ---- */

FtIntObject *ft__int_alloc(FtSsize n)
{
    FT_ASSERT(n >= 0);
    if (n > FT_INT_MAX_DIGITS) {
        ft_error_set(FT_ERR_OVERFLOW, "too many digits in integer");
        return NULL;
    }
    FtObject *op;
    if (n <= 1)
        op = ft__object_alloc_fl_inline(&ft_int_type, sizeof(FtIntObject),
                                        FT_FL_INT, 0);
    else
        op = ft__object_alloc(&ft_int_type,
                              FT_INT_HEADER_SIZE + (size_t)n * sizeof(ft_digit));
    if (!op)
        return NULL;
    FtIntObject *v = (FtIntObject *)op;
    v->ob_base.ob_size = n;
    v->ob_digit[0] = 0;
    return v;
}

FtObject *ft__int_small(int64_t v)
{
    FT_ASSERT(v >= FT_SMALL_INT_MIN && v <= FT_SMALL_INT_MAX);
    return (FtObject *)&small_ints[v - FT_SMALL_INT_MIN];
}

FtObject *ft__int_finish(FtIntObject *v)
{
    FtSsize size = v->ob_base.ob_size;
    FtSsize n = size < 0 ? -size : size;
    while (n > 0 && v->ob_digit[n - 1] == 0)
        n--;
    v->ob_base.ob_size = size < 0 ? -n : n;
    if (n <= 1) {
        int64_t x = ft__int_medium((FtObject *)v);
        if (x >= FT_SMALL_INT_MIN && x <= FT_SMALL_INT_MAX) {
            ft_decref((FtObject *)v);
            return ft__int_small(x);
        }
    }
    return (FtObject *)v;
}

FtObject *ft__int_copy_signed(FtObject *op, int sign)
{
    FtSsize n = ft__int_ndigits(op);
    if (n <= 1) {
        int64_t x = ft__int_medium(op);
        return ft_int_from_i64(sign < 0 ? -x : x);
    }
    FtIntObject *v = ft__int_alloc(n);
    if (!v)
        return NULL;
    memcpy(v->ob_digit, ft__int_digits(op), (size_t)n * sizeof(ft_digit));
    v->ob_base.ob_size = ft__int_size(op) * sign;
    return (FtObject *)v;
}

static void int_dealloc(FtObject *op)
{
    if (ft__int_ndigits(op) <= 1)
        ft__object_free_fl_inline(op, FT_FL_INT, 0);
    else
        ft__object_free(op);
}

int ft__int_check(FtObject *op, const char *what)
{
    if (ft_is_int(op))
        return 0;
    ft_error_set(FT_ERR_TYPE, "%s: expected int, got '%s'", what,
                 ft_type_name(ft_type_of(op)));
    return -1;
}

/* ---- From C values ---- */

static FtObject *from_mag_u64(uint64_t m, int negative)
{
    FtSsize n = 0;
    for (uint64_t t = m; t; t >>= FT_INT_SHIFT)
        n++;
    FtIntObject *v = ft__int_alloc(n);
    if (!v)
        return NULL;
    for (FtSsize i = 0; i < n; i++, m >>= FT_INT_SHIFT)
        v->ob_digit[i] = (ft_digit)(m & FT_INT_MASK);
    if (negative)
        v->ob_base.ob_size = -n;
    return (FtObject *)v;
}

FtObject *ft_int_from_i64(int64_t v)
{
    if (v >= FT_SMALL_INT_MIN && v <= FT_SMALL_INT_MAX)
        return ft__int_small(v);
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (m <= FT_INT_MASK) {
        /* One digit: the free-list block, inline (what ft__int_alloc(1)
         * does, without the calls and the digit loop). */
        FtIntObject *r = (FtIntObject *)ft__object_alloc_fl_inline(
            &ft_int_type, sizeof(FtIntObject), FT_FL_INT, 0);
        if (!r)
            return NULL;
        r->ob_base.ob_size = v < 0 ? -1 : 1;
        r->ob_digit[0] = (ft_digit)m;
        return (FtObject *)r;
    }
    return from_mag_u64(m, v < 0);
}

FtObject *ft_int_from_u64(uint64_t v)
{
    if (v <= FT_SMALL_INT_MAX)
        return ft__int_small((int64_t)v);
    return from_mag_u64(v, 0);
}

FtObject *ft_int_from_double(double d)
{
    if (isinf(d)) {
        ft_error_set(FT_ERR_OVERFLOW, "cannot convert float infinity to integer");
        return NULL;
    }
    if (isnan(d)) {
        ft_error_set(FT_ERR_VALUE, "cannot convert float NaN to integer");
        return NULL;
    }
    d = trunc(d);
    if (fabs(d) < 9223372036854775808.0)
        return ft_int_from_i64((int64_t)d);
    int neg = d < 0;
    int e;
    double frac = frexp(fabs(d), &e);         /* e >= 64 here */
    FtSsize n = (e - 1) / FT_INT_SHIFT + 1;
    FtIntObject *v = ft__int_alloc(n);
    if (!v)
        return NULL;
    frac = ldexp(frac, (e - 1) % FT_INT_SHIFT + 1);
    for (FtSsize i = n; i-- > 0;) {
        ft_digit bits = (ft_digit)frac;
        v->ob_digit[i] = bits;
        frac = ldexp(frac - (double)bits, FT_INT_SHIFT);
    }
    if (neg)
        v->ob_base.ob_size = -n;
    return (FtObject *)v;
}

/* ---- To C values ---- */

/* |op| as a uint64_t; -1 if it does not fit. */
static int mag_u64(FtObject *op, uint64_t *out)
{
    FtSsize n = ft__int_ndigits(op);
    const ft_digit *d = ft__int_digits(op);
    uint64_t x = 0;
    for (FtSsize i = n; i-- > 0;) {
        if (x >> (64 - FT_INT_SHIFT))
            return -1;
        x = (x << FT_INT_SHIFT) | d[i];
    }
    *out = x;
    return 0;
}

int ft_int_as_i64(FtObject *op, int64_t *out)
{
    FT_NONNULL(-1, op, out);
    if (ft__int_check(op, "ft_int_as_i64") < 0)
        return -1;
    uint64_t m;
    int neg = ft__int_size(op) < 0;
    if (mag_u64(op, &m) < 0 || m > (uint64_t)INT64_MAX + (uint64_t)neg) {
        ft_error_set(FT_ERR_OVERFLOW, "int too large to convert to int64");
        return -1;
    }
    *out = neg ? (int64_t)(0 - m) : (int64_t)m;
    return 0;
}

int ft_int_as_u64(FtObject *op, uint64_t *out)
{
    FT_NONNULL(-1, op, out);
    if (ft__int_check(op, "ft_int_as_u64") < 0)
        return -1;
    if (ft__int_size(op) < 0) {
        ft_error_set(FT_ERR_OVERFLOW, "can't convert negative int to unsigned");
        return -1;
    }
    if (mag_u64(op, out) < 0) {
        ft_error_set(FT_ERR_OVERFLOW, "int too large to convert to uint64");
        return -1;
    }
    return 0;
}

uint64_t ft__digits_get_bits(const ft_digit *d, FtSsize n, int64_t pos, int count)
{
    uint64_t x = 0;
    FtSsize j = (FtSsize)(pos / FT_INT_SHIFT);
    int64_t base = (int64_t)j * FT_INT_SHIFT;
    for (; j < n && base < pos + count; j++, base += FT_INT_SHIFT) {
        int64_t sh = base - pos;
        x |= sh >= 0 ? (uint64_t)d[j] << sh : (uint64_t)d[j] >> -sh;
    }
    return count >= 64 ? x : x & (((uint64_t)1 << count) - 1);
}

int ft__digits_any_below(const ft_digit *d, FtSsize n, int64_t pos)
{
    FtSsize j = (FtSsize)(pos / FT_INT_SHIFT);
    for (FtSsize i = 0; i < j && i < n; i++)
        if (d[i])
            return 1;
    int off = (int)(pos % FT_INT_SHIFT);
    return j < n && off && (d[j] & (((ft_digit)1 << off) - 1));
}

double ft__round_bits_to_double(uint64_t x, int sticky, int64_t exp2, int keep)
{
    /* x * 2**exp2, plus a sticky bit below x, rounded half-even to `keep`
     * significant bits (x has more than `keep` bits when it is rounded). */
    int nbits = 0;
    for (uint64_t t = x; t; t >>= 1)
        nbits++;
    int extra = nbits - keep;
    if (extra > 0) {
        uint64_t half = (uint64_t)1 << (extra - 1);
        uint64_t low = x & ((half << 1) - 1);
        x -= low;
        if (low > half || (low == half && (sticky || (x & (half << 1)))))
            x += half << 1;
    }
    return ldexp((double)x, (int)(exp2 < INT32_MIN ? INT32_MIN
                                  : exp2 > INT32_MAX ? INT32_MAX : exp2));
}

int ft_int_as_double(FtObject *op, double *out)
{
    FT_NONNULL(-1, op, out);
    if (ft__int_check(op, "ft_int_as_double") < 0)
        return -1;
    FtSsize n = ft__int_ndigits(op);
    const ft_digit *d = ft__int_digits(op);
    int64_t nb = ft__int_bit_length_c(op);
    double r;
    if (nb <= 64) {
        uint64_t m = 0;
        mag_u64(op, &m);
        r = (double)m;       /* the FPU rounds half-even */
    } else {
        if (nb > 1024) {
            ft_error_set(FT_ERR_OVERFLOW, "int too large to convert to float");
            return -1;
        }
        int64_t shift = nb - 55;
        uint64_t x = ft__digits_get_bits(d, n, shift, 55);
        int sticky = ft__digits_any_below(d, n, shift);
        r = ft__round_bits_to_double(x, sticky, shift, 53);
        if (isinf(r)) {
            ft_error_set(FT_ERR_OVERFLOW, "int too large to convert to float");
            return -1;
        }
    }
    *out = ft__int_size(op) < 0 ? -r : r;
    return 0;
}

/* ---- Comparison, hash, repr ---- */

int ft__int_cmp_mag(FtObject *a, FtObject *b)
{
    FtSsize na = ft__int_ndigits(a), nb = ft__int_ndigits(b);
    if (na != nb)
        return na < nb ? -1 : 1;
    const ft_digit *x = ft__int_digits(a), *y = ft__int_digits(b);
    for (FtSsize i = na; i-- > 0;)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

int ft_int_compare(FtObject *a, FtObject *b)
{
    FT_NONNULL(-1, a, b);
    int sa = ft__int_signof(a), sb = ft__int_signof(b);
    if (sa != sb)
        return sa < sb ? -1 : 1;
    int c = ft__int_cmp_mag(a, b);
    return sa < 0 ? -c : c;
}

int ft_int_sign(FtObject *op)
{
    FT_NONNULL(-1, op);
    return ft__int_signof(op);
}

FtObject *ft__compare_result(int c, FtCompareOp op)
{
    switch (op) {
    case FT_LT: return ft_bool_from(c < 0);
    case FT_LE: return ft_bool_from(c <= 0);
    case FT_EQ: return ft_bool_from(c == 0);
    case FT_NE: return ft_bool_from(c != 0);
    case FT_GT: return ft_bool_from(c > 0);
    default:    return ft_bool_from(c >= 0);
    }
}

FtObject *ft__int_richcompare(FtObject *a, FtObject *b, FtCompareOp op)
{
    if (ft_is_int(b))
        return ft__compare_result(ft_int_compare(a, b), op);
    if (ft_is_float(b)) {
        double d = ft_float_as_double(b);
        if (isnan(d))
            return ft_bool_from(op == FT_NE);
        return ft__compare_result(-ft__compare_double_int(d, a), op);
    }
    return NULL;     /* not implemented for these operands */
}

int64_t ft__int_hash(FtObject *op)
{
    return ft__hash_int_digits(ft__int_digits(op), ft__int_size(op));
}

static FtObject *int_repr(FtObject *op)
{
    size_t len;
    char *buf = ft__int_to_decimal(op, &len);
    if (!buf)
        return NULL;
    FtObject *s = ft_str_from_utf8(buf, (FtSsize)len);
    ft_mem_free(buf);
    return s;
}

static int int_bool(FtObject *op)
{
    return ft__int_size(op) != 0;
}

size_t ft__int_sizeof(FtObject *op)
{
    FtSsize n = ft__int_ndigits(op);
    return FT_INT_HEADER_SIZE + (size_t)(n ? n : 1) * sizeof(ft_digit);
}

/* ---- Random values (benchmarks, tests) ---- */

static uint64_t next_random(uint64_t *state)
{
    /* xorshift64*: any non-zero state works; zero is bumped. */
    uint64_t x = *state ? *state : 0x9E3779B97F4A7C15u;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Du;
}

FtObject *ft_int_random_digits(FtSsize ndigits, uint64_t *state)
{
    FT_NONNULL(NULL, state);
    if (ndigits < 0) {
        ft_error_set(FT_ERR_VALUE, "negative digit count");
        return NULL;
    }
    FtIntObject *v = ft__int_alloc(ndigits);
    if (!v)
        return NULL;
    for (FtSsize i = 0; i < ndigits; i++)
        v->ob_digit[i] = (ft_digit)(next_random(state) >> 34);
    while (ndigits > 0 && v->ob_digit[ndigits - 1] == 0)
        v->ob_digit[ndigits - 1] = (ft_digit)(next_random(state) >> 34);
    return ft__int_finish(v);
}

/* ---- The type ---- */

FtType ft_int_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "int",
    .tp_basicsize = FT_INT_HEADER_SIZE,
    .tp_itemsize = sizeof(ft_digit),
    .tp_flags = FT_TPFLAGS_BASETYPE | FT_TPFLAGS_INT_SUBCLASS,
    .tp_dealloc = int_dealloc,
    .tp_hash = ft__int_hash,
    .tp_richcompare = ft__int_richcompare,
    .tp_repr = int_repr,
    .tp_bool = int_bool,
    .tp_sizeof = ft__int_sizeof,
};

void ft__init_static_header(FtObject *op, FtType *tp)
{
    atomic_init(&op->ob_tid, 0);
    op->ob_flags = 0;
    atomic_init(&op->ob_mutex, 0);
    atomic_init(&op->ob_gc_bits, 0);
    atomic_init(&op->ob_ref_local, FT_IMMORTAL_LOCAL);
    atomic_init(&op->ob_ref_shared, FT_REF_MERGED);
    op->ob_type = tp;
}

int ft__int_init(void)
{
    if (ft__type_ready(&ft_int_type) < 0)
        return -1;
    for (int64_t v = FT_SMALL_INT_MIN; v <= FT_SMALL_INT_MAX; v++) {
        FtIntObject *o = &small_ints[v - FT_SMALL_INT_MIN];
        ft__init_static_header(&o->ob_base.ob_base, &ft_int_type);
        o->ob_base.ob_size = (v > 0) - (v < 0);
        o->ob_digit[0] = (ft_digit)(v < 0 ? -v : v);
    }
    return 0;
}
