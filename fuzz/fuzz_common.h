/* fuzz/fuzz_common.h: what every libFuzzer target shares (docs/testing.md,
 * "Fuzzing").
 *
 * The runtime is started once per process (LLVMFuzzerInitialize) on the
 * fuzzing thread, which stays attached. Every input must leave the number of
 * live ftrt objects where it found it (ASan cannot see inside mimalloc, so
 * the targets count objects themselves): FUZZ_CHECK_LIVE after each input.
 * A broken expectation prints the reason and aborts, which libFuzzer
 * reports as a crash with the input saved.
 */
#ifndef FT_FUZZ_COMMON_H
#define FT_FUZZ_COMMON_H

#include <ftrt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ASSERT(cond, ...) do {                                      \
        if (!(cond)) {                                                   \
            fprintf(stderr, "fuzz: %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                \
            fprintf(stderr, " (error %s: %s)\n",                         \
                    ft_error_kind_name(ft_error_kind()), ft_error_message()); \
            abort();                                                     \
        }                                                                \
    } while (0)

static inline int64_t fuzz_live(void)
{
    FtStats st;
    ft_stats_get(&st);
    return st.objects_live;
}

static inline void fuzz_init(void)
{
    if (ft_runtime_init() < 0) {
        fprintf(stderr, "fuzz: ft_runtime_init failed: %s\n", ft_error_message());
        abort();
    }
    ft_gc_disable();        /* targets collect where they choose */
}

#define FUZZ_CHECK_LIVE(before) do {                                     \
        ft_gc_collect();                                                 \
        int64_t live_ = fuzz_live();                                     \
        FUZZ_ASSERT(live_ == (before), "live objects %lld, expected %lld", \
                    (long long)live_, (long long)(before));              \
    } while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
