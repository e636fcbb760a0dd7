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
# The whole-model family comparisons (gluon-cv, torchvision and mmdet SSDs against onnxruntime, and compare's fp32
# against int8 on them) run the kernels the smaller parity and family-chain tests already run here, at several
# times their cost under the sanitizers: they run in the optimized suite only, which keeps CI within its hour.
FAMILY_MODELS='GluonSsdParity|TorchvisionSsdParity|MmdetSsd300Parity|MmdeploySsd300Parity|CompareCli\..*Family'
cd build-sanitize
ctest --output-on-failure -j"$(nproc)" -LE long -E "$FAMILY_MODELS" "$@"
