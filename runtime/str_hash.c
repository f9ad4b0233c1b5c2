/* runtime/str_hash.c: the string hash (CPython 3.11's) and its key.
 *
 * hash(s) is SipHash-1-3 over the string's internal bytes (len * kind bytes
 * of its latin-1, UCS-2 or UCS-4 form, host byte order, so little-endian
 * here as in CPython), keyed with 16 bytes (k0, k1) chosen at runtime
 * init:
 *
 *   FTRT_HASHSEED unset, empty or "random": random bytes from the kernel
 *   FTRT_HASHSEED=0:        the zero key (as PYTHONHASHSEED=0)
 *   FTRT_HASHSEED=N (N in 1..4294967295): CPython's lcg_urandom(N) fills the
 *       24-byte secret (x = x * 214013 + 2531011 mod 2**32, byte = bits
 *       23..16), whose first 16 bytes are k0 and k1, little-endian.
 *
 * So with FTRT_HASHSEED=N our hash of a str equals Python 3.11's with
 * PYTHONHASHSEED=N (tests/test_str_diff.c checks it against data made by
 * python3). The empty string hashes to 0 and -1 is mapped to -2, as in
 * CPython's _Py_HashBytes.
 *
 * The key is written only by ft__hash_seed_init, before any thread other
 * than the initialising one exists; afterwards it is read-only.
 */
#include "runtime/str_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/random.h>

static uint64_t key0, key1;   /* written at runtime init only */

/* ---- SipHash-1-3 (CPython's "modified" finalisation: v0^v1^v2^v3) ---- */

static inline uint64_t rotl64(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

#define SIP_ROUND(v0, v1, v2, v3) do {                  \
        v0 += v1; v2 += v3;                             \
        v1 = rotl64(v1, 13) ^ v0; v3 = rotl64(v3, 16) ^ v2; \
        v0 = rotl64(v0, 32);                            \
        v2 += v1; v0 += v3;                             \
        v1 = rotl64(v1, 17) ^ v2; v3 = rotl64(v3, 21) ^ v0; \
        v2 = rotl64(v2, 32);                            \
    } while (0)

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t siphash13(uint64_t k0, uint64_t k1, const uint8_t *in, size_t n)
{
    uint64_t b = (uint64_t)n << 56;
    uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
    uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
    uint64_t v3 = k1 ^ 0x7465646279746573ULL;

    for (; n >= 8; n -= 8, in += 8) {
        uint64_t m = load_le64(in);
        v3 ^= m;
        SIP_ROUND(v0, v1, v2, v3);
        v0 ^= m;
    }
    uint64_t t = 0;
    for (size_t i = 0; i < n; i++)
        t |= (uint64_t)in[i] << (8 * i);
    b |= t;

    v3 ^= b;
    SIP_ROUND(v0, v1, v2, v3);
    v0 ^= b;
    v2 ^= 0xff;
    SIP_ROUND(v0, v1, v2, v3);
    SIP_ROUND(v0, v1, v2, v3);
    SIP_ROUND(v0, v1, v2, v3);
    return (v0 ^ v1) ^ (v2 ^ v3);
}

int64_t ft__hash_bytes(const void *data, size_t len)
{
    if (len == 0)
        return 0;
    int64_t h = (int64_t)siphash13(key0, key1, data, len);
    return h == -1 ? -2 : h;
}

int64_t ft__str_hash(FtObject *op)
{
    FtStr *s = FT_STR(op);
    /* Benign race: threads that find -1 all compute the same value and
     * store it; relaxed is enough because the value depends only on the
     * immutable characters, which the reader already sees. */
    int64_t h = FT_LOAD_RELAXED(s->hash);
    if (h != -1)
        return h;
    h = ft__hash_bytes(ft__str_data(op), (size_t)s->length * s->kind);
    FT_STORE_RELAXED(s->hash, h);
    return h;
}

/* ---- The key ---- */

static void lcg_fill(uint32_t x, uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        x = x * 214013u + 2531011u;
        buf[i] = (uint8_t)((x >> 16) & 0xff);
    }
}

static int random_fill(uint8_t *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(buf + got, n - got, GRND_NONBLOCK);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (got == n)
        return 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    return got == n ? 0 : -1;
}

/* Parse FTRT_HASHSEED as CPython's _Py_ReadHashSeed: 1 with *seed set for
 * a fixed seed, 0 for random, -1 if malformed. */
static int read_seed(const char *text, uint32_t *seed)
{
    if (!text || !*text || strcmp(text, "random") == 0)
        return 0;
    uint64_t v = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > UINT32_MAX)
            return -1;
    }
    *seed = (uint32_t)v;
    return 1;
}

int ft__hash_seed_init(void)
{
    uint8_t secret[24] = {0};
    uint32_t seed = 0;
    int fixed = read_seed(getenv("FTRT_HASHSEED"), &seed);
    if (fixed < 0) {
        ft_error_set(FT_ERR_VALUE, "FTRT_HASHSEED must be \"random\" or an "
                     "integer in range [0; 4294967295]");
        return -1;
    }
    if (fixed && seed != 0)
        lcg_fill(seed, secret, sizeof secret);
    else if (!fixed && random_fill(secret, sizeof secret) < 0) {
        ft_error_set(FT_ERR_RUNTIME, "no random bytes for the hash key");
        return -1;
    }
    key0 = load_le64(secret);
    key1 = load_le64(secret + 8);
    return 0;
}

void ft__hash_key(uint64_t *k0, uint64_t *k1)
{
    *k0 = key0;
    *k1 = key1;
}

uint64_t ft_hash_seed(void)
{
    return key0;
}
