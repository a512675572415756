# Makefile: the front door for people; CMake does the building.
#   make          build build/weft, build/libweft.a, build/libweft.so
#   make test     everything: unit, spec, WASI and plugin tests, again under ASan+UBSan, the plugin
#                 tests under TSan, then the fuzzers and a quick benchmark run
#   make spec     the official spec testsuite only
#   make demo     build weft and run the demo
#   make fuzz     the engine fuzzer for FUZZ_SECONDS (60), the WASI and plugin-ABI ones for
#                 FUZZ_WASI_SECONDS and FUZZ_PLUGIN_SECONDS (30 each), the HTTP/manifest parsers
#                 for FUZZ_HTTP_SECONDS (20), the WIT/WAVE/ABI readers for FUZZ_COMPONENT_SECONDS (20)
#   make bench    the benchmark suite (weft vs native vs node), load time, instantiation, plugin calls
# Every target first installs missing Debian packages (scripts/install-deps.sh).

BUILD        ?= build
ASAN_BUILD   ?= build-asan
TSAN_BUILD   ?= build-tsan
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_WASI_SECONDS ?= 30
FUZZ_PLUGIN_SECONDS ?= 30
FUZZ_HTTP_SECONDS ?= 20
FUZZ_COMPONENT_SECONDS ?= 20
JOBS         ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all build deps test unit spec asan tsan fuzz demo clean bench bench-quick bench-limits

# Prints the spec runner's totals from ctest's log (ctest shows a passing test's output only there).
spec_summary = grep -hE '^(phase |spec: |  [0-9]+ (assert|error))' $(1)/Testing/Temporary/LastTest.log | sed 's|^|$(1): |'

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@test -f $(BUILD)/CMakeCache.txt || cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	@cmake --build $(BUILD) -j$(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure
	@$(call spec_summary,$(BUILD))
	@$(MAKE) --no-print-directory asan
	@$(MAKE) --no-print-directory tsan
	@$(MAKE) --no-print-directory fuzz
	@$(MAKE) --no-print-directory bench-quick
	@echo "make test: all passed"

unit: build
	ctest --test-dir $(BUILD) --output-on-failure -R unit

spec: build
	$(BUILD)/tests/spec/weft-spec

# A second tree with AddressSanitizer + UndefinedBehaviorSanitizer; it also uses the portable
# switch dispatch, so both interpreter dispatch paths run the whole suite.
asan: deps
	@test -f $(ASAN_BUILD)/CMakeCache.txt || cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug \
	    -DWEFT_SANITIZE=ON -DWEFT_SWITCH_DISPATCH=ON
	@cmake --build $(ASAN_BUILD) -j$(JOBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    ctest --test-dir $(ASAN_BUILD) --output-on-failure
	@$(call spec_summary,$(ASAN_BUILD))

# The plugin tests (pools hammered by threads, cancellation, deadlines) under ThreadSanitizer.
tsan: deps
	@test -f $(TSAN_BUILD)/CMakeCache.txt || cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=Debug \
	    -DWEFT_TSAN=ON
	@cmake --build $(TSAN_BUILD) -j$(JOBS) --target test_plugin
	TSAN_OPTIONS=halt_on_error=1 ctest --test-dir $(TSAN_BUILD) --output-on-failure -R plugin_api

# libFuzzer over decode + validate + instantiate + calls, seeded with the spec suite's modules
# (converted by the spec runner); then over every WASI function called by a hostile guest.
# Fails on a crash, sanitizer report, leak, timeout or OOM.
fuzz: build
	@test -d $(BUILD)/tests/spec/json || $(BUILD)/tests/spec/weft-spec > /dev/null
	@test -f $(FUZZ_BUILD)/CMakeCache.txt || cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang \
	    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWEFT_FUZZ=ON
	@cmake --build $(FUZZ_BUILD) --target fuzz-engine fuzz-wasi fuzz-plugin fuzz-http fuzz-component -j$(JOBS)
	@scripts/fuzz.sh $(FUZZ_BUILD) engine $(FUZZ_SECONDS) $(BUILD)/tests/spec/json
	@scripts/fuzz.sh $(FUZZ_BUILD) wasi $(FUZZ_WASI_SECONDS)
	@scripts/fuzz.sh $(FUZZ_BUILD) plugin $(FUZZ_PLUGIN_SECONDS)
	@scripts/fuzz.sh $(FUZZ_BUILD) http $(FUZZ_HTTP_SECONDS) tests/fuzz/http_seeds
	@mkdir -p $(FUZZ_BUILD)/component-seeds && cp tests/fuzz/component_seeds/*.seed $(FUZZ_BUILD)/component-seeds/
	@for f in $(BUILD)/tests/component/components/*.wasm; do [ -f "$$f" ] && { printf '\003'; cat "$$f"; } > $(FUZZ_BUILD)/component-seeds/$$(basename $$f .wasm).seed; done; true
	@scripts/fuzz.sh $(FUZZ_BUILD) component $(FUZZ_COMPONENT_SECONDS) $(FUZZ_BUILD)/component-seeds

# The benchmarks print ratios against native code and node measured in the same run; they fail
# only if a workload does not build or run, or prints another checksum than native code.
bench: build
	bench/run.sh $(BUILD)
	bench/load.sh $(BUILD)
	bench/instance.sh $(BUILD)
	bench/plugin.sh $(BUILD)
	bench/http/run.sh $(BUILD)
	bench/component.sh $(BUILD) || [ $$? -eq 77 ]

# Small sizes (about 25 s, plus 40 s of HTTP at --quick): in make test, as a check that every
# workload agrees with native and that weft serve and the native servers answer under load.
bench-quick: build
	bench/run.sh --quick $(BUILD)
	bench/http/run.sh $(BUILD) --quick

bench-limits: build
	bench/run.sh --limits $(BUILD)

demo: build
	@scripts/demo.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
