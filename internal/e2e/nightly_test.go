package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/petrasim"
)

// nightlyTF is the scheduled billing run of the billing-sync guide: tenant
// and billing mappings for every tenant, counts from the usage lookup, and
// a check block that turns the run's failed tenants into one warning.
const nightlyTF = `terraform {
  required_providers {
    petra = { source = "petrasecurity/petra" }
  }
}

provider "petra" {
  billing_check_failure = %q
}

locals {
  billing = {
%s  }
}

resource "petra_autotask_connection" "this" {}

resource "petra_autotask_tenant_mapping" "tenant" {
  for_each      = local.billing
  connection_id = petra_autotask_connection.this.id
  tenant_id     = each.key
  company_id    = each.value.company_id
}

data "petra_usage" "this" {
  tenant_ids = keys(local.billing)
}

resource "petra_autotask_billing_mapping" "tenant" {
  for_each      = local.billing
  connection_id = petra_autotask_connection.this.id
  tenant_id     = petra_autotask_tenant_mapping.tenant[each.key].tenant_id
  company_id    = petra_autotask_tenant_mapping.tenant[each.key].company_id
  contract_id   = each.value.contract_id
  service_id    = each.value.service_id
  units         = data.petra_usage.this.lookup[each.key].billable_users_this_month
}

locals {
  sync_failures = distinct(concat(
    [for m in petra_autotask_tenant_mapping.tenant : m.sync_error if m.sync_status == "failed"],
    [for m in petra_autotask_billing_mapping.tenant : m.sync_error if m.sync_status == "failed"],
  ))
}

check "billing_sync" {
  assert {
    condition     = length(local.sync_failures) == 0
    error_message = "Tenants not synced in this run:\n${join("\n", local.sync_failures)}"
  }
}

output "sync_failures" {
  value = local.sync_failures
}
`

// fixtureTenant returns a Petra tenant of the base fixture.
func fixtureTenant(t *testing.T, id string) petrasim.Tenant {
	t.Helper()
	for _, x := range sandbox.BaseFixture().Petra.Tenants {
		if x.PetraTenantID == id {
			return x
		}
	}
	t.Fatalf("the base fixture has no Petra tenant %q", id)
	return petrasim.Tenant{}
}

func upsertPetraTenant(t *testing.T, env *acctest.Env, x petrasim.Tenant) {
	t.Helper()
	if err := env.Sandbox.Admin.UpsertPetraTenants(context.Background(), []petrasim.Tenant{x}); err != nil {
		t.Fatalf("changing Petra tenant %s: %v", x.PetraTenantID, err)
	}
}

