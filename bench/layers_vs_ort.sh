#!/usr/bin/env bash
# ssdx against onnxruntime layer by layer on one model: the same input, the same thread count, back to back; which
# layers each engine runs faster (bench/ort_vs_ssdx.sh gives the whole-model ratio only).
#
#   bench/layers_vs_ort.sh MODEL [--threads N] [--runs N] [--input-shape NAME=D0xD1x...]... [--top N] [--ssdx PATH]
#                          [--json]
#
# One seeded input is drawn and saved by bench/ort_bench.js, which times ORT with its profiler on (--profile); then
# `ssdx bench --json` runs on the saved input, and bench/layers_report.js joins the two profiles node by node (ORT's
# node names with its suffixes stripped against each ssdx node's fused_from) and prints the table.
# Defaults: 2 threads, 10 timed runs after 2 warm-up; --top 0 (every node, in execution order); PATH defaults to
# $SSDX_BIN, else build/tools/ssdx. onnxruntime-node is installed by tests/ort_reference/install_ort.sh when missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { echo "layers_vs_ort: $*" >&2; exit 1; }
usage() { die "usage: bench/layers_vs_ort.sh MODEL [--threads N] [--runs N] [--input-shape NAME=D0xD1x...]... [--top N] [--ssdx PATH] [--json]"; }

MODEL="" THREADS=2 RUNS=10 TOP=0 JSON="" SSDX="${SSDX_BIN:-$ROOT/build/tools/ssdx}"
while [ $# -gt 0 ]; do
  case "$1" in
    --threads|--runs|--top|--ssdx)
      [ $# -ge 2 ] || die "$1 needs a value"
      case "$1" in --threads) THREADS=$2 ;; --runs) RUNS=$2 ;; --top) TOP=$2 ;; --ssdx) SSDX=$2 ;; esac
      shift 2 ;;
    --input-shape)
      [ $# -ge 2 ] || die "$1 needs a value"
      ORT_SHAPES="${ORT_SHAPES:+$ORT_SHAPES;}$2"; SSDX_SHAPES+=(--input-shape "$2"); shift 2 ;;
    --json) JSON=--json; shift ;;
    -*) usage ;;
    *) [ -z "$MODEL" ] || usage; MODEL=$1; shift ;;
  esac
done
source "$ROOT/bench/side_by_side.sh"
check_side_by_side "$MODEL" "$SSDX"

TMP="$(mktemp -d /tmp/layers_vs_ort.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT

node "$ROOT/bench/ort_bench.js" "$MODEL" --threads "$THREADS" --runs "$RUNS" --save-inputs "$TMP" \
  --profile "$TMP/ort_profile.json" ${ORT_SHAPES:+--input-shape "$ORT_SHAPES"} >/dev/null
read_saved_inputs "$TMP"
"$SSDX" bench "$MODEL" --threads "$THREADS" --runs "$RUNS" --json "${INPUTS[@]}" \
  ${SSDX_SHAPES[@]+"${SSDX_SHAPES[@]}"} >"$TMP/ssdx.json"
CPU="$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
node "$ROOT/bench/layers_report.js" "$TMP/ort_profile.json" "$TMP/ssdx.json" --top "$TOP" --cpu "${CPU:-unknown}" $JSON
