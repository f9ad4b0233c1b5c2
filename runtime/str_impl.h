/* runtime/str_impl.h: the str object layout and the helpers shared by the
 * str files (internal).
 *
 * Layout: PEP 393 compact forms, as CPython 3.12 (docs/layouts.md, "str").
 * Every str is one block: a fixed part, then the code points inline,
 * NUL-terminated, in the narrowest of three kinds:
 *
 *   kind 1  latin-1 (U+0000..U+00FF); the ASCII flag says all are < 0x80
 *   kind 2  UCS-2   (widest code point U+0100..U+FFFF)
 *   kind 4  UCS-4   (widest code point U+10000..U+10FFFF)
 *
 *   ASCII strings:      FtStr (56 bytes), then len + 1 bytes
 *   all other strings:  FtStrCompact (72 bytes: FtStr + UTF-8 cache
 *                       length and pointer), then (len + 1) * kind bytes
 *
 * Invariants (relied on by equality, hashing and interning):
 *   - canonical kind: the kind is the narrowest that holds the widest code
 *     point, and ascii == (every code point < 0x80). So equal strings have
 *     equal kinds and equal bytes, and a string can only contain another of
 *     its own kind or narrower.
 *   - length, kind, flags and the characters never change once the object
 *     is published (the constructors fill them before returning).
 *   - the empty string and the 256 one-character latin-1 strings exist once
 *     each, as immortal static singletons; every constructor returns them.
 *   - hash: -1 until computed, then the SipHash-1-3 value (str_hash.c);
 *     racing threads compute and store the same value.
 *
 * Who may call: the runtime's str files (str.c, str_ops.c, utf8.c,
 * str_hash.c, str_intern.c) and tests (FT_INTERNAL_TESTS).
 */
#ifndef FT_RUNTIME_STR_IMPL_H
#define FT_RUNTIME_STR_IMPL_H

#include "runtime/internal.h"
#include "runtime/seq.h"

/* flags (immutable after construction) */
#define FT_STR_ASCII   0x01    /* every code point < 0x80 (kind 1, FtStr head) */
#define FT_STR_COMPACT 0x02    /* characters inline (always set in ftrt) */
#define FT_STR_STATIC  0x04    /* a static singleton: never freed */

/* interned state (docs/str-interning.md; str_intern.c states the rules) */
#define FT_STR_NOT_INTERNED      0
#define FT_STR_INTERNED_IMMORTAL 1   /* canonical, in the table, immortal */
#define FT_STR_INTERNED_STATIC   2   /* a static singleton, never in the table */

typedef struct FtStr {
    FtObject ob_base;
    FtSsize length;                 /* code points; immutable */
    int64_t hash;                   /* ATOMIC (relaxed): -1 = not computed */
    uint8_t kind;                   /* 1, 2 or 4; immutable */
    uint8_t flags;                  /* FT_STR_*; immutable */
    _Atomic uint8_t interned;       /* FT_STR_*INTERNED*; written under the
                                     * intern lock (str_intern.c) */
    uint8_t reserved[5];
} FtStr;

typedef struct FtStrCompact {
    FtStr base;
    /* The UTF-8 cache (utf8.c): NULL until first asked for. Any thread may
     * fill it: it stores utf8_length, then publishes utf8 by
     * compare-and-swap (release); readers load utf8 with acquire, then
     * utf8_length. Freed with the string. */
    FtSsize utf8_length;            /* ATOMIC (relaxed) */
    char *utf8;                     /* ATOMIC (acquire/release) */
} FtStrCompact;

_Static_assert(sizeof(FtStr) == 56, "str ASCII head is 56 bytes");
_Static_assert(sizeof(FtStrCompact) == 72, "str compact head is 72 bytes");
_Static_assert(sizeof(FtStrCompact) % 4 == 0, "UCS-4 data must be aligned");

/* Longest string we agree to build: the block size stays far below
 * PTRDIFF_MAX for every kind, so size arithmetic never overflows. */
#define FT_STR_MAX_LENGTH \
    ((FtSsize)((PTRDIFF_MAX - sizeof(FtStrCompact)) / 4 - 1))

#define FT_STR(op) ((FtStr *)(op))

static inline int ft__str_is_ascii(const FtObject *op)
{
    return (((const FtStr *)op)->flags & FT_STR_ASCII) != 0;
}

