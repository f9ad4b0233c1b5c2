#!/bin/sh
# stress/run_sanitized.sh: build the stress suite under ThreadSanitizer and
# under AddressSanitizer+UBSan, and run it (docs/testing.md).
#
#   sh stress/run_sanitized.sh               # both sanitizers, suite 'stress'
#   sh stress/run_sanitized.sh --unit        # also the unit suite under both
#   sh stress/run_sanitized.sh --only tsan   # one sanitizer (tsan | asan)
#   sh stress/run_sanitized.sh --soak 600    # loop with fresh seeds for 600 s,
#                                            # stop at the first failure
#
# Build directories: build-tsan, build-asan (override with TSAN_DIR/ASAN_DIR).
# Extra meson options for both: SAN_MESON_OPTS (e.g. -Dgc_torture=100).
set -eu
cd "$(dirname "$0")/.."

TSAN_DIR=${TSAN_DIR:-build-tsan}
ASAN_DIR=${ASAN_DIR:-build-asan}
SAN_MESON_OPTS=${SAN_MESON_OPTS:-}
unit=0
which="tsan asan"
soak=0
while [ $# -gt 0 ]; do
    case "$1" in
        --unit) unit=1 ;;
        --only) which="$2"; shift ;;
        --soak) soak="$2"; shift ;;
        *) echo "usage: $0 [--unit] [--only tsan|asan] [--soak SECONDS]" >&2; exit 2 ;;
    esac
    shift
done

# TSan: report every race, fail the process on the first report; our code
# has no suppressions (docs/testing.md says why mimalloc needs none either).
export TSAN_OPTIONS="halt_on_error=1 abort_on_error=0 exitcode=66 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
# ASan: leaks are errors (LeakSanitizer); UBSan: abort on the first report.
export ASAN_OPTIONS="detect_leaks=1 abort_on_error=0 halt_on_error=1 ${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1 halt_on_error=1 ${UBSAN_OPTIONS:-}"

dir_of() { if [ "$1" = tsan ]; then echo "$TSAN_DIR"; else echo "$ASAN_DIR"; fi; }
san_of() { if [ "$1" = tsan ]; then echo thread; else echo address,undefined; fi; }

setup() {
    d=$(dir_of "$1")
    if [ ! -f "$d/build.ninja" ]; then
        # b_lundef=false: the sanitizer runtimes resolve symbols at load time.
        # clang would also do; gcc 12's TSan is the one Debian's CI has.
        meson setup "$d" -Db_sanitize="$(san_of "$1")" -Db_lundef=false \
            -Dbuildtype=debugoptimized -Ddebug_level=2 -Dbench_ftbench=false \
            $SAN_MESON_OPTS >/dev/null
    else
        # --reconfigure: stress/meson.build lists the programs whose source
        # exists at configure time, so a new program needs it.
        meson setup --reconfigure "$d" $SAN_MESON_OPTS >/dev/null
    fi
    if [ "$unit" = 1 ]; then
        ninja --quiet -C "$d"
    else
        # Only the stress programs (and the library they link).
        targets=$(ninja -C "$d" -t targets all | sed -n 's|^\(stress/stress_[a-z_]*\): .*|\1|p' | sort -u)
        # Both also run the server suite (ftkv under a short load).
        targets="$targets server/ftkv server/stress_commands"
        ninja --quiet -C "$d" $targets
    fi
}

run_suite() {
    d=$(dir_of "$1")
    echo "== $1: suite stress ($d)"
    meson test -C "$d" --no-rebuild --suite stress --print-errorlogs
    echo "== $1: suite server, short load ($d)"
    FTKV_SUITE_SHORT=1 meson test -C "$d" --no-rebuild --suite server --print-errorlogs
    if [ "$unit" = 1 ]; then
        echo "== $1: suite unit ($d)"
        meson test -C "$d" --no-rebuild --suite unit --print-errorlogs
    fi
}

for s in $which; do setup "$s"; done

if [ "$soak" = 0 ]; then
    start=$(date +%s)
    for s in $which; do run_suite "$s"; done
    echo "stress suite under [$which]: $(( $(date +%s) - start )) s"
    exit 0
fi

# Soak: every program of the suite again and again with a fresh seed, until
# the time is up or one fails; the failing seed is printed for --seed.
end=$(( $(date +%s) + soak ))
round=0
while [ "$(date +%s)" -lt "$end" ]; do
    round=$((round + 1))
    for s in $which; do
        d=$(dir_of "$s")
        for exe in "$d"/stress/stress_*; do
            [ -f "$exe" ] && [ -x "$exe" ] || continue   # not the .p dirs
            seed=$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')
            if ! FTRT_STRESS_SEED=$seed "$exe" >"$d/soak-last.log" 2>&1; then
                cat "$d/soak-last.log"
                echo "soak: FAILED in round $round: $s $exe"
                echo "soak: reproduce with: FTRT_STRESS_SEED=$seed $exe   (or $exe --seed $seed)"
                exit 1
            fi
        done
    done
    echo "soak: round $round passed ($(( end - $(date +%s) )) s left)"
done
echo "soak: $round rounds passed"
