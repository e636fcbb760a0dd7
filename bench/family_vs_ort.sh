#!/usr/bin/env bash
# The SSD family against onnxruntime, model after model in one run: every generated family model in fp32 and in
# its int8 form (`ssdx quantize`, QDQ, per-channel, calibrated on four photos), each timed by bench/ort_vs_ssdx.sh
# (same input, same threads, back to back), then one markdown table of all of them.
#
#   bench/family_vs_ort.sh [--threads N] [--runs N] [--repeat K] [--realtime] [--only REGEX] [--no-int8] [--keep DIR]
#                          [--ssdx PATH]
#
# --repeat K compares each model K times (K separate ort_vs_ssdx.sh runs, each with its own processes) and reports
# the medians over them, with each comparison's ratio: on a shared virtual machine one comparison can be off by a
# third. --realtime is ort_vs_ssdx.sh's (both engines at real-time priority).
#
# Models are written to DIR (default: a temp dir, removed at exit). The table names the CPU (lscpu's model name and
# whether AMX is present), since only ratios from one run on one machine mean anything (docs/baselines.md §1).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { echo "family_vs_ort: $*" >&2; exit 1; }

THREADS=2 RUNS=10 REPEAT=1 REALTIME="" ONLY="" INT8=1 KEEP="" SSDX="${SSDX_BIN:-$ROOT/build/tools/ssdx}"
while [ $# -gt 0 ]; do
  case "$1" in
    --threads|--runs|--repeat|--only|--keep|--ssdx)
      [ $# -ge 2 ] || die "$1 needs a value"
      case "$1" in
        --threads) THREADS=$2 ;; --runs) RUNS=$2 ;; --repeat) REPEAT=$2 ;; --only) ONLY=$2 ;; --keep) KEEP=$2 ;;
        --ssdx) SSDX=$2 ;;
      esac
      shift 2 ;;
    --realtime) REALTIME=--realtime; shift ;;
    --no-int8) INT8=0; shift ;;
    *) die "usage: bench/family_vs_ort.sh [--threads N] [--runs N] [--repeat K] [--realtime] [--only REGEX] [--no-int8] [--keep DIR] [--ssdx PATH]" ;;
  esac
done
[ -x "$SSDX" ] || die "$SSDX: no ssdx binary (build it, or pass --ssdx PATH)"
[[ "$REPEAT" =~ ^[1-9][0-9]?$ ]] || die "--repeat takes a count from 1 to 99, got '$REPEAT'"
if [ -n "$KEEP" ]; then DIR=$KEEP; mkdir -p "$DIR"; else DIR="$(mktemp -d /tmp/family_vs_ort.XXXXXX)"; trap 'rm -rf "$DIR"' EXIT; fi
PHOTOS="$(bash "$ROOT/scripts/fetch_photos.sh" | tail -n 1)"
CALIB=("$PHOTOS/astronaut.png" "$PHOTOS/coffee.png" "$PHOTOS/chelsea.png" "$PHOTOS/rocket.jpg")

# name | make-model arguments | extra bench arguments (input shapes)
MODELS=(
  "mmdet-ssd300 (IGIE, raw heads)|--arch mmdet-ssd300 --static-batch|"
  "mmdet-ssd300 batch 32 (IGIE, dynamic batch)|--arch mmdet-ssd300|--input-shape input=32x3x300x300"
  "mmdeploy-ssd300 (end to end)|--arch mmdeploy-ssd300|"
  "gluon ssd_300_vgg16_atrous VOC|--arch gluon-ssd_300_vgg16_atrous --classes 20|"
  "gluon ssd_512_vgg16_atrous VOC|--arch gluon-ssd_512_vgg16_atrous --classes 20|"
  "gluon ssd_512_resnet50_v1 VOC|--arch gluon-ssd_512_resnet50_v1 --classes 20|"
  "gluon ssd_512_mobilenet1.0 VOC|--arch gluon-ssd_512_mobilenet1.0 --classes 20|"
  "gluon ssd_300_vgg16_atrous COCO|--arch gluon-ssd_300_vgg16_atrous --classes 80|"
  "torchvision ssd300_vgg16|--arch tv-ssd300_vgg16|"
  "torchvision ssdlite320_mobilenet_v3_large|--arch tv-ssdlite320_mobilenet_v3_large|"
  "SSD-ResNet34 1200 (ssd-12 form)|--size 1200|"
)

