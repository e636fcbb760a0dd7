#!/usr/bin/env bash
# The main job on an embedded default: install dependencies, build, generate the SSD-ResNet34 1200x1200 model
# (ssd-12 architecture, synthetic weights) if absent, detect objects on a real photo and draw them.
#   scripts/main.sh [MODEL.onnx [IMAGE...]]   runs your own model (e.g. the zoo's ssd-12.onnx) / images instead.
# Outputs: the detections on stdout, out/detections.png.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
photos="$(scripts/fetch_photos.sh)"
mkdir -p out
model="${1:-out/ssd-12-synthetic-1200.onnx}"
if [ $# -eq 0 ] && [ ! -f "$model" ]; then
  build/tools/ssdx make-model "$model" --size 1200 --opset 12
fi
shift $(( $# > 0 ? 1 : 0 ))
images=("$@")
[ ${#images[@]} -gt 0 ] || images=("$photos/astronaut.png")
# Synthetic weights make many confident boxes: show the strongest so the picture stays readable.
build/tools/ssdx detect "$model" "${images[@]}" --threshold 0.6 --draw out/detections.png --threads "$(nproc)"
echo "drawn detections: out/detections.png"
