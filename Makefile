# The README's commands. Each target installs what is missing first.
#   make up     build and run the embedded default (all services + simulated labelers)
#   make test   build and run every test (ctest)
#   make build  build everything into build/bin/
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
DATA_DIR ?= .shammie
UP_ARGS ?=
CTEST_ARGS ?=

# ccache must hash precompiled headers by content, not by mtime.
# Cache hits across worktrees/clones: paths are hashed relative to the checkout.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_SLOPPINESS := pch_defines,time_macros,include_file_mtime,include_file_ctime
# See common/omp_env.h: OpenMP workers must not spin against OpenBLAS threads.
export OMP_WAIT_POLICY ?= PASSIVE

.PHONY: deps configure build test up clean

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

clean:
	rm -rf $(BUILD_DIR)
