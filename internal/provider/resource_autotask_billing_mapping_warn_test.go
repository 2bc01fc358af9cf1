package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// TestAccBillingMapping_warnModeFailsUnchangedMappingAtApply: in warn mode a
// mapping that was healthy when created and whose service has since been
// added to the contract a second time (a change no attribute of the mapping
// shows) is planned for an update even though its units did not change, so the
// scheduled apply visits it and records it as failed, with the check's
// message in sync_error, while nothing is pushed. The plan after that apply
// is empty: the mapping fails again for the reason recorded.
func TestAccBillingMapping_warnModeFailsUnchangedMappingAtApply(t *testing.T) {
	env := newAccEnv(t)
	tenant := env.PetraTenant(t, 0)
	b := env.NewBillingTarget(t, 3)
	m := mappingFor("m", tenant.PetraTenantID, b, 5)
	warn := `billing_check_failure = "warn"`
	duplicate := `Duplicate service on the contract: Duplicate service found — the mapped Autotask Service appears 2 times on this contract. Remove the duplicate in Autotask by deleting it (if not yet invoiced) or setting its units to 0 with a past-dated removal, then retry.`

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				Config: billingConfig(env, warn, m),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("petra_autotask_billing_mapping.m", tfjsonpath.New("units"), knownvalue.Int64Exact(5)),
				},
			},
			{
				// Someone adds the service to the contract again; the units in
				// the configuration are unchanged. The plan warns and still
				// plans an update, and the apply records the failure.
				PreConfig: func() {
					env.AddContractService(t, b.ContractID, b.ServiceID, 4.5)
				},
				Config: billingConfig(env, warn, m),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("petra_autotask_billing_mapping.m", plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue("petra_autotask_billing_mapping.m", tfjsonpath.New("sync_status")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("petra_autotask_billing_mapping.m", tfjsonpath.New("sync_status"), knownvalue.StringExact("failed")),
					statecheck.ExpectKnownValue("petra_autotask_billing_mapping.m", tfjsonpath.New("sync_error"),
						knownvalue.StringExact(fmt.Sprintf("%s (%s): %s", tenant.Name, tenant.PetraTenantID, duplicate))),
					// The last successful push stays recorded.
					statecheck.ExpectKnownValue("petra_autotask_billing_mapping.m", tfjsonpath.New("last_push_delta"), knownvalue.Int64Exact(2)),
				},
			},
		},
	})
	if got := env.UnitsToday(t, b.ContractServiceID); got != 5 {
		t.Fatalf("Autotask holds %d units; the failed mapping must not have been pushed again (want the 5 pushed at create)", got)
	}
}

// TestAccBillingMapping_lineMappedTwice: two tenants' billing mappings that
// point at the same contract service line would overwrite each other's count
// (or, pushed from one snapshot, add up): the plan fails on one of them and
// nothing is pushed.
func TestAccBillingMapping_lineMappedTwice(t *testing.T) {
	env := newAccEnv(t)
	b := env.NewBillingTarget(t, 3)
	a := mappingFor("a", env.PetraTenant(t, 0).PetraTenantID, b, 5)
	c := mappingFor("c", env.PetraTenant(t, 1).PetraTenantID, b, 7)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{{
			Config:      billingConfig(env, "", a, c),
			PlanOnly:    true,
			ExpectError: exactParts("Service line mapped twice", "is also mapped by the billing mapping of tenant", "Keep one mapping per line"),
		}},
	})
	if got := env.UnitsToday(t, b.ContractServiceID); got != 3 {
		t.Fatalf("Autotask holds %d units; a failed plan must push nothing (want 3)", got)
	}
}

// TestAccBillingMapping_warnModeRecordsARefusedPush: in warn mode a push
// Autotask refuses with its business-rule text is a problem of that tenant:
// the mapping is recorded as failed with Autotask's text, the apply succeeds,
// and the next run retries and pushes.
func TestAccBillingMapping_warnModeRecordsARefusedPush(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	b := env.NewBillingTarget(t, 3)
	cfg := billingConfig(env, `billing_check_failure = "warn"`, mappingFor("m", tenant, b, 8))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					injectFault(t, env, sandbox.FaultRule{Method: "POST", Path: adjustmentsPath, Action: sandbox.FaultFail,
						Status: 500, Body: `{"errors":["The contract service cannot be adjusted while an invoice is being generated."]}`, Count: 1})
				},
				Config:             cfg,
				ExpectNonEmptyPlan: true, // the failed mapping is retried
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("petra_autotask_billing_mapping.m", tfjsonpath.New("sync_status"), knownvalue.StringExact("failed")),
					statecheck.ExpectKnownValue("petra_autotask_billing_mapping.m", tfjsonpath.New("sync_error"),
						knownvalue.StringRegexp(regexp.MustCompile(`Autotask refused the unit push: .*The contract service cannot be adjusted while an invoice is being generated`))),
				},
			},
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("petra_autotask_billing_mapping.m", tfjsonpath.New("sync_status"), knownvalue.StringExact("ok")),
					statecheck.ExpectKnownValue("petra_autotask_billing_mapping.m", tfjsonpath.New("last_push_delta"), knownvalue.Int64Exact(5)),
				},
			},
		},
	})
	if got := env.UnitsToday(t, b.ContractServiceID); got != 8 {
		t.Fatalf("Autotask holds %d units after the retry, want 8", got)
	}
}
