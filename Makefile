# ftrt: a thin wrapper over meson. `make run` and `make test` work on a fresh
# Debian 12 machine as root: they install what is missing, configure, build,
# then run the main job / every test.

BUILD ?= build
MESON_OPTS ?=
DEBS = meson ninja-build pkg-config gcc clang python3 \
       libmimalloc-dev liburcu-dev libck-dev libcmocka-dev \
       libpython3.11-dev gnuplot-nox valgrind redis-server redis-tools
NPROC := $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build run test test-modes test-clang test-instr test-debug3 stress mutants soak bench fuzz server-bench install clean

all: build

# Install the Debian packages that are missing (only when root).
deps:
	@missing=""; for p in $(DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing Debian packages:$$missing (run as root, or install them)"; exit 1; \
	  fi; \
	fi

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

# The main job: the overhead report's quick preset (bench/report). It ends
# by saying where the report is, and warns when the machine was busy: a load
# average above the core count at the start or the end makes its time
# ratios unreliable (instruction counts are not affected).
run: build
	@load0=$$(cut -d' ' -f1 /proc/loadavg); \
	python3 bench/report --quick; rc=$$?; \
	load1=$$(cut -d' ' -f1 /proc/loadavg); \
	echo; echo "report: bench/results/latest/report.md (charts: bench/results/latest/*.svg, *.png)"; \
	for l in $$load0 $$load1; do \
	  if awk -v l=$$l -v n=$(NPROC) 'BEGIN { exit !(l > n) }'; then \
	    echo "WARNING: the machine was busy (load average $$load0 at the start, $$load1 at the end, $(NPROC) cores): time ratios mean little"; break; \
	  fi; \
	done; exit $$rc

# Install the release build (debug_level 0, no tests or benchmarks) under
# PREFIX, then refresh the dynamic linker's cache so that programs find
# libftrt.so at once.
PREFIX ?= /usr/local
install: deps
	@[ -f $(BUILD)-release/build.ninja ] || meson setup $(BUILD)-release --buildtype=release \
	  --prefix=$(PREFIX) -Dtests=false -Dbench_ftbench=false >/dev/null
	ninja --quiet -C $(BUILD)-release
	meson install -C $(BUILD)-release --no-rebuild
	@if [ "$$(id -u)" = 0 ]; then ldconfig; else echo "run ldconfig as root"; fi

# Every test: unit, public headers, install; the other two modes; the
# stress suite under ThreadSanitizer and AddressSanitizer.
test: build
	meson test -C $(BUILD) --suite unit --suite headers --suite install --print-errorlogs
	meson test -C $(BUILD) --suite stress --print-errorlogs
	meson test -C $(BUILD) --suite server --print-errorlogs
	$(MAKE) test-modes
	$(MAKE) test-clang
	$(MAKE) test-instr
	$(MAKE) test-debug3
	$(MAKE) stress
	$(MAKE) mutants

test-modes:
	@for m in gil atomic; do \
	  [ -f $(BUILD)-$$m/build.ninja ] || meson setup $(BUILD)-$$m -Dmode=$$m >/dev/null || exit 1; \
	  ninja --quiet -C $(BUILD)-$$m || exit 1; \
	  meson test -C $(BUILD)-$$m --suite unit --print-errorlogs || exit 1; \
	done

# -Wall -Wextra -Werror with clang too (gcc is the default build): build
# everything, run the unit suite.
test-clang:
	@[ -f $(BUILD)-clang/build.ninja ] || CC=clang meson setup $(BUILD)-clang >/dev/null || exit 1
	ninja --quiet -C $(BUILD)-clang
	meson test -C $(BUILD)-clang --suite unit --print-errorlogs

# Instruction-count regression check: the ft release build (build-rel-ft)
# against bench/instr-baseline.json, 2 % tolerance, under a minute. After a
# deliberate change: bench/instr --update-baseline, committed with it.
test-instr: deps
	python3 bench/instr --check

# The expensive assertion tier: the heap validator between the collector's
# phases (docs/testing.md); the unit suite must pass with it.
test-debug3:
	@[ -f $(BUILD)-dbg3/build.ninja ] || meson setup $(BUILD)-dbg3 -Ddebug_level=3 >/dev/null || exit 1
	ninja --quiet -C $(BUILD)-dbg3
	meson test -C $(BUILD)-dbg3 --suite unit --print-errorlogs

stress: deps
	sh stress/run_sanitized.sh

# Every mutant in stress/mutants/LIST must make its test fail (docs/testing.md,
# "Proof that each scenario can fail").
mutants: deps
	sh stress/mutants/run.sh

soak: deps
	sh stress/run_sanitized.sh --soak $${SOAK_SECONDS:-600}

# libFuzzer targets (fuzz/, docs/testing.md "Fuzzing"): a clang build with
# ASan + UBSan in $(BUILD)-fuzz, then each target for FUZZ_SECS seconds, one
# after the other, each with its corpus in $(BUILD)-fuzz/corpus/<target>
# (seeded from fuzz/seeds/<target>). By hand; not part of `make test`.
FUZZ_SECS ?= 60
FUZZ_TARGETS = fuzz_int_text fuzz_utf8 fuzz_float_repr fuzz_containers
fuzz: deps
	@[ -f $(BUILD)-fuzz/build.ninja ] || CC=clang meson setup $(BUILD)-fuzz -Dfuzz=true \
	  -Db_sanitize=address,undefined -Db_lundef=false -Ddebug_level=2 \
	  -Dtests=false -Dbench_ftbench=false >/dev/null || exit 1
	ninja --quiet -C $(BUILD)-fuzz
	@fail=0; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(BUILD)-fuzz/corpus/$$t $(BUILD)-fuzz/artifacts; \
	  echo "fuzz: $$t for $(FUZZ_SECS) s (log: $(BUILD)-fuzz/$$t.log)"; \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  ./$(BUILD)-fuzz/fuzz/$$t -max_total_time=$(FUZZ_SECS) -print_final_stats=1 \
	    -artifact_prefix=$(BUILD)-fuzz/artifacts/$$t- \
	    $(BUILD)-fuzz/corpus/$$t fuzz/seeds/$$t >$(BUILD)-fuzz/$$t.log 2>&1 \
	    || { fail=1; echo "fuzz: $$t FAILED"; }; \
	  grep -E '^(fuzz:|stat::number_of_executed_units|SUMMARY|Test unit written)' $(BUILD)-fuzz/$$t.log; \
	done; exit $$fail

bench: deps
	python3 bench/report

# ftkv (server/) against redis-server with redis-benchmark, from a release
# build; the table goes to bench/results/<date>-server/ (docs/server.md).
server-bench: deps
	@[ -f $(BUILD)-release/build.ninja ] || meson setup $(BUILD)-release --buildtype=release \
	  -Dtests=false -Dbench_ftbench=false >/dev/null
	ninja --quiet -C $(BUILD)-release server/ftkv
	python3 bench/server_bench --ftkv $(BUILD)-release/server/ftkv

clean:
	rm -rf $(BUILD) $(BUILD)-gil $(BUILD)-atomic $(BUILD)-clang $(BUILD)-dbg3 $(BUILD)-tsan $(BUILD)-asan \
	  $(BUILD)-fuzz $(BUILD)-release build-mutants build-rel-ft build-rel-gil build-rel-atomic
