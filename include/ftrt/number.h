/* ftrt/number.h: None, bool, int (arbitrary precision), float.
 *
 * None, True, False and the small ints -5..256 are immortal singletons.
 * bool is a subtype of int: True == 1, hash(True) == hash(1).
 * Numeric hashes follow CPython (modulo 2**61 - 1), so equal numbers of
 * different types hash equal.
 */
#ifndef FTRT_NUMBER_H
#define FTRT_NUMBER_H

#include <ftrt/object.h>

FT_API extern FtType ft_none_type, ft_bool_type, ft_int_type, ft_float_type;
FT_API extern FtObject ft__none_object;
FT_API extern FtObject *const ft__true_ptr, *const ft__false_ptr;

#define FT_NONE  (&ft__none_object)
#define FT_TRUE  (ft__true_ptr)
#define FT_FALSE (ft__false_ptr)
static inline FtObject *ft_none(void) { return FT_NONE; }
static inline FtObject *ft_bool_from(int v) { return v ? FT_TRUE : FT_FALSE; }
static inline int ft_is_none(const FtObject *op) { return op == FT_NONE; }
static inline int ft_is_bool(const FtObject *op) { return op->ob_type == &ft_bool_type; }
/* int or bool */
static inline int ft_is_int(const FtObject *op)
{ return op->ob_type == &ft_int_type || op->ob_type == &ft_bool_type; }
static inline int ft_is_float(const FtObject *op) { return op->ob_type == &ft_float_type; }

/* ---- int ---- */
FT_API FtObject *ft_int_from_i64(int64_t v);
FT_API FtObject *ft_int_from_u64(uint64_t v);
/* From a double: truncates toward zero; inf/nan are FT_ERR_OVERFLOW/VALUE. */
FT_API FtObject *ft_int_from_double(double v);
/* Parse with the language's literal rules: optional sign and surrounding
 * whitespace, underscores between digits, base 0 (prefixes 0x/0o/0b, no
 * leading zeros) or 2..36 (the matching prefix allowed). len < 0: strlen.
 * More digits than the int text limit (below) in a base that is not a
 * power of two: FT_ERR_VALUE. */
FT_API FtObject *ft_int_from_string(const char *s, FtSsize len, int base);
/* Strict decimal, for protocols: an optional sign then one or more ASCII
 * digits, nothing else (no spaces, no underscores, no prefix; leading
 * zeros allowed); FT_ERR_VALUE otherwise. Any size. len < 0: strlen. */
FT_API FtObject *ft_int_from_decimal_strict(const char *s, FtSsize len);
/* The same grammar into an int64: 0 ok, -1 with FT_ERR_VALUE (bad text) or
 * FT_ERR_OVERFLOW (outside [-2**63, 2**63 - 1]); *out untouched on error. */
FT_API int ft_parse_int64_strict(const char *s, FtSsize len, int64_t *out);
/* Conversions: -1 with FT_ERR_OVERFLOW when out of range (never wraps),
 * FT_ERR_TYPE when op is not an int. Check ft_error_occurred() on -1. */
FT_API int ft_int_as_i64(FtObject *op, int64_t *out);
FT_API int ft_int_as_u64(FtObject *op, uint64_t *out);
FT_API int ft_int_as_double(FtObject *op, double *out);  /* correctly rounded */
/* Decimal text (or base 2, 8, 16 with prefix) as a str object. Decimal text
 * (here, in ft_int_to_cstring and in repr/str) longer than the int text
 * limit: FT_ERR_VALUE. */
FT_API FtObject *ft_int_to_string(FtObject *op, int base);
/* The int text limit, as CPython's sys.set_int_max_str_digits (CVE-2020-
 * 10735: decimal conversion is superlinear, so a long digit string is a
 * denial of service). Runtime-wide; default 4300 digits; 0 disables; any
 * other value below 640 fails with FT_ERR_VALUE. Applies to text -> int in
 * every base that is not a power of two (digits counted as CPython does:
 * leading zeros count; sign, prefix, underscores and whitespace do not) and
 * to int -> decimal text (digits without the sign). Error:
 * FT_ERR_VALUE, "Exceeds the limit (4300 digits) for integer string
 * conversion: value has 5000 digits; use ft_set_int_max_str_digits() to
 * increase the limit" (CPython's text with our function's name). Neither
 * needs the calling thread attached. */
