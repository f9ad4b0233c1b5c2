/* tests/test_null_args.c: the NULL-argument policy (include/ftrt.h) on every
 * public function.
 *
 * NULL_ARG_TABLE below has one row per public function of the headers in include/ftrt/
 * that takes a pointer argument (tests/check_null_table.py, run as the unit
 * test `null_args_table`, fails when a function of the headers has no row,
 * or a row names a function that no longer exists):
 *   ERR(name, body)     every EXPECT in body calls name with NULL for one
 *                       required argument: the error value, FT_ERR_STATE,
 *                       "NULL object passed to name";
 *   OK(name, body)      NULL is a documented value (optional argument, C
 *                       allocator semantics): body runs without a crash;
 *   SKIP(name, reason)  NULL is not checked by design (inline accessors and
 *                       counting paths, ft_fatal_at); the reason says why.
 * Functions whose arguments are all non-pointers need no row.
 * To add a function: add its row here (and its FT_NONNULL at its entry). */
#include "testutil.h"
#include <pthread.h>
#include <stdio.h>

/* Fixture objects, valid arguments for the non-NULL positions. */
static FtObject *L, *D, *S, *FS, *I, *F, *T, *STR, *INST, *WVD, *WR, *BY, *DQ;
static FtType *CLS;
static const char *g_name;      /* the row being run */

static void expect_null_error(int ok, int line)
{
    char want[128];
    snprintf(want, sizeof want, "NULL object passed to %s", g_name);
    if (!ok || ft_error_kind() != FT_ERR_STATE
        || strcmp(ft_error_message(), want) != 0)
        fail_msg("%s (line %d): result ok %d, error %s \"%s\", expected "
                 "StateError \"%s\"", g_name, line, ok,
                 ft_error_kind_name(ft_error_kind()), ft_error_message(), want);
    ft_error_clear();
}
#define EXPECT(cond) expect_null_error((cond), __LINE__)

static void gc_cb_nop(int phase, const FtGcInfo *info, void *arg)
{
    (void)phase; (void)info; (void)arg;
}
static void *thread_nop(void *arg) { return arg; }
static FtObject *factory_int(void *arg) { (void)arg; return ft_int_from_i64(5); }
static FtObject *update_same(FtObject *old, void *arg)
{
    (void)arg;
    return ft_xnewref(old);     /* leaves D as it was */
}

