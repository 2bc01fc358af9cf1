package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

const adjustmentsPath = "/ATServicesRest/V1.0/ContractServiceAdjustments"

// effectiveAdjustments reads the sandbox's request log after seq and returns,
// per contract service, how many adjustment posts Autotask applied (answered,
// committed with the answer dropped, or committed late), and how many posts
// never reached it (dropped before processing, injected failures).
func effectiveAdjustments(t *testing.T, env *acctest.Env, seq int64) (applied map[int64]int, lost int) {
	t.Helper()
	applied = map[int64]int{}
	for _, r := range requestLog(t, env, seq) {
		if !isAdjustmentPost(r) || r.Outcome == sandbox.OutcomeCommitPending {
			continue // a late commit is counted when it lands (committed-late)
		}
		landed := r.Outcome == sandbox.OutcomeCommittedDropped ||
			((r.Outcome == sandbox.OutcomeOK || r.Outcome == sandbox.OutcomeCommittedLate) && r.Status/100 == 2)
		if !landed {
			lost++
			continue
		}
		var body struct {
			ContractServiceID int64 `json:"contractServiceID"`
		}
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil || body.ContractServiceID == 0 {
			t.Fatalf("adjustment body %q does not name a contract service: %v", r.Body, err)
		}
		applied[body.ContractServiceID]++
	}
	return applied, lost
}

// expectExactlyOnce checks that every target holds its units and that the
// request log shows exactly one applied adjustment per target.
func expectExactlyOnce(t *testing.T, env *acctest.Env, seq *int64, targets []acctest.BillingTarget, units func(i int) int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		applied, _ := effectiveAdjustments(t, env, *seq)
		for i, b := range targets {
			if got := env.UnitsToday(t, b.ContractServiceID); got != units(i) {
				return fmt.Errorf("mapping %d (%s) holds %d units, want %d", i, b, got, units(i))
			}
			if n := applied[b.ContractServiceID]; n != 1 {
				return fmt.Errorf("mapping %d (%s): %d adjustments applied, want exactly 1", i, b, n)
			}
		}
		if len(applied) != len(targets) {
			return fmt.Errorf("adjustments applied to %d contract services, want %d", len(applied), len(targets))
		}
		return nil
	}
}

// forEachBillingConfig is one petra_autotask_billing_mapping with count over
// every target, with units(i) units each. (count, not for_each: the
// legacy state checks of terraform-plugin-testing cannot index for_each.)
func forEachBillingConfig(env *acctest.Env, tenant string, targets []acctest.BillingTarget, units func(i int) int) string {
	var b strings.Builder
	b.WriteString(env.ProviderConfig())
	b.WriteString("locals {\n  targets = [\n")
	for i, t := range targets {
		fmt.Fprintf(&b, "    { company = %d, contract = %d, service = %d, units = %d },\n",
			t.CompanyID, t.ContractID, t.ServiceID, units(i))
	}
	b.WriteString("  ]\n}\n")
	fmt.Fprintf(&b, `
resource "petra_autotask_billing_mapping" "m" {
  count         = length(local.targets)
  connection_id = %q
  tenant_id     = %q
  company_id    = local.targets[count.index].company
  contract_id   = local.targets[count.index].contract
  service_id    = local.targets[count.index].service
  units         = local.targets[count.index].units
}
`, env.ConnectionID(), tenant)
	return b.String()
}

func injectFault(t *testing.T, env *acctest.Env, f sandbox.FaultRule) {
	t.Helper()
	if _, err := env.Sandbox.Admin.InjectFault(ctx(), f); err != nil {
		t.Fatalf("injecting fault %+v: %v", f, err)
	}
}

