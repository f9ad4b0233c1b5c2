/* runtime/int_convert.c: int <-> text.
 *
 * Parsing follows Python's int(str, base) rules: surrounding whitespace, an
 * optional sign, base 0 (prefix 0x/0o/0b picks the base, otherwise decimal
 * without leading zeros) or 2..36 (the matching prefix is allowed), single
 * underscores between digits or right after a prefix.
 *
 * Neither direction is quadratic for long values:
 *   text -> int: power-of-two bases pack bits (linear); other bases split
 *     the digit string in halves, value = high * base**L + low, with the
 *     powers base**(c * 2**j) computed once per call by squaring (c digits
 *     fit one 30-bit digit), so the cost is O(M(n) log n) with Karatsuba M;
 *   int -> decimal: x = q * 10**(9 * 2**j) + r recursively, the divisions
 *     done by Burnikel-Ziegler (int_arith.c); leaves below
 *     FT_DEC_LEAF_DIGITS digits use the classic base-10**9 quadratic loop.
 * Callable from any attached thread; all state is local to the call.
 */
#include "runtime/int_impl.h"
#include <math.h>

#define FT_DEC_LEAF_DIGITS 150      /* leaves of the int -> decimal split */
#define FT_PARSE_LEAF_CHUNKS 40     /* leaves of the text -> int split */
#define FT_MAX_POWS 64

/* ---- The int text limit (ft_set_int_max_str_digits) ----
 * Runtime-wide, relaxed: a change only has to be seen eventually. */
static _Atomic FtSsize max_str_digits = FT_INT_MAX_STR_DIGITS_DEFAULT;

int ft_set_int_max_str_digits(FtSsize maxdigits)
{
    if (maxdigits != 0 && maxdigits < FT_INT_MAX_STR_DIGITS_THRESHOLD) {
        ft_error_set(FT_ERR_VALUE, "maxdigits must be >= %d or 0",
                     FT_INT_MAX_STR_DIGITS_THRESHOLD);
        return -1;
    }
    ft_atomic_store_relaxed(&max_str_digits, maxdigits);
    return 0;
}

FtSsize ft_get_int_max_str_digits(void)
{
    return ft_atomic_load_relaxed(&max_str_digits);
}

#define LIMIT_HINT "use ft_set_int_max_str_digits() to increase the limit"

/* ---- Parsing ---- */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return 99;
}

static void invalid_literal(const char *s, size_t len, int base)
{
    size_t shown = len > 200 ? 200 : len;
    ft_error_set(FT_ERR_VALUE, "invalid literal for int() with base %d: '%.*s'",
                 base, (int)shown, s);
}

/* Powers base**(c * 2**j), computed on demand; owned by the caller. */
typedef struct PowCache {
    FtObject *p[FT_MAX_POWS];
    int n;
} PowCache;

static FtObject *pow_get(PowCache *pc, int j, ft_digit first)
{
    if (j < 0 || j >= FT_MAX_POWS) {
        ft_error_set(FT_ERR_OVERFLOW, "int conversion: number too large");
        return NULL;
    }
    /* An unsigned index: gcc -O3 cannot prove n >= 1 on the mul branch and
     * warns (-Warray-bounds) about p[n - 1] with a signed one. */
    unsigned n = (unsigned)pc->n;
    while (n <= (unsigned)j) {
        FtObject *v = n == 0 ? ft_int_from_u64(first)
                             : ft_int_mul(pc->p[n - 1], pc->p[n - 1]);
        if (!v)
            return NULL;
        pc->p[n++] = v;
        pc->n = (int)n;
    }
    return pc->p[j];
}

static void pow_clear(PowCache *pc)
{
    for (int i = 0; i < pc->n; i++)
        ft_decref(pc->p[i]);
    pc->n = 0;
}

/* Quadratic: digits (values < base) to an int, c digits per step. */
static FtObject *parse_leaf(const uint8_t *dv, FtSsize n, int base, int c)
{
    FtSsize cap = (FtSsize)((double)n * log2((double)base) / FT_INT_SHIFT) + 2;
    FtIntObject *z = ft__int_alloc(cap);
    if (!z)
        return NULL;
    FtSsize size = 0;
    for (FtSsize i = 0; i < n;) {
        ft_digit chunk = 0, mult = 1;
        for (int k = 0; k < c && i < n; k++, i++) {
            chunk = chunk * (ft_digit)base + dv[i];
            mult *= (ft_digit)base;
        }
        ft_digit carry = ft__muladd1(z->ob_digit, size, mult, chunk);
        if (carry)
            z->ob_digit[size++] = carry;
    }
    ft__int_set_size(z, size);
    return ft__int_finish(z);
}

