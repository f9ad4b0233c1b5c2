/* stress/harness.h: the shared harness of the stress suite (docs/testing.md).
 *
 * A stress program is a list of scenarios run one after another in one
 * process:
 *
 *     static void refs_crossing(void) { ... STRESS_CHECK(...); ... }
 *     int main(int argc, char **argv)
 *     {
 *         stress_init(argc, argv, "refcount");
 *         stress_scenario("refs_crossing", refs_crossing, STRESS_LIVE_EXACT);
 *         return stress_finish();
 *     }
 *
 * What the harness gives every scenario:
 * - one seed per run, printed at start (`--seed S` or FTRT_STRESS_SEED
 *   reproduces a run; without either it is drawn from the clock), and a
 *   per-thread generator derived from it (stress_rng_for);
 * - threads released together from one barrier (stress_run_threads), each
 *   attached to the runtime while it runs;
 * - iteration counts scaled down under the sanitizers (stress_iters): x1 in
 *   a plain build, /8 under ThreadSanitizer, /4 under AddressSanitizer, times
 *   `--scale F` / FTRT_STRESS_SCALE;
 * - a watchdog that fails a scenario still running after its time limit
 *   (`--timeout S`, FTRT_STRESS_TIMEOUT, default 120 s) with exit code 3,
 *   printing the scenario and the seed: a hang is a failure, never a stall;
 * - an exact live-object check: the number of live objects (ftrt's
 *   allocation counters) is the same after the scenario and a final
 *   collection as it was before (STRESS_LIVE_EXACT), unless the scenario
 *   says it leaves immortal objects behind (STRESS_LIVE_ANY);
 * - one summary line per scenario, and a closing "N passed, N failed".
 *
 * A failed STRESS_CHECK prints where and why with the seed and exits 1 at
 * once: the outcome of a stress run is only meaningful up to its first
 * wrong observation.
 */
#ifndef FT_STRESS_HARNESS_H
#define FT_STRESS_HARNESS_H

#include <ftrt.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- run setup ---- */

/* Parse the command line, print the seed, attach the main thread
 * (ft_runtime_init) and start the watchdog. `--only NAME` runs one scenario. */
void stress_init(int argc, char **argv, const char *program);
/* Final collection, runtime teardown, closing line. Returns main's exit code. */
int stress_finish(void);

#define STRESS_LIVE_EXACT 0   /* live objects back to their starting number */
#define STRESS_LIVE_ANY   1   /* the scenario leaves immortals (interning) */
void stress_scenario(const char *name, void (*fn)(void), int live_rule);

uint64_t stress_seed(void);
/* `full` scaled for this build and the --scale factor; never below `min`. */
long stress_iters(long full, long min);
/* Threads the scenarios use: --threads, default 4 (2 cores: oversubscribed
 * on purpose, so that preemption lands in the middle of operations). */
int stress_threads(void);

/* ---- randomness: xorshift64*, one stream per thread ---- */
typedef struct StressRng { uint64_t s; } StressRng;
StressRng stress_rng_for(int stream);
static inline uint64_t stress_rand(StressRng *r)
{
    uint64_t x = r->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return x * 0x2545F4914F6CDD1DULL;
}
static inline uint64_t stress_below(StressRng *r, uint64_t n)
{
    return n ? stress_rand(r) % n : 0;
}

/* ---- threads ---- */

/* Start n threads running fn(ctx, index), each attached (ft_thread_start),
 * released together from one barrier, and join them. The caller must be
 * attached; it waits in a blocking region. */
typedef void (*StressThreadFn)(void *ctx, int index);
void stress_run_threads(int n, StressThreadFn fn, void *ctx);
/* Sleep without holding up a stop-the-world (a blocking region). */
void stress_sleep_us(long us);

/* ---- checks ---- */
void stress_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
/* The condition's text is an argument, not part of the format: a `%` in a
 * condition (a modulo) must not become a conversion. */
void stress_fail_check(const char *file, int line, const char *cond,
                       const char *fmt, ...)
    __attribute__((noreturn, format(printf, 4, 5)));
#define STRESS_CHECK(cond, ...)                                           \
    do {                                                                  \
        if (!(cond))                                                      \
            stress_fail_check(__FILE__, __LINE__, #cond, __VA_ARGS__);    \
    } while (0)
/* An ftrt call that must succeed: fails with the runtime's error message. */
#define STRESS_OK(expr)                                                   \
    do {                                                                  \
        if (!(expr))                                                      \
            stress_fail(__FILE__, __LINE__, "%s failed: %s", #expr,       \
                        ft_error_message() ? ft_error_message() : "?");   \
    } while (0)

/* Scenario-visible count of how many iterations it ran (summed into the
 * summary line). Any thread may add. */
void stress_count(long ops);

#endif
