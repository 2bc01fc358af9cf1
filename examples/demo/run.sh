#!/usr/bin/env bash
# `make demo`: the main job against the sandbox, offline, on a fresh machine.
#   1. start the sandbox with the demo fixture;
#   2. point Terraform at the freshly built provider (dev_overrides);
#   3. apply examples/demo: connection, tenant mappings, ticket defaults and
#      billing mappings whose units come from petra_usage;
#   4. read back the unit counts now in Autotask (the sandbox), and plan
#      again: -detailed-exitcode exits 0, nothing changed;
#   5. show the plan-time errors for a future-dated contract, an expired
#      contract and a duplicated service;
#   6. a nightly run in warn mode with one more tenant, whose contract has
#      ended: the run completes, the broken tenant is recorded as failed, and
#      the plan after it exits 0 (the tenant still fails for the same reason);
#   7. print the results of that run: the billing_report output,
#      provider::petra::billing_report of the billing_results output;
#   8. stop the sandbox.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
: "${TERRAFORM:=terraform}"
: "${PROVIDER_BIN:?set PROVIDER_BIN to the built provider (make demo does)}"
: "${SANDBOX_BIN:?set SANDBOX_BIN to the built sandbox (make demo does)}"

work="$here/.work"
rm -rf "$work"
mkdir -p "$work"

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# Port 0 unless SANDBOX_ADDR is set: the kernel picks a free port (no race
# with another run picking the same one), and the banner prints the URLs.
SANDBOX_ADDR="${SANDBOX_ADDR:-127.0.0.1:0}"

bold "Starting the sandbox on $SANDBOX_ADDR"
SANDBOX_ADDR="$SANDBOX_ADDR" SANDBOX_FIXTURE="" "$SANDBOX_BIN" >"$work/sandbox.log" 2>&1 &
sandbox_pid=$!
trap 'kill "$sandbox_pid" 2>/dev/null || true; wait "$sandbox_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 1200); do # up to 2 minutes on a busy machine
  grep -q "sandbox ready" "$work/sandbox.log" 2>/dev/null && break
  kill -0 "$sandbox_pid" 2>/dev/null || { cat "$work/sandbox.log"; echo "the sandbox did not start" >&2; exit 1; }
  sleep 0.1
done
grep -q "sandbox ready" "$work/sandbox.log" || { cat "$work/sandbox.log"; echo "the sandbox did not become ready" >&2; exit 1; }
sed -n '1,/sandbox ready/p' "$work/sandbox.log" | grep -v -i 'secret\|api_key\|integration_code' || true
# The banner's export lines carry the demo credentials.
eval "$(grep -E '^[[:space:]]*export (AUTOTASK|PETRA)_' "$work/sandbox.log")"

cat >"$work/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "registry.terraform.io/petrasecurity/petra" = "$(dirname "$PROVIDER_BIN")"
    "registry.opentofu.org/petrasecurity/petra" = "$(dirname "$PROVIDER_BIN")"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1

bold "terraform apply examples/demo"
mkdir -p "$work/main" && cp "$here"/main.tf "$work/main/"
(cd "$work/main" && "$TERRAFORM" apply -auto-approve -input=false -no-color -compact-warnings)

bold "Results of the first run (terraform output -raw billing_report)"
(cd "$work/main" && "$TERRAFORM" output -raw billing_report)

bold "Unit counts now in Autotask (read back through the Autotask API)"
mkdir -p "$work/inspect" && cp "$here"/inspect/main.tf "$work/inspect/"
(cd "$work/inspect" && "$TERRAFORM" apply -auto-approve -input=false -no-color >/dev/null 2>&1 && "$TERRAFORM" output -no-color units_in_autotask)

# plan_unchanged runs `terraform plan -detailed-exitcode` in $1 and fails
# the demo unless it exits 0: the results come from state, so a plan right
# after a run changes nothing when neither Autotask nor Petra changed.
plan_unchanged() {
  local code=0
  (cd "$1" && "$TERRAFORM" plan -detailed-exitcode -input=false -no-color) >"$work/plan.out" 2>&1 || code=$?
  if [ "$code" -ne 0 ]; then
    cat "$work/plan.out" >&2
    echo "unexpected: terraform plan -detailed-exitcode exited $code, want 0 (no changes)" >&2
    exit 1
  fi
  echo "terraform plan -detailed-exitcode exited 0: no changes."
}

bold "A second plan changes nothing: nothing to push until Petra's counts change"
plan_unchanged "$work/main"

bold "Plan-time checks: a future-dated contract, an expired contract, a duplicated service"
mkdir -p "$work/checks" && cp "$here"/checks/main.tf "$work/checks/"
set +e
(cd "$work/checks" && "$TERRAFORM" plan -input=false -no-color) >"$work/checks.out" 2>&1
code=$?
set -e
awk '/^Error:/{p=1} p' "$work/checks.out"
if [ "$code" -eq 0 ]; then
  echo "unexpected: the plan with broken contracts succeeded" >&2
  exit 1
fi
for want in "which is in the future" "Billing cannot be synced to an expired contract" "Duplicate service found"; do
  tr -s ' \n' '  ' <"$work/checks.out" | grep -q "$want" || { echo "missing expected plan error: $want" >&2; cat "$work/checks.out" >&2; exit 1; }
done
echo
echo "The plan failed as it should: nothing was pushed for those tenants."

bold "Nightly run in warn mode: Oakline Manufacturing (Tx9Hc3) billed on its ended contract"
# billing_check_failure = "warn" (PETRA_BILLING_CHECK_FAILURE): the broken
# tenant fails alone, is recorded with sync_status = "failed", and the run
# goes on for every other tenant.
sed -i 's|^\(    Kp4Wn8 = { contract_id = 2004, service_id = 3001 }\)$|\1\n    Tx9Hc3 = { contract_id = 2006, service_id = 3002 }|' "$work/main/main.tf"
grep -q 'Tx9Hc3 = { contract_id = 2006' "$work/main/main.tf" || { echo "could not add the broken tenant to the demo configuration" >&2; exit 1; }
(cd "$work/main" && PETRA_BILLING_CHECK_FAILURE=warn "$TERRAFORM" apply -auto-approve -input=false -no-color -compact-warnings) >"$work/nightly.out" 2>&1 || {
  cat "$work/nightly.out" >&2; echo "unexpected: the warn-mode run failed" >&2; exit 1; }
grep -E '^(Apply complete|- Billing for|Warning: Billing for)' "$work/nightly.out" || true

bold "The plan after the nightly run changes nothing (Oakline still fails for the same reason)"
PETRA_BILLING_CHECK_FAILURE=warn plan_unchanged "$work/main"

bold "Results of the nightly run (terraform output -raw billing_report)"
# Totals first, then the failed tenants, then the rest: before and after are
# the units around each mapping's last push (a failed tenant's are "-":
# nothing was pushed). provider::petra::billing_report(local.billing_results,
# "csv") or "markdown" writes the same table for the audit trail.
(cd "$work/main" && "$TERRAFORM" output -raw billing_report)
