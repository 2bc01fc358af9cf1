package e2e

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/access"
)

// oneCauseTF is a connection and one billing mapping per tenant, with the
// units from a local map, no warnings of their own (time zone set, name
// mismatches acknowledged).
const oneCauseTF = `terraform {
  required_providers {
    petra = { source = "petrasecurity/petra" }
  }
}

provider "petra" {}

locals {
  billing = {
%s  }
}

resource "petra_autotask_connection" "this" {}

resource "petra_autotask_billing_mapping" "tenant" {
  for_each      = local.billing
  connection_id = petra_autotask_connection.this.id
  tenant_id     = each.key
  company_id    = each.value.company_id
  contract_id   = each.value.contract_id
  service_id    = each.value.service_id
  units         = each.value.units

  acknowledge_name_mismatch = true
}
`

// diagnosticBlocks splits Terraform's -no-color output into its
// diagnostics of kind ("Error" or "Warning"), each flattened to one line.
func diagnosticBlocks(out, kind string) []string {
	var blocks []string
	var cur *strings.Builder
	flush := func() {
		if cur != nil {
			if flat := strings.Join(strings.Fields(cur.String()), " "); strings.HasPrefix(flat, kind+": ") {
				blocks = append(blocks, flat)
			}
			cur = nil
		}
	}
	for _, l := range strings.Split(ansiRe.ReplaceAllString(out, ""), "\n") {
		if strings.HasPrefix(l, "Error: ") || strings.HasPrefix(l, "Warning: ") {
			flush()
			cur = &strings.Builder{}
		}
		if cur != nil {
			cur.WriteString(l + "\n")
		}
	}
	flush()
	return blocks
}

// TestMissingPushPermissionIsOneFullError: an apply whose API user may not
// create ContractServiceAdjustments fails every pushed mapping (none is
// recorded), but only the first error explains the cause, naming the exact
// missing permission and the fix once; the other mappings get one line
// that refers to it (issue 21).
func TestMissingPushPermissionIsOneFullError(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	const n = 4
	targets := make([]acctest.BillingTarget, n)
	tenants := make([]string, n)
	for i := range n {
		targets[i] = env.NewBillingTarget(t, 3)
		tenants[i] = env.PetraTenant(t, i).PetraTenantID
	}
	rows := func(units int) string {
		var b strings.Builder
		for i, b2 := range targets {
			fmt.Fprintf(&b, "    %s = { company_id = %d, contract_id = %d, service_id = %d, units = %d }\n",
				tenants[i], b2.CompanyID, b2.ContractID, b2.ServiceID, units)
		}
		return b.String()
	}
	vars := billingEnvVars(env, "")
	vars["AUTOTASK_TIME_ZONE"] = "UTC"
	w := NewWorkdir(t, fmt.Sprintf(oneCauseTF, rows(5)), vars)
	w.MustRun(nil, "apply", "-auto-approve", "-input=false", "-no-color")

	// The read-only user plans (one warning: it lacks the push permission)
	// and applies new counts for every tenant.
	w.writeFile(t, "main.tf", fmt.Sprintf(oneCauseTF, rows(7)))
	seq := lastSeq(t, env)
	res := w.Run(readonlyUserEnv, "apply", "-auto-approve", "-input=false", "-no-color")
	if res.ExitCode != 1 {
		t.Fatalf("apply by the read-only user exited %d, want 1:\n%s", res.ExitCode, tail(res.Output(), 6000))
	}
	errs := diagnosticBlocks(res.Output(), "Error")
	if len(errs) != n {
		t.Fatalf("%d errors, want one per pushed mapping (%d):\n%s", len(errs), n, strings.Join(errs, "\n\n"))
	}
	full, short := 0, 0
	oneLine := regexp.MustCompile(`^Error: Pushing units to Autotask failed with petra_autotask_billing_mapping\.tenant\["\w+"\], ` +
		`on main\.tf line \d+, in resource "petra_autotask_billing_mapping" "tenant": \d+: units = each\.value\.units ` +
		regexp.QuoteMeta(`The Autotask API user is not allowed to create ContractServiceAdjustments; nothing was pushed for `+
			`this mapping. The one "Pushing units to Autotask failed" error of this run that quotes Autotask `+
			`explains the missing permission and how to fix it.`) + `$`)
	for _, e := range errs {
		switch {
		case oneLine.MatchString(e):
			short++
		case strings.Contains(e, "the Autotask API user is not allowed to create ContractServiceAdjustments") &&
			strings.Count(e, "Security Level must be") == 1 &&
			strings.Contains(e, "Nothing was pushed. "+access.PermissionFix):
			full++
		default:
			t.Errorf("unexpected error:\n%s", e)
		}
	}
	if full != 1 || short != n-1 {
		t.Errorf("%d full and %d one-line errors, want 1 and %d:\n%s", full, short, n-1, strings.Join(errs, "\n\n"))
	}
	if !strings.Contains(access.PermissionFix, "create on ContractServiceAdjustments") {
		t.Errorf("the fix does not name the push permission: %s", access.PermissionFix)
	}
	if got := len(appliedNothing(t, env, seq)); got != 0 {
		t.Errorf("%d adjustments applied by a user that may not create them", got)
	}
}

