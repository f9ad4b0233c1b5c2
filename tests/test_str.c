/* tests/test_str.c: the str type: layout, singletons, accessors, compare,
 * concat, slice, getitem, find, repr, hash, iteration, join/split, format,
 * allocation failure on every constructor, and huge sizes. */
#include "testutil.h"
#include "runtime/str_impl.h"
#include <stdio.h>
#include <pthread.h>

/* ---- helpers ---- */

static FtObject *S(const char *utf8)
{
    FtObject *s = ft_str_from_utf8(utf8, -1);
    assert_non_null(s);
    return s;
}

static void assert_str(FtObject *s, const char *utf8)
{
    assert_non_null(s);
    assert_true(ft_is_str(s));
    FtSsize n;
    const char *u = ft_str_as_utf8(s, &n);
    assert_non_null(u);
    assert_string_equal(u, utf8);
    assert_int_equal(n, (FtSsize)strlen(utf8));
    assert_true(ft_str_equal_cstr(s, utf8));
}

typedef struct StrSnap {
    int64_t objects, raw, strs;
} StrSnap;

static StrSnap snap(void)
{
    FtStats st;
    ft_stats_get(&st);
    return (StrSnap){ st.objects_live, st.raw_bytes_live,
                      ft_stats_live_of_type(&ft_str_type) };
}

static void assert_snap(StrSnap a, StrSnap b)
{
    assert_int_equal(a.objects, b.objects);
    assert_int_equal(a.raw, b.raw);
    assert_int_equal(a.strs, b.strs);
}

/* Fail the n-th allocation for n = 1, 2, ... until f succeeds; each failure
 * must be a clean FT_ERR_MEMORY with nothing leaked. Returns the number of
 * failures seen. */
typedef FtObject *(*Ctor)(void *arg);

static int oom_loop(Ctor f, void *arg)
{
    int failures = 0;
    for (long n = 1; n < 10000; n++) {
        StrSnap before = snap();
        ft_debug_fail_alloc_after(n);
        FtObject *r = f(arg);
        ft_debug_fail_alloc_after(0);
        if (r) {
            assert_false(ft_error_occurred());
            ft_decref(r);
            assert_snap(before, snap());
            return failures;
        }
        assert_int_equal(ft_error_kind(), FT_ERR_MEMORY);
        ft_error_clear();
        assert_snap(before, snap());
        failures++;
    }
    fail_msg("constructor never succeeded");
    return failures;
}

/* ---- layout, singletons, kinds ---- */

static void singletons(void **state)
{
    (void)state;
    FtObject *e1 = S(""), *e2 = ft_str_from_ucs4(NULL, 0);
    assert_ptr_equal(e1, e2);
    assert_true(ft_is_immortal(e1));
    assert_true(ft_str_is_interned(e1));
    assert_ptr_equal(S("a"), S("a"));
    assert_ptr_equal(S("\xc3\xa9"), S("\xc3\xa9"));          /* é */
    uint32_t ff = 0xFF;
    assert_ptr_equal(ft_str_from_ucs4(&ff, 1), S("\xc3\xbf"));
    assert_true(ft_is_immortal(S("\xc3\xbf")));
    /* slices and items of length one come back as singletons */
    FtObject *s = S("xyz\xc3\xa9");
    FtObject *c = ft_str_getitem(s, -1);
    assert_ptr_equal(c, S("\xc3\xa9"));
    FtObject *d = ft_str_slice(s, 1, 2, 1);
    assert_ptr_equal(d, S("y"));
    FtObject *e = ft_str_slice(s, 3, 3, 1);
    assert_ptr_equal(e, e1);
    ft_decref(s);
    /* the latin-1 singletons know their UTF-8 without allocating */
    StrSnap before = snap();
    assert_str(S("\xc3\xa9"), "\xc3\xa9");
    assert_snap(before, snap());
}

