package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/billing"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/claims"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// testWallClock is a settable wall clock for settle windows.
type testWallClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestWallClock() *testWallClock { return &testWallClock{now: time.Now().UTC()} }

func (c *testWallClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testWallClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// protoV6FactoriesOpts serves the provider in-process with opts (the
// environment's clock and no run registry are always set).
func protoV6FactoriesOpts(env *acctest.Env, opts Options) map[string]func() (tfprotov6.ProviderServer, error) {
	opts.Now, opts.DisableRunRegistry, opts.PetraRequestsPerMinute, opts.NoConfigName = env.Now, true, env.PetraPerMinute, true
	return map[string]func() (tfprotov6.ProviderServer, error){
		"petra": providerserver.NewProtocol6WithError(NewWithOptions("test", opts)()),
	}
}

// appliedPerLine counts, per contract service, the adjustment posts after
// seq that Autotask applied (answered, committed with the answer dropped,
// or committed late).
func appliedPerLine(t *testing.T, env *acctest.Env, seq int64) map[int64]int {
	t.Helper()
	applied, _ := effectiveAdjustments(t, env, seq)
	return applied
}

// expectLines checks, through the Autotask API and the request log, the
// units every line holds and how many adjustments Autotask applied to it
// since seq.
func expectLines(t *testing.T, env *acctest.Env, seq *int64, lines []acctest.BillingTarget, units, applied int) error {
	t.Helper()
	got := appliedPerLine(t, env, *seq)
	for _, b := range lines {
		if u := env.UnitsToday(t, b.ContractServiceID); u != units {
			return fmt.Errorf("line %d holds %d units, want %d", b.ContractServiceID, u, units)
		}
		if got[b.ContractServiceID] != applied {
			return fmt.Errorf("line %d: %d adjustments applied, want %d", b.ContractServiceID, got[b.ContractServiceID], applied)
		}
	}
	return nil
}

// waitForApplied waits until the request log shows n applied adjustments
// after seq (late commits land on the sandbox's own goroutine).
func waitForApplied(t *testing.T, env *acctest.Env, seq int64, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		total := 0
		for _, c := range appliedPerLine(t, env, seq) {
			total += c
		}
		if total >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %d applied adjustments (have %d)", n, total)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func mappingsConfig(env *acctest.Env, tenant string, lines []acctest.BillingTarget, units int64) string {
	ms := make([]billingMapping, len(lines))
	for i, b := range lines {
		ms[i] = mappingFor(fmt.Sprintf("m%d", i), tenant, b, units)
	}
	return billingConfig(env, "", ms...)
}

// TestAccBillingMapping_resetThenLateCommitIsNotRepeated is the first
// finding: a proxy resets the connection at once but forwards the post 1.5 s
// later. With the default read-back waits the provider sees each adjustment
// land: every line gets exactly one adjustment and holds its target.
func TestAccBillingMapping_resetThenLateCommitIsNotRepeated(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	lines := []acctest.BillingTarget{env.NewBillingTarget(t, 10), env.NewBillingTarget(t, 10), env.NewBillingTarget(t, 10)}
	var seq int64
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6FactoriesOpts(env, Options{PushTiming: &billing.PushTiming{}}), // default waits
		Steps: []resource.TestStep{{
			PreConfig: func() {
				markSeq(t, env, &seq)()
				injectFault(t, env, sandbox.FaultRule{Method: "POST", Path: adjustmentsPath, Action: sandbox.FaultDropThenCommit, DelayMs: 1500, Count: 3})
			},
			Config: mappingsConfig(env, tenant, lines, 21),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("petra_autotask_billing_mapping.m0", tfjsonpath.New("units"), knownvalue.Int64Exact(21)),
				statecheck.ExpectKnownValue("petra_autotask_billing_mapping.m0", tfjsonpath.New("unconfirmed_adjustment"), knownvalue.Null()),
			},
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			Check: func(*terraform.State) error {
				if n := adjustmentsSince(t, env, seq); n != 3 {
					return fmt.Errorf("%d adjustment posts, want 3 (one per line)", n)
				}
				return expectLines(t, env, &seq, lines, 21, 1)
			},
		}},
	})
}