static FtObject *parse_rec(const uint8_t *dv, FtSsize n, int base, int c,
                           PowCache *pc)
{
    if (n <= (FtSsize)c * FT_PARSE_LEAF_CHUNKS)
        return parse_leaf(dv, n, base, c);
    int j = 0;
    while ((FtSsize)c << (j + 1) < n)
        j++;
    FtSsize low = (FtSsize)c << j;      /* low < n <= 2 * low */
    FtObject *p = pow_get(pc, j, 0);
    if (!p)
        return NULL;
    FtObject *hi = parse_rec(dv, n - low, base, c, pc);
    FtObject *lo = hi ? parse_rec(dv + n - low, low, base, c, pc) : NULL;
    FtObject *t = lo ? ft_int_mul(hi, p) : NULL;
    FtObject *r = t ? ft_int_add(t, lo) : NULL;
    ft_xdecref(hi);
    ft_xdecref(lo);
    ft_xdecref(t);
    return r;
}

static FtObject *parse_digits(const uint8_t *dv, FtSsize n, int base)
{
    if ((base & (base - 1)) == 0) {      /* power of two: pack bits */
        int bits = 0;
        while ((1 << bits) < base)
            bits++;
        int64_t total = (int64_t)n * bits;
        FtIntObject *z = ft__int_alloc((FtSsize)((total + FT_INT_SHIFT - 1) / FT_INT_SHIFT));
        if (!z)
            return NULL;
        FtSsize nz = ft__int_ndigits((FtObject *)z);
        memset(z->ob_digit, 0, (size_t)nz * sizeof(ft_digit));
        for (FtSsize i = 0; i < n; i++) {
            int64_t pos = (int64_t)(n - 1 - i) * bits;
            ft_twodigits v = (ft_twodigits)dv[i] << (pos % FT_INT_SHIFT);
            FtSsize k = (FtSsize)(pos / FT_INT_SHIFT);
            z->ob_digit[k] |= (ft_digit)(v & FT_INT_MASK);
            if (v >> FT_INT_SHIFT)
                z->ob_digit[k + 1] |= (ft_digit)(v >> FT_INT_SHIFT);
        }
        return ft__int_finish(z);
    }
    int c = 0;
    ft_digit first = 1;
    while ((ft_twodigits)first * (ft_digit)base <= FT_INT_BASE) {
        first *= (ft_digit)base;
        c++;
    }
    PowCache pc = { .n = 0 };
    if (!pow_get(&pc, 0, first))
        return NULL;
    FtObject *r = parse_rec(dv, n, base, c, &pc);
    pow_clear(&pc);
    return r;
}

/* Parse the digits of s[i..end) with underscores: fills dv, returns the
 * count, or -1 on a syntax error. `after_prefix`: an underscore may lead. */
static FtSsize collect_digits(const char *s, size_t i, size_t end, int base,
                              int after_prefix, uint8_t *dv)
{
    FtSsize n = 0;
    int prev_us = 0;
    for (; i < end; i++) {
        if (s[i] == '_') {
            if (prev_us || (n == 0 && !after_prefix))
                return -1;
            prev_us = 1;
            continue;
        }
        int v = digit_value(s[i]);
        if (v >= base)
            return -1;
        dv[n++] = (uint8_t)v;
        prev_us = 0;
    }
    return prev_us || n == 0 ? -1 : n;
}

