package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/billing"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/claims"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/problem"
)

// The billing mapping's guarantees against billing twice (issue 10), kept
// apart from the resource's structure:
//
//   - claims inside one run: a second mapping of a line fails the plan
//     (claimInRun, with the run registry for provider aliases);
//   - claims across configurations: the mapping's claim note in Autotask
//     (planClaim at plan, applyClaim before a push, releaseClaim on destroy);
//   - unconfirmed adjustments: recorded in state and respected by the next
//     run (planUnconfirmed, refreshUnconfirmed, guardUnconfirmedDelete);
//   - tenant_id checked against Petra (checkTenant).

// unconfirmedAttrTypes are the attributes of unconfirmed_adjustment.
var unconfirmedAttrTypes = map[string]attr.Type{
	"unit_change":    types.Int64Type,
	"units_before":   types.Int64Type,
	"sent_at":        types.StringType,
	"effective_date": types.StringType,
}

// billingClaimSchema is the schema of the attributes this file manages.
func billingClaimSchema() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"take_over_claim": schema.BoolAttribute{
			Optional: true,
			MarkdownDescription: "Take this mapping's service line over from another Terraform configuration that " +
				"claims it. Each billing mapping claims its line in Autotask (a contract note titled `Petra billing " +
				"claim: line <id>`), and a mapping whose line another configuration claims fails instead of billing " +
				"the line a second time. Set this to `true` to release the other configuration's claim on the next " +
				"apply and bill the line from this configuration; do it only once that configuration no longer maps " +
				"the line. Once the claim is this mapping's, the setting has no further effect.",
		},
		"claim_token": schema.StringAttribute{
			Computed: true,
			MarkdownDescription: "The token of this mapping's claim on its line (written in the claim note in " +
				"Autotask). Set by the mapping's first apply: its create, or, for a mapping whose state holds no claim " +
				"(imported, written by a version before claims, or applied with the provider's `billing_claims = " +
				"\"off\"`), the next apply, which the plan shows as an update. Null while `billing_claims` is `off` " +
				"and the mapping never claimed its line.",
		},
		"claim_note_id": schema.Int64Attribute{
			Computed:            true,
			MarkdownDescription: "Autotask id of the contract note that holds this mapping's claim on its line.",
		},
		"unconfirmed_adjustment": schema.SingleNestedAttribute{
			Computed: true,
			MarkdownDescription: "An adjustment whose outcome Autotask never confirmed (its answer was lost and the " +
				"units read back did not show it): it may still be applied by Autotask. Until it shows in the units, or " +
				"until 15 minutes after it was sent, the provider posts nothing more to this line, so it can never be " +
				"applied twice. Null when there is none.",
			Attributes: map[string]schema.Attribute{
				"unit_change": schema.Int64Attribute{
					Computed:            true,
					MarkdownDescription: "The adjustment's unit change.",
				},
				"units_before": schema.Int64Attribute{
					Computed:            true,
					MarkdownDescription: "The units in effect on `effective_date` when it was sent; it landed when the line holds `units_before + unit_change` that day.",
				},
				"effective_date": schema.StringAttribute{
					Computed: true,
					MarkdownDescription: "The adjustment's effective date (YYYY-MM-DD, the database's calendar). Null in " +
						"state written by versions before 0.1.0, which meant the day it was sent.",
				},
				"sent_at": schema.StringAttribute{
					Computed:            true,
					MarkdownDescription: "When it was sent (RFC 3339, UTC).",
				},
			},
		},
	}
}

func unconfirmedNull() types.Object { return types.ObjectNull(unconfirmedAttrTypes) }

// unconfirmedValue is the attribute value of u (null for nil).
func unconfirmedValue(u *billing.Unconfirmed) types.Object {
	if u == nil {
		return unconfirmedNull()
	}
	day := types.StringNull()
	if !u.EffectiveDate.IsZero() {
		day = types.StringValue(u.EffectiveDate.Format(time.DateOnly))
	}
	return types.ObjectValueMust(unconfirmedAttrTypes, map[string]attr.Value{
		"unit_change":    types.Int64Value(int64(u.UnitChange)),
		"units_before":   types.Int64Value(int64(u.UnitsBefore)),
		"sent_at":        types.StringValue(u.SentAt.UTC().Format(time.RFC3339Nano)),
		"effective_date": day,
	})
}

