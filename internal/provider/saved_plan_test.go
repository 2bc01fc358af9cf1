package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
)

// The tests in this file do what an MSP team does: `terraform plan -out`
// in a pull request, then `terraform apply` of that saved plan after the
// merge, while someone changed Autotask in between. terraform-plugin-testing
// runs every Config step as `plan -out tfplan`, the PreApply plan checks,
// then `apply tfplan` in a new provider process (internal/plugintest);
// changeBeforeApply, placed last among the PreApply checks, makes the change
// between the two. Benign changes must apply, and show in state after the
// next refresh; real problems must fail with their own check's message and
// push nothing. None may end in "Provider produced inconsistent final plan".

// changeBeforeApply is a plan check that changes Autotask or Petra on
// purpose: it runs after the plan was saved and before it is applied.
type changeBeforeApply func()

func (c changeBeforeApply) CheckPlan(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse) {
	c()
}

func TestAccSavedPlan_billingMapping(t *testing.T) {
	cases := []struct {
		name   string
		change func(t *testing.T, env *acctest.Env, b acctest.BillingTarget) (contract, company, end string)
	}{
		{"contract renamed", func(t *testing.T, env *acctest.Env, b acctest.BillingTarget) (string, string, string) {
			n := env.Unique("Renamed Contract")
			renameContract(t, env, b.ContractID, n)
			return n, b.CompanyName, env.Date(300)
		}},
		{"end date extended", func(t *testing.T, env *acctest.Env, b acctest.BillingTarget) (string, string, string) {
			env.UpdateContract(t, b.ContractID, map[string]any{"endDate": env.Date(700) + "T00:00:00Z"})
			return b.ContractName, b.CompanyName, env.Date(700)
		}},
		{"company renamed", func(t *testing.T, env *acctest.Env, b acctest.BillingTarget) (string, string, string) {
			n := env.Unique("Renamed Company")
			tenantMappingRenameCompany(t, env, b.CompanyID, n)
			return b.ContractName, n, env.Date(300)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := newAccEnv(t)
			tenant := env.PetraTenant(t, 0).PetraTenantID
			b := env.NewBillingTarget(t, 2)
			cfg := func(units int64) string { return billingConfig(env, "", mappingFor("test", tenant, b, units)) }
			attr := func(name string, v knownvalue.Check) statecheck.StateCheck {
				return statecheck.ExpectKnownValue(billingAddr, tfjsonpath.New(name), v)
			}
			var contract, company, end string
			change := func() { contract, company, end = tc.change(t, env, b) }
			var seq int64
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6Factories(env),
				Steps: []resource.TestStep{
					{
						// A new mapping: the change lands between plan and
						// apply; the apply records what Autotask says then.
						Config: cfg(5),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(billingAddr, plancheck.ResourceActionCreate),
							changeBeforeApply(change),
						}},
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue(billingAddr, tfjsonpath.New("units"), knownvalue.Int64Exact(5)),
						},
						Check: func(s *terraform.State) error {
							return checkAttrs(s, billingAddr, map[string]string{"contract_name": contract, "company_name": company,
								"contract_end_date": end, "sync_status": "ok"})
						},
					},
					{
						// An update planned with the names in state; the same
						// change again before the apply; the apply pushes and
						// keeps what the plan showed.
						PreConfig: markSeq(t, env, &seq),
						Config:    cfg(8),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(billingAddr, plancheck.ResourceActionUpdate),
							plancheck.ExpectKnownValue(billingAddr, tfjsonpath.New("contract_name"), knownvalue.NotNull()),
							changeBeforeApply(change),
						}},
						Check: expectUnits(t, env, b.ContractServiceID, 8, &seq, 1),
					},
					{
						// The next refresh shows Autotask's values; nothing to do.
						Config:           cfg(8),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
						Check: func(s *terraform.State) error {
							return checkAttrs(s, billingAddr, map[string]string{"contract_name": contract, "company_name": company,
								"contract_end_date": end})
						},
						ConfigStateChecks: []statecheck.StateCheck{attr("units", knownvalue.Int64Exact(8))},
					},
				},
			})
		})
	}
}

