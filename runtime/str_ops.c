/* runtime/str_ops.c: str operations built from the primitives of str.c:
 * join, split, and the printf-style constructor.
 *
 * join and split produce or consume lists and iterators (ftrt/container.h)
 * and follow Python's semantics exactly: sep.join(iterable) accepts only
 * str items and returns the single item itself when there is one;
 * str.split(None) splits on runs of Unicode whitespace (str.isspace())
 * and drops empty ends, str.split(sep) keeps empty fields. maxsplit < 0
 * means no limit.
 *
 * Errors leave nothing behind: every partial list or item array is released
 * before returning NULL.
 */
#include "runtime/str_impl.h"

#include <stdarg.h>
#include <stdio.h>

/* ---- Whitespace, as str.isspace() (Unicode 14, Python 3.11) ---- */

int ft__unicode_isspace(uint32_t c)
{
    if (c < 0x80)
        return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20);
    if (c < 0x2000)
        return c == 0x85 || c == 0xA0 || c == 0x1680;
    return c <= 0x200A || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/* ---- join ---- */

typedef struct ItemVec {
    FtObject **items;
    FtSsize n, cap;
} ItemVec;

static int vec_push(ItemVec *v, FtObject *item)
{
    if (v->n == v->cap) {
        FtSsize cap = v->cap ? v->cap * 2 : 8;
        FtObject **p = ft_mem_realloc(v->items, (size_t)cap * sizeof *p);
        if (!p)
            return -1;
        v->items = p;
        v->cap = cap;
    }
    v->items[v->n++] = item;
    return 0;
}

static void vec_clear(ItemVec *v)
{
    for (FtSsize i = 0; i < v->n; i++)
        ft_decref(v->items[i]);
    ft_mem_free(v->items);
    v->items = NULL;
    v->n = v->cap = 0;
}

/* Collect the items of iterable (new references), checking they are str. */
static int collect(FtObject *iterable, ItemVec *v)
{
    FtObject *it = ft_iter(iterable);
    if (!it)
        return -1;
    FtObject *x;
    while ((x = ft_iter_next(it)) != NULL) {
        if (!ft_is_str(x)) {
            ft_error_set(FT_ERR_TYPE, "sequence item %td: expected str "
                         "instance, %s found", v->n, ft_type_name(ft_type_of(x)));
            ft_decref(x);
            break;
        }
        if (vec_push(v, x) < 0) {
            ft_decref(x);
            break;
        }
    }
    ft_decref(it);
    return ft_error_occurred() ? -1 : 0;
}

static FtObject *join_items(FtObject *sep, FtObject **items, FtSsize n)
{
    FtSsize seplen = FT_STR(sep)->length, total = 0;
    uint32_t max = n > 1 ? ft__str_kind_bound(sep) : 0;
    for (FtSsize i = 0; i < n; i++) {
        FtSsize len = FT_STR(items[i])->length + (i ? seplen : 0);
        if (total > FT_STR_MAX_LENGTH - len) {
            ft_error_set(FT_ERR_OVERFLOW, "join() result is too long");
            return NULL;
        }
        total += len;
        uint32_t m = ft__str_kind_bound(items[i]);
        if (m > max)
            max = m;
    }
    FtObject *r = ft__str_new(total, max);
    if (!r)
        return NULL;
    FtSsize at = 0;
    for (FtSsize i = 0; i < n; i++) {
        if (i) {
            ft__str_copy_chars(r, at, sep, 0, seplen);
            at += seplen;
        }
        ft__str_copy_chars(r, at, items[i], 0, FT_STR(items[i])->length);
        at += FT_STR(items[i])->length;
    }
    return r;
}