static void kinds(void **state)
{
    (void)state;
    struct { const char *u; FtSsize len; int kind, ascii; uint32_t last; } cases[] = {
        { "hello", 5, 1, 1, 'o' },
        { "caf\xc3\xa9", 4, 1, 0, 0xE9 },
        { "\xc5\x99" "e\xc5\x99icha", 7, 2, 0, 'a' },
        { "a\xe2\x82\xac", 2, 2, 0, 0x20AC },
        { "\xf0\x9f\x98\x80x", 2, 4, 0, 'x' },
        { "\xef\xbf\xbf", 1, 2, 0, 0xFFFF },
        { "\xf4\x8f\xbf\xbf", 1, 4, 0, 0x10FFFF },
    };
    for (size_t i = 0; i < FT_ARRAY_LEN(cases); i++) {
        FtObject *s = S(cases[i].u);
        assert_int_equal(ft_str_length(s), cases[i].len);
        assert_int_equal(ft_len(s), cases[i].len);
        assert_int_equal(ft_str_kind(s), cases[i].kind);
        assert_int_equal(ft_str_is_ascii(s), cases[i].ascii);
        assert_int_equal(ft_str_read_char(s, cases[i].len - 1), cases[i].last);
        assert_str(s, cases[i].u);
        ft_decref(s);
    }
}

static void from_ucs4(void **state)
{
    (void)state;
    uint32_t cps[] = { 'a', 0x159, 0x1F600 };
    FtObject *s = ft_str_from_ucs4(cps, 3);
    assert_int_equal(ft_str_kind(s), 4);
    assert_str(s, "a\xc5\x99\xf0\x9f\x98\x80");
    ft_decref(s);
    /* narrowed to the canonical kind */
    s = ft_str_from_ucs4(cps, 2);
    assert_int_equal(ft_str_kind(s), 2);
    ft_decref(s);
    s = ft_str_from_ucs4(cps, 1);
    assert_int_equal(ft_str_kind(s), 1);
    /* out of range */
    uint32_t bad[] = { 'a', 0x110000 };
    assert_null(ft_str_from_ucs4(bad, 2));
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    assert_non_null(strstr(ft_error_message(), "index 1"));
    ft_error_clear();
    assert_null(ft_str_from_ucs4(cps, -1));
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    ft_error_clear();
    /* a lone surrogate is a valid str but cannot be encoded */
    uint32_t sur[] = { 'x', 0xD800, 'y' };
    s = ft_str_from_ucs4(sur, 3);
    assert_non_null(s);
    assert_int_equal(ft_str_kind(s), 2);
    assert_null(ft_str_as_utf8(s, NULL));
    assert_int_equal(ft_error_kind(), FT_ERR_UNICODE);
    assert_non_null(strstr(ft_error_message(), "position 1"));
    ft_error_clear();
    ft_decref(s);
}

static void utf8_cache(void **state)
{
    (void)state;
    FtObject *s = S("\xc5\x99" "e\xc5\x99icha");
    size_t plain = ft_sizeof(s);
    FtSsize n1, n2;
    const char *a = ft_str_as_utf8(s, &n1);
    const char *b = ft_str_as_utf8(s, &n2);
    assert_ptr_equal(a, b);
    assert_int_equal(n1, 9);
    assert_int_equal(ft_sizeof(s), plain + 10);
    ft_decref(s);
    /* ASCII strings are their own UTF-8 */
    s = S("plain");
    assert_ptr_equal(ft_str_as_utf8(s, NULL), ft__str_data(s));
    ft_decref(s);
}

static void sizes(void **state)
{
    (void)state;
    /* docs/layouts.md: ours next to CPython 3.12's 41, 42, 45, 72 */
    assert_int_equal(ft_sizeof(S("")), 57);
    assert_int_equal(ft_sizeof(S("a")), 58);
    FtObject *s = S("abcd");
    assert_int_equal(ft_sizeof(s), 61);
    ft_decref(s);
    s = S("\xc5\x99" "e\xc5\x99icha");
    assert_int_equal(ft_sizeof(s), 88);
    ft_decref(s);
    uint32_t cp[] = { 0x1F600, 'a' };
    s = ft_str_from_ucs4(cp, 2);
    assert_int_equal(ft_sizeof(s), 72 + 3 * 4);
    ft_decref(s);
}

