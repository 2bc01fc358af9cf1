package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/billing"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/problem"
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

// needsLater reports whether a mapping's later billing periods matter, so
// its line's LaterTimeline is read: effective = "next_period" in m or in the
// prior state (a switch may leave a later-dated adjustment pending), or the
// last apply did not finish. Other lines are read for today only (the run's
// bulk read), which keeps a large configuration's reads as they were.
func needsLater(m, state *billingMappingModel) bool {
	if m != nil && effectiveOf(m.Effective) == EffectiveNextPeriod {
		return true
	}
	return state != nil && (effectiveOf(state.Effective) == EffectiveNextPeriod ||
		state.SyncStatus.ValueString() == SyncStatusFailed || unconfirmedOf(state) != nil)
}

// lineTimeline is what the mapping's line holds over time: today only, or
// with its later periods when they matter (needsLater).
func lineTimeline(ctx context.Context, svc *services, m, state *billingMappingModel, contractID int64, line billing.ContractLine) (billing.Timeline, error) {
	if !needsLater(m, state) {
		return line.Units, nil
	}
	return svc.contracts.LaterTimeline(ctx, line.ContractServiceID, contractID, line.ServiceID, false)
}

// effectiveDay is the date a push of this mapping takes effect: zero for
// today, the first day of the line's next billing period for next_period
// (from Autotask's unit rows; computed, with a warning, when no row covers
// today). A problem is added to diags on the effective attribute.
func effectiveDay(ctx context.Context, svc *services, m billingMappingModel, view *billing.ContractView, line *billing.ContractLine, diags *diag.Diagnostics) (time.Time, bool) {
	if effectiveOf(m.Effective) != EffectiveNextPeriod || view == nil {
		return time.Time{}, true
	}
	var tl billing.Timeline
	if line != nil {
		var err error
		if tl, err = svc.contracts.LaterTimeline(ctx, line.ContractServiceID, view.Contract.ID, line.ServiceID, false); err != nil {
			addAPIError(diags, nil, "Cannot read the units of later billing periods from Autotask", err)
			return time.Time{}, false
		}
	}
	next, err := svc.contracts.NextPeriodStart(ctx, view, tl)
	if err != nil {
		diags.AddAttributeError(path.Root("effective"), "Cannot tell when the next billing period begins", err.Error())
		return time.Time{}, false
	}
	if next.Computed {
		key := fmt.Sprintf("computed-period/%d", view.Contract.ID)
		if svc.run.FirstReportKey(key) {
			diags.AddAttributeWarning(path.Root("effective"), fmt.Sprintf("Next billing period of contract %d computed", view.Contract.ID),
				fmt.Sprintf("Autotask has no unit row covering today (%s) on contract %q (id %d), so the provider cannot "+
					"read where the current billing period ends. It assumes periods start on the contract's start date "+
					"(%s) and every period length after it, which puts the next period's first day on %s. If this "+
					"database starts periods on calendar months instead, the change lands mid-period and Autotask "+
					"prorates it: check the contract's units in Autotask, or use effective = \"today\".",
					svc.run.Today().Format(time.DateOnly), view.Contract.ContractName, view.Contract.ID,
					view.Contract.StartDate.DateString(), next.Start.Format(time.DateOnly)))
		}
	}
	return next.Start, true
}

// unitsFrom is the first day a mapping's units apply: today, or for
// next_period the first day of the next billing period.
func unitsFrom(svc *services, day time.Time) time.Time {
	if day.IsZero() {
		return svc.run.Today()
	}
	return day
}

// unitsForRead is the units refresh records, from the line's Timeline: those
// in effect on the first day the mapping's units apply (today, or with
// next_period the next period's first day), unless those are the target in
// state and a later period holds something else (an adjustment dated later,
// made by hand or by a switch of effective): then that period's units, so
// that the next plan shows a difference and its apply makes every period hold
// the target. ok is false when the units are not known: no unit row covers
// that day (nothing is guessed; state keeps its units, and a warning says so)
// or the period could not be told.
func unitsForRead(ctx context.Context, svc *services, state billingMappingModel, view *billing.ContractView, line *billing.ContractLine, diags *diag.Diagnostics) (int, billing.Timeline, bool) {
	tl, err := lineTimeline(ctx, svc, &state, &state, view.Contract.ID, *line)
	if err != nil {
		addAPIError(diags, nil, "Cannot read the units of later billing periods from Autotask", err)
		return 0, tl, false
	}
	day, ok := effectiveDay(ctx, svc, state, view, line, diags)
	if !ok {
		return 0, tl, false
	}
	from := unitsFrom(svc, day)
	target, known := tl.At(from)
	if !known {
		// One warning per day a run finds without rows (rows written late
		// miss a whole period at once), naming the first line.
		if svc.run.FirstReportKey("no-unit-row/" + from.Format(time.DateOnly)) {
			diags.AddWarning(fmt.Sprintf("No unit rows covering %s", from.Format(time.DateOnly)),
				noRowDetail(line.ContractServiceID, view, from))
		}
		return 0, tl, false
	}
	if !state.Units.IsNull() && !state.Units.IsUnknown() {
		target = unitsOf(state.Units)
	}
	n, _ := tl.Showing(from, target)
	return n, tl, true
}

