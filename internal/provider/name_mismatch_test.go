package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

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
