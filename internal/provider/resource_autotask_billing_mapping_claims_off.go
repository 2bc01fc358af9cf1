package provider

// billing_claims = "off": billing mappings neither write nor read claim
// notes (for one configuration per Autotask database). What stays on: two
// mappings of one line in this configuration fail the plan (claimInRun),
// and a claim recorded in state from when claims were on is kept, resumed
// when they are on again, and released when its mapping is destroyed, so
// that no active claim is left that no state records.

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// claimsOffSummary is the summary of the once-per-run warning.
const claimsOffSummary = "Billing claims are off"

// addClaimsOffWarning says once per provider configuration (so once per
// plan, not once per mapping) that cross-configuration protection is off.
func addClaimsOffWarning(diags *diag.Diagnostics, s setting) {
	diags.AddWarning(claimsOffSummary,
		fmt.Sprintf("%s is %q: billing mappings write and read no claim notes in Autotask, so nothing stops another "+
			"Terraform configuration (another state) that maps the same contract service line from billing it a second "+
			"time. Keep it only while this configuration is the only one that bills this Autotask database. Two "+
			"mappings of one line in this configuration still fail the plan. Claims made while billing_claims was "+
			"\"notes\" stay active and recorded in state, and destroying their mapping releases them. Set %q (the "+
			"default) to claim every line again at the next apply.", s.where(), BillingClaimsOff, BillingClaimsNotes))
}

// claimsOff reports whether the provider runs with billing_claims = "off".
func (d *providerData) claimsOff() bool { return d != nil && d.noClaims }

// planClaimsOff plans, with claims off, the claim attributes a new or
// replaced mapping would get at apply: none (null, known at plan). An
// existing mapping keeps what its state records (claimPlanFromKnown).
func planClaimsOff(plan *billingMappingModel) {
	if plan.ClaimToken.IsUnknown() || plan.ClaimNoteID.IsUnknown() {
		plan.ClaimToken, plan.ClaimNoteID = types.StringNull(), types.Int64Null()
	}
}

// applyClaimsOff records, with claims off, the claim of the mapping's prior
// state (none for a new mapping): nothing is claimed.
func applyClaimsOff(plan, prior *billingMappingModel) {
	if prior != nil {
		fillUnknownString(&plan.ClaimToken, prior.ClaimToken)
		fillUnknownInt64(&plan.ClaimNoteID, prior.ClaimNoteID)
	}
	fillUnknownString(&plan.ClaimToken, types.StringNull())
	fillUnknownInt64(&plan.ClaimNoteID, types.Int64Null())
}
