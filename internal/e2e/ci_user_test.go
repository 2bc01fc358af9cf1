package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
)

// Other API users of the sandbox fixtures' database
// (internal/sandbox/fixtures/README.md).
var (
	ciUserEnv       = []string{"AUTOTASK_USERNAME=petra-api-ci@sandbox.example", "AUTOTASK_SECRET=sandbox-ci-secret-do-not-use"}
	readonlyUserEnv = []string{"AUTOTASK_USERNAME=petra-api-readonly-contracts@sandbox.example",
		"AUTOTASK_SECRET=sandbox-readonly-contracts-secret-do-not-use"}
)

// TestCIPlanByAnotherAPIUserShowsNoChange is the CI guide's setup: the main
// API user applies a connection, a tenant mapping and a billing mapping;
// then plans by other API users of the same database exit 0 with "No
// changes." (issue 21): a read-only user (no Contracts update, no
// ContractServiceAdjustments create) gets one warning naming it and exactly
// what it lacks, and a full-access CI user gets no diagnostic at all. After
// the CI user applies, the main user's plan exits 0 too (nothing flips
// back).
func TestCIPlanByAnotherAPIUserShowsNoChange(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	b := env.NewBillingTarget(t, 2)
	tf := fmt.Sprintf(terraformHeader, "petrasecurity/petra") + `provider "petra" {}

resource "petra_autotask_connection" "this" {}

resource "petra_autotask_tenant_mapping" "m" {
  connection_id = petra_autotask_connection.this.id
  tenant_id     = "` + tenant + `"
  company_id    = ` + fmt.Sprint(b.CompanyID) + `

  acknowledge_name_mismatch = true
}
` + strings.Replace(strings.Replace(mappingHCL(env, "m", "", tenant, b, "6"), fmt.Sprintf("%q", env.ConnectionID()),
		"petra_autotask_connection.this.id", 1), "\n}\n", "\n  acknowledge_name_mismatch = true\n}\n", 1)
	vars := billingEnvVars(env, "")
	vars["AUTOTASK_TIME_ZONE"] = "UTC" // no time-zone warning: the test counts warnings
	w := NewWorkdir(t, tf, vars)
	w.MustRun(nil, "apply", "-auto-approve", "-input=false", "-no-color")

	plan := func(who string, extra []string) Result {
		t.Helper()
		r := w.Run(extra, "plan", "-input=false", "-no-color", "-detailed-exitcode")
		if r.ExitCode != 0 || !strings.Contains(r.Stdout, "No changes.") {
			t.Fatalf("plan by %s exited %d (want 0, \"No changes.\"):\n%s", who, r.ExitCode, tail(r.Output(), 6000))
		}
		return r
	}

	ro := plan("the read-only user", readonlyUserEnv)
	if n := providerWarnings(ro.Output()); n != 1 {
		t.Errorf("plan by the read-only user: %d warnings, want 1:\n%s", n, tail(ro.Output(), 6000))
	}
	want := `Warning: Plan's Autotask API user lacks permissions ` +
		`with petra_autotask_connection.this, on main.tf line 9, in resource "petra_autotask_connection" "this": ` +
		`9: resource "petra_autotask_connection" "this" {} ` +
		`The Autotask API user "petra-api-readonly-contracts@sandbox.example", which runs this plan, lacks permissions ` +
		`that the connection's features (billing, ticketing) need: ` +
		`- billing: Contracts (update), ContractServiceAdjustments (create) missing ` +
		`The connection keeps the verification of the API user that applies it (api_user), so nothing changes and this ` +
		`plan can pass, as a read-only CI check should. An apply by "petra-api-readonly-contracts@sandbox.example" fails ` +
		`where it needs these permissions (a unit push needs ContractServiceAdjustments (create)). To apply with this ` +
		`user, give its security level the permissions listed (Admin > Account Settings & Users > Security Levels).`
	if !hasText(ro.Output(), want) {
		t.Errorf("plan by the read-only user lacks the warning\n%s\n---\n%s", want, tail(ro.Output(), 6000))
	}

	ci := plan("the CI user", ciUserEnv)
	if providerWarnings(ci.Output()) != 0 || strings.Contains(ci.Output(), "Error") {
		t.Errorf("plan by the full-access CI user has diagnostics:\n%s", tail(ci.Output(), 4000))
	}
	w.MustRun(ciUserEnv, "apply", "-auto-approve", "-input=false", "-no-color")
	for _, r := range readState(t, w).Resources {
		if r.Type == "petra_autotask_connection" {
			if u := r.Instances[0].Attributes["api_user"]; u != "petra-api-ci@sandbox.example" {
				t.Errorf("after the CI user's apply, api_user = %v, want the CI user (its refresh passed every check)", u)
			}
		}
	}
	plan("the main user after the CI user's apply", nil)
	plan("the read-only user after the CI user's apply", readonlyUserEnv)
}

// providerWarnings counts the warnings in Terraform's output, less
// Terraform's own about the tests' dev_overrides.
func providerWarnings(out string) int {
	return strings.Count(out, "Warning: ") - strings.Count(out, "Warning: Provider development overrides are in effect")
}