/* Several threads fill the lazy caches (UTF-8, hash) of one shared string
 * at once: all must see the same buffer and the same hash. */
#define CACHE_THREADS 4

typedef struct CacheRace {
    FtObject *s;
    pthread_barrier_t *bar;
    const char *utf8;
    int64_t hash;
} CacheRace;

static void *cache_racer(void *arg)
{
    CacheRace *r = arg;
    ft_blocking_begin();
    pthread_barrier_wait(r->bar);
    ft_blocking_end();
    r->utf8 = ft_str_as_utf8(r->s, NULL);
    r->hash = ft_hash(r->s);
    return NULL;
}

static void shared_caches(void **state)
{
    (void)state;
    for (int round = 0; round < 20; round++) {
        FtObject *s = ft_str_from_format("shared-%d-\xe2\x82\xac", round);
        pthread_barrier_t bar;
        pthread_barrier_init(&bar, NULL, CACHE_THREADS);
        CacheRace r[CACHE_THREADS];
        pthread_t t[CACHE_THREADS];
        for (int i = 0; i < CACHE_THREADS; i++) {
            r[i] = (CacheRace){ .s = s, .bar = &bar };
            assert_int_equal(ft_thread_start(&t[i], cache_racer, &r[i]), 0);
        }
        ft_blocking_begin();
        for (int i = 0; i < CACHE_THREADS; i++)
            pthread_join(t[i], NULL);
        ft_blocking_end();
        for (int i = 0; i < CACHE_THREADS; i++) {
            assert_non_null(r[i].utf8);
            assert_ptr_equal(r[i].utf8, r[0].utf8);
            assert_int_equal(r[i].hash, r[0].hash);
        }
        assert_ptr_equal(ft_str_as_utf8(s, NULL), r[0].utf8);
        ft_decref(s);
        pthread_barrier_destroy(&bar);
    }
}

/* ---- compare, equality, hash ---- */

