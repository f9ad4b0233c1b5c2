/* runtime/bytes.c: the immutable bytes type (ftrt/bytes.h) and the
 * str <-> bytes codecs (UTF-8 and latin-1, strict and replace).
 *
 * Layout (docs/layouts.md, "bytes"), one block, as CPython's PyBytesObject
 * with our 32-byte header in place of its 16-byte one:
 *
 *   header (32) | ob_size (8) | hash (8) | data[ob_size] | NUL
 *
 * so ft_sizeof(b) = 49 + n, CPython 3.11's sys.getsizeof = 33 + n.
 *
 * Invariants: ob_size and the data never change once the constructor
 * returns (no lock, plain reads from any thread). hash is -1 until first
 * computed; racing threads compute and store the same value (relaxed, as
 * str's). The hash is CPython's _Py_HashBytes (SipHash-1-3 with the process
 * key, runtime/str_hash.c): hash(b'abc') == hash('abc') as in CPython;
 * bytes and str never compare equal.
 */
#include "runtime/internal.h"
#include "runtime/str_impl.h"
#include "runtime/seq.h"
#include "runtime/init.h"
#include "alloc/alloc.h"

#include <stddef.h>

typedef struct FtBytes {
    FtObject ob_base;
    FtSsize ob_size;            /* immutable */
    int64_t hash;               /* ATOMIC (relaxed): -1 = not computed */
    char data[];                /* ob_size bytes, then a NUL */
} FtBytes;

_Static_assert(offsetof(FtBytes, data) == 48, "bytes head is 48 bytes");

#define FT_BYTES(op) ((FtBytes *)(op))
#define BYTES_MAX ((FtSsize)(PTRDIFF_MAX / 2))

static int check_bytes(FtObject *op, const char *what)
{
    if (!op || !ft_is_bytes(op)) {
        ft_error_set(FT_ERR_TYPE, "%s: expected bytes, got '%s'", what,
                     op ? ft_type_name(ft_type_of(op)) : "NULL");
        return -1;
    }
    return 0;
}

/* n uninitialised bytes (the NUL is written); the caller fills them. */
static FtObject *bytes_new(FtSsize n)
{
    if (n > BYTES_MAX) {
        ft_error_set(FT_ERR_OVERFLOW, "bytes of %td bytes is too large", n);
        return NULL;
    }
    FtBytes *b = (FtBytes *)ft__object_alloc(&ft_bytes_type,
                                             offsetof(FtBytes, data) + (size_t)n + 1);
    if (!b)
        return NULL;
    b->ob_size = n;
    b->hash = -1;
    b->data[n] = '\0';
    return &b->ob_base;
}

FtObject *ft_bytes_from_buffer(const void *p, FtSsize n)
{
    if (n > 0)
        FT_NONNULL(NULL, p);            /* (NULL, 0): the empty bytes */
    if (n < 0) {
        ft_error_set(FT_ERR_VALUE, "ft_bytes_from_buffer: negative size %td", n);
        return NULL;
    }
    FtObject *b = bytes_new(n);
    if (b && n)
        memcpy(FT_BYTES(b)->data, p, (size_t)n);
    return b;
}

const char *ft_bytes_data(FtObject *b)
{
    FT_NONNULL(NULL, b);
    return check_bytes(b, "ft_bytes_data") < 0 ? NULL : FT_BYTES(b)->data;
}

FtSsize ft_bytes_size(FtObject *b)
{
    FT_NONNULL(-1, b);
    return check_bytes(b, "ft_bytes_size") < 0 ? -1 : FT_BYTES(b)->ob_size;
}

int ft_bytes_as_buffer(FtObject *b, const char **p, FtSsize *n)
{
    FT_NONNULL(-1, b);                  /* p and n are optional */
    if (check_bytes(b, "ft_bytes_as_buffer") < 0)
        return -1;
    if (p)
        *p = FT_BYTES(b)->data;
    if (n)
        *n = FT_BYTES(b)->ob_size;
    return 0;
}

FtObject *ft_bytes_concat(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    if (check_bytes(a, "bytes concat") < 0 || check_bytes(b, "bytes concat") < 0)
        return NULL;
    FtSsize na = FT_BYTES(a)->ob_size, nb = FT_BYTES(b)->ob_size;
    if (nb == 0)
        return ft_newref(a);
    if (na == 0)
        return ft_newref(b);
    if (na > BYTES_MAX - nb) {
        ft_error_set(FT_ERR_OVERFLOW, "bytes are too long to concatenate");
        return NULL;
    }
    FtObject *r = bytes_new(na + nb);
    if (r) {
        memcpy(FT_BYTES(r)->data, FT_BYTES(a)->data, (size_t)na);
        memcpy(FT_BYTES(r)->data + na, FT_BYTES(b)->data, (size_t)nb);
    }
    return r;
}

