/* runtime/str.c: the str type: construction, the singletons, accessors,
 * comparison, concatenation, slicing, search, repr, and iteration.
 *
 * The layout and its invariants (canonical kind, immutability, the
 * singletons) are stated once in runtime/str_impl.h. Every constructor here
 * goes through ft__str_new or ft__str_from_kind, so every str handed out is
 * canonical and the empty and one-latin-1-character strings are always the
 * singletons.
 *
 * Strings are immutable, so no operation here locks: any attached thread
 * may read any str. The only fields written after publication are the
 * cached hash (str_hash.c), the UTF-8 cache (utf8.c) and the interned state
 * (str_intern.c), each documented where it is written.
 */
#include "runtime/str_impl.h"
#include "runtime/init.h"
#include "runtime/str_printable.h"
#include "alloc/alloc.h"

/* ---- Singletons: "" and the 256 one-character latin-1 strings ----
 * Static storage, immortal headers, interned state INTERNED_STATIC. The
 * non-ASCII ones carry their two-byte UTF-8 form in static storage too, so
 * asking for it never allocates. */

typedef struct AsciiOne {
    FtStr head;
    uint8_t data[8];            /* character, NUL, padding */
} AsciiOne;

typedef struct Latin1One {
    FtStrCompact head;
    uint8_t data[2];            /* character, NUL */
    char utf8[3];               /* its UTF-8 form, NUL */
} Latin1One;

static AsciiOne empty_str;
static AsciiOne ascii_one[128];
static Latin1One latin1_one[128];

FtObject *ft__str_empty(void)
{
    return &empty_str.head.ob_base;
}

FtObject *ft__str_latin1(uint8_t c)
{
    if (c < 0x80)
        return &ascii_one[c].head.ob_base;
    return &latin1_one[c - 0x80].head.base.ob_base;
}

static void static_head(FtStr *s, FtSsize len, int kind, int flags)
{
    FtObject *op = &s->ob_base;
    atomic_init(&op->ob_tid, 0);
    op->ob_flags = 0;
    atomic_init(&op->ob_mutex, 0);
    atomic_init(&op->ob_gc_bits, 0);
    atomic_init(&op->ob_ref_local, FT_IMMORTAL_LOCAL);
    atomic_init(&op->ob_ref_shared, FT_REF_MERGED);
    op->ob_type = &ft_str_type;
    s->length = len;
    s->hash = -1;
    s->kind = (uint8_t)kind;
    s->flags = (uint8_t)(flags | FT_STR_COMPACT | FT_STR_STATIC);
    atomic_init(&s->interned, FT_STR_INTERNED_STATIC);
}

static void singletons_init(void)
{
    static_head(&empty_str.head, 0, 1, FT_STR_ASCII);
    empty_str.data[0] = 0;
    for (int c = 0; c < 128; c++) {
        static_head(&ascii_one[c].head, 1, 1, FT_STR_ASCII);
        ascii_one[c].data[0] = (uint8_t)c;
        ascii_one[c].data[1] = 0;
    }
    for (int c = 128; c < 256; c++) {
        Latin1One *o = &latin1_one[c - 128];
        static_head(&o->head.base, 1, 1, 0);
        o->data[0] = (uint8_t)c;
        o->data[1] = 0;
        o->utf8[0] = (char)(0xC0 | (c >> 6));
        o->utf8[1] = (char)(0x80 | (c & 0x3F));
        o->utf8[2] = 0;
        o->head.utf8_length = 2;
        o->head.utf8 = o->utf8;
    }
}

/* ---- Construction ---- */

FtObject *ft__str_new(FtSsize len, uint32_t maxchar)
{
    if (len < 0 || len > FT_STR_MAX_LENGTH) {
        ft_error_set(FT_ERR_OVERFLOW, "string of %td characters is too long", len);
        return NULL;
    }
    int kind = ft__str_kind_for(maxchar);
    int ascii = maxchar < 0x80;
    size_t head = ascii ? sizeof(FtStr) : sizeof(FtStrCompact);
    size_t size = head + ((size_t)len + 1) * (size_t)kind;
    FtObject *op = ft__object_alloc(&ft_str_type, size);
    if (!op)
        return NULL;
    FtStr *s = FT_STR(op);
    s->length = len;
    s->hash = -1;
    s->kind = (uint8_t)kind;
    s->flags = (uint8_t)(FT_STR_COMPACT | (ascii ? FT_STR_ASCII : 0));
    atomic_init(&s->interned, FT_STR_NOT_INTERNED);
    memset(s->reserved, 0, sizeof s->reserved);
    if (!ascii) {
        ((FtStrCompact *)s)->utf8_length = 0;
        ((FtStrCompact *)s)->utf8 = NULL;
    }
    ft__str_write(kind, ft__str_data(op), len, 0);
    return op;
}