// unconfirmedOf reads the attribute (nil when null, unknown or unreadable).
func unconfirmedOf(m *billingMappingModel) *billing.Unconfirmed {
	if m == nil || m.Unconfirmed.IsNull() || m.Unconfirmed.IsUnknown() {
		return nil
	}
	a := m.Unconfirmed.Attributes()
	change, ok1 := a["unit_change"].(types.Int64)
	before, ok2 := a["units_before"].(types.Int64)
	sent, ok3 := a["sent_at"].(types.String)
	if !ok1 || !ok2 || !ok3 {
		return nil
	}
	at, err := time.Parse(time.RFC3339Nano, sent.ValueString())
	if err != nil {
		return nil
	}
	u := &billing.Unconfirmed{UnitChange: int(change.ValueInt64()), UnitsBefore: int(before.ValueInt64()), SentAt: at}
	if d, ok := a["effective_date"].(types.String); ok && !d.IsNull() && !d.IsUnknown() {
		if day, err := time.Parse(time.DateOnly, d.ValueString()); err == nil {
			u.EffectiveDate = day
		}
	}
	return u
}

// claimPlanFromKnown plans claim_token, claim_note_id and
// unconfirmed_adjustment from state alone (DESIGN.md, "Planned values"): a
// new or replaced mapping gets them at apply; an existing one keeps its
// claim, and its unconfirmed adjustment unless the apply may push. planClaim
// then marks the claim unknown where the apply has to claim the line.
func claimPlanFromKnown(plan, state *billingMappingModel) {
	if state == nil || billingReplaces(state, plan) {
		plan.ClaimToken, plan.ClaimNoteID = types.StringUnknown(), types.Int64Unknown()
		plan.Unconfirmed = types.ObjectUnknown(unconfirmedAttrTypes)
		return
	}
	plan.ClaimToken, plan.ClaimNoteID, plan.Unconfirmed = state.ClaimToken, state.ClaimNoteID, state.Unconfirmed
	if plan.LastPushDelta.IsUnknown() { // the apply may push (billingPlanFromKnown)
		plan.Unconfirmed = types.ObjectUnknown(unconfirmedAttrTypes)
		if !plan.SyncStatus.IsUnknown() {
			// Error mode: a push that ends unconfirmed fails the apply, so an
			// apply that succeeds has settled every adjustment.
			plan.Unconfirmed = unconfirmedNull()
		}
	}
}

// markClaimPending plans an update that claims the line at apply.
func markClaimPending(plan *billingMappingModel) {
	plan.ClaimToken, plan.ClaimNoteID = types.StringUnknown(), types.Int64Unknown()
	plan.SyncStatus, plan.SyncError = types.StringUnknown(), types.StringUnknown()
}

// claimOrUnconfirmedPending reports whether the apply has a claim to make or
// an unconfirmed adjustment to settle.
func claimOrUnconfirmedPending(plan *billingMappingModel) bool {
	return plan.ClaimToken.IsUnknown() || plan.ClaimNoteID.IsUnknown() || plan.Unconfirmed.IsUnknown()
}

// fillClaimFromPrior records, for a mapping that failed before it could
// claim or push, the claim and unconfirmed adjustment of its prior state.
func fillClaimFromPrior(plan, prior *billingMappingModel) {
	if prior != nil {
		fillUnknownString(&plan.ClaimToken, prior.ClaimToken)
		fillUnknownInt64(&plan.ClaimNoteID, prior.ClaimNoteID)
		fillUnknownObject(&plan.Unconfirmed, prior.Unconfirmed)
	}
	fillUnknownString(&plan.ClaimToken, types.StringNull())
	fillUnknownInt64(&plan.ClaimNoteID, types.Int64Null())
	fillUnknownObject(&plan.Unconfirmed, unconfirmedNull())
}

// fillUnknownObject sets *dst to v when *dst is unknown.
func fillUnknownObject(dst *types.Object, v types.Object) {
	if dst.IsUnknown() {
		*dst = v
	}
}

