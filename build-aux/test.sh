#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The README's second command: install what is missing, build, and run the
# whole test suite headless — under Xvfb, in a private D-Bus session with
# an unlocked gnome-keyring, so that the tests use the real keyring.
# Extra arguments go to `meson test` (e.g. a test name, or --suite gui).
set -euo pipefail
cd "$(dirname "$0")/.."

build-aux/install-deps.sh
build-aux/build.sh

builddir=${SWITCHYARD_BUILDDIR:-build}

# A fresh HOME, so the keyring's login collection is created anew and
# nothing of the user's own configuration or keyring is touched.
scratch=$(mktemp -d -t switchyard-test-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
export HOME="$scratch/home" XDG_CACHE_HOME="$scratch/home/.cache"
export XDG_CONFIG_HOME="$scratch/home/.config" XDG_DATA_HOME="$scratch/home/.local/share"
export XDG_STATE_HOME="$scratch/home/.local/state" XDG_RUNTIME_DIR="$scratch/run"
mkdir -p "$HOME" && mkdir -p -m 700 "$XDG_RUNTIME_DIR"
unset DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY

export SWITCHYARD_BUILDDIR="$builddir"
exec xvfb-run -a -s "-screen 0 1280x1024x24 -nolisten tcp" \
  dbus-run-session -- build-aux/test-session.sh "$@" </dev/null
