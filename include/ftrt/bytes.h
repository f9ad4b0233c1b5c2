/* ftrt/bytes.h: immutable byte strings, and str <-> bytes conversion.
 *
 * A bytes object holds n arbitrary bytes (NUL included) followed by a NUL
 * terminator that is not part of the value. It never changes after its
 * constructor returns, so every function here is safe from any attached
 * thread without a lock. It is hashable (the same hash as CPython's bytes,
 * which is also the hash of the latin-1 str with the same characters) and
 * usable as a dict or set key; it never compares equal to a str. ft_repr
 * gives Python's b'...' form; ft_compare orders lexicographically by
 * unsigned byte; ft_len is the size.
 *
 * Errors: a non-bytes argument is FT_ERR_TYPE, out of memory FT_ERR_MEMORY,
 * sizes past PTRDIFF_MAX / 2 FT_ERR_OVERFLOW, a negative size FT_ERR_VALUE;
 * a NULL object (or a NULL buffer with a size > 0) FT_ERR_STATE "NULL
 * object passed to ft_xxx" (include/ftrt.h).
 */
#ifndef FTRT_BYTES_H
#define FTRT_BYTES_H

#include <ftrt/object.h>

FT_API extern FtType ft_bytes_type;
static inline int ft_is_bytes(const FtObject *op) { return op->ob_type == &ft_bytes_type; }

/* A copy of n bytes at p (p may be NULL when n == 0). n < 0: FT_ERR_VALUE. */
FT_API FtObject *ft_bytes_from_buffer(const void *p, FtSsize n);
/* The bytes, NUL-terminated (the value may contain NULs: use the size);
 * valid as long as b lives. NULL + FT_ERR_TYPE if b is not bytes. */
FT_API const char *ft_bytes_data(FtObject *b);
FT_API FtSsize ft_bytes_size(FtObject *b);          /* -1 + FT_ERR_TYPE */
/* Pointer and size at once: 0, or -1 + FT_ERR_TYPE. */
FT_API int ft_bytes_as_buffer(FtObject *b, const char **p, FtSsize *n);
FT_API FtObject *ft_bytes_concat(FtObject *a, FtObject *b);
/* b[start:stop] with Python's clamping of negative and large indices. */
FT_API FtObject *ft_bytes_slice(FtObject *b, FtSsize start, FtSsize stop);
/* b.find(sub, start, end): the lowest index, -1 if absent, -2 + error. */
FT_API FtSsize ft_bytes_find(FtObject *b, FtObject *sub, FtSsize start, FtSsize end);

/* ---- Encoding (Python's str.encode / bytes.decode) ---- */
typedef enum { FT_ENC_UTF8, FT_ENC_LATIN1 } FtEncoding;
/* STRICT: FT_ERR_UNICODE on the first bad character/byte. REPLACE: encode
 * writes '?' for what the encoding cannot hold (lone surrogates in UTF-8,
 * code points > 0xFF in latin-1); UTF-8 decoding writes U+FFFD for each
 * maximal invalid subsequence, as Python does. Latin-1 decoding never fails. */
typedef enum { FT_ERRORS_STRICT, FT_ERRORS_REPLACE } FtErrors;
FT_API FtObject *ft_str_encode(FtObject *s, FtEncoding enc, FtErrors errors);
FT_API FtObject *ft_bytes_decode(FtObject *b, FtEncoding enc, FtErrors errors);
/* A str of the n latin-1 characters at p (every byte is a code point). */
FT_API FtObject *ft_str_from_latin1(const char *p, FtSsize n);
/* As CPython's PyUnicode_AsUTF8AndSize: the UTF-8 form, cached in the str
 * on first use (any thread may fill the cache; one winner is published by
 * compare-and-swap, the others free theirs), NUL-terminated, valid as long
 * as s lives. *size (may be NULL) gets its length. NULL + FT_ERR_UNICODE
 * for lone surrogates, FT_ERR_TYPE if s is not a str. */
FT_API const char *ft_str_as_utf8_and_size(FtObject *s, FtSsize *size);

#endif /* FTRT_BYTES_H */