// claimInRun records the mapping's line for this run and adds the problem
// when another mapping of the run (any tenant, any provider alias) claimed
// it first. Plan time only: apply runs after this process planned.
func (r *billingMappingResource) claimInRun(ctx context.Context, svc *services, plan, state *billingMappingModel, t *billingTarget) {
	if !t.lineOK || plan.TenantID.IsUnknown() || plan.TenantID.IsNull() || (state != nil && billingReplaces(state, plan)) {
		return // a replacement is planned a second time, as a create, which claims
	}
	who := claims.RunClaimant{
		Tenant: plan.TenantID.ValueString(), Company: plan.CompanyID.ValueInt64(), Contract: plan.ContractID.ValueInt64(),
		Service: plan.ServiceID.ValueInt64(), Existing: state != nil,
	}
	other, err := svc.inRun.ClaimLineInRun(ctx, t.line.ContractServiceID, who)
	if err != nil {
		// The registry of the run is best effort: this process's own check
		// ran, and the claims in Autotask still stop a second push.
		tflogWarn(ctx, "billing mapping run registry unavailable", err)
	}
	if other != nil && replanForReplace(*other, who) {
		return
	}
	if other != nil {
		t.problems = append(t.problems, claims.LineClaimedTwice(t.line.ContractServiceID, t.serviceName,
			t.contractName(), *other))
	}
}

// replanForReplace reports whether a create plan (second) of a line is the
// second plan Terraform makes of one mapping it replaces: `-replace=` (or a
// replacement of the provider's own choosing) plans the mapping first as an
// update, with its state, then again as a create, with none. Both name the
// same tenant, company, contract and service in the same process. A second
// mapping of those same arguments, added beside an existing one, looks the
// same here; its apply then finds the line claimed by the existing mapping's
// note and pushes nothing (ClaimConflictError), so the line is still billed
// once.
func replanForReplace(first, second claims.RunClaimant) bool {
	return first.Existing && !second.Existing && !first.OtherProcess &&
		first.Tenant == second.Tenant && first.Company == second.Company && first.Contract == second.Contract &&
		first.Service == second.Service
}

// contractName is the target contract's name ("" when unknown).
func (t *billingTarget) contractName() string {
	if t.view == nil {
		return ""
	}
	return t.view.Contract.ContractName
}

// lineLabel names the target line for messages.
func (t *billingTarget) lineLabel() string {
	return fmt.Sprintf("contract service line %d (%q on contract %q)", t.line.ContractServiceID, t.serviceName, t.contractName())
}

// claimConflictProblem is the problem for a line another configuration
// holds.
func (r *billingMappingResource) claimConflictProblem(t *billingTarget, err *claims.ClaimConflictError) problem.Problem {
	how := "If that configuration should keep billing the line, remove this mapping. If it should not, release the " +
		"claim there (destroy its billing mapping, or edit the contract note in Autotask and change \"Status: active\" " +
		"to \"Status: released\"); to move the line to this configuration on purpose, set take_over_claim = true on " +
		"this mapping."
	if !r.data.claimOwnerOwn && strings.EqualFold(strings.Join(strings.Fields(err.Holder.Owner), " "), r.data.claimOwner) {
		how += " The claim carries this configuration's default owner label, which every configuration of this " +
			"Autotask API user shares, so it cannot tell its own claim (left by an interrupted apply) from another " +
			"configuration's. Set billing_claim_owner (or PETRA_BILLING_CLAIM_OWNER) to a label naming this " +
			"configuration alone: then a claim an interrupted apply leaves unrecorded is recognised by the next apply."
	}
	detail := fmt.Sprintf("The %s is claimed by %s: another Terraform configuration pushes its units, so this mapping "+
		"would bill the line a second time, and nothing is pushed for it. %s", t.lineLabel(), err.Holder.Describe(), how)
	if err.Concurrent {
		detail = fmt.Sprintf("While this apply claimed the %s, %s claimed it too and was first, so this mapping's claim "+
			"was released and nothing was pushed for it. %s", t.lineLabel(), err.Holder.Describe(), how)
	}
	return problem.Problem{Attribute: problem.AttrServiceID, Summary: "Service line claimed by another configuration", Detail: detail}
}

