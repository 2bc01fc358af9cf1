package provider

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/access"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// billingMapping is one petra_autotask_billing_mapping block for a test.
type billingMapping struct {
	name                              string
	tenant                            string
	company, contract, service, units int64
}

func (m billingMapping) hcl(env *acctest.Env) string {
	return fmt.Sprintf(`
resource "petra_autotask_billing_mapping" %q {
  connection_id = %q
  tenant_id     = %q
  company_id    = %d
  contract_id   = %d
  service_id    = %d
  units         = %d
}
`, m.name, env.ConnectionID(), m.tenant, m.company, m.contract, m.service, m.units)
}

// mappingFor maps a Petra tenant onto a billing target.
func mappingFor(name, tenant string, b acctest.BillingTarget, units int64) billingMapping {
	return billingMapping{name: name, tenant: tenant, company: b.CompanyID, contract: b.ContractID, service: b.ServiceID, units: units}
}

// billingConfig is a provider block (with extra settings) and mappings.
func billingConfig(env *acctest.Env, providerExtra string, ms ...billingMapping) string {
	var b strings.Builder
	if providerExtra == "" {
		b.WriteString(env.ProviderConfig())
	} else {
		b.WriteString(env.ProviderConfig(providerExtra))
	}
	for _, m := range ms {
		b.WriteString(m.hcl(env))
	}
	return b.String()
}

// requestLog returns the sandbox's requests after seq.
func requestLog(t *testing.T, env *acctest.Env, seq int64) []sandbox.RequestRecord {
	t.Helper()
	rs, err := env.Sandbox.Admin.Requests(context.Background(), seq)
	if err != nil {
		t.Fatalf("reading the sandbox request log: %v", err)
	}
	return rs
}

// lastRequestSeq is the newest request-log sequence number.
func lastRequestSeq(t *testing.T, env *acctest.Env) int64 {
	t.Helper()
	rs := requestLog(t, env, 0)
	if len(rs) == 0 {
		return 0
	}
	return rs[len(rs)-1].Seq
}

// isAdjustmentPost reports whether r posted a ContractServiceAdjustment.
func isAdjustmentPost(r sandbox.RequestRecord) bool {
	p := strings.ToLower(r.Path)
	return r.Method == "POST" && (strings.HasSuffix(p, "/contractserviceadjustments") || strings.HasSuffix(p, "/serviceadjustments"))
}

// adjustmentsSince counts adjustment posts sent after seq (a late commit's
// second log record is not another post).
func adjustmentsSince(t *testing.T, env *acctest.Env, seq int64) int {
	t.Helper()
	n := 0
	for _, r := range requestLog(t, env, seq) {
		if isAdjustmentPost(r) && r.Outcome != sandbox.OutcomeCommittedLate {
			n++
		}
	}
	return n
}

