/* runtime/float_repr.c: repr(float), the shortest text that reads back as
 * the same double, formatted exactly as Python's repr.
 *
 * Digits: for p = 1..17 significant digits, take the correctly rounded
 * p-digit decimal (snprintf "%.{p-1}e") and keep the first p whose value
 * reads back (strtod) as v. Next to a power of two the rounding interval is
 * lopsided, so a neighbour one unit away in the last digit may read back
 * when the nearest p-digit decimal does not: those are tried too, which
 * gives the same digits as David Gay's shortest mode (17 digits always
 * read back). Layout (Python's float_repr_style 'short'): with the value
 * 0.d1d2...dn * 10**decpt, scientific notation when decpt <= -4 or
 * decpt > 16 ('1e-05', '1e+16', '1.5e+300'), otherwise positional with at
 * least one digit after the point ('0.0001', '123456789012345.0').
 * Pure function of its arguments: any thread.
 */
#include "runtime/internal.h"
#include <math.h>
#include <stdio.h>

/* Does digits * 10**exp10 read back as v? */
static int reads_back(uint64_t digits, int exp10, double v)
{
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%llue%d", (unsigned long long)digits, exp10);
    return strtod(tmp, NULL) == v;
}

/* Shortest digits of v > 0 (finite): the digit string into out (no
 * trailing zeros) and the decimal point position. */
static int shortest_digits(double v, char *out, int *decpt)
{
    char tmp[48];
    for (int p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, v);
        uint64_t d = 0;
        const char *s = tmp;
        for (; *s != 'e'; s++)
            if (*s >= '0' && *s <= '9')
                d = d * 10 + (uint64_t)(*s - '0');
        int e10 = atoi(s + 1);            /* tmp = d1.d2..dp e e10 */
        int scale = e10 - (p - 1);        /* v ~ d * 10**scale */
        uint64_t lo = 1;
        for (int k = 1; k < p; k++)
            lo *= 10;
        uint64_t found = 0;
        if (reads_back(d, scale, v))
            found = d;
        else if (d + 1 < lo * 10 && reads_back(d + 1, scale, v))
            found = d + 1;
        else if (d - 1 >= lo && reads_back(d - 1, scale, v))
            found = d - 1;
        if (!found)
            continue;
        int n = snprintf(out, 20, "%llu", (unsigned long long)found);
        while (n > 1 && out[n - 1] == '0')
            out[--n] = '\0';
        *decpt = scale + p;
        return n;
    }
    ft_fatal("float repr: no round-trip digits for %a", v);
}

int ft_double_repr(double v, char *buf, size_t size)
{
    FT_NONNULL(-1, buf);
    char tmp[64];
    char *p = tmp;
    if (isnan(v)) {
        strcpy(tmp, "nan");
    } else if (isinf(v)) {
        strcpy(tmp, v > 0 ? "inf" : "-inf");
    } else if (v == 0.0) {
        strcpy(tmp, signbit(v) ? "-0.0" : "0.0");
    } else {
        if (v < 0) {
            *p++ = '-';
            v = -v;
        }
        char dg[24];
        int decpt;
        int n = shortest_digits(v, dg, &decpt);
        if (decpt <= -4 || decpt > 16) {
            *p++ = dg[0];
            if (n > 1) {
                *p++ = '.';
                memcpy(p, dg + 1, (size_t)(n - 1));
                p += n - 1;
            }
            int e = decpt - 1;
            p += sprintf(p, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
        } else if (decpt <= 0) {
            *p++ = '0';
            *p++ = '.';
            for (int k = 0; k < -decpt; k++)
                *p++ = '0';
            memcpy(p, dg, (size_t)n);
            p += n;
        } else if (decpt >= n) {
            memcpy(p, dg, (size_t)n);
            p += n;
            for (int k = n; k < decpt; k++)
                *p++ = '0';
            *p++ = '.';
            *p++ = '0';
        } else {
            memcpy(p, dg, (size_t)decpt);
            p += decpt;
            *p++ = '.';
            memcpy(p, dg + decpt, (size_t)(n - decpt));
            p += n - decpt;
        }
        *p = '\0';
    }
    size_t len = strlen(tmp);
    if (len + 1 > size)
        return -1;
    memcpy(buf, tmp, len + 1);
    return (int)len;
}
