/* runtime/parse.c: text to number for protocols (ftrt/number.h):
 * ft_float_from_string (Python's float() grammar) and the strict decimal
 * integer parsers ft_int_from_decimal_strict and ft_parse_int64_strict.
 *
 * float: the text is checked against Python's grammar here, then a cleaned
 * copy (no whitespace, no underscores) is converted by glibc's strtod_l in
 * the "C" locale, which is correctly rounded, so the result is the double
 * Python gives, never the current locale's decimal comma. Hex floats,
 * which strtod would take, are rejected by the grammar check first.
 *
 * Pure functions of their input; the C locale object is created once
 * (pthread_once) and only read afterwards.
 */
#include "runtime/internal.h"
#include "alloc/alloc.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Python's error text: could not convert string to float: '<s>'. */
static void float_error(const char *s, FtSsize len)
{
    FtObject *str = ft_str_from_utf8(s, len);
    FtObject *r = str ? ft_repr(str) : NULL;
    const char *t = r ? ft_str_as_utf8(r, NULL) : NULL;
    if (t)
        ft_error_set(FT_ERR_VALUE, "could not convert string to float: %s", t);
    else
        ft_error_set(FT_ERR_VALUE, "could not convert string to float "
                     "(%td bytes, not UTF-8)", len);
    ft_xdecref(r);
    ft_xdecref(str);
}

/* digitpart: digit (["_"] digit)*, copied without underscores into out
 * (if not NULL). Returns the characters consumed, 0 if none or malformed
 * (then *bad is set when an underscore is misplaced). */
static FtSsize digitpart(const char *p, const char *end, char **out, int *bad)
{
    const char *q = p;
    if (q == end || !is_digit(*q))
        return 0;
    while (q < end) {
        if (is_digit(*q)) {
            if (*out)
                *(*out)++ = *q;
            q++;
        } else if (*q == '_' && q + 1 < end && is_digit(q[1])) {
            q++;
        } else {
            if (*q == '_')
                *bad = 1;
            break;
        }
    }
    return q - p;
}

/* Case-insensitive match of word at p[0..n). */
static int word_is(const char *p, FtSsize n, const char *word)
{
    if ((size_t)n != strlen(word))
        return 0;
    for (FtSsize i = 0; i < n; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return 0;
    }
    return 1;
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
    c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

/* Check the number part p[0..n) (no sign, no spaces) against Python's
 * grammar and write it without underscores to out (n + 1 bytes). 0 ok. */
static int clean_number(const char *p, FtSsize n, char *out)
{
    const char *end = p + n;
    int bad = 0;
    FtSsize k = digitpart(p, end, &out, &bad), frac = 0;
    p += k;
    if (bad)
        return -1;
    if (p < end && *p == '.') {
        *out++ = '.';
        p++;
        frac = digitpart(p, end, &out, &bad);
        p += frac;
        if (bad)
            return -1;
    }
    if (k == 0 && frac == 0)
        return -1;              /* no digits: "", ".", "e5" */
    if (p < end && (*p == 'e' || *p == 'E')) {
        *out++ = 'e';
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            *out++ = *p++;
        FtSsize e = digitpart(p, end, &out, &bad);
        if (e == 0 || bad)
            return -1;
        p += e;
    }
    *out = '\0';
    return p == end ? 0 : -1;
}

FtObject *ft_float_from_string(const char *s, FtSsize len)
{
    FT_NONNULL(NULL, s);
    if (len < 0)
        len = (FtSsize)strlen(s);
    const char *p = s, *end = s + len;
    while (p < end && is_space(*p))
        p++;
    while (end > p && is_space(end[-1]))
        end--;
    int neg = 0;
    if (p < end && (*p == '+' || *p == '-'))
        neg = *p++ == '-';
    FtSsize n = end - p;
    if (word_is(p, n, "inf") || word_is(p, n, "infinity"))
        return ft_float_from_double(neg ? -INFINITY : INFINITY);
    if (word_is(p, n, "nan"))
        return ft_float_from_double(neg ? -NAN : NAN);
    char small[128], *buf = small;
    if ((size_t)n + 1 > sizeof small && !(buf = ft_mem_alloc((size_t)n + 1)))
        return NULL;
    double v = 0.0;
    int ok = clean_number(p, n, buf) == 0;
    if (ok) {
        pthread_once(&c_locale_once, c_locale_init);
        char *stop;
        errno = 0;
        /* ERANGE is fine: overflow gives +-HUGE_VAL (inf), underflow a
         * denormal or zero, as Python. */
        v = c_locale ? strtod_l(buf, &stop, c_locale) : strtod(buf, &stop);
        ok = *stop == '\0';
    }
    if (buf != small)
        ft_mem_free(buf);
    if (!ok) {
        float_error(s, len);
        return NULL;
    }
    return ft_float_from_double(neg ? -v : v);
}

/* ---- Strict decimal integers ---- */

/* Optional sign, then one or more ASCII digits, nothing else. Returns the
 * index of the first digit, or -1 with FT_ERR_VALUE. */
static FtSsize check_decimal(const char *s, FtSsize len, const char *what)
{
    FtSsize i = 0;
    if (len > 0 && (s[0] == '+' || s[0] == '-'))
        i = 1;
    int ok = i < len;
    for (FtSsize j = i; ok && j < len; j++)
        ok = is_digit(s[j]);
    if (!ok) {
        FtObject *str = ft_str_from_utf8(s, len);
        FtObject *r = str ? ft_repr(str) : NULL;
        const char *t = r ? ft_str_as_utf8(r, NULL) : NULL;
        ft_error_set(FT_ERR_VALUE, "invalid literal for %s: %s", what,
                     t ? t : "(not UTF-8)");
        ft_xdecref(r);
        ft_xdecref(str);
        return -1;
    }
    return i;
}

int ft_parse_int64_strict(const char *s, FtSsize len, int64_t *out)
{
    FT_NONNULL(-1, s, out);
    if (len < 0)
        len = (FtSsize)strlen(s);
    FtSsize i = check_decimal(s, len, "a strict decimal int64");
    if (i < 0)
        return -1;
    int neg = s[0] == '-';
    /* Accumulate the magnitude as unsigned; the limit is 2**63 for a
     * negative number, 2**63 - 1 otherwise. */
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, m = 0;
    uint64_t lim10 = limit / 10, limd = limit % 10;
    for (; i < len; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (m > lim10 || (m == lim10 && d > limd)) {
            ft_error_set(FT_ERR_OVERFLOW, "decimal integer out of the int64 range");
            return -1;
        }
        m = m * 10 + d;
    }
    *out = neg ? (int64_t)(0 - m) : (int64_t)m;
    return 0;
}

FtObject *ft_int_from_decimal_strict(const char *s, FtSsize len)
{
    FT_NONNULL(NULL, s);
    if (len < 0)
        len = (FtSsize)strlen(s);
    FtSsize i = check_decimal(s, len, "int() with base 10 (strict)");
    if (i < 0)
        return NULL;
    if (len - i <= 18) {                /* fits an int64: no big-int parse */
        int64_t v;
        if (ft_parse_int64_strict(s, len, &v) < 0)
            return NULL;
        return ft_int_from_i64(v);
    }
    /* Validated: only sign and digits, which the literal parser takes. */
    return ft_int_from_string(s, len, 10);
}
