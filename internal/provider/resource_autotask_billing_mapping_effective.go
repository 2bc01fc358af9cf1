package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/billing"
)

// When a billing mapping's change takes effect (issue 11): `effective`.

// Values of the effective attribute.
const (
	EffectiveToday      = "today"
	EffectiveNextPeriod = "next_period"
)

// effectiveAttribute is the schema of `effective`.
func effectiveAttribute() schema.Attribute {
	return schema.StringAttribute{
		Optional: true,
		Computed: true,
		Default:  stringdefault.StaticString(EffectiveToday),
		MarkdownDescription: "When a change of `units` takes effect in Autotask. `today` (the default): the adjustment " +
			"is effective today (the database's date, see the provider's `time_zone`); a change made inside a billing " +
			"period creates a prorated billing item for the rest of that period, which Autotask cannot delete, so a " +
			"count that goes up and down between runs bills both moves. `next_period`: the adjustment is effective on the " +
			"first day of the contract's next billing period, so no proration is created; refresh and plans then " +
			"compare `units` with the count of that next period, and the current period keeps its count. The billing " +
			"guide shows the trade-off with numbers.",
		Validators: []validator.String{stringvalidator.OneOf(EffectiveToday, EffectiveNextPeriod)},
	}
}

// effectiveOf reads the attribute (null or unknown count as today).
func effectiveOf(v types.String) string {
	if v.IsNull() || v.IsUnknown() || v.ValueString() == "" {
		return EffectiveToday
	}
	return v.ValueString()
}

// effectiveDay is the date a push of this mapping takes effect: zero for
// today, the first day of the contract's next billing period for
// next_period. A problem is added to diags on the effective attribute.
func effectiveDay(ctx context.Context, svc *services, m billingMappingModel, view *billing.ContractView, diags *diag.Diagnostics) (time.Time, bool) {
	if effectiveOf(m.Effective) != EffectiveNextPeriod || view == nil {
		return time.Time{}, true
	}
	day, err := svc.contracts.NextPeriodStart(ctx, view)
	if err != nil {
		diags.AddAttributeError(path.Root("effective"), "Cannot tell when the next billing period begins", err.Error())
		return time.Time{}, false
	}
	return day, true
}

// unitsForRead is the units refresh records: those in effect today, or with
// next_period those of the period the next change lands in.
func unitsForRead(ctx context.Context, svc *services, state billingMappingModel, view *billing.ContractView, line *billing.ContractLine, diags *diag.Diagnostics) (int, bool) {
	if effectiveOf(state.Effective) != EffectiveNextPeriod {
		return line.UnitsToday, true
	}
	day, ok := effectiveDay(ctx, svc, state, view, diags)
	if !ok {
		return 0, false
	}
	n, err := svc.contracts.UnitsOn(ctx, line.ContractServiceID, view.Contract.ID, line.ServiceID, day)
	if err != nil {
		addAPIError(diags, nil, "Cannot read the units of the next billing period from Autotask", err)
		return 0, false
	}
	return n, true
}

// hiddenLine handles a line refresh cannot find: when the API user reads
// contracts with Restricted access, Autotask may be hiding the line (rows
// outside a restricted user's scope are silently omitted, ref §9), so the
// mapping stays in state and refresh fails with what to do. It returns false
// when the line is really gone (the caller then removes the mapping).
func hiddenLine(ctx context.Context, svc *services, state billingMappingModel, csID int64, diags *diag.Diagnostics) bool {
	hidden, err := svc.access.ContractRowsMayBeHidden(ctx)
	if err != nil {
		addAPIError(diags, nil, "Cannot read the API user's access to contracts from Autotask", err)
		return true
	}
	if !hidden {
		return false
	}
	diags.AddError("Billing line not visible to this API user",
		fmt.Sprintf("Autotask returned no contract service %d for the billing mapping %s, and the Autotask API user %q "+
			"reads contracts with Restricted access, which makes Autotask silently leave out the rows outside the "+
			"user's scope. The line may still exist and bill, so the mapping is kept in state and nothing was changed. "+
			"Give the API user's security level access to all contracts (or to this customer), or run the plan with an "+
			"API user that can see the line. If the line was really deleted in Autotask, remove the mapping with "+
			"`terraform state rm`.", csID, state.ID.ValueString(), svc.run.Username()))
	return true
}
