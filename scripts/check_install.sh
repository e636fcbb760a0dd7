#!/usr/bin/env bash
# Checks the installed form of ssdx from a consumer's side: builds ssdx (reusing ./build), installs it into a
# temporary prefix, builds examples/embed against that prefix alone (find_package, then pkg-config), generates a
# small SSD and runs the example on it. Any failing step fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ssdx_check_install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
step() { echo "check_install: $*"; }

if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
step "building ssdx"
cmake --build build -j"$(nproc)" --target ssdx_combined ssdx >/dev/null
step "installing into $tmp/prefix"
cmake --install build --prefix "$tmp/prefix" >/dev/null
# A consumer needs only the public headers.
if find "$tmp/prefix/include" -name '*.h' -print0 | xargs -0 grep -lE '#include "(engine|graph|ops|app|passes|int8)/' ; then
  echo "check_install: an installed header includes an internal one" >&2
  exit 1
fi

step "building examples/embed with find_package(ssdx)"
cmake -S examples/embed -B "$tmp/embed" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/embed" >/dev/null

step "building examples/embed with pkg-config"
libdir=$(find "$tmp/prefix" -name ssdx.pc -printf '%h\n' | head -n1)
flags=$(PKG_CONFIG_PATH="$libdir" pkg-config --static --cflags --libs ssdx)
# shellcheck disable=SC2086  # the flags are words
c++ -std=c++17 -O1 examples/embed/main.cpp -o "$tmp/embed_pkgconfig" $flags

step "running the example on a generated SSD"
build/tools/ssdx make-model "$tmp/ssd.onnx" --size 480 >/dev/null
# With the test photos at hand the example runs the Detector on one too.
photos=$(scripts/fetch_photos.sh 2>/dev/null || true)
image=""
if [ -n "$photos" ] && [ -f "$photos/astronaut.png" ]; then image="$photos/astronaut.png"; fi
for exe in "$tmp/embed/embed" "$tmp/embed_pkgconfig"; do
  "$exe" "$tmp/ssd.onnx" ${image:+"$image"} >"$tmp/out.txt"
  grep -q '^input  ' "$tmp/out.txt" && grep -q '^scores \[1,' "$tmp/out.txt" || {
    cat "$tmp/out.txt" >&2
    echo "check_install: $exe printed no inputs or scores" >&2
    exit 1
  }
done
head -n 12 "$tmp/out.txt"
step "ok"
