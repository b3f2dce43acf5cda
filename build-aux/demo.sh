#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The README's first command: install what is missing, build, and start
# Switchyard on its embedded demo (a local sandbox with sample data).
set -euo pipefail
cd "$(dirname "$0")/.."

build-aux/install-deps.sh
build-aux/build.sh

builddir=${SWITCHYARD_BUILDDIR:-build}
export GSETTINGS_SCHEMA_DIR="$PWD/$builddir/data"
exec "$builddir/src/gui/switchyard" --demo "$@"
