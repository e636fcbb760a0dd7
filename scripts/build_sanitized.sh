#!/usr/bin/env bash
# Builds ssdx, its tests and the libFuzzer targets with Clang, AddressSanitizer and UndefinedBehaviorSanitizer (any
# report is fatal) into ./build-sanitize. Used by scripts/sanitize.sh and scripts/fuzz.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DSSDX_SANITIZE=ON -DSSDX_FUZZ=ON -DSSDX_BUILD_BENCH=OFF >/dev/null
cmake --build build-sanitize -j"$(nproc)" "$@"
