#!/usr/bin/env bash
# Prints a folder holding scikit-image's sample photos (astronaut.png, camera.png, truncated.jpg, ...), used by
# the tests as real PNG/JPEG inputs. Idempotent and safe to run from parallel test processes.
#   Installed python3-skimage: its own data folder. Otherwise the photos are extracted (and nothing else: the
#   package's Python dependencies are heavy) from the downloaded .deb into
#   ${XDG_CACHE_HOME:-$HOME/.cache}/ssdx/photos/skimage-data.
set -euo pipefail

SYSTEM_DIR=/usr/lib/python3/dist-packages/skimage/data
if [ -d "$SYSTEM_DIR" ]; then
  echo "$SYSTEM_DIR"
  exit 0
fi

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/ssdx/photos"
DIR="$CACHE/skimage-data"
log() { echo "fetch_photos: $*" >&2; }

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"  # ctest runs test processes in parallel: one download at a time
if command -v flock >/dev/null; then flock 9; fi

if [ ! -d "$DIR" ]; then
  work="$(mktemp -d "$CACHE/tmp.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  # apt-get writes progress to stdout: keep ours for the folder alone.
  if ! (cd "$work" && apt-get download python3-skimage >&2); then
    log "download failed; refreshing the package lists (apt-get update) and retrying"
    apt-get update >&2 || { log "apt-get update failed (needs root)"; exit 1; }
    (cd "$work" && apt-get download python3-skimage >&2) || { log "cannot download python3-skimage"; exit 1; }
  fi
  data=usr/lib/python3/dist-packages/skimage/data
  dpkg-deb --fsys-tarfile "$work"/python3-skimage_*.deb |
    tar -x -C "$work" --wildcards "./$data/*.png" "./$data/*.jpg"
  [ -f "$work/$data/astronaut.png" ] || { log "python3-skimage has no $data/astronaut.png"; exit 1; }
  mv "$work/$data" "$DIR"  # atomic: the folder exists only once complete
fi
echo "$DIR"
