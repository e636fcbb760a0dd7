#!/usr/bin/env bash
# Installs dependencies, builds, and runs the whole test suite (unit, ONNX conformance, CLI, onnxruntime parity).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
tools/ort_reference/install_ort.sh >/dev/null
scripts/fetch_photos.sh >/dev/null
scripts/build.sh
export SSDX_REQUIRE_ORT=1     # parity tests fail, rather than skip, if onnxruntime cannot run
export SSDX_REQUIRE_PHOTOS=1  # likewise for the real photos
cd build
ctest --output-on-failure -j"$(nproc)" "$@"
