#!/usr/bin/env bash
# Real-database mode of the acceptance tests (make test-real-db).
#
# The acceptance tests can run against a real Autotask database
# (PETRA_ACC_REAL_AUTOTASK=1 with AUTOTASK_* credentials): they then create
# their data through the Autotask API and skip, saying so, the tests that need
# the sandbox's admin API. This script exercises that mode without a real
# database: it starts petra-sandbox as a separate process, on a free loopback
# port, and points the tests at it exactly as at a real database, through
# environment variables only. It runs twice: with zone discovery
# (AUTOTASK_ZONE_LOOKUP_URL) and with AUTOTASK_BASE_URL (no discovery).
# Any failing test fails the run; skipped tests are listed with their reason.
set -euo pipefail
cd "$(dirname "$0")/.."

GO="${GO:-go}"
SANDBOX_BIN="${SANDBOX_BIN:-$PWD/bin/petra-sandbox}"
PACKAGES="${PACKAGES:-./internal/provider/ ./internal/e2e/ ./internal/integration/}"

"$GO" build -o "$SANDBOX_BIN" ./internal/sandbox/cmd/petra-sandbox

work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$SANDBOX_BIN" -addr 127.0.0.1:0 >"$work/sandbox.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  grep -q '^sandbox ready' "$work/sandbox.log" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/sandbox.log" >&2; echo "ERROR: petra-sandbox exited" >&2; exit 1; }
  sleep 0.1
done
grep -q '^sandbox ready' "$work/sandbox.log" || { cat "$work/sandbox.log" >&2; echo "ERROR: petra-sandbox did not start in 30 s" >&2; exit 1; }

# The banner's "export" lines are the credentials and URLs a user would paste.
eval "$(sed -n 's/^  export /export /p' "$work/sandbox.log" | grep AUTOTASK_)"
# Petra stays on each test's in-process sandbox (its API is read-only, so its
# test data cannot be created remotely): no Petra settings from the banner.
unset PETRA_API_KEY PETRA_API_URL
zone_url="$(sed -n 's/^  Autotask zone URL: *//p' "$work/sandbox.log")"
echo "petra-sandbox (pid $pid) at ${AUTOTASK_ZONE_LOOKUP_URL%/atservicesrest/}, acting as a real Autotask database"

status=0
run_mode() {
  local mode="$1" out="$work/$1.log"
  echo "== real-database mode: $mode"
  if PETRA_ACC_REAL_AUTOTASK=1 TF_ACC=1 TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 \
      "$GO" test -count=1 -v -timeout 30m $PACKAGES >"$out" 2>&1; then :; else status=1; fi
  local passed failed skipped
  passed="$(grep -cE '^\s*--- PASS' "$out" || true)"
  failed="$(grep -cE '^\s*--- FAIL' "$out" || true)"
  skipped="$(grep -cE '^\s*--- SKIP' "$out" || true)"
  if [ "$failed" != 0 ] || [ "$status" != 0 ]; then
    grep -E '^\s*--- FAIL|^(FAIL|ok|panic)' "$out" >&2 || true
    echo "---- failing output ($mode) ----" >&2
    grep -B2 -A30 -E '^\s*--- FAIL' "$out" | head -400 >&2 || tail -100 "$out" >&2
    status=1
  fi
  if [ "$skipped" != 0 ]; then
    echo "skipped in $mode mode (each says why):"
    # go test -v prints a test's skip message on the line before "--- SKIP".
    grep -B1 -E '^\s*--- SKIP' "$out" | grep -vE '^\s*--- SKIP|^--$|^=== ' | sed -E 's/^ *[^ :]+:[0-9]+: /  /' | sort | uniq -c
  fi
  echo "$mode: $passed passed, $failed failed, $skipped skipped"
}

unset AUTOTASK_BASE_URL
run_mode discovery
export AUTOTASK_BASE_URL="$zone_url"
run_mode base-url

exit "$status"
