package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
)

// TestBillingClaimsOff runs a configuration with billing_claims = "off"
// (PETRA_BILLING_CLAIMS) through its lifecycle with the real CLI:
//   - off: the plan warns once (not once per mapping) that
//     cross-configuration protection is off; the apply bills the lines and
//     neither writes nor reads a claim note;
//   - off → notes: the plan shows each mapping updated to claim its line,
//     and the apply claims it (one active note each) and posts nothing;
//   - notes → off: nothing to plan; the claims stay active and recorded;
//   - destroy while off releases the claims state records, so no active
//     claim is left that no state records.
func TestBillingClaimsOff(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	lines := []acctest.BillingTarget{env.NewBillingTarget(t, 10), env.NewBillingTarget(t, 10)}
	config := fmt.Sprintf(terraformHeader, ProviderAddress) + "provider \"petra\" {}\n" +
		mappingHCL(env, "m0", "", tenant, lines[0], "12") + mappingHCL(env, "m1", "", tenant, lines[1], "12")
	w := NewWorkdir(t, config, billingEnvVars(env, "billing-single"))
	off := []string{"PETRA_BILLING_CLAIMS=off"}
	const warning = "Warning: Billing claims are off"
	notesOnContracts := func() []int {
		var n []int
		for _, b := range lines {
			n = append(n, len(env.ClaimNotes(t, b.ContractID)))
		}
		return n
	}
	noteRequests := func(seq int64) []string {
		reqs, err := env.Sandbox.Admin.Requests(t.Context(), seq)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range reqs {
			if p := strings.ToLower(r.Path); strings.Contains(p, "notes") {
				out = append(out, r.Method+" "+r.Path)
			}
		}
		return out
	}

	// Off: one warning per plan, no note read or written.
	seq := lastSeq(t, env)
	plan := w.Run(off, "plan", "-input=false", "-no-color", "-out=off.tfplan")
	if plan.ExitCode != 0 {
		t.Fatalf("plan with claims off exited %d:\n%s", plan.ExitCode, tail(plan.Output(), 4000))
	}
	if n := strings.Count(plan.Output(), warning); n != 1 {
		t.Fatalf("the plan with claims off shows %q %d times, want once:\n%s", warning, n, tail(plan.Output(), 6000))
	}
	if !hasText(plan.Output(), `PETRA_BILLING_CLAIMS environment variable) is "off": billing mappings write and read no claim notes`) {
		t.Errorf("the warning does not say what is off:\n%s", tail(plan.Output(), 4000))
	}
	w.MustRun(off, "apply", "-input=false", "-no-color", "off.tfplan")
	for _, b := range lines {
		if u := env.UnitsToday(t, b.ContractServiceID); u != 12 {
			t.Fatalf("line %d holds %d units after the apply with claims off, want 12", b.ContractServiceID, u)
		}
	}
	if reqs := noteRequests(seq); len(reqs) != 0 {
		t.Fatalf("with claims off the provider sent %d note requests, want none: %v", len(reqs), reqs)
	}
	claimTokens := func() map[string]any {
		var st tfState
		if err := json.Unmarshal(w.readFile(t, "terraform.tfstate"), &st); err != nil {
			t.Fatal(err)
		}
		out := map[string]any{}
		for _, r := range st.Resources {
			if r.Type == "petra_autotask_billing_mapping" {
				out[r.Name] = r.Instances[0].Attributes["claim_token"]
			}
		}
		return out
	}
	for name, tok := range claimTokens() {
		if tok != nil {
			t.Errorf("%s records claim_token %v with claims off, want null", name, tok)
		}
	}

	// Off → notes: the plan shows the claims; the apply makes them and
	// posts nothing.
	plan = w.Run(nil, "plan", "-detailed-exitcode", "-input=false", "-no-color", "-out=notes.tfplan")
	if plan.ExitCode != 2 || strings.Contains(plan.Output(), warning) ||
		!strings.Contains(plan.Stdout, "Plan: 0 to add, 2 to change, 0 to destroy.") ||
		strings.Count(plan.Stdout, "+ claim_token") != 2 {
		t.Fatalf("the first plan with claims on again exited %d; want 2, the claim of both mappings, no warning:\n%s",
			plan.ExitCode, tail(plan.Output(), 6000))
	}
	seq = lastSeq(t, env)
	w.MustRun(nil, "apply", "-input=false", "-no-color", "notes.tfplan")
	if _, sent := appliedAdjustments(t, env, seq); sent != 0 {
		t.Errorf("claiming the lines posted %d adjustments, want 0", sent)
	}
	if got := notesOnContracts(); got[0] != 1 || got[1] != 1 {
		t.Fatalf("active claim notes per line after switching claims on: %v, want [1 1]", got)
	}
	for name, tok := range claimTokens() {
		if tok == nil {
			t.Errorf("%s records no claim after switching claims on", name)
		}
	}

	// Notes → off: nothing to change; the claims stay.
	plan = w.Run(off, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	if plan.ExitCode != 0 || strings.Count(plan.Output(), warning) != 1 {
		t.Fatalf("plan after switching claims off again exited %d; want 0 (no changes) and the warning once:\n%s",
			plan.ExitCode, tail(plan.Output(), 4000))
	}
	if got := notesOnContracts(); got[0] != 1 || got[1] != 1 {
		t.Fatalf("active claim notes per line after switching claims off: %v, want [1 1] (left as they were)", got)
	}

	// Destroy while off releases the recorded claims.
	w.MustRun(off, "destroy", "-input=false", "-auto-approve", "-no-color")
	if got := notesOnContracts(); got[0] != 0 || got[1] != 0 {
		t.Fatalf("active claim notes per line after destroy with claims off: %v, want [0 0] (released)", got)
	}
	for _, b := range lines {
		if u := env.UnitsToday(t, b.ContractServiceID); u != 12 {
			t.Errorf("line %d holds %d units after destroy (on_destroy keep), want 12", b.ContractServiceID, u)
		}
	}
}