/* NULL format strings on purpose (ft_error_set, ft_str_from_format). */
static const char *volatile null_fmt;
#pragma GCC diagnostic ignored "-Wformat-security"
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#define NULL_ARG_TABLE(ERR, OK, SKIP)                                             \
    /* ---- object.h ---- */                                                      \
    SKIP(ft_incref, "inline counting path: NULL not allowed (as Py_INCREF); use ft_xincref") \
    SKIP(ft_decref, "inline counting path: NULL not allowed (as Py_DECREF); use ft_xdecref") \
    SKIP(ft_newref, "inline: NULL not allowed; use ft_xnewref")                  \
    OK(ft_xincref, ft_xincref(NULL);)                                             \
    OK(ft_xdecref, ft_xdecref(NULL);)                                             \
    OK(ft_xnewref, assert_null(ft_xnewref(NULL));)                                \
    SKIP(ft_is_immortal, "inline accessor: argument must not be NULL")          \
    SKIP(ft_type_of, "inline accessor: argument must not be NULL")              \
    OK(ft_type_as_object, assert_null(ft_type_as_object(NULL));)                  \
    SKIP(ft__incref_slow, "internal half of ft_incref (never given NULL)")      \
    SKIP(ft__decref_slow_local, "internal half of ft_decref")                   \
    SKIP(ft__decref_shared, "internal half of ft_decref")                       \
    SKIP(ft__dealloc, "internal: count reached zero")                          \
    SKIP(ft__refcnt_error, "internal: reports a broken count and aborts")       \
    ERR(ft_refcount, EXPECT(ft_refcount(NULL) == -1);)                            \
    ERR(ft_object_make_immortal, EXPECT(ft_object_make_immortal(NULL) == -1);)    \
    ERR(ft_type_name, EXPECT(ft_type_name(NULL) == NULL);)                        \
    ERR(ft_isinstance, EXPECT(ft_isinstance(NULL, CLS) == -1);                    \
                       EXPECT(ft_isinstance(I, NULL) == -1);)                     \
    ERR(ft_type_is_subtype, EXPECT(ft_type_is_subtype(NULL, CLS) == -1);          \
                            EXPECT(ft_type_is_subtype(CLS, NULL) == -1);)         \
    ERR(ft_repr, EXPECT(ft_repr(NULL) == NULL);)                                  \
    ERR(ft_str, EXPECT(ft_str(NULL) == NULL);)                                    \
    ERR(ft_hash, EXPECT(ft_hash(NULL) == -1);)                                    \
    ERR(ft_richcompare, EXPECT(ft_richcompare(NULL, I, FT_EQ) == NULL);           \
                        EXPECT(ft_richcompare(I, NULL, FT_LT) == NULL);)          \
    ERR(ft_compare_bool, EXPECT(ft_compare_bool(NULL, I, FT_EQ) == -1);           \
                         EXPECT(ft_compare_bool(I, NULL, FT_EQ) == -1);           \
                         EXPECT(ft_compare_bool(NULL, NULL, FT_EQ) == -1);)       \
    ERR(ft_is_true, EXPECT(ft_is_true(NULL) == -1);)                              \
    ERR(ft_sizeof, EXPECT(ft_sizeof(NULL) == 0);)                                 \
    ERR(ft_getattr, EXPECT(ft_getattr(NULL, "a") == NULL);                        \
                    EXPECT(ft_getattr(INST, NULL) == NULL);)                      \
    ERR(ft_setattr, EXPECT(ft_setattr(NULL, "a", I) == -1);                       \
                    EXPECT(ft_setattr(INST, NULL, I) == -1);                      \
                    EXPECT(ft_setattr(INST, "a", NULL) == -1);)                   \
    ERR(ft_delattr, EXPECT(ft_delattr(NULL, "a") == -1);                          \
                    EXPECT(ft_delattr(INST, NULL) == -1);)                        \
    /* ---- error.h ---- */                                                       \
    OK(ft_error_set, ft_error_set(FT_ERR_VALUE, null_fmt);                        \
                     assert_int_equal(ft_error_kind(), FT_ERR_VALUE);             \
                     assert_string_equal(ft_error_message(), "");                 \
                     ft_error_clear();)                                           \
    ERR(ft_error_fetch, ft_error_fetch(NULL); EXPECT(1);)                         \
    ERR(ft_error_restore, ft_error_restore(NULL); EXPECT(1);)                     \
    SKIP(ft_fatal_at, "aborts by design (NULL file/func/fmt print as \"?\"/nothing)") \
    OK(ft_set_oom_handler, ft_set_oom_handler(NULL);)                             \
    /* ---- thread.h ---- */                                                      \
    ERR(ft_thread_start, pthread_t th;                                            \
                         EXPECT(ft_thread_start(NULL, thread_nop, NULL) == -1);   \
                         EXPECT(ft_thread_start(&th, NULL, NULL) == -1);)         \
    SKIP(ft_thread_join, "its only pointer, result, is optional (NULL: not stored)") \
    /* ---- critical.h (more in tests/test_critical.c) ---- */                    \
    ERR(ft_critical_section_begin, FtCriticalSection cs;                          \
                         ft_critical_section_begin(&cs, NULL); EXPECT(1);         \
                         ft_critical_section_end(&cs); /* matches: no-op */       \
                         assert_false(ft_error_occurred());                       \
                         ft_critical_section_begin(NULL, L); EXPECT(1);)          \
    ERR(ft_critical_section_end, ft_critical_section_end(NULL); EXPECT(1);)       \
    ERR(ft_critical_section2_begin, FtCriticalSection2 cs;                        \
                         ft_critical_section2_begin(&cs, L, NULL); EXPECT(1);     \
                         ft_critical_section2_end(&cs);                           \
                         ft_critical_section2_begin(&cs, NULL, L); EXPECT(1);     \
                         ft_critical_section2_end(&cs);                           \
                         assert_false(ft_error_occurred());                       \
                         ft_critical_section2_begin(NULL, L, D); EXPECT(1);)      \
    ERR(ft_critical_section2_end, ft_critical_section2_end(NULL); EXPECT(1);)     \
    /* ---- stats.h, debug.h, memory.h ---- */                                    \
    ERR(ft_stats_get, ft_stats_get(NULL); EXPECT(1);)                             \
    ERR(ft_stats_live_of_type, EXPECT(ft_stats_live_of_type(NULL) == -1);)        \
    ERR(ft_stats_print, ft_stats_print(NULL, NULL); EXPECT(1);)                   \
    ERR(ft_heap_visit, EXPECT(ft_heap_visit(NULL, NULL) == -1);)                  \
    OK(ft_mem_realloc, void *p = ft_mem_realloc(NULL, 8); /* malloc */            \
                       assert_non_null(p); ft_mem_free(p);)                       \
    OK(ft_mem_free, ft_mem_free(NULL);)                                           \
    /* ---- number.h ---- */                                                      \
    SKIP(ft_is_bool, "inline type predicate: argument must not be NULL")        \
    SKIP(ft_is_int, "inline type predicate: argument must not be NULL")         \
    SKIP(ft_is_float, "inline type predicate: argument must not be NULL")       \
    OK(ft_is_none, assert_int_equal(ft_is_none(NULL), 0);)                        \
    ERR(ft_int_from_string, EXPECT(ft_int_from_string(NULL, -1, 10) == NULL);)    \
    ERR(ft_int_from_decimal_strict,                                               \
        EXPECT(ft_int_from_decimal_strict(NULL, -1) == NULL);                     \
        EXPECT(ft_int_from_decimal_strict(NULL, 0) == NULL);)                     \
    ERR(ft_parse_int64_strict, int64_t v = 7;                                     \
                               EXPECT(ft_parse_int64_strict(NULL, -1, &v) == -1); \
                               EXPECT(ft_parse_int64_strict("1", 1, NULL) == -1); \
                               assert_int_equal(v, 7); /* untouched */)           \
    ERR(ft_float_from_string, EXPECT(ft_float_from_string(NULL, -1) == NULL);     \
                              EXPECT(ft_float_from_string(NULL, 3) == NULL);)     \
    ERR(ft_int_as_i64, int64_t v; EXPECT(ft_int_as_i64(NULL, &v) == -1);          \
                       EXPECT(ft_int_as_i64(I, NULL) == -1);)                     \
    ERR(ft_int_as_u64, uint64_t v; EXPECT(ft_int_as_u64(NULL, &v) == -1);         \
                       EXPECT(ft_int_as_u64(I, NULL) == -1);)                     \
    ERR(ft_int_as_double, double v; EXPECT(ft_int_as_double(NULL, &v) == -1);     \
                          EXPECT(ft_int_as_double(I, NULL) == -1);)               \
    ERR(ft_int_to_string, EXPECT(ft_int_to_string(NULL, 10) == NULL);)            \
    ERR(ft_int_to_cstring, EXPECT(ft_int_to_cstring(NULL, NULL) == NULL);)        \
    ERR(ft_int_sign, EXPECT(ft_int_sign(NULL) == -1);)                            \
    ERR(ft_int_bit_length, EXPECT(ft_int_bit_length(NULL) == -1);)                \
    BINARY(ERR, ft_int_add) BINARY(ERR, ft_int_sub) BINARY(ERR, ft_int_mul)      \
    BINARY(ERR, ft_int_floordiv) BINARY(ERR, ft_int_mod)                          \
    BINARY(ERR, ft_int_truediv) BINARY(ERR, ft_int_lshift)                        \
    BINARY(ERR, ft_int_rshift) BINARY(ERR, ft_int_and) BINARY(ERR, ft_int_or)     \
    BINARY(ERR, ft_int_xor)                                                       \
    ERR(ft_int_divmod, FtObject *q, *r;                                           \
                       EXPECT(ft_int_divmod(NULL, I, &q, &r) == -1);              \
                       EXPECT(ft_int_divmod(I, NULL, &q, &r) == -1);              \
                       EXPECT(ft_int_divmod(I, I, NULL, &r) == -1);               \
                       EXPECT(ft_int_divmod(I, I, &q, NULL) == -1);)              \
    ERR(ft_int_pow, EXPECT(ft_int_pow(NULL, I, NULL) == NULL);                    \
                    EXPECT(ft_int_pow(I, NULL, NULL) == NULL);)                   \
    ERR(ft_int_neg, EXPECT(ft_int_neg(NULL) == NULL);)                            \
    ERR(ft_int_abs, EXPECT(ft_int_abs(NULL) == NULL);)                            \
    ERR(ft_int_invert, EXPECT(ft_int_invert(NULL) == NULL);)                      \
    ERR(ft_int_compare, EXPECT(ft_int_compare(NULL, I) == -1);                    \
                        EXPECT(ft_int_compare(I, NULL) == -1);)                   \
    ERR(ft_int_random_digits, EXPECT(ft_int_random_digits(3, NULL) == NULL);)     \
    ERR(ft_float_as_double, EXPECT(ft_float_as_double(NULL) == -1.0);)            \
    ERR(ft_number_as_double, EXPECT(ft_number_as_double(NULL) == -1.0);)          \
    BINARY(ERR, ft_float_add) BINARY(ERR, ft_float_sub) BINARY(ERR, ft_float_mul) \
    BINARY(ERR, ft_float_truediv) BINARY(ERR, ft_float_floordiv)                  \
    BINARY(ERR, ft_float_mod) BINARY(ERR, ft_float_pow)                           \
    ERR(ft_double_repr, EXPECT(ft_double_repr(1.5, NULL, 32) == -1);)             \
    BINARY(ERR, ft_number_add) BINARY(ERR, ft_number_sub)                         \
    BINARY(ERR, ft_number_mul) BINARY(ERR, ft_number_truediv)                     \
    BINARY(ERR, ft_number_floordiv) BINARY(ERR, ft_number_mod)                    \
    /* ---- str.h ---- */                                                         \
    SKIP(ft_is_str, "inline type predicate: argument must not be NULL")         \
    ERR(ft_str_from_utf8, EXPECT(ft_str_from_utf8(NULL, -1) == NULL);             \
                          EXPECT(ft_str_from_utf8(NULL, 3) == NULL);)             \
    ERR(ft_str_from_ucs4, EXPECT(ft_str_from_ucs4(NULL, 2) == NULL);)             \
    ERR(ft_str_as_utf8, EXPECT(ft_str_as_utf8(NULL, NULL) == NULL);)              \
    ERR(ft_str_length, EXPECT(ft_str_length(NULL) == -1);)                        \
    ERR(ft_str_read_char, EXPECT(ft_str_read_char(NULL, 0) == (uint32_t)-1);)     \
    ERR(ft_str_kind, EXPECT(ft_str_kind(NULL) == -1);)                            \
    ERR(ft_str_is_ascii, EXPECT(ft_str_is_ascii(NULL) == -1);)                    \
    ERR(ft_str_concat, EXPECT(ft_str_concat(NULL, STR) == NULL);                  \
                       EXPECT(ft_str_concat(STR, NULL) == NULL);)                 \
    ERR(ft_str_slice, EXPECT(ft_str_slice(NULL, 0, 1, 1) == NULL);)               \
    ERR(ft_str_getitem, EXPECT(ft_str_getitem(NULL, 0) == NULL);)                 \
    ERR(ft_str_compare, EXPECT(ft_str_compare(NULL, STR) == -1);                  \
                        EXPECT(ft_str_compare(STR, NULL) == -1);)                 \
    ERR(ft_str_equal, EXPECT(ft_str_equal(NULL, STR) == -1);                      \
                      EXPECT(ft_str_equal(STR, NULL) == -1);)                     \
    ERR(ft_str_equal_cstr, EXPECT(ft_str_equal_cstr(NULL, "a") == -1);            \
                           EXPECT(ft_str_equal_cstr(STR, NULL) == -1);)           \
    ERR(ft_str_find, EXPECT(ft_str_find(NULL, STR, 0, 9) == -1);                  \
                     EXPECT(ft_str_find(STR, NULL, 0, 9) == -1);)                 \
    ERR(ft_str_contains, EXPECT(ft_str_contains(NULL, STR) == -1);                \
                         EXPECT(ft_str_contains(STR, NULL) == -1);)               \
    ERR(ft_str_join, EXPECT(ft_str_join(NULL, L) == NULL);                        \
                     EXPECT(ft_str_join(STR, NULL) == NULL);)                     \
    ERR(ft_str_split, EXPECT(ft_str_split(NULL, NULL, -1) == NULL);)              \
    ERR(ft_str_repr, EXPECT(ft_str_repr(NULL) == NULL);)                          \
    ERR(ft_str_from_format, EXPECT(ft_str_from_format(null_fmt) == NULL);)        \
    ERR(ft_str_intern, EXPECT(ft_str_intern(NULL) == NULL);)                      \
    ERR(ft_str_intern_cstr, EXPECT(ft_str_intern_cstr(NULL) == NULL);)            \
    ERR(ft_str_is_interned, EXPECT(ft_str_is_interned(NULL) == -1);)              \
    /* ---- bytes.h ---- */                                                       \
    SKIP(ft_is_bytes, "inline type predicate: argument must not be NULL")       \
    ERR(ft_bytes_from_buffer, FtObject *e = ft_bytes_from_buffer(NULL, 0);        \
                              assert_int_equal(ft_bytes_size(e), 0); /* empty */  \
                              ft_decref(e);                                       \
                              EXPECT(ft_bytes_from_buffer(NULL, 3) == NULL);)     \
    ERR(ft_bytes_data, EXPECT(ft_bytes_data(NULL) == NULL);)                      \
    ERR(ft_bytes_size, EXPECT(ft_bytes_size(NULL) == -1);)                        \
    ERR(ft_bytes_as_buffer, const char *p; FtSsize n;                             \
                            EXPECT(ft_bytes_as_buffer(NULL, &p, &n) == -1);       \
                            /* p and n are optional */                            \
                            assert_int_equal(ft_bytes_as_buffer(BY, NULL, NULL), 0);) \
    ERR(ft_bytes_concat, EXPECT(ft_bytes_concat(NULL, BY) == NULL);               \
                         EXPECT(ft_bytes_concat(BY, NULL) == NULL);)              \
    ERR(ft_bytes_slice, EXPECT(ft_bytes_slice(NULL, 0, 1) == NULL);)              \
    ERR(ft_bytes_find, EXPECT(ft_bytes_find(NULL, BY, 0, 9) == -2);               \
                       EXPECT(ft_bytes_find(BY, NULL, 0, 9) == -2);)              \
    ERR(ft_str_encode, EXPECT(ft_str_encode(NULL, FT_ENC_UTF8,                    \
                                            FT_ERRORS_STRICT) == NULL);)          \
    ERR(ft_bytes_decode, EXPECT(ft_bytes_decode(NULL, FT_ENC_LATIN1,              \
                                                FT_ERRORS_REPLACE) == NULL);)     \
    ERR(ft_str_from_latin1, FtObject *e = ft_str_from_latin1(NULL, 0);            \
                            assert_int_equal(ft_str_length(e), 0); /* empty */    \
                            ft_decref(e);                                         \
                            EXPECT(ft_str_from_latin1(NULL, 2) == NULL);)         \
    ERR(ft_str_as_utf8_and_size, FtSsize n;                                       \
                                 EXPECT(ft_str_as_utf8_and_size(NULL, &n) == NULL); \
                                 /* size is optional */                           \
                                 assert_non_null(ft_str_as_utf8_and_size(STR, NULL));) \
    /* ---- container.h ---- */                                                   \
    SKIP(ft_is_tuple, "inline type predicate: argument must not be NULL")       \
    SKIP(ft_is_list, "inline type predicate: argument must not be NULL")        \
    SKIP(ft_is_dict, "inline type predicate: argument must not be NULL")        \
    SKIP(ft_is_anyset, "inline type predicate: argument must not be NULL")      \
    ERR(ft_len, EXPECT(ft_len(NULL) == -1);)                                      \
    ERR(ft_contains, EXPECT(ft_contains(NULL, I) == -1);                          \
                     EXPECT(ft_contains(L, NULL) == -1);)                         \
    ERR(ft_tuple_set_item_init, FtObject *t = ft_tuple_new(1);                    \
                                EXPECT(ft_tuple_set_item_init(t, 0, NULL) == -1); \
                                EXPECT(ft_tuple_set_item_init(NULL, 0,           \
                                       ft_int_from_i64(1000)) == -1);             \
                                ft_decref(t);)                                    \
    ERR(ft_tuple_pack, EXPECT(ft_tuple_pack(2, I, NULL) == NULL);)                \
    ERR(ft_tuple_from_array, FtObject *arr[2] = { I };                            \
                             EXPECT(ft_tuple_from_array(NULL, 2) == NULL);        \
                             EXPECT(ft_tuple_from_array(arr, 2) == NULL);)        \
    ERR(ft_tuple_get_item, EXPECT(ft_tuple_get_item(NULL, 0) == NULL);)           \
    ERR(ft_tuple_borrow_item, EXPECT(ft_tuple_borrow_item(NULL, 0) == NULL);)     \
    ERR(ft_tuple_slice, EXPECT(ft_tuple_slice(NULL, 0, 1, 1) == NULL);)           \
    ERR(ft_tuple_concat, EXPECT(ft_tuple_concat(NULL, T) == NULL);                \
                         EXPECT(ft_tuple_concat(T, NULL) == NULL);)               \
    ERR(ft_list_from_array, FtObject *arr[2] = { I };                             \
                            EXPECT(ft_list_from_array(NULL, 2) == NULL);          \
                            EXPECT(ft_list_from_array(arr, 2) == NULL);)          \
    ERR(ft_list_capacity, EXPECT(ft_list_capacity(NULL) == -1);)                  \
    ERR(ft_list_append, EXPECT(ft_list_append(NULL, I) == -1);                    \
                        EXPECT(ft_list_append(L, NULL) == -1);)                   \
    ERR(ft_list_insert, EXPECT(ft_list_insert(NULL, 0, I) == -1);                 \
                        EXPECT(ft_list_insert(L, 0, NULL) == -1);)                \
    ERR(ft_list_pop, EXPECT(ft_list_pop(NULL, -1) == NULL);)                      \
    ERR(ft_list_try_pop, FtObject *o = I;                                         \
                         EXPECT(ft_list_try_pop(NULL, -1, &o) == -1);             \
                         assert_null(o);                                          \
                         EXPECT(ft_list_try_pop(L, -1, NULL) == -1);)             \
    ERR(ft_list_get_item, EXPECT(ft_list_get_item(NULL, 0) == NULL);)             \
    ERR(ft_list_set_item, EXPECT(ft_list_set_item(NULL, 0, I) == -1);             \
                          EXPECT(ft_list_set_item(L, 0, NULL) == -1);)            \
    ERR(ft_list_del_item, EXPECT(ft_list_del_item(NULL, 0) == -1);)               \
    ERR(ft_list_get_slice, EXPECT(ft_list_get_slice(NULL, 0, 1, 1) == NULL);)     \
    ERR(ft_list_set_slice, EXPECT(ft_list_set_slice(NULL, 0, 1, 1, L) == -1);     \
                           EXPECT(ft_list_set_slice(NULL, 0, 1, 1, NULL) == -1);) \
    ERR(ft_list_del_slice, EXPECT(ft_list_del_slice(NULL, 0, 1, 1) == -1);)       \
    ERR(ft_list_extend, EXPECT(ft_list_extend(NULL, L) == -1);                    \
                        EXPECT(ft_list_extend(L, NULL) == -1);)                   \
    ERR(ft_list_reverse, EXPECT(ft_list_reverse(NULL) == -1);)                    \
    ERR(ft_list_index, EXPECT(ft_list_index(NULL, I) == -1);                      \
                       EXPECT(ft_list_index(L, NULL) == -1);)                     \
    ERR(ft_list_count, EXPECT(ft_list_count(NULL, I) == -1);                      \
                       EXPECT(ft_list_count(L, NULL) == -1);)                     \
    ERR(ft_list_remove, EXPECT(ft_list_remove(NULL, I) == -1);                    \
                        EXPECT(ft_list_remove(L, NULL) == -1);)                   \
    ERR(ft_list_clear, EXPECT(ft_list_clear(NULL) == -1);)                        \
    ERR(ft_list_sort, EXPECT(ft_list_sort(NULL, NULL, NULL, 0) == -1);)           \
    ERR(ft_list_concat, EXPECT(ft_list_concat(NULL, L) == NULL);                  \
                        EXPECT(ft_list_concat(L, NULL) == NULL);)                 \
    ERR(ft_list_repeat, EXPECT(ft_list_repeat(NULL, 2) == NULL);)                 \
    ERR(ft_list_copy, EXPECT(ft_list_copy(NULL) == NULL);)                        \
    ERR(ft_dict_set_item, EXPECT(ft_dict_set_item(NULL, I, I) == -1);             \
                          EXPECT(ft_dict_set_item(D, NULL, I) == -1);             \
                          EXPECT(ft_dict_set_item(D, I, NULL) == -1);)            \
    ERR(ft_dict_set_item_cstr, EXPECT(ft_dict_set_item_cstr(NULL, "k", I) == -1); \
                               EXPECT(ft_dict_set_item_cstr(D, NULL, I) == -1);   \
                               EXPECT(ft_dict_set_item_cstr(D, "k", NULL) == -1);) \
    ERR(ft_dict_get_item, EXPECT(ft_dict_get_item(NULL, I) == NULL);              \
                          EXPECT(ft_dict_get_item(D, NULL) == NULL);)             \
    ERR(ft_dict_lookup, FtObject *out;                                            \
                        EXPECT(ft_dict_lookup(NULL, I, &out) == -1);              \
                        EXPECT(ft_dict_lookup(D, NULL, &out) == -1);              \
                        EXPECT(ft_dict_lookup(D, I, NULL) == -1);)                \
    ERR(ft_dict_del_item, EXPECT(ft_dict_del_item(NULL, I) == -1);                \
                          EXPECT(ft_dict_del_item(D, NULL) == -1);)               \
    ERR(ft_dict_contains, EXPECT(ft_dict_contains(NULL, I) == -1);                \
                          EXPECT(ft_dict_contains(D, NULL) == -1);)               \
    ERR(ft_dict_pop, EXPECT(ft_dict_pop(NULL, I, NULL) == NULL);                  \
                     EXPECT(ft_dict_pop(D, NULL, I) == NULL);)                    \
    ERR(ft_dict_setdefault, EXPECT(ft_dict_setdefault(NULL, I, NULL) == NULL);    \
                            EXPECT(ft_dict_setdefault(D, NULL, I) == NULL);)      \
    ERR(ft_dict_update, EXPECT(ft_dict_update(NULL, D) == -1);                    \
                        EXPECT(ft_dict_update(D, NULL) == -1);)                   \
    ERR(ft_dict_copy, EXPECT(ft_dict_copy(NULL) == NULL);)                        \
    ERR(ft_dict_clear, EXPECT(ft_dict_clear(NULL) == -1);)                        \
    ERR(ft_dict_keys, EXPECT(ft_dict_keys(NULL) == NULL);)                        \
    ERR(ft_dict_values, EXPECT(ft_dict_values(NULL) == NULL);)                    \
    ERR(ft_dict_items, EXPECT(ft_dict_items(NULL) == NULL);)                      \
    ERR(ft_dict_next, FtSsize pos = 0; FtObject *k, *v;                           \
                      EXPECT(ft_dict_next(NULL, &pos, &k, &v) == -1);             \
                      EXPECT(ft_dict_next(D, NULL, &k, &v) == -1);)               \
    ERR(ft_dict_get_or_insert, FtObject *r = I;                                   \
        EXPECT(ft_dict_get_or_insert(NULL, I, factory_int, NULL, &r) == -1);      \
        assert_null(r);                                                           \
        EXPECT(ft_dict_get_or_insert(D, NULL, factory_int, NULL, &r) == -1);      \
        EXPECT(ft_dict_get_or_insert(D, I, NULL, NULL, &r) == -1);                \
        EXPECT(ft_dict_get_or_insert(D, I, factory_int, NULL, NULL) == -1);)      \
    ERR(ft_dict_update_item, FtObject *r = I;                                     \
        EXPECT(ft_dict_update_item(NULL, I, update_same, NULL, &r) == -1);        \
        assert_null(r);                                                           \
        EXPECT(ft_dict_update_item(D, NULL, update_same, NULL, &r) == -1);        \
        EXPECT(ft_dict_update_item(D, I, NULL, NULL, &r) == -1);                  \
        /* result is optional */                                                  \
        assert_int_equal(ft_dict_update_item(D, I, update_same, NULL, NULL), 0);) \
    ERR(ft_dict_compare_and_set,                                                  \
        EXPECT(ft_dict_compare_and_set(NULL, I, I, I) == -1);                     \
        EXPECT(ft_dict_compare_and_set(D, NULL, I, I) == -1);                     \
        /* expected NULL = absent (I is present), value NULL = delete */          \
        assert_int_equal(ft_dict_compare_and_set(D, I, NULL, I), 0);              \
        assert_int_equal(ft_dict_compare_and_set(D, F, I, NULL), 0);              \
        assert_int_equal(ft_dict_compare_and_set(D, F, NULL, NULL), 1);)          \
    ERR(ft_dict_compare_and_delete,                                               \
        EXPECT(ft_dict_compare_and_delete(NULL, I, I) == -1);                     \
        EXPECT(ft_dict_compare_and_delete(D, NULL, I) == -1);                     \
        EXPECT(ft_dict_compare_and_delete(D, I, NULL) == -1);)                    \
    ERR(ft_dict_add_int, FtObject *r = I;                                         \
        EXPECT(ft_dict_add_int(NULL, I, 1, &r) == -1);                            \
        assert_null(r);                                                           \
        EXPECT(ft_dict_add_int(D, NULL, 1, &r) == -1);                            \
        /* result is optional (0 + 0 stores an int 0; removed below) */           \
        assert_int_equal(ft_dict_add_int(D, F, 0, NULL), 0);                      \
        assert_int_equal(ft_dict_del_item(D, F), 0);)                             \
    OK(ft_set_new, FtObject *e = ft_set_new(NULL); /* NULL: empty */              \
                   assert_int_equal(ft_len(e), 0); ft_decref(e);)                 \
    OK(ft_frozenset_new, FtObject *e = ft_frozenset_new(NULL);                    \
                         assert_int_equal(ft_len(e), 0); ft_decref(e);)           \
    SETKEY(ERR, ft_set_add) SETKEY(ERR, ft_set_discard) SETKEY(ERR, ft_set_remove)               \
    SETKEY(ERR, ft_set_contains)                                                       \
    ERR(ft_set_pop, EXPECT(ft_set_pop(NULL) == NULL);)                            \
    ERR(ft_set_clear, EXPECT(ft_set_clear(NULL) == -1);)                          \
    ERR(ft_set_copy, EXPECT(ft_set_copy(NULL) == NULL);)                          \
    SETOP(ERR, ft_set_union, NULL) SETOP(ERR, ft_set_intersection, NULL)                    \
    SETOP(ERR, ft_set_difference, NULL) SETOP(ERR, ft_set_symmetric_difference, NULL)       \
    SETOP(ERR, ft_set_issubset, -1) SETOP(ERR, ft_set_issuperset, -1)                       \
    SETOP(ERR, ft_set_isdisjoint, -1)                                                  \
    ERR(ft_set_table_size, EXPECT(ft_set_table_size(NULL) == -1);)                \
    ERR(ft_iter, EXPECT(ft_iter(NULL) == NULL);)                                  \
    ERR(ft_iter_next, EXPECT(ft_iter_next(NULL) == NULL);)                        \
    /* ---- deque.h ---- */                                                       \
    SKIP(ft_is_deque, "inline type predicate: argument must not be NULL")       \
    ERR(ft_deque_append, EXPECT(ft_deque_append(NULL, I) == -1);                  \
                         EXPECT(ft_deque_append(DQ, NULL) == -1);)                \
    ERR(ft_deque_appendleft, EXPECT(ft_deque_appendleft(NULL, I) == -1);          \
                             EXPECT(ft_deque_appendleft(DQ, NULL) == -1);)        \
    ERR(ft_deque_try_pop, FtObject *o = I;                                        \
                          EXPECT(ft_deque_try_pop(NULL, &o) == -1);               \
                          assert_null(o);                                         \
                          EXPECT(ft_deque_try_pop(DQ, NULL) == -1);)              \
    ERR(ft_deque_try_popleft, FtObject *o = I;                                    \
                              EXPECT(ft_deque_try_popleft(NULL, &o) == -1);       \
                              assert_null(o);                                     \
                              EXPECT(ft_deque_try_popleft(DQ, NULL) == -1);)      \
    ERR(ft_deque_pop, EXPECT(ft_deque_pop(NULL) == NULL);)                        \
    ERR(ft_deque_popleft, EXPECT(ft_deque_popleft(NULL) == NULL);)                \
    ERR(ft_deque_get_item, EXPECT(ft_deque_get_item(NULL, 0) == NULL);)           \
    ERR(ft_deque_clear, EXPECT(ft_deque_clear(NULL) == -1);)                      \
    ERR(ft_deque_maxlen, EXPECT(ft_deque_maxlen(NULL) == -2);)                    \
    /* ---- class.h ---- */                                                       \
    ERR(ft_class_new, EXPECT(ft_class_new(NULL) == NULL);)                        \
    ERR(ft_instance_new, EXPECT(ft_instance_new(NULL) == NULL);)                  \
    ERR(ft_instance_cdata, EXPECT(ft_instance_cdata(NULL) == NULL);)              \
    ERR(ft_instance_dict, EXPECT(ft_instance_dict(NULL) == NULL);)                \
    ERR(ft_getattr_obj, EXPECT(ft_getattr_obj(NULL, STR) == NULL);                \
                        EXPECT(ft_getattr_obj(INST, NULL) == NULL);)              \
    ERR(ft_setattr_obj, EXPECT(ft_setattr_obj(NULL, STR, I) == -1);               \
                        EXPECT(ft_setattr_obj(INST, NULL, I) == -1);)             \
    ERR(ft_delattr_obj, EXPECT(ft_delattr_obj(NULL, STR) == -1);                  \
                        EXPECT(ft_delattr_obj(INST, NULL) == -1);)                \
    ERR(ft_weakref_new, EXPECT(ft_weakref_new(NULL, NULL, NULL) == NULL);)        \
    ERR(ft_weakref_get, EXPECT(ft_weakref_get(NULL) == NULL);)                    \
    ERR(ft_weakref_count, EXPECT(ft_weakref_count(NULL) == -1);)                  \
    ERR(ft_weakvaluedict_set, EXPECT(ft_weakvaluedict_set(NULL, I, INST) == -1);  \
                              EXPECT(ft_weakvaluedict_set(WVD, NULL, INST) == -1); \
                              EXPECT(ft_weakvaluedict_set(WVD, I, NULL) == -1);)  \
    ERR(ft_weakvaluedict_get, EXPECT(ft_weakvaluedict_get(NULL, I) == NULL);      \
                              EXPECT(ft_weakvaluedict_get(WVD, NULL) == NULL);)   \
    ERR(ft_weakvaluedict_len, EXPECT(ft_weakvaluedict_len(NULL) == -1);)          \
    /* ---- gc.h ---- */                                                          \
    OK(ft_gc_get_threshold, ft_gc_get_threshold(NULL, NULL); /* optional outs */) \
    ERR(ft_gc_is_tracked, EXPECT(ft_gc_is_tracked(NULL) == -1);)                  \
    ERR(ft_gc_is_finalized, EXPECT(ft_gc_is_finalized(NULL) == -1);)              \
    ERR(ft_gc_get_referrers, EXPECT(ft_gc_get_referrers(NULL) == NULL);)          \
    ERR(ft_gc_get_referents, EXPECT(ft_gc_get_referents(NULL) == NULL);)          \
    ERR(ft_gc_callback_add, EXPECT(ft_gc_callback_add(NULL, NULL) == -1);)        \
    ERR(ft_gc_callback_remove, EXPECT(ft_gc_callback_remove(NULL, NULL) == -1);)  \
    ERR(ft_gc_get_stats, ft_gc_get_stats(NULL); EXPECT(1);)                       \
    OK(ft_gc_set_debug, ft_gc_set_debug(0, NULL); /* NULL: stderr */)

