#!/usr/bin/env bash
# Peak memory and load time, ssdx against onnxruntime, one model after another in one run (docs/baselines.md §1).
#
#   bench/peak_memory.sh MODEL... [--threads N] [--ssdx PATH] [--json]
#
# For each model: `ssdx run MODEL --random-inputs` (one load, one run) and `bench/ort_bench.js MODEL --runs 1
# --warmup 0` (one InferenceSession.create, one run), each under /usr/bin/time -v. Prints both processes' maximum
# resident set size as the kernel counts it (nothing subtracted: node's own baseline, ~40 MB, is in ORT's figure),
# their ratio, and the load times: ssdx's Session::load, ORT's InferenceSession.create. --json prints one object a
# model instead of the table. PATH defaults to $SSDX_BIN, else build/tools/ssdx.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { echo "peak_memory: $*" >&2; exit 1; }
usage() { die "usage: bench/peak_memory.sh MODEL... [--threads N] [--ssdx PATH] [--json]"; }

MODELS=() THREADS=2 JSON="" SSDX="${SSDX_BIN:-$ROOT/build/tools/ssdx}"
while [ $# -gt 0 ]; do
  case "$1" in
    --threads|--ssdx)
      [ $# -ge 2 ] || die "$1 needs a value"
      case "$1" in --threads) THREADS=$2 ;; --ssdx) SSDX=$2 ;; esac
      shift 2 ;;
    --json) JSON=1; shift ;;
    -*) usage ;;
    *) MODELS+=("$1"); shift ;;
  esac
done
[ ${#MODELS[@]} -gt 0 ] || usage
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (Debian package 'time')"
[ -x "$SSDX" ] || die "$SSDX: no ssdx binary (build it, or pass --ssdx PATH)"
for m in "${MODELS[@]}"; do [ -f "$m" ] || die "$m: no such file"; done
if ! node "$ROOT/tests/ort_reference/run_ort.js" --check >/dev/null 2>&1; then
  bash "$ROOT/tests/ort_reference/install_ort.sh" >/dev/null || die "cannot install onnxruntime-node"
fi

TMP="$(mktemp -d /tmp/peak_memory.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT

# Maximum resident set size in MB (1e6 bytes) from a /usr/bin/time -v report.
max_rss_mb() { awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 * 1024 / 1e6 }' "$1"; }

[ -n "$JSON" ] || printf '%-28s %12s %12s %8s %14s %14s\n' model "ssdx MB" "ORT MB" ratio "ssdx load ms" "ORT load ms"
for m in "${MODELS[@]}"; do
  /usr/bin/time -v -o "$TMP/ssdx.time" "$SSDX" run "$m" --random-inputs --threads "$THREADS" >"$TMP/ssdx.out" ||
    die "$m: ssdx run failed"
  /usr/bin/time -v -o "$TMP/ort.time" node "$ROOT/bench/ort_bench.js" "$m" --threads "$THREADS" --runs 1 --warmup 0 \
    >"$TMP/ort.json" || die "$m: onnxruntime failed"
  ssdx_mb=$(max_rss_mb "$TMP/ssdx.time")
  ort_mb=$(max_rss_mb "$TMP/ort.time")
  ssdx_load=$(sed -n 's/^load \([0-9.]*\) ms.*/\1/p' "$TMP/ssdx.out")
  ort_load=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).load_ms.toFixed(1))' "$TMP/ort.json")
  ratio=$(awk -v a="$ssdx_mb" -v b="$ort_mb" 'BEGIN { printf "%.2f", a / b }')
  if [ -n "$JSON" ]; then
    printf '{"model": "%s", "ssdx_max_rss_mb": %s, "ort_max_rss_mb": %s, "ratio": %s, "ssdx_load_ms": %s, "ort_load_ms": %s}\n' \
      "$m" "$ssdx_mb" "$ort_mb" "$ratio" "$ssdx_load" "$ort_load"
  else
    printf '%-28s %12s %12s %8s %14s %14s\n' "$(basename "$m")" "$ssdx_mb" "$ort_mb" "$ratio" "$ssdx_load" "$ort_load"
  fi
done
