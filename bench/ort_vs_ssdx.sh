#!/usr/bin/env bash
# ssdx against onnxruntime on one model: the same random input, the same thread count, back to back in one run
# (the machines are shared and noisy, so only ratios taken together mean anything: docs/baselines.md §1).
#
#   bench/ort_vs_ssdx.sh MODEL [--threads N] [--runs N] [--warmup N] [--input-shape NAME=D0xD1x...]... [--json]
#                        [--ssdx PATH] [--realtime]
#
# --realtime runs both engines at real-time priority (chrt -f 50; root or CAP_SYS_NICE): on a machine where other
# work runs, their threads are then not descheduled in the middle of a layer, which otherwise costs either engine
# whole scheduler periods at its barriers (docs/baselines.md §1). Both engines always run under the same conditions.
#
# --input-shape fixes an input's free dims on both sides: ssdx bench --input-shape, onnxruntime's free-dimension
# overrides (e.g. a dynamic batch at 32: --input-shape input=32x3x300x300).
#
# Defaults: 2 threads, 10 timed runs after 2 warm-up; PATH defaults to $SSDX_BIN, else build/tools/ssdx.
# onnxruntime-node is installed by tests/ort_reference/install_ort.sh when missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { echo "ort_vs_ssdx: $*" >&2; exit 1; }
usage() { die "usage: bench/ort_vs_ssdx.sh MODEL [--threads N] [--runs N] [--warmup N] [--json] [--ssdx PATH] [--realtime]"; }

MODEL="" THREADS=2 RUNS=10 WARMUP=2 JSON="" SSDX="${SSDX_BIN:-$ROOT/build/tools/ssdx}" PRIORITY=()
while [ $# -gt 0 ]; do
  case "$1" in
    --threads|--runs|--warmup|--ssdx)
      [ $# -ge 2 ] || die "$1 needs a value"
      case "$1" in --threads) THREADS=$2 ;; --runs) RUNS=$2 ;; --warmup) WARMUP=$2 ;; --ssdx) SSDX=$2 ;; esac
      shift 2 ;;
    --input-shape)
      [ $# -ge 2 ] || die "$1 needs a value"
      ORT_SHAPES="${ORT_SHAPES:+$ORT_SHAPES;}$2"; SSDX_SHAPES+=(--input-shape "$2"); shift 2 ;;
    --json) JSON=--json; shift ;;
    --realtime) PRIORITY=(chrt -f 50); shift ;;
    -*) usage ;;
    *) [ -z "$MODEL" ] || usage; MODEL=$1; shift ;;
  esac
done
source "$ROOT/bench/side_by_side.sh"
check_side_by_side "$MODEL" "$SSDX"
[ ${#PRIORITY[@]} -eq 0 ] || "${PRIORITY[@]}" true 2>/dev/null || die "--realtime: chrt -f 50 is not permitted here (needs root or CAP_SYS_NICE)"

TMP="$(mktemp -d /tmp/ort_vs_ssdx.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT

# ORT first: it also draws the input and saves it for ssdx.
${PRIORITY[@]+"${PRIORITY[@]}"} node "$ROOT/bench/ort_bench.js" "$MODEL" --threads "$THREADS" --runs "$RUNS" --warmup "$WARMUP" \
  --save-inputs "$TMP" ${ORT_SHAPES:+--input-shape "$ORT_SHAPES"} >"$TMP/ort.json"
read_saved_inputs "$TMP"
${PRIORITY[@]+"${PRIORITY[@]}"} "$SSDX" bench "$MODEL" --threads "$THREADS" --runs "$RUNS" --warmup "$WARMUP" --json "${INPUTS[@]}" ${SSDX_SHAPES[@]+"${SSDX_SHAPES[@]}"} >"$TMP/ssdx.json"
node "$ROOT/bench/ort_bench.js" --report "$TMP/ort.json" "$TMP/ssdx.json" $JSON