#define FT_INT_MAX_STR_DIGITS_DEFAULT 4300
#define FT_INT_MAX_STR_DIGITS_THRESHOLD 640
FT_API int ft_set_int_max_str_digits(FtSsize maxdigits);
FT_API FtSsize ft_get_int_max_str_digits(void);
/* Decimal text into a caller-owned malloc'd buffer (free with ft_mem_free). */
FT_API char *ft_int_to_cstring(FtObject *op, size_t *len_out);
FT_API int ft_int_sign(FtObject *op);                 /* -1, 0, 1 */
FT_API int64_t ft_int_bit_length(FtObject *op);
FT_API FtObject *ft_int_add(FtObject *a, FtObject *b);
FT_API FtObject *ft_int_sub(FtObject *a, FtObject *b);
FT_API FtObject *ft_int_mul(FtObject *a, FtObject *b);
FT_API FtObject *ft_int_floordiv(FtObject *a, FtObject *b);
FT_API FtObject *ft_int_mod(FtObject *a, FtObject *b);
/* divmod: stores new references in *q and *r. Returns 0 or -1. */
FT_API int ft_int_divmod(FtObject *a, FtObject *b, FtObject **q, FtObject **r);
FT_API FtObject *ft_int_truediv(FtObject *a, FtObject *b);  /* -> float */
/* pow(a, b) or pow(a, b, mod) when mod != NULL. Negative b without mod gives
 * a float, as in Python; with mod it is a modular inverse. */
FT_API FtObject *ft_int_pow(FtObject *a, FtObject *b, FtObject *mod);
FT_API FtObject *ft_int_neg(FtObject *a);
FT_API FtObject *ft_int_abs(FtObject *a);
FT_API FtObject *ft_int_invert(FtObject *a);
FT_API FtObject *ft_int_lshift(FtObject *a, FtObject *b);
FT_API FtObject *ft_int_rshift(FtObject *a, FtObject *b);
FT_API FtObject *ft_int_and(FtObject *a, FtObject *b);
FT_API FtObject *ft_int_or(FtObject *a, FtObject *b);
FT_API FtObject *ft_int_xor(FtObject *a, FtObject *b);
/* -1, 0, 1 (ints only; no error possible for two ints). */
FT_API int ft_int_compare(FtObject *a, FtObject *b);
/* A uniformly random non-negative int of exactly ndigits 30-bit digits (top
 * digit non-zero), from a caller-held 64-bit state (for benchmarks/tests). */
FT_API FtObject *ft_int_random_digits(FtSsize ndigits, uint64_t *state);

/* ---- float ---- */
FT_API FtObject *ft_float_from_double(double v);
/* ft_float_as_double: the value of a float; an int or bool converts
 * (correctly rounded; out of range: FT_ERR_OVERFLOW), as CPython's
 * PyFloat_AsDouble; any other type: FT_ERR_TYPE. -1.0 with the error set on
 * failure (check ft_error_occurred()). ft_number_as_double is the same. */
FT_API double ft_float_as_double(FtObject *op);
FT_API double ft_number_as_double(FtObject *op);
/* Python's float() of a text: surrounding ASCII whitespace stripped, an
 * optional sign, then "inf", "infinity" or "nan" (any case), or a decimal
 * literal (digits with single underscores between digits, optional
 * fraction, optional exponent); correctly rounded (glibc strtod in the C
 * locale, whatever the process locale); out of range gives +-inf or 0 as
 * Python. Hex floats, "0x10", "1__0", "_1", "1_", "" are FT_ERR_VALUE
 * ("could not convert string to float: '...'"). len < 0: strlen. */
FT_API FtObject *ft_float_from_string(const char *s, FtSsize len);
FT_API FtObject *ft_float_add(FtObject *a, FtObject *b);
FT_API FtObject *ft_float_sub(FtObject *a, FtObject *b);
FT_API FtObject *ft_float_mul(FtObject *a, FtObject *b);
FT_API FtObject *ft_float_truediv(FtObject *a, FtObject *b);
FT_API FtObject *ft_float_floordiv(FtObject *a, FtObject *b);
FT_API FtObject *ft_float_mod(FtObject *a, FtObject *b);
FT_API FtObject *ft_float_pow(FtObject *a, FtObject *b);
/* The shortest text that round-trips, as Python's repr(float). Writes at most
 * `size` bytes including the NUL; returns the length, or -1 if too small. */
FT_API int ft_double_repr(double v, char *buf, size_t size);

/* ---- generic numeric operations (int, bool, float, mixed) ---- */
FT_API FtObject *ft_number_add(FtObject *a, FtObject *b);
FT_API FtObject *ft_number_sub(FtObject *a, FtObject *b);
FT_API FtObject *ft_number_mul(FtObject *a, FtObject *b);
FT_API FtObject *ft_number_truediv(FtObject *a, FtObject *b);
FT_API FtObject *ft_number_floordiv(FtObject *a, FtObject *b);
FT_API FtObject *ft_number_mod(FtObject *a, FtObject *b);

#endif /* FTRT_NUMBER_H */