static void compare_equal(void **state)
{
    (void)state;
    FtObject *a = S("abc"), *b = S("abd"), *c = S("ab"), *d = S("abc");
    FtObject *w = S("ab\xe2\x82\xac"), *x = S("ab\xf0\x9f\x98\x80");
    assert_int_equal(ft_str_compare(a, b), -1);
    assert_int_equal(ft_str_compare(b, a), 1);
    assert_int_equal(ft_str_compare(c, a), -1);
    assert_int_equal(ft_str_compare(a, d), 0);
    assert_int_equal(ft_str_compare(a, w), -1);    /* 'c' < U+20AC */
    assert_int_equal(ft_str_compare(x, w), 1);
    assert_true(ft_str_equal(a, d));
    assert_false(ft_str_equal(a, b));
    assert_false(ft_str_equal(w, x));
    assert_true(ft_str_equal_cstr(w, "ab\xe2\x82\xac"));
    assert_false(ft_str_equal_cstr(w, "ab\xe2\x82"));
    assert_false(ft_str_equal_cstr(w, "ab\xe2\x82\xac!"));
    assert_false(ft_str_equal_cstr(a, "ab"));
    assert_int_equal(ft_compare_bool(a, d, FT_EQ), 1);
    assert_int_equal(ft_compare_bool(a, b, FT_LT), 1);
    assert_int_equal(ft_compare_bool(a, b, FT_GE), 0);
    assert_int_equal(ft_compare_bool(x, w, FT_GT), 1);
    assert_int_equal(ft_compare_bool(a, d, FT_NE), 0);
    /* str vs another type: == is False, < is a TypeError */
    FtObject *t = ft_type_as_object(&ft_str_type);
    assert_int_equal(ft_compare_bool(a, t, FT_EQ), 0);
    assert_int_equal(ft_compare_bool(a, t, FT_LT), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    ft_decref(a); ft_decref(b); ft_decref(c); ft_decref(d);
    ft_decref(w); ft_decref(x);
}

static void hashing(void **state)
{
    (void)state;
    /* tests run with FTRT_HASHSEED=0: Python 3.11 with PYTHONHASHSEED=0
     * gives hash("abc") == -4594863902769663758 */
    FtObject *s = S("abc");
    assert_int_equal(FT_STR(s)->hash, -1);
    assert_int_equal(ft_hash(s), -4594863902769663758LL);
    assert_int_equal(FT_STR(s)->hash, -4594863902769663758LL);
    ft_decref(s);
    assert_int_equal(ft_hash(S("")), 0);
    s = S("\xc5\x99" "e\xc5\x99");
    assert_int_equal(ft_hash(s), 8070001101390599861LL);
    ft_decref(s);
    uint64_t k0, k1;
    ft__hash_key(&k0, &k1);
    assert_int_equal(k0, 0);
    assert_int_equal(k1, 0);
    assert_int_equal(ft_hash_seed(), 0);
}

/* ---- concat, getitem, slice ---- */

static void concat(void **state)
{
    (void)state;
    FtObject *a = S("ab"), *e = S(""), *u = S("\xe2\x82\xac");
    FtObject *r = ft_str_concat(a, u);
    assert_str(r, "ab\xe2\x82\xac");
    assert_int_equal(ft_str_kind(r), 2);
    ft_decref(r);
    r = ft_str_concat(a, e);
    assert_ptr_equal(r, a);
    ft_decref(r);
    r = ft_str_concat(e, u);
    assert_ptr_equal(r, u);
    ft_decref(r);
    r = ft_str_concat(a, a);
    assert_str(r, "abab");
    assert_true(ft_str_is_ascii(r));
    ft_decref(r);
    FtObject *l1 = S("\xc3\xa9");
    r = ft_str_concat(a, l1);
    assert_int_equal(ft_str_kind(r), 1);
    assert_false(ft_str_is_ascii(r));
    assert_str(r, "ab\xc3\xa9");
    ft_decref(r);
    assert_null(ft_str_concat(a, ft_type_as_object(&ft_str_type)));
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    ft_decref(a); ft_decref(u);
}

static void getitem(void **state)
{
    (void)state;
    FtObject *s = S("a\xe2\x82\xac\xf0\x9f\x98\x80");
    FtObject *c = ft_str_getitem(s, 0);
    assert_str(c, "a");
    c = ft_str_getitem(s, 1);
    assert_str(c, "\xe2\x82\xac");
    assert_int_equal(ft_str_kind(c), 2);
    ft_decref(c);
    c = ft_str_getitem(s, -1);
    assert_str(c, "\xf0\x9f\x98\x80");
    ft_decref(c);
    assert_null(ft_str_getitem(s, 3));
    assert_int_equal(ft_error_kind(), FT_ERR_INDEX);
    ft_error_clear();
    assert_null(ft_str_getitem(s, -4));
    assert_int_equal(ft_error_kind(), FT_ERR_INDEX);
    ft_error_clear();
    ft_decref(s);
}

static void slicing(void **state)
{
    (void)state;
    FtObject *s = S("0123456789");
    struct { FtSsize a, b, st; const char *want; } cases[] = {
        { 0, 10, 1, "0123456789" }, { 2, 5, 1, "234" }, { -3, 100, 1, "789" },
        { 0, 10, 2, "02468" }, { 9, -11, -1, "9876543210" }, { 8, 2, -3, "85" },
        { 5, 2, 1, "" }, { -100, 3, 1, "012" }, { PTRDIFF_MAX, PTRDIFF_MIN, PTRDIFF_MIN, "9" },
        { 0, PTRDIFF_MAX, PTRDIFF_MAX, "0" },
    };
    for (size_t i = 0; i < FT_ARRAY_LEN(cases); i++) {
        FtObject *r = ft_str_slice(s, cases[i].a, cases[i].b, cases[i].st);
        assert_str(r, cases[i].want);
        ft_decref(r);
    }
    FtObject *whole = ft_str_slice(s, 0, 10, 1);
    assert_ptr_equal(whole, s);
    ft_decref(whole);
    assert_null(ft_str_slice(s, 0, 1, 0));
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    ft_error_clear();
    ft_decref(s);
    /* a slice narrows to the kind of what it keeps */
    s = S("ab\xf0\x9f\x98\x80\xc3\xa9z");
    FtObject *r = ft_str_slice(s, 0, 2, 1);
    assert_true(ft_str_is_ascii(r));
    ft_decref(r);
    r = ft_str_slice(s, 3, 5, 1);
    assert_int_equal(ft_str_kind(r), 1);
    assert_str(r, "\xc3\xa9z");
    ft_decref(r);
    r = ft_str_slice(s, 0, 5, 2);
    assert_str(r, "a\xf0\x9f\x98\x80z");
    ft_decref(r);
    ft_decref(s);
}

/* ---- find, contains ---- */

static void finding(void **state)
{
    (void)state;
    FtObject *s = S("abcabc\xe2\x82\xac" "abc\xf0\x9f\x98\x80");
    FtObject *abc = S("abc"), *euro = S("\xe2\x82\xac" "a"), *e = S("");
    FtObject *emoji = S("\xf0\x9f\x98\x80"), *zz = S("zz");
    assert_int_equal(ft_str_find(s, abc, 0, PTRDIFF_MAX), 0);
    assert_int_equal(ft_str_find(s, abc, 1, PTRDIFF_MAX), 3);
    assert_int_equal(ft_str_find(s, abc, 4, PTRDIFF_MAX), 7);
    assert_int_equal(ft_str_find(s, abc, 4, 9), -1);
    assert_int_equal(ft_str_find(s, abc, -4, PTRDIFF_MAX), 7);
    assert_int_equal(ft_str_find(s, euro, 0, PTRDIFF_MAX), 6);
    assert_int_equal(ft_str_find(s, emoji, 0, PTRDIFF_MAX), 10);
    assert_int_equal(ft_str_find(s, zz, 0, PTRDIFF_MAX), -1);
    assert_int_equal(ft_str_find(s, e, 0, PTRDIFF_MAX), 0);
    assert_int_equal(ft_str_find(s, e, 11, PTRDIFF_MAX), 11);
    assert_int_equal(ft_str_find(s, e, 12, PTRDIFF_MAX), -1);
    assert_int_equal(ft_str_find(abc, emoji, 0, 3), -1);
    assert_int_equal(ft_str_contains(s, euro), 1);
    assert_int_equal(ft_str_contains(abc, zz), 0);
    assert_int_equal(ft_contains(s, emoji), 1);
    assert_int_equal(ft_str_contains(s, ft_type_as_object(&ft_str_type)), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
    assert_int_equal(ft_str_find(s, ft_type_as_object(&ft_str_type), 0, 1), -2);
    ft_error_clear();
    /* Horspool with a repeated-prefix needle across kinds */
    FtObject *hay = S("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac" "x\xe2\x82\xac\xe2\x82\xac" "y");
    FtObject *needle = S("\xe2\x82\xac\xe2\x82\xac" "y");
    assert_int_equal(ft_str_find(hay, needle, 0, PTRDIFF_MAX), 4);
    ft_decref(hay); ft_decref(needle);
    ft_decref(s); ft_decref(abc); ft_decref(euro); ft_decref(emoji); ft_decref(zz);
}

/* ---- repr ---- */

static void repr(void **state)
{
    (void)state;
    struct { const char *in, *want; } cases[] = {
        { "", "''" }, { "abc", "'abc'" }, { "it's", "\"it's\"" },
        { "say \"hi\"", "'say \"hi\"'" }, { "'\"", "'\\'\"'" },
        { "a\\b", "'a\\\\b'" }, { "\t\n\r\x01\x7f", "'\\t\\n\\r\\x01\\x7f'" },
        { "\xc3\xa9\xc2\xa0\xc2\xad", "'\xc3\xa9\\xa0\\xad'" },
        { "\xe2\x80\x8b\xe2\x82\xac", "'\\u200b\xe2\x82\xac'" },
        { "\xf0\x9f\x98\x80\xf3\xa0\x80\x81", "'\xf0\x9f\x98\x80\\U000e0001'" },
    };
    for (size_t i = 0; i < FT_ARRAY_LEN(cases); i++) {
        FtObject *s = S(cases[i].in);
        FtObject *r = ft_repr(s);
        assert_str(r, cases[i].want);
        ft_decref(r);
        ft_decref(s);
    }
    FtObject *s = S("x");
    FtObject *t = ft_str(s);
    assert_ptr_equal(t, s);
}

/* ---- iteration, join, split, format ---- */

static void iteration(void **state)
{
    (void)state;
    FtObject *s = S("a\xe2\x82\xac" "b");
    FtObject *it = ft_str_type.tp_iter(s);
    assert_non_null(it);
    const char *want[] = { "a", "\xe2\x82\xac", "b" };
    for (int i = 0; i < 3; i++) {
        FtObject *c = ft_type_of(it)->tp_iternext(it);
        assert_str(c, want[i]);
        ft_decref(c);
    }
    assert_null(ft_type_of(it)->tp_iternext(it));
    assert_false(ft_error_occurred());
    ft_decref(it);
    ft_decref(s);
}

/* Lists and iteration are another module (runtime/list.c, iter.c); the
 * tests that need them skip until they are linked. */
static int have_list(void)
{
    FtObject *l = ft_list_new(0);
    if (!l) {
        ft_error_clear();
        return 0;
    }
    ft_decref(l);
    return 1;
}

static int have_iter(void)
{
    if (!have_list())
        return 0;
    FtObject *l = ft_list_new(0);
    FtObject *it = ft_iter(l);
    ft_decref(l);
    if (!it) {
        ft_error_clear();
        return 0;
    }
    ft_decref(it);
    return 1;
}

static FtObject *list_of(int n, ...)
{
    va_list ap;
    FtObject *l = ft_list_new(0);
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        FtObject *s = S(va_arg(ap, const char *));
        assert_int_equal(ft_list_append(l, s), 0);
        ft_decref(s);
    }
    va_end(ap);
    return l;
}

static void assert_list(FtObject *l, int n, ...)
{
    va_list ap;
    assert_non_null(l);
    assert_int_equal(ft_len(l), n);
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        FtObject *x = ft_list_get_item(l, i);
        assert_str(x, va_arg(ap, const char *));
        ft_decref(x);
    }
    va_end(ap);
}

