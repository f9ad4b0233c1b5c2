/* ftrt/str.h: immutable Unicode strings (PEP 393 compact forms) and interning.
 *
 * A str stores its code points in the narrowest of latin-1 (1 byte, with an
 * ASCII flag), UCS-2 or UCS-4 that fits the widest one. Hashes are cached
 * and randomised per process (fix the seed with FTRT_HASHSEED=<n>, like
 * PYTHONHASHSEED; FTRT_HASHSEED=0 disables randomisation).
 */
#ifndef FTRT_STR_H
#define FTRT_STR_H

#include <ftrt/object.h>

FT_API extern FtType ft_str_type;
static inline int ft_is_str(const FtObject *op) { return op->ob_type == &ft_str_type; }

/* Strict UTF-8 decoding: surrogates, overlong forms, truncated sequences and
 * stray continuation bytes fail with FT_ERR_UNICODE naming the byte offset
 * and the offending byte. len < 0: strlen(s). */
FT_API FtObject *ft_str_from_utf8(const char *s, FtSsize len);
/* From code points (each must be <= 0x10FFFF). */
FT_API FtObject *ft_str_from_ucs4(const uint32_t *cps, FtSsize len);
/* The UTF-8 encoding, cached in the object for non-ASCII strings; valid as
 * long as the str lives. *len_out may be NULL. Strings containing lone
 * surrogates cannot be encoded: NULL with FT_ERR_UNICODE. */
FT_API const char *ft_str_as_utf8(FtObject *op, FtSsize *len_out);
FT_API FtSsize ft_str_length(FtObject *op);          /* in code points */
FT_API uint32_t ft_str_read_char(FtObject *op, FtSsize index); /* no check */
/* 1, 2 or 4: bytes per code point of the compact form. */
FT_API int ft_str_kind(FtObject *op);
FT_API int ft_str_is_ascii(FtObject *op);

FT_API FtObject *ft_str_concat(FtObject *a, FtObject *b);
/* Python slice semantics (negative indices, clamping, step != 0). */
FT_API FtObject *ft_str_slice(FtObject *op, FtSsize start, FtSsize stop, FtSsize step);
FT_API FtObject *ft_str_getitem(FtObject *op, FtSsize index);
/* -1, 0, 1 by code point. */
FT_API int ft_str_compare(FtObject *a, FtObject *b);
FT_API int ft_str_equal(FtObject *a, FtObject *b);
FT_API int ft_str_equal_cstr(FtObject *a, const char *utf8);
/* Index of the first occurrence of sub in op[start:end], or -1 if absent
 * (-2 on error). */
FT_API FtSsize ft_str_find(FtObject *op, FtObject *sub, FtSsize start, FtSsize end);
FT_API int ft_str_contains(FtObject *op, FtObject *sub);
/* sep.join(iterable of str) */
FT_API FtObject *ft_str_join(FtObject *sep, FtObject *iterable);
/* str.split(sep, maxsplit) -> list; sep NULL splits on runs of whitespace. */
FT_API FtObject *ft_str_split(FtObject *op, FtObject *sep, FtSsize maxsplit);
FT_API FtObject *ft_str_repr(FtObject *op);
/* printf-style constructor (UTF-8 format). */
FT_API FtObject *ft_str_from_format(const char *fmt, ...) FT_PRINTF(1, 2);

/* Interning: returns a new reference to the canonical str equal to s, which
 * is immortal (mode ft). Many threads interning equal strings get one
 * object. A str owned by another thread is never made immortal: a copy is
 * interned instead. Steals nothing. */
FT_API FtObject *ft_str_intern(FtObject *s);
FT_API FtObject *ft_str_intern_cstr(const char *utf8);
FT_API int ft_str_is_interned(FtObject *s);

/* The process's string hash key, derived from FTRT_HASHSEED as CPython
 * derives its key from PYTHONHASHSEED. */
FT_API uint64_t ft_hash_seed(void);

#endif /* FTRT_STR_H */
