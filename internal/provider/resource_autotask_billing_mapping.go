package provider

import (
	"context"
	"errors"
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
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration"
)

func init() {
	registerResource("petra_autotask_billing_mapping", NewBillingMappingResource)
}

// maxBillingUnits is the largest unit count a billing mapping accepts.
const maxBillingUnits = 1_000_000

var (
	_ resource.Resource                 = (*billingMappingResource)(nil)
	_ resource.ResourceWithConfigure    = (*billingMappingResource)(nil)
	_ resource.ResourceWithModifyPlan   = (*billingMappingResource)(nil)
	_ resource.ResourceWithImportState  = (*billingMappingResource)(nil)
	_ resource.ResourceWithUpgradeState = (*billingMappingResource)(nil)
	_ validator.Number                  = unitsValidator{}
	_ validator.Int64                   = positiveIDValidator{}
)

// Values of on_destroy.
const (
	// OnDestroyKeep leaves the line's units as they are when the mapping is
	// destroyed or replaced (the default); plans warn about it.
	OnDestroyKeep = "keep"
	// OnDestroyZero pushes the line to 0 units when the mapping is
	// destroyed or replaced, exactly once, like any push.
	OnDestroyZero = "zero"
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
	Name              types.String `tfsdk:"name"`
	ConnectionID      types.String `tfsdk:"connection_id"`
	TenantID          types.String `tfsdk:"tenant_id"`
	CompanyID         types.Int64  `tfsdk:"company_id"`
	ContractID        types.Int64  `tfsdk:"contract_id"`
	ServiceID         types.Int64  `tfsdk:"service_id"`
	Units             types.Number `tfsdk:"units"`
	OnDestroy         types.String `tfsdk:"on_destroy"`
	Effective         types.String `tfsdk:"effective"`
	ContractServiceID types.Int64  `tfsdk:"contract_service_id"`
	CompanyName       types.String `tfsdk:"company_name"`
	ContractName      types.String `tfsdk:"contract_name"`
	ServiceName       types.String `tfsdk:"service_name"`
	ContractStartDate types.String `tfsdk:"contract_start_date"`
	ContractEndDate   types.String `tfsdk:"contract_end_date"`
	LastPushDelta     types.Int64  `tfsdk:"last_push_delta"`
	LastPushAt        types.String `tfsdk:"last_push_at"`
	SyncStatus        types.String `tfsdk:"sync_status"`
	SyncError         types.String `tfsdk:"sync_error"`
	// Claims and unconfirmed adjustments (resource_autotask_billing_mapping_claims.go).
	TakeOverClaim types.Bool   `tfsdk:"take_over_claim"`
	ClaimToken    types.String `tfsdk:"claim_token"`
	ClaimNoteID   types.Int64  `tfsdk:"claim_note_id"`
	Unconfirmed   types.Object `tfsdk:"unconfirmed_adjustment"`
	// AcknowledgeNameMismatch silences the names warning (name_mismatch.go).
	AcknowledgeNameMismatch types.Bool `tfsdk:"acknowledge_name_mismatch"`
}

// Metadata names the resource type.
func (r *billingMappingResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_autotask_billing_mapping"
}

