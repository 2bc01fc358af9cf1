package provider

// Applying and refreshing the connection: a verification of the API user,
// recorded in state. Nothing is written to Autotask or Petra.

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/access"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
)

func (r *connectionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan connectionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, connectionDefaultTimeout)
	resp.Diagnostics.Append(diags...)
	r.apply(ctx, &plan, nil, timeout, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *connectionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state connectionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, connectionDefaultTimeout)
	resp.Diagnostics.Append(diags...)
	r.apply(ctx, &plan, &state, timeout, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// apply verifies the API user again at apply time (Autotask may have changed
// since the plan), retrying while Autotask is slow or unreachable within the
// timeout, checks the database, and fills the values the plan left unknown.
// Known planned values are kept as planned: the next refresh updates them.
func (r *connectionResource) apply(ctx context.Context, m, prior *connectionModel, timeout time.Duration, diags *diag.Diagnostics) {
	svc := r.data.service(diags)
	if diags.HasError() {
		return
	}
	ctx = r.data.maskCtx(ctx)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	features, d := connectionFeatures(ctx, m.Features)
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	v, err := svc.access.VerifyPermissionsRetry(ctx, features, access.RetryPolicy{})
	if !connectionReportFor(diags, v, err, connectionOtherUser(m, svc)) {
		return
	}
	db := checkConnectionDatabase(ctx, diags, svc, prior, false)
	if diags.HasError() {
		return
	}
	var fresh connectionModel
	connectionFill(&fresh, db, v, nil)
	fillUnknownString(&m.ID, fresh.ID)
	fillUnknownString(&m.APIUser, fresh.APIUser)
	fillUnknownString(&m.ZoneName, fresh.ZoneName)
	fillUnknownString(&m.ZoneURL, fresh.ZoneURL)
	fillUnknownString(&m.WebURL, fresh.WebURL)
	if m.DatabaseID.IsUnknown() {
		m.DatabaseID = fresh.DatabaseID
	}
	if m.Checks.IsUnknown() {
		m.Checks = fresh.Checks
	}
	if m.VerifiedAt.IsUnknown() {
		m.VerifiedAt = types.StringValue(svc.run.Now().Format(time.RFC3339))
		if prior != nil && !prior.VerifiedAt.IsNull() && connectionSameOutcome(prior, m) {
			m.VerifiedAt = prior.VerifiedAt
		}
	}
	tflog.Info(ctx, "verified the Autotask connection", map[string]any{"username": svc.run.Username(), "features": features})
}

// Read re-verifies the API user (one verification per run, shared with the
// plan) and refreshes the zone and checks, so a permission lost since the
// last apply shows as drift in checks. A state written before version 1
// (id = API username) gets the database id. The checks are recorded when the
// provider's API user is the one in state (api_user), or when it passes
// every check (a rotated user, a full-access CI user): a refresh by a user
// that lacks permissions (a read-only CI user) keeps the recorded
// verification, and the plan warns about that user instead.
func (r *connectionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state connectionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	svc := r.data.service(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if !svc.run.HasAutotask() {
		resp.Diagnostics.AddError("Autotask is not configured", run.ErrAutotaskNotConfigured.Error())
		return
	}
	ctx = r.data.maskCtx(ctx)
	timeout, diags := state.Timeouts.Read(ctx, connectionDefaultTimeout)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	if state.Features.IsNull() || state.Features.IsUnknown() {
		state.Features = connectionDefaultFeatures() // imported
	}
	imported := state.APIUser.IsNull() || state.APIUser.IsUnknown()
	features, diags := connectionFeatures(ctx, state.Features)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	db, err := svc.access.DatabaseID(ctx)
	if err != nil {
		if svc.run.FirstReport(err) {
			addAPIError(&resp.Diagnostics, nil, "Cannot identify the Autotask database", err)
		}
		return
	}
	was := connectionStateDatabase(&state)
	if was == 0 {
		// A state written before version 1 with a configured base_url: its
		// id is the API user; check that user belongs to this database.
		if legacy := state.ID.ValueString(); legacy != "" && legacy != svc.run.Username() {
			if other, err := svc.access.DatabaseOfUser(ctx, legacy); err == nil && other != 0 {
				was = other
			}
		}
	}
	if was != 0 && was != db {
		resp.Diagnostics.AddError("Autotask database changed", connectionDatabaseChanged(was, db, svc.run.Username()))
		return
	}
	state.ID = types.StringValue(access.ConnectionID(db))
	state.DatabaseID = types.Int64Value(db)
	v, err := svc.access.VerifyPermissions(ctx, features)
	if err != nil {
		if svc.run.FirstReport(err) {
			addAPIError(&resp.Diagnostics, nil, "Could not refresh the Autotask connection", err)
		}
		return
	}
	if !imported && state.APIUser.ValueString() != svc.run.Username() && !v.Passed() {
		// Another user lacking permissions: keep the recorded verification.
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		return
	}
	prior := state
	connectionFill(&state, db, v, &prior)
	if prior.VerifiedAt.IsNull() || !connectionSameOutcome(&prior, &state) {
		state.VerifiedAt = types.StringValue(svc.run.Now().Format(time.RFC3339))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete forgets the connection. It changes nothing in Autotask or Petra.
func (r *connectionResource) Delete(ctx context.Context, _ resource.DeleteRequest, _ *resource.DeleteResponse) {
	tflog.Info(ctx, "removing the Autotask connection from state; nothing is changed in Autotask")
}
