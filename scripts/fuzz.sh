#!/usr/bin/env bash
# Fuzzes model loading + shape inference + planning + one run (fuzz/model_fuzzer.cpp) for SECONDS (default 120),
# starting from a seed corpus of generated models (fuzz/make_seeds.cpp) and ONNX's node tests. New inputs that
# reach new code stay in ./build-sanitize/fuzz-corpus across runs; a crash leaves its input in
# ./build-sanitize/fuzz-crashes and fails the script (copy it into tests/data/fuzz_regressions/ once fixed).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-120}
scripts/build_sanitized.sh --target ssdx_model_fuzzer ssdx_fuzz_seeds
B=build-sanitize
mkdir -p $B/fuzz-seeds $B/fuzz-corpus $B/fuzz-crashes
if [ ! -f $B/fuzz-seeds/float_net.onnx ]; then
  ASAN_OPTIONS=detect_leaks=0 $B/fuzz/ssdx_fuzz_seeds $B/fuzz-seeds
  i=0
  for m in /usr/share/libonnx-testdata/data/node/*/model.onnx; do
    cp "$m" "$B/fuzz-seeds/node_$(basename "$(dirname "$m")").onnx"; i=$((i + 1))
  done
  cp tests/data/fuzz_regressions/*.onnx $B/fuzz-seeds/ 2>/dev/null || true
fi
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:malloc_limit_mb=3072"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0"
$B/fuzz/ssdx_model_fuzzer $B/fuzz-corpus $B/fuzz-seeds -max_total_time="$SECONDS_TO_RUN" -timeout=20 \
  -rss_limit_mb=3072 -max_len=1048576 -print_final_stats=1 -artifact_prefix=$B/fuzz-crashes/ 2>&1 |
  grep -E "^#[0-9]+[[:space:]]+(INITED|DONE)|stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|Test unit written" || true
if ls $B/fuzz-crashes/* >/dev/null 2>&1; then
  echo "fuzz: crashing inputs in $B/fuzz-crashes" >&2
  exit 1
fi
