/* fuzz/fuzz_float_repr.c: repr(float) is the shortest text that reads back.
 *
 * Input: 8 bytes per double (any bit pattern: subnormals, infinities, NaNs).
 * For each: ft_double_repr's text reads back (strtod) as the same double
 * (NaN as a NaN, -0.0 with its sign); it is no longer than the shortest
 * "%.{k}g" that round-trips (an independent bound from the C library); its
 * layout is Python's (exponent form iff the decimal exponent is < -4 or
 * >= 16; otherwise a point with at least one digit after it); and
 * ft_repr(ft_float_from_double(v)) is the same text. */
#include "fuzz_common.h"
#include <math.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    fuzz_init();
    return 0;
}

static int significant_digits(const char *s)
{
    int n = 0, started = 0;
    const char *last = s;
    for (const char *p = s; *p && *p != 'e'; p++) {
        if (*p >= '1' && *p <= '9')
            started = 1;
        if (started && *p >= '0' && *p <= '9') {
            n++;
            if (*p != '0')
                last = p;
        }
    }
    /* trailing zeros of a positional form ("100.0") are not significant */
    int trailing = 0;
    for (const char *p = last + 1; *p && *p != 'e'; p++)
        if (*p == '0')
            trailing++;
    return started ? n - trailing : 1;
}

static void check(double v)
{
    char buf[64];
    int len = ft_double_repr(v, buf, sizeof buf);
    FUZZ_ASSERT(len > 0 && (size_t)len == strlen(buf), "repr failed for %a", v);
    FUZZ_ASSERT(ft_double_repr(v, buf, (size_t)len) == -1, "small buffer accepted");
    FtObject *f = ft_float_from_double(v), *r = f ? ft_repr(f) : NULL;
    FUZZ_ASSERT(r && strcmp(ft_str_as_utf8(r, NULL), buf) == 0, "ft_repr differs");
    ft_decref(r);
    ft_decref(f);
    if (isnan(v)) {
        FUZZ_ASSERT(strcmp(buf, "nan") == 0, "nan repr %s", buf);
        return;
    }
    if (isinf(v)) {
        FUZZ_ASSERT(strcmp(buf, v > 0 ? "inf" : "-inf") == 0, "inf repr %s", buf);
        return;
    }
    double back = strtod(buf, NULL);
    FUZZ_ASSERT(memcmp(&back, &v, sizeof v) == 0, "%s reads back as %a, not %a",
                buf, back, v);
    if (v == 0.0)
        return;
    int k;
    char tmp[64];
    for (k = 1; k <= 17; k++) {
        snprintf(tmp, sizeof tmp, "%.*g", k, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    int nd = significant_digits(buf);
    FUZZ_ASSERT(nd <= k, "%s has %d digits, %%.%dg = %s round-trips", buf, nd, k, tmp);
    /* layout: the decimal exponent of the first significant digit */
    const char *e = strchr(buf, 'e');
    if (e) {
        int e10 = atoi(e + 1);
        FUZZ_ASSERT(e10 < -4 || e10 >= 16, "%s: exponent form for %d", buf, e10);
    } else {
        const char *dot = strchr(buf, '.');
        FUZZ_ASSERT(dot && dot[1] >= '0' && dot[1] <= '9', "%s: no digit after the point", buf);
        const char *p = buf + (buf[0] == '-');
        const char *first = p;
        while (*first == '0' || *first == '.')
            first++;
        int e10 = first < dot ? (int)(dot - first) - 1 : -(int)(first - dot);
        FUZZ_ASSERT(e10 >= -4 && e10 < 16, "%s: positional form for exponent %d", buf, e10);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t before = fuzz_live();
    for (size_t i = 0; i + 8 <= size; i += 8) {
        double v;
        memcpy(&v, data + i, 8);
        check(v);
    }
    FUZZ_CHECK_LIVE(before);
    return 0;
}
