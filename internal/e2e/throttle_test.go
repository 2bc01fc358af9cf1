package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// TestApplyUnderThrottlingCompletes applies 200 billing mappings with
// `terraform apply -parallelism=20` while the sandbox enforces Autotask's
// thread limit of 3 per endpoint, answers a random 5 % of requests with 429
// and Retry-After, and adds latency. Every mapping must be applied (no
// failed resource), exactly one adjustment must land per mapping, and the
// client must never have exceeded the thread limit.
func TestApplyUnderThrottlingCompletes(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	ctx := context.Background()
	tenant := env.PetraTenant(t, 0).PetraTenantID
	const n = 200
	targets := make([]acctest.BillingTarget, n)
	for i := range targets {
		targets[i] = env.NewBillingTarget(t, 0)
	}
	units := func(i int) int { return 1 + i%23 }

	var b strings.Builder
	fmt.Fprintf(&b, "terraform {\n  required_providers {\n    petra = { source = %q }\n  }\n}\n\nprovider \"petra\" {}\n\n", ProviderAddress)
	b.WriteString("locals {\n  targets = {\n")
	for i, tg := range targets {
		fmt.Fprintf(&b, "    m%03d = { company = %d, contract = %d, service = %d, units = %d }\n",
			i, tg.CompanyID, tg.ContractID, tg.ServiceID, units(i))
	}
	b.WriteString("  }\n}\n")
	fmt.Fprintf(&b, `
resource "petra_autotask_billing_mapping" "m" {
  for_each      = local.targets
  connection_id = %q
  tenant_id     = %q
  company_id    = each.value.company
  contract_id   = each.value.contract
  service_id    = each.value.service
  units         = each.value.units
}
`, env.ConnectionID(), tenant)

	secrets := env.Secrets()
	w := NewWorkdir(t, b.String(), map[string]string{
		"AUTOTASK_USERNAME":         env.Username(),
		"AUTOTASK_SECRET":           secrets[0],
		"AUTOTASK_INTEGRATION_CODE": secrets[1],
		"AUTOTASK_ZONE_LOOKUP_URL":  env.Sandbox.ZoneLookupURL,
		"PETRA_API_KEY":             secrets[2],
		"PETRA_API_URL":             env.Sandbox.PetraURL,
	})

	admin := env.Sandbox.Admin
	if err := admin.SetThrottle(ctx, sandbox.ThrottleRule{Path: "/ATServicesRest/", Probability: 0.05, RetryAfterSeconds: 1, Seed: 42}); err != nil {
		t.Fatal(err)
	}
	if err := admin.SetLatency(ctx, sandbox.LatencyRule{Path: "/ATServicesRest/", DelayMs: 2, JitterMs: 6}); err != nil {
		t.Fatal(err)
	}
	if err := admin.ResetStats(ctx); err != nil {
		t.Fatal(err)
	}
	log, err := admin.Requests(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	seq := log[len(log)-1].Seq

	apply := w.Run(nil, "apply", "-input=false", "-auto-approve", "-parallelism=20")
	if apply.ExitCode != 0 {
		t.Fatalf("apply under throttling failed (exit %d):\n%s", apply.ExitCode, tail(apply.Output(), 6000))
	}
	if !strings.Contains(apply.Stdout, fmt.Sprintf("Apply complete! Resources: %d added, 0 changed, 0 destroyed.", n)) {
		t.Fatalf("apply did not add all %d mappings:\n%s", n, tail(apply.Stdout, 3000))
	}

	stats, err := admin.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Outcomes[sandbox.OutcomeThrottled] == 0 {
		t.Fatalf("no request was throttled; the test would prove nothing (outcomes %v)", stats.Outcomes)
	}
	if stats.Autotask.ThreadRejections != 0 {
		t.Fatalf("the sandbox rejected %d requests for exceeding the thread limit of 3 per endpoint (max in flight %v)",
			stats.Autotask.ThreadRejections, stats.Autotask.MaxInFlight)
	}
	for ep, m := range stats.Autotask.MaxInFlight {
		if m > 3 {
			t.Fatalf("%d requests in flight on %s; the client's cap is 3", m, ep)
		}
	}

	// Turn the noise off to check the result.
	if err := admin.SetThrottle(ctx, sandbox.ThrottleRule{}); err != nil {
		t.Fatal(err)
	}
	if err := admin.ClearLatency(ctx); err != nil {
		t.Fatal(err)
	}
	rs, err := admin.Requests(ctx, seq)
	if err != nil {
		t.Fatal(err)
	}
	applied := map[int64]int{}
	for _, r := range rs {
		p := strings.ToLower(r.Path)
		if r.Method != "POST" || !strings.HasSuffix(p, "/contractserviceadjustments") || r.Outcome != sandbox.OutcomeOK || r.Status/100 != 2 {
			continue
		}
		var body struct {
			ContractServiceID int64 `json:"contractServiceID"`
		}
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
			t.Fatalf("adjustment body %q: %v", r.Body, err)
		}
		applied[body.ContractServiceID]++
	}
	for i, tg := range targets {
		if got := env.UnitsToday(t, tg.ContractServiceID); got != units(i) {
			t.Errorf("mapping %d (%s) holds %d units, want %d", i, tg, got, units(i))
		}
		if applied[tg.ContractServiceID] != 1 {
			t.Errorf("mapping %d (%s): %d adjustments applied, want exactly 1", i, tg, applied[tg.ContractServiceID])
		}
	}

	// The next plan is empty: state matches Autotask.
	plan := w.Run(nil, "plan", "-input=false", "-detailed-exitcode", "-parallelism=20")
	if plan.ExitCode != 0 {
		t.Fatalf("plan after the throttled apply is not empty (exit %d):\n%s", plan.ExitCode, tail(plan.Output(), 3000))
	}
}
