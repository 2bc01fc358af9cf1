package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
)

// TestTenantMappingNameMismatchWarning: a tenant mapping of Petra's "Harbor
// Dental Group" on the Autotask company "Load Co 0089" plans with a warning
// on company_id naming both; a company sharing a word, or the mapping's
// acknowledge_name_mismatch = true, plans without it. (The acceptance
// framework cannot assert warnings; the CLI test of the billing mapping is
// internal/e2e's TestNameMismatchWarning.)
func TestTenantMappingNameMismatchWarning(t *testing.T) {
	env := newAccEnv(t)
	load := env.CreateCompany(t, "Load Co 0089", acctest.CompanyOpts{})
	holding := env.CreateCompany(t, "Harbour Holdings LLC", acctest.CompanyOpts{})
	mapping := func(company int64, ack types.Bool) tenantMappingModel {
		return tenantMappingModel{
			ID: types.StringUnknown(), ConnectionID: types.StringValue(env.ConnectionID()), TenantID: types.StringValue("ZZk90t"),
			CompanyID: types.Int64Value(company), CompanyName: types.StringUnknown(), TenantName: types.StringUnknown(),
			MicrosoftTenantID: types.StringUnknown(), SyncStatus: types.StringUnknown(), SyncError: types.StringUnknown(),
			AcknowledgeNameMismatch: ack,
		}
	}
	const summary = "Tenant mapping Harbor Dental Group (ZZk90t): tenant and company names share no word"
	want := `Petra tenant "Harbor Dental Group" (ZZk90t) is mapped to Autotask company "Load Co 0089" (` + itoa(load) +
		`), and the two names have no word in common (legal suffixes such as Inc or LLC, and words such as "and" or ` +
		`"the", do not count). A wrong company_id bills the wrong customer: check it, for example with the ` +
		`petra_autotask_company_matches data source. If the pairing is deliberate (a holding company billed for its ` +
		`subsidiaries, a company renamed in one system only), set acknowledge_name_mismatch = true on this mapping to ` +
		`stop this warning.`

	_, diags := tenantMappingModifyPlan(t, tenantMappingResourceFor(env, true), mapping(load, types.BoolNull()), nil)
	tenantMappingWantDiag(t, diags, diag.SeverityWarning, "company_id", summary, want)
	if len(diags) != 1 || diags[0].Detail() != want {
		t.Fatalf("want exactly the names warning, got %v", diags)
	}

	for name, m := range map[string]tenantMappingModel{
		"acknowledged":              mapping(load, types.BoolValue(true)),
		"a word in common (a typo)": mapping(holding, types.BoolNull()),
	} {
		if _, diags := tenantMappingModifyPlan(t, tenantMappingResourceFor(env, true), m, nil); len(diags) != 0 {
			t.Errorf("%s: planned with %v, want no diagnostics", name, diags)
		}
	}
	// acknowledge_name_mismatch = false is the same as leaving it out.
	_, diags = tenantMappingModifyPlan(t, tenantMappingResourceFor(env, true), mapping(load, types.BoolValue(false)), nil)
	tenantMappingWantDiag(t, diags, diag.SeverityWarning, "company_id", summary, want)

	// Given once per provider run: Terraform plans the mapping again right
	// before applying it.
	r := tenantMappingResourceFor(env, true)
	tenantMappingModifyPlan(t, r, mapping(load, types.BoolNull()), nil)
	if _, diags := tenantMappingModifyPlan(t, r, mapping(load, types.BoolNull()), nil); len(diags) != 0 {
		t.Errorf("the second plan of one run repeated %v", diags)
	}
}

// TestAccNameMismatchAcknowledgement: acknowledge_name_mismatch on a tenant
// mapping and a billing mapping of Harbor Dental Group on a company of
// another name. Setting it on existing mappings only records the choice (an
// in-place update, no adjustment, the last push kept); both import, the
// acknowledgement coming from configuration, as every choice does.
func TestAccNameMismatchAcknowledgement(t *testing.T) {
	env := newAccEnv(t)
	b := env.NewBillingTarget(t, 5) // company "Acc Company …": no word in common with the tenant
	tenant := "ZZk90t"
	var seq int64
	cfg := func(ack string) string {
		return env.ProviderConfig() + fmt.Sprintf(`
resource "petra_autotask_tenant_mapping" "test" {
  connection_id = %[1]q
  tenant_id     = %[2]q
  company_id    = %[3]d
%[6]s}

resource "petra_autotask_billing_mapping" "test" {
  connection_id = %[1]q
  tenant_id     = %[2]q
  company_id    = %[3]d
  contract_id   = %[4]d
  service_id    = %[5]d
  units         = 7
%[6]s}
`, env.ConnectionID(), tenant, b.CompanyID, b.ContractID, b.ServiceID, ack)
	}
	const tmAddr = "petra_autotask_tenant_mapping.test"
	ackTrue := "  acknowledge_name_mismatch = true\n"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				PreConfig: markSeq(t, env, &seq),
				Config:    cfg(""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(billingAddr, tfjsonpath.New("acknowledge_name_mismatch"), knownvalue.Null()),
					statecheck.ExpectKnownValue(billingAddr, tfjsonpath.New("last_push_delta"), knownvalue.Int64Exact(2)),
				},
				Check: expectUnits(t, env, b.ContractServiceID, 7, &seq, 1),
			},
			{
				PreConfig: markSeq(t, env, &seq),
				Config:    cfg(ackTrue),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(billingAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction(tmAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(billingAddr, tfjsonpath.New("last_push_delta"), knownvalue.Int64Exact(2)),
						plancheck.ExpectKnownValue(billingAddr, tfjsonpath.New("sync_status"), knownvalue.StringExact("ok")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(billingAddr, tfjsonpath.New("acknowledge_name_mismatch"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(tmAddr, tfjsonpath.New("acknowledge_name_mismatch"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(billingAddr, tfjsonpath.New("last_push_delta"), knownvalue.Int64Exact(2)),
				},
				Check: expectUnits(t, env, b.ContractServiceID, 7, &seq, 0),
			},
			{
				ResourceName:      tmAddr,
				ImportState:       true,
				ImportStateId:     fmt.Sprintf("%s/%d", tenant, b.CompanyID),
				ImportStateVerify: true,
				// A choice, like on_destroy's, lives in configuration only.
				ImportStateVerifyIgnore: []string{"acknowledge_name_mismatch"},
			},
			{
				ResourceName:            billingAddr,
				ImportState:             true,
				ImportStateId:           fmt.Sprintf("%s/%d/%d", tenant, b.ContractID, b.ServiceID),
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"acknowledge_name_mismatch", "last_push_delta", "last_push_at", "claim_token", "claim_note_id"},
			},
		},
	})
}
