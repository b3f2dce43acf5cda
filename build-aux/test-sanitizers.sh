#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The whole suite (or the `meson test` arguments given) under
# AddressSanitizer with LeakSanitizer, and UndefinedBehaviorSanitizer, in
# a build directory of its own ($SWITCHYARD_BUILDDIR, default build-asan),
# headless as build-aux/test.sh runs it.
#
# Every finding fails the test whose process it happened in: ASan and LSan
# stop the process, and so does UBSan (compiled -fno-sanitize-recover and
# halt_on_error, so a report is never just a line in a log).
#
# Leak detection is on for everything but the GUI tests, which turn it off
# for themselves (tests/gui/sy-gui-test-util.c: fontconfig and Mesa keep
# allocations for the life of the process). ASAN_OPTIONS below must not
# name detect_leaks, or it would override that. Leaks in libraries that
# are not Switchyard's go to build-aux/lsan.supp with their reason; a leak
# in Switchyard is fixed, never suppressed.
set -euo pipefail
cd "$(dirname "$0")/.."

build-aux/install-deps.sh

builddir=${SWITCHYARD_BUILDDIR:-build-asan}
if [[ ! -f "$builddir/build.ninja" ]]; then
  meson setup "$builddir" \
    -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args=-fno-sanitize-recover=undefined
fi

export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_summary=1"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:print_summary=1:suppressions=$PWD/build-aux/ubsan.supp"
export LSAN_OPTIONS="suppressions=$PWD/build-aux/lsan.supp:print_suppressions=0"
# GLib 2.74 still hands out small blocks from its own slices, which the
# sanitizers cannot see into; plain malloc lets them check every block.
export G_SLICE=always-malloc

SWITCHYARD_BUILDDIR="$builddir" exec build-aux/test.sh "$@"