/* Helpers for rows of the same shape (a row each, named by the function). */
#define BINARY(ERR, f) ERR(f, EXPECT(f(NULL, I) == NULL); EXPECT(f(I, NULL) == NULL);)
#define SETKEY(ERR, f) ERR(f, EXPECT(f(NULL, I) == -1); EXPECT(f(S, NULL) == -1);)
#define SETOP(ERR, f, bad) ERR(f, EXPECT(f(NULL, S) == bad); EXPECT(f(S, NULL) == bad);)

#define DEF_ERR(name, ...) static void row_##name(void) { __VA_ARGS__ }
#define DEF_OK(name, ...) static void row_##name(void) { __VA_ARGS__ }
#define DEF_SKIP(name, reason)
NULL_ARG_TABLE(DEF_ERR, DEF_OK, DEF_SKIP)

typedef struct Row { const char *name; void (*fn)(void); int expect_error; } Row;
#define ROW_ERR(name, ...) { #name, row_##name, 1 },
#define ROW_OK(name, ...) { #name, row_##name, 0 },
#define ROW_SKIP(name, reason) { #name, NULL, 0 },
static const Row rows[] = { NULL_ARG_TABLE(ROW_ERR, ROW_OK, ROW_SKIP) };

static void make_fixtures(void)
{
    L = ft_list_new(0);
    D = ft_dict_new();
    S = ft_set_new(NULL);
    FS = ft_frozenset_new(NULL);
    I = ft_int_from_i64(1000);
    F = ft_float_from_double(1.5);
    T = ft_tuple_pack(1, I);
    STR = ft_str_from_utf8("a", -1);
    FtClassSpec spec = { .name = "NullArgs", .weakrefs = 1 };
    CLS = ft_class_new(&spec);
    assert_non_null(CLS);
    INST = ft_instance_new(CLS);
    WVD = ft_weakvaluedict_new();
    WR = ft_weakref_new(INST, NULL, NULL);
    BY = ft_bytes_from_buffer("ab", 2);
    DQ = ft_deque_new(-1);
    assert_true(L && D && S && FS && I && F && T && STR && INST && WVD && WR
                && BY && DQ);
    assert_int_equal(ft_list_append(L, I), 0);
    assert_int_equal(ft_deque_append(DQ, I), 0);
    assert_int_equal(ft_dict_set_item(D, I, I), 0);
    assert_int_equal(ft_set_add(S, I), 0);
}

