package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
)

const unitsDataAddr = "data.petra_autotask_contract_service_units.now"

// previewConfig is the billing guide's preview: mappings and the data source
// fed from the same local map, and an output of the preview lines.
func previewConfig(env *acctest.Env, targets map[string]acctest.BillingTarget, tenants map[string]string, units map[string]int64) string {
	cfg := env.ProviderConfig() + "\nlocals {\n  billing = {\n"
	for key, b := range targets {
		cfg += fmt.Sprintf("    %s = { tenant_id = %q, company_id = %d, contract_id = %d, service_id = %d, units = %d }\n",
			key, tenants[key], b.CompanyID, b.ContractID, b.ServiceID, units[key])
	}
	cfg += "  }\n}\n"
	// One block per mapping (the testing framework's state checks do not
	// follow for_each); the data source is fed from the same locals.
	for key := range targets {
		cfg += fmt.Sprintf(`
resource "petra_autotask_billing_mapping" %q {
  connection_id = %q
  tenant_id     = local.billing[%q].tenant_id
  company_id    = local.billing[%q].company_id
  contract_id   = local.billing[%q].contract_id
  service_id    = local.billing[%q].service_id
  units         = local.billing[%q].units
}
`, key, env.ConnectionID(), key, key, key, key, key)
	}
	cfg += `
data "petra_autotask_contract_service_units" "now" {
  lines = {
    for k, m in local.billing : k => {
      contract_id  = m.contract_id
      service_id   = m.service_id
      target_units = m.units
    }
  }
}

output "billing_preview" {
  value = { for k, r in data.petra_autotask_contract_service_units.now.results : k => r.preview }
}

output "billing_changes" {
  value = { for k, r in data.petra_autotask_contract_service_units.now.results : k => r.delta if r.delta != 0 }
}
`
	return cfg
}

