#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Builds flatpak/io.github.switchyard.Switchyard.json against a local runtime
# made from Debian 12 packages (Flathub is out of reach in CI; Debian's archive
# is not), installs it, and smoke-tests it inside the real Flatpak sandbox:
# the CLI's --help, switchyard-sandbox -> switchyard-cli over loopback with the
# tokens in the keyring, a demo sync (`sync run` with the installed demo
# mapping) from the sandbox's warehouse to its ERP, and the GUI under Xvfb
# with a screenshot.
# See FLATPAK.md in the project's shared notes for how the recipe was measured.
#
# Usage (as root, from a clone):  build-aux/flatpak-ci.sh [SCREENSHOT_DIR]
#   SCREENSHOT_DIR                 default: _build-flatpak/screenshots
#   SWITCHYARD_FLATPAK_CACHE=DIR   keep the exported Debian runtime in DIR and
#                                  reuse it on the next run (saves ~70 s)
#   SWITCHYARD_FLATPAK_APP_ID=ID   build flatpak/ID.json instead, e.g.
#                                  io.github.switchyard.Switchyard.Devel
set -euo pipefail

srcdir=$(cd "$(dirname "$0")/.." && pwd)
app_id=${SWITCHYARD_FLATPAK_APP_ID:-io.github.switchyard.Switchyard}
manifest=flatpak/$app_id.json
runtime_name=io.github.switchyard.CI.DebianBookworm
runtime_branch=bookworm
shotdir=${1:-$srcdir/_build-flatpak/screenshots}
mkdir -p "$shotdir"
shotdir=$(cd "$shotdir" && pwd)

# The Debian packages of the runtime: TESTING.md's build set plus what an
# application needs at run time (TLS for libsoup, fonts, icons, pixbuf loaders).
runtime_packages="build-essential meson ninja-build pkg-config \
  libgtk-4-dev libadwaita-1-dev libsoup-3.0-dev libjson-glib-dev libsecret-1-dev \
  libgnutls28-dev libsqlite3-dev gettext desktop-file-utils appstream xvfb xauth dbus \
  gnome-keyring libsecret-tools libglib2.0-bin at-spi2-core imagemagick openssl \
  glib-networking ca-certificates fonts-cantarell fonts-dejavu-core \
  adwaita-icon-theme hicolor-icon-theme shared-mime-info libgtk-4-bin librsvg2-common \
  gsettings-desktop-schemas appstream-util"
host_packages="flatpak flatpak-builder debootstrap ostree bubblewrap xdg-dbus-proxy \
  xvfb xauth dbus gnome-keyring libglib2.0-bin imagemagick python3 git"

start_time=$SECONDS
step_time=$SECONDS
step () {
  local now=$SECONDS
  echo "flatpak-ci: [$((now - step_time)) s] done; $* (at $((now - start_time)) s)" >&2
  step_time=$now
}

if [ "$(id -u)" -ne 0 ]; then
  echo "flatpak-ci: debootstrap and chroot need root; run this as root" >&2
  exit 2
fi

missing=""
for pkg in $host_packages; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  echo "flatpak-ci: installing$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $missing
fi
step "host packages"