// Schema describes the resource.
func (r *billingMappingResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replaceString := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	replaceInt := []planmodifier.Int64{int64planmodifier.RequiresReplace()}
	fromAutotask := func(what string) schema.StringAttribute {
		return schema.StringAttribute{
			Computed: true,
			MarkdownDescription: what + " Read from Autotask at apply and on every refresh; the plan shows the " +
				"refreshed value, or \"known after apply\" for a new mapping (a rename in Autotask between plan and " +
				"apply then never breaks the apply).",
		}
	}
	resp.Schema = schema.Schema{
		Version: 1,
		MarkdownDescription: "Bills one Petra tenant on one service line of an Autotask **Recurring Service** contract: " +
			"the provider makes the line hold `units` units in effect from today, by posting one " +
			"ContractServiceAdjustment of the difference (none when Autotask already holds the count).\n\n" +
			"Every plan checks the target against Autotask: the company exists and is active, the contract exists, " +
			"belongs to `company_id`, is a Recurring Service contract, is active, has started and has not ended, and " +
			"carries `service_id` exactly once. A failed check fails the plan on the offending argument. With the " +
			"provider's `billing_check_failure = \"warn\"` it is a warning instead: at apply the mapping is recorded " +
			"with `sync_status = \"failed\"` and the reason in `sync_error`, nothing is pushed for it, every healthy " +
			"mapping is applied, and the next run retries it. The checks run again at apply against fresh data, and " +
			"nothing is pushed for a mapping whose checks fail.\n\n" +
			"A line is never billed twice: if Autotask's answer to an adjustment is lost, the provider reads the units " +
			"back and never posts again for the line in that run; an adjustment the units do not show is recorded in " +
			"`unconfirmed_adjustment` and the next run reads the units before it posts. Each mapping claims its line in " +
			"Autotask (a contract note), so another configuration mapping the same line fails instead of billing it " +
			"too, and two mappings of one line in this configuration fail the plan. Refresh reads the units in effect " +
			"today, so a hand edit in Autotask shows as drift in `units` and the next apply restores the configured " +
			"count.\n\n" +
			"Destroying the mapping, or replacing it because `tenant_id`, `company_id`, `contract_id` or `service_id` " +
			"changed (a tenant moved to another contract, service or company), does what `on_destroy` says to the old " +
			"line: `keep` (the default) leaves its units and every such plan warns which tenant, line and units stay; " +
			"`zero` pushes the old line to 0 units, exactly once, before the new line gets its units. Either way the " +
			"mapping's claim on the old line is released.\n\n" +
			"To retry one tenant only, run `terraform apply -target='petra_autotask_billing_mapping.<name>[\"<key>\"]'`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "`<tenant_id>/<contract_id>/<service_id>`, known from the configuration, for example " +
					"`ZZk90t/29684012/29683996`; also the import ID (`<tenant_id>/<contract_service_id>` is accepted " +
					"for import too).",
			},
			"name": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The billed line by name, `<company> → <contract> / <service>`, for example " +
					"`Harbor Dental Group → Harbor Dental - Managed Services / Petra M365 Account Protection`, so that " +
					"every diff says which line it is about (Terraform always shows `id` and `name`). Built from " +
					"`company_name`, `contract_name` and `service_name` (an id such as `contract 2001` stands in for a " +
					"name Autotask does not give) and planned like them: known after apply for a new mapping, the " +
					"refreshed value on an update, renamed by the next refresh after a rename in Autotask.",
			},
			"connection_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The `id` of the `petra_autotask_connection` this mapping uses (the id of the " +
					"Autotask database the provider is connected to). It must be the connection of this provider. " +
					"Another API user of the same database keeps the mapping.",
			},
			"tenant_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Petra tenant ID whose units are billed (the short ID in " +
					"`app.petrasecurity.com/tenant/<id>`). Usually `petra_autotask_tenant_mapping.<name>.tenant_id`. " +
					"Changing it replaces the mapping (see `on_destroy`).",
				PlanModifiers: replaceString,
				Validators:    []validator.String{petraTenantIDValidator{}},
			},
			"company_id": schema.Int64Attribute{
				Required:   true,
				CustomType: autotaskIDType{},
				MarkdownDescription: "Autotask company ID the tenant is mapped to (usually " +
					"`petra_autotask_tenant_mapping.<name>.company_id`). The contract must belong to this company, " +
					"which must be active. Changing it replaces the mapping (see `on_destroy`).",
				PlanModifiers: replaceInt,
				Validators:    []validator.Int64{positiveIDValidator{what: "company_id", hint: "the petra_autotask_companies data source lists company ids"}},
			},
			"contract_id": schema.Int64Attribute{
				Required:   true,
				CustomType: autotaskIDType{},
				MarkdownDescription: "Autotask ID of the Recurring Service contract to bill on. The " +
					"`petra_autotask_contracts` data source lists a company's contracts. Changing it replaces the " +
					"mapping (see `on_destroy`).",
				PlanModifiers: replaceInt,
				Validators:    []validator.Int64{positiveIDValidator{what: "contract_id", hint: "the petra_autotask_contracts data source lists a company's contracts"}},
			},
			"service_id": schema.Int64Attribute{
				Required:   true,
				CustomType: autotaskIDType{},
				MarkdownDescription: "Autotask ID of the Service whose line on the contract receives the units. It must " +
					"appear exactly once on the contract. Changing it replaces the mapping (see `on_destroy`).",
				PlanModifiers: replaceInt,
				Validators:    []validator.Int64{positiveIDValidator{what: "service_id", hint: "the petra_autotask_contracts data source lists each contract's services"}},
			},
			"units": schema.NumberAttribute{
				Optional: true,
				MarkdownDescription: "Unit count the contract service must hold from today (0 to 1,000,000), usually " +
					"Petra's billable users: `data.petra_usage.this.lookup[each.key].billable_users_this_month`. " +
					"Refresh reads the units in effect today from Autotask, so a change made in Autotask shows as drift. " +
					"Set it always: null means there is no count for this tenant (the usage lookup gives null for a " +
					"tenant Petra does not list), which fails the mapping, and nothing is pushed.",
				Validators: []validator.Number{unitsValidator{}},
			},
			"on_destroy": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(OnDestroyKeep),
				MarkdownDescription: "What happens to the line's units when this mapping is destroyed or replaced: " +
					"`keep` (default) leaves them, and every plan that destroys or replaces the mapping warns, naming " +
					"the tenant, the line and the units it keeps; `zero` pushes the line to 0 units, exactly once and " +
					"with the same read-back as any push (a contract Autotask no longer accepts adjustments on then " +
					"fails the destroy with Autotask's text; set `keep` to let the mapping go without touching the " +
					"line). Changing it only records the new choice.",
				Validators: []validator.String{onDestroyValidator{}},
			},
			"contract_service_id": schema.Int64Attribute{
				Computed: true,
				MarkdownDescription: "Autotask ID of the contract's service line for `service_id` (a ContractServices " +
					"id), found at apply; null while the mapping is failed and the contract has no such line.",
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"company_name":        fromAutotask("Name of the Autotask company, as Autotask reports it."),
			"contract_name":       fromAutotask("Name of the contract, as Autotask reports it."),
			"service_name":        fromAutotask("Name of the Autotask Service, as Autotask reports it."),
			"contract_start_date": fromAutotask("Start date of the contract (`YYYY-MM-DD`, a calendar date of the Autotask database)."),
			"contract_end_date":   fromAutotask("End date of the contract (`YYYY-MM-DD`, a calendar date of the Autotask database)."),
			"last_push_delta": schema.Int64Attribute{
				Computed: true,
				MarkdownDescription: "Unit change the last sync made in Autotask (positive adds units, negative removes " +
					"them, 0 when Autotask already held the count). Set when the mapping is created and whenever " +
					"`units` changes or a failed mapping is retried.",
			},
			"last_push_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "When the last sync completed (RFC 3339, UTC).",
			},
			"effective":   effectiveAttribute(),
			"sync_status": syncStatusAttribute("billing mapping"),
			"sync_error":  syncErrorAttribute(),
		},
	}
	for k, v := range billingClaimSchema() {
		resp.Schema.Attributes[k] = v
	}
	resp.Schema.Attributes["acknowledge_name_mismatch"] = acknowledgeNameMismatchAttribute("billing mapping")
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
// every billing check. A read failure is added to diags (while planning, only
// the first time in the run for a persistent cause) and returns nil.
func (r *billingMappingResource) inspect(ctx context.Context, svc *integration.Service, m billingMappingModel, planning bool, diags *diag.Diagnostics) *billingTarget {
	contractID, companyID, serviceID := m.ContractID.ValueInt64(), m.CompanyID.ValueInt64(), m.ServiceID.ValueInt64()
	view, err := svc.Contract(ctx, contractID)
	if err != nil {
		reportReadFailure(diags, svc, planning, "contract_id", "Cannot read the contract from Autotask", err)
		return nil
	}
	t := &billingTarget{view: view}
	company, err := svc.Company(ctx, companyID)
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
	if prob := integration.CheckMappedCompany(companyID, company); prob != nil {
		t.problems = append(t.problems, *prob)
	}
	t.line, t.lineOK = view.LineForService(serviceID)
	if t.lineOK {
		t.serviceName = t.line.ServiceName
	} else {
		name, err := svc.ServiceName(ctx, serviceID)
		if err != nil {
			reportReadFailure(diags, svc, planning, "service_id", "Cannot read the service from Autotask", err)
			return nil
		}
		t.serviceName = name
	}
	t.problems = append(t.problems, integration.CheckBillingTarget(svc.Today(), contractID, companyID, t.companyName,
		serviceID, t.serviceName, integration.Facts(view))...)
	if m.Units.IsNull() && !m.TenantID.IsUnknown() {
		t.problems = append(t.problems, noUnitsProblem(m.TenantID.ValueString()))
	}
	return t
}

