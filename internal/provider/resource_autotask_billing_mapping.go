package provider

import (
	"context"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration"
)

func init() {
	registerResource("petra_autotask_billing_mapping", NewBillingMappingResource)
}

// maxBillingUnits is the largest unit count a billing mapping accepts.
const maxBillingUnits = 1_000_000

var (
	_ resource.Resource                = (*billingMappingResource)(nil)
	_ resource.ResourceWithConfigure   = (*billingMappingResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*billingMappingResource)(nil)
	_ resource.ResourceWithImportState = (*billingMappingResource)(nil)
	_ validator.Number                 = unitsValidator{}
	_ validator.Int64                  = positiveIDValidator{}
)

// NewBillingMappingResource returns the petra_autotask_billing_mapping resource.
func NewBillingMappingResource() resource.Resource { return &billingMappingResource{} }

// billingMappingResource pushes one Petra tenant's unit count to one service
// line of an Autotask Recurring Service contract.
type billingMappingResource struct {
	data *providerData
}

// billingMappingModel is the resource's state and plan.
type billingMappingModel struct {
	ID                types.String `tfsdk:"id"`
	ConnectionID      types.String `tfsdk:"connection_id"`
	TenantID          types.String `tfsdk:"tenant_id"`
	CompanyID         types.Int64  `tfsdk:"company_id"`
	ContractID        types.Int64  `tfsdk:"contract_id"`
	ServiceID         types.Int64  `tfsdk:"service_id"`
	Units             types.Number `tfsdk:"units"`
	ContractServiceID types.Int64  `tfsdk:"contract_service_id"`
	CompanyName       types.String `tfsdk:"company_name"`
	ContractName      types.String `tfsdk:"contract_name"`
	ServiceName       types.String `tfsdk:"service_name"`
	ContractStartDate types.String `tfsdk:"contract_start_date"`
	ContractEndDate   types.String `tfsdk:"contract_end_date"`
	LastPushDelta     types.Int64  `tfsdk:"last_push_delta"`
	LastPushAt        types.String `tfsdk:"last_push_at"`
	Effective         types.String `tfsdk:"effective"`
	// Claims and unconfirmed adjustments (resource_autotask_billing_mapping_claims.go).
	TakeOverClaim types.Bool   `tfsdk:"take_over_claim"`
	ClaimToken    types.String `tfsdk:"claim_token"`
	ClaimNoteID   types.Int64  `tfsdk:"claim_note_id"`
	Unconfirmed   types.Object `tfsdk:"unconfirmed_adjustment"`
}

// Metadata names the resource type.
func (r *billingMappingResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_autotask_billing_mapping"
}

