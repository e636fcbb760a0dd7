#!/usr/bin/env bash
# Installs what ssdx needs to build and test on Debian 12, from Debian's packages only. Idempotent.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libprotobuf-dev protobuf-compiler   # protobuf runtime + protoc for onnx.proto
  libonnx-dev                         # onnx.proto (ONNX's schema)
  libdnnl-dev                         # oneDNN 2.6 (Debian 12)
  ocl-icd-opencl-dev                  # only recommended by libdnnl-dev, but its dnnl-config.cmake requires OpenCL
  libgtest-dev libbenchmark-dev       # GoogleTest, Google Benchmark
  libstb-dev                          # stb_image / stb_image_write
  nlohmann-json3-dev                  # JSON reader for TF.js weight manifests (header-only)
  libonnx-testdata                    # ONNX's node conformance tests
  clang libclang-rt-14-dev            # the sanitizer + libFuzzer build (scripts/sanitize.sh, scripts/fuzz.sh)
  ca-certificates                     # npm downloads onnxruntime-node over HTTPS
)
# Node.js runs onnxruntime-node, the tests' reference (never linked by the engine). A machine may already have a
# Node.js from elsewhere, whose npm Debian's npm package conflicts with: only install what is missing.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
