package provider

// Planning a billing mapping: the live checks against Autotask and Petra,
// and the values planned from configuration, provider configuration and
// state (DESIGN.md, "Planned values").

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/petrasecurity/terraform-provider-petra/internal/integration/billing"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/catalog"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/problem"
)

// billingTarget is what the checks found for one mapping.
type billingTarget struct {
	view        *billing.ContractView
	line        billing.ContractLine
	lineOK      bool
	companyName string
	serviceName string
	problems    []problem.Problem
	// tookOver is set at apply when the mapping took its line over from
	// another configuration (take_over_claim) before it pushes.
	tookOver bool
	// claimHeldAt is, for a claim this apply made or adopted, when it knew
	// the claim held the line (wall clock; zero for a claim recorded before):
	// the check before the push reads the claims after it.
	claimHeldAt time.Time
}

// inspect reads the mapping's target from the run's billing snapshot and runs
// every billing check. A read failure is added to diags (while planning, only
// the first time in the run for a persistent cause) and returns nil.
func (r *billingMappingResource) inspect(ctx context.Context, svc *services, m billingMappingModel, planning bool, diags *diag.Diagnostics) *billingTarget {
	contractID, companyID, serviceID := m.ContractID.ValueInt64(), m.CompanyID.ValueInt64(), m.ServiceID.ValueInt64()
	view, err := svc.contracts.Contract(ctx, contractID)
	if err != nil {
		reportReadFailure(diags, svc, planning, "contract_id", "Cannot read the contract from Autotask", err)
		return nil
	}
	t := &billingTarget{view: view}
	company, err := svc.catalog.Company(ctx, companyID)
	if err != nil {
		reportReadFailure(diags, svc, planning, "company_id", "Cannot read the company from Autotask", err)
		return nil
	}
	switch {
	case company != nil:
		t.companyName = company.CompanyName
	case view != nil && view.Contract.CompanyID == companyID:
		t.companyName = view.CompanyName
	}
	if prob := catalog.CheckMappedCompany(companyID, company); prob != nil {
		t.problems = append(t.problems, *prob)
	}
	t.line, t.lineOK = view.LineForService(serviceID)
	if t.lineOK {
		t.serviceName = t.line.ServiceName
	} else {
		name, err := svc.contracts.ServiceName(ctx, serviceID)
		if err != nil {
			reportReadFailure(diags, svc, planning, "service_id", "Cannot read the service from Autotask", err)
			return nil
		}
		t.serviceName = name
	}
	t.problems = append(t.problems, billing.CheckBillingTarget(svc.run.Today(), contractID, companyID, t.companyName,
		serviceID, t.serviceName, billing.Facts(view))...)
	if m.Units.IsNull() && !m.TenantID.IsUnknown() {
		t.problems = append(t.problems, noUnitsProblem(m.TenantID.ValueString()))
	}
	return t
}

// noUnitsProblem is the problem of a mapping configured without a count.
func noUnitsProblem(tenantID string) problem.Problem {
	return problem.Problem{
		Attribute: problem.AttrUnits,
		Summary:   "No unit count for this tenant",
		Detail: fmt.Sprintf("units is null, so there is no count to push for Petra tenant %q. When units comes from "+
			"data.petra_usage's lookup, Petra's usage report does not list the tenant (its lookup status is "+
			"\"not_found\"): it was removed from Petra, or tenant_id is mistyped. Nothing is pushed and the line keeps "+
			"its units. Fix tenant_id, or remove the mapping (on_destroy decides what happens to the line's units).",
			tenantID),
	}
}

// linePtr is the mapping's line, nil when the checks found none.
func (t *billingTarget) linePtr() *billing.ContractLine {
	if !t.lineOK {
		return nil
	}
	return &t.line
}

// fill sets the values that come from Autotask where m leaves them unknown:
// Create and Update return exactly the planned known values (DESIGN.md,
// "Planned values").
func (t *billingTarget) fill(m *billingMappingModel) {
	var line *billing.ContractLine
	if t.lineOK {
		line = &t.line
	}
	got := billingFromAutotask(t.view, line, t.companyName, t.serviceName)
	fillUnknownString(&m.CompanyName, got.CompanyName)
	fillUnknownString(&m.ServiceName, got.ServiceName)
	fillUnknownString(&m.ContractName, got.ContractName)
	fillUnknownString(&m.ContractStartDate, got.ContractStartDate)
	fillUnknownString(&m.ContractEndDate, got.ContractEndDate)
	fillUnknownInt64(&m.ContractServiceID, got.ContractServiceID)
	fillUnknownString(&m.Name, billingName(m))
}