FtObject *ft_str_join(FtObject *sep, FtObject *iterable)
{
    FT_NONNULL(NULL, sep, iterable);
    if (!ft_is_str(sep)) {
        ft_error_set(FT_ERR_TYPE, "join: separator must be str, not %s",
                     ft_type_name(ft_type_of(sep)));
        return NULL;
    }
    ItemVec v = {0};
    FtObject *r = NULL;
    if (collect(iterable, &v) == 0) {
        if (v.n == 0)
            r = ft__str_empty();
        else if (v.n == 1)
            r = ft_newref(v.items[0]);
        else
            r = join_items(sep, v.items, v.n);
    }
    vec_clear(&v);
    return r;
}

/* ---- split ---- */

/* op[start:start+len] as a new reference (op itself when whole). */
static FtObject *substr(FtObject *op, FtSsize start, FtSsize len)
{
    FtStr *s = FT_STR(op);
    if (start == 0 && len == s->length)
        return ft_newref(op);
    return ft__str_from_kind(s->kind, (const char *)ft__str_data(op) + start * s->kind, len);
}

static int append_sub(FtObject *list, FtObject *op, FtSsize start, FtSsize len)
{
    FtObject *part = substr(op, start, len);
    if (!part)
        return -1;
    int rc = ft_list_append(list, part);
    ft_decref(part);
    return rc;
}

static int split_whitespace(FtObject *list, FtObject *op, FtSsize maxsplit)
{
    FtStr *s = FT_STR(op);
    const void *d = ft__str_data(op);
    FtSsize n = s->length, i = 0;
#define SPACE_AT(k) ft__unicode_isspace(ft__str_read(s->kind, d, (k)))
    while (maxsplit-- > 0) {
        while (i < n && SPACE_AT(i))
            i++;
        if (i == n)
            return 0;
        FtSsize j = i++;
        while (i < n && !SPACE_AT(i))
            i++;
        if (append_sub(list, op, j, i - j) < 0)
            return -1;
    }
    while (i < n && SPACE_AT(i))
        i++;
#undef SPACE_AT
    return i < n ? append_sub(list, op, i, n - i) : 0;
}

static int split_sep(FtObject *list, FtObject *op, FtObject *sep, FtSsize maxsplit)
{
    FtSsize n = FT_STR(op)->length, m = FT_STR(sep)->length, i = 0;
    while (maxsplit-- > 0) {
        FtSsize j = ft_str_find(op, sep, i, n);
        if (j < 0)
            break;
        if (append_sub(list, op, i, j - i) < 0)
            return -1;
        i = j + m;
    }
    return append_sub(list, op, i, n - i);
}

FtObject *ft_str_split(FtObject *op, FtObject *sep, FtSsize maxsplit)
{
    FT_NONNULL(NULL, op);
    if (!ft_is_str(op) || (sep && !ft_is_str(sep))) {
        ft_error_set(FT_ERR_TYPE, "split: expected str arguments");
        return NULL;
    }
    if (sep && FT_STR(sep)->length == 0) {
        ft_error_set(FT_ERR_VALUE, "empty separator");
        return NULL;
    }
    if (maxsplit < 0)
        maxsplit = PTRDIFF_MAX;
    FtObject *list = ft_list_new(0);
    if (!list)
        return NULL;
    int rc = sep ? split_sep(list, op, sep, maxsplit)
                 : split_whitespace(list, op, maxsplit);
    if (rc < 0) {
        ft_decref(list);
        return NULL;
    }
    return list;
}

/* ---- printf-style construction ---- */

FtObject *ft_str_from_format(const char *fmt, ...)
{
    FT_NONNULL(NULL, fmt);
    char small[256];
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    FtObject *r = NULL;
    if (n < 0) {
        ft_error_set(FT_ERR_VALUE, "invalid format string");
    } else if ((size_t)n < sizeof small) {
        r = ft_str_from_utf8(small, n);
    } else {
        char *buf = ft_mem_alloc((size_t)n + 1);
        if (buf) {
            vsnprintf(buf, (size_t)n + 1, fmt, ap2);
            r = ft_str_from_utf8(buf, n);
            ft_mem_free(buf);
        }
    }
    va_end(ap2);
    return r;
}