static void drop_fixtures(void)
{
    FtObject *all[] = { L, D, S, FS, I, F, T, STR, INST, WVD, WR, BY, DQ };
    for (size_t i = 0; i < FT_ARRAY_LEN(all); i++)
        ft_decref(all[i]);
    ft_decref(ft_type_as_object(CLS));
}

static void test_every_public_function(void **state)
{
    (void)state;
    LiveSnapshot before = live_snapshot();
    make_fixtures();
    int nerr = 0, nok = 0, nskip = 0;
    for (size_t i = 0; i < FT_ARRAY_LEN(rows); i++) {
        g_name = rows[i].name;
        ft_error_clear();
        if (!rows[i].fn) {
            nskip++;
            continue;
        }
        rows[i].fn();
        if (!rows[i].expect_error && ft_error_occurred())
            fail_msg("%s: unexpected error %s", g_name, ft_error_message());
        rows[i].expect_error ? nerr++ : nok++;
    }
    print_message("%d functions reject NULL, %d accept it by contract, %d unchecked by design\n",
                  nerr, nok, nskip);
    /* The rows changed no fixture. */
    assert_int_equal(ft_len(L), 1);
    assert_int_equal(ft_len(D), 1);
    assert_int_equal(ft_len(S), 1);
    assert_int_equal(ft_len(DQ), 1);
    drop_fixtures();
    assert_live_equal(before, live_snapshot());
}

