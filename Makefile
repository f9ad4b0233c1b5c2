# ftrt: a thin wrapper over meson. `make run` and `make test` work on a fresh
# Debian 12 machine as root: they install what is missing, configure, build,
# then run the main job / every test.

BUILD ?= build
MESON_OPTS ?=
DEBS = meson ninja-build pkg-config gcc clang python3 \
       libmimalloc-dev liburcu-dev libck-dev libcmocka-dev \
       libpython3.11-dev gnuplot-nox valgrind
NPROC := $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build run test test-modes test-clang test-instr stress soak bench install clean

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
	$(MAKE) test-modes
	$(MAKE) test-clang
	$(MAKE) test-instr
	$(MAKE) stress

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

stress: deps
	sh stress/run_sanitized.sh

soak: deps
	sh stress/run_sanitized.sh --soak $${SOAK_SECONDS:-600}

bench: deps
	python3 bench/report

clean:
	rm -rf $(BUILD) $(BUILD)-gil $(BUILD)-atomic $(BUILD)-clang $(BUILD)-tsan $(BUILD)-asan \
	  $(BUILD)-release build-mutants build-rel-ft build-rel-gil build-rel-atomic