static uint32_t maxchar_of(int kind, const void *data, FtSsize len)
{
    uint32_t max = 0;
    if (kind == 1) {
        const uint8_t *p = data;
        for (FtSsize i = 0; i < len; i++)
            max |= p[i];
        return max >= 0x80 ? 0xFF : 0x7F;
    }
    for (FtSsize i = 0; i < len; i++) {
        uint32_t c = ft__str_read(kind, data, i);
        if (c > max)
            max = c;
    }
    return max;
}

static void copy_kind(int dk, void *dst, int sk, const void *src, FtSsize len)
{
    if (dk == sk) {
        memcpy(dst, src, (size_t)len * (size_t)dk);
        return;
    }
    for (FtSsize i = 0; i < len; i++)
        ft__str_write(dk, dst, i, ft__str_read(sk, src, i));
}

FtObject *ft__str_from_kind(int kind, const void *data, FtSsize len)
{
    if (len == 0)
        return ft__str_empty();
    uint32_t max = maxchar_of(kind, data, len);
    if (len == 1 && max < 0x100)
        return ft__str_latin1((uint8_t)ft__str_read(kind, data, 0));
    FtObject *r = ft__str_new(len, max);
    if (!r)
        return NULL;
    copy_kind(FT_STR(r)->kind, ft__str_data(r), kind, data, len);
    return r;
}

FtObject *ft_str_from_ucs4(const uint32_t *cps, FtSsize len)
{
    if (len > 0)
        FT_NONNULL(NULL, cps);
    if (len < 0) {
        ft_error_set(FT_ERR_VALUE, "negative string length %td", len);
        return NULL;
    }
    if (len > FT_STR_MAX_LENGTH) {
        ft_error_set(FT_ERR_OVERFLOW, "string of %td characters is too long", len);
        return NULL;
    }
    for (FtSsize i = 0; i < len; i++) {
        if (cps[i] > 0x10FFFF) {
            ft_error_set(FT_ERR_VALUE, "code point 0x%x at index %td is not "
                         "in range(0x110000)", (unsigned)cps[i], i);
            return NULL;
        }
    }
    return ft__str_from_kind(4, cps, len);
}

void ft__str_copy_chars(FtObject *dst, FtSsize dst_start,
                        FtObject *src, FtSsize start, FtSsize len)
{
    int dk = FT_STR(dst)->kind, sk = FT_STR(src)->kind;
    FT_ASSERT(dk >= sk);
    copy_kind(dk, (char *)ft__str_data(dst) + dst_start * dk,
              sk, (const char *)ft__str_data(src) + start * sk, len);
}

uint32_t ft__str_maxchar(FtObject *op)
{
    FtStr *s = FT_STR(op);
    if (s->flags & FT_STR_ASCII)
        return 0x7F;
    return maxchar_of(s->kind, ft__str_data(op), s->length);
}

static int check_str(FtObject *op, const char *what)
{
    if (ft_is_str(op))
        return 0;
    ft_error_set(FT_ERR_TYPE, "%s: expected str, got %s", what,
                 ft_type_name(ft_type_of(op)));
    return -1;
}

/* ---- Accessors ---- */

FtSsize ft_str_length(FtObject *op)
{
    FT_NONNULL(-1, op);
    if (check_str(op, "str length") < 0)
        return -1;
    return FT_STR(op)->length;
}

uint32_t ft_str_read_char(FtObject *op, FtSsize index)
{
    FT_NONNULL((uint32_t)-1, op);
    return ft__str_read(FT_STR(op)->kind, ft__str_data(op), index);
}

int ft_str_kind(FtObject *op)
{
    FT_NONNULL(-1, op);
    return FT_STR(op)->kind;
}