// planClaim checks the line's claims in the run's bulk read of every claim:
// when another configuration holds the line it adds the problem (or, with
// take_over_claim, a warning); when the apply has to claim the line (no
// claim yet, or it was released) it marks the claim unknown, so the plan
// shows an update. Planned known values come from state only
// (claimPlanFromKnown).
//
// A mapping whose state records no claim (a state of schema version 0,
// written before claims existed; an import; a mapping applied with
// billing_claims = "off") plans an update that claims its line, even when it
// has nothing to push: the plan shows the claim coming (claim_token known
// after apply), and the apply makes it before any other configuration can
// take the line.
func (r *billingMappingResource) planClaim(ctx context.Context, svc *services, plan, state *billingMappingModel, t *billingTarget, diags *diag.Diagnostics) {
	if !t.lineOK || r.data.claimsOff() {
		return
	}
	onLine, err := svc.claims.ClaimsOnLine(ctx, t.line.ContractServiceID)
	if err != nil {
		reportReadFailure(diags, svc, true, "service_id", "Cannot read the billing claims from Autotask", err)
		return
	}
	token := ""
	if state != nil {
		token = state.ClaimToken.ValueString()
		svc.inRun.NoteStateClaim(token)
	}
	mine := r.mine(token, plan)
	st, holder := claims.DecideClaimOf(onLine, mine)
	switch {
	case st == claims.ClaimHeld && (holder.Token != token || len(claims.Duplicates(onLine, mine, holder)) > 0):
		// This configuration's own claim that no state records (an
		// interrupted apply's, or a note create that landed late) holds the
		// line, or duplicates it: the apply records the one that holds and
		// releases the others.
		markClaimPending(plan)
	case st == claims.ClaimHeld:
		return
	case st == claims.ClaimFree, svc.inRun.IsStateClaim(holder.Token):
		// No claim, or this configuration's own claim held by a mapping being
		// replaced or destroyed (destroyed first, releasing it) or by another
		// mapping of this configuration on the line (claimInRun reports it).
		markClaimPending(plan)
	case plan.TakeOverClaim.ValueBool():
		diags.AddAttributeWarning(path.Root("take_over_claim"), "Billing claim will be taken over",
			fmt.Sprintf("take_over_claim is true: applying releases the claim of %s on the %s, and this mapping bills "+
				"the line from then on. Make sure that configuration no longer maps the line (and is not applying "+
				"at the same time).", holder.Describe(), t.lineLabel()))
		markClaimPending(plan)
	default:
		t.problems = append(t.problems, r.claimConflictProblem(t, &claims.ClaimConflictError{LineID: t.line.ContractServiceID, Holder: *holder}))
	}
}

// mine is what the mapping counts as its own claims: the one its state
// records (token), and with a billing_claim_owner of this configuration's,
// any active claim of the line with that label and the mapping's tenant
// (DESIGN.md, "Claims across configurations": adoption).
func (r *billingMappingResource) mine(token string, m *billingMappingModel) claims.Mine {
	return claims.Mine{Token: token, Owner: r.data.claimOwner, Tenant: m.TenantID.ValueString(), Adopt: r.data.claimOwnerOwn}
}

