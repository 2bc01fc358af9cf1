package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/petrasecurity/terraform-provider-petra/internal/integration/problem"
	"github.com/petrasecurity/terraform-provider-petra/internal/namematch"
)

// The plan warning of a mapping whose Petra tenant and Autotask company
// names share no significant word (DESIGN.md, "Name matching"), and the
// per-mapping acknowledgement that silences it. The resources call it from
// ModifyPlan with the names their checks already read.

// acknowledgeNameMismatchAttribute is the schema of acknowledge_name_mismatch.
func acknowledgeNameMismatchAttribute(kind string) schema.BoolAttribute {
	return schema.BoolAttribute{
		Optional: true,
		MarkdownDescription: "Set `true` to acknowledge that this " + kind + " pairs a Petra tenant and an Autotask " +
			"company whose names share no word on purpose (for example a holding company billed for its " +
			"subsidiaries, or a company renamed in one system only). Without it, every plan of such a mapping warns, " +
			"naming both names, because a wrong `company_id` bills the wrong customer. Names are compared ignoring " +
			"case, accents, punctuation, legal suffixes (Inc, LLC, Ltd, GmbH, ...) and words like \"and\" and " +
			"\"the\"; a typo of one letter still counts as the same word. Changing it only records the choice.",
	}
}

// nameMismatch is the warning for a tenant and company whose names share no
// significant word, or nil when they share one or the pairing is
// acknowledged.
func nameMismatch(kind, tenantID, tenantName string, companyID int64, companyName string, ack types.Bool) *problem.Problem {
	if ack.ValueBool() || tenantName == "" || companyName == "" || namematch.ShareSignificantWord(tenantName, companyName) {
		return nil
	}
	return &problem.Problem{
		Attribute: problem.AttrCompanyID,
		Summary:   fmt.Sprintf("%s %s: tenant and company names share no word", kind, tenantLabel(tenantName, tenantID)),
		Detail: fmt.Sprintf("Petra tenant %q (%s) is mapped to Autotask company %q (%d), and the two names have no "+
			"word in common (legal suffixes such as Inc or LLC, and words such as \"and\" or \"the\", do not count). "+
			"A wrong company_id bills the wrong customer: check it, for example with the petra_autotask_company_matches "+
			"data source. If the pairing is deliberate (a holding company billed for its subsidiaries, a company "+
			"renamed in one system only), set acknowledge_name_mismatch = true on this mapping to stop this warning.",
			tenantName, tenantID, companyName, companyID),
	}
}

// addNameMismatch adds the warning once per provider run (Terraform plans a
// resource again right before applying it, in the same run).
func addNameMismatch(diags *diag.Diagnostics, svc *services, p *problem.Problem) {
	if p == nil || !svc.run.FirstReportKey("warning "+p.Summary+" "+p.Detail) {
		return
	}
	diags.AddAttributeWarning(path.Root(string(p.Attribute)), p.Summary, p.Detail)
}

// warnTenantMappingNameMismatch warns about a tenant mapping whose checks
// found both the tenant and the company.
func warnTenantMappingNameMismatch(diags *diag.Diagnostics, svc *services, found tenantMappingFound, ack types.Bool) {
	if found.tenant == nil || found.company == nil {
		return
	}
	addNameMismatch(diags, svc, nameMismatch("Tenant mapping", found.tenant.PetraTenantID, found.tenant.Name,
		found.company.ID, found.company.CompanyName, ack))
}

// warnBillingNameMismatch warns about a billing mapping whose company name
// its checks read, with the tenant's name from the run's Petra tenant list
// (no warning without a Petra key: there is no tenant name to compare).
func warnBillingNameMismatch(ctx context.Context, diags *diag.Diagnostics, svc *services, m *billingMappingModel, t *billingTarget) {
	if t == nil || !svc.run.HasPetra() || m.TenantID.IsUnknown() || m.CompanyID.IsUnknown() {
		return
	}
	tenant, err := svc.catalog.PetraTenant(ctx, m.TenantID.ValueString())
	if err != nil || tenant == nil {
		return // the tenant check reports it
	}
	addNameMismatch(diags, svc, nameMismatch("Billing for", tenant.PetraTenantID, tenant.Name, m.CompanyID.ValueInt64(),
		t.companyName, m.AcknowledgeNameMismatch))
}