int ft_str_is_ascii(FtObject *op)
{
    FT_NONNULL(-1, op);
    return ft__str_is_ascii(op);
}

/* ---- Comparison ---- */

int ft_str_compare(FtObject *a, FtObject *b)
{
    FT_NONNULL(-1, a, b);
    FtStr *x = FT_STR(a), *y = FT_STR(b);
    FtSsize n = x->length < y->length ? x->length : y->length;
    const void *da = ft__str_data(a), *db = ft__str_data(b);
    if (x->kind == 1 && y->kind == 1) {
        int c = memcmp(da, db, (size_t)n);
        if (c)
            return c < 0 ? -1 : 1;
    } else {
        for (FtSsize i = 0; i < n; i++) {
            uint32_t ca = ft__str_read(x->kind, da, i);
            uint32_t cb = ft__str_read(y->kind, db, i);
            if (ca != cb)
                return ca < cb ? -1 : 1;
        }
    }
    return x->length < y->length ? -1 : x->length > y->length;
}

int ft_str_equal(FtObject *a, FtObject *b)
{
    FT_NONNULL(-1, a, b);
    if (a == b)
        return 1;
    FtStr *x = FT_STR(a), *y = FT_STR(b);
    if (x->length != y->length || x->kind != y->kind)
        return 0;
    int64_t ha = FT_LOAD_RELAXED(x->hash), hb = FT_LOAD_RELAXED(y->hash);
    if (ha != -1 && hb != -1 && ha != hb)
        return 0;
    return memcmp(ft__str_data(a), ft__str_data(b),
                  (size_t)x->length * x->kind) == 0;
}

int ft_str_equal_cstr(FtObject *a, const char *utf8)
{
    FT_NONNULL(-1, a, utf8);
    FtStr *s = FT_STR(a);
    const uint8_t *p = (const uint8_t *)utf8;
    const uint8_t *end = p + strlen(utf8);
    if (s->flags & FT_STR_ASCII)
        return end - p == s->length && memcmp(ft__str_data(a), p, (size_t)s->length) == 0;
    const void *data = ft__str_data(a);
    for (FtSsize i = 0; i < s->length; i++) {
        uint32_t cp;
        if (p >= end || ft__utf8_next(&p, end, &cp) < 0)
            return 0;
        if (cp != ft__str_read(s->kind, data, i))
            return 0;
    }
    return p == end;
}

static FtObject *str_richcompare(FtObject *a, FtObject *b, FtCompareOp op)
{
    if (!ft_is_str(a) || !ft_is_str(b))
        return NULL;            /* not implemented: the caller decides */
    int r;
    switch (op) {
    case FT_EQ: r = ft_str_equal(a, b); break;
    case FT_NE: r = !ft_str_equal(a, b); break;
    case FT_LT: r = ft_str_compare(a, b) < 0; break;
    case FT_LE: r = ft_str_compare(a, b) <= 0; break;
    case FT_GT: r = ft_str_compare(a, b) > 0; break;
    default:    r = ft_str_compare(a, b) >= 0; break;
    }
    return ft_newref(ft_bool_from(r));
}

/* ---- Concatenation, indexing, slicing ---- */

FtObject *ft_str_concat(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    if (check_str(a, "concat") < 0 || check_str(b, "concat") < 0)
        return NULL;
    FtSsize la = FT_STR(a)->length, lb = FT_STR(b)->length;
    if (lb == 0)
        return ft_newref(a);
    if (la == 0)
        return ft_newref(b);
    if (la > FT_STR_MAX_LENGTH - lb) {
        ft_error_set(FT_ERR_OVERFLOW, "strings are too long to concatenate");
        return NULL;
    }
    uint32_t ma = ft__str_kind_bound(a), mb = ft__str_kind_bound(b);
    FtObject *r = ft__str_new(la + lb, ma > mb ? ma : mb);
    if (!r)
        return NULL;
    ft__str_copy_chars(r, 0, a, 0, la);
    ft__str_copy_chars(r, la, b, 0, lb);
    return r;
}