/* The fixtures still work after all that (no state was damaged). */
static void test_fixtures_intact(void **state)
{
    (void)state;
    make_fixtures();
    assert_int_equal(ft_len(L), 1);
    assert_int_equal(ft_len(D), 1);
    assert_int_equal(ft_len(S), 1);
    assert_int_equal(ft_len(DQ), 1);
    assert_int_equal(ft_bytes_size(BY), 2);
    drop_fixtures();
}

static int visit_count(FtObject *op, void *arg)
{
    (void)op;
    (*(long *)arg)++;
    return 0;
}

/* Heap walks and the world: ft_heap_visit stops the world itself when it
 * runs (and walks at once when the caller stopped it); its NULL callback is
 * the NULL error whatever the world's state, checked before anything else.
 * ft_heap_validate(0) (no stop of its own) with the world running is still
 * an error, not an abort. */
static void test_heap_visit_stops_world_itself(void **state)
{
    (void)state;
    g_name = "ft_heap_visit";
    long n = 0;
    FtObject *l = ft_list_new(0);       /* at least one GC object to see */
    assert_non_null(l);
    assert_int_equal(ft_heap_visit(visit_count, &n), 0);
    assert_false(ft_error_occurred());
    assert_true(n > 0);
    assert_false(ft_world_is_stopped());
    EXPECT(ft_heap_visit(NULL, NULL) == -1);
    ft_world_stop();
    long m = 0;
    int r = ft_heap_visit(visit_count, &m);
    EXPECT(ft_heap_visit(NULL, &m) == -1);
    ft_world_start();
    assert_int_equal(r, 0);
    assert_int_equal(m, n);
    ft_decref(l);
    assert_int_equal(ft_heap_validate(0), -1);
    assert_int_equal(ft_error_kind(), FT_ERR_STATE);
    ft_error_clear();
    (void)gc_cb_nop;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_public_function),
        cmocka_unit_test(test_fixtures_intact),
        cmocka_unit_test(test_heap_visit_stops_world_itself),
    };
    return cmocka_run_group_tests(tests, ft_test_group_setup,
                                  ft_test_group_teardown);
}