// noUnitsProblem is the problem of a mapping configured without a count.
func noUnitsProblem(tenantID string) integration.Problem {
	return integration.Problem{
		Attribute: integration.AttrUnits,
		Summary:   "No unit count for this tenant",
		Detail: fmt.Sprintf("units is null, so there is no count to push for Petra tenant %q. When units comes from "+
			"data.petra_usage's lookup, Petra's usage report does not list the tenant (its lookup status is "+
			"\"not_found\"): it was removed from Petra, or tenant_id is mistyped. Nothing is pushed and the line keeps "+
			"its units. Fix tenant_id, or remove the mapping (on_destroy decides what happens to the line's units).",
			tenantID),
	}
}

// fill sets the values that come from Autotask where m leaves them unknown:
// Create and Update return exactly the planned known values (DESIGN.md,
// "Planned values").
func (t *billingTarget) fill(m *billingMappingModel) {
	var got billingMappingModel
	got.CompanyName = billingNullableString(t.companyName)
	got.ServiceName = billingNullableString(t.serviceName)
	got.ContractName, got.ContractStartDate, got.ContractEndDate = types.StringNull(), types.StringNull(), types.StringNull()
	if t.view != nil {
		got.ContractName = types.StringValue(t.view.Contract.ContractName)
		got.ContractStartDate = billingDate(t.view.Contract.StartDate)
		got.ContractEndDate = billingDate(t.view.Contract.EndDate)
	}
	got.ContractServiceID = types.Int64Null()
	if t.lineOK {
		got.ContractServiceID = types.Int64Value(t.line.ContractServiceID)
	}
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
	billingPlanFromKnown(&plan, state)
	claimPlanFromKnown(&plan, state)
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
	t.problems = append(tenantProblems, t.problems...)
	r.claimInRun(ctx, svc, &plan, state, t)
	r.planClaim(ctx, svc, &plan, state, importedUnclaimed(ctx, req.Private), t, &resp.Diagnostics)
	warn := r.data.warnMode()
	if len(t.problems) > 0 {
		reportProblems(&resp.Diagnostics, svc, t.problems, warn, "Billing for", r.tenantLabel(ctx, svc, &plan))
		if warn {
			// Plan an update even when nothing else changes, so that the apply
			// records the mapping as failed (and outputs show it).
			plan.SyncStatus, plan.SyncError = types.StringUnknown(), types.StringUnknown()
		}
	}
	warnBillingNameMismatch(ctx, &resp.Diagnostics, svc, &plan, t)
	addBudgetWarning(&resp.Diagnostics, svc)
	addTimeZoneWarning(&resp.Diagnostics, svc)
	if len(t.problems) == 0 {
		if _, ok := effectiveDay(ctx, svc, plan, t.view, &resp.Diagnostics); !ok {
			return
		}
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
//   - last_push_* stay as in state unless the apply may push (units changed,
//     or the last apply failed and is retried);
//   - sync_status and sync_error stay as in state only when nothing else
//     changes and the last apply succeeded: any update records a new result.
func billingPlanFromKnown(plan, state *billingMappingModel) {
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
	if retry || plan.Units.IsUnknown() || !plan.Units.Equal(state.Units) {
		plan.LastPushDelta, plan.LastPushAt = types.Int64Unknown(), types.StringUnknown()
	}
	if retry || !plan.Units.Equal(state.Units) || !plan.OnDestroy.Equal(state.OnDestroy) ||
		!plan.Effective.Equal(state.Effective) || !plan.ConnectionID.Equal(state.ConnectionID) || !plan.ID.Equal(state.ID) {
		plan.SyncStatus, plan.SyncError = types.StringUnknown(), types.StringUnknown()
	}
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
			fmt.Sprintf("%s the billing mapping of Petra tenant %q pushes %s to 0 units in effect from today "+
				"(on_destroy = \"zero\"); it holds %s now.", billingCapitalized(doing), tenant, line, units))
		return
	}
	diags.AddWarning(fmt.Sprintf("Tenant %s: %s stay on the old billing line", tenant, units),
		fmt.Sprintf("%s the billing mapping of Petra tenant %q stops syncing %s, which keeps %s in Autotask "+
			"(on_destroy = \"keep\"): the tenant is still billed there unless the line is changed by hand. To set the "+
			"line to 0 units instead, apply on_destroy = \"zero\" on the mapping first.", billingCapitalized(doing),
			tenant, line, units))
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
func (r *billingMappingResource) tenantLabel(ctx context.Context, svc *integration.Service, m *billingMappingModel) string {
	id := m.TenantID.ValueString()
	if svc.HasPetra() {
		if t, err := svc.PetraTenant(ctx, id); err == nil && t != nil {
			return tenantLabel(t.Name, id)
		}
	}
	return id
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

// Update pushes the difference when units changed, and retries a failed
// mapping.
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
	if prior != nil && !plan.SyncStatus.IsUnknown() && !claimOrUnconfirmedPending(&plan) {
		// Only records changed (on_destroy): nothing to check or push.
		diags.Append(st.Set(ctx, &plan)...)
		return
	}
	// Apply-time checks must see Autotask as it is now; the first mapping of
	// the run reloads the snapshot and the others share that reload.
	if err := svc.RefreshBillingForApply(ctx); err != nil {
		addAPIError(diags, nil, "Cannot read contracts from Autotask", err)
		return
	}
	tenantProblems := r.checkTenant(ctx, svc, &plan, false, diags)
	t := r.inspect(ctx, svc, plan, false, diags)
	if t == nil {
		return
	}
	t.problems = append(tenantProblems, t.problems...)
	t.fill(&plan)
	warn := r.data.warnMode()
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

	if prior != nil && prior.Units.Equal(plan.Units) && prior.SyncStatus.ValueString() == SyncStatusOK && unconfirmed == nil {
		// A warn-mode problem seen at plan was fixed before the apply, or
		// only records changed: Autotask already holds the count.
		fillUnknownInt64(&plan.LastPushDelta, prior.LastPushDelta)
		fillUnknownString(&plan.LastPushAt, prior.LastPushAt)
		recordOK(&plan.SyncStatus, &plan.SyncError)
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
		switch {
		case res.Record:
			// Autotask changed, or an adjustment's outcome is unconfirmed:
			// record what Autotask shows now (and the unconfirmed
			// adjustment), so the resource is not lost, the next plan shows
			// any difference, and no later run posts the adjustment again.
			plan.Units = unitsValue(res.After)
			plan.LastPushDelta = types.Int64Value(int64(res.After - res.Before))
			plan.LastPushAt = types.StringValue(r.data.now().UTC().Format(time.RFC3339))
			if warn && errors.Is(err, integration.ErrUnconfirmed) {
				r.recordFailed(ctx, svc, &plan, prior, []integration.Problem{{Attribute: integration.AttrUnits,
					Summary: "Unit push not confirmed", Detail: err.Error()}}, st, diags)
				return
			}
			recordOK(&plan.SyncStatus, &plan.SyncError)
			diags.Append(st.Set(ctx, &plan)...)
		case warn && integration.Refused(err):
			if claimedNow {
				r.releaseUnrecordedClaim(ctx, svc, &plan, t, diags)
			}
			fillClaimFromPrior(&plan, prior)
			r.recordFailed(ctx, svc, &plan, prior, []integration.Problem{{Attribute: integration.AttrUnits,
				Summary: "Autotask refused the unit push", Detail: explainError(err)}}, st, diags)
			return
		case claimedNow:
			// Nothing is recorded, so the claim made for this push would be
			// nobody's: release it.
			r.releaseUnrecordedClaim(ctx, svc, &plan, t, diags)
		}
		p := path.Root("units")
		addAPIError(diags, &p, "Pushing units to Autotask failed", err)
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
func (r *billingMappingResource) recordFailed(ctx context.Context, svc *integration.Service, plan, prior *billingMappingModel, problems []integration.Problem, st stateSetter, diags *diag.Diagnostics) {
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

// Read refreshes the mapping from Autotask: units in effect today, names and
// dates. A contract or line that is gone removes a synced mapping from state
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
		if svc.FirstReport(err) {
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
	state.ContractServiceID = types.Int64Value(line.ContractServiceID)
	state.ContractID = types.Int64Value(view.Contract.ID)
	state.ServiceID = types.Int64Value(line.ServiceID)
	state.CompanyID = types.Int64Value(view.Contract.CompanyID)
	state.CompanyName = billingNullableString(view.CompanyName)
	state.ContractName = types.StringValue(view.Contract.ContractName)
	state.ServiceName = billingNullableString(line.ServiceName)
	state.ContractStartDate = billingDate(view.Contract.StartDate)
	state.ContractEndDate = billingDate(view.Contract.EndDate)
	state.Name = nullIfUnknown(billingName(&state))
	units, ok := unitsForRead(ctx, svc, state, view, line, &resp.Diagnostics)
	if !ok {
		return
	}
	state.Units = unitsValue(units)
	state.Effective = types.StringValue(effectiveOf(state.Effective))
	refreshUnconfirmed(svc, &state, units)
	svc.NoteStateClaim(state.ClaimToken.ValueString())
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
func (r *billingMappingResource) readLine(ctx context.Context, svc *integration.Service, state *billingMappingModel) (*integration.ContractView, *integration.ContractLine, error) {
	if !state.ContractServiceID.IsNull() && !state.ContractServiceID.IsUnknown() {
		return readBillingLine(ctx, svc, state.ContractID, state.ContractServiceID.ValueInt64())
	}
	if state.ContractID.IsNull() || state.ServiceID.IsNull() || state.ContractID.IsUnknown() || state.ServiceID.IsUnknown() {
		return nil, nil, nil
	}
	view, err := svc.Contract(ctx, state.ContractID.ValueInt64())
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
	ctx = r.data.maskCtx(ctx)
	if !guardUnconfirmedDelete(svc, &state, &resp.Diagnostics) {
		return
	}
	if zero && !r.zeroOnDestroy(ctx, svc, &state, resp) {
		return
	}
	r.releaseClaim(ctx, svc, &state, &resp.Diagnostics)
}

// zeroOnDestroy pushes the line to 0 units (on_destroy = "zero"). It returns
// false, with the mapping kept in state, when the push failed.
func (r *billingMappingResource) zeroOnDestroy(ctx context.Context, svc *integration.Service, state *billingMappingModel, resp *resource.DeleteResponse) bool {
	if state.ContractServiceID.IsNull() || state.ContractServiceID.IsUnknown() {
		tflog.Info(ctx, "billing mapping never found its line; nothing to set to 0", map[string]any{"id": state.ID.ValueString()})
		return true
	}
	res, err := svc.PushUnits(ctx, integration.PushRequest{
		ContractID:        state.ContractID.ValueInt64(),
		ContractServiceID: state.ContractServiceID.ValueInt64(),
		ServiceID:         state.ServiceID.ValueInt64(),
		Target:            0,
		Unconfirmed:       unconfirmedOf(state),
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
			"\"keep\" to let the mapping go without changing the line", err, state.TenantID.ValueString()))
		return false
	}
	tflog.Info(ctx, "set the billing line to 0 units on destroy", map[string]any{
		"contract_service_id": state.ContractServiceID.ValueInt64(), "delta": res.Delta,
	})
	return true
}

// ImportState takes `<tenant_id>/<contract_id>/<service_id>` or
// `<tenant_id>/<contract_service_id>`; the contract, service, company and
// units are then read from Autotask.
func (r *billingMappingResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	imp, err := parseBillingMappingImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID for petra_autotask_billing_mapping", err.Error())
		return
	}
	set := func(attr string, v any) {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(attr), v)...)
	}
	set("id", req.ID)
	set("tenant_id", imp.tenant)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, claimOnNextApplyKey, []byte(`true`))...)
	set("on_destroy", OnDestroyKeep)
	set("effective", EffectiveToday)
	if imp.contractServiceID > 0 {
		set("contract_service_id", imp.contractServiceID)
		return
	}
	set("contract_id", imp.contractID)
	set("service_id", imp.serviceID)
}