work=$(mktemp -d /var/tmp/switchyard-flatpak-ci.XXXXXX)
chroot_root=$work/root
pids=()
cleanup () {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  if mountpoint -q "$chroot_root/proc" 2>/dev/null; then
    umount -l "$chroot_root/proc" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# A self-contained Flatpak installation and session: nothing of the
# machine's own Flatpak setup or home directory is used or changed.
export HOME=$work/home
export XDG_RUNTIME_DIR=$work/run
export XDG_CACHE_HOME=$HOME/.cache XDG_CONFIG_HOME=$HOME/.config XDG_DATA_HOME=$HOME/.local/share
export FLATPAK_USER_DIR=$work/flatpak-user
mkdir -p "$HOME" "$FLATPAK_USER_DIR"
mkdir -m 700 "$XDG_RUNTIME_DIR"
unset DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY

debian_mirror () {
  local uri
  uri=$(grep -h -E '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | awk '{ print $2 }' | grep -v -- '-security' | head -n1 || true)
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" && $2 !~ /^\[/ && $2 !~ /-security/ { print $2; exit }
               $1 == "deb" && $2 ~ /^\[/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
          /etc/apt/sources.list || true)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

build_runtime () {
  local repo=$1 mirror
  mirror=$(debian_mirror)
  echo "flatpak-ci: making the Debian runtime from $mirror" >&2
  debootstrap --variant=minbase "$runtime_branch" "$chroot_root" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap.log" >&2; return 1; }
  step "debootstrap"

  cp /etc/resolv.conf "$chroot_root/etc/resolv.conf"
  printf '#!/bin/sh\nexit 101\n' >"$chroot_root/usr/sbin/policy-rc.d"
  chmod +x "$chroot_root/usr/sbin/policy-rc.d"
  mount -t proc proc "$chroot_root/proc"
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive chroot "$chroot_root" sh -c \
    "apt-get update -q && apt-get install -y -q --no-install-recommends $runtime_packages && apt-get clean" \
    >"$work/chroot-apt.log" 2>&1 \
    || { tail -n 30 "$work/chroot-apt.log" >&2; umount "$chroot_root/proc"; return 1; }
  umount "$chroot_root/proc"
  rm -f "$chroot_root/usr/sbin/policy-rc.d"
  step "runtime packages"

  # Flatpak mounts the runtime's /usr and takes /etc from usr/etc.
  cp -a "$chroot_root/etc" "$chroot_root/usr/etc"
  rm -f "$chroot_root/usr/etc/resolv.conf" "$chroot_root/usr/etc/hostname" \
        "$chroot_root/usr/etc/machine-id" "$chroot_root/usr/etc/hosts"
  local arch
  arch=$(flatpak --default-arch)
  cat >"$chroot_root/metadata" <<EOF
[Runtime]
name=$runtime_name
runtime=$runtime_name/$arch/$runtime_branch
sdk=$runtime_name/$arch/$runtime_branch
EOF
  rm -rf "$repo"
  mkdir -p "$repo"
  ostree init --repo="$repo" --mode=bare-user-only
  flatpak build-export --runtime --files=usr "$repo" "$chroot_root" "$runtime_branch" >"$work/export.log" 2>&1 \
    || { tail -n 30 "$work/export.log" >&2; return 1; }
  rm -rf "$chroot_root"
  step "runtime exported"
}

runtime_stamp=$(echo "$runtime_branch $runtime_name $runtime_packages" | sha256sum | cut -d' ' -f1)
if [ -n "${SWITCHYARD_FLATPAK_CACHE:-}" ]; then
  mkdir -p "$SWITCHYARD_FLATPAK_CACHE"
  repo=$(cd "$SWITCHYARD_FLATPAK_CACHE" && pwd)/debian-runtime-repo
  if [ "$(cat "$repo.stamp" 2>/dev/null)" = "$runtime_stamp" ] && [ -d "$repo/objects" ]; then
    echo "flatpak-ci: reusing the runtime cached in $repo" >&2
  else
    rm -f "$repo.stamp"
    build_runtime "$repo"
    echo "$runtime_stamp" >"$repo.stamp"
  fi
else
  repo=$work/repo
  build_runtime "$repo"
fi

flatpak remote-add --user --no-gpg-verify --if-not-exists switchyard-ci "file://$repo"
flatpak install --user -y --noninteractive switchyard-ci "$runtime_name//$runtime_branch" >"$work/install.log" 2>&1 \
  || { cat "$work/install.log" >&2; exit 1; }
step "runtime installed"

# Build from a copy of the tracked and new files, so that build directories
# of a work tree are not copied into the sandbox by the "dir" source.
src_copy=$work/src
mkdir -p "$src_copy"
if git -C "$srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git -C "$srcdir" ls-files -z --cached --others --exclude-standard \
    | tar -C "$srcdir" --null --ignore-failed-read -T - -cf - 2>/dev/null \
    | tar -C "$src_copy" -xf -
else
  tar -C "$srcdir" --exclude='./build*' --exclude='./_build*' --exclude=./.flatpak-builder \
    --exclude=./.git -cf - . | tar -C "$src_copy" -xf -
fi

# The CI variant of the manifest changes nothing but the runtime it builds on.
ci_manifest=$src_copy/flatpak/$app_id.ci.json
python3 - "$src_copy/$manifest" "$ci_manifest" "$runtime_name" "$runtime_branch" <<'EOF'
import json, sys
src, dst, name, branch = sys.argv[1:]
with open(src) as f:
    m = json.load(f)
m["runtime"] = name
m["sdk"] = name
m["runtime-version"] = branch
m.setdefault("build-options", {})["no-debuginfo"] = True
with open(dst, "w") as f:
    json.dump(m, f, indent=2)
EOF

flatpak-builder --user --install --force-clean --disable-rofiles-fuse \
  --state-dir="$work/flatpak-builder-state" "$work/build-dir" "$ci_manifest" \
  >"$work/flatpak-builder.log" 2>&1 \
  || { tail -n 60 "$work/flatpak-builder.log" >&2; exit 1; }
flatpak info --user "$app_id" >&2
# Flatpak exports only files named after the app id: a desktop file or icon
# under another name would silently be missing from the user's desktop.
exports=$FLATPAK_USER_DIR/app/$app_id/current/active/export/share
# flatpak-builder exports the metainfo as <app-id>.appdata.xml.
for exported in "applications/$app_id.desktop" "metainfo/$app_id.*.xml" \
                "dbus-1/services/$app_id.service" \
                "icons/hicolor/scalable/apps/$app_id.svg" \
                "icons/hicolor/symbolic/apps/$app_id-symbolic.svg"; do
  # shellcheck disable=SC2086
  if ! ls $exports/$exported >/dev/null 2>&1; then
    echo "flatpak-ci: FAIL: $exported is not exported; exported are:" >&2
    (cd "$exports" && find . -type f) >&2
    exit 1
  fi
done
step "app built and installed"

# The smoke test runs in one private session bus with an unlocked keyring,
# as the test suite does; the sandbox is granted the secrets service on the
# command line only here (users go through the Secret portal).
cat >"$work/smoke.sh" <<'EOF'
set -euo pipefail
app_id=$1 work=$2 shotdir=$3
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; flatpak kill "$app_id" 2>/dev/null || true' EXIT
echo -n flatpak-ci | gnome-keyring-daemon --unlock --components=secrets >/dev/null
timeout 10 gdbus wait --session org.freedesktop.secrets

run_cli () {
  flatpak run --user --talk-name=org.freedesktop.secrets --command=switchyard-cli "$app_id" "$@"
}

flatpak run --user --command=switchyard-cli "$app_id" --help >"$work/cli-help.txt"
head -n 3 "$work/cli-help.txt"
echo "smoke: switchyard-cli --help exited 0"

flatpak run --user --command=switchyard-sandbox "$app_id" --records 50 >"$work/sandbox.out" 2>"$work/sandbox.err" &
pids+=($!)
for _ in $(seq 100); do
  [ -s "$work/sandbox.out" ] && break
  sleep 0.2
done
first_line=$(head -n1 "$work/sandbox.out")
url=$(printf '%s' "$first_line" | python3 -c 'import json, sys; print(json.load(sys.stdin)["url"])')
echo "smoke: switchyard-sandbox inside the sandbox listens on $url"
printf '%s' "$first_line" | python3 -c 'import json, sys; sys.stdout.write(json.load(sys.stdin)["tokens"]["wms"])' \
  | run_cli connection add mintsoft --url "$url" --token-stdin
run_cli connection list
run_cli --json records list mintsoft wms/sales-orders --limit 5 >"$work/records.json"
lines=$(wc -l <"$work/records.json")
head -c 300 "$work/records.json"; echo
if [ "$lines" -ne 5 ]; then
  echo "smoke: FAIL: records list printed $lines lines, expected 5" >&2
  exit 1
fi
python3 -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1])]' "$work/records.json"
echo "smoke: sandbox -> CLI: 5 records read through the keyring"