// noRowDetail explains a day no unit row covers.
func noRowDetail(csID int64, view *billing.ContractView, day time.Time) string {
	return fmt.Sprintf("Autotask returned no ContractServiceUnits row covering %s for contract service %d on contract "+
		"%q (id %d). Autotask writes each billing period's row ahead of the period (when is not documented), and the "+
		"provider never reads a day without a row as 0 units, so the units recorded for this mapping stay as they were "+
		"and nothing is pushed for that day until the row exists. If the line should bill on %s, check the contract's "+
		"dates and its Services in Autotask. (This warning names the first line found; other lines without a row that "+
		"day are not listed again in this run.)", day.Format(time.DateOnly), csID, view.Contract.ContractName,
		view.Contract.ID, day.Format(time.DateOnly))
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

// pushesUnits reports whether an apply of plan over state runs the push: a
// new mapping, a change of units or effective, or a retry of a failed apply.
func pushesUnits(plan, state *billingMappingModel) bool {
	return state == nil || !plan.Units.Equal(state.Units) || effectiveOf(plan.Effective) != effectiveOf(state.Effective) ||
		state.SyncStatus.ValueString() != SyncStatusOK || unconfirmedOf(state) != nil
}

// noRowProblem is the problem of a push whose first day no unit row covers.
func noRowProblem(csID int64, view *billing.ContractView, day time.Time, nextPeriod bool) problem.Problem {
	fix := "Apply again once the line shows a row for that day in Autotask (the contract's Services)."
	if nextPeriod {
		fix = "Apply again once Autotask shows the next period's row (it writes rows ahead of each period), or use " +
			"effective = \"today\"."
	}
	return problem.Problem{
		Attribute: problem.AttrUnits,
		Summary:   "No unit row for the effective date",
		Detail: fmt.Sprintf("Autotask returned no ContractServiceUnits row covering %s for contract service %d on "+
			"contract %q (id %d). The provider never reads a day without a row as 0 units, so it cannot tell what to "+
			"push, and pushes nothing for this mapping. %s", day.Format(time.DateOnly), csID, view.Contract.ContractName,
			view.Contract.ID, fix),
	}
}

// planUnits reads, from the line's Timeline, what the apply will post for
// the planned units (the same computation the push makes): a push whose
// first day no row covers is a problem of the mapping, and a push that needs
// more than the one adjustment the diff shows (a later-dated adjustment is
// pending, for example after a switch of effective) is announced with every
// adjustment it will post.
func (r *billingMappingResource) planUnits(ctx context.Context, svc *services, plan, state *billingMappingModel, t *billingTarget, day time.Time, warn bool, diags *diag.Diagnostics) {
	if !t.lineOK || plan.Units.IsUnknown() || plan.Units.IsNull() || !pushesUnits(plan, state) {
		return
	}
	from := unitsFrom(svc, day)
	tl, err := lineTimeline(ctx, svc, plan, state, t.view.Contract.ID, t.line)
	if err != nil {
		addAPIError(diags, nil, "Cannot read the units of later billing periods from Autotask", err)
		return
	}
	adjs, err := tl.Adjustments(from, unitsOf(plan.Units))
	if err != nil {
		p := noRowProblem(t.line.ContractServiceID, t.view, from, !day.IsZero())
		reportProblems(diags, svc, []problem.Problem{p}, warn, "Billing for", r.tenantLabel(ctx, svc, plan))
		if warn {
			plan.SyncStatus, plan.SyncError = types.StringUnknown(), types.StringUnknown()
		}
		return
	}
	if len(adjs) < 2 {
		return
	}
	parts := make([]string, len(adjs))
	for i, a := range adjs {
		parts[i] = fmt.Sprintf("%+d effective %s", a.Change, a.Day.Format(time.DateOnly))
	}
	diags.AddAttributeWarning(path.Root("units"),
		fmt.Sprintf("Tenant %s: the apply posts %d adjustments", plan.TenantID.ValueString(), len(adjs)),
		fmt.Sprintf("Contract service %d holds different units in later billing periods (an adjustment dated later "+
			"is pending, for example from effective = \"next_period\"). For every period from %s on to hold %d units, "+
			"the apply posts, in this order: %s. Negative changes go first, so a run stopped between them never leaves "+
			"a period above its target.", t.line.ContractServiceID, from.Format(time.DateOnly), unitsOf(plan.Units),
			strings.Join(parts, ", ")))
}
