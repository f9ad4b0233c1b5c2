/* runtime/numhash.c: CPython's numeric hash modulo 2**61 - 1 (definition
 * in runtime/numhash.h). Pure functions of their arguments: any thread. */
#include "runtime/numhash.h"
#include <math.h>

int64_t ft__hash_int_digits(const uint32_t *digits, FtSsize size)
{
    FtSsize n = size < 0 ? -size : size;
    uint64_t x = 0;
    /* x * 2**30 mod P is a rotation of the 61-bit value by 30 bits. */
    for (FtSsize i = n; i-- > 0;) {
        x = ((x << 30) & FT_HASH_MODULUS) | (x >> (FT_HASH_BITS - 30));
        x += digits[i];
        if (x >= FT_HASH_MODULUS)
            x -= FT_HASH_MODULUS;
    }
    int64_t h = size < 0 ? -(int64_t)x : (int64_t)x;
    return h == -1 ? -2 : h;
}

int64_t ft__hash_double(FtObject *inst, double v)
{
    if (isinf(v))
        return v > 0 ? FT_HASH_INF : -FT_HASH_INF;
    if (isnan(v))
        return inst ? ft__object_identity_hash(inst) : 0;
    int e;
    double m = frexp(v, &e);
    int sign = 1;
    if (m < 0) {
        sign = -1;
        m = -m;
    }
    /* Feed 28 bits of the mantissa at a time (exact in a double). */
    uint64_t x = 0;
    while (m) {
        x = ((x << 28) & FT_HASH_MODULUS) | x >> (FT_HASH_BITS - 28);
        m *= 268435456.0;
        e -= 28;
        uint64_t y = (uint64_t)m;
        m -= (double)y;
        x += y;
        if (x >= FT_HASH_MODULUS)
            x -= FT_HASH_MODULUS;
    }
    /* times 2**e mod P: a rotation by e mod 61 */
    e = e >= 0 ? e % FT_HASH_BITS : FT_HASH_BITS - 1 - ((-1 - e) % FT_HASH_BITS);
    x = ((x << e) & FT_HASH_MODULUS) | x >> (FT_HASH_BITS - e);
    int64_t h = (int64_t)x * sign;
    return h == -1 ? -2 : h;
}