static void join(void **state)
{
    (void)state;
    if (!have_iter())
        skip();
    FtObject *sep = S(", "), *l = list_of(3, "a", "\xe2\x82\xac", "c");
    FtObject *r = ft_str_join(sep, l);
    assert_str(r, "a, \xe2\x82\xac, c");
    ft_decref(r);
    ft_decref(l);
    l = list_of(1, "only");
    FtObject *only = ft_list_get_item(l, 0);
    r = ft_str_join(sep, l);
    assert_ptr_equal(r, only);
    ft_decref(r); ft_decref(only); ft_decref(l);
    l = list_of(0);
    r = ft_str_join(sep, l);
    assert_ptr_equal(r, S(""));
    ft_decref(l);
    /* a non-str item */
    l = list_of(1, "a");
    ft_list_append(l, ft_type_as_object(&ft_str_type));
    StrSnap before = snap();
    assert_null(ft_str_join(sep, l));
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    assert_non_null(strstr(ft_error_message(), "sequence item 1"));
    ft_error_clear();
    assert_snap(before, snap());
    ft_decref(l);
    ft_decref(sep);
}

static void split(void **state)
{
    (void)state;
    if (!have_list())
        skip();
    FtObject *s = S("  a b\t\xe2\x80\x83 c\xc2\xa0\n");
    FtObject *l = ft_str_split(s, NULL, -1);
    assert_list(l, 3, "a", "b", "c");
    ft_decref(l);
    l = ft_str_split(s, NULL, 1);
    assert_list(l, 2, "a", "b\t\xe2\x80\x83 c\xc2\xa0\n");
    ft_decref(l);
    ft_decref(s);
    s = S(",a,,\xe2\x82\xac,");
    FtObject *comma = S(",");
    l = ft_str_split(s, comma, -1);
    assert_list(l, 5, "", "a", "", "\xe2\x82\xac", "");
    ft_decref(l);
    l = ft_str_split(s, comma, 2);
    assert_list(l, 3, "", "a", ",\xe2\x82\xac,");
    ft_decref(l);
    l = ft_str_split(s, comma, 0);
    assert_list(l, 1, ",a,,\xe2\x82\xac,");
    FtObject *first = ft_list_get_item(l, 0);
    assert_ptr_equal(first, s);
    ft_decref(first);
    ft_decref(l);
    assert_null(ft_str_split(s, S(""), -1));
    assert_int_equal(ft_error_kind(), FT_ERR_VALUE);
    ft_error_clear();
    l = ft_str_split(S(""), NULL, -1);
    assert_list(l, 0);
    ft_decref(l);
    ft_decref(s); ft_decref(comma);
}