// applyClaim makes the mapping's claim hold its line before anything is
// pushed. It returns the problem when the line is another configuration's;
// any other failure is added to diags (and nil returned). A claim the plan
// showed as held that was released since is a problem too: claiming again
// would change the planned claim_note_id.
func (r *billingMappingResource) applyClaim(ctx context.Context, svc *services, plan, prior *billingMappingModel, t *billingTarget, diags *diag.Diagnostics) *problem.Problem {
	if r.data.claimsOff() {
		applyClaimsOff(plan, prior)
		return nil
	}
	token := ""
	if prior != nil {
		token = prior.ClaimToken.ValueString()
	}
	if !plan.ClaimNoteID.IsUnknown() && !plan.ClaimNoteID.IsNull() {
		if err := svc.claims.RefreshClaimsForApply(ctx); err != nil {
			p := path.Root("service_id")
			addAPIError(diags, &p, "Cannot read the billing claims from Autotask", err)
			return nil
		}
		onLine, err := svc.claims.ClaimsOnLine(ctx, t.line.ContractServiceID)
		if err != nil {
			p := path.Root("service_id")
			addAPIError(diags, &p, "Cannot read the billing claims from Autotask", err)
			return nil
		}
		switch st, holder := claims.DecideClaimOf(onLine, r.mine(token, plan)); st {
		case claims.ClaimTaken:
			p := r.claimConflictProblem(t, &claims.ClaimConflictError{LineID: t.line.ContractServiceID, Holder: *holder})
			return &p
		case claims.ClaimFree:
			return &problem.Problem{Attribute: problem.AttrServiceID, Summary: "Billing claim released since the plan",
				Detail: fmt.Sprintf("This mapping's claim on the %s (contract note %d) was released after the plan, so "+
					"nothing was pushed for it. Run apply again: it claims the line again, unless another configuration "+
					"has claimed it meanwhile.", t.lineLabel(), plan.ClaimNoteID.ValueInt64())}
		}
	}
	res, err := svc.claims.EnsureLineClaim(ctx, claims.ClaimRequest{
		ContractID: plan.ContractID.ValueInt64(), LineID: t.line.ContractServiceID, Token: token,
		TakeOver: plan.TakeOverClaim.ValueBool(), Adopt: r.data.claimOwnerOwn,
		Identity: claims.ClaimIdentity{Owner: r.data.claimOwner, Tenant: plan.TenantID.ValueString(), ServiceName: t.serviceName},
	})
	var conflict *claims.ClaimConflictError
	var refused *claims.NoteNotEditableError
	switch {
	case errors.As(err, &conflict):
		p := r.claimConflictProblem(t, conflict)
		return &p
	case errors.As(err, &refused):
		diags.AddAttributeError(path.Root("take_over_claim"), noteNotEditableSummary, refused.Error()+
			". Nothing was pushed for this mapping.")
		return nil
	case err != nil:
		p := path.Root("service_id")
		addAPIError(diags, &p, "Cannot claim the service line in Autotask", err)
		return nil
	}
	if res.Adopted {
		tflog.Info(ctx, "billing mapping adopted its configuration's unrecorded claim on the line", map[string]any{
			"contract_service_id": t.line.ContractServiceID, "claim_note_id": res.NoteID})
	}
	t.tookOver = len(res.TookOver) > 0
	if prior == nil || prior.ClaimNoteID.ValueInt64() != res.NoteID {
		// A claim new to this mapping: a read of the claims sent before now
		// may not show it, so the check before the push must not use one.
		t.claimHeldAt = time.Now()
	}
	for _, c := range res.TookOver {
		diags.AddAttributeWarning(path.Root("take_over_claim"), "Billing claim taken over",
			fmt.Sprintf("The claim of %s on the %s was released; this mapping bills the line now.", c.Describe(), t.lineLabel()))
	}
	fillUnknownString(&plan.ClaimToken, types.StringValue(res.Token))
	fillUnknownInt64(&plan.ClaimNoteID, types.Int64Value(res.NoteID))
	return nil
}

// claimOf is the mapping's own claim as recorded in m.
func claimOf(m *billingMappingModel, owner string, lineID int64) claims.LineClaim {
	return claims.LineClaim{NoteID: m.ClaimNoteID.ValueInt64(), ContractID: m.ContractID.ValueInt64(), LineID: lineID,
		Owner: owner, Tenant: m.TenantID.ValueString(), Token: m.ClaimToken.ValueString()}
}