FtObject *ft_str_getitem(FtObject *op, FtSsize index)
{
    FT_NONNULL(NULL, op);
    if (check_str(op, "str index") < 0)
        return NULL;
    FtStr *s = FT_STR(op);
    if (index < 0)
        index += s->length;
    if (index < 0 || index >= s->length) {
        ft_error_set(FT_ERR_INDEX, "string index out of range");
        return NULL;
    }
    uint32_t c = ft__str_read(s->kind, ft__str_data(op), index);
    if (c < 0x100)
        return ft__str_latin1((uint8_t)c);
    return ft__str_from_kind(4, &c, 1);
}


FtObject *ft_str_slice(FtObject *op, FtSsize start, FtSsize stop, FtSsize step)
{
    FT_NONNULL(NULL, op);
    if (check_str(op, "str slice") < 0)
        return NULL;
    if (step == 0) {
        ft_error_set(FT_ERR_VALUE, "slice step cannot be zero");
        return NULL;
    }
    /* -step would overflow for FtSsize's minimum: same slice as -max. */
    if (step < -PTRDIFF_MAX)
        step = -PTRDIFF_MAX;
    FtStr *s = FT_STR(op);
    FtSsize n = ft__slice_adjust(s->length, &start, &stop, step);
    const char *data = ft__str_data(op);
    if (step == 1) {
        if (n == s->length)
            return ft_newref(op);
        return ft__str_from_kind(s->kind, data + start * s->kind, n);
    }
    uint32_t max = 0;
    for (FtSsize i = 0, j = start; i < n; i++, j += step) {
        uint32_t c = ft__str_read(s->kind, data, j);
        if (c > max)
            max = c;
    }
    if (n == 0)
        return ft__str_empty();
    if (n == 1 && max < 0x100)
        return ft__str_latin1((uint8_t)max);
    FtObject *r = ft__str_new(n, max);
    if (!r)
        return NULL;
    void *out = ft__str_data(r);
    int rk = FT_STR(r)->kind;
    for (FtSsize i = 0, j = start; i < n; i++, j += step)
        ft__str_write(rk, out, i, ft__str_read(s->kind, data, j));
    return r;
}

/* ---- Search ---- */

/* First index of needle (nk, nd, m >= 1) in hay (hk, hd, n), or -1.
 * Boyer-Moore-Horspool with the skip table indexed by the low byte of the
 * code point (a shared bucket keeps the smallest shift, so it stays safe). */
static FtSsize search(int hk, const void *hd, FtSsize n,
                      int nk, const void *nd, FtSsize m)
{
    if (m > n)
        return -1;
    if (hk == 1 && nk == 1) {
        const char *hit = memmem(hd, (size_t)n, nd, (size_t)m);
        return hit ? hit - (const char *)hd : -1;
    }
    uint32_t last = ft__str_read(nk, nd, m - 1);
    if (m == 1) {
        for (FtSsize i = 0; i < n; i++)
            if (ft__str_read(hk, hd, i) == last)
                return i;
        return -1;
    }
    FtSsize skip[256];
    for (int i = 0; i < 256; i++)
        skip[i] = m;
    for (FtSsize i = 0; i < m - 1; i++)
        skip[ft__str_read(nk, nd, i) & 0xFF] = m - 1 - i;
    for (FtSsize i = 0; i <= n - m;) {
        uint32_t c = ft__str_read(hk, hd, i + m - 1);
        if (c == last) {
            FtSsize j = 0;
            while (j < m - 1 && ft__str_read(hk, hd, i + j) == ft__str_read(nk, nd, j))
                j++;
            if (j == m - 1)
                return i;
        }
        i += skip[c & 0xFF];
    }
    return -1;
}

FtSsize ft_str_find(FtObject *op, FtObject *sub, FtSsize start, FtSsize end)
{
    FT_NONNULL(-1, op, sub);
    if (check_str(op, "find") < 0 || check_str(sub, "find") < 0)
        return -2;
    FtStr *s = FT_STR(op), *t = FT_STR(sub);
    /* Python's ADJUST_INDICES: clamp end to len, count negatives from the
     * end; start may stay past the end (then nothing is found). */
    if (end > s->length)
        end = s->length;
    else if (end < 0 && (end += s->length) < 0)
        end = 0;
    if (start < 0 && (start += s->length) < 0)
        start = 0;
    if (start > end || end - start < t->length)
        return -1;
    if (t->length == 0)
        return start;
    if (t->kind > s->kind)
        return -1;              /* canonical kinds: sub has a wider char */
    const char *hd = (const char *)ft__str_data(op) + start * s->kind;
    FtSsize i = search(s->kind, hd, end - start, t->kind, ft__str_data(sub),
                       t->length);
    return i < 0 ? -1 : start + i;
}

