#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs inside test.sh's private session bus: unlocks a fresh gnome-keyring
# (a non-empty password creates the default "login" collection), runs the
# suite, and closes with a one-line summary. A skipped test fails the run:
# everything the suite needs is provided here, so a skip is a defect.
set -uo pipefail

builddir=${SWITCHYARD_BUILDDIR:-build}

# The password only guards a throw-away keyring in a scratch HOME.
printf '%s' "switchyard-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
if ! timeout 10 gdbus wait --session org.freedesktop.secrets; then
  echo "error: gnome-keyring did not come up on the private session bus" >&2
  exit 1
fi

meson test -C "$builddir" --print-errorlogs "$@"
status=$?

python3 - "$builddir/meson-logs/testlog.json" "$status" <<'PY'
import json, sys
counts = {}
try:
    with open(sys.argv[1]) as log:
        for line in log:
            result = json.loads(line).get("result", "ERROR")
            counts[result] = counts.get(result, 0) + 1
except OSError:
    pass
passed = counts.get("OK", 0) + counts.get("EXPECTEDFAIL", 0)
skipped = counts.get("SKIP", 0)
failed = sum(counts.values()) - passed - skipped
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(int(sys.argv[2]) or (1 if failed or skipped else 0))
PY
