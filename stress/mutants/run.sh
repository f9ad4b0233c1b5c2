#!/bin/sh
# stress/mutants/run.sh: prove that a test catches a broken protocol.
#
# A mutant is a small patch that breaks one mechanism on purpose (drops a
# barrier, a lock, a step). It lives outside the production sources, in
# stress/mutants/<name>.patch, and stress/mutants/LIST names the test that
# must fail once it is applied, one line per mutant:
#
#     <name> | <extra meson options> | <command, relative to the build dir>
#
# Mutants that share their meson options share one scratch copy of the
# tracked tree and one build: for each, this script applies the patch
# (patch -p1), rebuilds incrementally, runs the command under a time limit
# and expects it to FAIL (a non-zero exit: a failed exact check, a sanitizer
# report, the watchdog, an assertion), then reverses the patch. A mutant whose
# test still passes, whose patch no longer applies or whose build breaks is a
# failure of this script: the test has lost its teeth, or the patch needs
# refreshing against the code it breaks.
#
#   sh stress/mutants/run.sh            # every mutant in LIST
#   sh stress/mutants/run.sh NAME...    # these only
#   sh stress/mutants/run.sh --list     # names
#
# Environment: MUTANT_DIR (scratch root, default build-mutants),
# MUTANT_TIMEOUT (seconds per command, default 60: a hang counts as caught),
# MUTANT_TRIES (runs of a command before a mutant counts as surviving,
# default 3: most catch a race with some probability per run).
set -eu
cd "$(dirname "$0")/../.."
root=$(pwd)
list=stress/mutants/LIST
scratch_root=${MUTANT_DIR:-$root/build-mutants}
timeout_s=${MUTANT_TIMEOUT:-60}
tries=${MUTANT_TRIES:-3}

lines() { grep -v '^[[:space:]]*\(#\|$\)' "$list"; }
field() { echo "$1" | cut -d'|' -f"$2" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//'; }

if [ "${1:-}" = --list ]; then
    lines | while IFS= read -r l; do field "$l" 1; done
    exit 0
fi

export TSAN_OPTIONS="halt_on_error=1 abort_on_error=0 exitcode=66 ${TSAN_OPTIONS:-}"
export ASAN_OPTIONS="detect_leaks=1 abort_on_error=0 halt_on_error=1 ${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1 halt_on_error=1 ${UBSAN_OPTIONS:-}"
export FTRT_HASHSEED=0

want=" $* "
total=0; caught=0; bad=""
mkdir -p "$scratch_root"
files=$(git ls-files --cached --others --exclude-standard)

# prepare OPTS: a scratch tree and build for one option set (by its hash),
# copied from the working tree once per run with fresh mtimes (tar -m), so
# that nothing compiled from an earlier run's patched file survives; within a
# run, applying and reversing a patch touches the files and ninja rebuilds
# just those.
prepared=" "
prepare() {
    key=$(echo "$1" | cksum | cut -d' ' -f1)
    src=$scratch_root/$key/src
    bld=$scratch_root/$key/build
    log=$scratch_root/$key
    case "$prepared" in *" $key "*) return 0 ;; esac
    prepared="$prepared$key "
    rm -rf "$src"; mkdir -p "$src"
    echo "$files" | tar -C "$root" -cf - -T - | tar -C "$src" -xmf -
    if [ ! -f "$bld/build.ninja" ]; then
        # shellcheck disable=SC2086
        meson setup "$bld" "$src" -Dbench_ftbench=false -Ddebug_level=2 $1 \
            >"$log/setup.log" 2>&1 || return 1
    fi
}

while IFS= read -r l; do
    name=$(field "$l" 1); opts=$(field "$l" 2); cmd=$(field "$l" 3)
    [ "$want" = "  " ] || case "$want" in *" $name "*) ;; *) continue ;; esac
    total=$((total + 1))
    patchf=$root/stress/mutants/$name.patch
    if ! prepare "$opts"; then
        echo "MUTANT $name: meson setup failed ($log/setup.log)"; bad="$bad $name(setup)"; continue
    fi
    if ! [ -f "$patchf" ] || ! (cd "$src" && patch -p1 -s --no-backup-if-mismatch < "$patchf") >"$log/$name.patch.log" 2>&1; then
        echo "MUTANT $name: patch does not apply ($log/$name.patch.log)"; bad="$bad $name(patch)"; continue
    fi
    target=$(echo "$cmd" | cut -d' ' -f1)
    set +e
    ninja --quiet -C "$bld" "$target" >"$log/$name.build.log" 2>&1
    brc=$?
    # A race is caught with some probability per run: up to $tries runs,
    # the first failing one counts (its log is kept).
    try=0; rc=0
    while [ $brc -eq 0 ] && [ $rc -eq 0 ] && [ $try -lt "$tries" ]; do
        try=$((try + 1))
        (cd "$bld" && timeout -k 10 "$timeout_s" sh -c "./$cmd") >"$log/$name.run.log" 2>&1
        rc=$?
    done
    (cd "$src" && patch -p1 -R -s --no-backup-if-mismatch < "$patchf") >/dev/null 2>&1
    set -e
    if [ $brc -ne 0 ]; then
        echo "MUTANT $name: build failed ($log/$name.build.log)"; bad="$bad $name(build)"
    elif [ $rc -ne 0 ]; then
        caught=$((caught + 1)); echo "MUTANT $name: caught (exit $rc, run $try)"
    else
        echo "MUTANT $name: NOT caught: '$cmd' passed $tries times with the patch applied"; bad="$bad $name(survived)"
    fi
done <<EOT
$(lines)
EOT
echo "mutants: $caught caught of $total"
[ -z "$bad" ] || { echo "mutants not caught:$bad"; exit 1; }
