#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the Debian/Ubuntu packages Switchyard builds and tests with,
# only those that are missing. Installing needs root: run as root, or have sudo.
set -euo pipefail

packages=(
  build-essential meson ninja-build pkg-config
  libgtk-4-dev libadwaita-1-dev libsoup-3.0-dev libjson-glib-dev libsecret-1-dev
  libgnutls28-dev libsqlite3-dev gettext desktop-file-utils appstream
  xvfb xauth dbus gnome-keyring libsecret-tools libglib2.0-bin at-spi2-core
  imagemagick openssl glib-networking ca-certificates
  # tests/fuzz/run: libFuzzer and the sanitizer runtimes come with clang;
  # llvm-14 has the symbolizer that turns their reports into file:line.
  clang-14 libclang-rt-14-dev llvm-14
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "Installing missing packages (needs root): ${missing[*]}" >&2
as_root=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then
    as_root=(sudo)
  else
    echo "error: these packages are missing and this is not root (and there is no sudo): ${missing[*]}" >&2
    exit 2
  fi
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
# dbus-x11 is deliberately absent: with it, a stray session bus starts a
# keyring without a login collection and tests hang.
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