// UpgradeState upgrades a state written by version 0 (with or without the
// effective attribute, which version 0 gained late): the id becomes
// <tenant_id>/<contract_id>/<service_id>, and on_destroy ("keep", what
// version 0 did), sync_status ("ok": version 0 recorded only mappings it
// pushed) and sync_error are added. connection_id, then the API username,
// becomes the database id at the next refresh. No request is made here.
func (r *billingMappingResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	str := func() schema.StringAttribute { return schema.StringAttribute{Computed: true} }
	num := func() schema.Int64Attribute { return schema.Int64Attribute{Computed: true} }
	v0 := schema.Schema{Attributes: map[string]schema.Attribute{
		"id": str(), "connection_id": str(), "tenant_id": str(), "company_id": num(), "contract_id": num(),
		"service_id": num(), "units": schema.NumberAttribute{Computed: true}, "contract_service_id": num(),
		"company_name": str(), "contract_name": str(), "service_name": str(), "contract_start_date": str(),
		"contract_end_date": str(), "last_push_delta": num(), "last_push_at": str(),
		// Added at version 0 before version 1 existed: absent in older states.
		"effective": str(),
	}}
	return map[int64]resource.StateUpgrader{0: {
		PriorSchema: &v0,
		StateUpgrader: func(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
			var old struct {
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
			}
			resp.Diagnostics.Append(req.State.Get(ctx, &old)...)
			if resp.Diagnostics.HasError() {
				return
			}
			m := billingMappingModel{
				ID: old.ID, ConnectionID: old.ConnectionID, TenantID: old.TenantID, CompanyID: old.CompanyID,
				ContractID: old.ContractID, ServiceID: old.ServiceID, Units: old.Units,
				OnDestroy: types.StringValue(OnDestroyKeep), Effective: types.StringValue(effectiveOf(old.Effective)),
				ContractServiceID: old.ContractServiceID,
				CompanyName:       old.CompanyName, ContractName: old.ContractName, ServiceName: old.ServiceName,
				ContractStartDate: old.ContractStartDate, ContractEndDate: old.ContractEndDate,
				LastPushDelta: old.LastPushDelta, LastPushAt: old.LastPushAt,
				SyncStatus: types.StringValue(SyncStatusOK), SyncError: types.StringNull(),
				TakeOverClaim: types.BoolNull(), ClaimToken: types.StringNull(), ClaimNoteID: types.Int64Null(),
				Unconfirmed: unconfirmedNull(),
			}
			if !old.TenantID.IsNull() && !old.ContractID.IsNull() && !old.ServiceID.IsNull() {
				m.ID = types.StringValue(billingMappingID(old.TenantID.ValueString(), old.ContractID.ValueInt64(), old.ServiceID.ValueInt64()))
			}
			m.Name = nullIfUnknown(billingName(&m))
			resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
		},
	}}
}

