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
# Leaks: GLib, libsoup and libsecret are built without frame pointers, so
# ASan's fast unwinder stops at g_malloc() and a leak report could name
# neither its cause nor be told apart from a library's own. Leak checking
# therefore runs with the full unwinder (fast_unwind_on_malloc=0), slower
# but exact, and build-aux/lsan.supp lists the libraries' leaks, each with
# its reason; a leak in Switchyard is fixed, never listed. The GUI tests
# turn leak checking off for themselves (tests/gui/sy-gui-test-util.c:
# fontconfig and Mesa keep allocations for the life of the process); they
# run in a second pass with the fast unwinder. ASAN_OPTIONS here never
# names detect_leaks, which would override their choice.
set -euo pipefail
cd "$(dirname "$0")/.."

build-aux/install-deps.sh

builddir=${SWITCHYARD_BUILDDIR:-build-asan}
if [[ ! -f "$builddir/build.ninja" ]]; then
  meson setup "$builddir" \
    -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args=-fno-sanitize-recover=undefined
fi

# Options already set come last, so they win.
asan_options="halt_on_error=1:abort_on_error=1:print_summary=1"
user_asan_options=${ASAN_OPTIONS:-}
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:print_summary=1:suppressions=$PWD/build-aux/ubsan.supp"
export LSAN_OPTIONS="suppressions=$PWD/build-aux/lsan.supp:print_suppressions=0"
# GLib 2.74 still hands out small blocks from its own slices, which the
# sanitizers cannot see into; plain malloc lets them check every block.
export G_SLICE=always-malloc
export SWITCHYARD_BUILDDIR="$builddir"

# Sanitized code runs several times slower (the full unwinder most of
# all): each test gets four times its usual time.
run() {
  local unwind=$1
  shift
  ASAN_OPTIONS="$asan_options:fast_unwind_on_malloc=$unwind${user_asan_options:+:$user_asan_options}" \
    build-aux/test.sh --timeout-multiplier 4 "$@"
}

# Bash locals are seen by the functions called: run() picks this one up.
run_without_leak_checks() {
  local user_asan_options="detect_leaks=0${user_asan_options:+:$user_asan_options}"
  run "$@"
}

if [[ $# -gt 0 ]]; then
  run 0 "$@"
else
  status=0
  run 0 --no-suite gui --no-suite chaos || status=$?
  # The chaos test drives 20,000 records through a dozen processes: with
  # the full unwinder it alone would take most of CI's time. It runs with
  # the fast one and without leak checking (whose library suppressions need
  # full stacks); the code it drives is leak-checked by test-cli-sync and
  # test-sync-reliability above.
  run_without_leak_checks 1 --suite chaos || status=$?
  run 1 --suite gui || status=$?
  exit "$status"
fi