slug() { echo "$1" | tr -c 'A-Za-z0-9\n' '_' ; }
# One table row from ort_vs_ssdx.sh --json objects, one per line (one per repeat): the medians over the repeats of
# ssdx's median, ORT's median and the ratio (each repeat's ratio after it when there are several), and images/s when
# batched.
row() {
  node -e '
    const runs = require("fs").readFileSync(0, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const median = (xs) => { const s = [...xs].sort((a, b) => a - b), h = s.length >> 1; return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2; };
    const ssdx = median(runs.map((r) => r.ssdx.latency_ms.median)), ort = median(runs.map((r) => r.ort.latency_ms.median));
    const ratios = runs.map((r) => r.ratio.median), b = runs[0].ssdx.batch || 1, ms = (v) => v.toFixed(v >= 100 ? 1 : 2);
    const each = ratios.length > 1 ? ` (${ratios.map((x) => x.toFixed(2)).join(", ")})` : "";
    const ips = b > 1 ? ` | ${(1000 * b / ssdx).toFixed(1)} / ${(1000 * b / ort).toFixed(1)}` : " | ";
    console.log(`| ${process.argv[1]} | ${process.argv[2]} | ${ms(ssdx)} ms | ${ms(ort)} ms | ${median(ratios).toFixed(2)}${each}${ips} |`);
  ' "$1" "$2"
}

ROWS=()
for entry in "${MODELS[@]}"; do
  IFS='|' read -r name make bench_args <<<"$entry"
  [ -z "$ONLY" ] || [[ "$name" =~ $ONLY ]] || continue
  f="$DIR/$(slug "$name").onnx"
  # shellcheck disable=SC2086  # the arguments are words
  if ! "$SSDX" make-model "$f" $make >/dev/null 2>"$DIR/make.err"; then
    echo "family_vs_ort: skipped $name: $(head -n 1 "$DIR/make.err")" >&2
    continue
  fi
  forms=("fp32|$f")
  if [ "$INT8" = 1 ]; then
    q="${f%.onnx}.int8.onnx"
    if "$SSDX" quantize "$f" -o "$q" --format qdq --per-channel --calib "${CALIB[@]}" >/dev/null 2>"$DIR/quant.err"; then
      forms+=("int8 QDQ|$q")
    else
      echo "family_vs_ort: $name: quantize failed: $(head -n 1 "$DIR/quant.err")" >&2
    fi
  fi
  for form in "${forms[@]}"; do
    IFS='|' read -r fname fpath <<<"$form"
    runs=$RUNS
    [ -z "$bench_args" ] || runs=3  # batch 32: a run takes seconds
    out=""
    for ((k = 1; k <= REPEAT; ++k)); do
      echo "== $name, $fname ($k of $REPEAT)" >&2
      # shellcheck disable=SC2086
      one="$(bash "$ROOT/bench/ort_vs_ssdx.sh" "$fpath" --threads "$THREADS" --runs "$runs" --ssdx "$SSDX" --json \
             $REALTIME $bench_args | tr -d '\n')" || { out=""; break; }
      out+="$one"$'\n'
    done
    [ -n "$out" ] || { echo "family_vs_ort: $name $fname: the comparison failed" >&2; continue; }
    ROWS+=("$(row "$name" "$fname" <<<"$out")")
  done
done

cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)"
model="$(lscpu | sed -n 's/^Model: *//p' | head -n 1)"
amx="no AMX"; grep -q ' amx_int8' /proc/cpuinfo && amx="AMX"
vnni=""; grep -q ' avx512_vnni' /proc/cpuinfo && vnni="AVX-512 VNNI, "
echo
repeats=""; [ "$REPEAT" = 1 ] || repeats=", medians over $REPEAT comparisons of each model (each one's ratio in brackets)"
priority=""; [ -z "$REALTIME" ] || priority=", both engines at real-time priority"
echo "$cpu (model $model, $vnni$amx), $THREADS threads, $RUNS timed runs (batch 32: 3) after 2 warm-up$repeats$priority, $(date -u +%F):"
echo
echo "| model | form | ssdx median | ORT median | ssdx / ORT | images/s ssdx / ORT |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
