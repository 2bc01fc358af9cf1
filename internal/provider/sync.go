package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/problem"
)

// Values of sync_status on the tenant and billing mappings.
const (
	// SyncStatusOK: the last apply checked the mapping (and, for a billing
	// mapping, pushed its units).
	SyncStatusOK = "ok"
	// SyncStatusFailed: with billing_check_failure = "warn", a per-tenant
	// problem stopped the last apply for this mapping; nothing was pushed,
	// sync_error says why, and the next plan retries it.
	SyncStatusFailed = "failed"
)

// syncStatusAttribute and syncErrorAttribute are the schema of the two
// result attributes; what names the resource in the description.
func syncStatusAttribute(what string) schema.StringAttribute {
	return schema.StringAttribute{
		Computed: true,
		MarkdownDescription: fmt.Sprintf("Result of the last apply of this %s: `ok`, or `failed` when, with the "+
			"provider's `billing_check_failure = \"warn\"`, a problem of this tenant (listed in `sync_error`) stopped "+
			"it; nothing was changed in Autotask for it. Every plan checks it again: while it fails for the reason in "+
			"`sync_error` the plan warns and changes nothing, and once its checks pass the plan retries it. Known after "+
			"apply when the apply may record another result than the last one: a new or retried %[1]s, or one whose "+
			"checks warn; for a billing mapping in warn mode, also a unit push. Otherwise planned from the last result "+
			"(with the default `billing_check_failure = \"error\"` a push can only end `ok`, or fail the apply).", what),
	}
}

func syncErrorAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		Computed: true,
		MarkdownDescription: "Why the last apply failed for this tenant, as one line that starts with the tenant's " +
			"name and Petra ID (`Harbor Dental Group (ZZk90t): Contract has not started: …`); null when " +
			"`sync_status` is `ok`.",
	}
}

// warnMode reports whether per-tenant problems only fail their own mapping.
func (d *providerData) warnMode() bool {
	return d != nil && d.billingCheckFailure == BillingCheckWarn
}

// tenantLabel names a tenant in messages: "Name (id)", or the id alone.
func tenantLabel(name, id string) string {
	if name == "" || name == id {
		return id
	}
	return fmt.Sprintf("%s (%s)", name, id)
}

// problemLine renders a problem for sync_error, on one line.
func problemLine(label string, problems []problem.Problem) string {
	parts := make([]string, len(problems))
	for i, p := range problems {
		parts[i] = p.Summary + ": " + strings.Join(strings.Fields(p.Detail), " ")
	}
	return label + ": " + strings.Join(parts, " | ")
}

// warnModeNote ends every warning that stands for a failed tenant.
const warnModeNote = "\n\nbilling_check_failure is \"warn\": only this mapping fails. It is recorded with " +
	"sync_status = \"failed\" and this text in sync_error, nothing is changed in Autotask for it, and the next run " +
	"retries it. Every other mapping is applied."

// reportProblems adds one diagnostic per problem on its attribute: errors,
// or in warn mode warnings whose summary names the resource kind and the
// tenant, so that Terraform, which folds warnings of equal summary into "and
// N more similar warnings", shows every failed tenant. A warning is given
// once per provider run and per tenant and cause, whichever kind of mapping
// meets it first: Terraform plans a resource again right before applying
// it, in the same run, and the apply records what that plan said; and a
// tenant whose company was made inactive fails its tenant mapping and its
// billing mapping with the same problem (issue 21: one warning per tenant
// and cause).
func reportProblems(diags *diag.Diagnostics, svc *services, problems []problem.Problem, warn bool, kind, label string) {
	for _, p := range problems {
		at := path.Root(string(p.Attribute))
		if warn {
			summary := fmt.Sprintf("%s %s: %s", kind, label, p.Summary)
			if svc == nil || svc.run.FirstReportKey("warning "+label+": "+p.Summary+" "+p.Detail) {
				diags.AddAttributeWarning(at, summary, p.Detail+warnModeNote)
			}
			continue
		}
		diags.AddAttributeError(at, p.Summary, p.Detail)
	}
}

// recordFailed sets the result attributes of a failed mapping.
func recordFailed(status, syncErr *types.String, label string, problems []problem.Problem) {
	*status = types.StringValue(SyncStatusFailed)
	*syncErr = types.StringValue(problemLine(label, problems))
}

// recordOK sets the result attributes of a mapping applied without problems.
func recordOK(status, syncErr *types.String) {
	*status = types.StringValue(SyncStatusOK)
	*syncErr = types.StringNull()
}
