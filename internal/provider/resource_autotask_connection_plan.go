package provider

// Planning the connection: what configuration and state decide, then the
// live checks (zone, database, permissions), which only report.

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/access"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
)

// ModifyPlan plans the connection in two steps. planFromKnown plans every
// value that configuration, provider configuration or prior state decide;
// everything Autotask reports stays unknown until apply unless state holds
// it and nothing relevant changed (DESIGN.md, "Planned values"). Then the
// live checks run: the permission verification and the database identity,
// which only report diagnostics.
func (r *connectionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan connectionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	var state *connectionModel
	if !req.State.Raw.IsNull() {
		state = &connectionModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	var svc *services
	if r.data != nil {
		svc = r.data.svc
	}
	connectionPlanFromKnown(&plan, state, svc)
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	if svc == nil || plan.Features.IsUnknown() || resp.Diagnostics.HasError() {
		return // the provider is not configured yet: everything is checked at apply
	}
	if !svc.run.HasAutotask() {
		resp.Diagnostics.AddError("Autotask is not configured", run.ErrAutotaskNotConfigured.Error())
		return
	}
	ctx = r.data.maskCtx(ctx)
	features, diags := connectionFeatures(ctx, plan.Features)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	v, err := svc.access.VerifyPermissions(ctx, features)
	if !connectionReportFor(&resp.Diagnostics, v, err, connectionOtherUser(&plan, svc)) {
		return
	}
	checkConnectionDatabase(ctx, &resp.Diagnostics, svc, state, true)
	addBudgetWarning(&resp.Diagnostics, svc)
}

// connectionPlanFromKnown plans the values that do not depend on when
// Autotask is read. The connection records the database and what was
// verified, not who plans: id, zone, database, api_user, checks and
// verified_at come from state (unknown on create: a lookup at plan time is
// not repeatable at apply), so a plan by another API user of the same
// database shows no change. When the features change (or on create), the
// apply verifies the provider's API user and records it: api_user is that
// user (from the provider configuration), checks and verified_at unknown.
func connectionPlanFromKnown(plan, state *connectionModel, svc *services) {
	user := types.StringUnknown()
	if svc != nil && svc.run.HasAutotask() {
		user = types.StringValue(svc.run.Username())
	}
	if state == nil {
		plan.ID, plan.DatabaseID = types.StringUnknown(), types.Int64Unknown()
		plan.ZoneName, plan.ZoneURL, plan.WebURL = types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
		plan.Checks, plan.VerifiedAt = types.ListUnknown(connectionCheckType), types.StringUnknown()
		plan.APIUser = user
		return
	}
	plan.ID, plan.DatabaseID = state.ID, state.DatabaseID
	plan.ZoneName, plan.ZoneURL, plan.WebURL = state.ZoneName, state.ZoneURL, state.WebURL
	plan.APIUser, plan.Checks, plan.VerifiedAt = state.APIUser, state.Checks, state.VerifiedAt
	if plan.Features.IsUnknown() || !plan.Features.Equal(state.Features) || plan.APIUser.IsNull() {
		plan.APIUser = user
		plan.Checks, plan.VerifiedAt = types.ListUnknown(connectionCheckType), types.StringUnknown()
	}
}

// connectionOtherUser returns the provider's API user when the plan keeps
// the verification of another user (api_user planned known and different):
// that user's missing permissions are then a warning, not an error. It
// returns "" when the plan records the provider's own user.
func connectionOtherUser(plan *connectionModel, svc *services) string {
	if plan.Checks.IsUnknown() || plan.APIUser.IsUnknown() || plan.APIUser.IsNull() ||
		plan.APIUser.ValueString() == svc.run.Username() {
		return ""
	}
	return svc.run.Username()
}

// connectionStateDatabase is the database a connection's state belongs to:
// database_id, else the id when it is a database id; 0 when the state does
// not say (an older state written with a configured base_url).
func connectionStateDatabase(state *connectionModel) int64 {
	if state == nil {
		return 0
	}
	if !state.DatabaseID.IsNull() && !state.DatabaseID.IsUnknown() && state.DatabaseID.ValueInt64() > 0 {
		return state.DatabaseID.ValueInt64()
	}
	if id, ok := access.ParseConnectionID(state.ID.ValueString()); ok {
		return id
	}
	return 0
}

// checkConnectionDatabase fails when the provider's API user belongs to
// another Autotask database than the connection in state: the same
// configuration pointed at another database must not silently replace the
// connection and every mapping. It returns the provider's database id (0
// when it could not be read, which is then reported).
func checkConnectionDatabase(ctx context.Context, diags *diag.Diagnostics, svc *services, state *connectionModel, planning bool) int64 {
	db, err := svc.access.DatabaseID(ctx)
	if err != nil {
		if !planning || svc.run.FirstReport(err) {
			addAPIError(diags, nil, "Cannot identify the Autotask database", err)
		}
		return 0
	}
	if was := connectionStateDatabase(state); was != 0 && was != db {
		diags.AddError("Autotask database changed", connectionDatabaseChanged(was, db, svc.run.Username()))
	}
	return db
}

// connectionDatabaseChanged explains a provider configured for another
// database than the state's.
func connectionDatabaseChanged(was, now int64, username string) string {
	return fmt.Sprintf("The connection in state, and every mapping that references it, belong to Autotask database %d, "+
		"but the provider's API user %q belongs to database %d. Nothing was planned or changed. If the provider points "+
		"at the wrong database, fix its autotask settings (username, secret, integration_code, base_url). To move the "+
		"integration to database %d on purpose, remove the old resources from state (terraform state rm) and create "+
		"or import them against the new database.", was, username, now, now)
}

// connectionReport turns a verification into diagnostics: one error listing
// everything missing (attached to features), and warnings for Restricted
// access. It reports whether the verification passed.
func connectionReport(diags *diag.Diagnostics, v *access.Verification, err error) bool {
	return connectionReportFor(diags, v, err, "")
}

// connectionReportFor is connectionReport for a verification of other, an
// API user whose checks the connection does not record (a read-only CI user
// planning a connection that records the main user): its missing
// permissions are one warning naming the user and each missing permission,
// and the verification counts as passed. Rejected credentials stay an error.
func connectionReportFor(diags *diag.Diagnostics, v *access.Verification, err error, other string) bool {
	if other == "" || err != nil || v.Passed() || v.CredentialsFailed() {
		return connectionReportOwn(diags, v, err)
	}
	diags.AddAttributeWarning(path.Root("features"), "Plan's Autotask API user lacks permissions",
		connectionOtherUserDetail(v))
	return true
}

// connectionOtherUserDetail explains another user's missing permissions.
func connectionOtherUserDetail(v *access.Verification) string {
	return fmt.Sprintf("The Autotask API user %q, which runs this plan, lacks permissions that the connection's "+
		"features (%s) need:\n%s\nThe connection keeps the verification of the API user that applies it (api_user), "+
		"so nothing changes and this plan can pass, as a read-only CI check should. An apply by %q fails where it "+
		"needs these permissions (a unit push needs ContractServiceAdjustments (create)). To apply with this user, "+
		"give its security level the permissions listed (Admin > Account Settings & Users > Security Levels).",
		v.Username, strings.Join(v.Features, ", "), v.MissingList(), v.Username)
}

func connectionReportOwn(diags *diag.Diagnostics, v *access.Verification, err error) bool {
	features := path.Root("features")
	if err != nil {
		addAPIError(diags, &features, "Could not verify the Autotask connection", err)
		return false
	}
	if summary, detail, failed := v.Problem(); failed {
		diags.AddAttributeError(features, summary, detail)
		return false
	}
	for _, n := range v.Notes() {
		diags.AddAttributeWarning(features, "Restricted Autotask access",
			n+". The integration works, but records outside the security level's reach are skipped silently.")
	}
	return true
}
