package provider

// Refreshing a billing mapping from what Autotask holds now.

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/petrasecurity/terraform-provider-petra/internal/integration/billing"
)

// Read refreshes the mapping from Autotask: units in effect today (a failed
// mapping keeps the count it could not push), names and dates. A contract or line that is gone removes a synced mapping from state
// (a failed one is kept: it is retried). connection_id and on_destroy of an
// older state or an import are recorded.
func (r *billingMappingResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state billingMappingModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	svc := r.data.service(&resp.Diagnostics)
	if svc == nil {
		return
	}
	ctx = r.data.maskCtx(ctx)
	state.ConnectionID = refreshConnectionID(ctx, svc, state.ConnectionID)
	if state.OnDestroy.IsNull() || state.OnDestroy.IsUnknown() {
		state.OnDestroy = types.StringValue(OnDestroyKeep)
	}
	if state.SyncStatus.IsNull() || state.SyncStatus.IsUnknown() {
		state.SyncStatus, state.SyncError = types.StringValue(SyncStatusOK), types.StringNull()
	}
	failed := state.SyncStatus.ValueString() == SyncStatusFailed
	view, line, err := r.readLine(ctx, svc, &state)
	if err != nil {
		if svc.run.FirstReport(err) {
			addAPIError(&resp.Diagnostics, nil, "Cannot read the billing mapping's contract from Autotask", err)
		}
		return
	}
	if view == nil || line == nil {
		if failed {
			// Never synced to a line, or its line went: keep it, the next
			// plan retries it and says what is wrong.
			resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
			return
		}
		if !state.ContractServiceID.IsNull() && !state.ContractServiceID.IsUnknown() &&
			hiddenLine(ctx, svc, state, state.ContractServiceID.ValueInt64(), &resp.Diagnostics) {
			return
		}
		resp.Diagnostics.AddWarning(fmt.Sprintf("Billing mapping %s removed from state", state.ID.ValueString()),
			fmt.Sprintf("Autotask has no contract service %s any more (its contract or service line was deleted, or the "+
				"API user can no longer see it), so the billing mapping %s was removed from state. The next plan creates "+
				"it again if it is still configured: point contract_id and service_id at the tenant's current contract "+
				"line.", billingInt(state.ContractServiceID), state.ID.ValueString()))
		resp.State.RemoveResource(ctx)
		return
	}
	got := billingFromAutotask(view, line, view.CompanyName, line.ServiceName)
	state.ContractServiceID, state.ContractID, state.ServiceID = got.ContractServiceID, got.ContractID, got.ServiceID
	state.CompanyID, state.CompanyName = got.CompanyID, got.CompanyName
	state.ContractName, state.ServiceName = got.ContractName, got.ServiceName
	state.ContractStartDate, state.ContractEndDate = got.ContractStartDate, got.ContractEndDate
	state.Name = nullIfUnknown(billingName(&state))
	units, tl, ok := unitsForRead(ctx, svc, state, view, line, &resp.Diagnostics)
	if ok && !failed {
		// A failed mapping keeps the configured units that were not pushed:
		// the next plan retries it when its checks pass (keepRecordedFailure).
		state.Units = unitsValue(units)
	} else if !ok && resp.Diagnostics.HasError() {
		return
	}
	state.Effective = types.StringValue(effectiveOf(state.Effective))
	refreshUnconfirmed(svc, &state, tl)
	svc.inRun.NoteStateClaim(state.ClaimToken.ValueString())
	state.ID = types.StringValue(billingMappingID(state.TenantID.ValueString(), view.Contract.ID, line.ServiceID))
	if state.LastPushDelta.IsUnknown() {
		state.LastPushDelta = types.Int64Null()
	}
	state.LastPushAt = nullIfUnknown(state.LastPushAt)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// readLine finds a mapping's contract line: by contract_service_id (batched
// through the contract in state when it has one), or, for a mapping imported
// by <tenant_id>/<contract_id>/<service_id> or failed before it found its
// line, by contract and service.
func (r *billingMappingResource) readLine(ctx context.Context, svc *services, state *billingMappingModel) (*billing.ContractView, *billing.ContractLine, error) {
	if !state.ContractServiceID.IsNull() && !state.ContractServiceID.IsUnknown() {
		return readBillingLine(ctx, svc, state.ContractID, state.ContractServiceID.ValueInt64())
	}
	if state.ContractID.IsNull() || state.ServiceID.IsNull() || state.ContractID.IsUnknown() || state.ServiceID.IsUnknown() {
		return nil, nil, nil
	}
	view, err := svc.contracts.Contract(ctx, state.ContractID.ValueInt64())
	if err != nil || view == nil {
		return nil, nil, err
	}
	l, ok := view.LineForService(state.ServiceID.ValueInt64())
	if !ok {
		return view, nil, nil
	}
	return view, &l, nil
}

// readBillingLine finds a mapping's contract line. The contract id in state
// (absent after an import) lets the run's batched contract reads answer; a
// line that moved, or an imported mapping, is looked up by its own id.
func readBillingLine(ctx context.Context, svc *services, contractID types.Int64, csID int64) (*billing.ContractView, *billing.ContractLine, error) {
	if !contractID.IsNull() && !contractID.IsUnknown() && contractID.ValueInt64() > 0 {
		view, err := svc.contracts.Contract(ctx, contractID.ValueInt64())
		if err != nil {
			return nil, nil, err
		}
		if l, ok := view.Line(csID); ok {
			return view, &l, nil
		}
	}
	return svc.contracts.ContractLineByID(ctx, csID)
}
