#!/usr/bin/env bash
# Checks the README's set-up on a fresh Debian 12: debootstraps a minimal bookworm (--variant=minbase) into a
# folder, copies the committed tree into it (git archive HEAD: uncommitted or untracked files take no part), and
# inside it, as root with a clean environment, runs the README's main command (scripts/main.sh), checks that
# out/detections.png was written, then runs the test command's main ctest suite (scripts/test.sh with
# SSDX_SKIP_SANITIZERS=1 SSDX_FUZZ_SECONDS=0). Prints the time of each step and the total; on a failure, one line
# naming the step, and a non-zero exit. Run as root on a Debian-like host with apt (debootstrap is installed if
# missing).
#   scripts/fresh_machine_check.sh [DIR]
#     DIR (or $SSDX_FRESH_DIR; default /var/tmp/ssdx-fresh-machine): the working folder, made by this script. A
#     non-empty folder it did not make is refused; one it made (a previous run's) is emptied and used afresh.
#     The chroot is removed after a successful run ($SSDX_FRESH_KEEP=1 keeps it) and kept after a failure.
#     DIR.lock, beside it, keeps two checks from sharing the folder.
#   SSDX_FRESH_TEST_ARGS   extra arguments for the tests' ctest run, e.g. "-LE long" (word-split)
#   SSDX_FRESH_MIRROR      the Debian mirror to use instead of the host's own apt sources
# Only what makes the network reachable is carried over from the host: its Debian mirror (read from
# /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list), its apt settings with Acquire:: options (proxies,
# ...), apt's auth.conf, local CA certificates (/usr/local/share/ca-certificates), resolv.conf, npm's client
# configuration (/root/.npmrc, /etc/npmrc, /usr/etc/npmrc) and npm/proxy environment variables. Nothing is cached
# between runs: the chroot is made from the mirror each time (debootstrap takes about a minute here).
# Every mount made in the chroot is unmounted on exit, whatever happens; nothing is deleted while a mount remains.
set -euo pipefail

SUITE=bookworm
MARKER=.ssdx-fresh-machine-check
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-${SSDX_FRESH_DIR:-/var/tmp/ssdx-fresh-machine}}"

log() { echo "fresh_machine_check: $*"; }
reported=0
job=""   # the long command running in the background (see run_bg)
owned=0  # 1 once the folder is known to be this check's: only then does the cleanup touch it
die() { echo "fresh_machine_check: FAILED at step '$step': $*" >&2; reported=1; exit 1; }

step="start"
[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, chroot, mount)"
command -v git >/dev/null || die "git is needed to export the committed tree"
g() { git -c safe.directory="$repo" -C "$repo" "$@"; }  # CI's checkout may belong to another user
g rev-parse --verify -q HEAD >/dev/null || die "$repo is not a git checkout with a commit"
dir="$(realpath -m -- "$dir")"
case "$dir" in
  / | /bin* | /boot* | /dev* | /etc* | /lib* | /proc* | /run* | /sbin* | /sys* | /usr*) die "refusing folder $dir" ;;
  *[[:space:]\\]*) die "the folder's path must not contain spaces or backslashes: $dir" ;;
esac
root="$dir/root"