# A demo sync from switchyard-sandbox to itself: its two seeded systems as
# the demo's two connections, the demo mapping the app installs (copied, as
# a user would, into the app's own configuration folder), and `sync run`.
for system in wms erp; do
  name="Mintsoft (demo)"
  [ "$system" = erp ] && name="NetSuite (demo)"
  printf '%s' "$first_line" | python3 -c 'import json, sys; sys.stdout.write(json.load(sys.stdin)["tokens"][sys.argv[1]])' "$system" \
    | run_cli connection add "$name" --url "$url" --token-stdin
done
flatpak run --user --command=sh "$app_id" -c \
  'mkdir -p "$XDG_CONFIG_HOME/switchyard/mappings" &&
   cp /app/share/switchyard/demo/mintsoft-to-netsuite.json "$XDG_CONFIG_HOME/switchyard/mappings/"'
mapping=$HOME/.var/app/$app_id/config/switchyard/mappings/mintsoft-to-netsuite.json
sync_status=0
run_cli --json sync run "$mapping" >"$work/sync.json" 2>"$work/sync.err" || sync_status=$?
cat "$work/sync.err" >&2
tail -n 1 "$work/sync.json"
written=$(tail -n 1 "$work/sync.json" | python3 -c 'import json, sys; print(json.load(sys.stdin)["written"])' 2>/dev/null || echo 0)
# 1 means the run finished with some records failed: still a sync.
if [ "$sync_status" -gt 1 ] || [ "$written" -le 0 ]; then
  echo "smoke: FAIL: sync run exited $sync_status and wrote $written records" >&2
  exit 1
fi
echo "smoke: demo sync inside the sandbox wrote $written records (exit $sync_status)"

flatpak run --user --talk-name=org.freedesktop.secrets --env=GSK_RENDERER=cairo "$app_id" \
  >"$work/gui.log" 2>&1 &
gui_pid=$!
pids+=($gui_pid)
shot=$shotdir/flatpak-main-window.png
colours=1
for _ in $(seq 60); do
  sleep 1
  kill -0 "$gui_pid" 2>/dev/null || { cat "$work/gui.log" >&2; echo "smoke: FAIL: the GUI exited" >&2; exit 1; }
  import -window root "$shot" 2>/dev/null || continue
  colours=$(convert "$shot" -format %k info:)
  [ "$colours" -gt 1 ] && break
done
# Let the first frames settle, then keep the final picture.
sleep 3
import -window root "$shot"
colours=$(convert "$shot" -format %k info:)
if [ "$colours" -le 1 ]; then
  cat "$work/gui.log" >&2
  echo "smoke: FAIL: the screenshot has one colour" >&2
  exit 1
fi
echo "smoke: GUI screenshot $shot has $colours colours"
EOF

xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
  dbus-run-session -- bash "$work/smoke.sh" "$app_id" "$work" "$shotdir" </dev/null
step "smoke test inside the sandbox"
echo "flatpak-ci: PASS in $((SECONDS - start_time)) s" >&2
