package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
)

// TestDestroyAfterTakeOver: configuration A bills a line with on_destroy =
// "zero"; configuration B takes the line over on purpose (take_over_claim).
// Destroying A's mapping then ends A's part: it succeeds, and changes nothing
// on the line B now bills (it zeroed B's line before) nor on B's claim. The
// destroy skips the refresh (-refresh=false), so that Delete runs: with the
// refresh, the pre-destroy plan still fails on the take-over (a known limit,
// DESIGN.md).
func TestDestroyAfterTakeOver(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	b := env.NewBillingTarget(t, 10)
	header := fmt.Sprintf(terraformHeader, ProviderAddress) + "provider \"petra\" {}\n"
	withZero := strings.Replace(mappingHCL(env, "m0", "", tenant, b, "14"), "  units         = 14\n", "  units         = 14\n  on_destroy    = \"zero\"\n", 1)
	a := NewWorkdir(t, header+withZero, billingEnvVars(env, "billing-a"))
	a.MustRun(nil, "apply", "-input=false", "-auto-approve")
	takeOver := strings.Replace(mappingHCL(env, "m0", "", tenant, b, "20"), "  units         = 20\n", "  units         = 20\n  take_over_claim = true\n", 1)
	bw := NewWorkdir(t, header+takeOver, billingEnvVars(env, "billing-b"))
	bw.MustRun(nil, "apply", "-input=false", "-auto-approve")
	if u := env.UnitsToday(t, b.ContractServiceID); u != 20 {
		t.Fatalf("after the take-over the line holds %d units, want 20", u)
	}
	seq := lastSeq(t, env)
	res := a.Run(nil, "destroy", "-input=false", "-auto-approve", "-no-color", "-refresh=false")
	if res.ExitCode != 0 {
		t.Fatalf("destroying the taken-over mapping exited %d:\n%s", res.ExitCode, tail(res.Output(), 4000))
	}
	if _, sent := appliedAdjustments(t, env, seq); sent != 0 {
		t.Fatalf("destroying the taken-over mapping posted %d adjustments to the line B bills, want 0", sent)
	}
	if u := env.UnitsToday(t, b.ContractServiceID); u != 20 {
		t.Fatalf("the line B bills holds %d units after A's destroy, want 20", u)
	}
	if r := bw.Run(nil, "plan", "-input=false", "-detailed-exitcode", "-no-color"); r.ExitCode != 0 {
		t.Fatalf("B's plan after A's destroy is not empty (exit %d):\n%s", r.ExitCode, tail(r.Output(), 4000))
	}
}