static inline void *ft__str_data(FtObject *op)
{
    FtStr *s = FT_STR(op);
    if (s->flags & FT_STR_ASCII)
        return (void *)(s + 1);
    return (void *)((FtStrCompact *)s + 1);
}

static inline uint32_t ft__str_read(int kind, const void *data, FtSsize i)
{
    if (kind == 1)
        return ((const uint8_t *)data)[i];
    if (kind == 2)
        return ((const uint16_t *)data)[i];
    return ((const uint32_t *)data)[i];
}

static inline void ft__str_write(int kind, void *data, FtSsize i, uint32_t cp)
{
    if (kind == 1)
        ((uint8_t *)data)[i] = (uint8_t)cp;
    else if (kind == 2)
        ((uint16_t *)data)[i] = (uint16_t)cp;
    else
        ((uint32_t *)data)[i] = cp;
}

/* The kind that holds code points up to maxchar. */
static inline int ft__str_kind_for(uint32_t maxchar)
{
    return maxchar < 0x100 ? 1 : maxchar < 0x10000 ? 2 : 4;
}

/* The widest code point op's kind and flags allow: enough to size a result
 * that contains all of op (canonical kinds make it exact). */
static inline uint32_t ft__str_kind_bound(FtObject *op)
{
    FtStr *s = FT_STR(op);
    if (s->flags & FT_STR_ASCII)
        return 0x7F;
    return s->kind == 1 ? 0xFF : s->kind == 2 ? 0xFFFF : 0x10FFFF;
}

/* ---- str.c ---- */

/* A new, uninitialised string of len code points whose widest is maxchar
 * (which fixes kind and the ASCII flag): the caller writes every character
 * before publishing it. The terminating NUL is written. len must be >= 0.
 * FT_ERR_OVERFLOW past FT_STR_MAX_LENGTH, FT_ERR_MEMORY on failure. Never
 * returns a singleton. */
FtObject *ft__str_new(FtSsize len, uint32_t maxchar);
/* A string from len code points of the given kind: narrowed to the
 * canonical kind, singletons for len 0 and 1 (latin-1). */
FtObject *ft__str_from_kind(int kind, const void *data, FtSsize len);
/* The widest code point of op. */
uint32_t ft__str_maxchar(FtObject *op);
/* Singletons (borrowed; immortal). */
FtObject *ft__str_empty(void);
FtObject *ft__str_latin1(uint8_t c);
/* Copy len code points from (kind, src, start) into dst (dst_kind, at
 * dst_start); dst_kind must hold them. */
void ft__str_copy_chars(FtObject *dst, FtSsize dst_start,
                        FtObject *src, FtSsize start, FtSsize len);
/* Python's slice index adjustment: clamps start/stop to [0, len] (or
 * [-1, len - 1] for negative steps) and returns the slice length. */
/* ft__slice_adjust: runtime/seq.h (shared with tuple and list). */
/* Unicode whitespace as str.isspace(). */
int ft__unicode_isspace(uint32_t cp);

/* ---- utf8.c ---- */
/* Decode the code point at *pp (< end) and advance; -1 if malformed. */
int ft__utf8_next(const uint8_t **pp, const uint8_t *end, uint32_t *cp);
/* Free the UTF-8 cache of a string being deallocated (str.c). */
void ft__str_utf8_cache_free(FtObject *op);

/* ---- str_hash.c ---- */
/* The SipHash-1-3 hash of len bytes with the process key, -1 mapped to -2,
 * 0 for len == 0 (as CPython's _Py_HashBytes). */
int64_t ft__hash_bytes(const void *data, size_t len);
/* The cached hash of a str (computes and caches on first use). */
int64_t ft__str_hash(FtObject *op);
/* Read FTRT_HASHSEED and set the key (runtime init); -1 + FT_ERR_VALUE if
 * the variable is malformed, FT_ERR_RUNTIME if no random bytes. */
int ft__hash_seed_init(void);
/* The 16 key bytes (k0, k1) for tests. */
void ft__hash_key(uint64_t *k0, uint64_t *k1);

/* ---- str.c: subsystem entry points (runtime/init.c's table) ---- */
/* (declared in runtime/init.h: ft__str_init, ft__str_fini) */

/* ---- str_intern.c ---- */
int ft__str_intern_init(void);
void ft__str_intern_fini(void);
/* Number of strings in the table (tests). */
size_t ft__str_intern_count(void);

#endif /* FT_RUNTIME_STR_IMPL_H */