// TestAccSavedPlan_billingMappingName: the billing mapping's name, planned
// from state on an update, survives the company and the contract being
// renamed in Autotask between `plan -out` and `apply` (no inconsistent final
// plan: the apply keeps the planned name), and the next refresh shows the
// new name.
func TestAccSavedPlan_billingMappingName(t *testing.T) {
	env := newAccEnv(t)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	b := env.NewBillingTarget(t, 2)
	cfg := func(units int64) string { return billingConfig(env, "", mappingFor("test", tenant, b, units)) }
	name := func(company, contract string) string {
		return fmt.Sprintf("%s → %s / %s", company, contract, b.ServiceName)
	}
	company, contract := env.Unique("Renamed Company"), env.Unique("Renamed Contract")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				Config: cfg(5),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(billingAddr, tfjsonpath.New("name"), knownvalue.StringExact(name(b.CompanyName, b.ContractName))),
				},
			},
			{
				// The update's plan shows the name from state; both are renamed
				// before the saved plan is applied, which keeps the planned name.
				Config: cfg(8),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(billingAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(billingAddr, tfjsonpath.New("name"), knownvalue.StringExact(name(b.CompanyName, b.ContractName))),
					changeBeforeApply(func() {
						tenantMappingRenameCompany(t, env, b.CompanyID, company)
						renameContract(t, env, b.ContractID, contract)
					}),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(billingAddr, tfjsonpath.New("name"), knownvalue.StringExact(name(b.CompanyName, b.ContractName))),
					statecheck.ExpectKnownValue(billingAddr, tfjsonpath.New("units"), knownvalue.Int64Exact(8)),
				},
			},
			{
				// The next refresh names the line by its new names; nothing to do.
				Config: cfg(8),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
					plancheck.ExpectKnownValue(billingAddr, tfjsonpath.New("name"), knownvalue.StringExact(name(company, contract))),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(billingAddr, tfjsonpath.New("name"), knownvalue.StringExact(name(company, contract))),
				},
			},
		},
	})
}

// checkAttrs compares attributes in state with values only known once the
// step ran (what the change before the apply did).
func checkAttrs(s *terraform.State, addr string, want map[string]string) error {
	rs, ok := s.RootModule().Resources[addr]
	if !ok {
		return fmt.Errorf("%s is not in state", addr)
	}
	for k, v := range want {
		if got := rs.Primary.Attributes[k]; got != v {
			return fmt.Errorf("%s.%s = %q, want %q", addr, k, got, v)
		}
	}
	return nil
}

func TestAccSavedPlan_billingMappingRealProblems(t *testing.T) {
	env := newAccEnv(t)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	b := env.NewBillingTarget(t, 2)
	dup := env.NewBillingTarget(t, 4)
	var seq int64
	endedName := b.ContractName
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				// The end date moves into the past between plan and apply.
				PreConfig: markSeq(t, env, &seq),
				Config:    billingConfig(env, "", mappingFor("test", tenant, b, 5)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					changeBeforeApply(func() { env.UpdateContract(t, b.ContractID, map[string]any{"endDate": env.Date(-1) + "T00:00:00Z"}) }),
				}},
				ExpectError: exactError(fmt.Sprintf(`Contract %q ended on %s. Billing cannot be synced to an expired contract`, endedName, env.Date(-1))),
			},
			{
				// A duplicate line appears between plan and apply.
				Config: billingConfig(env, "", mappingFor("dup", tenant, dup, 6)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					changeBeforeApply(func() { env.AddContractService(t, dup.ContractID, dup.ServiceID, 4.5) }),
				}},
				ExpectError: exactError(`Duplicate service found — the mapped Autotask Service appears 2 times on this contract.`),
			},
		},
	})
	// The ended contract has no units in effect today any more; the request
	// log below proves nothing was posted to it.
	if u := env.UnitsToday(t, dup.ContractServiceID); u != 4 {
		t.Errorf("the duplicated line holds %d units, want 4 (nothing pushed)", u)
	}
	if !env.Real && adjustmentsSince(t, env, seq) != 0 {
		t.Errorf("a failed apply posted adjustments")
	}
}

