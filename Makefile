# The README's commands. Each target installs what is missing first.
#   make up     build and run the embedded default (all services + simulated labelers)
#   make test   build and run every test (ctest)
#   make build  build everything into build/bin/
#   make test-sanitize  ASan + UBSan build (build-sanitize/) and run of every
#               test but the learning ones, torch code included (policy,
#               reward model, trainers, four services): SANITIZE_SCOPE=all,
#               the default (a cold build takes about an hour on 2 cores).
#               SANITIZE_SCOPE=input: only the torch-free tests of the input
#               parsers (common, storage, policy formats, collector, fuzz
#               corpora) — what CI runs, for time; SANITIZE_SCOPE=torch-free:
#               every test whose binaries do not link libtorch
#   make fuzz   libFuzzer targets of tests/fuzz (clang, build-fuzz/), each run
#               FUZZ_SECONDS seconds from its seed corpus
# docs/security.md ("Sanitizers and fuzzing") says what these cover and not.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
DATA_DIR ?= .shammie
UP_ARGS ?=
CTEST_ARGS ?=
SANITIZE_DIR ?= build-sanitize
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
SANITIZE_SCOPE ?= all

# ccache must hash precompiled headers by content, not by mtime.
# Cache hits across worktrees/clones: paths are hashed relative to the checkout.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_SLOPPINESS := pch_defines,time_macros,include_file_mtime,include_file_ctime
# See common/omp_env.h: OpenMP workers must not spin against OpenBLAS threads.
export OMP_WAIT_POLICY ?= PASSIVE

.PHONY: deps configure build test up clean test-sanitize fuzz

deps:
	@scripts/install-deps

configure: deps
	@test -f $(BUILD_DIR)/build.ninja || cmake -S . -B $(BUILD_DIR) -G Ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j 2 $(CTEST_ARGS)

up: build
	$(BUILD_DIR)/bin/shammie up --data-dir $(DATA_DIR) $(UP_ARGS)

# Sanitizer reports fail the test that triggers them: UBSan does not recover
# (-fno-sanitize-recover), ASan stops at the first error, LeakSanitizer runs at
# exit. Options (each one's reason in docs/security.md):
#   ASAN_OPTIONS detect_leaks=1           leaks are errors too
#                strict_string_checks=1   str* interceptors check the whole string
#                check_initialization_order=1  static init order bugs
#   UBSAN_OPTIONS print_stacktrace=1      where, not only what
SANITIZER_ENV = ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:check_initialization_order=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

test-sanitize: deps
	cmake -S . -B $(SANITIZE_DIR) -G Ninja -DSHAMMIE_SANITIZE=ON -DSHAMMIE_SANITIZE_SCOPE=$(SANITIZE_SCOPE) >/dev/null
	cmake --build $(SANITIZE_DIR) -j $(JOBS) --target shammie_sanitize_tests
	$(SANITIZER_ENV) ctest --test-dir $(SANITIZE_DIR) --output-on-failure -j 2 -L sanitize -LE learning $(CTEST_ARGS)

fuzz: deps
	@test -f $(FUZZ_DIR)/build.ninja || cmake -S . -B $(FUZZ_DIR) -G Ninja -DSHAMMIE_FUZZ=ON \
	  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target shammie_fuzz_targets
	$(SANITIZER_ENV) tests/fuzz/run_fuzz.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR) $(FUZZ_DIR)
