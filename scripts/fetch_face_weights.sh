#!/usr/bin/env bash
# Fetches the trained SSD-MobileNetV1 face detector's TF.js weights (npm's @vladmandic/face-api, pinned, MIT licence)
# and the package's demo photos into a cache folder, checks the weights' sha256 and prints the folder as its last line.
# Idempotent and safe to run from parallel test processes. See docs/face_ssd_mobilenetv1.md.
#   Folder: $SSDX_FACE_DIR, else ${XDG_CACHE_HOME:-$HOME/.cache}/ssdx/face-api
# Installs nodejs + npm with apt-get when npm is missing (fresh Debian 12, as root).
set -euo pipefail

PACKAGE=@vladmandic/face-api
VERSION=1.7.15
BIN=ssd_mobilenetv1_model.bin
MANIFEST=ssd_mobilenetv1_model-weights_manifest.json
BIN_SHA256=2835640602d53718aa6ae9a42896327eaa21beefed056c218d32ca7d79e1e2f8
MANIFEST_SHA256=888f744dffbc84f5f060d1f8427d9742341943a2dfaaf9205d10029b7e7a2955
DIR="${SSDX_FACE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ssdx/face-api}"

fail() { echo "fetch_face_weights: $*" >&2; exit 1; }

hash_ok() { [ "$(sha256sum "$1" 2>/dev/null | cut -d' ' -f1)" = "$2" ]; }
complete() { hash_ok "$DIR/$BIN" "$BIN_SHA256" && hash_ok "$DIR/$MANIFEST" "$MANIFEST_SHA256" && [ -f "$DIR/sample1.jpg" ]; }

if ! command -v npm >/dev/null; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    fail "npm missing and cannot install it (needs root and apt-get)"
  fi
  echo "fetch_face_weights: installing nodejs and npm with apt-get" >&2
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm; } >&2 ||
    fail "apt-get could not install nodejs and npm"
fi

mkdir -p "$DIR" || fail "cannot create $DIR"
# ctest runs test processes in parallel: one download at a time.
exec 9>"$DIR/.lock"
if command -v flock >/dev/null; then flock 9; fi

if ! complete; then
  work="$(mktemp -d "$DIR/tmp.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  # npm pack downloads the tarball only: no install scripts, no dependencies.
  (cd "$work" && npm pack --silent "$PACKAGE@$VERSION" >"$work/pack.log" 2>&1) ||
    fail "npm pack $PACKAGE@$VERSION failed: $(tail -n 1 "$work/pack.log" 2>/dev/null)"
  tarball="$(ls "$work"/*.tgz 2>/dev/null | head -n 1)"
  [ -n "$tarball" ] || fail "npm pack $PACKAGE@$VERSION wrote no tarball"
  tar -xzf "$tarball" -C "$work" "package/model/$BIN" "package/model/$MANIFEST" 2>/dev/null ||
    fail "the $PACKAGE@$VERSION tarball lacks package/model/$BIN or $MANIFEST"
  tar -xzf "$tarball" -C "$work" --wildcards 'package/demo/sample*.jpg' 2>/dev/null ||
    fail "the $PACKAGE@$VERSION tarball lacks package/demo/sample*.jpg"
  hash_ok "$work/package/model/$BIN" "$BIN_SHA256" || fail "sha256 mismatch for $BIN from $PACKAGE@$VERSION"
  hash_ok "$work/package/model/$MANIFEST" "$MANIFEST_SHA256" || fail "sha256 mismatch for $MANIFEST from $PACKAGE@$VERSION"
  # Photos first, weights last: complete() looks at the weights, so a half-finished copy is never taken as done.
  mv -f "$work"/package/demo/sample*.jpg "$DIR/"
  mv -f "$work/package/model/$MANIFEST" "$DIR/$MANIFEST"
  mv -f "$work/package/model/$BIN" "$DIR/$BIN"
  complete || fail "the files in $DIR do not check out after copying"
fi
echo "$DIR"