// TestAccReliability_exactlyOnceWithEveryAnswerLost applies 100 billing
// mappings while Autotask loses the answer to every adjustment: the first 2
// posts are dropped before Autotask processes them, every other post is
// applied and its answer dropped. A lost answer is reconciled by reading the
// units back (the read-back sees the adjustment); a lost request is never
// sent a second time in the same run: those 2 mappings fail with the
// outcome unconfirmed, recorded in state, and the next apply (the adjustment
// can no longer land) pushes them once. In the end every contract service
// holds its target and the request log shows exactly one applied adjustment
// per mapping.
func TestAccReliability_exactlyOnceWithEveryAnswerLost(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	targets := make([]acctest.BillingTarget, 100)
	for i := range targets {
		targets[i] = env.NewBillingTarget(t, 0)
	}
	units := func(i int) int { return 1 + i%17 }
	var seq int64
	cfg := forEachBillingConfig(env, tenant, targets, units)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					markSeq(t, env, &seq)()
					injectFault(t, env, sandbox.FaultRule{Method: "POST", Path: adjustmentsPath, Action: sandbox.FaultDrop, Count: 2})
					injectFault(t, env, sandbox.FaultRule{Method: "POST", Path: adjustmentsPath, Action: sandbox.FaultCommitThenDrop, Count: 1000})
				},
				Config: cfg,
				ExpectError: exactParts("Pushing units to Autotask failed", "is not confirmed", "Autotask shows 0 units now",
					"Nothing more was posted for this line. Run apply again later: it reads the units first and pushes only what is missing"),
			},
			{
				PreConfig: func() {
					applied, lost := effectiveAdjustments(t, env, seq)
					if lost != 2 || len(applied) != 98 {
						t.Errorf("after the first apply: %d lines adjusted, %d posts lost; want 98 and the 2 injected", len(applied), lost)
					}
					for line, n := range applied {
						if n != 1 {
							t.Errorf("contract service %d: %d adjustments applied in the first apply, want 1", line, n)
						}
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(
					expectExactlyOnce(t, env, &seq, targets, units),
					func(*terraform.State) error {
						if _, lost := effectiveAdjustments(t, env, seq); lost != 2 {
							return fmt.Errorf("%d adjustment posts lost before Autotask, want the 2 injected", lost)
						}
						return nil
					},
				),
			},
		},
	})
}

// TestAccReliability_secretRejectedMidRunThenReconciled: Autotask rejects
// the credentials on one adjustment in the middle of an apply (a secret
// rotated while the run is going). That mapping fails with a clear error
// (a 401 after the credentials were accepted reads as a missing permission,
// and says a rotated secret is the other cause) and is not recorded; the others are applied. The next
// apply creates only the failed mapping, and no contract service is ever
// adjusted twice.
func TestAccReliability_secretRejectedMidRunThenReconciled(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	targets := make([]acctest.BillingTarget, 4)
	for i := range targets {
		targets[i] = env.NewBillingTarget(t, 2)
	}
	units := func(i int) int { return 10 + i }
	cfg := forEachBillingConfig(env, tenant, targets, units)
	var seq int64

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					markSeq(t, env, &seq)()
					injectFault(t, env, sandbox.FaultRule{Method: "POST", Path: adjustmentsPath, Action: sandbox.FaultFail,
						Status: 401, Body: " ", Count: 1})
				},
				Config: cfg,
				// The credentials were accepted earlier in the run, so the 401 is
				// reported as the missing permission, naming the other cause.
				ExpectError: exactParts("Pushing units to Autotask failed", "Autotask answered HTTP 401 Unauthorized to create",
					"if the secret was changed during the run, run again"),
			},
			{
				// Exactly one mapping is missing from state: the next apply
				// creates it and leaves the applied ones alone.
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectCreates(1),
				}},
				Check: expectExactlyOnce(t, env, &seq, targets, units),
			},
		},
	})
}

// expectCreates checks the plan creates exactly n resources and changes
// nothing else.
func expectCreates(n int) plancheck.PlanCheck { return createsCheck{n: n} }

type createsCheck struct{ n int }

func (c createsCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	creates := 0
	for _, rc := range req.Plan.ResourceChanges {
		switch {
		case rc.Change.Actions.Create():
			creates++
		case !rc.Change.Actions.NoOp() && !rc.Change.Actions.Read():
			resp.Error = fmt.Errorf("%s would be %v; only creates are expected", rc.Address, rc.Change.Actions)
			return
		}
	}
	if creates != c.n {
		resp.Error = fmt.Errorf("the plan creates %d resources, want %d", creates, c.n)
	}
}

// TestAccReliability_petraServerErrorIsRetried: Petra answering 503 once is
// retried inside its limits and the data source still reads.
func TestAccReliability_petraServerErrorIsRetried(t *testing.T) {
	env := newAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				injectFault(t, env, sandbox.FaultRule{Path: "/petra/v1/tenants", Action: sandbox.FaultFail, Status: 503, Count: 1})
			},
			Config: env.ProviderConfig() + `data "petra_tenants" "x" {}`,
			Check: resource.ComposeTestCheckFunc(resource.TestCheckResourceAttrSet("data.petra_tenants.x", "tenants.0.id"), func(*terraform.State) error {
				faults, err := env.Sandbox.Admin.Faults(ctx())
				if err != nil {
					return err
				}
				if len(faults) != 0 {
					return fmt.Errorf("the injected 503 was never served (faults left: %+v)", faults)
				}
				return nil
			}),
		}},
	})
}