static void format(void **state)
{
    (void)state;
    FtObject *s = ft_str_from_format("%d-%s-%.2f", 42, "\xc3\xa9t\xc3\xa9", 1.5);
    assert_str(s, "42-\xc3\xa9t\xc3\xa9-1.50");
    ft_decref(s);
    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    s = ft_str_from_format("<%s>", big);
    assert_int_equal(ft_str_length(s), 601);
    ft_decref(s);
    assert_null(ft_str_from_format("%s", "\xff"));
    assert_int_equal(ft_error_kind(), FT_ERR_UNICODE);
    ft_error_clear();
}

/* ---- allocation failure on every constructor ---- */

static FtObject *mk_utf8(void *arg) { return ft_str_from_utf8(arg, -1); }
static FtObject *mk_ucs4(void *arg) { (void)arg; uint32_t c[] = { 'a', 0x20AC, 0x1F600 }; return ft_str_from_ucs4(c, 3); }
static FtObject *mk_concat(void *arg) { FtObject **p = arg; return ft_str_concat(p[0], p[1]); }
static FtObject *mk_slice(void *arg) { return ft_str_slice(arg, 0, 5, 2); }
static FtObject *mk_getitem(void *arg) { return ft_str_getitem(arg, 1); }
static FtObject *mk_repr(void *arg) { return ft_repr(arg); }
static FtObject *mk_format(void *arg) { return ft_str_from_format("%s %d %s", (char *)arg, 7, (char *)arg); }
static FtObject *mk_split(void *arg) { return ft_str_split(arg, NULL, -1); }
static FtObject *mk_join(void *arg) { FtObject **p = arg; return ft_str_join(p[0], p[1]); }
static FtObject *mk_iter(void *arg) { return ft_str_type.tp_iter(arg); }