FtObject *ft_bytes_slice(FtObject *b, FtSsize start, FtSsize stop)
{
    FT_NONNULL(NULL, b);
    if (check_bytes(b, "bytes slice") < 0)
        return NULL;
    FtSsize n = FT_BYTES(b)->ob_size;
    FtSsize len = ft__slice_adjust(n, &start, &stop, 1);
    if (len == n)
        return ft_newref(b);
    return ft_bytes_from_buffer(FT_BYTES(b)->data + start, len);
}

FtSsize ft_bytes_find(FtObject *b, FtObject *sub, FtSsize start, FtSsize end)
{
    FT_NONNULL(-2, b, sub);
    if (check_bytes(b, "bytes find") < 0 || check_bytes(sub, "bytes find") < 0)
        return -2;
    FtSsize n = FT_BYTES(b)->ob_size, m = FT_BYTES(sub)->ob_size;
    /* Python's ADJUST_INDICES (as ft_str_find). */
    if (end > n)
        end = n;
    else if (end < 0 && (end += n) < 0)
        end = 0;
    if (start < 0 && (start += n) < 0)
        start = 0;
    if (start > end || end - start < m)
        return -1;
    if (m == 0)
        return start;
    const char *h = FT_BYTES(b)->data, *s = FT_BYTES(sub)->data;
    for (FtSsize i = start; i <= end - m;) {
        const char *p = memchr(h + i, s[0], (size_t)(end - m - i + 1));
        if (!p)
            return -1;
        i = p - h;
        if (memcmp(p, s, (size_t)m) == 0)
            return i;
        i++;
    }
    return -1;
}

/* ---- Type slots ---- */

static int64_t bytes_hash(FtObject *op)
{
    FtBytes *b = FT_BYTES(op);
    /* Benign race: every thread computes the same value from immutable
     * data (as ft__str_hash). */
    int64_t h = FT_LOAD_RELAXED(b->hash);
    if (h == -1) {
        h = ft__hash_bytes(b->data, (size_t)b->ob_size);
        FT_STORE_RELAXED(b->hash, h);
    }
    return h;
}

static int bytes_cmp(FtObject *a, FtObject *b)
{
    FtSsize na = FT_BYTES(a)->ob_size, nb = FT_BYTES(b)->ob_size;
    int c = memcmp(FT_BYTES(a)->data, FT_BYTES(b)->data, (size_t)(na < nb ? na : nb));
    return c ? c : (na > nb) - (na < nb);
}

static FtObject *bytes_richcompare(FtObject *a, FtObject *b, FtCompareOp op)
{
    if (!ft_is_bytes(a) || !ft_is_bytes(b))
        return NULL;            /* NotImplemented: never equal to a str */
    int r;
    if ((op == FT_EQ || op == FT_NE)
        && FT_BYTES(a)->ob_size != FT_BYTES(b)->ob_size) {
        r = op == FT_NE;
    } else {
        int c = bytes_cmp(a, b);
        switch (op) {
        case FT_EQ: r = c == 0; break;
        case FT_NE: r = c != 0; break;
        case FT_LT: r = c < 0; break;
        case FT_LE: r = c <= 0; break;
        case FT_GT: r = c > 0; break;
        default:    r = c >= 0; break;
        }
    }
    return ft_newref(ft_bool_from(r));
}

/* Python's bytes repr: b'...' with ' as the quote unless the data holds a
 * ' and no ", then "; the quote and backslash escaped; \t \n \r; other
 * bytes below 0x20 or from 0x7f as \xhh (lowercase). */
static FtObject *bytes_repr(FtObject *op)
{
    FtBytes *b = FT_BYTES(op);
    const unsigned char *p = (const unsigned char *)b->data;
    FtSsize n = b->ob_size, size = 3;
    int squote = 0, dquote = 0;
    for (FtSsize i = 0; i < n; i++) {
        squote |= p[i] == '\'';
        dquote |= p[i] == '"';
    }
    unsigned char quote = squote && !dquote ? '"' : '\'';
    for (FtSsize i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (c == quote || c == '\\' || c == '\t' || c == '\n' || c == '\r')
            size += 2;
        else if (c < 0x20 || c >= 0x7f)
            size += 4;
        else
            size += 1;
        if (size > BYTES_MAX) {
            ft_error_set(FT_ERR_OVERFLOW, "bytes object is too large to make repr");
            return NULL;
        }
    }
    FtObject *r = ft__str_new(size, 0x7F);
    if (!r)
        return NULL;
    static const char hex[] = "0123456789abcdef";
    char *o = ft__str_data(r);
    *o++ = 'b';
    *o++ = (char)quote;
    for (FtSsize i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (c == quote || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c == '\t' || c == '\n' || c == '\r') {
            *o++ = '\\';
            *o++ = c == '\t' ? 't' : c == '\n' ? 'n' : 'r';
        } else if (c < 0x20 || c >= 0x7f) {
            *o++ = '\\';
            *o++ = 'x';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        } else {
            *o++ = (char)c;
        }
    }
    *o++ = (char)quote;
    FT_ASSERT(o - (char *)ft__str_data(r) == size);
    return r;
}

