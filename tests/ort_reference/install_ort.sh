#!/usr/bin/env bash
# Installs the test-only onnxruntime oracle (npm's onnxruntime-node, pinned) into a cache folder and prints that folder.
# Idempotent and safe to run from parallel test processes. The engine never uses it.
#   Folder: $SSDX_ORT_MODULE_DIR, else ${XDG_CACHE_HOME:-$HOME/.cache}/ssdx/ort (the same rule as run_ort.js).
# Installs nodejs + npm with apt-get when node is missing (fresh Debian 12, as root).
set -euo pipefail

VERSION=1.30.0
DIR="${SSDX_ORT_MODULE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ssdx/ort}"

log() { echo "install_ort: $*" >&2; }

installed() {
  command -v node >/dev/null &&
    [ "$(cd / && node -p "require(require.resolve('onnxruntime-node/package.json', {paths: ['$DIR']})).version" \
        2>/dev/null)" = "$VERSION" ]
}

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    log "node/npm missing and cannot install them (needs root and apt-get)"
    exit 1
  fi
  log "installing nodejs and npm with apt-get"
  apt-get update >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm >&2
fi

mkdir -p "$DIR"
# Serialize concurrent installs (ctest runs test processes in parallel).
exec 9>"$DIR/.install.lock"
if command -v flock >/dev/null; then flock 9; fi

if ! installed; then
  log "installing onnxruntime-node@$VERSION into $DIR"
  # A package.json pins npm's prefix to $DIR; without one npm would install into the nearest ancestor project.
  [ -f "$DIR/package.json" ] || echo '{"name": "ssdx-ort-reference", "private": true}' >"$DIR/package.json"
  # --ignore-scripts: the postinstall only fetches GPU binaries; the CPU ones ship inside the package.
  (cd "$DIR" && npm install --ignore-scripts --no-audit --no-fund --prefix "$DIR" "onnxruntime-node@$VERSION" >&2)
  if ! installed; then
    log "onnxruntime-node@$VERSION still cannot be loaded from $DIR"
    exit 1
  fi
fi
echo "$DIR"
