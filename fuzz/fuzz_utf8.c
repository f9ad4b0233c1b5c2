/* fuzz/fuzz_utf8.c: strict UTF-8 decoding.
 *
 * Input: arbitrary bytes. An independent strict validator here (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF) decides; then
 *   - valid: ft_str_from_utf8 succeeds, its length is the number of code
 *     points, every code point matches, and ft_str_as_utf8 gives back the
 *     same bytes (byte-exact round trip, embedded NULs included);
 *   - invalid: it fails with FT_ERR_UNICODE.
 * The same bytes as ucs4 code points (ft_str_from_ucs4) give an equal str. */
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    fuzz_init();
    return 0;
}

/* Decode strictly into cps; returns the count, or -1 if invalid. */
static long decode(const uint8_t *s, size_t n, uint32_t *cps)
{
    long k = 0;
    for (size_t i = 0; i < n;) {
        uint8_t c = s[i];
        uint32_t cp;
        size_t len;
        if (c < 0x80) { cp = c; len = 1; }
        else if (c >= 0xC2 && c <= 0xDF) { cp = c & 0x1F; len = 2; }
        else if (c >= 0xE0 && c <= 0xEF) { cp = c & 0x0F; len = 3; }
        else if (c >= 0xF0 && c <= 0xF4) { cp = c & 0x07; len = 4; }
        else return -1;
        if (i + len > n)
            return -1;
        for (size_t j = 1; j < len; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return -1;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))
            || (cp >= 0xD800 && cp <= 0xDFFF))
            return -1;
        cps[k++] = cp;
        i += len;
    }
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t before = fuzz_live();
    uint32_t *cps = malloc((size + 1) * sizeof *cps);
    long n = decode(data, size, cps);
    FtObject *s = ft_str_from_utf8((const char *)data, (FtSsize)size);
    if (n < 0) {
        FUZZ_ASSERT(!s, "invalid UTF-8 accepted (%zu bytes)", size);
        FUZZ_ASSERT(ft_error_kind() == FT_ERR_UNICODE, "wrong error kind");
        ft_error_clear();
    } else {
        FUZZ_ASSERT(s, "valid UTF-8 rejected (%zu bytes)", size);
        FUZZ_ASSERT(ft_str_length(s) == n, "length %td, expected %ld",
                    ft_str_length(s), n);
        for (long i = 0; i < n; i++)
            FUZZ_ASSERT(ft_str_read_char(s, i) == cps[i], "code point %ld", i);
        FtSsize len;
        const char *back = ft_str_as_utf8(s, &len);
        FUZZ_ASSERT(back && (size_t)len == size && memcmp(back, data, size) == 0,
                    "round trip not byte-exact");
        FtObject *u = ft_str_from_ucs4(cps, n);
        FUZZ_ASSERT(u && ft_str_equal(u, s) == 1, "ucs4 form differs");
        FUZZ_ASSERT(ft_hash(u) == ft_hash(s), "hash differs");
        ft_decref(u);
        ft_decref(s);
    }
    free(cps);
    FUZZ_CHECK_LIVE(before);
    return 0;
}
