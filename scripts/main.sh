#!/usr/bin/env bash
# The main job on an embedded default: install dependencies, build, then
#  1. the trained SSD-MobileNetV1 face detector: fetch face-api's weights from npm (pinned, sha256-checked), import
#     them into out/face-ssd-mobilenetv1.onnx if absent, detect faces on scikit-image's astronaut.png and draw them
#     (out/detections.png);
#  2. the zoo's SSD-ResNet34 architecture (ssd-12, 1200x1200, synthetic weights: the zoo's files cannot be
#     downloaded here): generate out/ssd-12-synthetic-1200.onnx if absent, run it on the photo and time it.
#   scripts/main.sh [MODEL.onnx [IMAGE...]]   detects with your own model (e.g. the zoo's ssd-12.onnx) instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
photos="$(scripts/fetch_photos.sh)"
mkdir -p out
threads="$(nproc)"

if [ $# -gt 0 ]; then
  model="$1"
  shift
  images=("$@")
  [ ${#images[@]} -gt 0 ] || images=("$photos/astronaut.png")
  # The model's metadata chooses preprocessing, labels and threshold (models without it: ssd-12's).
  build/tools/ssdx detect "$model" "${images[@]}" --draw out/detections.png --threads "$threads"
  echo "drawn detections: out/detections.png"
  exit 0
fi

face_model="$(scripts/fetch_face_model.sh | tail -n 1)"
echo "== face detector (face-api's trained SSD-MobileNetV1, 512x512) on astronaut.png"
build/tools/ssdx detect "$face_model" "$photos/astronaut.png" --draw out/detections.png --threads "$threads"
echo "drawn detections: out/detections.png"

ssd12=out/ssd-12-synthetic-1200.onnx
[ -f "$ssd12" ] || build/tools/ssdx make-model "$ssd12" --size 1200 --opset 12 >/dev/null
echo "== SSD-ResNet34 1200x1200 (the zoo's ssd-12 architecture, synthetic weights: its boxes mean nothing)"
build/tools/ssdx bench "$ssd12" --runs 3 --warmup 1 --threads "$threads" | grep -E '^(model|load|latency)' || true