int ft_str_contains(FtObject *op, FtObject *sub)
{
    FT_NONNULL(-1, op, sub);
    if (check_str(op, "in") < 0)
        return -1;
    if (!ft_is_str(sub)) {
        ft_error_set(FT_ERR_TYPE, "'in <string>' requires string as left "
                     "operand, not %s", ft_type_name(ft_type_of(sub)));
        return -1;
    }
    return ft_str_find(op, sub, 0, FT_STR(op)->length) >= 0;
}

/* ---- repr ---- */

static int is_printable(uint32_t c)
{
    if (c < 0x7F)
        return c >= 0x20;
    size_t lo = 0, hi = FT_ARRAY_LEN(ft__nonprintable);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c < ft__nonprintable[mid][0])
            hi = mid;
        else if (c > ft__nonprintable[mid][1])
            lo = mid + 1;
        else
            return 0;
    }
    return 1;
}

/* Width of c's representation inside quotes, and the widest char used. */
static int repr_width(uint32_t c, uint32_t quote, uint32_t *max)
{
    if (c == quote || c == '\\' || c == '\t' || c == '\n' || c == '\r')
        return 2;
    if (c < 0x80)
        return c < 0x20 || c == 0x7F ? 4 : 1;
    if (is_printable(c)) {
        if (c > *max)
            *max = c;
        return 1;
    }
    return c <= 0xFF ? 4 : c <= 0xFFFF ? 6 : 10;
}

static FtSsize repr_put(int kind, void *out, FtSsize k, uint32_t c, uint32_t quote)
{
    static const char hex[] = "0123456789abcdef";
    static const char simple[][2] = { {'\t', 't'}, {'\n', 'n'}, {'\r', 'r'} };
    int digits = 0;
    char letter = 0;
    if (c == quote || c == '\\') {
        ft__str_write(kind, out, k++, '\\');
        ft__str_write(kind, out, k++, c);
        return k;
    }
    for (size_t i = 0; i < FT_ARRAY_LEN(simple); i++) {
        if (c == (uint32_t)simple[i][0]) {
            ft__str_write(kind, out, k++, '\\');
            ft__str_write(kind, out, k++, (uint32_t)simple[i][1]);
            return k;
        }
    }
    if ((c >= 0x20 && c < 0x7F) || (c >= 0x80 && is_printable(c))) {
        ft__str_write(kind, out, k++, c);
        return k;
    }
    if (c <= 0xFF) { digits = 2; letter = 'x'; }
    else if (c <= 0xFFFF) { digits = 4; letter = 'u'; }
    else { digits = 8; letter = 'U'; }
    ft__str_write(kind, out, k++, '\\');
    ft__str_write(kind, out, k++, (uint32_t)letter);
    for (int i = digits - 1; i >= 0; i--)
        ft__str_write(kind, out, k++, (uint32_t)hex[(c >> (4 * i)) & 0xF]);
    return k;
}

FtObject *ft_str_repr(FtObject *op)
{
    FT_NONNULL(NULL, op);
    if (check_str(op, "repr") < 0)
        return NULL;
    FtStr *s = FT_STR(op);
    const void *data = ft__str_data(op);
    int single = 0, dbl = 0;
    for (FtSsize i = 0; i < s->length; i++) {
        uint32_t c = ft__str_read(s->kind, data, i);
        single |= c == '\'';
        dbl |= c == '"';
    }
    uint32_t quote = single && !dbl ? '"' : '\'';
    uint32_t max = 0x7F;
    FtSsize size = 2;
    for (FtSsize i = 0; i < s->length; i++) {
        int w = repr_width(ft__str_read(s->kind, data, i), quote, &max);
        if (size > FT_STR_MAX_LENGTH - w) {
            ft_error_set(FT_ERR_OVERFLOW, "string is too long to generate repr");
            return NULL;
        }
        size += w;
    }
    FtObject *r = ft__str_new(size, max);
    if (!r)
        return NULL;
    int rk = FT_STR(r)->kind;
    void *out = ft__str_data(r);
    FtSsize k = 0;
    ft__str_write(rk, out, k++, quote);
    for (FtSsize i = 0; i < s->length; i++)
        k = repr_put(rk, out, k, ft__str_read(s->kind, data, i), quote);
    ft__str_write(rk, out, k++, quote);
    FT_ASSERT(k == size);
    return r;
}

