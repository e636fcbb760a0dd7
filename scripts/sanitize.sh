#!/usr/bin/env bash
# The test suite under AddressSanitizer + UndefinedBehaviorSanitizer (Clang build in ./build-sanitize), without the
# 1200x1200 long tests. Extra arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build_sanitized.sh
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# oneDNN 2.6.3 crashes inside its own AMX kernel generation under ASan (SEGV in libdnnl during primitive creation,
# seen on an AMX Xeon): the sanitized builds check ssdx's code, so they stop oneDNN below AMX; the optimized suite
# runs the AMX kernels. A cap above the machine's ISA changes nothing.
export ONEDNN_MAX_CPU_ISA="${ONEDNN_MAX_CPU_ISA:-AVX512_CORE_BF16}"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0"
cd build-sanitize
ctest --output-on-failure -j"$(nproc)" -LE long "$@"