// TestAccBillingMapping_writeHeldPastTheClientDeadline: Autotask holds each
// post longer than the client's write timeout, then applies it. The
// read-back sees it: one adjustment per line, state matches Autotask.
func TestAccBillingMapping_writeHeldPastTheClientDeadline(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	lines := []acctest.BillingTarget{env.NewBillingTarget(t, 10), env.NewBillingTarget(t, 10), env.NewBillingTarget(t, 10)}
	var seq int64
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6FactoriesOpts(env, Options{PushTiming: &billing.PushTiming{}, AutotaskWriteTimeout: 400 * time.Millisecond}),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				markSeq(t, env, &seq)()
				injectFault(t, env, sandbox.FaultRule{Method: "POST", Path: adjustmentsPath, Action: sandbox.FaultHoldThenCommit, DelayMs: 1500, Count: 3})
			},
			Config:           mappingsConfig(env, tenant, lines, 30),
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			Check: func(*terraform.State) error {
				if n := adjustmentsSince(t, env, seq); n != 3 {
					return fmt.Errorf("%d adjustment posts, want 3", n)
				}
				return expectLines(t, env, &seq, lines, 30, 1)
			},
		}},
	})
}

// TestAccBillingMapping_commitLaterThanTheReadBack: the posts land only after
// the provider's read-back gave up. Creating fails with the outcome
// unconfirmed and nothing more posted; the mappings are recorded with what
// Autotask shows and the unconfirmed adjustment. An apply before the posts
// can have settled changes nothing. Once they land, the next apply finds
// the targets and posts nothing. Then an update with the same fault: the
// next apply within the window leaves the line alone, and after the write
// landed it posts nothing either. One applied adjustment per line and
// change, no line over its target at any point.
func TestAccBillingMapping_commitLaterThanTheReadBack(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	lines := []acctest.BillingTarget{env.NewBillingTarget(t, 10), env.NewBillingTarget(t, 10)}
	clock := newTestWallClock()
	var seq int64
	release := func() {
		if _, err := env.Sandbox.Admin.ReleaseLateCommits(ctx()); err != nil {
			t.Fatal(err)
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6FactoriesWith(env, testPushTiming(clock.Now, 10*time.Minute)),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					markSeq(t, env, &seq)()
					injectFault(t, env, sandbox.FaultRule{Method: "POST", Path: adjustmentsPath, Action: sandbox.FaultDropThenCommit, UntilReleased: true, Count: 2})
				},
				Config: mappingsConfig(env, tenant, lines, 21),
				ExpectError: exactParts("Pushing units to Autotask failed", "The outcome of the adjustment of +11 units to contract service",
					"is not confirmed", "Autotask shows 10 units now (target 21). Nothing more was posted for this line.",
					"Run apply again later: it reads the units first and pushes only what is missing"),
			},
			{
				// Within the settle window, before the posts land: the
				// recorded mappings cannot be replaced, nothing is posted.
				PreConfig: func() {
					if n := adjustmentsSince(t, env, seq); n != 2 {
						t.Errorf("%d adjustment posts in the failed apply, want 2", n)
					}
					if err := expectLines(t, env, &seq, lines, 10, 0); err != nil {
						t.Error(err)
					}
					clock.Advance(time.Minute)
				},
				Config:      mappingsConfig(env, tenant, lines, 21),
				ExpectError: exactParts("Billing mapping has an unconfirmed adjustment", "Autotask, which may still apply it until", "so nothing was changed. Run apply again after"),
			},
			{
				// The posts land; the next apply reads the units first and
				// posts nothing.
				PreConfig: func() {
					if n := adjustmentsSince(t, env, seq); n != 2 {
						t.Errorf("%d adjustment posts, want still 2", n)
					}
					release()
					waitForApplied(t, env, seq, 2)
				},
				Config:           mappingsConfig(env, tenant, lines, 21),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("petra_autotask_billing_mapping.m0", tfjsonpath.New("units"), knownvalue.Int64Exact(21)),
					statecheck.ExpectKnownValue("petra_autotask_billing_mapping.m0", tfjsonpath.New("unconfirmed_adjustment"), knownvalue.Null()),
				},
				Check: func(*terraform.State) error {
					if n := adjustmentsSince(t, env, seq); n != 2 {
						return fmt.Errorf("%d adjustment posts, want 2: the late ones, nothing after", n)
					}
					return expectLines(t, env, &seq, lines, 21, 1)
				},
			},
			{
				// An update whose post lands late.
				PreConfig: func() {
					markSeq(t, env, &seq)()
					injectFault(t, env, sandbox.FaultRule{Method: "POST", Path: adjustmentsPath, Action: sandbox.FaultDropThenCommit, UntilReleased: true, Count: 2})
				},
				Config:      mappingsConfig(env, tenant, lines, 25),
				ExpectError: exactParts("The outcome of the adjustment of +4 units to contract service", "Autotask shows 21 units now (target 25)"),
			},
			{
				PreConfig:   func() { clock.Advance(time.Minute) },
				Config:      mappingsConfig(env, tenant, lines, 25),
				ExpectError: exactParts("is not confirmed yet, and Autotask may still apply it until", "Autotask shows 21 units now (target 25)", "Nothing was posted, so that the adjustment cannot be applied twice"),
			},
			{
				PreConfig: func() {
					release()
					waitForApplied(t, env, seq, 2)
				},
				Config:           mappingsConfig(env, tenant, lines, 25),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: func(*terraform.State) error {
					if n := adjustmentsSince(t, env, seq); n != 2 {
						return fmt.Errorf("%d adjustment posts for the update, want 2 (one per line)", n)
					}
					return expectLines(t, env, &seq, lines, 25, 1)
				},
			},
		},
	})
}

