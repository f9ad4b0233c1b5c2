/* runtime/numhash.h: CPython's numeric hash (internal).
 *
 * For a rational x = m / n, hash(x) = m * n**-1 mod P with P = 2**61 - 1,
 * negated for negative x; -1 becomes -2. So equal numbers of different
 * types hash equal: hash(1) == hash(1.0) == hash(True) == 1.
 * ±inf hash to ±314159; NaN hashes by identity (as CPython >= 3.10).
 */
#ifndef FT_RUNTIME_NUMHASH_H
#define FT_RUNTIME_NUMHASH_H

#include "runtime/internal.h"

#define FT_HASH_BITS 61
#define FT_HASH_MODULUS (((uint64_t)1 << FT_HASH_BITS) - 1)
#define FT_HASH_INF 314159

/* The hash of an int given its 30-bit digits and signed size. */
int64_t ft__hash_int_digits(const uint32_t *digits, FtSsize size);
/* The hash of a double; `inst` (may be NULL) gives NaN its identity hash. */
int64_t ft__hash_double(FtObject *inst, double v);

#endif /* FT_RUNTIME_NUMHASH_H */
