#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Configures (once) and builds into ./build. Extra arguments go to meson setup.
set -euo pipefail
cd "$(dirname "$0")/.."

builddir=${SWITCHYARD_BUILDDIR:-build}
if [[ ! -f "$builddir/build.ninja" ]]; then
  meson setup "$builddir" "$@"
fi
meson compile -C "$builddir"