// appliedNothing lists the adjustments Autotask applied after seq.
func appliedNothing(t *testing.T, env *acctest.Env, seq int64) map[int64]int {
	t.Helper()
	applied, _ := appliedAdjustments(t, env, seq)
	return applied
}

// TestWarnModeOneWarningAndOneRowPerTenantAndCause is the nightly run of
// the billing guide in warn mode after a company was made inactive in
// Autotask and a tenant was removed from Petra. Each of these causes fails
// both of its tenant's mappings, yet the plan shows one warning per tenant
// (a removed tenant's missing count is the same cause, not another), and
// after the apply both mappings record the same sync_error, so
// sync_failures has one row per tenant (issue 21: today 3 warnings and 3
// rows for the removed tenant alone).
func TestWarnModeOneWarningAndOneRowPerTenantAndCause(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	if err := env.Sandbox.Admin.SetPetraRateLimit(t.Context(), 1000); err != nil {
		t.Fatal(err)
	}
	const healthy, inactiveCo, removed = "ZZk90t", "Bq7Lx2", "Kp4Wn8"
	targets := map[string]acctest.BillingTarget{}
	var rows strings.Builder
	for _, id := range []string{healthy, inactiveCo, removed} {
		b := env.NewBillingTarget(t, 1)
		targets[id] = b
		fmt.Fprintf(&rows, "    %s = { company_id = %d, contract_id = %d, service_id = %d }\n", id, b.CompanyID, b.ContractID, b.ServiceID)
	}
	vars := billingEnvVars(env, "")
	vars["AUTOTASK_TIME_ZONE"] = "UTC"
	w := NewWorkdir(t, fmt.Sprintf(nightlyTF, "warn", rows.String()), vars)
	w.MustRun(nil, "apply", "-auto-approve", "-input=false", "-no-color")

	env.SetCompanyActive(t, targets[inactiveCo].CompanyID, false)
	gone := fixtureTenant(t, removed)
	gone.Removed = true
	upsertPetraTenant(t, env, gone)

	plan := w.Run(nil, "plan", "-input=false", "-no-color")
	if plan.ExitCode != 0 {
		t.Fatalf("plan exited %d:\n%s", plan.ExitCode, tail(plan.Output(), 6000))
	}
	var got []string
	for _, d := range diagnosticBlocks(plan.Output(), "Warning") {
		if strings.Contains(d, "Provider development overrides") || strings.Contains(d, "share no word") ||
			strings.HasPrefix(d, "Warning: Check block assertion known after apply") {
			continue
		}
		if i := strings.Index(d, " with "); i > 0 {
			d = d[:i]
		}
		got = append(got, d)
	}
	sort.Strings(got)
	want := []string{
		"Warning: Tenant mapping Bluebird Veterinary Clinic (Kp4Wn8): Petra tenant not found",
		"Warning: Tenant mapping Cedar Ridge Accounting (Bq7Lx2): Autotask company is inactive",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("plan warnings:\n%s\nwant (one per tenant and cause):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	w.MustRun(nil, "apply", "-auto-approve", "-input=false", "-no-color")
	var list []string
	if err := json.Unmarshal([]byte(w.MustRun(nil, "output", "-json", "sync_failures").Stdout), &list); err != nil {
		t.Fatal(err)
	}
	sort.Strings(list)
	prefixes := []string{"Bluebird Veterinary Clinic (Kp4Wn8): Petra tenant not found: ",
		"Cedar Ridge Accounting (Bq7Lx2): Autotask company is inactive: "}
	if len(list) != len(prefixes) {
		t.Fatalf("sync_failures has %d rows, want one per tenant and cause (%d):\n%s", len(list), len(prefixes), strings.Join(list, "\n"))
	}
	for i, p := range prefixes {
		if !strings.HasPrefix(list[i], p) || strings.Contains(list[i], " | ") {
			t.Errorf("sync_failures[%d] = %q, want one cause starting %q", i, list[i], p)
		}
	}
	errs := map[string][]any{}
	for _, r := range readState(t, w).Resources {
		for _, in := range r.Instances {
			if in.Attributes["sync_status"] == "failed" {
				errs[fmt.Sprint(in.IndexKey)] = append(errs[fmt.Sprint(in.IndexKey)], in.Attributes["sync_error"])
			}
		}
	}
	for _, id := range []string{inactiveCo, removed} {
		if e := errs[id]; len(e) != 2 || e[0] != e[1] {
			t.Errorf("tenant %s: sync_error of its mappings %q, want both failed with the same text", id, e)
		}
	}
}
