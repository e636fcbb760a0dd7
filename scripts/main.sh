#!/usr/bin/env bash
# The main job on an embedded default: install dependencies, build, and run a model end to end with `ssdx run`.
# Until the SSD model generator lands, the default model is ONNX's NonMaxSuppression conformance model with its
# own inputs; pass a model (and ssdx run options) to run something else: scripts/main.sh MODEL --random-inputs
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
mkdir -p out
if [ $# -gt 0 ]; then
  exec build/tools/ssdx run "$@" --output-dir out
fi
case_dir=/usr/share/libonnx-testdata/data/node/test_nonmaxsuppression_suppress_by_IOU_and_scores
set_dir=$case_dir/test_data_set_0
inputs=()
i=0
for name in boxes scores max_output_boxes_per_class iou_threshold score_threshold; do
  inputs+=(--input "$name=$set_dir/input_$i.pb")
  i=$((i + 1))
done
build/tools/ssdx run "$case_dir/model.onnx" "${inputs[@]}" --output-dir out
echo "outputs written to out/"