// writesSince lists Autotask requests after seq that could change data
// (queries are POSTs too, and do not count).
func writesSince(t *testing.T, env *acctest.Env, seq int64) []string {
	t.Helper()
	var out []string
	for _, r := range requestLog(t, env, seq) {
		p := strings.ToLower(r.Path)
		if r.Method == "GET" || strings.HasSuffix(p, "/query") || strings.HasSuffix(p, "/query/count") || strings.Contains(p, "/query/next") {
			continue
		}
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

// expectUnits checks the units in effect today through the Autotask API, and
// how many adjustments were posted since *seq.
func expectUnits(t *testing.T, env *acctest.Env, csID int64, want int, seq *int64, posts int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := env.UnitsToday(t, csID); got != want {
			return fmt.Errorf("Autotask holds %d units on contract service %d, want %d", got, csID, want)
		}
		if env.Real {
			return nil
		}
		if got := adjustmentsSince(t, env, *seq); got != posts {
			return fmt.Errorf("%d adjustments were posted, want %d", got, posts)
		}
		return nil
	}
}

func markSeq(t *testing.T, env *acctest.Env, seq *int64) func() {
	return func() {
		if !env.Real {
			*seq = lastRequestSeq(t, env)
		}
	}
}

const billingAddr = "petra_autotask_billing_mapping.test"

func TestAccBillingMapping_lifecycle(t *testing.T) {
	env := newAccEnv(t)
	b := env.NewBillingTarget(t, 5)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	id := fmt.Sprintf("%s/%d/%d", tenant, b.ContractID, b.ServiceID)
	legacyID := tenant + "/" + strconv.FormatInt(b.ContractServiceID, 10)
	pushedAt := env.Now().UTC().Format(time.RFC3339)
	name := fmt.Sprintf("%s → %s / %s", b.CompanyName, b.ContractName, b.ServiceName)
	var seq int64
	cfg := func(units int64) string { return billingConfig(env, "", mappingFor("test", tenant, b, units)) }
	attr := func(name string, v knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(billingAddr, tfjsonpath.New(name), v)
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		CheckDestroy: func(*terraform.State) error {
			if got := env.UnitsToday(t, b.ContractServiceID); got != 3 {
				return fmt.Errorf("destroy changed Autotask: %d units, want 3 (destroy only stops syncing)", got)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				// Create: 5 -> 12 with one adjustment. The id comes from the
				// configuration; names, dates and the line are read at apply.
				PreConfig: markSeq(t, env, &seq),
				Config:    cfg(12),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(billingAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectKnownValue(billingAddr, tfjsonpath.New("id"), knownvalue.StringExact(id)),
						plancheck.ExpectKnownValue(billingAddr, tfjsonpath.New("on_destroy"), knownvalue.StringExact("keep")),
						plancheck.ExpectUnknownValue(billingAddr, tfjsonpath.New("contract_name")),
						plancheck.ExpectUnknownValue(billingAddr, tfjsonpath.New("name")),
						plancheck.ExpectUnknownValue(billingAddr, tfjsonpath.New("contract_service_id")),
						plancheck.ExpectUnknownValue(billingAddr, tfjsonpath.New("last_push_delta")),
						plancheck.ExpectUnknownValue(billingAddr, tfjsonpath.New("sync_status")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					attr("id", knownvalue.StringExact(id)),
					attr("name", knownvalue.StringExact(name)),
					attr("contract_service_id", knownvalue.Int64Exact(b.ContractServiceID)),
					attr("company_name", knownvalue.StringExact(b.CompanyName)),
					attr("contract_name", knownvalue.StringExact(b.ContractName)),
					attr("service_name", knownvalue.StringExact(b.ServiceName)),
					attr("contract_start_date", knownvalue.StringExact(env.Date(-60))),
					attr("contract_end_date", knownvalue.StringExact(env.Date(300))),
					attr("units", knownvalue.Int64Exact(12)),
					attr("last_push_delta", knownvalue.Int64Exact(7)),
					attr("last_push_at", knownvalue.StringExact(pushedAt)),
					attr("sync_status", knownvalue.StringExact("ok")),
					attr("sync_error", knownvalue.Null()),
				},
				Check: expectUnits(t, env, b.ContractServiceID, 12, &seq, 1),
			},
			{
				// Units up: one adjustment of the difference.
				PreConfig: markSeq(t, env, &seq),
				Config:    cfg(20),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(billingAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(billingAddr, tfjsonpath.New("contract_name"), knownvalue.StringExact(b.ContractName)),
						// An update's diff names the line (Terraform always shows name).
						plancheck.ExpectKnownValue(billingAddr, tfjsonpath.New("name"), knownvalue.StringExact(name)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{attr("last_push_delta", knownvalue.Int64Exact(8))},
				Check:             expectUnits(t, env, b.ContractServiceID, 20, &seq, 1),
			},
			{
				// Units down.
				PreConfig: markSeq(t, env, &seq),
				Config:    cfg(3),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{attr("last_push_delta", knownvalue.Int64Exact(-17))},
				Check:             expectUnits(t, env, b.ContractServiceID, 3, &seq, 1),
			},
			{
				// Unchanged units: an empty plan and no adjustment.
				PreConfig: markSeq(t, env, &seq),
				Config:    cfg(3),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{attr("last_push_delta", knownvalue.Int64Exact(-17))},
				Check:             expectUnits(t, env, b.ContractServiceID, 3, &seq, 0),
			},
			{
				// Drift: someone adds 4 units by hand in Autotask. The plan
				// shows units 7 -> 3 and apply restores 3 with one adjustment.
				PreConfig: func() {
					env.Adjust(t, b.ContractID, b.ContractServiceID, 4, env.Today)
					markSeq(t, env, &seq)()
				},
				Config: cfg(3),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectNonEmptyPlan(),
						plancheck.ExpectResourceAction(billingAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(billingAddr, tfjsonpath.New("units"), knownvalue.Int64Exact(3)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{attr("last_push_delta", knownvalue.Int64Exact(-4))},
				Check:             expectUnits(t, env, b.ContractServiceID, 3, &seq, 1),
			},
			{
				// Import by <tenant_id>/<contract_id>/<service_id>: the line,
				// company and units come from Autotask.
				ResourceName:      billingAddr,
				ImportState:       true,
				ImportStateId:     id,
				ImportStateVerify: true,
				// An imported mapping claims its line on its first apply (import
				// writes nothing to Autotask).
				ImportStateVerifyIgnore: []string{"last_push_delta", "last_push_at", "claim_token", "claim_note_id"},
			},
			{
				// Import by <tenant_id>/<contract_service_id>, the id of
				// versions before 0.2: the same mapping.
				ResourceName:            billingAddr,
				ImportState:             true,
				ImportStateId:           legacyID,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"last_push_delta", "last_push_at", "claim_token", "claim_note_id"},
			},
		},
	})
}

func TestAccBillingMapping_planTimeChecks(t *testing.T) {
	env := newAccEnv(t)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	b := env.NewBillingTarget(t, 5)
	other := env.NewBillingTarget(t, 1)

	futureName, endedName, inactiveName, tmName := env.Unique("Starts Later"), env.Unique("Old Deal"), env.Unique("Paused Deal"), env.Unique("Hourly Work")
	future := env.CreateContract(t, b.CompanyID, futureName, env.Date(30), env.Date(400), acctest.ContractOpts{})
	env.AddContractService(t, future, b.ServiceID, 4.5)
	ended := env.CreateContract(t, b.CompanyID, endedName, env.Date(-400), env.Date(-30), acctest.ContractOpts{})
	env.AddContractService(t, ended, b.ServiceID, 4.5)
	inactive := env.CreateContract(t, b.CompanyID, inactiveName, env.Date(-60), env.Date(300), acctest.ContractOpts{Inactive: true})
	env.AddContractService(t, inactive, b.ServiceID, 4.5)
	tm := env.CreateContract(t, b.CompanyID, tmName, env.Date(-60), env.Date(300), acctest.ContractOpts{Type: 1})
	dup := env.NewBillingTarget(t, 2)
	env.AddContractService(t, dup.ContractID, dup.ServiceID, 4.5)
	strayName := env.Unique("Not On Contract")
	stray := env.CreateService(t, strayName, 1)

	steps := []struct {
		m    billingMapping
		want string
	}{
		{billingMapping{contract: future, service: b.ServiceID, company: b.CompanyID},
			fmt.Sprintf(`Contract %q has a start date of %s, which is in the future. Billing cannot be synced until the contract period has begun — update the contract start date in Autotask or wait until the contract is active.`, futureName, env.Date(30))},
		{billingMapping{contract: ended, service: b.ServiceID, company: b.CompanyID},
			fmt.Sprintf(`Contract %q ended on %s. Billing cannot be synced to an expired contract — extend the contract end date in Autotask or map this tenant to an active contract.`, endedName, env.Date(-30))},
		{billingMapping{contract: dup.ContractID, service: dup.ServiceID, company: dup.CompanyID},
			`Duplicate service found — the mapped Autotask Service appears 2 times on this contract. Remove the duplicate in Autotask by deleting it (if not yet invoiced) or setting its units to 0 with a past-dated removal, then retry.`},
		{billingMapping{contract: 987654, service: b.ServiceID, company: b.CompanyID},
			`Autotask has no contract with id 987654, or the API user cannot see it. Check contract_id (the petra_autotask_contracts data source lists the company's contracts), and that the API user's security level allows contract access.`},
		{billingMapping{contract: b.ContractID, service: b.ServiceID, company: other.CompanyID},
			fmt.Sprintf(`Contract %q (id %d) belongs to company %q (id %d), not to company %q (id %d) that this tenant is mapped to. Map the tenant to a contract of its own company, or fix company_id.`,
				b.ContractName, b.ContractID, b.CompanyName, b.CompanyID, other.CompanyName, other.CompanyID)},
		{billingMapping{contract: tm, service: b.ServiceID, company: b.CompanyID},
			fmt.Sprintf(`Contract %q (id %d) is a Time & Materials contract. Unit counts can only be pushed to Recurring Service contracts: choose a Recurring Service contract for this tenant.`, tmName, tm)},
		{billingMapping{contract: inactive, service: b.ServiceID, company: b.CompanyID},
			fmt.Sprintf(`Contract %q (id %d) is inactive in Autotask. Billing cannot be synced to an inactive contract: set the contract's status to Active in Autotask or map this tenant to an active contract.`, inactiveName, inactive)},
		{billingMapping{contract: b.ContractID, service: stray, company: b.CompanyID},
			fmt.Sprintf(`Service %q (id %d) is not on contract %q (id %d). Pushing units would silently add a new service line to the contract, so nothing is pushed: add the service to the contract in Autotask, or choose one of the contract's services (the petra_autotask_contracts data source lists them).`,
				strayName, stray, b.ContractName, b.ContractID)},
	}
	var seq int64
	markSeq(t, env, &seq)()
	tc := resource.TestCase{ProtoV6ProviderFactories: protoV6Factories(env)}
	for _, s := range steps {
		m := s.m
		m.name, m.tenant, m.units = "test", tenant, 9
		tc.Steps = append(tc.Steps, resource.TestStep{
			Config:      billingConfig(env, "", m),
			PlanOnly:    true,
			ExpectError: exactError(s.want),
		})
	}
	resource.ParallelTest(t, tc)

	if env.Real {
		return
	}
	if w := writesSince(t, env, seq); len(w) != 0 {
		t.Fatalf("plans with failing billing checks wrote to Autotask: %v", w)
	}
}

func TestAccBillingMapping_warnModeFailsOnlyTheBadMapping(t *testing.T) {
	env := newAccEnv(t)
	t0, t1, t2 := env.PetraTenant(t, 0), env.PetraTenant(t, 1), env.PetraTenant(t, 2)
	good1 := env.NewBillingTarget(t, 1)
	good2 := env.NewBillingTarget(t, 2)
	bad := env.NewBillingTarget(t, 0)
	expiredName := env.Unique("Expired")
	expired := env.CreateContract(t, bad.CompanyID, expiredName, env.Date(-200), env.Date(-1), acctest.ContractOpts{})
	expiredLine := env.AddContractService(t, expired, bad.ServiceID, 4.5)
	badMapping := billingMapping{name: "bad", tenant: t2.PetraTenantID, company: bad.CompanyID, contract: expired, service: bad.ServiceID, units: 6}
	healthy := []billingMapping{mappingFor("good1", t0.PetraTenantID, good1, 10), mappingFor("good2", t1.PetraTenantID, good2, 20)}
	want := fmt.Sprintf(`%s (%s): Contract has ended: Contract %q ended on %s. Billing cannot be synced to an expired contract — extend the contract end date in Autotask or map this tenant to an active contract.`,
		t2.Name, t2.PetraTenantID, expiredName, env.Date(-1))
	warn := `billing_check_failure = "warn"`
	cfg := billingConfig(env, warn, append(healthy, badMapping)...)
	var seq int64

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				// The plan succeeds (all three planned); the apply succeeds
				// too: the bad mapping is recorded as failed, nothing pushed.
				// The plan after it is empty: the bad mapping fails again
				// for the reason recorded, and its warning says so.
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("petra_autotask_billing_mapping.good1", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction("petra_autotask_billing_mapping.good2", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction("petra_autotask_billing_mapping.bad", plancheck.ResourceActionCreate),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("petra_autotask_billing_mapping.good1", tfjsonpath.New("sync_status"), knownvalue.StringExact("ok")),
					statecheck.ExpectKnownValue("petra_autotask_billing_mapping.bad", tfjsonpath.New("sync_status"), knownvalue.StringExact("failed")),
					statecheck.ExpectKnownValue("petra_autotask_billing_mapping.bad", tfjsonpath.New("sync_error"), knownvalue.StringExact(want)),
					statecheck.ExpectKnownValue("petra_autotask_billing_mapping.bad", tfjsonpath.New("last_push_delta"), knownvalue.Null()),
				},
				Check: func(*terraform.State) error {
					if u := env.UnitsToday(t, good1.ContractServiceID); u != 10 {
						return fmt.Errorf("healthy mapping good1: Autotask holds %d units, want 10", u)
					}
					if u := env.UnitsToday(t, good2.ContractServiceID); u != 20 {
						return fmt.Errorf("healthy mapping good2: Autotask holds %d units, want 20", u)
					}
					return nil
				},
			},
			{
				// The next run checks the failed mapping again: still expired,
				// so nothing changes (the failure stays recorded, with the
				// configured units that were never pushed) and nothing is
				// written.
				PreConfig: markSeq(t, env, &seq),
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("petra_autotask_billing_mapping.bad", tfjsonpath.New("sync_status"), knownvalue.StringExact("failed")),
					statecheck.ExpectKnownValue("petra_autotask_billing_mapping.bad", tfjsonpath.New("sync_error"), knownvalue.StringExact(want)),
					statecheck.ExpectKnownValue("petra_autotask_billing_mapping.bad", tfjsonpath.New("units"), knownvalue.Int64Exact(6)),
				},
				Check: func(*terraform.State) error {
					if env.UnitsToday(t, bad.ContractServiceID) != 0 {
						return fmt.Errorf("the bad mapping's service changed")
					}
					if !env.Real && adjustmentsSince(t, env, seq) != 0 {
						return fmt.Errorf("a run with nothing to push posted adjustments")
					}
					return nil
				},
			},
			{
				// The contract is extended: the plan retries the failed mapping
				// (an update), and the apply syncs it.
				PreConfig: func() {
					env.UpdateContract(t, expired, map[string]any{"endDate": env.Date(300) + "T00:00:00Z"})
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("petra_autotask_billing_mapping.good1", plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction("petra_autotask_billing_mapping.bad", plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue("petra_autotask_billing_mapping.bad", tfjsonpath.New("sync_status")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("petra_autotask_billing_mapping.bad", tfjsonpath.New("sync_status"), knownvalue.StringExact("ok")),
					statecheck.ExpectKnownValue("petra_autotask_billing_mapping.bad", tfjsonpath.New("last_push_delta"), knownvalue.Int64Exact(6)),
				},
				Check: func(*terraform.State) error {
					if u := env.UnitsToday(t, expiredLine); u != 6 {
						return fmt.Errorf("the retried mapping's line holds %d units, want 6", u)
					}
					return nil
				},
			},
		},
	})
}

func TestAccBillingMapping_lostAnswerPushesOnce(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t)
	b := env.NewBillingTarget(t, 5)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	var seq int64

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				markSeq(t, env, &seq)()
				// Autotask applies the adjustment, then the answer is lost.
				if _, err := env.Sandbox.Admin.InjectFault(context.Background(), sandbox.FaultRule{
					Method: "POST", Path: "/ATServicesRest/V1.0/ContractServiceAdjustments", Action: sandbox.FaultCommitThenDrop, Count: 1,
				}); err != nil {
					t.Fatalf("injecting the fault: %v", err)
				}
			},
			Config: billingConfig(env, "", mappingFor("test", tenant, b, 9)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(billingAddr, tfjsonpath.New("units"), knownvalue.Int64Exact(9)),
				statecheck.ExpectKnownValue(billingAddr, tfjsonpath.New("last_push_delta"), knownvalue.Int64Exact(4)),
			},
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			// Exactly one adjustment: units are 9, not 13.
			Check: expectUnits(t, env, b.ContractServiceID, 9, &seq, 1),
		}},
	})
}