// billingName is the mapping's name, "<company> → <contract> / <service>",
// from the names in m (an id stands in for a null name); unknown while a
// name or id it needs is unknown.
func billingName(m *billingMappingModel) types.String {
	part := func(name types.String, what string, id types.Int64) (string, bool) {
		switch {
		case name.IsUnknown():
			return "", false
		case !name.IsNull() && name.ValueString() != "":
			return name.ValueString(), true
		case id.IsUnknown():
			return "", false
		case id.IsNull():
			return what, true
		}
		return what + " " + strconv.FormatInt(id.ValueInt64(), 10), true
	}
	company, ok1 := part(m.CompanyName, "company", m.CompanyID)
	contract, ok2 := part(m.ContractName, "contract", m.ContractID)
	service, ok3 := part(m.ServiceName, "service", m.ServiceID)
	if !ok1 || !ok2 || !ok3 {
		return types.StringUnknown()
	}
	return types.StringValue(company + " → " + contract + " / " + service)
}

// ModifyPlan plans the mapping in two named steps (DESIGN.md, "Planned
// values"): billingPlanFromKnown plans what configuration, provider
// configuration and state decide, then the live checks run against Autotask
// and only report. A destroy or a replacement warns about the old line's
// units (on_destroy).
func (r *billingMappingResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var state *billingMappingModel
	if !req.State.Raw.IsNull() {
		state = &billingMappingModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	}
	if req.Plan.Raw.IsNull() {
		if state != nil {
			warnOldLine(&resp.Diagnostics, state, "destroying")
		}
		return
	}
	var plan billingMappingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	billingPlanFromKnown(&plan, state, r.data.pushResultKnown())
	claimPlanFromKnown(&plan, state)
	if r.data.claimsOff() {
		planClaimsOff(&plan)
	}
	if state != nil && billingReplaces(state, &plan) {
		// Terraform plans the new mapping again with no prior state, and the
		// checks run then: here only the old line is reported.
		warnOldLine(&resp.Diagnostics, state, "replacing")
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}

	if r.data == nil || r.data.svc == nil {
		// Unconfigured provider (settings unknown until apply): checks run at apply.
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	svc := r.data.svc
	ctx = r.data.maskCtx(ctx)
	var priorConn types.String
	if state != nil {
		priorConn = state.ConnectionID
	}
	checkConnectionID(ctx, &resp.Diagnostics, svc, plan.ConnectionID, priorConn, true)

	if plan.CompanyID.IsUnknown() || plan.ContractID.IsUnknown() || plan.ServiceID.IsUnknown() {
		resp.Diagnostics.AddWarning("Billing checks deferred to apply",
			"company_id, contract_id or service_id is not known until apply, so the contract checks (contract exists, "+
				"belongs to the company, is an active Recurring Service contract in effect today and carries the service "+
				"once) run at apply, before anything is pushed.")
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	if plan.CompanyID.IsNull() || plan.ContractID.IsNull() || plan.ServiceID.IsNull() {
		return // Terraform reports the missing required argument itself
	}

	tenantProblems := r.checkTenant(ctx, svc, &plan, true, &resp.Diagnostics)
	t := r.inspect(ctx, svc, plan, true, &resp.Diagnostics)
	if t == nil {
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	t.problems = oneCausePerTenant(tenantProblems, t.problems)
	r.claimInRun(ctx, svc, &plan, state, t)
	r.planClaim(ctx, svc, &plan, state, t, &resp.Diagnostics)
	warn := r.data.warnMode()
	if len(t.problems) > 0 {
		reportProblems(&resp.Diagnostics, svc, t.problems, warn, "Billing for", r.tenantLabel(ctx, svc, &plan))
		if warn && !keepRecordedFailure(&plan, state, problemLine(r.tenantLabel(ctx, svc, &plan), t.problems)) {
			// Plan an update even when nothing else changes, so that the apply
			// records the mapping as failed (and outputs show it).
			plan.SyncStatus, plan.SyncError = types.StringUnknown(), types.StringUnknown()
		}
	}
	warnBillingNameMismatch(ctx, &resp.Diagnostics, svc, &plan, t)
	addBudgetWarning(&resp.Diagnostics, svc)
	if len(t.problems) == 0 {
		day, ok := effectiveDay(ctx, svc, plan, t.view, t.linePtr(), &resp.Diagnostics)
		if !ok {
			return
		}
		r.planUnits(ctx, svc, &plan, state, t, day, warn, &resp.Diagnostics)
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// billingPlanFromKnown plans the values that do not depend on when Autotask
// is read:
//   - id from the configuration;
//   - on create, every value read from Autotask is unknown: Create fills it;
//   - on update (company, contract, service and tenant are unchanged: they
//     force a replacement), names (name too), dates and contract_service_id
//     come from the refreshed state;
//   - last_push_* stay as in state unless the apply pushes (units changed,
//     or the last apply failed and is retried);
//   - sync_status and sync_error stay as in state while the apply does not
//     push and the last apply succeeded (the apply then only records); when
//     it pushes, they are "ok" and null if pushResultKnown (error mode: an
//     apply that does not end with "ok" fails with an error, which records
//     nothing), otherwise unknown (warn mode: the apply may record the
//     mapping as failed).
//
// So an update plan shows the units, the name and the two last_push_*
// lines, not five "known after apply" around them (issue 21).
func billingPlanFromKnown(plan, state *billingMappingModel, pushResultKnown bool) {
	plan.ID = types.StringUnknown()
	if !plan.TenantID.IsUnknown() && !plan.ContractID.IsUnknown() && !plan.ServiceID.IsUnknown() &&
		!plan.TenantID.IsNull() && !plan.ContractID.IsNull() && !plan.ServiceID.IsNull() {
		plan.ID = types.StringValue(billingMappingID(plan.TenantID.ValueString(), plan.ContractID.ValueInt64(), plan.ServiceID.ValueInt64()))
	}
	if state == nil || billingReplaces(state, plan) {
		plan.ContractServiceID = types.Int64Unknown()
		plan.CompanyName, plan.ContractName, plan.ServiceName = types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
		plan.ContractStartDate, plan.ContractEndDate = types.StringUnknown(), types.StringUnknown()
		plan.Name = types.StringUnknown()
		plan.LastPushDelta, plan.LastPushAt = types.Int64Unknown(), types.StringUnknown()
		plan.SyncStatus, plan.SyncError = types.StringUnknown(), types.StringUnknown()
		return
	}
	plan.ContractServiceID = state.ContractServiceID
	plan.CompanyName, plan.ContractName, plan.ServiceName = state.CompanyName, state.ContractName, state.ServiceName
	plan.Name = state.Name
	plan.ContractStartDate, plan.ContractEndDate = state.ContractStartDate, state.ContractEndDate
	plan.LastPushDelta, plan.LastPushAt = state.LastPushDelta, state.LastPushAt
	plan.SyncStatus, plan.SyncError = state.SyncStatus, state.SyncError
	retry := state.SyncStatus.ValueString() != SyncStatusOK
	if retry || plan.Units.IsUnknown() || !plan.Units.Equal(state.Units) || effectiveOf(plan.Effective) != effectiveOf(state.Effective) {
		plan.LastPushDelta, plan.LastPushAt = types.Int64Unknown(), types.StringUnknown()
		plan.SyncStatus, plan.SyncError = types.StringUnknown(), types.StringUnknown()
		if pushResultKnown {
			recordOK(&plan.SyncStatus, &plan.SyncError)
		}
	}
}

// pushResultKnown reports whether an apply that pushes can only end with
// sync_status "ok" (or fail with an error): true in error mode. In warn mode,
// and while the provider is not configured (the mode is not known yet), the
// apply may record a failure instead.
func (d *providerData) pushResultKnown() bool {
	return d != nil && d.svc != nil && !d.warnMode()
}

// keepRecordedFailure plans, from state, a mapping whose last apply recorded
// it as failed for exactly the reason (syncErr) its checks give again now,
// with nothing else changed and no unconfirmed adjustment to settle: that
// apply would push nothing, claim nothing and record the same failure, so
// the plan shows no change (and -detailed-exitcode exits 0 while the warning
// says what is wrong). It reports whether it did. Once the checks pass, or
// the reason or the count changes, the plan is an update again: the retry
// (which claims the line first when the mapping holds no claim yet).
func keepRecordedFailure(plan, state *billingMappingModel, syncErr string) bool {
	if state == nil || state.SyncStatus.ValueString() != SyncStatusFailed || state.SyncError.ValueString() != syncErr ||
		!state.Unconfirmed.IsNull() || !plan.Units.Equal(state.Units) || !plan.OnDestroy.Equal(state.OnDestroy) ||
		!plan.Effective.Equal(state.Effective) || !plan.ConnectionID.Equal(state.ConnectionID) || !plan.ID.Equal(state.ID) {
		return false
	}
	plan.LastPushDelta, plan.LastPushAt = state.LastPushDelta, state.LastPushAt
	plan.SyncStatus, plan.SyncError = state.SyncStatus, state.SyncError
	plan.ClaimToken, plan.ClaimNoteID, plan.Unconfirmed = state.ClaimToken, state.ClaimNoteID, state.Unconfirmed
	return true
}

// billingReplaces reports whether the plan replaces the mapping in state
// (an argument that forces replacement changed).
func billingReplaces(state, plan *billingMappingModel) bool {
	return !plan.TenantID.Equal(state.TenantID) || !plan.CompanyID.Equal(state.CompanyID) ||
		!plan.ContractID.Equal(state.ContractID) || !plan.ServiceID.Equal(state.ServiceID)
}

// warnOldLine tells, when a plan destroys or replaces a mapping, what
// happens to its line: its units stay (keep) or go to 0 (zero). The summary
// names the tenant, so Terraform folds none of them away.
func warnOldLine(diags *diag.Diagnostics, state *billingMappingModel, doing string) {
	if state.ContractServiceID.IsNull() || state.ContractServiceID.IsUnknown() {
		return // a failed mapping that never found its line: nothing happens to any line
	}
	tenant := state.TenantID.ValueString()
	line := fmt.Sprintf("service line %d (%s on contract %s of %s)", state.ContractServiceID.ValueInt64(),
		billingQuoted(state.ServiceName, "service "+strconv.FormatInt(state.ServiceID.ValueInt64(), 10)),
		billingQuoted(state.ContractName, strconv.FormatInt(state.ContractID.ValueInt64(), 10)),
		billingQuoted(state.CompanyName, "company "+strconv.FormatInt(state.CompanyID.ValueInt64(), 10)))
	units := "its units"
	if !state.Units.IsNull() && !state.Units.IsUnknown() {
		units = fmt.Sprintf("%d units", unitsOf(state.Units))
	}
	if state.OnDestroy.ValueString() == OnDestroyZero {
		diags.AddWarning(fmt.Sprintf("Tenant %s: the old billing line goes to 0 units", tenant),
			fmt.Sprintf("%s the billing mapping of Petra tenant %q pushes %s to 0 units in effect from %s "+
				"(on_destroy = \"zero\"); it holds %s now.", billingCapitalized(doing), tenant, line, zeroFrom(state), units))
		return
	}
	diags.AddWarning(fmt.Sprintf("Tenant %s: %s stay on the old billing line", tenant, units),
		fmt.Sprintf("%s the billing mapping of Petra tenant %q stops syncing %s, which keeps %s in Autotask "+
			"(on_destroy = \"keep\"): the tenant is still billed there unless the line is changed by hand. To set the "+
			"line to 0 units instead, apply on_destroy = \"zero\" on the mapping first.", billingCapitalized(doing),
			tenant, line, units))
}

// zeroFrom says from when on_destroy = "zero" sets the line to 0.
func zeroFrom(state *billingMappingModel) string {
	if effectiveOf(state.Effective) == EffectiveNextPeriod {
		return "the first day of its next billing period (effective = \"next_period\": no proration)"
	}
	return "today"
}

func billingQuoted(s types.String, fallback string) string {
	if s.IsNull() || s.IsUnknown() || s.ValueString() == "" {
		return fallback
	}
	return strconv.Quote(s.ValueString())
}

func billingCapitalized(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// tenantLabel names the mapping's tenant for messages, with its Petra name
// when Petra is configured and answers (the run reads the tenant list once).
func (r *billingMappingResource) tenantLabel(ctx context.Context, svc *services, m *billingMappingModel) string {
	id := m.TenantID.ValueString()
	if svc.run.HasPetra() {
		if t, err := svc.catalog.PetraTenant(ctx, id); err == nil && t != nil {
			return tenantLabel(t.Name, id)
		}
	}
	if label, ok := svc.notedTenantLabel(id); ok {
		return label // the tenant mapping's, which remembers a removed tenant's name
	}
	return id
}

// oneCausePerTenant joins the tenant check's problems and the line's: when
// the tenant check failed (Petra does not list the tenant), a missing unit
// count is its consequence, not another cause, and is left out.
func oneCausePerTenant(tenant, line []problem.Problem) []problem.Problem {
	if len(tenant) == 0 {
		return line
	}
	out := tenant
	for _, p := range line {
		if p.Summary != noUnitsProblem("").Summary {
			out = append(out, p)
		}
	}
	return out
}
