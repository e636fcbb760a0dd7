#!/usr/bin/env bash
# The test suite under AddressSanitizer + UndefinedBehaviorSanitizer (Clang build in ./build-sanitize), without the
# 1200x1200 long tests. Extra arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build_sanitized.sh
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0"
cd build-sanitize
ctest --output-on-failure -j"$(nproc)" -LE long "$@"