// TestAccBillingMapping_importErrors covers malformed import IDs and a line
// Autotask does not have (Read removes it from state, so Terraform reports a
// non-existent object).
func TestAccBillingMapping_importErrors(t *testing.T) {
	env := newAccEnv(t)
	b := env.NewBillingTarget(t, 5)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	cfg := billingConfig(env, "", mappingFor("test", tenant, b, 5))

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				ResourceName:  billingAddr,
				ImportState:   true,
				ImportStateId: tenant,
				ExpectError:   exactError(fmt.Sprintf(`%q has no slash. The ID must be <tenant_id>/<contract_id>/<service_id>, for example "ZZk90t/29684012/29683996"`, tenant)),
			},
			{
				ResourceName:  billingAddr,
				ImportState:   true,
				ImportStateId: tenant + "/abc",
				ExpectError:   exactError(`has "abc" where an Autotask id (a positive whole number) belongs.`),
			},
			{
				ResourceName:  billingAddr,
				ImportState:   true,
				ImportStateId: tenant + "/987654",
				ExpectError:   regexp.MustCompile(`Cannot import non-existent remote object`),
			},
		},
	})
}

func TestBillingMappingIDParsing(t *testing.T) {
	t.Parallel()
	if _, err := parseBillingMappingImportID("ZZk90t/0"); err == nil {
		t.Fatal("contract service id 0 accepted")
	}
	if id, err := parseBillingMappingImportID("ZZk90t/29684012"); err != nil || id.tenant != "ZZk90t" || id.contractServiceID != 29684012 {
		t.Fatalf("parse = %+v %v", id, err)
	}
	if id, err := parseBillingMappingImportID("ZZk90t/29684012/29683996"); err != nil || id.tenant != "ZZk90t" ||
		id.contractID != 29684012 || id.serviceID != 29683996 || id.contractServiceID != 0 {
		t.Fatalf("parse = %+v %v", id, err)
	}
	if _, err := parseBillingMappingImportID("/5"); err == nil || !strings.Contains(err.Error(), "no tenant ID before the slash") {
		t.Fatalf("err = %v", err)
	}
	if _, err := parseBillingMappingImportID("a/1/2/3"); err == nil || !strings.Contains(err.Error(), "it takes 2 or 3") {
		t.Fatalf("err = %v", err)
	}
	if got := billingMappingID("ZZk90t", 29684012, 29683996); got != "ZZk90t/29684012/29683996" {
		t.Fatalf("billingMappingID = %q", got)
	}
}

