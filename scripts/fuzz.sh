#!/usr/bin/env bash
# fuzz.sh BUILD_DIR SEED_DIR SECONDS: runs the fuzz-engine libFuzzer target for SECONDS, seeded
# with every .wasm under SEED_DIR, and fails on any crash, sanitizer report, leak, hang (10 s per
# input) or memory blow-up (2 GiB). Prints the final statistics (executions per second).
set -euo pipefail
build=$1 seeds=$2 seconds=$3
fuzzer=$build/tests/fuzz/fuzz-engine
mkdir -p "$build/fuzz-seeds" "$build/fuzz-corpus" "$build/fuzz-artifacts"
find "$seeds" -name '*.wasm' -exec cp -t "$build/fuzz-seeds" {} +
log=$build/fuzz.log
echo "fuzz: running $fuzzer for ${seconds}s on $(ls "$build/fuzz-seeds" | wc -l) seed modules (log: $log)"
if ! "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
     -artifact_prefix="$build/fuzz-artifacts/" "$build/fuzz-corpus" "$build/fuzz-seeds" > "$log" 2>&1; then
  echo "fuzz: FAILED; the end of the log:" >&2
  tail -n 60 "$log" >&2
  exit 1
fi
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" | sed 's/^/fuzz: /'
echo "fuzz: no crash, leak or hang in ${seconds}s"