// Schema describes the resource.
func (r *billingMappingResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replaceString := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	replaceInt := []planmodifier.Int64{int64planmodifier.RequiresReplace()}
	attrs := map[string]schema.Attribute{}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Bills one Petra tenant on one service line of an Autotask **Recurring Service** contract: " +
			"the provider makes the line hold `units` units in effect from today, by posting one " +
			"ContractServiceAdjustment of the difference (none when Autotask already holds the count).\n\n" +
			"Every plan checks the target against Autotask: the contract exists, belongs to `company_id`, is a " +
			"Recurring Service contract, is active, has started and has not ended, and carries `service_id` exactly " +
			"once. A failed check fails the plan on the offending argument (or, with the provider's " +
			"`billing_check_failure = \"warn\"`, warns at plan and fails only this mapping at apply, so healthy " +
			"mappings are still pushed). The checks run again at apply against fresh data, and nothing is pushed for " +
			"a mapping whose checks fail.\n\n" +
			"A line is never billed twice: if Autotask's answer to an adjustment is lost, the provider reads the units " +
			"back and never posts again for the line in that run; an adjustment the units do not show is recorded in " +
			"`unconfirmed_adjustment` and the next run reads the units before it posts. Each mapping claims its line in " +
			"Autotask (a contract note), so another configuration mapping the same line fails instead of billing it " +
			"too, and two mappings of one line in this configuration fail the plan. Refresh reads the units in effect " +
			"today, so a hand edit in Autotask shows as drift in `units` and the next apply restores the configured " +
			"count.\n\n" +
			"To retry one tenant only, run `terraform apply -target='petra_autotask_billing_mapping.<name>[\"<key>\"]'`.\n\n" +
			"Destroying a billing mapping stops syncing and releases its claim: the contract and its units stay as they " +
			"are in Autotask.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "`<tenant_id>/<contract_service_id>`, also the import ID, for example " +
					"`ZZk90t/29684012`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"connection_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The `id` of the `petra_autotask_connection` this mapping uses (the Autotask API " +
					"username). It must be the connection of this provider. Changing it replaces the mapping.",
				PlanModifiers: replaceString,
			},
			"tenant_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Petra tenant ID whose units are billed (the short ID in " +
					"`app.petrasecurity.com/tenant/<id>`). Usually `petra_autotask_tenant_mapping.<name>.tenant_id`. " +
					"Changing it replaces the mapping.",
				PlanModifiers: replaceString,
				Validators:    []validator.String{tenantIDValidator{}},
			},
			"company_id": schema.Int64Attribute{
				Required:   true,
				CustomType: autotaskIDType{},
				MarkdownDescription: "Autotask company ID the tenant is mapped to (usually " +
					"`petra_autotask_tenant_mapping.<name>.company_id`). The contract must belong to this company. " +
					"Changing it replaces the mapping.",
				PlanModifiers: replaceInt,
				Validators:    []validator.Int64{positiveIDValidator{what: "company_id", hint: "the petra_autotask_companies data source lists company ids"}},
			},
			"contract_id": schema.Int64Attribute{
				Required:   true,
				CustomType: autotaskIDType{},
				MarkdownDescription: "Autotask ID of the Recurring Service contract to bill on. The " +
					"`petra_autotask_contracts` data source lists a company's contracts. Changing it replaces the mapping.",
				PlanModifiers: replaceInt,
				Validators:    []validator.Int64{positiveIDValidator{what: "contract_id", hint: "the petra_autotask_contracts data source lists a company's contracts"}},
			},
			"service_id": schema.Int64Attribute{
				Required:   true,
				CustomType: autotaskIDType{},
				MarkdownDescription: "Autotask ID of the Service whose line on the contract receives the units. It must " +
					"appear exactly once on the contract. Changing it replaces the mapping.",
				PlanModifiers: replaceInt,
				Validators:    []validator.Int64{positiveIDValidator{what: "service_id", hint: "the petra_autotask_contracts data source lists each contract's services"}},
			},
			"units": schema.NumberAttribute{
				Required: true,
				MarkdownDescription: "Unit count the contract service must hold from today (0 to 1,000,000), usually " +
					"Petra's billable users, e.g. `data.petra_usage.this.tenants[each.key].billable_users_this_month`. " +
					"Refresh reads the units in effect today from Autotask, so a change made in Autotask shows as drift.",
				Validators: []validator.Number{unitsValidator{}},
			},
			"contract_service_id": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "Autotask ID of the contract's service line for `service_id` (a ContractServices id).",
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"company_name": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Name of the Autotask company, as Autotask reports it.",
			},
			"contract_name": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Name of the contract, as Autotask reports it.",
			},
			"service_name": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Name of the Autotask Service, as Autotask reports it.",
			},
			"contract_start_date": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Start date of the contract (`YYYY-MM-DD`, a calendar date of the Autotask database).",
			},
			"contract_end_date": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "End date of the contract (`YYYY-MM-DD`, a calendar date of the Autotask database).",
			},
			"last_push_delta": schema.Int64Attribute{
				Computed: true,
				MarkdownDescription: "Unit change the last sync made in Autotask (positive adds units, negative removes " +
					"them, 0 when Autotask already held the count). Set when the mapping is created and whenever " +
					"`units` changes.",
			},
			"last_push_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "When the last sync completed (RFC 3339, UTC).",
			},
			"effective": effectiveAttribute(),
		},
	}
	for k, v := range resp.Schema.Attributes {
		attrs[k] = v
	}
	for k, v := range billingClaimSchema() {
		attrs[k] = v
	}
	resp.Schema.Attributes = attrs
}