static FtSsize bytes_len(FtObject *op)
{
    return FT_BYTES(op)->ob_size;
}

/* `x in b`: x an int 0..255 (a byte) or bytes (a substring). */
static int bytes_contains(FtObject *op, FtObject *item)
{
    if (ft_is_bytes(item))
        return ft_bytes_find(op, item, 0, FT_BYTES(op)->ob_size) >= 0;
    if (ft_is_int(item)) {
        int64_t v;
        if (ft_int_as_i64(item, &v) < 0 || v < 0 || v > 255) {
            ft_error_set(FT_ERR_VALUE, "byte must be in range(0, 256)");
            return -1;
        }
        return memchr(FT_BYTES(op)->data, (int)v, (size_t)FT_BYTES(op)->ob_size) != NULL;
    }
    ft_error_set(FT_ERR_TYPE, "a bytes-like object is required, not '%s'",
                 ft_type_name(ft_type_of(item)));
    return -1;
}

static size_t bytes_sizeof(FtObject *op)
{
    return offsetof(FtBytes, data) + (size_t)FT_BYTES(op)->ob_size + 1;
}

static void bytes_dealloc(FtObject *op)
{
    ft__object_free(op);
}

FtType ft_bytes_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "bytes",
    .tp_basicsize = offsetof(FtBytes, data),
    .tp_itemsize = 1,
    .tp_dealloc = bytes_dealloc,
    .tp_hash = bytes_hash,
    .tp_richcompare = bytes_richcompare,
    .tp_repr = bytes_repr,
    .tp_len = bytes_len,
    .tp_contains = bytes_contains,
    .tp_sizeof = bytes_sizeof,
};

int ft__bytes_init(void)
{
    return ft__type_ready(&ft_bytes_type);
}

/* ---- Codecs ---- */

FtObject *ft_str_from_latin1(const char *p, FtSsize n)
{
    if (n > 0)
        FT_NONNULL(NULL, p);            /* (NULL, 0): the empty str */
    if (n < 0) {
        ft_error_set(FT_ERR_VALUE, "ft_str_from_latin1: negative size %td", n);
        return NULL;
    }
    if (n > FT_STR_MAX_LENGTH) {
        ft_error_set(FT_ERR_OVERFLOW, "string of %td characters is too long", n);
        return NULL;
    }
    return ft__str_from_kind(1, p, n);
}

const char *ft_str_as_utf8_and_size(FtObject *s, FtSsize *size)
{
    FT_NONNULL(NULL, s);                /* size is optional */
    return ft_str_as_utf8(s, size);
}

static void encode_error(const char *codec, uint32_t cp, FtSsize pos, const char *why)
{
    if (cp <= 0xFFFF)
        ft_error_set(FT_ERR_UNICODE, "'%s' codec can't encode character '\\u%04x' "
                     "in position %td: %s", codec, (unsigned)cp, pos, why);
    else
        ft_error_set(FT_ERR_UNICODE, "'%s' codec can't encode character '\\U%08x' "
                     "in position %td: %s", codec, (unsigned)cp, pos, why);
}

static int is_surrogate(uint32_t cp)
{
    return cp >= 0xD800 && cp <= 0xDFFF;
}

static FtObject *encode_latin1(FtObject *s, FtErrors errors)
{
    FtStr *st = FT_STR(s);
    const void *data = ft__str_data(s);
    if (st->kind == 1)
        return ft_bytes_from_buffer(data, st->length);
    if (errors == FT_ERRORS_STRICT)
        for (FtSsize i = 0; i < st->length; i++)
            if (ft__str_read(st->kind, data, i) > 0xFF) {
                encode_error("latin-1", ft__str_read(st->kind, data, i), i,
                             "ordinal not in range(256)");
                return NULL;
            }
    FtObject *r = bytes_new(st->length);
    if (!r)
        return NULL;
    for (FtSsize i = 0; i < st->length; i++) {
        uint32_t cp = ft__str_read(st->kind, data, i);
        FT_BYTES(r)->data[i] = (char)(cp > 0xFF ? '?' : cp);
    }
    return r;
}