/* ---- Type slots ---- */

static void str_dealloc(FtObject *op)
{
    FT_ASSERT(!(FT_STR(op)->flags & FT_STR_STATIC));
    ft__str_utf8_cache_free(op);
    ft__object_free(op);
}

static int64_t str_hash(FtObject *op)
{
    return ft__str_hash(op);
}

static FtObject *str_str(FtObject *op)
{
    return ft_newref(op);
}

static FtSsize str_len(FtObject *op)
{
    return FT_STR(op)->length;
}

static int str_contains(FtObject *op, FtObject *item)
{
    return ft_str_contains(op, item);
}

static size_t str_sizeof(FtObject *op)
{
    FtStr *s = FT_STR(op);
    size_t size = (s->flags & FT_STR_ASCII) ? sizeof(FtStr) : sizeof(FtStrCompact);
    size += ((size_t)s->length + 1) * s->kind;
    if (!(s->flags & FT_STR_ASCII)) {
        FtStrCompact *c = (FtStrCompact *)op;
        /* As CPython's __sizeof__: a UTF-8 cache (not the static
         * singletons' forms) is counted with its NUL. */
        if (FT_LOAD_ACQUIRE(c->utf8) && !(s->flags & FT_STR_STATIC))
            size += (size_t)FT_LOAD_RELAXED(c->utf8_length) + 1;
    }
    return size;
}

/* ---- Iteration: an iterator yields one-character strings ---- */

typedef struct StrIter {
    FtObject ob_base;
    FtObject *str;                  /* immutable; strong */
    FtSsize index;                  /* ATOMIC (relaxed fetch-add): a shared
                                     * iterator hands each index out once */
} StrIter;

static FtType ft_str_iter_type;

static FtObject *str_iter(FtObject *op)
{
    StrIter *it = (StrIter *)ft__object_alloc(&ft_str_iter_type, sizeof(StrIter));
    if (!it)
        return NULL;
    it->str = ft_newref(op);
    it->index = 0;
    return &it->ob_base;
}

static FtObject *str_iter_next(FtObject *op)
{
    StrIter *it = (StrIter *)op;
    FtSsize len = FT_STR(it->str)->length;
    if (FT_LOAD_RELAXED(it->index) >= len)
        return NULL;
    FtSsize i = __atomic_fetch_add(&it->index, 1, __ATOMIC_RELAXED);
    if (i >= len)
        return NULL;
    return ft_str_getitem(it->str, i);
}

static FtObject *str_iter_self(FtObject *op)
{
    return ft_newref(op);
}

static void str_iter_dealloc(FtObject *op)
{
    StrIter *it = (StrIter *)op;
    FT_CLEAR(it->str);
    ft__object_free(op);
}

static FtType ft_str_iter_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "str_iterator",
    .tp_basicsize = sizeof(StrIter),
    .tp_dealloc = str_iter_dealloc,
    .tp_iter = str_iter_self,
    .tp_iternext = str_iter_next,
};

FtType ft_str_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "str",
    .tp_basicsize = sizeof(FtStr),
    .tp_itemsize = 0,
    .tp_flags = FT_TPFLAGS_STR_SUBCLASS,
    .tp_dealloc = str_dealloc,
    .tp_hash = str_hash,
    .tp_richcompare = str_richcompare,
    .tp_repr = ft_str_repr,
    .tp_str = str_str,
    .tp_len = str_len,
    .tp_contains = str_contains,
    .tp_iter = str_iter,
    .tp_sizeof = str_sizeof,
};

/* ---- Subsystem init/fini (runtime/init.c) ---- */

int ft__str_init(void)
{
    if (ft__type_ready(&ft_str_type) < 0 || ft__type_ready(&ft_str_iter_type) < 0)
        return -1;
    if (ft__hash_seed_init() < 0)
        return -1;
    singletons_init();
    return ft__str_intern_init();
}

void ft__str_fini(void)
{
    ft__str_intern_fini();
}