// TestAccContractServiceUnits_previewOfCreateAndUpdate: the plan of a new
// mapping and the plan of a changed one both show, for every mapping, the
// units Autotask holds now and the target, through the data source's
// output; and what the preview promised is what apply does.
func TestAccContractServiceUnits_previewOfCreateAndUpdate(t *testing.T) {
	env := newAccEnv(t)
	a := env.NewBillingTarget(t, 5)
	b := env.NewBillingTarget(t, 9)
	targets := map[string]acctest.BillingTarget{"alpha": a, "bravo": b}
	tenants := map[string]string{"alpha": env.PetraTenant(t, 0).PetraTenantID, "bravo": env.PetraTenant(t, 1).PetraTenantID}
	line := func(x acctest.BillingTarget, change string) knownvalue.Check {
		return knownvalue.StringExact(fmt.Sprintf("%s / %s / %s: %s", x.CompanyName, x.ContractName, x.ServiceName, change))
	}
	alpha := "petra_autotask_billing_mapping.alpha"
	bravo := "petra_autotask_billing_mapping.bravo"
	var seq int64

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				// Creates: the plan shows 5 → 12 and 9 unchanged, which a
				// create's diff alone (units = 12) does not.
				PreConfig: markSeq(t, env, &seq),
				Config:    previewConfig(env, targets, tenants, map[string]int64{"alpha": 12, "bravo": 9}),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(alpha, plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction(bravo, plancheck.ResourceActionCreate),
						plancheck.ExpectKnownOutputValue("billing_preview", knownvalue.MapExact(map[string]knownvalue.Check{
							"alpha": line(a, "5 → 12 (+7)"),
							"bravo": line(b, "9 (no change)"),
						})),
						plancheck.ExpectKnownOutputValue("billing_changes", knownvalue.MapExact(map[string]knownvalue.Check{
							"alpha": knownvalue.Int64Exact(7),
						})),
					},
					PostApplyPostRefresh: afterBillingRun(alpha, bravo, map[string]knownvalue.Check{
						"alpha": line(a, "12 (no change)"), "bravo": line(b, "9 (no change)"),
					}),
				},
				// The outputs stored by the apply are the plan's preview; the
				// next plan shows them settle (and nothing else).
				ExpectNonEmptyPlan: true,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(unitsDataAddr, tfjsonpath.New("results").AtMapKey("alpha"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"contract_service_id": knownvalue.Int64Exact(a.ContractServiceID),
						"units":               knownvalue.Int64Exact(5),
						"delta":               knownvalue.Int64Exact(7),
						"preview":             line(a, "5 → 12 (+7)"),
						"problem":             knownvalue.Null(),
					})),
				},
				Check: expectUnits(t, env, a.ContractServiceID, 12, &seq, 1),
			},
			{
				// Updates: alpha 12 → 20 (what Autotask holds after the
				// first apply), bravo 9 → 4.
				PreConfig: markSeq(t, env, &seq),
				Config:    previewConfig(env, targets, tenants, map[string]int64{"alpha": 20, "bravo": 4}),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(alpha, plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction(bravo, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownOutputValue("billing_preview", knownvalue.MapExact(map[string]knownvalue.Check{
							"alpha": line(a, "12 → 20 (+8)"),
							"bravo": line(b, "9 → 4 (-5)"),
						})),
						plancheck.ExpectKnownOutputValue("billing_changes", knownvalue.MapExact(map[string]knownvalue.Check{
							"alpha": knownvalue.Int64Exact(8),
							"bravo": knownvalue.Int64Exact(-5),
						})),
					},
					PostApplyPostRefresh: afterBillingRun(alpha, bravo, map[string]knownvalue.Check{
						"alpha": line(a, "20 (no change)"), "bravo": line(b, "4 (no change)"),
					}),
				},
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeTestCheckFunc(
					expectUnits(t, env, a.ContractServiceID, 20, &seq, 2),
					expectUnits(t, env, b.ContractServiceID, 4, &seq, 2),
				),
			},
			{
				// Someone changes alpha by hand in Autotask: the preview of the
				// next run shows the drift it will undo.
				PreConfig: func() {
					env.Adjust(t, a.ContractID, a.ContractServiceID, 3, env.Today)
					markSeq(t, env, &seq)()
				},
				Config: previewConfig(env, targets, tenants, map[string]int64{"alpha": 20, "bravo": 4}),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(alpha, plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction(bravo, plancheck.ResourceActionNoop),
						plancheck.ExpectKnownOutputValue("billing_preview", knownvalue.MapExact(map[string]knownvalue.Check{
							"alpha": line(a, "23 → 20 (-3)"),
							"bravo": line(b, "4 (no change)"),
						})),
					},
					PostApplyPostRefresh: afterBillingRun(alpha, bravo, map[string]knownvalue.Check{
						"alpha": line(a, "20 (no change)"), "bravo": line(b, "4 (no change)"),
					}),
				},
				ExpectNonEmptyPlan: true,
				Check:              expectUnits(t, env, a.ContractServiceID, 20, &seq, 1),
			},
		},
	})
}

// afterBillingRun checks the plan right after an apply: no mapping changes,
// and the preview says every line holds its target.
func afterBillingRun(alpha, bravo string, preview map[string]knownvalue.Check) []plancheck.PlanCheck {
	return []plancheck.PlanCheck{
		plancheck.ExpectResourceAction(alpha, plancheck.ResourceActionNoop),
		plancheck.ExpectResourceAction(bravo, plancheck.ResourceActionNoop),
		plancheck.ExpectKnownOutputValue("billing_preview", knownvalue.MapExact(preview)),
		plancheck.ExpectKnownOutputValue("billing_changes", knownvalue.MapExact(map[string]knownvalue.Check{})),
	}
}

