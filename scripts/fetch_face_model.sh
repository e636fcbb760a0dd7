#!/usr/bin/env bash
# Makes out/face-ssd-mobilenetv1.onnx, the trained SSD-MobileNetV1 face detector, if absent: fetches face-api's
# TF.js weights (scripts/fetch_face_weights.sh) and imports them with `ssdx make-model --arch face-ssd-mobilenetv1`.
# Builds build/tools/ssdx (that target only) when it is missing. Prints the model's path as its last line.
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL=out/face-ssd-mobilenetv1.onnx
fail() { echo "fetch_face_model: $*" >&2; exit 1; }

if [ ! -f "$MODEL" ]; then
  weights="$(scripts/fetch_face_weights.sh | tail -n 1)" || fail "cannot fetch the weights"
  if [ ! -x build/tools/ssdx ]; then
    { cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j"$(nproc)" --target ssdx; } >&2 ||
      fail "cannot build build/tools/ssdx"
  fi
  mkdir -p out
  # Written beside and renamed: a model half-written by an interrupted run is never taken as done.
  build/tools/ssdx make-model --arch face-ssd-mobilenetv1 --weights "$weights" "$MODEL.tmp" >&2 ||
    fail "ssdx make-model failed"
  mv -f "$MODEL.tmp" "$MODEL"
fi
echo "$(pwd)/$MODEL"
