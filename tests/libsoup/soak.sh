#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs one test path many times, several at once, in a private D-Bus
# session with a fresh gnome-keyring (as build-aux/test.sh does), and
# prints how many runs passed. The soak of the hostile-target test with
# kept-alive connections (docs/architecture.md §4) is:
#
#   tests/libsoup/soak.sh build 30 2
#
# Arguments: BUILDDIR [RUNS] [AT_ONCE] [TEST] [PATH]. The logs of each run
# stay in the directory printed at the end.
set -euo pipefail

builddir=$(realpath "${1:?usage: $0 BUILDDIR [RUNS] [AT_ONCE] [TEST] [PATH]}")
runs=${2:-30}
at_once=${3:-2}
test_name=${4:-test-sync-reliability}
test_path=${5:-/sync-reliability/hostile-target}
srcdir=$(realpath "$(dirname "$0")/../..")

if [ -z "${SWITCHYARD_SOAK_SESSION:-}" ]; then
  scratch=$(mktemp -d -t switchyard-soak-XXXXXX)
  export HOME="$scratch/home" XDG_CACHE_HOME="$scratch/home/.cache"
  export XDG_CONFIG_HOME="$scratch/home/.config" XDG_DATA_HOME="$scratch/home/.local/share"
  export XDG_STATE_HOME="$scratch/home/.local/state" XDG_RUNTIME_DIR="$scratch/run"
  mkdir -p "$HOME" && mkdir -p -m 700 "$XDG_RUNTIME_DIR"
  unset DBUS_SESSION_BUS_ADDRESS
  export SWITCHYARD_SOAK_SESSION=1
  status=0
  dbus-run-session -- "$0" "$builddir" "$runs" "$at_once" "$test_name" "$test_path" </dev/null || status=$?
  rm -rf "$scratch"
  exit "$status"
fi

printf '%s' "switchyard-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
timeout 10 gdbus wait --session org.freedesktop.secrets

# What tests/meson.build gives every test.
export G_DEBUG=gc-friendly,fatal-warnings GSETTINGS_BACKEND=memory GIO_USE_VFS=local MALLOC_CHECK_=2
export GSETTINGS_SCHEMA_DIR="$builddir/data" G_TEST_SRCDIR="$srcdir/tests" G_TEST_BUILDDIR="$builddir/tests"
export SWITCHYARD_SANDBOX="$builddir/src/sandbox/switchyard-sandbox" SWITCHYARD_CLI="$builddir/src/cli/switchyard-cli"
export SWITCHYARD_LOCALEDIR="$builddir/po"

logs=$(mktemp -d -t switchyard-soak-logs-XXXXXX)
started=$(date +%s)
seq "$runs" | xargs -P "$at_once" -I{} sh -c \
  'if "$0" -p "$1" >"$2/run-{}.log" 2>&1; then echo "run {}: passed"; else echo "run {}: FAILED (exit $?)"; fi' \
  "$builddir/tests/$test_name" "$test_path" "$logs" | tee "$logs/summary"
passed=$(grep -c ': passed' "$logs/summary" || true)
echo "$passed of $runs runs of $test_path passed, $at_once at once, in $(( $(date +%s) - started )) s; logs in $logs"
[ "$passed" -eq "$runs" ]
