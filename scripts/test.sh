#!/usr/bin/env bash
# Installs dependencies, builds, runs the whole test suite (unit, ONNX conformance, CLI, onnxruntime parity) and the
# install check (scripts/check_install.sh), then the suite under AddressSanitizer + UndefinedBehaviorSanitizer
# (Clang build; scripts/sanitize.sh says which tests it leaves to the optimized run) and a bounded fuzzing run.
# Extra arguments go to the main ctest run. SSDX_FUZZ_SECONDS (default 120) bounds the fuzzing; 0 skips it and
# SSDX_SKIP_SANITIZERS=1 skips the sanitizer suite (both run in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
tests/ort_reference/install_ort.sh >/dev/null
scripts/fetch_photos.sh >/dev/null
scripts/build.sh
export SSDX_REQUIRE_ORT=1     # parity tests fail, rather than skip, if onnxruntime cannot run
export SSDX_REQUIRE_PHOTOS=1  # likewise for the real photos
export SSDX_REQUIRE_FACE=1    # likewise for the trained face detector's weights (npm)
(cd build && ctest --output-on-failure -j"$(nproc)" "$@")
scripts/check_install.sh  # the installed library, headers, CMake package and pkg-config file, from a consumer's side
if [ "${SSDX_SKIP_SANITIZERS:-0}" != 1 ]; then
  scripts/sanitize.sh
fi
if [ "${SSDX_FUZZ_SECONDS:-120}" != 0 ]; then
  scripts/fuzz.sh "${SSDX_FUZZ_SECONDS:-120}"
fi