func TestAccBillingMapping_unitsOutOfRange(t *testing.T) {
	env := newAccEnv(t)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{{
			Config:      billingConfig(env, "", billingMapping{name: "test", tenant: tenant, company: 1, contract: 2, service: 3, units: -1}),
			PlanOnly:    true,
			ExpectError: exactError(`units is -1, but it must be between 0 and 1,000,000`),
		}, {
			Config:      billingConfig(env, "", billingMapping{name: "test", tenant: tenant, company: 1, contract: 0, service: 3, units: 1}),
			PlanOnly:    true,
			ExpectError: exactError(`contract_id is 0, but Autotask ids are positive whole numbers`),
		}},
	})
}

// customUserProvider is a provider block for another of the fixture's
// Autotask API users (same integration code as the full user).
func customUserProvider(env *acctest.Env, username, secret string) string {
	return fmt.Sprintf(`provider "petra" {
  autotask {
    username         = %q
    secret           = %q
    integration_code = %q
    zone_lookup_url  = %q
  }
}
`, username, secret, env.Sandbox.IntegrationCode, env.Sandbox.ZoneLookupURL)
}

func TestAccBillingMapping_permissionErrorsNameTheModule(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t)
	b := env.NewBillingTarget(t, 5)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	mapping := func(user string) string {
		// Every API user of the database shares its connection id.
		_ = user
		return mappingFor("test", tenant, b, 8).hcl(env)
	}
	fix := access.PermissionFix // names every billing permission, ContractServiceAdjustments create too
	const restricted, readonly = "petra-api-restricted@sandbox.example", "petra-api-readonly-contracts@sandbox.example"
	var seq int64

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				// Cannot read Services: the plan fails naming them.
				PreConfig:   markSeq(t, env, &seq),
				Config:      customUserProvider(env, restricted, "sandbox-restricted-secret-do-not-use") + mapping(restricted),
				PlanOnly:    true,
				ExpectError: exactParts("the Autotask API user is not allowed to query Services", fix),
			},
			{
				// Can read everything but cannot create adjustments: the
				// checks pass, the push is refused, nothing is recorded.
				Config:      customUserProvider(env, readonly, "sandbox-readonly-contracts-secret-do-not-use") + mapping(readonly),
				ExpectError: exactParts("the Autotask API user is not allowed to create ContractServiceAdjustments", fix),
			},
			{
				// Nothing changed in Autotask, and the failed create left no state.
				Config:   customUserProvider(env, readonly, "sandbox-readonly-contracts-secret-do-not-use"),
				PlanOnly: true,
				PreConfig: func() {
					if u := env.UnitsToday(t, b.ContractServiceID); u != 5 {
						t.Errorf("units changed to %d although every push was refused", u)
					}
					// The claim made for the refused push was released again.
					var adjustments int
					for _, w := range writesSince(t, env, seq) {
						if strings.HasSuffix(w, "/ContractServiceAdjustments") {
							adjustments++
						}
					}
					if w := writesSince(t, env, seq); adjustments != 1 || len(w) != 3 {
						t.Errorf("writes = %v, want the one refused adjustment, and the claim note created and released", w)
					}
					if c := activeClaimNotes(t, env, b); len(c) != 0 {
						t.Errorf("active claims after a refused push: %v", c)
					}
				},
			},
		},
	})
}

// activeClaimNotes lists the active billing claims on b's contract, read
// through the Autotask API.
func activeClaimNotes(t *testing.T, env *acctest.Env, b acctest.BillingTarget) []string {
	t.Helper()
	var out []string
	for _, n := range env.ClaimNotes(t, b.ContractID) {
		out = append(out, fmt.Sprintf("%d %s", n.ID, n.Title))
	}
	return out
}