// TestAccBillingMapping_lineMappedTwiceInOneConfiguration: the same tenant
// mapped twice to one line, as two resources or two for_each keys, fails the
// plan whatever the tenant, and nothing is written.
func TestAccBillingMapping_lineMappedTwiceInOneConfiguration(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	b := env.NewBillingTarget(t, 4)
	twoResources := billingConfig(env, "", mappingFor("a", tenant, b, 9), mappingFor("b", tenant, b, 9))
	forEach := env.ProviderConfig() + fmt.Sprintf(`
resource "petra_autotask_billing_mapping" "m" {
  for_each      = toset(["first", "second"])
  connection_id = %q
  tenant_id     = %q
  company_id    = %d
  contract_id   = %d
  service_id    = %d
  units         = 9
}
`, env.ConnectionID(), tenant, b.CompanyID, b.ContractID, b.ServiceID)
	twice := exactParts("Service line mapped twice", fmt.Sprintf("is also mapped by the billing mapping of tenant %q", tenant),
		"Two mappings pushing to one line overwrite each other's unit count")
	var seq int64
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{PreConfig: markSeq(t, env, &seq), Config: twoResources, PlanOnly: true, ExpectError: twice},
			{Config: forEach, PlanOnly: true, ExpectError: twice},
			{Config: twoResources, ExpectError: twice}, // apply fails at its plan
			{Config: forEach, ExpectError: twice},
			{
				Config:   env.ProviderConfig(),
				PlanOnly: true,
				PreConfig: func() {
					if w := writesSince(t, env, seq); len(w) != 0 {
						t.Errorf("a duplicated line wrote to Autotask: %v", w)
					}
					if u := env.UnitsToday(t, b.ContractServiceID); u != 4 {
						t.Errorf("units changed to %d", u)
					}
				},
			},
		},
	})
}