// releaseUnrecordedClaim releases a claim made by an apply that records
// nothing (its push failed before Autotask changed): no state would hold its
// token, and the claim would block this very mapping on the next apply. It
// runs on a context of its own so that Ctrl-C does not leave it behind.
func (r *billingMappingResource) releaseUnrecordedClaim(ctx context.Context, svc *services, plan *billingMappingModel, t *billingTarget, diags *diag.Diagnostics) {
	if r.data.claimsOff() {
		return // nothing was claimed
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	err := svc.claims.ReleaseLineClaim(rctx, claimOf(plan, r.data.claimOwner, t.line.ContractServiceID), "the push failed and nothing was recorded")
	if err != nil {
		diags.AddAttributeWarning(path.Root("service_id"), "Billing claim left active",
			fmt.Sprintf("Nothing was pushed for this mapping, but its claim on the %s could not be released (%v). The next "+
				"apply reports the line as claimed: edit the claim note (contract note %d) in Autotask and change "+
				"\"Status: active\" to \"Status: released\".", t.lineLabel(), err, plan.ClaimNoteID.ValueInt64()))
	}
}

// releaseClaim releases the mapping's claim when it is destroyed, and its
// duplicates among onLine (the line's claims read now): a note create of its
// that landed late, or this configuration's claim that an interrupted apply
// left unrecorded.
func (r *billingMappingResource) releaseClaim(ctx context.Context, svc *services, state *billingMappingModel, onLine []claims.LineClaim, diags *diag.Diagnostics) {
	if state.ClaimToken.ValueString() == "" || state.ClaimNoteID.IsNull() || state.ContractID.IsNull() {
		return
	}
	if svc.claims.AdoptedInRun(state.ClaimToken.ValueString()) {
		// The mapping that replaces this one (create_before_destroy) holds
		// the claim now.
		return
	}
	recorded := claimOf(state, r.data.claimOwner, state.ContractServiceID.ValueInt64())
	reason := fmt.Sprintf("billing mapping %s destroyed", state.ID.ValueString())
	err := svc.claims.ReleaseLineClaim(ctx, recorded, reason)
	if err == nil {
		err = svc.claims.ReleaseDuplicates(ctx, onLine, r.mine(recorded.Token, state), recorded, reason)
	}
	var refused *claims.NoteNotEditableError
	if errors.As(err, &refused) {
		diags.AddError(noteNotEditableSummary, refused.Error()+fmt.Sprintf(". Billing mapping %s stays in state until "+
			"its claim is released: run destroy again after one of these.", state.ID.ValueString()))
		return
	}
	if err != nil {
		addAPIError(diags, nil, "Cannot release the billing claim in Autotask", fmt.Errorf("%w. While the claim "+
			"(contract note %d on contract %d) is active, other configurations cannot bill the line: run destroy "+
			"again, or edit the note in Autotask and change \"Status: active\" to \"Status: released\"", err,
			state.ClaimNoteID.ValueInt64(), state.ContractID.ValueInt64()))
	}
}

// refreshUnconfirmed forgets an unconfirmed adjustment once it has settled
// (the units show it, or it is too old to land). Read calls it with the
// line's units it just read.
func refreshUnconfirmed(svc *services, m *billingMappingModel, line billing.Timeline) {
	if m.Unconfirmed.IsUnknown() {
		m.Unconfirmed = unconfirmedNull()
		return
	}
	if u := unconfirmedOf(m); u != nil && svc.pusher.UnconfirmedSettled(*u, line) {
		m.Unconfirmed = unconfirmedNull()
	}
}

// guardUnconfirmedDelete refuses to destroy a mapping while an adjustment it
// posted may still land: a replacement would read the units before it lands
// and post it again. It returns false with the diagnostic.
func guardUnconfirmedDelete(svc *services, state *billingMappingModel, diags *diag.Diagnostics) bool {
	u := unconfirmedOf(state)
	if u == nil {
		return true
	}
	settles := svc.pusher.UnconfirmedSettlesAt(*u)
	if !svc.pusher.WallNow().Before(settles) {
		return true
	}
	diags.AddError("Billing mapping has an unconfirmed adjustment",
		fmt.Sprintf("The adjustment of %+d units posted to contract service line %d at %s was never confirmed by "+
			"Autotask, which may still apply it until %s. Destroying or replacing the mapping before then could post "+
			"the same units again, so nothing was changed. Run apply again after %s.", u.UnitChange,
			state.ContractServiceID.ValueInt64(), u.SentAt.UTC().Format(time.RFC3339), settles.UTC().Format(time.RFC3339),
			settles.UTC().Format(time.RFC3339)))
	return false
}

// checkTenant checks tenant_id against Petra when a key is configured:
// problems (unknown, removed, a Microsoft ID) join the mapping's problems,
// and at plan the warnings (paused, trial) are shown.
func (r *billingMappingResource) checkTenant(ctx context.Context, svc *services, m *billingMappingModel, warn bool, diags *diag.Diagnostics) []problem.Problem {
	if m.TenantID.IsUnknown() || m.TenantID.IsNull() {
		return nil
	}
	c, err := svc.catalog.CheckPetraTenant(ctx, m.TenantID.ValueString())
	if err != nil {
		p := path.Root("tenant_id")
		addAPIError(diags, &p, fmt.Sprintf("Cannot check Petra tenant %q", m.TenantID.ValueString()), err)
		return nil
	}
	if warn {
		for _, w := range c.Warnings {
			diags.AddAttributeWarning(path.Root(string(w.Attribute)), w.Summary, w.Detail)
		}
	}
	if c.Problem != nil {
		return []problem.Problem{*c.Problem}
	}
	return nil
}

// claimOwnerLabel is the claims' owner label: billing_claim_owner, else the
// configuration's name (configid.Derive; "" when unknown), else the API
// user's shared default.
func claimOwnerLabel(configured, configName, username string) string {
	if s := strings.TrimSpace(configured); s != "" {
		return s
	}
	if configName != "" {
		label := "Terraform configuration " + configName
		if r := []rune(label); len(r) > maxClaimOwnerLength {
			label = string(r[:maxClaimOwnerLength])
		}
		return label
	}
	if username == "" {
		return "a Terraform configuration"
	}
	return fmt.Sprintf("Terraform with Autotask API user %s", username)
}

// tflogWarn logs a warning with the error.
func tflogWarn(ctx context.Context, msg string, err error) {
	tflog.Warn(ctx, msg, map[string]any{"error": err.Error()})
}

// checkClaimBeforePost is the push's last step before it posts: the
// mapping's claim is read again, now, and must still hold the line. A
// configuration that took the line over during this apply (take_over_claim)
// released this claim; this mapping then posts nothing, so that the two
// configurations never both push (issue 20).
func (r *billingMappingResource) checkClaimBeforePost(svc *services, plan *billingMappingModel, t *billingTarget) func(context.Context) error {
	if r.data.claimsOff() {
		return nil // billing_claims = "off": no claim notes are read
	}
	token, noteID := plan.ClaimToken.ValueString(), plan.ClaimNoteID.ValueInt64()
	mine := r.mine(token, plan)
	contractID, lineID, heldAt := plan.ContractID.ValueInt64(), t.line.ContractServiceID, t.claimHeldAt
	return func(ctx context.Context) error {
		return svc.claims.CheckStillHeld(ctx, contractID, lineID, mine, noteID, heldAt)
	}
}

// waitForTakeOverToSettle waits, after this apply took its line over from
// another configuration, for that configuration's push in flight to end:
// its last check of its claim came before the take-over, and its post
// follows that check within claims.TakeOverSettle. The push that follows
// reads the units with a query of its own, so it sees that post. It returns
// false, with the diagnostic, when the apply was interrupted meanwhile.
func (r *billingMappingResource) waitForTakeOverToSettle(ctx context.Context, diags *diag.Diagnostics) bool {
	timer := time.NewTimer(claims.TakeOverSettle)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		p := path.Root("take_over_claim")
		addAPIError(diags, &p, "Pushing units to Autotask failed", fmt.Errorf("the apply ended while it waited for "+
			"the configuration whose claim it took over to finish its push; nothing was posted for this mapping, "+
			"whose claim now holds the line. Run apply again: %w", ctx.Err()))
		return false
	}
}

// claimLostProblem is the problem for a mapping whose claim was taken over
// between its check and its push.
func claimLostProblem(t *billingTarget, err *claims.ClaimLostError) problem.Problem {
	who := "its claim was released (by hand in Autotask, or by another configuration)"
	if err.Holder != nil {
		who = fmt.Sprintf("%s claimed it (take_over_claim)", err.Holder.Describe())
	}
	return problem.Problem{Attribute: problem.AttrServiceID, Summary: "Service line taken over during the apply",
		Detail: fmt.Sprintf("While this apply was about to push the units of the %s, %s. The line is no longer this "+
			"configuration's, so nothing was pushed for it: the other configuration bills it. If this configuration "+
			"should bill the line again, set take_over_claim = true on this mapping; otherwise remove the mapping.",
			t.lineLabel(), who)}
}
