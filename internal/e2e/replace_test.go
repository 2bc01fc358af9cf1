package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
)

// TestReplaceOfABillingMapping: `terraform apply -replace=` of a billing
// mapping on the same line works: Terraform plans the mapping twice (as an
// update, then as a create), which must not read as two mappings of one
// line; the old object is destroyed (its claim released), the new one claims
// the line and pushes nothing, since the line already holds its units. One
// active claim afterwards, and the next plan is empty. Two mappings of one
// line are still refused.
func TestReplaceOfABillingMapping(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	b := env.NewBillingTarget(t, 10)
	cfg := fmt.Sprintf(terraformHeader, ProviderAddress) + "provider \"petra\" {}\n" + mappingHCL(env, "m0", "", tenant, b, "14")
	w := NewWorkdir(t, cfg, billingEnvVars(env, "billing-prod"))
	w.MustRun(nil, "apply", "-input=false", "-auto-approve")
	seq := lastSeq(t, env)

	res := w.Run(nil, "apply", "-input=false", "-auto-approve", "-no-color", "-replace=petra_autotask_billing_mapping.m0")
	if res.ExitCode != 0 {
		t.Fatalf("apply -replace exited %d:\n%s", res.ExitCode, tail(res.Output(), 4000))
	}
	if !strings.Contains(res.Output(), "1 added, 0 changed, 1 destroyed") {
		t.Fatalf("apply -replace did not replace the mapping:\n%s", tail(res.Output(), 4000))
	}
	if _, sent := appliedAdjustments(t, env, seq); sent != 0 {
		t.Fatalf("the replacement posted %d adjustments, want 0 (the line already holds 14)", sent)
	}
	if u := env.UnitsToday(t, b.ContractServiceID); u != 14 {
		t.Fatalf("the line holds %d units, want 14", u)
	}
	active := 0
	for _, n := range env.ClaimNotes(t, b.ContractID) {
		if strings.HasPrefix(n.Title, "Petra billing claim: line ") {
			active++
		}
	}
	if active != 1 {
		t.Fatalf("%d active claim notes on the line's contract after the replacement, want 1", active)
	}
	if r := w.Run(nil, "plan", "-input=false", "-detailed-exitcode", "-no-color"); r.ExitCode != 0 {
		t.Fatalf("plan after the replacement is not empty (exit %d):\n%s", r.ExitCode, tail(r.Output(), 4000))
	}

	// A second mapping of the same line is still two mappings.
	twice := cfg + mappingHCL(env, "m1", "", tenant, b, "14")
	w2 := NewWorkdir(t, twice, billingEnvVars(env, "billing-prod"))
	r := w2.Run(nil, "plan", "-input=false", "-no-color")
	if r.ExitCode == 0 || !strings.Contains(r.Output(), "Service line mapped twice") {
		t.Fatalf("two mappings of one line planned (exit %d):\n%s", r.ExitCode, tail(r.Output(), 4000))
	}
}
