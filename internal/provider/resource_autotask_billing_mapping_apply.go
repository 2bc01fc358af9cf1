package provider

// Applying a billing mapping: create and update push the units (through
// billing.Pusher), destroy releases the claim or zeroes the line.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/petrasecurity/terraform-provider-petra/internal/integration/billing"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/claims"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/problem"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
)

// Create checks the target again against fresh data and pushes the units.
func (r *billingMappingResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan billingMappingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, billingDefaultTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r.apply(ctx, plan, nil, &resp.State, &resp.Diagnostics)
}

// Update pushes the difference when units changed, and retries a failed
// mapping.
func (r *billingMappingResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state billingMappingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, billingDefaultTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r.apply(ctx, plan, &state, &resp.State, &resp.Diagnostics)
}

// stateSetter is the part of tfsdk.State that apply needs.
type stateSetter interface {
	Set(ctx context.Context, val any) diag.Diagnostics
}

// apply runs the apply-time checks, pushes the units when they must change
// and records the result. prior is nil on create. It returns the planned
// known values unchanged and fills only the unknown ones. In warn mode a
// per-tenant problem (a failed check, a push Autotask refuses) records the
// mapping as failed, with a warning, instead of failing the apply.
func (r *billingMappingResource) apply(ctx context.Context, plan billingMappingModel, prior *billingMappingModel, st stateSetter, diags *diag.Diagnostics) {
	svc := r.data.service(diags)
	if svc == nil {
		return
	}
	ctx = r.data.maskCtx(ctx)
	var priorConn types.String
	if prior != nil {
		priorConn = prior.ConnectionID
	}
	checkConnectionID(ctx, diags, svc, plan.ConnectionID, priorConn, false)
	if diags.HasError() {
		return
	}
	if prior != nil && !plan.SyncStatus.IsUnknown() && !plan.LastPushAt.IsUnknown() && !claimOrUnconfirmedPending(&plan) {
		// Only records changed (on_destroy): nothing to check or push.
		diags.Append(st.Set(ctx, &plan)...)
		return
	}
	// Apply-time checks must see Autotask as it is now; the first mapping of
	// the run reloads the snapshot and the others share that reload.
	if err := svc.contracts.RefreshBillingForApply(ctx); err != nil {
		addAPIError(diags, nil, "Cannot read contracts from Autotask", err)
		return
	}
	tenantProblems := r.checkTenant(ctx, svc, &plan, false, diags)
	t := r.inspect(ctx, svc, plan, false, diags)
	if t == nil {
		return
	}
	t.problems = oneCausePerTenant(tenantProblems, t.problems)
	t.fill(&plan)
	// A plan that promised sync_status (error mode, or a plan made in error
	// mode and applied in warn mode) cannot record a failure: the apply fails.
	warn := r.data.warnMode() && plan.SyncStatus.IsUnknown()
	if len(t.problems) == 0 {
		// The line must be this mapping's before anything is pushed.
		if p := r.applyClaim(ctx, svc, &plan, prior, t, diags); p != nil {
			t.problems = append(t.problems, *p)
		} else if diags.HasError() {
			return
		}
	}
	if len(t.problems) > 0 {
		fillClaimFromPrior(&plan, prior)
		if !warn {
			reportProblems(diags, svc, t.problems, false, "", "")
			return // nothing is pushed for a mapping whose checks fail
		}
		r.recordFailed(ctx, svc, &plan, prior, t.problems, st, diags)
		return
	}
	claimedNow := prior == nil || !prior.ClaimToken.Equal(plan.ClaimToken)
	unconfirmed := unconfirmedOf(prior)
	fillUnknownObject(&plan.Unconfirmed, unconfirmedValue(unconfirmed))

	if prior != nil && !pushesUnits(&plan, prior) {
		// A warn-mode problem seen at plan was fixed before the apply, or
		// only records changed: Autotask already holds the count.
		fillUnknownInt64(&plan.LastPushDelta, prior.LastPushDelta)
		fillUnknownString(&plan.LastPushAt, prior.LastPushAt)
		recordOK(&plan.SyncStatus, &plan.SyncError)
		diags.Append(st.Set(ctx, &plan)...)
		return
	}
	day, ok := effectiveDay(ctx, svc, plan, t.view, t.linePtr(), diags)
	if !ok {
		if claimedNow {
			r.releaseUnrecordedClaim(ctx, svc, &plan, t, diags)
		}
		return
	}
	tl, err := lineTimeline(ctx, svc, &plan, prior, t.view.Contract.ID, t.line)
	if err != nil {
		addAPIError(diags, nil, "Cannot read the units of later billing periods from Autotask", err)
		if claimedNow {
			r.releaseUnrecordedClaim(ctx, svc, &plan, t, diags)
		}
		return
	}
	if _, err := tl.Adjustments(unitsFrom(svc, day), unitsOf(plan.Units)); err != nil && unconfirmed == nil {
		// No unit row covers the first day: nothing is pushed on a guess.
		if claimedNow {
			r.releaseUnrecordedClaim(ctx, svc, &plan, t, diags)
		}
		fillClaimFromPrior(&plan, prior)
		p := noRowProblem(t.line.ContractServiceID, t.view, unitsFrom(svc, day), !day.IsZero())
		if !warn {
			reportProblems(diags, svc, []problem.Problem{p}, false, "", "")
			return
		}
		r.recordFailed(ctx, svc, &plan, prior, []problem.Problem{p}, st, diags)
		return
	}
	if t.tookOver && !r.waitForTakeOverToSettle(ctx, diags) {
		return
	}
	res, err := svc.pusher.PushUnits(ctx, billing.PushRequest{
		ContractID:        plan.ContractID.ValueInt64(),
		ContractServiceID: t.line.ContractServiceID,
		ServiceID:         plan.ServiceID.ValueInt64(),
		Target:            unitsOf(plan.Units),
		EffectiveDate:     day,
		Unconfirmed:       unconfirmed,
		Later:             needsLater(&plan, prior),
		Fresh:             t.tookOver,
		BeforePost:        r.checkClaimBeforePost(svc, &plan, t),
	})
	plan.Unconfirmed = unconfirmedValue(res.Unconfirmed)
	var lost *claims.ClaimLostError
	if errors.As(err, &lost) {
		// Another configuration took the line over during this apply: the
		// line is its now, and nothing was posted.
		p := claimLostProblem(t, lost)
		if warn {
			r.recordFailed(ctx, svc, &plan, prior, []problem.Problem{p}, st, diags)
			return
		}
		reportProblems(diags, svc, []problem.Problem{p}, false, "", "")
		return
	}
	if err != nil {
		switch {
		case res.Record:
			// Autotask changed, or an adjustment's outcome is unconfirmed:
			// record what Autotask shows now (and the unconfirmed
			// adjustment), so the resource is not lost, the next plan shows
			// any difference, and no later run posts the adjustment again.
			plan.Units = unitsValue(res.After)
			plan.LastPushDelta = types.Int64Value(int64(res.After - res.Before))
			plan.LastPushAt = types.StringValue(r.data.now().UTC().Format(time.RFC3339))
			if warn && errors.Is(err, billing.ErrUnconfirmed) {
				r.recordFailed(ctx, svc, &plan, prior, []problem.Problem{{Attribute: problem.AttrUnits,
					Summary: "Unit push not confirmed", Detail: err.Error()}}, st, diags)
				return
			}
			recordOK(&plan.SyncStatus, &plan.SyncError)
			diags.Append(st.Set(ctx, &plan)...)
		case warn && run.Refused(err):
			if claimedNow {
				r.releaseUnrecordedClaim(ctx, svc, &plan, t, diags)
			}
			fillClaimFromPrior(&plan, prior)
			r.recordFailed(ctx, svc, &plan, prior, []problem.Problem{{Attribute: problem.AttrUnits,
				Summary: "Autotask refused the unit push", Detail: explainError(err)}}, st, diags)
			return
		case claimedNow:
			// Nothing is recorded, so the claim made for this push would be
			// nobody's: release it.
			r.releaseUnrecordedClaim(ctx, svc, &plan, t, diags)
		}
		p := path.Root("units")
		setting := "timeouts.update"
		if prior == nil {
			setting = "timeouts.create"
		}
		addAPIErrorOnce(diags, svc, &p, "Pushing units to Autotask failed", timedOut(ctx, err, setting),
			"nothing was pushed for this mapping")
		return
	}
	fillUnknownInt64(&plan.LastPushDelta, types.Int64Value(int64(res.Delta)))
	fillUnknownString(&plan.LastPushAt, types.StringValue(res.At.UTC().Format(time.RFC3339)))
	recordOK(&plan.SyncStatus, &plan.SyncError)
	addBudgetWarning(diags, svc)
	diags.Append(st.Set(ctx, &plan)...)
}

