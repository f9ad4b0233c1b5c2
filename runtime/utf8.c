/* runtime/utf8.c: strict UTF-8 decoding into str, encoding from str, and
 * the per-string UTF-8 cache.
 *
 * Decoding accepts exactly the well-formed UTF-8 of the Unicode standard
 * (table 3-7): no overlong forms (C0, C1, E0 80..9F, F0 80..8F), no
 * surrogates (ED A0..BF), nothing above U+10FFFF (F4 90.., F5..FF), no stray
 * continuation bytes, no truncated sequences. An error is FT_ERR_UNICODE
 * with the same start offset and reason as Python's decoder:
 *
 *   "invalid start byte 0xff at offset 3"
 *   "invalid continuation byte 0x28 after 0xe2 at offset 0"
 *   "unexpected end of data after 0xe2 at offset 0"
 *
 * (offset = Python's UnicodeDecodeError.start: the first byte of the bad
 * sequence; for a continuation error the message also names the offending
 * byte). Decoding runs in two passes: validate while counting code points
 * and finding the widest (which fixes the kind), then write. Pure ASCII
 * input takes a word-at-a-time fast path and a single memcpy.
 *
 * Encoding writes the standard form; a lone surrogate (which a str may hold,
 * as in Python) cannot be encoded: FT_ERR_UNICODE.
 *
 * The cache (FtStrCompact.utf8) is filled on first use by whichever thread
 * asks, published by compare-and-swap; see str_impl.h for the fields.
 */
#include "runtime/str_impl.h"

/* ---- Decoding ---- */

enum { U8_OK, U8_BAD_START, U8_BAD_CONT, U8_TRUNCATED };

/* Length of the ASCII prefix of p[0..n). */
static FtSsize ascii_prefix(const uint8_t *p, FtSsize n)
{
    FtSsize i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ULL)
            break;
    }
    while (i < n && p[i] < 0x80)
        i++;
    return i;
}

/* Decode the sequence at p (avail bytes left, avail >= 1, p[0] >= 0x80).
 * On U8_OK: *cp and *used. On U8_BAD_CONT: *used = index of the bad byte. */
static int decode_seq(const uint8_t *p, FtSsize avail, uint32_t *cp, int *used)
{
    uint8_t b0 = p[0];
    int n;
    uint8_t lo = 0x80, hi = 0xBF;      /* range of the first continuation */
    uint32_t c;
    if (b0 < 0xC2 || b0 > 0xF4)
        return U8_BAD_START;
    if (b0 < 0xE0) {
        n = 2; c = b0 & 0x1F;
    } else if (b0 < 0xF0) {
        n = 3; c = b0 & 0x0F;
        if (b0 == 0xE0) lo = 0xA0;            /* overlong */
        if (b0 == 0xED) hi = 0x9F;            /* surrogates */
    } else {
        n = 4; c = b0 & 0x07;
        if (b0 == 0xF0) lo = 0x90;            /* overlong */
        if (b0 == 0xF4) hi = 0x8F;            /* > U+10FFFF */
    }
    for (int i = 1; i < n; i++) {
        if (i >= avail)
            return U8_TRUNCATED;
        uint8_t b = p[i];
        if (b < lo || b > hi) {
            *used = i;
            return U8_BAD_CONT;
        }
        lo = 0x80; hi = 0xBF;
        c = (c << 6) | (b & 0x3F);
    }
    *cp = c;
    *used = n;
    return U8_OK;
}

static void decode_error(int status, const uint8_t *p, FtSsize at, int bad)
{
    if (status == U8_BAD_START)
        ft_error_set(FT_ERR_UNICODE, "invalid start byte 0x%02x at offset %td",
                     p[at], at);
    else if (status == U8_BAD_CONT)
        ft_error_set(FT_ERR_UNICODE, "invalid continuation byte 0x%02x after "
                     "0x%02x at offset %td", p[at + bad], p[at], at);
    else
        ft_error_set(FT_ERR_UNICODE, "unexpected end of data after 0x%02x "
                     "at offset %td", p[at], at);
}

/* Pass 1 from `start` (everything before is ASCII): count code points and
 * find the widest. 0, or -1 with the error set. */
static int validate(const uint8_t *p, FtSsize n, FtSsize start,
                    FtSsize *nchars, uint32_t *maxchar)
{
    FtSsize count = start, i = start;
    uint32_t max = 0x7F;
    while (i < n) {
        if (p[i] < 0x80) {
            FtSsize j = i + ascii_prefix(p + i, n - i);
            count += j - i;
            i = j;
            continue;
        }
        uint32_t cp;
        int used = 0;
        int st = decode_seq(p + i, n - i, &cp, &used);
        if (st != U8_OK) {
            decode_error(st, p, i, used);
            return -1;
        }
        if (cp > max)
            max = cp;
        count++;
        i += used;
    }
    *nchars = count;
    *maxchar = max;
    return 0;
}

/* Pass 2: the input is known valid. */
static void decode_into(FtObject *r, const uint8_t *p, FtSsize n)
{
    int kind = FT_STR(r)->kind;
    void *data = ft__str_data(r);
    FtSsize k = 0;
    for (FtSsize i = 0; i < n;) {
        uint32_t cp = p[i];
        int used = 1;
        if (cp >= 0x80)
            (void)decode_seq(p + i, n - i, &cp, &used);
        ft__str_write(kind, data, k++, cp);
        i += used;
    }
}