FtObject *ft_int_from_string(const char *s, FtSsize len, int base)
{
    FT_NONNULL(NULL, s);
    size_t n = len < 0 ? strlen(s) : (size_t)len;
    if (base != 0 && (base < 2 || base > 36)) {
        ft_error_set(FT_ERR_VALUE, "int() base must be >= 2 and <= 36, or 0");
        return NULL;
    }
    size_t i = 0, end = n;
    while (i < end && is_space(s[i]))
        i++;
    while (end > i && is_space(s[end - 1]))
        end--;
    int neg = 0;
    if (i < end && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    int b = base, prefixed = 0;
    if (end - i >= 2 && s[i] == '0') {
        char p = (char)(s[i + 1] | 0x20);
        int pb = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
        if (pb && (base == 0 || base == pb)) {
            b = pb;
            prefixed = 1;
            i += 2;
        }
    }
    if (b == 0)
        b = 10;
    uint8_t *dv = ft_mem_alloc(end > i ? end - i : 1);
    if (!dv)
        return NULL;
    FtSsize nd = collect_digits(s, i, end, b, prefixed, dv);
    if (nd > 0 && base == 0 && !prefixed && dv[0] == 0) {
        for (FtSsize k = 1; k < nd; k++)
            if (dv[k])
                nd = -1;      /* base 0: no leading zeros */
    }
    if (nd < 0) {
        ft_mem_free(dv);
        invalid_literal(s, n, base);
        return NULL;
    }
    FtSsize limit = ft_get_int_max_str_digits();
    if (limit > 0 && nd > limit && (b & (b - 1)) != 0) {
        ft_mem_free(dv);
        ft_error_set(FT_ERR_VALUE, "Exceeds the limit (%td digits) for integer "
                     "string conversion: value has %td digits; " LIMIT_HINT,
                     limit, nd);
        return NULL;
    }
    FtObject *r = parse_digits(dv, nd, b);
    ft_mem_free(dv);
    if (r && neg && ft__int_signof(r) != 0) {
        FtObject *t = ft__int_copy_signed(r, -1);
        ft_decref(r);
        r = t;
    }
    return r;
}

/* ---- Output ---- */

/* Quadratic decimal conversion of |x| into exactly `width` characters,
 * zero-filled on the left (x < 10**width). 0 or -1. */
static int dec_leaf(FtObject *x, char *out, size_t width)
{
    FtSsize n = ft__int_ndigits(x);
    const ft_digit *d = ft__int_digits(x);
    /* 10**9 > 2**29.89: each 30-bit digit adds at most 1.004 chunks */
    FtSsize cap = 1 + n + n / 100 + 1;
    uint32_t *pout = ft_mem_alloc((size_t)cap * sizeof(uint32_t));
    if (!pout)
        return -1;
    FtSsize size = 0;
    for (FtSsize i = n; i-- > 0;) {
        ft_digit hi = d[i];
        for (FtSsize j = 0; j < size; j++) {
            ft_twodigits z = ((ft_twodigits)pout[j] << FT_INT_SHIFT) | hi;
            hi = (ft_digit)(z / 1000000000u);
            pout[j] = (uint32_t)(z - (ft_twodigits)hi * 1000000000u);
        }
        while (hi) {
            pout[size++] = hi % 1000000000u;
            hi /= 1000000000u;
        }
    }
    memset(out, '0', width);
    char *p = out + width;
    for (FtSsize j = 0; j < size && p > out; j++) {
        uint32_t v = pout[j];
        for (int k = 0; k < 9 && p > out; k++, v /= 10)
            *--p = (char)('0' + v % 10);
    }
    ft_mem_free(pout);
    return 0;
}

/* |x| < 10**(9 * 2**(j+1)) into exactly that many characters. */
static int dec_rec(FtObject *x, int j, PowCache *pc, char *out)
{
    size_t width = (size_t)9 << (j + 1);
    if (j < 0 || ft__int_ndigits(x) <= FT_DEC_LEAF_DIGITS)
        return dec_leaf(x, out, j < 0 ? 9 : width);
    FtObject *q, *r;
    if (ft__int_divrem_mag(x, pc->p[j], &q, &r) < 0)
        return -1;
    int rc = dec_rec(q, j - 1, pc, out);
    if (rc == 0)
        rc = dec_rec(r, j - 1, pc, out + width / 2);
    ft_decref(q);
    ft_decref(r);
    return rc;
}

static void *to_str_limit_error(FtSsize limit)
{
    ft_error_set(FT_ERR_VALUE, "Exceeds the limit (%td digits) for integer "
                 "string conversion; " LIMIT_HINT, limit);
    return NULL;
}

char *ft__int_to_decimal(FtObject *op, size_t *len_out)
{
    int64_t bits = ft__int_bit_length_c(op);
    /* The limit, checked before the superlinear work from the bit length
     * (2**(bits-1) has more than (bits-1) * log10(2) digits), and exactly
     * once the text is known. */
    FtSsize limit = ft_get_int_max_str_digits();
    if (limit > 0 && bits > 1 && (double)(bits - 1) * 0.30102999566398120 > (double)limit + 1)
        return to_str_limit_error(limit);
    PowCache pc = { .n = 0 };
    int j = -1;
    size_t width = 9;
    if (ft__int_ndigits(op) > FT_DEC_LEAF_DIGITS) {
        /* smallest j with (10**(9 * 2**j))**2 > |op| */
        for (j = 0;; j++) {
            FtObject *p = pow_get(&pc, j, 1000000000u);
            if (!p) {
                pow_clear(&pc);
                return NULL;
            }
            if (2 * (ft__int_bit_length_c(p) - 1) >= bits)
                break;
        }
        width = (size_t)9 << (j + 1);
    } else {
        width = (size_t)(bits * 0.30103) + 2;   /* >= decimal digits */
    }
    char *buf = ft_mem_alloc(width + 2);
    if (!buf) {
        pow_clear(&pc);
        return NULL;
    }
    int rc = j < 0 ? dec_leaf(op, buf + 1, width) : dec_rec(op, j, &pc, buf + 1);
    pow_clear(&pc);
    if (rc < 0) {
        ft_mem_free(buf);
        return NULL;
    }
    size_t lead = 0;
    while (lead + 1 < width && buf[1 + lead] == '0')
        lead++;
    size_t len = width - lead;
    if (limit > 0 && len > (size_t)limit) {
        ft_mem_free(buf);
        return to_str_limit_error(limit);
    }
    size_t start = 1 + lead;
    if (ft__int_signof(op) < 0)
        buf[--start] = '-', len++;
    memmove(buf, buf + start, len);
    buf[len] = '\0';
    if (len_out)
        *len_out = len;
    return buf;
}

char *ft_int_to_cstring(FtObject *op, size_t *len_out)
{
    FT_NONNULL(NULL, op);
    if (ft__int_check(op, "ft_int_to_cstring") < 0)
        return NULL;
    return ft__int_to_decimal(op, len_out);
}

/* Base 2, 8, 16 with the 0b/0o/0x prefix, into a ft_mem buffer. */
static char *to_pow2_base(FtObject *op, int base, size_t *len_out)
{
    int bits = base == 2 ? 1 : base == 8 ? 3 : 4;
    int64_t nbits = ft__int_bit_length_c(op);
    int64_t ndig = nbits ? (nbits + bits - 1) / bits : 1;
    size_t len = (size_t)ndig + 2 + (ft__int_signof(op) < 0);
    char *buf = ft_mem_alloc(len + 1);
    if (!buf)
        return NULL;
    char *p = buf + len;
    *p = '\0';
    const ft_digit *d = ft__int_digits(op);
    FtSsize n = ft__int_ndigits(op);
    for (int64_t k = 0; k < ndig; k++) {
        unsigned v = (unsigned)ft__digits_get_bits(d, n, k * bits, bits);
        *--p = "0123456789abcdef"[v];
    }
    *--p = base == 2 ? 'b' : base == 8 ? 'o' : 'x';
    *--p = '0';
    if (p > buf)
        *--p = '-';
    *len_out = len;
    return buf;
}

FtObject *ft_int_to_string(FtObject *op, int base)
{
    FT_NONNULL(NULL, op);
    if (ft__int_check(op, "ft_int_to_string") < 0)
        return NULL;
    if (base != 2 && base != 8 && base != 10 && base != 16) {
        ft_error_set(FT_ERR_VALUE, "ft_int_to_string: base must be 2, 8, 10 or 16");
        return NULL;
    }
    size_t len;
    char *buf = base == 10 ? ft__int_to_decimal(op, &len)
                           : to_pow2_base(op, base, &len);
    if (!buf)
        return NULL;
    FtObject *s = ft_str_from_utf8(buf, (FtSsize)len);
    ft_mem_free(buf);
    return s;
}
