#!/usr/bin/env bash
# Fuzzes for SECONDS (default 120) in all: two thirds on model loading + shape inference + planning + one run
# (fuzz/model_fuzzer.cpp), seeded with generated models (fuzz/make_seeds.cpp) and ONNX's node tests; a fifth on
# image decoding + preprocessing (fuzz/image_fuzzer.cpp), seeded with small generated PNG/JPEGs and scikit-image's
# small sample images; the rest on TF.js weight manifests (fuzz/tfjs_fuzzer.cpp: manifest, NUL, shard), seeded with
# small hand-written manifests. Inputs that reach new code stay in ./build-sanitize/fuzz-*corpus across runs;
# a crash leaves its input in ./build-sanitize/fuzz-crashes and fails the script (copy a model into
# tests/data/fuzz_regressions/ once fixed).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-120}
scripts/build_sanitized.sh --target ssdx_model_fuzzer ssdx_image_fuzzer ssdx_tfjs_fuzzer ssdx_fuzz_seeds
B=build-sanitize
mkdir -p $B/fuzz-seeds $B/fuzz-corpus $B/fuzz-image-seeds $B/fuzz-image-corpus $B/fuzz-tfjs-seeds $B/fuzz-tfjs-corpus \
  $B/fuzz-crashes
if [ ! -f $B/fuzz-seeds/float_net.onnx ] || [ ! -f $B/fuzz-image-seeds/seed.jpg ]; then
  ASAN_OPTIONS=detect_leaks=0 $B/fuzz/ssdx_fuzz_seeds $B/fuzz-seeds $B/fuzz-image-seeds
  photos=$(scripts/fetch_photos.sh 2>/dev/null || true)
  [ -z "$photos" ] || find "$photos" -maxdepth 1 -type f -size -64k \( -name '*.png' -o -name '*.jpg' \) \
    -exec cp {} $B/fuzz-image-seeds/ \;
  for m in /usr/share/libonnx-testdata/data/node/*/model.onnx; do
    cp "$m" "$B/fuzz-seeds/node_$(basename "$(dirname "$m")").onnx"
  done
  cp tests/data/fuzz_regressions/*.onnx $B/fuzz-seeds/ 2>/dev/null || true
fi
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:malloc_limit_mb=3072"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# oneDNN 2.6.3 crashes inside its own AMX kernel generation under ASan (SEGV in libdnnl during primitive creation,
# seen on an AMX Xeon): the sanitized builds check ssdx's code, so they stop oneDNN below AMX; the optimized suite
# runs the AMX kernels. A cap above the machine's ISA changes nothing.
export ONEDNN_MAX_CPU_ISA="${ONEDNN_MAX_CPU_ISA:-AVX512_CORE_BF16}"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0"
run_fuzzer() {  # TARGET SECONDS DIRS...
  local target=$1 seconds=$2; shift 2
  echo "fuzz: $target for $seconds s"
  $B/fuzz/$target "$@" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=3072 -max_len=1048576 \
    -print_final_stats=1 -artifact_prefix=$B/fuzz-crashes/ 2>&1 |
    grep -E "^#[0-9]+[[:space:]]+(INITED|DONE)|stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|Test unit written" || true
}
# TF.js seeds: a float32 tensor, a uint8-quantized one, two tensors in one shard (manifest, NUL, shard bytes).
printf '[{"paths":["shard.bin"],"weights":[{"name":"w","shape":[2],"dtype":"float32"}]}]\0\0\0\200?\0\0\0@' \
  >$B/fuzz-tfjs-seeds/float32
printf '[{"paths":["shard.bin"],"weights":[{"name":"q","shape":[2,2],"dtype":"float32","quantization":{"dtype":"uint8","scale":0.5,"min":-1}}]}]\0\1\2\3\4' \
  >$B/fuzz-tfjs-seeds/uint8
printf '[{"paths":["shard.bin"],"weights":[{"name":"a","shape":[1],"dtype":"int32"},{"name":"b","shape":[],"dtype":"float32"}]}]\0\7\0\0\0\0\0\200?' \
  >$B/fuzz-tfjs-seeds/two
model_seconds=$((SECONDS_TO_RUN * 2 / 3)) image_seconds=$((SECONDS_TO_RUN / 5))
run_fuzzer ssdx_model_fuzzer $model_seconds $B/fuzz-corpus $B/fuzz-seeds
run_fuzzer ssdx_image_fuzzer $image_seconds $B/fuzz-image-corpus $B/fuzz-image-seeds
run_fuzzer ssdx_tfjs_fuzzer $((SECONDS_TO_RUN - model_seconds - image_seconds)) $B/fuzz-tfjs-corpus $B/fuzz-tfjs-seeds
if ls $B/fuzz-crashes/* >/dev/null 2>&1; then
  echo "fuzz: crashing inputs in $B/fuzz-crashes" >&2
  exit 1
fi