static FtObject *mk_as_utf8(void *arg)
{
    /* a fresh non-ASCII str whose cache is then filled */
    FtObject *s = ft_str_from_utf8(arg, -1);
    if (!s)
        return NULL;
    if (!ft_str_as_utf8(s, NULL)) {
        ft_decref(s);
        return NULL;
    }
    return s;
}

static void oom_constructors(void **state)
{
    (void)state;
    const char *texts[] = { "plain ascii text", "caf\xc3\xa9 cr\xc3\xa8me",
                            "\xe2\x82\xac\xe2\x82\xac", "\xf0\x9f\x98\x80!" };
    for (size_t i = 0; i < FT_ARRAY_LEN(texts); i++) {
        assert_true(oom_loop(mk_utf8, (void *)texts[i]) >= 1);
        assert_true(oom_loop(mk_as_utf8, (void *)texts[i]) >= 1);
        assert_true(oom_loop(mk_format, (void *)texts[i]) >= 1);
        FtObject *s = S(texts[i]);
        assert_true(oom_loop(mk_repr, s) >= 1);
        if (have_list())
            assert_true(oom_loop(mk_split, s) >= 1);
        assert_true(oom_loop(mk_iter, s) >= 1);
        FtObject *pair[2] = { s, s };
        assert_true(oom_loop(mk_concat, pair) >= 1);
        assert_true(oom_loop(mk_slice, s) >= 1);
        ft_decref(s);
    }
    assert_true(oom_loop(mk_ucs4, NULL) >= 1);
    FtObject *s = S("a\xe2\x82\xac" "b");
    assert_true(oom_loop(mk_getitem, s) >= 1);
    ft_decref(s);
    if (have_iter()) {
        FtObject *sep = S("\xe2\x80\x94");
        FtObject *l = list_of(3, "one", "two", "three");
        FtObject *pair[2] = { sep, l };
        assert_true(oom_loop(mk_join, pair) >= 1);
        ft_decref(l);
        ft_decref(sep);
    }
}