// TestAccBillingMapping_lineClaimedByAnotherConfiguration: another
// configuration (another state file) holds the line's claim. This
// configuration's plan and apply fail naming the owner, and write nothing;
// take_over_claim moves the claim on purpose and pushes once; the other
// configuration is then refused; destroy releases the claim.
func TestAccBillingMapping_lineClaimedByAnotherConfiguration(t *testing.T) {
	env := newAccEnv(t)
	b := env.NewBillingTarget(t, 5)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	other := claims.NewNotes(run.New(env.AT, nil, env.Now))
	theirs, err := other.EnsureLineClaim(context.Background(), claims.ClaimRequest{ContractID: b.ContractID,
		LineID: b.ContractServiceID, Identity: claims.ClaimIdentity{Owner: "billing-staging (other repo)", Tenant: "Y3mPqr"}})
	if err != nil {
		t.Fatalf("the other configuration's claim: %v", err)
	}
	const owner = `billing_claim_owner = "billing-prod (this repo)"`
	cfg := func(takeOver bool) string {
		c := billingConfig(env, owner, mappingFor("test", tenant, b, 8))
		if takeOver {
			c = strings.Replace(c, "units         = 8\n", "units         = 8\n  take_over_claim = true\n", 1)
		}
		return c
	}
	claimed := exactParts("Service line claimed by another configuration",
		`is claimed by "billing-staging (other repo)" (tenant Y3mPqr, claimed`,
		fmt.Sprintf("contract note %d on contract %d)", theirs.NoteID, b.ContractID),
		"so this mapping would bill the line a second time, and nothing is pushed for it",
		`change "Status: active" to "Status: released"`, "set take_over_claim = true on this mapping")
	var seq int64
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		CheckDestroy: func(*terraform.State) error {
			if c := activeClaimNotes(t, env, b); len(c) != 0 {
				return fmt.Errorf("destroy left active claims: %v", c)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{PreConfig: markSeq(t, env, &seq), Config: cfg(false), PlanOnly: true, ExpectError: claimed},
			{Config: cfg(false), ExpectError: claimed},
			{
				PreConfig: func() {
					if !env.Real {
						if w := writesSince(t, env, seq); len(w) != 0 {
							t.Errorf("a claimed line was written to: %v", w)
						}
					}
					markSeq(t, env, &seq)()
				},
				Config: cfg(true),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(billingAddr, tfjsonpath.New("units"), knownvalue.Int64Exact(8)),
					statecheck.ExpectKnownValue(billingAddr, tfjsonpath.New("claim_note_id"), knownvalue.NotNull()),
				},
				Check: resource.ComposeTestCheckFunc(
					expectUnits(t, env, b.ContractServiceID, 8, &seq, 1),
					func(*terraform.State) error {
						notes := env.ClaimNotes(t, b.ContractID)
						if len(notes) != 1 || notes[0].ID == theirs.NoteID || !strings.Contains(notes[0].Description, "Owner: billing-prod (this repo)") {
							return fmt.Errorf("active claims after the take-over: %+v", notes)
						}
						// The other configuration is refused now, naming this one.
						_, err := other.EnsureLineClaim(context.Background(), claims.ClaimRequest{ContractID: b.ContractID,
							LineID: b.ContractServiceID, Token: theirs.Token,
							Identity: claims.ClaimIdentity{Owner: "billing-staging (other repo)", Tenant: "Y3mPqr"}})
						var conflict *claims.ClaimConflictError
						if !errors.As(err, &conflict) || !strings.Contains(err.Error(), `"billing-prod (this repo)"`) {
							return fmt.Errorf("the former owner after the take-over: %w", err)
						}
						return nil
					},
				),
			},
			{
				// The claim is held: the switch changes nothing more (the plan
				// is empty).
				Config:   cfg(true),
				PlanOnly: true,
			},
		},
	})
}