# ---- mounts and cleanup ---------------------------------------------------------------------------------------
mounts_below() {  # mount points at or below $dir, deepest first
  findmnt -rn -o TARGET | awk -v d="$dir" '$0 == d || index($0, d "/") == 1' | sort -r
}
stop_chroot_processes() {  # processes this check started inside the chroot, if any outlived their command
  local p pids=()
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && pids+=("${p#/proc/}")
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  log "stopping processes left in the chroot: ${pids[*]}"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  sleep 2
  kill -KILL "${pids[@]}" 2>/dev/null || true
}
unmount_all() {  # returns non-zero if a mount is left
  local m left attempt
  for attempt in 1 2 3; do
    left="$(mounts_below)"
    [ -n "$left" ] || return 0
    [ "$attempt" -eq 1 ] || sleep 1
    while read -r m; do
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done <<<"$left"
  done
  left="$(mounts_below)"
  [ -z "$left" ] || { echo "fresh_machine_check: WARNING: still mounted: $left" >&2; return 1; }
}
remove_dir() {  # only when nothing is mounted below it; never crosses into another file system
  unmount_all || { echo "fresh_machine_check: WARNING: $dir left in place (mounts remain)" >&2; return 1; }
  rm -rf --one-file-system -- "$dir"
}
finish() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  if [ -n "$job" ] && kill -0 "$job" 2>/dev/null; then  # interrupted: stop the command, at worst after 20 s
    kill -TERM "$job" 2>/dev/null
    for _ in $(seq 20); do kill -0 "$job" 2>/dev/null || break; sleep 1; done
    kill -KILL "$job" 2>/dev/null
  fi
  if [ "$owned" = 1 ] && [ -d "$root" ]; then
    stop_chroot_processes
    unmount_all
  fi
  if [ "$rc" -eq 0 ]; then
    if [ "${SSDX_FRESH_KEEP:-0}" = 1 ]; then
      log "kept the chroot: $root"
    elif [ "$owned" = 1 ]; then
      remove_dir && log "removed $dir"
    fi
  else
    [ "$reported" = 1 ] || echo "fresh_machine_check: FAILED at step '$step' (exit status $rc)" >&2
    [ ${#summary[@]} -eq 0 ] || printf '%s\n' "${summary[@]}" >&2
  fi
  if [ "$rc" -ne 0 ] && [ "$owned" = 1 ] && [ -d "$root" ]; then
    echo "fresh_machine_check: the chroot is kept for inspection: $root (the next run empties it)" >&2
  fi
  exit "$rc"
}
summary=()
trap finish EXIT
trap 'die "interrupted"' INT
trap 'die "terminated"' TERM

# Long commands run in the background with wait, so that INT/TERM are handled at once (bash defers a trap until
# a foreground command ends); the cleanup stops the command and whatever it started inside the chroot.
run_bg() {
  "$@" </dev/null &
  job=$!
  local rc=0
  wait "$job" || rc=$?
  job=""
  return "$rc"
}

# ---- timing -------------------------------------------------------------------------------------------------
t_start=$(date +%s)
t_step=$t_start
fmt() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
done_step() {  # records the time since the previous step
  local now; now=$(date +%s)
  summary+=("$(printf '  %-30s %s' "$step" "$(fmt $((now - t_step)))")")
  log "step '$step' took $(fmt $((now - t_step)))"
  t_step=$now
}

# ---- the folder ---------------------------------------------------------------------------------------------
step="prepare folder"
# One check at a time per folder (a second one would empty the first's chroot): a lock file beside it.
mkdir -p -- "$(dirname "$dir")"
exec 8>>"$dir.lock"
flock -n 8 || die "another check is using $dir (lock $dir.lock)"
if [ -e "$dir" ] && [ -n "$(ls -A -- "$dir" 2>/dev/null)" ]; then
  [ -f "$dir/$MARKER" ] || die "$dir is not empty and was not made by this script: choose another folder"
  owned=1
  log "emptying $dir (a previous run's)"
  stop_chroot_processes
  remove_dir || die "cannot empty $dir: mounts remain below it"
fi
mkdir -p -- "$dir"
chmod 700 "$dir"
touch "$dir/$MARKER"
owned=1

# ---- the host's mirror ----------------------------------------------------------------------------------------
# Prints "URI SUITE SIGNED-BY" for each enabled deb source of the host (deb822 files, then one-line lists).
host_sources() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk 'BEGIN { RS = ""; FS = "\n" }
      { types = ""; uris = ""; suites = ""; signed = "-"; enabled = "yes"
        for (i = 1; i <= NF; i++) {
          line = $i; if (line ~ /^[ \t]*#/) continue
          k = tolower(line); sub(/:.*/, "", k); v = line; sub(/^[^:]*:[ \t]*/, "", v)
          if (k == "types") types = v; else if (k == "uris") uris = v; else if (k == "suites") suites = v
          else if (k == "signed-by") signed = v; else if (k == "enabled") enabled = tolower(v)
        }
        if (enabled == "no" || (" " types " ") !~ / deb /) next
        nu = split(uris, u, /[ \t]+/); ns = split(suites, s, /[ \t]+/)
        for (a = 1; a <= nu; a++) for (b = 1; b <= ns; b++) if (u[a] != "" && s[b] != "") print u[a], s[b], signed
      }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1 == "deb" { i = 2; signed = "-"
        if ($i ~ /^\[/) { while (i <= NF) { if ($i ~ /^signed-by=/) { signed = $i; sub(/^signed-by=/, "", signed); sub(/\]$/, "", signed) }
                                            if ($i ~ /\]$/) { i++; break } ; i++ } }
        if (i + 1 <= NF) print $i, $(i + 1), signed }' "$f"
  done
}
# The first source for SUITE (or, for MIRROR_FALLBACK, any Debian suite) signed by Debian's archive keyring
# (or with no Signed-By), else the first one at all.
pick_source() {  # $1: awk condition on the suite
  host_sources | awk -v want="$1" '
    function ok(s) { return want == "main" ? s == "'$SUITE'" : want == "security" ? s == "'$SUITE'-security" : s !~ /-(security|updates|backports)$/ }
    ok($2) && !first { first = $1 }
    ok($2) && ($3 == "-" || $3 ~ /debian-archive-keyring/) && !best { best = $1 }
    END { print best ? best : first }'
}
mirror="${SSDX_FRESH_MIRROR:-$(pick_source main)}"
[ -n "$mirror" ] || mirror="$(pick_source any)"
[ -n "$mirror" ] || die "no Debian mirror in the host's apt sources; set SSDX_FRESH_MIRROR"
security="$(pick_source security)"
mirror="${mirror%/}"
log "mirror: $mirror${security:+, security: $security}"

