package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
)

// TestUpgradeFromPreviousReleaseClaimsAtFirstApply upgrades a real state: the
// previous release (PreviousRelease, built from git) applies a billing
// mapping with the Terraform CLI, which records no claim (claims did not
// exist). Then the current provider plans it: the plan shows the mapping
// updated to claim its line (claim_token known after apply) although nothing
// is to be pushed; the apply claims it (an active claim note in Autotask,
// read through the API) and posts nothing; and a second configuration that
// maps the same line is then refused at plan, naming the upgraded
// configuration. Before, the plan said "No changes", no line was claimed,
// and a second configuration took the line and pushed.
func TestUpgradeFromPreviousReleaseClaimsAtFirstApply(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	b := env.NewBillingTarget(t, 10)
	config := fmt.Sprintf(terraformHeader, ProviderAddress) + fmt.Sprintf(`provider "petra" {}

resource "petra_autotask_connection" "this" {}

resource "petra_autotask_billing_mapping" "m" {
  connection_id = petra_autotask_connection.this.id
  tenant_id     = %q
  company_id    = %d
  contract_id   = %d
  service_id    = %d
  units         = 14
}
`, tenant, b.CompanyID, b.ContractID, b.ServiceID)

	w := NewWorkdir(t, config, billingEnvVars(env, "billing-upgraded"))
	w.useProvider(t, previousReleaseDir(t))
	w.MustRun(nil, "apply", "-input=false", "-auto-approve", "-no-color")
	var st tfState
	if err := json.Unmarshal(w.readFile(t, "terraform.tfstate"), &st); err != nil {
		t.Fatal(err)
	}
	for _, r := range st.Resources {
		if r.Type == "petra_autotask_billing_mapping" && r.Instances[0].SchemaVersion != 0 {
			t.Fatalf("the previous release wrote the mapping at schema version %d, want 0", r.Instances[0].SchemaVersion)
		}
	}
	if u := env.UnitsToday(t, b.ContractServiceID); u != 14 {
		t.Fatalf("the previous release left %d units on the line, want 14", u)
	}
	if n := len(env.ClaimNotes(t, b.ContractID)); n != 0 {
		t.Fatalf("the previous release left %d claim notes, want none (it had no claims)", n)
	}

	// The current provider: the first plan says it will claim the line.
	w.useProvider(t, ProviderBinaryDir(t))
	plan := w.Run(nil, "plan", "-detailed-exitcode", "-input=false", "-no-color", "-out=upgrade.tfplan")
	if plan.ExitCode != 2 {
		t.Fatalf("the first plan after the upgrade exited %d, want 2 (changes: the claim):\n%s", plan.ExitCode, tail(plan.Output(), 6000))
	}
	for _, want := range []string{"# petra_autotask_billing_mapping.m will be updated in-place",
		"+ claim_token            = (known after apply)", "+ claim_note_id          = (known after apply)",
		"Plan: 0 to add, 1 to change, 0 to destroy."} {
		if !hasText(plan.Stdout, want) {
			t.Errorf("the first plan after the upgrade lacks %q:\n%s", want, tail(plan.Stdout, 6000))
		}
	}
	seq := lastSeq(t, env)
	w.MustRun(nil, "apply", "-input=false", "-no-color", "upgrade.tfplan")
	if _, sent := appliedAdjustments(t, env, seq); sent != 0 {
		t.Errorf("the apply after the upgrade posted %d adjustments, want 0 (the line already held 14)", sent)
	}
	notes := env.ClaimNotes(t, b.ContractID)
	if len(notes) != 1 || !strings.Contains(notes[0].Description, "billing-upgraded") ||
		!strings.Contains(notes[0].Title, fmt.Sprint(b.ContractServiceID)) {
		t.Fatalf("after the first apply of the upgraded state the contract holds %d active claim notes, want 1 of "+
			"\"billing-upgraded\" on line %d: %+v", len(notes), b.ContractServiceID, notes)
	}
	if err := json.Unmarshal(w.readFile(t, "terraform.tfstate"), &st); err != nil {
		t.Fatal(err)
	}
	for _, r := range st.Resources {
		if r.Type != "petra_autotask_billing_mapping" {
			continue
		}
		a := r.Instances[0].Attributes
		if id, _ := a["claim_note_id"].(float64); int64(id) != notes[0].ID || a["claim_token"] == nil {
			t.Errorf("state records claim_note_id %v and claim_token %v, want note %d and its token", a["claim_note_id"],
				a["claim_token"], notes[0].ID)
		}
	}
	if r := w.Run(nil, "plan", "-detailed-exitcode", "-input=false", "-no-color"); r.ExitCode != 0 {
		t.Errorf("the plan after claiming is not empty (exit %d):\n%s", r.ExitCode, tail(r.Output(), 4000))
	}

	// A second configuration mapping the same line is refused.
	other := NewWorkdir(t, fmt.Sprintf(terraformHeader, ProviderAddress)+"provider \"petra\" {}\n"+
		mappingHCL(env, "m", "", tenant, b, "60"), billingEnvVars(env, "billing-other"))
	res := other.Run(nil, "plan", "-input=false", "-no-color")
	if res.ExitCode == 0 || !hasText(res.Output(), "Service line claimed by another configuration") ||
		!hasText(res.Output(), `"billing-upgraded"`) {
		t.Fatalf("a second configuration's plan of the upgraded line exited %d, want the claim conflict naming "+
			"\"billing-upgraded\":\n%s", res.ExitCode, tail(res.Output(), 4000))
	}
	if u := env.UnitsToday(t, b.ContractServiceID); u != 14 {
		t.Fatalf("the line holds %d units, want 14", u)
	}
}