// TestAccBillingMapping_importedLineIsClaimedByTheFirstApply: import writes
// nothing; the first apply after it claims the line.
func TestAccBillingMapping_importedLineIsClaimedByTheFirstApply(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t)
	b := env.NewBillingTarget(t, 6)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	cfg := billingConfig(env, "", mappingFor("test", tenant, b, 6)) + fmt.Sprintf(`
import {
  to = petra_autotask_billing_mapping.test
  id = "%s/%d"
}
`, tenant, b.ContractServiceID)
	var seq int64
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				PreConfig: markSeq(t, env, &seq),
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(billingAddr, tfjsonpath.New("claim_note_id")),
				}},
				Check: func(*terraform.State) error {
					if c := activeClaimNotes(t, env, b); len(c) != 1 {
						return fmt.Errorf("active claims after the first apply: %v", c)
					}
					if n := adjustmentsSince(t, env, seq); n != 0 {
						return fmt.Errorf("%d adjustments posted for a mapping already at its units", n)
					}
					return nil
				},
			},
		},
	})
}

// billingResourceFor is a billing mapping resource on the environment, for
// calling ModifyPlan directly (Terraform shows warnings the acceptance
// framework cannot assert).
func billingResourceFor(env *acctest.Env) *billingMappingResource {
	svc := newServices(run.New(env.AT, env.Petra, env.Now).WithUsername(env.Username()), billing.PushTiming{}, nil)
	return &billingMappingResource{data: &providerData{autotask: env.AT, petra: env.Petra, svc: svc, now: env.Now,
		billingCheckFailure: BillingCheckError, claimOwner: "test"}}
}

func billingModifyPlan(t *testing.T, r *billingMappingResource, plan billingMappingModel) (billingMappingModel, diag.Diagnostics) {
	t.Helper()
	var sresp fwresource.SchemaResponse
	r.Schema(ctx(), fwresource.SchemaRequest{}, &sresp)
	typ := sresp.Schema.Type().TerraformType(ctx())
	p := tfsdk.Plan{Schema: sresp.Schema, Raw: tftypes.NewValue(typ, nil)}
	tenantMappingNoDiags(t, p.Set(ctx(), &plan))
	st := tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(typ, nil)}
	resp := &fwresource.ModifyPlanResponse{Plan: p}
	r.ModifyPlan(ctx(), fwresource.ModifyPlanRequest{Config: tfsdk.Config{Schema: sresp.Schema, Raw: p.Raw}, Plan: p, State: st}, resp)
	var out billingMappingModel
	tenantMappingNoDiags(t, resp.Plan.Get(ctx(), &out))
	return out, resp.Diagnostics
}

// TestBillingMappingPausedAndTrialTenantsWarn: a paused or trial tenant is
// allowed, with a warning on tenant_id; the plan is otherwise clean.
func TestBillingMappingPausedAndTrialTenantsWarn(t *testing.T) {
	env := newAccEnv(t)
	b := env.NewBillingTarget(t, 0)
	newPlan := func(tenant string) billingMappingModel {
		return billingMappingModel{
			ID: types.StringUnknown(), ConnectionID: types.StringValue(env.ConnectionID()), TenantID: types.StringValue(tenant),
			CompanyID: types.Int64Value(b.CompanyID), ContractID: types.Int64Value(b.ContractID), ServiceID: types.Int64Value(b.ServiceID),
			Units: unitsValue(3), ContractServiceID: types.Int64Unknown(), CompanyName: types.StringUnknown(),
			ContractName: types.StringUnknown(), ServiceName: types.StringUnknown(), ContractStartDate: types.StringUnknown(),
			ContractEndDate: types.StringUnknown(), LastPushDelta: types.Int64Unknown(), LastPushAt: types.StringUnknown(),
			TakeOverClaim: types.BoolNull(), ClaimToken: types.StringUnknown(), ClaimNoteID: types.Int64Unknown(),
			Unconfirmed: types.ObjectUnknown(unconfirmedAttrTypes), Timeouts: billingTimeoutsNull(),
		}
	}
	for tenant, want := range map[string][2]string{
		"Fj5Dz1": {"Petra tenant is paused", `Petra tenant "Lakeview Property Management" (Fj5Dz1) is paused: Petra does not bill paused tenants`},
		"Wr8Qs4": {"Petra tenant is in trial", `Petra tenant "Pinecrest Architects" (Wr8Qs4) is in trial: Petra does not bill it yet.`},
	} {
		_, diags := billingModifyPlan(t, billingResourceFor(env), newPlan(tenant))
		if diags.HasError() {
			t.Fatalf("%s: errors %v", tenant, diags)
		}
		tenantMappingWantDiag(t, diags, diag.SeverityWarning, "tenant_id", want[0], want[1])
	}
}