/* ---- huge sizes: an error, never a crash ---- */

static void huge_sizes(void **state)
{
    (void)state;
    uint32_t one = 'a';
    assert_null(ft_str_from_ucs4(&one, PTRDIFF_MAX));
    assert_int_equal(ft_error_kind(), FT_ERR_OVERFLOW);
    ft_error_clear();
    assert_null(ft__str_new(FT_STR_MAX_LENGTH + 1, 'a'));
    assert_int_equal(ft_error_kind(), FT_ERR_OVERFLOW);
    ft_error_clear();
    StrSnap before = snap();
    assert_null(ft__str_new(FT_STR_MAX_LENGTH, 0x10FFFF));
    assert_true(ft_error_kind() == FT_ERR_MEMORY || ft_error_kind() == FT_ERR_OVERFLOW);
    ft_error_clear();
    assert_null(ft__str_new((FtSsize)1 << 50, 'a'));
    assert_true(ft_error_kind() == FT_ERR_MEMORY || ft_error_kind() == FT_ERR_OVERFLOW);
    ft_error_clear();
    assert_snap(before, snap());
    /* a big (1 MiB) string works and concatenates */
    FtObject *big = ft__str_new(1 << 20, 'x');
    memset(ft__str_data(big), 'x', 1 << 20);
    FtObject *r = ft_str_concat(big, big);
    assert_int_equal(ft_str_length(r), 2 << 20);
    ft_decref(r);
    ft_decref(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(singletons),
        cmocka_unit_test(kinds),
        cmocka_unit_test(from_ucs4),
        cmocka_unit_test(utf8_cache),
        cmocka_unit_test(sizes),
        cmocka_unit_test(shared_caches),
        cmocka_unit_test(compare_equal),
        cmocka_unit_test(hashing),
        cmocka_unit_test(concat),
        cmocka_unit_test(getitem),
        cmocka_unit_test(slicing),
        cmocka_unit_test(finding),
        cmocka_unit_test(repr),
        cmocka_unit_test(iteration),
        cmocka_unit_test(join),
        cmocka_unit_test(split),
        cmocka_unit_test(format),
        cmocka_unit_test(oom_constructors),
        cmocka_unit_test(huge_sizes),
    };
    return cmocka_run_group_tests_name("str", tests, ft_test_group_setup,
                                       ft_test_group_teardown);
}