// recordFailed records a mapping that a per-tenant problem stopped, in warn
// mode: nothing was pushed, last_push_* keep the last successful push, and a
// warning names the tenant.
func (r *billingMappingResource) recordFailed(ctx context.Context, svc *services, plan, prior *billingMappingModel, problems []problem.Problem, st stateSetter, diags *diag.Diagnostics) {
	label := r.tenantLabel(ctx, svc, plan)
	reportProblems(diags, svc, problems, true, "Billing for", label)
	if prior != nil {
		fillUnknownInt64(&plan.LastPushDelta, prior.LastPushDelta)
		fillUnknownString(&plan.LastPushAt, prior.LastPushAt)
	}
	fillUnknownInt64(&plan.LastPushDelta, types.Int64Null())
	fillUnknownString(&plan.LastPushAt, types.StringNull())
	recordFailed(&plan.SyncStatus, &plan.SyncError, label, problems)
	diags.Append(st.Set(ctx, plan)...)
}

// Delete stops syncing and releases the mapping's claim on its line. With
// on_destroy = "keep" the contract and its units stay as they are in
// Autotask; with "zero" the line is pushed to 0 units with the same push as
// any other (a retry after a failed destroy reads the units first and posts
// nothing when they are already 0). While an adjustment whose outcome is
// unconfirmed may still land, nothing is done (guardUnconfirmedDelete).
func (r *billingMappingResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state billingMappingModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	zero := state.OnDestroy.ValueString() == OnDestroyZero
	if !zero && state.ClaimToken.ValueString() == "" && unconfirmedOf(&state) == nil {
		return // nothing to do in Autotask
	}
	svc := r.data.service(&resp.Diagnostics)
	if svc == nil {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, billingDefaultTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ctx = r.data.maskCtx(ctx)
	if !guardUnconfirmedDelete(svc, &state, &resp.Diagnostics) {
		return
	}
	var onLine []claims.LineClaim
	if (zero && !r.data.claimsOff()) || state.ClaimToken.ValueString() != "" {
		// The line may be another configuration's now (take_over_claim):
		// then this destroy neither zeroes it nor touches its claim.
		holder, line, err := r.lineTakenBy(ctx, svc, &state)
		onLine = line
		if err != nil {
			addAPIError(&resp.Diagnostics, nil, "Cannot read the billing claims from Autotask", fmt.Errorf("%w. Nothing "+
				"was changed: the destroy checks who bills the line before it changes the line's units or its "+
				"claim. Run destroy again", err))
			return
		}
		if holder != nil {
			resp.Diagnostics.AddWarning("Billing line left to its new owner",
				fmt.Sprintf("The line of billing mapping %s was taken over by %s, which bills it now, so destroying "+
					"this mapping changed nothing in Autotask: the line's units and its claim are that configuration's.",
					state.ID.ValueString(), holder.Describe()))
			return
		}
	}
	if zero && !r.zeroOnDestroy(ctx, svc, &state, resp) {
		return
	}
	r.releaseClaim(ctx, svc, &state, onLine, &resp.Diagnostics)
}

// lineTakenBy returns the claim of another configuration that holds the
// mapping's line now (a take-over), read now, or nil when the line is this
// mapping's or nobody's, with the line's active claims.
func (r *billingMappingResource) lineTakenBy(ctx context.Context, svc *services, state *billingMappingModel) (*claims.LineClaim, []claims.LineClaim, error) {
	if state.ContractServiceID.IsNull() || state.ContractServiceID.IsUnknown() || state.ContractID.IsNull() ||
		state.ContractID.IsUnknown() {
		return nil, nil, nil
	}
	onLine, err := svc.claims.ClaimsOnLineNow(ctx, state.ContractID.ValueInt64(), state.ContractServiceID.ValueInt64())
	if err != nil {
		return nil, nil, err
	}
	if st, holder := claims.DecideClaimOf(onLine, r.mine(state.ClaimToken.ValueString(), state)); st == claims.ClaimTaken {
		return holder, onLine, nil
	}
	return nil, onLine, nil
}

// zeroOnDestroy pushes the line to 0 units (on_destroy = "zero"). It returns
// false, with the mapping kept in state, when the push failed.
func (r *billingMappingResource) zeroOnDestroy(ctx context.Context, svc *services, state *billingMappingModel, resp *resource.DeleteResponse) bool {
	if state.ContractServiceID.IsNull() || state.ContractServiceID.IsUnknown() {
		tflog.Info(ctx, "billing mapping never found its line; nothing to set to 0", map[string]any{"id": state.ID.ValueString()})
		return true
	}
	day, ok := r.zeroDay(ctx, svc, state, &resp.Diagnostics)
	if !ok {
		return false
	}
	res, err := svc.pusher.PushUnits(ctx, billing.PushRequest{
		ContractID:        state.ContractID.ValueInt64(),
		ContractServiceID: state.ContractServiceID.ValueInt64(),
		ServiceID:         state.ServiceID.ValueInt64(),
		Target:            0,
		EffectiveDate:     day,
		Unconfirmed:       unconfirmedOf(state),
		Later:             needsLater(state, state),
	})
	if err != nil {
		if res.Record {
			state.Units = unitsValue(res.After)
			state.Unconfirmed = unconfirmedValue(res.Unconfirmed)
			resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
		}
		p := path.Root("on_destroy")
		addAPIError(&resp.Diagnostics, &p, "Setting the old billing line to 0 units failed", fmt.Errorf("%w\n\nThe "+
			"mapping of Petra tenant %q stays in state (on_destroy = \"zero\"). Fix the contract in Autotask and "+
			"apply again (the provider reads the units first and pushes only what is missing), or set on_destroy = "+
			"\"keep\" to let the mapping go without changing the line", timedOut(ctx, err, "timeouts.delete"), state.TenantID.ValueString()))
		return false
	}
	tflog.Info(ctx, "set the billing line to 0 units on destroy", map[string]any{
		"contract_service_id": state.ContractServiceID.ValueInt64(), "delta": res.Delta,
	})
	return true
}

// zeroDay is the date on_destroy = "zero" takes effect: today, or with
// effective = "next_period" the first day of the line's next billing period
// (every period from then on goes to 0; the current one keeps its units, so
// no proration). ok is false, with the diagnostic, when it cannot be told.
func (r *billingMappingResource) zeroDay(ctx context.Context, svc *services, state *billingMappingModel, diags *diag.Diagnostics) (time.Time, bool) {
	if effectiveOf(state.Effective) != EffectiveNextPeriod {
		return time.Time{}, true
	}
	view, line, err := readBillingLine(ctx, svc, state.ContractID, state.ContractServiceID.ValueInt64())
	if err != nil {
		addAPIError(diags, nil, "Cannot read the billing mapping's contract from Autotask", fmt.Errorf("%w. Nothing was "+
			"changed; run destroy again", err))
		return time.Time{}, false
	}
	if view == nil {
		return time.Time{}, true // the line is gone: the push says so
	}
	return effectiveDay(ctx, svc, *state, view, line, diags)
}

// timedOut adds to err, when the resource's timeout passed while it ran,
// which timeout it was and what happened: the push stops at the deadline,
// posts nothing more, and records an adjustment whose answer it did not get
// as unconfirmed.
func timedOut(ctx context.Context, err error, setting string) error {
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w\n\nThe mapping's timeout (%s) passed before Autotask answered. Nothing more was posted "+
		"for this line; an adjustment whose answer did not come is recorded as unconfirmed, and the next apply reads "+
		"the units before it posts anything. Raise %s if Autotask is this slow", err, setting, setting)
}