// TestAccBillingMapping_writeHeldPastTheCreateTimeout: Autotask holds the
// adjustment longer than the mapping's timeouts.create. The apply fails on
// time naming the timeout, with the adjustment recorded as unconfirmed and
// nothing posted again; once the held write lands, the next apply posts
// nothing. One adjustment in all, the line at its target.
func TestAccBillingMapping_writeHeldPastTheCreateTimeout(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	b := env.NewBillingTarget(t, 10)
	lines := []acctest.BillingTarget{b}
	clock := newTestWallClock()
	cfg := env.ProviderConfig() + fmt.Sprintf(`
resource "petra_autotask_billing_mapping" "m0" {
  connection_id = %q
  tenant_id     = %q
  company_id    = %d
  contract_id   = %d
  service_id    = %d
  units         = 30

  timeouts {
    create = "2s"
  }
}
`, env.ConnectionID(), tenant, b.CompanyID, b.ContractID, b.ServiceID)
	var seq int64
	var started time.Time
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6FactoriesWith(env, billing.PushTiming{
			ReadBackWaits: []time.Duration{0, 5 * time.Second, 10 * time.Second, 20 * time.Second},
			SettleWindow:  10 * time.Minute, Now: clock.Now,
		}),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					markSeq(t, env, &seq)()
					injectFault(t, env, sandbox.FaultRule{Method: "POST", Path: adjustmentsPath, Action: sandbox.FaultHoldThenCommit, UntilReleased: true})
					started = time.Now()
				},
				Config: cfg,
				ExpectError: exactParts("Pushing units to Autotask failed", "The outcome of the adjustment of +20 units to contract service",
					"Nothing more was posted for this line", "The mapping's timeout (timeouts.create) passed before Autotask answered",
					"Raise timeouts.create if Autotask is this slow"),
			},
			{
				PreConfig: func() {
					if took := time.Since(started); took > 60*time.Second {
						t.Errorf("the apply took %s with a 2s create timeout", took)
					}
					if n := adjustmentsSince(t, env, seq); n != 1 {
						t.Errorf("%d adjustment posts in the timed-out apply, want 1", n)
					}
					if _, err := env.Sandbox.Admin.ReleaseLateCommits(ctx()); err != nil {
						t.Fatal(err)
					}
					waitForApplied(t, env, seq, 1)
				},
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("petra_autotask_billing_mapping.m0", tfjsonpath.New("units"), knownvalue.Int64Exact(30)),
					statecheck.ExpectKnownValue("petra_autotask_billing_mapping.m0", tfjsonpath.New("unconfirmed_adjustment"), knownvalue.Null()),
				},
				Check: func(*terraform.State) error {
					if n := adjustmentsSince(t, env, seq); n != 1 {
						return fmt.Errorf("%d adjustment posts, want 1: the held one, nothing after", n)
					}
					return expectLines(t, env, &seq, lines, 30, 1)
				},
			},
		},
	})
}