// Configure keeps the provider data (nil while the provider is unconfigured).
func (r *billingMappingResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// billingTarget is what the checks found for one mapping.
type billingTarget struct {
	view        *integration.ContractView
	line        integration.ContractLine
	lineOK      bool
	companyName string
	serviceName string
	problems    []integration.Problem
}

// inspect reads the mapping's target from the run's billing snapshot and runs
// every billing check. A read failure is added to diags and returns nil.
func (r *billingMappingResource) inspect(ctx context.Context, svc *integration.Service, m billingMappingModel, diags *diag.Diagnostics) *billingTarget {
	contractID, companyID, serviceID := m.ContractID.ValueInt64(), m.CompanyID.ValueInt64(), m.ServiceID.ValueInt64()
	view, err := svc.Contract(ctx, contractID)
	if err != nil {
		p := path.Root("contract_id")
		addAPIError(diags, &p, "Cannot read the contract from Autotask", err)
		return nil
	}
	t := &billingTarget{view: view}
	if view != nil && view.Contract.CompanyID == companyID {
		t.companyName = view.CompanyName
	} else {
		c, err := svc.Company(ctx, companyID)
		if err != nil {
			p := path.Root("company_id")
			addAPIError(diags, &p, "Cannot read the company from Autotask", err)
			return nil
		}
		if c != nil {
			t.companyName = c.CompanyName
		}
	}
	t.line, t.lineOK = view.LineForService(serviceID)
	if t.lineOK {
		t.serviceName = t.line.ServiceName
	} else {
		name, err := svc.ServiceName(ctx, serviceID)
		if err != nil {
			p := path.Root("service_id")
			addAPIError(diags, &p, "Cannot read the service from Autotask", err)
			return nil
		}
		t.serviceName = name
	}
	t.problems = integration.CheckBillingTarget(svc.Today(), contractID, companyID, t.companyName, serviceID,
		t.serviceName, integration.Facts(view))
	return t
}

// fill sets the computed attributes that come from Autotask.
func (t *billingTarget) fill(m *billingMappingModel) {
	m.CompanyName = billingNullableString(t.companyName)
	m.ServiceName = billingNullableString(t.serviceName)
	if t.view != nil {
		m.ContractName = types.StringValue(t.view.Contract.ContractName)
		m.ContractStartDate = billingDate(t.view.Contract.StartDate)
		m.ContractEndDate = billingDate(t.view.Contract.EndDate)
	}
	if t.lineOK {
		m.ContractServiceID = types.Int64Value(t.line.ContractServiceID)
		if !m.TenantID.IsUnknown() {
			m.ID = types.StringValue(billingMappingID(m.TenantID.ValueString(), t.line.ContractServiceID))
		}
	}
}

// ModifyPlan checks the mapping's contract and service against Autotask and
// plans the computed values, so the plan shows names and dates.
func (r *billingMappingResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy: nothing to check
	}
	var plan billingMappingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	var state *billingMappingModel
	if !req.State.Raw.IsNull() {
		state = &billingMappingModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}

	// last_push_* change only when units do: keep them from state otherwise,
	// so a plan without changes stays empty.
	if state != nil && !plan.Units.IsUnknown() && plan.Units.Equal(state.Units) {
		plan.LastPushDelta, plan.LastPushAt = state.LastPushDelta, state.LastPushAt
	} else {
		plan.LastPushDelta, plan.LastPushAt = types.Int64Unknown(), types.StringUnknown()
	}

	if r.data == nil || r.data.svc == nil {
		// Unconfigured provider (settings unknown until apply): checks run at apply.
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	svc := r.data.svc
	ctx = r.data.maskCtx(ctx)
	checkConnectionID(&resp.Diagnostics, svc, plan.ConnectionID)

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
	t := r.inspect(ctx, svc, plan, &resp.Diagnostics)
	if t == nil {
		return
	}
	t.problems = append(tenantProblems, t.problems...)
	r.claimInRun(ctx, svc, &plan, state, t)
	r.planClaim(ctx, svc, &plan, state, t, &resp.Diagnostics)
	planUnconfirmed(&plan, state, state == nil || !plan.Units.Equal(state.Units))
	for _, p := range t.problems {
		at := path.Root(string(p.Attribute))
		if r.data.billingCheckFailure == BillingCheckWarn {
			resp.Diagnostics.AddAttributeWarning(at, p.Summary, p.Detail+"\n\nbilling_check_failure is \"warn\": this "+
				"mapping will fail at apply and nothing will be pushed for it; the other mappings are applied.")
		} else {
			resp.Diagnostics.AddAttributeError(at, p.Summary, p.Detail)
		}
	}
	addBudgetWarning(&resp.Diagnostics, svc)
	addTimeZoneWarning(&resp.Diagnostics, svc)
	if len(t.problems) == 0 {
		if _, ok := effectiveDay(ctx, svc, plan, t.view, &resp.Diagnostics); !ok {
			return
		}
	}
	t.fill(&plan)
	if len(t.problems) > 0 && state != nil && r.data.billingCheckFailure == BillingCheckWarn {
		// Plan an update even when the units did not change, so that apply
		// visits this mapping and fails it with the check's message: the
		// run's error list then names every tenant that was not synced.
		plan.LastPushDelta, plan.LastPushAt = types.Int64Unknown(), types.StringUnknown()
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// Create checks the target again against fresh data and pushes the units.
func (r *billingMappingResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan billingMappingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.apply(ctx, plan, nil, &resp.State, &resp.Diagnostics)
}

// Update pushes the difference when units changed.
func (r *billingMappingResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state billingMappingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.apply(ctx, plan, &state, &resp.State, &resp.Diagnostics)
}

// stateSetter is the part of tfsdk.State that apply needs.
type stateSetter interface {
	Set(ctx context.Context, val any) diag.Diagnostics
}

// apply runs the apply-time checks, pushes the units when they must change
// and records the result. prior is nil on create.
func (r *billingMappingResource) apply(ctx context.Context, plan billingMappingModel, prior *billingMappingModel, st stateSetter, diags *diag.Diagnostics) {
	svc := r.data.service(diags)
	if svc == nil {
		return
	}
	ctx = r.data.maskCtx(ctx)
	checkConnectionID(diags, svc, plan.ConnectionID)
	if diags.HasError() {
		return
	}
	// Apply-time checks must see Autotask as it is now; the first mapping of
	// the run reloads the snapshot and the others share that reload.
	if err := svc.RefreshBillingForApply(ctx); err != nil {
		addAPIError(diags, nil, "Cannot read contracts from Autotask", err)
		return
	}
	tenantProblems := r.checkTenant(ctx, svc, &plan, false, diags)
	t := r.inspect(ctx, svc, plan, diags)
	if t == nil {
		return
	}
	t.problems = append(tenantProblems, t.problems...)
	if len(t.problems) > 0 {
		for _, p := range t.problems {
			diags.AddAttributeError(path.Root(string(p.Attribute)), p.Summary, p.Detail)
		}
		return // nothing is pushed for a mapping whose checks fail
	}
	t.fill(&plan)
	if !r.applyClaim(ctx, svc, &plan, prior, t, diags) {
		return // the line is another configuration's: nothing is pushed
	}
	claimedNow := prior == nil || !prior.ClaimToken.Equal(plan.ClaimToken)
	unconfirmed := unconfirmedOf(prior)
	plan.Unconfirmed = unconfirmedValue(unconfirmed)

	if prior != nil && prior.Units.Equal(plan.Units) && unconfirmed == nil {
		// Only names, dates or the claim changed: nothing to push.
		plan.LastPushDelta, plan.LastPushAt = prior.LastPushDelta, prior.LastPushAt
		diags.Append(st.Set(ctx, &plan)...)
		return
	}
	day, ok := effectiveDay(ctx, svc, plan, t.view, diags)
	if !ok {
		if claimedNow {
			r.releaseUnrecordedClaim(ctx, svc, &plan, t, diags)
		}
		return
	}
	res, err := svc.PushUnits(ctx, integration.PushRequest{
		ContractID:        plan.ContractID.ValueInt64(),
		ContractServiceID: t.line.ContractServiceID,
		ServiceID:         plan.ServiceID.ValueInt64(),
		Target:            unitsOf(plan.Units),
		EffectiveDate:     day,
		Unconfirmed:       unconfirmed,
	})
	plan.Unconfirmed = unconfirmedValue(res.Unconfirmed)
	if err != nil {
		if res.Record {
			// Autotask changed, or an adjustment's outcome is unconfirmed:
			// record what Autotask shows now (and the unconfirmed
			// adjustment), so the resource is not lost, the next plan shows
			// any difference, and no later run posts the adjustment again.
			// (Otherwise a failed create records nothing and a failed update
			// keeps the prior state.)
			plan.Units = unitsValue(res.After)
			plan.LastPushDelta = types.Int64Value(int64(res.After - res.Before))
			plan.LastPushAt = types.StringValue(r.data.now().UTC().Format(time.RFC3339))
			diags.Append(st.Set(ctx, &plan)...)
		} else if claimedNow {
			// Nothing is recorded, so the claim made for this push would be
			// nobody's: release it.
			r.releaseUnrecordedClaim(ctx, svc, &plan, t, diags)
		}
		p := path.Root("units")
		addAPIError(diags, &p, "Pushing units to Autotask failed", err)
		return
	}
	plan.LastPushDelta = types.Int64Value(int64(res.Delta))
	plan.LastPushAt = types.StringValue(res.At.UTC().Format(time.RFC3339))
	addBudgetWarning(diags, svc)
	diags.Append(st.Set(ctx, &plan)...)
}

// Read refreshes the mapping from Autotask: units in effect today, names and
// dates. A contract or line that is gone removes the mapping from state.
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
	csID := state.ContractServiceID.ValueInt64()
	if state.ContractServiceID.IsNull() || state.ContractServiceID.IsUnknown() {
		_, id, err := parseBillingMappingID(state.ID.ValueString())
		if err != nil {
			resp.Diagnostics.AddError("Invalid billing mapping ID in state", err.Error())
			return
		}
		csID = id
	}
	view, line, err := readBillingLine(ctx, svc, state.ContractID, csID)
	if err != nil {
		addAPIError(&resp.Diagnostics, nil, "Cannot read the billing mapping's contract from Autotask", err)
		return
	}
	if view == nil || line == nil {
		if hiddenLine(ctx, svc, state, csID, &resp.Diagnostics) {
			return
		}
		resp.Diagnostics.AddWarning("Billing mapping removed from state",
			fmt.Sprintf("Autotask has no contract service %d any more (its contract or service line was deleted, or the "+
				"API user can no longer see it), so the billing mapping %s was removed from state. The next plan creates "+
				"it again if it is still configured: point contract_id and service_id at the tenant's current contract "+
				"line.", csID, state.ID.ValueString()))
		resp.State.RemoveResource(ctx)
		return
	}
	state.ContractServiceID = types.Int64Value(line.ContractServiceID)
	state.ContractID = types.Int64Value(view.Contract.ID)
	state.ServiceID = types.Int64Value(line.ServiceID)
	state.CompanyID = types.Int64Value(view.Contract.CompanyID)
	state.CompanyName = billingNullableString(view.CompanyName)
	state.ContractName = types.StringValue(view.Contract.ContractName)
	state.ServiceName = billingNullableString(line.ServiceName)
	state.ContractStartDate = billingDate(view.Contract.StartDate)
	state.ContractEndDate = billingDate(view.Contract.EndDate)
	units, ok := unitsForRead(ctx, svc, state, view, line, &resp.Diagnostics)
	if !ok {
		return
	}
	state.Units = unitsValue(units)
	state.Effective = types.StringValue(effectiveOf(state.Effective))
	refreshUnconfirmed(svc, &state, units)
	svc.NoteStateClaim(state.ClaimToken.ValueString())
	if state.ConnectionID.IsNull() || state.ConnectionID.ValueString() == "" {
		state.ConnectionID = types.StringValue(svc.Username())
	}
	if state.ID.IsNull() || state.ID.ValueString() == "" {
		state.ID = types.StringValue(billingMappingID(state.TenantID.ValueString(), line.ContractServiceID))
	}
	if state.LastPushDelta.IsUnknown() {
		state.LastPushDelta = types.Int64Null()
	}
	if state.LastPushAt.IsUnknown() {
		state.LastPushAt = types.StringNull()
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// readBillingLine finds a mapping's contract line. The contract id in state
// (absent after an import) lets the run's batched contract reads answer; a
// line that moved, or an imported mapping, is looked up by its own id.
func readBillingLine(ctx context.Context, svc *integration.Service, contractID types.Int64, csID int64) (*integration.ContractView, *integration.ContractLine, error) {
	if !contractID.IsNull() && !contractID.IsUnknown() && contractID.ValueInt64() > 0 {
		view, err := svc.Contract(ctx, contractID.ValueInt64())
		if err != nil {
			return nil, nil, err
		}
		if l, ok := view.Line(csID); ok {
			return view, &l, nil
		}
	}
	return svc.ContractLineByID(ctx, csID)
}

// Delete stops syncing and releases the mapping's claim on its line. The
// contract and its units stay as they are in Autotask.
func (r *billingMappingResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
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
	if !guardUnconfirmedDelete(svc, &state, &resp.Diagnostics) {
		return
	}
	r.releaseClaim(ctx, svc, &state, &resp.Diagnostics)
}

// ImportState takes `<tenant_id>/<contract_service_id>`; the contract, service,
// company and units are then read from Autotask.
func (r *billingMappingResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	tenant, csID, err := parseBillingMappingID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID for petra_autotask_billing_mapping", err.Error())
		return
	}
	conn := types.StringNull()
	if r.data != nil && r.data.svc != nil && r.data.svc.Username() != "" {
		conn = types.StringValue(r.data.svc.Username())
	}
	m := billingMappingModel{
		ID: types.StringValue(billingMappingID(tenant, csID)), ConnectionID: conn, TenantID: types.StringValue(tenant),
		CompanyID: types.Int64Null(), ContractID: types.Int64Null(), ServiceID: types.Int64Null(), Units: types.NumberNull(),
		ContractServiceID: types.Int64Value(csID),
		CompanyName:       types.StringNull(), ContractName: types.StringNull(), ServiceName: types.StringNull(),
		ContractStartDate: types.StringNull(), ContractEndDate: types.StringNull(),
		LastPushDelta: types.Int64Null(), LastPushAt: types.StringNull(), Effective: types.StringValue(EffectiveToday),
		TakeOverClaim: types.BoolNull(), ClaimToken: types.StringNull(), ClaimNoteID: types.Int64Null(),
		Unconfirmed: unconfirmedNull(),
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// billingMappingID is the resource ID: "<tenant_id>/<contract_service_id>".
func billingMappingID(tenantID string, contractServiceID int64) string {
	return tenantID + "/" + strconv.FormatInt(contractServiceID, 10)
}

// parseBillingMappingID reads "<tenant_id>/<contract_service_id>".
func parseBillingMappingID(id string) (string, int64, error) {
	const form = "The ID must be <tenant_id>/<contract_service_id>, for example \"ZZk90t/29684012\": the Petra tenant " +
		"ID, a slash, and the Autotask contract service id (the petra_autotask_contracts data source lists the " +
		"contract_service_id of each line)."
	i := strings.LastIndex(id, "/")
	if i < 0 {
		return "", 0, fmt.Errorf("%q has no slash. %s", id, form)
	}
	tenant, num := strings.TrimSpace(id[:i]), strings.TrimSpace(id[i+1:])
	if tenant == "" {
		return "", 0, fmt.Errorf("%q has no tenant ID before the slash. %s", id, form)
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return "", 0, fmt.Errorf("%q ends with %q, which is not a contract service id (a positive whole number). %s", id, num, form)
	}
	return tenant, n, nil
}

// billingDate renders an Autotask date as YYYY-MM-DD, null when absent.
func billingDate(t autotask.Time) types.String {
	if t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(t.DateString())
}

// billingNullableString maps "" (Autotask did not say) to null.
func billingNullableString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// unitsValidator keeps units within 0..maxBillingUnits.
type unitsValidator struct{}

func (unitsValidator) Description(context.Context) string {
	return "must be a whole number from 0 to 1,000,000"
}

func (v unitsValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

// ValidateNumber accepts whole numbers from 0 to maxBillingUnits. The
// attribute is a number, not an int64, so that a fraction (a prorated count
// someone forgot to round) gets this message instead of a conversion error.
func (unitsValidator) ValidateNumber(_ context.Context, req validator.NumberRequest, resp *validator.NumberResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	f := req.ConfigValue.ValueBigFloat()
	if !f.IsInt() {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid unit count",
			fmt.Sprintf("units is %s, but Autotask counts whole units. Round the value in the configuration, for "+
				"example with ceil() or floor() (a count computed from a percentage is often fractional; the count to "+
				"bill, petra_usage's billable_users_this_month, is a whole number).", f.Text('g', -1)))
		return
	}
	if f.Sign() < 0 || f.Cmp(big.NewFloat(maxBillingUnits)) > 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid unit count",
			fmt.Sprintf("units is %s, but it must be between 0 and 1,000,000: the number of units (for example billable "+
				"users) the contract service should hold from today. Use 0 to stop billing the tenant without removing "+
				"the service from the contract.", f.Text('f', 0)))
	}
}

// unitsOf reads a validated units value.
func unitsOf(v types.Number) int {
	n, _ := v.ValueBigFloat().Int64()
	return int(n)
}

// unitsValue is a unit count as the attribute's value.
func unitsValue(n int) types.Number { return types.NumberValue(big.NewFloat(float64(n))) }

// positiveIDValidator rejects ids that cannot be Autotask ids.
type positiveIDValidator struct{ what, hint string }

func (v positiveIDValidator) Description(context.Context) string {
	return "must be a positive Autotask id"
}

func (v positiveIDValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v positiveIDValidator) ValidateInt64(_ context.Context, req validator.Int64Request, resp *validator.Int64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if n := req.ConfigValue.ValueInt64(); n <= 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Autotask id",
			fmt.Sprintf("%s is %d, but Autotask ids are positive whole numbers (%s).", v.what, n, v.hint))
	}
}
