/* fuzz/fuzz_int_text.c: int <-> text in every base 2..36.
 *
 * Input: byte 0 picks the base (2..36, or 0 for the prefix rules), the rest
 * is the text. Parsing either fails with FT_ERR_VALUE, or gives x; then
 *   - x printed in that base by schoolbook division here (independent of the
 *     library's divide-and-conquer parser) parses back to x, and
 *   - x in decimal (ft_int_to_cstring), and in base 2, 8 and 16 with their
 *     prefixes (ft_int_to_string), parse back to x with base 0;
 *   - the decimal text is canonical: printing the re-parsed value gives the
 *     same bytes.
 * The int text limit is off (inputs are bounded by -max_len). */
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    fuzz_init();
    ft_set_int_max_str_digits(0);
    return 0;
}

/* |x| in base b, schoolbook: repeated divmod by b. Returns a malloc'd
 * string with sign, no prefix. */
static char *to_base(FtObject *x, int b)
{
    static const char digs[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    size_t cap = 64, n = 0;
    char *out = malloc(cap);
    int neg = ft_int_sign(x) < 0;
    FtObject *v = neg ? ft_int_neg(x) : (ft_incref(x), x);
    FtObject *base = ft_int_from_i64(b);
    FUZZ_ASSERT(v && base, "alloc");
    do {
        FtObject *q, *r;
        FUZZ_ASSERT(ft_int_divmod(v, base, &q, &r) == 0, "divmod");
        int64_t d;
        FUZZ_ASSERT(ft_int_as_i64(r, &d) == 0 && d >= 0 && d < b, "digit");
        if (n + 2 >= cap)
            out = realloc(out, cap *= 2);
        out[n++] = digs[d];
        ft_decref(r);
        ft_decref(v);
        v = q;
    } while (ft_int_sign(v) != 0);
    ft_decref(v);
    ft_decref(base);
    if (neg)
        out[n++] = '-';
    for (size_t i = 0; i < n / 2; i++) {
        char t = out[i];
        out[i] = out[n - 1 - i];
        out[n - 1 - i] = t;
    }
    out[n] = '\0';
    return out;
}

static void expect_same(FtObject *x, const char *text, int base, const char *what)
{
    FtObject *y = ft_int_from_string(text, -1, base);
    FUZZ_ASSERT(y, "%s text does not parse back: %.80s", what, text);
    FUZZ_ASSERT(ft_int_compare(x, y) == 0, "%s round trip differs: %.80s", what, text);
    ft_decref(y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int base = data[0] % 36;            /* 0 or 2..35, 36 below */
    if (base == 1)
        base = 36;
    int64_t before = fuzz_live();
    FtObject *x = ft_int_from_string((const char *)data + 1, (FtSsize)(size - 1), base);
    if (!x) {
        FUZZ_ASSERT(ft_error_kind() == FT_ERR_VALUE, "parse failed with another kind");
        ft_error_clear();
        FUZZ_CHECK_LIVE(before);
        return 0;
    }
    int b = base ? base : 10;
    char *own = to_base(x, b);
    /* base 0 only takes decimal without a prefix: own is decimal then */
    expect_same(x, own, base, "schoolbook");
    free(own);
    size_t len;
    char *dec = ft_int_to_cstring(x, &len);
    FUZZ_ASSERT(dec && strlen(dec) == len, "to_cstring");
    expect_same(x, dec, 0, "decimal");
    FtObject *again = ft_int_from_string(dec, (FtSsize)len, 10);
    char *dec2 = ft_int_to_cstring(again, NULL);
    FUZZ_ASSERT(dec2 && strcmp(dec, dec2) == 0, "decimal text not canonical");
    ft_mem_free(dec2);
    ft_decref(again);
    ft_mem_free(dec);
    static const int pow2[] = { 2, 8, 16 };
    for (int i = 0; i < 3; i++) {
        FtObject *s = ft_int_to_string(x, pow2[i]);
        FUZZ_ASSERT(s, "to_string base %d", pow2[i]);
        expect_same(x, ft_str_as_utf8(s, NULL), 0, "prefixed");
        expect_same(x, ft_str_as_utf8(s, NULL), pow2[i], "prefixed, explicit base");
        ft_decref(s);
    }
    ft_decref(x);
    FUZZ_CHECK_LIVE(before);
    return 0;
}