// billingMappingID is the resource ID: "<tenant_id>/<contract_id>/<service_id>".
func billingMappingID(tenantID string, contractID, serviceID int64) string {
	return tenantID + "/" + strconv.FormatInt(contractID, 10) + "/" + strconv.FormatInt(serviceID, 10)
}

// billingImportID is a parsed import ID: either contractServiceID or
// contractID and serviceID are set.
type billingImportID struct {
	tenant                                   string
	contractID, serviceID, contractServiceID int64
}

// parseBillingMappingImportID reads "<tenant_id>/<contract_id>/<service_id>"
// or "<tenant_id>/<contract_service_id>".
func parseBillingMappingImportID(id string) (billingImportID, error) {
	const form = "The ID must be <tenant_id>/<contract_id>/<service_id>, for example \"ZZk90t/29684012/29683996\" " +
		"(the Petra tenant ID, the Autotask contract id and the service id), or <tenant_id>/<contract_service_id>, " +
		"for example \"ZZk90t/29684020\" (the petra_autotask_contracts data source lists each line's " +
		"contract_service_id)."
	parts := strings.Split(id, "/")
	if len(parts) < 2 {
		return billingImportID{}, fmt.Errorf("%q has no slash. %s", id, form)
	}
	if len(parts) > 3 {
		return billingImportID{}, fmt.Errorf("%q has %d parts separated by \"/\"; it takes 2 or 3. %s", id, len(parts), form)
	}
	out := billingImportID{tenant: strings.TrimSpace(parts[0])}
	if out.tenant == "" {
		return billingImportID{}, fmt.Errorf("%q has no tenant ID before the slash. %s", id, form)
	}
	nums := make([]int64, 0, 2)
	for _, raw := range parts[1:] {
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if err != nil || n <= 0 {
			return billingImportID{}, fmt.Errorf("%q has %q where an Autotask id (a positive whole number) belongs. %s", id, raw, form)
		}
		nums = append(nums, n)
	}
	if len(nums) == 1 {
		out.contractServiceID = nums[0]
	} else {
		out.contractID, out.serviceID = nums[0], nums[1]
	}
	return out, nil
}

// billingInt renders an id for messages ("unknown" when absent).
func billingInt(v types.Int64) string {
	if v.IsNull() || v.IsUnknown() {
		return "(unknown)"
	}
	return strconv.FormatInt(v.ValueInt64(), 10)
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