func TestAccSavedPlan_tenantMapping(t *testing.T) {
	env := newAccEnv(t)
	tenantMappingRoomyPetra(t, env)
	tenant := env.PetraTenant(t, 0)
	a := env.CreateCompany(t, env.Unique("Saved A"), acctest.CompanyOpts{})
	bName := env.Unique("Saved B")
	b := env.CreateCompany(t, bName, acctest.CompanyOpts{})
	renamed := env.Unique("Saved B Renamed")
	provider := env.ProviderConfig()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				// Created; the company and the Petra tenant are renamed
				// between plan and apply.
				Config: tenantMappingHCL(env, provider, tenant.PetraTenantID, a),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{changeBeforeApply(func() {
					tenantMappingRenameCompany(t, env, a, "Saved A Renamed")
					renamePetraTenant(t, env, tenant.PetraTenantID, "Renamed Tenant")
				})}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tenantMappingAddr, tfjsonpath.New("company_name"), knownvalue.StringExact("Saved A Renamed")),
					statecheck.ExpectKnownValue(tenantMappingAddr, tfjsonpath.New("tenant_name"), knownvalue.StringExact("Renamed Tenant")),
				},
			},
			{
				// Moved to company B, which is renamed before the apply.
				Config: tenantMappingHCL(env, provider, tenant.PetraTenantID, b),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					changeBeforeApply(func() { tenantMappingRenameCompany(t, env, b, renamed) }),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tenantMappingAddr, tfjsonpath.New("company_name"), knownvalue.StringExact(renamed)),
				},
			},
			{
				// Moved back to A, which is made inactive before the apply:
				// the apply fails with the check's message.
				Config: tenantMappingHCL(env, provider, tenant.PetraTenantID, a),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					changeBeforeApply(func() { env.SetCompanyActive(t, a, false) }),
				}},
				ExpectError: exactError(fmt.Sprintf(`Autotask company "Saved A Renamed" (id %d) is inactive.`, a)),
			},
		},
	})
}

func TestAccSavedPlan_ticketQueueRenamed(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t) // picklist labels change only in the Autotask UI: fault injection
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				// The queue, given by id, is renamed before the apply: the
				// apply records the new label.
				Config: tdConfig(env, "29683482", "New", "In Progress", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(tdAddr, tfjsonpath.New("queue_id"), knownvalue.Int64Exact(29683482)),
					plancheck.ExpectUnknownValue(tdAddr, tfjsonpath.New("queue_label")),
					changeBeforeApply(func() { renameQueue(t, env, "29683482", "Security Monitoring") }),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tdAddr, tfjsonpath.New("queue_label"), knownvalue.StringExact("Security Monitoring")),
				},
			},
			{
				// Given by its old label, the queue is renamed back before the
				// apply: the apply fails on queue with the valid labels.
				PreConfig: func() { clearFaults(t, env); renameQueue(t, env, "29683482", "Monitoring Alerts") },
				Config:    tdConfig(env, "Monitoring Alerts", "New", "In Progress", "High"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					changeBeforeApply(func() { clearFaults(t, env); renameQueue(t, env, "29683482", "Alerts") }),
				}},
				ExpectError: exactParts(`Error: Invalid ticket queue`, `queue: Autotask has no ticket queue "Monitoring Alerts".`),
			},
		},
	})
}

func TestAccSavedPlan_connectionPermissionGranted(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t) // security levels change only in the Autotask UI: fault injection
	restrictServices(t, env)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				// Planned while Services were Restricted (passes, with a
				// warning); full access is granted before the apply, which
				// records the fresh verification.
				Config: env.ProviderConfig() + connResource(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(connAddr, tfjsonpath.New("checks")),
					changeBeforeApply(func() { clearFaults(t, env) }),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("checks").AtSliceIndex(11), knownvalue.ObjectPartial(
						map[string]knownvalue.Check{"name": knownvalue.StringExact("Services query"), "message": knownvalue.StringExact("allowed")})),
				},
			},
			{
				// Features change; the permission is restricted again before
				// the apply: the apply verifies again and records it.
				Config: env.ProviderConfig() + connResource(`["billing"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					changeBeforeApply(func() { restrictServices(t, env) }),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("checks"), knownvalue.ListPartial(map[int]knownvalue.Check{
						7: knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"name":    knownvalue.StringExact("Services query"),
							"message": knownvalue.StringRegexp(regexp.MustCompile(`^allowed with Restricted access`)),
						}),
					})),
				},
			},
		},
	})
}