// TestAccContractServiceUnits_linesThatCannotBeRead: a line the billing
// mapping would refuse shows why in the preview instead of failing it, and
// a preview without targets shows the units now.
func TestAccContractServiceUnits_linesThatCannotBeRead(t *testing.T) {
	env := newAccEnv(t)
	ok := env.NewBillingTarget(t, 6)
	dup := env.NewBillingTarget(t, 2)
	env.AddContractService(t, dup.ContractID, dup.ServiceID, 4.5)
	stray := env.CreateService(t, env.Unique("Not On Contract"), 1)
	tm := env.CreateContract(t, ok.CompanyID, env.Unique("Hourly Work"), env.Date(-60), env.Date(300), acctest.ContractOpts{Type: 1})
	// Lines whose billing checks fail preview the failure, never a push
	// (issue 19): an ended contract and one that has not started.
	endedName, laterName := env.Unique("Ended MSA"), env.Unique("Later MSA")
	ended := env.CreateContract(t, ok.CompanyID, endedName, env.Date(-400), env.Date(-10), acctest.ContractOpts{})
	env.AddContractService(t, ended, ok.ServiceID, 4)
	later := env.CreateContract(t, ok.CompanyID, laterName, env.Date(30), env.Date(400), acctest.ContractOpts{})
	env.AddContractService(t, later, ok.ServiceID, 4)
	cfg := env.ProviderConfig() + fmt.Sprintf(`
data "petra_autotask_contract_service_units" "now" {
  lines = {
    ok        = { contract_id = %d, service_id = %d }
    missing   = { contract_id = 987654, service_id = %d }
    stray     = { contract_id = %d, service_id = %d, target_units = 3 }
    duplicate = { contract_id = %d, service_id = %d, target_units = 3 }
    hourly    = { contract_id = %d, service_id = %d }
    ended     = { contract_id = %d, service_id = %d, target_units = 27 }
    later     = { contract_id = %d, service_id = %d, target_units = 27 }
  }
}
`, ok.ContractID, ok.ServiceID, ok.ServiceID, ok.ContractID, stray, dup.ContractID, dup.ServiceID, tm, ok.ServiceID,
		ended, ok.ServiceID, later, ok.ServiceID)
	prefix := func(contract string) string {
		return fmt.Sprintf("%s / %s / %s: ", ok.CompanyName, contract, ok.ServiceName)
	}
	result := func(key, attr string, v knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(unitsDataAddr, tfjsonpath.New("results").AtMapKey(key).AtMapKey(attr), v)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				result("ok", "units", knownvalue.Int64Exact(6)),
				result("ok", "delta", knownvalue.Null()),
				result("ok", "preview", knownvalue.StringExact(fmt.Sprintf("%s / %s / %s: 6 now", ok.CompanyName, ok.ContractName, ok.ServiceName))),
				result("missing", "units", knownvalue.Null()),
				result("missing", "problem", knownvalue.StringExact("Autotask has no contract 987654 (or the API user cannot see it)")),
				result("missing", "preview", knownvalue.StringExact("not found: Autotask has no contract 987654 (or the API user cannot see it)")),
				result("stray", "contract_service_id", knownvalue.Null()),
				result("stray", "delta", knownvalue.Null()),
				result("stray", "problem", knownvalue.StringExact(fmt.Sprintf("service %d is not on contract %d", stray, ok.ContractID))),
				result("duplicate", "units", knownvalue.Null()),
				result("duplicate", "problem", knownvalue.StringExact(fmt.Sprintf("service %d is on contract %d 2 times", dup.ServiceID, dup.ContractID))),
				result("hourly", "problem", knownvalue.StringExact(fmt.Sprintf("contract %d is not a Recurring Service contract", tm))),
				result("ended", "preview", knownvalue.StringExact(prefix(endedName)+fmt.Sprintf("will fail: Contract %q ended on %s.", endedName, env.Date(-10)))),
				result("ended", "delta", knownvalue.Null()),
				result("ended", "units", knownvalue.Null()),
				result("ended", "problem", knownvalue.StringExact(fmt.Sprintf("Contract %q ended on %s. Billing cannot be synced to an "+
					"expired contract — extend the contract end date in Autotask or map this tenant to an active contract.", endedName, env.Date(-10)))),
				result("later", "preview", knownvalue.StringExact(prefix(laterName)+fmt.Sprintf("will fail: Contract %q has a start date of %s, "+
					"which is in the future.", laterName, env.Date(30)))),
				result("later", "delta", knownvalue.Null()),
			},
		}},
	})
}