FtObject *ft_str_from_utf8(const char *s, FtSsize len)
{
    if (len != 0)
        FT_NONNULL(NULL, s);
    const uint8_t *p = (const uint8_t *)s;
    if (len < 0)
        len = (FtSsize)strlen(s);
    FtSsize ascii = ascii_prefix(p, len);
    if (ascii == len)
        return ft__str_from_kind(1, p, len);
    FtSsize nchars;
    uint32_t maxchar;
    if (validate(p, len, ascii, &nchars, &maxchar) < 0)
        return NULL;
    if (nchars == 1 && maxchar < 0x100) {
        uint32_t cp;
        int used;
        (void)decode_seq(p, len, &cp, &used);
        return ft__str_latin1((uint8_t)cp);
    }
    FtObject *r = ft__str_new(nchars, maxchar);
    if (!r)
        return NULL;
    decode_into(r, p, len);
    return r;
}

/* ---- Encoding ---- */

/* Bytes of the UTF-8 form, or -1 (error set) for a lone surrogate. */
static FtSsize encoded_size(FtObject *op)
{
    FtStr *s = FT_STR(op);
    const void *data = ft__str_data(op);
    FtSsize size = 0;
    for (FtSsize i = 0; i < s->length; i++) {
        uint32_t c = ft__str_read(s->kind, data, i);
        if (c < 0x80)
            size += 1;
        else if (c < 0x800)
            size += 2;
        else if (c < 0x10000) {
            if (c >= 0xD800 && c <= 0xDFFF) {
                ft_error_set(FT_ERR_UNICODE, "cannot encode surrogate U+%04X "
                             "at position %td", (unsigned)c, i);
                return -1;
            }
            size += 3;
        } else
            size += 4;
    }
    return size;
}

static void encode_into(FtObject *op, uint8_t *out)
{
    FtStr *s = FT_STR(op);
    const void *data = ft__str_data(op);
    for (FtSsize i = 0; i < s->length; i++) {
        uint32_t c = ft__str_read(s->kind, data, i);
        if (c < 0x80) {
            *out++ = (uint8_t)c;
        } else if (c < 0x800) {
            *out++ = (uint8_t)(0xC0 | (c >> 6));
            *out++ = (uint8_t)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            *out++ = (uint8_t)(0xE0 | (c >> 12));
            *out++ = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
            *out++ = (uint8_t)(0x80 | (c & 0x3F));
        } else {
            *out++ = (uint8_t)(0xF0 | (c >> 18));
            *out++ = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
            *out++ = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
            *out++ = (uint8_t)(0x80 | (c & 0x3F));
        }
    }
    *out = 0;
}

const char *ft_str_as_utf8(FtObject *op, FtSsize *len_out)
{
    FT_NONNULL(NULL, op);
    if (!ft_is_str(op)) {
        ft_error_set(FT_ERR_TYPE, "expected str, got %s",
                     ft_type_name(ft_type_of(op)));
        return NULL;
    }
    FtStr *s = FT_STR(op);
    if (s->flags & FT_STR_ASCII) {
        if (len_out)
            *len_out = s->length;
        return (const char *)ft__str_data(op);
    }
    FtStrCompact *c = (FtStrCompact *)op;
    /* acquire: pairs with the release CAS below, so the bytes and
     * utf8_length written before publication are visible. */
    char *buf = FT_LOAD_ACQUIRE(c->utf8);
    if (!buf) {
        FtSsize size = encoded_size(op);
        if (size < 0)
            return NULL;
        char *mine = ft_mem_alloc((size_t)size + 1);
        if (!mine)
            return NULL;
        encode_into(op, (uint8_t *)mine);
        /* Every racer stores the same length before its CAS. */
        FT_STORE_RELAXED(c->utf8_length, size);
        char *expected = NULL;
        /* release on success: publishes the bytes and the length; acquire
         * on failure: we read the winner's buffer. */
        if (__atomic_compare_exchange_n(&c->utf8, &expected, mine, 0,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            buf = mine;
        } else {
            ft_mem_free(mine);
            buf = expected;
        }
    }
    if (len_out)
        *len_out = FT_LOAD_RELAXED(c->utf8_length);
    return buf;
}

void ft__str_utf8_cache_free(FtObject *op)
{
    FtStr *s = FT_STR(op);
    if (s->flags & (FT_STR_ASCII | FT_STR_STATIC))
        return;
    FtStrCompact *c = (FtStrCompact *)op;
    char *buf = FT_LOAD_RELAXED(c->utf8);
    if (buf) {
        FT_STORE_RELAXED(c->utf8, (char *)NULL);
        ft_mem_free(buf);
    }
}

int ft__utf8_next(const uint8_t **pp, const uint8_t *end, uint32_t *cp)
{
    const uint8_t *p = *pp;
    int used = 1;
    if (*p < 0x80)
        *cp = *p;
    else if (decode_seq(p, end - p, cp, &used) != U8_OK)
        return -1;
    *pp = p + used;
    return 0;
}
