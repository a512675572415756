#!/usr/bin/env bash
# fuzz.sh BUILD_DIR TARGET SECONDS [SEED_DIR]: runs the libFuzzer target fuzz-TARGET for SECONDS
# (seeded with every .wasm and .seed file under SEED_DIR, if given) and fails on any crash, sanitizer report,
# leak, hang (10 s per input) or memory blow-up (2 GiB). Prints the final statistics.
set -euo pipefail
build=$1 target=$2 seconds=$3 seeds=${4:-}
fuzzer=$build/tests/fuzz/fuzz-$target
work=$build/fuzz-$target
mkdir -p "$work/seeds" "$work/corpus" "$work/artifacts"
if [ -n "$seeds" ]; then
  find "$seeds" \( -name '*.wasm' -o -name '*.seed' \) -exec cp -t "$work/seeds" {} +
fi
log=$work/fuzz.log
echo "fuzz-$target: running for ${seconds}s on $(ls "$work/seeds" | wc -l) seed inputs (log: $log)"
if ! "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
     -artifact_prefix="$work/artifacts/" "$work/corpus" "$work/seeds" > "$log" 2>&1; then
  echo "fuzz-$target: FAILED; the end of the log:" >&2
  tail -n 60 "$log" >&2
  exit 1
fi
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" | sed "s/^/fuzz-$target: /"
echo "fuzz-$target: no crash, leak or hang in ${seconds}s"