// TestNightlyWarnModeRunSurvivesBrokenTenants is the scheduled apply of an
// MSP in warn mode after three tenants broke in different ways since the
// last run: a company made inactive in Autotask, a tenant removed in Petra,
// a contract whose start moved into the future. The run exits 0, pushes
// every healthy tenant's new count, records the broken ones in state with
// sync_status = "failed" (nothing pushed for them), and prints one summary
// warning (the configuration's check block) naming all three by name and
// id; no warning is folded away. The same run in error mode exits 1 and
// pushes nothing; a later `plan -detailed-exitcode` in warn mode exits 0:
// nothing changed, and the failed tenants fail again for the reasons
// recorded.
func TestNightlyWarnModeRunSurvivesBrokenTenants(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	ctx := context.Background()
	if err := env.Sandbox.Admin.SetPetraRateLimit(ctx, 1000); err != nil {
		t.Fatal(err)
	}
	const (
		healthyA, healthyB = "ZZk90t", "Y3mPqr"
		inactiveCo         = "Bq7Lx2" // Cedar Ridge Accounting
		removed            = "Kp4Wn8" // Bluebird Veterinary Clinic
		future             = "Mv2Rt6" // Summit Legal Partners
	)
	ids := []string{healthyA, healthyB, inactiveCo, removed, future}
	targets := map[string]acctest.BillingTarget{}
	var rows strings.Builder
	for _, id := range ids {
		b := env.NewBillingTarget(t, 1)
		targets[id] = b
		fmt.Fprintf(&rows, "    %s = { company_id = %d, contract_id = %d, service_id = %d }\n", id, b.CompanyID, b.ContractID, b.ServiceID)
	}
	count := func(id string) int { return fixtureTenant(t, id).BillableUsersThisMonth }

	secrets := env.Secrets()
	vars := map[string]string{
		"AUTOTASK_USERNAME": env.Username(), "AUTOTASK_SECRET": secrets[0], "AUTOTASK_INTEGRATION_CODE": secrets[1],
		"AUTOTASK_ZONE_LOOKUP_URL": env.Sandbox.ZoneLookupURL, "PETRA_API_KEY": secrets[2], "PETRA_API_URL": env.Sandbox.PetraURL,
	}
	warn := NewWorkdir(t, fmt.Sprintf(nightlyTF, "warn", rows.String()), vars)
	first := warn.MustRun(nil, "apply", "-auto-approve", "-input=false", "-no-color")
	for _, id := range ids {
		if got := env.UnitsToday(t, targets[id].ContractServiceID); got != count(id) {
			t.Fatalf("first run: tenant %s holds %d units, want Petra's %d\n%s", id, got, count(id), tail(first.Output(), 3000))
		}
	}

	// Since the last run: Petra counts grew for the healthy tenants, and
	// three tenants broke.
	for id, n := range map[string]int{healthyA: 50, healthyB: 121} {
		x := fixtureTenant(t, id)
		x.BillableUsersThisMonth = n
		upsertPetraTenant(t, env, x)
	}
	env.SetCompanyActive(t, targets[inactiveCo].CompanyID, false)
	gone := fixtureTenant(t, removed)
	gone.Removed = true
	upsertPetraTenant(t, env, gone)
	env.UpdateContract(t, targets[future].ContractID, map[string]any{"startDate": env.Date(20) + "T00:00:00Z"})
	seq := lastSeq(t, env)

	// Error mode: the plan fails on the broken tenants, nothing is applied.
	strict := NewWorkdir(t, fmt.Sprintf(nightlyTF, "error", rows.String()), vars)
	copyState(t, warn, strict)
	res := strict.Run(nil, "apply", "-auto-approve", "-input=false", "-no-color")
	if res.ExitCode != 1 {
		t.Fatalf("error mode: apply exited %d, want 1:\n%s", res.ExitCode, tail(res.Output(), 4000))
	}
	if n := adjustmentPosts(t, env, seq); n != 0 {
		t.Fatalf("error mode: %d adjustments were posted by a failed plan, want 0", n)
	}

	// Warn mode: the nightly run.
	res = warn.Run(nil, "apply", "-auto-approve", "-input=false", "-no-color")
	out := res.Output()
	if res.ExitCode != 0 {
		t.Fatalf("warn mode: the nightly apply exited %d, want 0:\n%s", res.ExitCode, tail(out, 6000))
	}
	for id, n := range map[string]int{healthyA: 50, healthyB: 121} {
		if got := env.UnitsToday(t, targets[id].ContractServiceID); got != n {
			t.Errorf("healthy tenant %s holds %d units, want %d", id, got, n)
		}
	}
	for _, id := range []string{inactiveCo, removed} {
		if got := env.UnitsToday(t, targets[id].ContractServiceID); got != count(id) {
			t.Errorf("broken tenant %s holds %d units, want the %d of the last good run", id, got, count(id))
		}
	}
	if n := adjustmentPosts(t, env, seq); n != 2 {
		t.Errorf("%d adjustments were posted, want 2 (the healthy tenants only)", n)
	}
	// One summary warning, naming all three tenants by name and id.
	if n := strings.Count(out, "Warning: Check block assertion failed"); n != 1 {
		t.Errorf("%d summary warnings, want 1:\n%s", n, tail(out, 8000))
	}
	summary := out[strings.Index(out, "Warning: Check block assertion failed"):]
	flat := strings.Join(strings.Fields(summary), " ")
	for _, want := range []string{
		"Cedar Ridge Accounting (Bq7Lx2): Autotask company is inactive",
		// The billing mapping of a tenant removed from Petra fails on its
		// tenant check only (its null count is the same cause), with the
		// tenant mapping's text.
		"Bluebird Veterinary Clinic (Kp4Wn8): Petra tenant not found",
		"Summit Legal Partners (Mv2Rt6): Contract has not started",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("the summary warning lacks %q:\n%s", want, tail(summary, 4000))
		}
	}
	// Every broken tenant's own warning is shown, once per tenant and cause
	// (the first mapping that meets it gives it): their summaries differ, so
	// Terraform folds none into another tenant's (a "similar warning"
	// note can only stand for the same warning given at plan and again by
	// the plan Terraform makes right before applying).
	for _, want := range []string{
		"Warning: Tenant mapping Cedar Ridge Accounting (Bq7Lx2): Autotask company is inactive",
		"Warning: Tenant mapping Bluebird Veterinary Clinic (Kp4Wn8): Petra tenant not found",
		"Warning: Billing for Summit Legal Partners (Mv2Rt6): Contract has not started",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the run does not show %q:\n%s", want, tail(out, 8000))
		}
	}
	for _, gone := range []string{"Warning: Billing for Cedar Ridge Accounting (Bq7Lx2): Autotask company is inactive",
		"Warning: Billing for Kp4Wn8:", "Warning: Billing for Bluebird Veterinary Clinic (Kp4Wn8): Petra tenant not found"} {
		if strings.Contains(out, gone) {
			t.Errorf("the run repeats a tenant's cause (%q):\n%s", gone, tail(out, 8000))
		}
	}
	if n := len(regexp.MustCompile(`\(and (\d+) more similar warnings? elsewhere\)`).FindAllString(out, -1)); n > 5 {
		t.Errorf("%d fold notes for 5 distinct warnings", n)
	}
	for _, m := range regexp.MustCompile(`\(and (\d+) more similar warnings? elsewhere\)`).FindAllStringSubmatch(out, -1) {
		if m[1] != "1" {
			t.Errorf("a warning was folded with %s others; only its repetition by the apply-time plan may be", m[1])
		}
	}
	// The failed tenants are in state, so outputs survive.
	st := readState(t, warn)
	failed := map[string]string{}
	for _, r := range st.Resources {
		for _, in := range r.Instances {
			if in.Attributes["sync_status"] == "failed" {
				failed[fmt.Sprintf("%s[%v]", r.Type, in.IndexKey)] = fmt.Sprint(in.Attributes["sync_error"])
			}
		}
	}
	wantFailed := []string{
		"petra_autotask_tenant_mapping[Bq7Lx2]", "petra_autotask_billing_mapping[Bq7Lx2]",
		"petra_autotask_tenant_mapping[Kp4Wn8]", "petra_autotask_billing_mapping[Kp4Wn8]",
		"petra_autotask_billing_mapping[Mv2Rt6]",
	}
	if len(failed) != len(wantFailed) {
		t.Errorf("failed in state: %v, want %v", failed, wantFailed)
	}
	for _, k := range wantFailed {
		if _, ok := failed[k]; !ok {
			t.Errorf("%s is not recorded as failed (failed: %v)", k, failed)
		}
	}
	outputs := warn.MustRun(nil, "output", "-json", "sync_failures")
	var list []string
	// The inactive company and the removed tenant each fail both of their
	// tenant's mappings with the same text; distinct() lists each once.
	if err := json.Unmarshal([]byte(outputs.Stdout), &list); err != nil || len(list) != 3 {
		t.Errorf("output sync_failures = %s (%v), want 3 entries (one per tenant and cause)", outputs.Stdout, err)
	}

	// Nothing changed since: the broken tenants fail again for the reasons
	// recorded, so the plan has no change (it warns about each).
	plan := warn.Run(nil, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	if plan.ExitCode != 0 {
		t.Errorf("plan -detailed-exitcode after a run with failed tenants exited %d, want 0:\n%s", plan.ExitCode, tail(plan.Output(), 4000))
	}
}

func lastSeq(t *testing.T, env *acctest.Env) int64 {
	t.Helper()
	log, err := env.Sandbox.Admin.Requests(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) == 0 {
		return 0
	}
	return log[len(log)-1].Seq
}

func adjustmentPosts(t *testing.T, env *acctest.Env, since int64) int {
	t.Helper()
	log, err := env.Sandbox.Admin.Requests(context.Background(), since)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range log {
		if r.Method == "POST" && strings.HasSuffix(strings.ToLower(r.Path), "/contractserviceadjustments") {
			n++
		}
	}
	return n
}

func copyState(t *testing.T, from, to *Workdir) {
	t.Helper()
	from.copyFile(t, "terraform.tfstate", to)
}

func readState(t *testing.T, w *Workdir) tfState {
	t.Helper()
	var st tfState
	if err := json.Unmarshal(w.readFile(t, "terraform.tfstate"), &st); err != nil {
		t.Fatal(err)
	}
	return st
}
