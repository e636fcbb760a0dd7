#!/usr/bin/env bash
# ssdx against onnxruntime on a one-node NonMaxSuppression model of gluon-cv SSD's single-class call, for each row
# count: bench/nms_case writes the model and the inputs (2% of the scores above score_threshold, clustered boxes
# repeated per class), both engines time the same data back to back, one side-by-side table per size.
#
#   bench/nms_vs_ort.sh [--threads N] [--runs N] [ROWS[:CLASSES] ...]
#
# Defaults: 2 threads, 20 timed runs, sizes 174640:20 698560:80 1965120:80. Needs a built tree (build/).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${SSDX_BUILD_DIR:-$ROOT/build}"
THREADS=2 RUNS=20 SIZES=()
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) THREADS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    *) SIZES+=("$1"); shift ;;
  esac
done
[ ${#SIZES[@]} -gt 0 ] || SIZES=(174640:20 698560:80 1965120:80)
[ -x "$BUILD/bench/nms_case" ] || { echo "nms_vs_ort: build $BUILD/bench/nms_case first" >&2; exit 1; }
if ! node "$ROOT/tests/ort_reference/run_ort.js" --check >/dev/null 2>&1; then
  bash "$ROOT/tests/ort_reference/install_ort.sh" >/dev/null
fi

TMP="$(mktemp -d /tmp/nms_vs_ort.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
for size in "${SIZES[@]}"; do
  rows=${size%%:*} classes=20
  [ "$size" = "$rows" ] || classes=${size#*:}
  "$BUILD/bench/nms_case" "$TMP" "$rows" "$classes"
  node "$ROOT/bench/ort_bench.js" "$TMP/nms.onnx" --threads "$THREADS" --runs "$RUNS" --warmup 3 \
    --inputs "$TMP/inputs.txt" >"$TMP/ort.json"
  INPUTS=()
  while IFS= read -r spec; do INPUTS+=(--input "$spec"); done <"$TMP/inputs.txt"
  "$BUILD/tools/ssdx" bench "$TMP/nms.onnx" --threads "$THREADS" --runs "$RUNS" --warmup 3 --json "${INPUTS[@]}" \
    >"$TMP/ssdx.json"
  echo "== NMS rows=$rows (classes per anchor $classes)"
  node "$ROOT/bench/ort_bench.js" --report "$TMP/ort.json" "$TMP/ssdx.json"
done