static FtObject *encode_utf8(FtObject *s, FtErrors errors)
{
    FtStr *st = FT_STR(s);
    const void *data = ft__str_data(s);
    if (st->flags & FT_STR_ASCII)
        return ft_bytes_from_buffer(data, st->length);
    FtSsize size = 0;
    for (FtSsize i = 0; i < st->length; i++) {
        uint32_t cp = ft__str_read(st->kind, data, i);
        if (is_surrogate(cp) && errors == FT_ERRORS_STRICT) {
            encode_error("utf-8", cp, i, "surrogates not allowed");
            return NULL;
        }
        size += cp < 0x80 || is_surrogate(cp) ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    }
    FtObject *r = bytes_new(size);
    if (!r)
        return NULL;
    unsigned char *o = (unsigned char *)FT_BYTES(r)->data;
    for (FtSsize i = 0; i < st->length; i++) {
        uint32_t cp = ft__str_read(st->kind, data, i);
        if (is_surrogate(cp)) {
            *o++ = '?';
        } else if (cp < 0x80) {
            *o++ = (unsigned char)cp;
        } else if (cp < 0x800) {
            *o++ = (unsigned char)(0xC0 | cp >> 6);
            *o++ = (unsigned char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            *o++ = (unsigned char)(0xE0 | cp >> 12);
            *o++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            *o++ = (unsigned char)(0x80 | (cp & 0x3F));
        } else {
            *o++ = (unsigned char)(0xF0 | cp >> 18);
            *o++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
            *o++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            *o++ = (unsigned char)(0x80 | (cp & 0x3F));
        }
    }
    FT_ASSERT((char *)o - FT_BYTES(r)->data == size);
    return r;
}

FtObject *ft_str_encode(FtObject *s, FtEncoding enc, FtErrors errors)
{
    FT_NONNULL(NULL, s);
    if (!ft_is_str(s)) {
        ft_error_set(FT_ERR_TYPE, "ft_str_encode: expected str, got '%s'",
                     s ? ft_type_name(ft_type_of(s)) : "NULL");
        return NULL;
    }
    if ((enc != FT_ENC_UTF8 && enc != FT_ENC_LATIN1)
        || (errors != FT_ERRORS_STRICT && errors != FT_ERRORS_REPLACE)) {
        ft_error_set(FT_ERR_VALUE, "ft_str_encode: unknown encoding or errors");
        return NULL;
    }
    return enc == FT_ENC_UTF8 ? encode_utf8(s, errors) : encode_latin1(s, errors);
}

/* Length of the valid UTF-8 prefix of a sequence at p[0..avail) that is
 * not a whole character (Unicode's "maximal subpart"), or the length of the
 * whole character (then *cp is set). Returns (whole ? len : -len). */
static int utf8_step(const unsigned char *p, FtSsize avail, uint32_t *cp)
{
    unsigned char c = p[0];
    int need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        *cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        *cp = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        *cp = c & 0x07;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return -1;              /* invalid start byte */
    }
    for (int k = 1; k <= need; k++) {
        if (k >= avail || p[k] < lo || p[k] > hi)
            return -k;
        *cp = (*cp << 6) | (p[k] & 0x3F);
        lo = 0x80;
        hi = 0xBF;
    }
    return need + 1;
}

static FtObject *decode_utf8_replace(const unsigned char *p, FtSsize n)
{
    uint32_t *cps = ft_mem_alloc((size_t)(n ? n : 1) * sizeof(uint32_t));
    if (!cps)
        return NULL;
    FtSsize m = 0;
    for (FtSsize i = 0; i < n;) {
        uint32_t cp;
        int k = utf8_step(p + i, n - i, &cp);
        if (k > 0) {
            cps[m++] = cp;
            i += k;
        } else {
            cps[m++] = 0xFFFD;
            i += -k;
        }
    }
    FtObject *r = ft_str_from_ucs4(cps, m);
    ft_mem_free(cps);
    return r;
}

FtObject *ft_bytes_decode(FtObject *b, FtEncoding enc, FtErrors errors)
{
    FT_NONNULL(NULL, b);
    if (check_bytes(b, "ft_bytes_decode") < 0)
        return NULL;
    if ((enc != FT_ENC_UTF8 && enc != FT_ENC_LATIN1)
        || (errors != FT_ERRORS_STRICT && errors != FT_ERRORS_REPLACE)) {
        ft_error_set(FT_ERR_VALUE, "ft_bytes_decode: unknown encoding or errors");
        return NULL;
    }
    FtBytes *bb = FT_BYTES(b);
    if (enc == FT_ENC_LATIN1)
        return ft_str_from_latin1(bb->data, bb->ob_size);
    FtObject *r = ft_str_from_utf8(bb->data, bb->ob_size);
    if (r || errors == FT_ERRORS_STRICT || ft_error_kind() != FT_ERR_UNICODE)
        return r;
    ft_error_clear();
    return decode_utf8_replace((const unsigned char *)bb->data, bb->ob_size);
}