# ---- debootstrap --------------------------------------------------------------------------------------------
step="debootstrap"
if ! command -v debootstrap >/dev/null; then
  log "installing debootstrap"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap \
    >/dev/null || die "cannot install debootstrap"
fi
# debootstrap downloads with wget, which reads http_proxy/https_proxy but not apt's settings.
eval "$(apt-config shell apt_http_proxy Acquire::http::Proxy apt_https_proxy Acquire::https::Proxy)"
[ -n "${http_proxy:-}" ] || [ -z "${apt_http_proxy:-}" ] || export http_proxy="$apt_http_proxy"
[ -n "${https_proxy:-}" ] || [ -z "${apt_https_proxy:-}" ] || export https_proxy="$apt_https_proxy"
include=()
case "$mirror$security" in https:*) include=(--include=ca-certificates) ;; esac  # apt then needs CAs to verify
mkdir -p "$root"
run_bg debootstrap --variant=minbase "${include[@]}" "$SUITE" "$root" "$mirror" ||
  die "debootstrap $SUITE from $mirror failed"
done_step

# ---- copy the tree and the host's network configuration ----------------------------------------------------------
step="copy"
mkdir -p "$root/root/ssdx"
g archive --format=tar HEAD | tar -x -C "$root/root/ssdx" || die "git archive HEAD failed"
log "tree: $(g rev-parse --short HEAD) ($(g log -1 --format=%s | cut -c1-80))"
[ -z "$(g status --porcelain)" ] || log "note: $repo has uncommitted changes; they are not checked"
# Debian's sources as a fresh Debian 12 has them, on the host's mirror.
rm -f "$root/etc/apt/sources.list"
{
  printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\n' "$mirror" "$SUITE" "$SUITE"
  printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
  if [ -n "$security" ]; then
    printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\n' "$security" "$SUITE"
    printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
  fi
} >"$root/etc/apt/sources.list.d/debian.sources"
# apt settings that reach the archive (Acquire:: proxies, validity checks, ...), and apt's credentials.
for f in /etc/apt/apt.conf /etc/apt/apt.conf.d/*; do
  if [ -f "$f" ] && grep -qi 'acquire' "$f"; then cp -p "$f" "$root/etc/apt/apt.conf.d/$(basename "$f")"; fi
done
[ ! -f /etc/apt/auth.conf ] || cp -p /etc/apt/auth.conf "$root/etc/apt/auth.conf"
[ ! -d /etc/apt/auth.conf.d ] || cp -a /etc/apt/auth.conf.d/. "$root/etc/apt/auth.conf.d/"
# Local CA certificates (e.g. a proxy's): ca-certificates, once set-up installs it, adds them to the bundle.
if [ -d /usr/local/share/ca-certificates ]; then
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
fi
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
# npm's client configuration (registry, proxy, CA file) for onnxruntime-node, the tests' reference.
for f in /root/.npmrc /etc/npmrc /usr/etc/npmrc; do
  if [ -f "$f" ]; then mkdir -p "$root$(dirname "$f")" && cp -p "$f" "$root$f"; fi
done
# The environment inside: a root login's, plus the npm and proxy variables of this one.
chroot_env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root USER=root LOGNAME=root)
while IFS='=' read -r name _; do
  case "$name" in
    npm_config_* | NPM_CONFIG_* | http_proxy | https_proxy | no_proxy | all_proxy | HTTP_PROXY | HTTPS_PROXY | \
      NO_PROXY | ALL_PROXY)
      chroot_env+=("$name=${!name}")
      case "$name" in *userconfig | *USERCONFIG | *globalconfig | *GLOBALCONFIG)
        if [ -f "${!name}" ]; then mkdir -p "$root$(dirname "${!name}")" && cp -p "${!name}" "$root${!name}"; fi ;;
      esac ;;
  esac
done < <(env)
done_step

# ---- mounts -------------------------------------------------------------------------------------------------
step="mount"
mount -t proc proc "$root/proc"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
# A fresh /dev of its own (never a bind of the host's /dev, which a removal could reach into).
mount -t tmpfs -o mode=755,nosuid,size=64k dev "$root/dev"
for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
  IFS=: read -r name major minor <<<"$n"
  if ! mknod -m 666 "$root/dev/$name" c "$major" "$minor" 2>/dev/null; then
    touch "$root/dev/$name" && mount --bind "/dev/$name" "$root/dev/$name"  # a file bind: nothing to descend into
  fi
done
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"
mkdir -p "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm"

in_chroot() {  # runs bash -c "$1" in the chroot, clean environment, no stdin
  run_bg chroot "$root" /usr/bin/env -i "${chroot_env[@]}" /bin/bash -c "$1"
}
in_chroot 'apt-get --version >/dev/null' || die "cannot run apt-get in the chroot"
done_step

# ---- the README's commands ------------------------------------------------------------------------------------
step="main job (scripts/main.sh)"
log "running scripts/main.sh in the chroot"
in_chroot 'cd /root/ssdx && scripts/main.sh' || die "scripts/main.sh failed in the fresh chroot"
png="$root/root/ssdx/out/detections.png"
[ -s "$png" ] && [ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
  die "scripts/main.sh did not write out/detections.png (a PNG)"
log "out/detections.png: $(stat -c %s "$png") bytes"
done_step

step="tests (scripts/test.sh${SSDX_FRESH_TEST_ARGS:+ $SSDX_FRESH_TEST_ARGS})"
log "running SSDX_SKIP_SANITIZERS=1 SSDX_FUZZ_SECONDS=0 scripts/test.sh ${SSDX_FRESH_TEST_ARGS:-} in the chroot"
in_chroot "cd /root/ssdx && SSDX_SKIP_SANITIZERS=1 SSDX_FUZZ_SECONDS=0 scripts/test.sh ${SSDX_FRESH_TEST_ARGS:-}" ||
  die "scripts/test.sh failed in the fresh chroot"
done_step

step="unmount"
stop_chroot_processes
unmount_all || die "mounts remain below $root"
done_step

log "passed on a fresh Debian 12 ($SUITE, minbase):"
printf '%s\n' "${summary[@]}"
printf '  %-30s %s\n' "total" "$(fmt $(($(date +%s) - t_start)))"
