package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/petrasecurity/terraform-provider-petra/internal/integration/catalog"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/problem"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
)

// tenantMappingResource maps one Petra tenant to the Autotask company its
// tickets and billing belong to. Petra's public API is read-only, so the
// mapping lives in Terraform state; the resource's job is to check both ends
// exist and to show them by name.
type tenantMappingResource struct {
	data *providerData
}

var (
	_ resource.ResourceWithConfigure    = (*tenantMappingResource)(nil)
	_ resource.ResourceWithModifyPlan   = (*tenantMappingResource)(nil)
	_ resource.ResourceWithImportState  = (*tenantMappingResource)(nil)
	_ resource.ResourceWithUpgradeState = (*tenantMappingResource)(nil)
)

// NewTenantMappingResource returns the petra_autotask_tenant_mapping resource.
func NewTenantMappingResource() resource.Resource { return &tenantMappingResource{} }

// tenantMappingModel is the resource's state and plan.
type tenantMappingModel struct {
	ID                types.String `tfsdk:"id"`
	Name              types.String `tfsdk:"name"`
	ConnectionID      types.String `tfsdk:"connection_id"`
	TenantID          types.String `tfsdk:"tenant_id"`
	CompanyID         types.Int64  `tfsdk:"company_id"`
	CompanyName       types.String `tfsdk:"company_name"`
	TenantName        types.String `tfsdk:"tenant_name"`
	MicrosoftTenantID types.String `tfsdk:"microsoft_tenant_id"`
	SyncStatus        types.String `tfsdk:"sync_status"`
	SyncError         types.String `tfsdk:"sync_error"`
	// AcknowledgeNameMismatch silences the names warning (name_mismatch.go).
	AcknowledgeNameMismatch types.Bool `tfsdk:"acknowledge_name_mismatch"`
}

// Metadata names the resource type.
func (r *tenantMappingResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_autotask_tenant_mapping"
}

// Schema describes the resource.
func (r *tenantMappingResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Version: 1,
		MarkdownDescription: "Maps one Petra tenant to the Autotask company its tickets and billing belong to. " +
			"At plan time the provider checks that the company exists and is active in Autotask and, when a Petra " +
			"API key is configured, that the tenant exists in Petra; the checks run again at apply. A failed check " +
			"fails the plan on the argument, or, with the provider's `billing_check_failure = \"warn\"`, is a " +
			"warning and the mapping is recorded with `sync_status = \"failed\"` so the rest of the run goes on.\n\n" +
			"Petra's public API is read-only, so **Terraform state is the source of truth of the mapping**: " +
			"destroying this resource only removes the mapping from state; nothing is deleted in Autotask or Petra.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The Petra tenant ID (same as `tenant_id`).",
			},
			"name": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The mapping by name, `<Petra tenant> → <Autotask company>`, for example " +
					"`Harbor Dental (ZZk90t) → Harbor Dental Group`, so that every diff says which tenant it is about " +
					"(Terraform always shows `id` and `name`). The tenant is `tenant_name` with the tenant ID, or the " +
					"tenant ID alone without a Petra API key; the company is `company_name` (or `company <id>` when " +
					"Autotask has none). Planned like the names: known after apply for a new mapping or a changed " +
					"`company_id`, otherwise the refreshed value; the next refresh follows a rename.",
			},
			"connection_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The Autotask connection the mapping belongs to: " +
					"`petra_autotask_connection.<name>.id` (the id of the Autotask database this provider is " +
					"connected to). Another API user of the same database keeps the mapping; a provider configured for " +
					"another database fails the plan.",
			},
			"tenant_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Petra tenant ID: the short ID in `app.petrasecurity.com/tenant/<id>` (for " +
					"example `ZZk90t`), as listed by the `petra_tenants` data source. Not the Microsoft tenant GUID. " +
					"Changing it replaces the mapping.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{petraTenantIDValidator{}},
			},
			"company_id": schema.Int64Attribute{
				Required:   true,
				CustomType: autotaskIDType{},
				MarkdownDescription: "ID of the Autotask company (Companies entity) the tenant belongs to; the " +
					"`petra_autotask_companies` data source lists them. The company must exist and be active. " +
					"Changing it updates the mapping in place.",
				Validators: []validator.Int64{positiveIDValidator{what: "company_id", hint: "the petra_autotask_companies data source lists company ids"}},
			},
			"company_name": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "Name of the Autotask company, read from Autotask at apply and on every refresh " +
					"(known after apply when the mapping is created or `company_id` changes; otherwise the plan shows " +
					"the refreshed name).",
			},
			"tenant_name": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "Name of the Petra tenant, read from Petra at apply and on every refresh. " +
					"Null when no Petra API key is configured.",
			},
			"microsoft_tenant_id": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The tenant's Microsoft Entra tenant ID (a GUID), as Petra reports it. Null when " +
					"no Petra API key is configured.",
			},
			"sync_status": syncStatusAttribute("tenant mapping"),
			"sync_error":  syncErrorAttribute(),
		},
	}
	resp.Schema.Attributes["acknowledge_name_mismatch"] = acknowledgeNameMismatchAttribute("tenant mapping")
}

// Configure keeps the provider data; nil (unconfigured provider) is allowed.
func (r *tenantMappingResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// tenantMappingFound is what the live checks found for a mapping.
type tenantMappingFound struct {
	// company is nil when company_id is unknown or does not exist.
	company *catalog.Company
	// tenant is nil when tenant_id is unknown, unchecked (no Petra key) or
	// not found.
	tenant *catalog.Tenant
	// problems are the per-tenant problems (a company inactive or gone, a
	// tenant removed or mistyped in Petra).
	problems []problem.Problem
	// ok is false when a read failed (already reported in diags).
	ok bool
}

// check verifies the mapping's company and tenant against Autotask and Petra.
// Read failures go to diags (once per cause while planning); per-tenant
// problems are returned. warn adds the plan-time notes (no Petra key, paused
// tenant), left out at apply where they would only repeat the plan.
func (r *tenantMappingResource) check(ctx context.Context, svc *services, m *tenantMappingModel, planning, warn, creating bool, diags *diag.Diagnostics) tenantMappingFound {
	found := tenantMappingFound{ok: true}
	if !m.CompanyID.IsUnknown() && !m.CompanyID.IsNull() {
		id := m.CompanyID.ValueInt64()
		c, err := svc.catalog.Company(ctx, id)
		if err != nil {
			found.ok = false
			reportReadFailure(diags, svc, planning, "company_id", fmt.Sprintf("Cannot check Autotask company %d", id), err)
		} else {
			found.company = c
			if prob := catalog.CheckMappedCompany(id, c); prob != nil {
				found.problems = append(found.problems, *prob)
			}
		}
	}

	if m.TenantID.IsUnknown() || m.TenantID.IsNull() {
		return found
	}
	id := m.TenantID.ValueString()
	if !svc.run.HasPetra() {
		if warn && creating {
			diags.AddAttributeWarning(path.Root("tenant_id"), "Petra tenant not checked",
				fmt.Sprintf("No Petra API key is configured, so the provider cannot check that Petra tenant %q exists, "+
					"and tenant_name and microsoft_tenant_id stay empty. Set api_key in the provider's petra block or "+
					"the PETRA_API_KEY environment variable (create a key in Petra under Settings > API Keys; only "+
					"Admins can) to have tenants checked at plan time.", id))
		}
		return found
	}
	t, err := svc.catalog.PetraTenant(ctx, id)
	if err != nil {
		found.ok = false
		reportReadFailure(diags, svc, planning, "tenant_id", fmt.Sprintf("Cannot check Petra tenant %q", id), err)
		return found
	}
	switch {
	case t == nil:
		all, _ := svc.catalog.PetraTenants(ctx) // already loaded by PetraTenant
		found.problems = append(found.problems, problem.Problem{Attribute: problem.AttrTenantID,
			Summary: "Petra tenant not found", Detail: catalog.UnknownTenantError(id, all).Error()})
	case t.PetraTenantID != id:
		found.problems = append(found.problems, problem.Problem{Attribute: problem.AttrTenantID,
			Summary: "Microsoft tenant ID used as tenant_id",
			Detail: fmt.Sprintf("%q is the Microsoft tenant ID of Petra tenant %q. tenant_id takes the Petra tenant ID: "+
				"set tenant_id = %q.", id, t.Name, t.PetraTenantID)})
	default:
		found.tenant = t
		if t.IsPaused && warn {
			diags.AddAttributeWarning(path.Root("tenant_id"), "Petra tenant is paused",
				fmt.Sprintf("Petra tenant %q (%s) is paused: Petra does not bill paused tenants, so its billable units "+
					"are 0 until it is resumed in Petra (Settings > Usage).", t.Name, t.PetraTenantID))
		}
	}
	return found
}

// label names the mapping's tenant in messages, by the name Petra reports
// or state remembers.
func (f tenantMappingFound) label(m *tenantMappingModel) string {
	name := m.TenantName.ValueString()
	if f.tenant != nil {
		name = f.tenant.Name
	}
	if m.TenantName.IsUnknown() && f.tenant == nil {
		name = ""
	}
	return tenantLabel(name, m.TenantID.ValueString())
}

// ModifyPlan plans the mapping in two steps: planFromKnown plans what
// configuration, provider configuration and state decide; then the live
// checks run and only report (DESIGN.md, "Planned values"). In warn mode a
// failed check also plans the mapping for an update, so the apply records it
// as failed, unless it already is, for the same reason.
func (r *tenantMappingResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var plan tenantMappingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	var prior *tenantMappingModel
	if !req.State.Raw.IsNull() {
		prior = &tenantMappingModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, prior)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	var svc *services
	if r.data != nil {
		svc = r.data.svc
	}
	if prior != nil && !plan.TenantID.IsUnknown() && !prior.TenantID.Equal(plan.TenantID) {
		// A replacement: Terraform plans the new mapping again with no prior
		// state, and the checks run then.
		tenantMappingPlanFromKnown(&plan, nil, svc)
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	tenantMappingPlanFromKnown(&plan, prior, svc)
	if svc == nil {
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return // the provider is not configured yet: checks run at apply
	}
	ctx = r.data.maskCtx(ctx)
	sameTenant := prior != nil && !plan.TenantID.IsUnknown() && prior.TenantID.Equal(plan.TenantID)
	var priorConn types.String
	if prior != nil {
		priorConn = prior.ConnectionID
	}
	checkConnectionID(ctx, &resp.Diagnostics, svc, plan.ConnectionID, priorConn, true)
	found := r.check(ctx, svc, &plan, true, true, !sameTenant, &resp.Diagnostics)
	warn := r.data.warnMode()
	if warn && len(found.problems) > 0 {
		svc.noteTenantLabel(plan.TenantID.ValueString(), found.label(&plan))
	}
	reportProblems(&resp.Diagnostics, svc, found.problems, warn, "Tenant mapping", found.label(&plan))
	warnTenantMappingNameMismatch(&resp.Diagnostics, svc, found, plan.AcknowledgeNameMismatch)
	if warn && len(found.problems) > 0 {
		plan.SyncStatus, plan.SyncError = types.StringUnknown(), types.StringUnknown()
		if sameTenant && prior.SyncStatus.ValueString() == SyncStatusFailed &&
			prior.SyncError.ValueString() == problemLine(found.label(&plan), found.problems) &&
			plan.ConnectionID.Equal(prior.ConnectionID) && plan.CompanyID.Equal(prior.CompanyID) {
			// Failing again for the reason the last apply recorded: that apply
			// would record the same, so the plan shows no change (as for a
			// billing mapping, keepRecordedFailure).
			plan.SyncStatus, plan.SyncError = prior.SyncStatus, prior.SyncError
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// tenantMappingPlanFromKnown plans the values that do not depend on when
// Autotask and Petra are read. On create the names are unknown (null without
// a Petra key, which provider configuration decides), and so is name. On
// update they come from state, company_name and name only while company_id
// is unchanged. sync_status
// and sync_error stay as in state only when nothing else changes and the
// last apply succeeded; otherwise the apply records them.
func tenantMappingPlanFromKnown(plan, prior *tenantMappingModel, svc *services) {
	if !plan.TenantID.IsUnknown() {
		plan.ID = plan.TenantID
	}
	noPetra := svc != nil && !svc.run.HasPetra()
	if prior == nil {
		plan.CompanyName = types.StringUnknown()
		plan.TenantName, plan.MicrosoftTenantID = types.StringUnknown(), types.StringUnknown()
		if noPetra {
			plan.TenantName, plan.MicrosoftTenantID = types.StringNull(), types.StringNull()
		}
		plan.SyncStatus, plan.SyncError = types.StringUnknown(), types.StringUnknown()
		plan.Name = types.StringUnknown()
		return
	}
	plan.CompanyName, plan.Name = prior.CompanyName, prior.Name
	if plan.CompanyID.IsUnknown() || !plan.CompanyID.Equal(prior.CompanyID) {
		plan.CompanyName, plan.Name = types.StringUnknown(), types.StringUnknown()
	}
	plan.TenantName, plan.MicrosoftTenantID = prior.TenantName, prior.MicrosoftTenantID
	plan.SyncStatus, plan.SyncError = prior.SyncStatus, prior.SyncError
	changed := !plan.ConnectionID.Equal(prior.ConnectionID) || !plan.CompanyID.Equal(prior.CompanyID) ||
		!plan.TenantID.Equal(prior.TenantID)
	if changed || prior.SyncStatus.ValueString() != SyncStatusOK {
		plan.SyncStatus, plan.SyncError = types.StringUnknown(), types.StringUnknown()
	}
}

// Create checks the mapping again (Autotask or Petra may have changed since
// the plan) and records it in state.
func (r *tenantMappingResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan tenantMappingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.apply(ctx, &plan, nil, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Update changes the mapped company after checking it again.
func (r *tenantMappingResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior tenantMappingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.apply(ctx, &plan, &prior, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// apply runs the checks at apply time and fills the computed values the plan
// left unknown. Values the plan showed are kept, so the result always
// matches the plan; the next refresh picks up any later rename. With
// sync_status known in the plan (only connection_id changed, recorded), no
// check is needed. In warn mode a failed check records the mapping as failed
// instead of failing the apply.
func (r *tenantMappingResource) apply(ctx context.Context, m, prior *tenantMappingModel, diags *diag.Diagnostics) {
	svc := r.data.service(diags)
	if svc == nil {
		return
	}
	ctx = r.data.maskCtx(ctx)
	var priorConn types.String
	if prior != nil {
		priorConn = prior.ConnectionID
	}
	checkConnectionID(ctx, diags, svc, m.ConnectionID, priorConn, false)
	if diags.HasError() {
		return
	}
	m.ID = m.TenantID
	if !m.SyncStatus.IsUnknown() {
		return // nothing but connection_id changed: recorded as planned
	}
	found := r.check(ctx, svc, m, false, false, prior == nil, diags)
	if !found.ok {
		return
	}
	if len(found.problems) > 0 && !r.data.warnMode() {
		reportProblems(diags, svc, found.problems, false, "", "")
		return
	}
	got := tenantMappingFromRemote(found.company, found.tenant)
	fillUnknownString(&m.CompanyName, got.CompanyName)
	fillUnknownString(&m.TenantName, got.TenantName)
	fillUnknownString(&m.MicrosoftTenantID, got.MicrosoftTenantID)
	fillUnknownString(&m.Name, tenantMappingName(m))
	if len(found.problems) > 0 {
		label := found.label(m)
		svc.noteTenantLabel(m.TenantID.ValueString(), label)
		reportProblems(diags, svc, found.problems, true, "Tenant mapping", label)
		recordFailed(&m.SyncStatus, &m.SyncError, label, found.problems)
		return
	}
	recordOK(&m.SyncStatus, &m.SyncError)
}

// Read refreshes the names. A company or tenant that disappeared keeps its
// last known name; the mapping is kept in state, and the next plan's checks
// report the problem with the fix (once, on the argument). The result of the
// last apply (sync_status, sync_error) is not touched.
func (r *tenantMappingResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state tenantMappingModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || r.data == nil || r.data.svc == nil {
		return
	}
	ctx = r.data.maskCtx(ctx)
	svc := r.data.svc
	state.ConnectionID = refreshConnectionID(ctx, svc, state.ConnectionID)
	if state.SyncStatus.IsNull() {
		state.SyncStatus = types.StringValue(SyncStatusOK) // imported
	}
	var company *catalog.Company
	if !state.CompanyID.IsNull() && !state.CompanyID.IsUnknown() {
		id := state.CompanyID.ValueInt64()
		c, err := svc.catalog.Company(ctx, id)
		if err != nil {
			reportOnce(&resp.Diagnostics, svc, nil, fmt.Sprintf("Cannot read Autotask company %d", id), err)
			return
		}
		company = c
	}
	var tenant *catalog.Tenant
	if svc.run.HasPetra() {
		id := state.TenantID.ValueString()
		t, err := svc.catalog.PetraTenant(ctx, id)
		if err != nil {
			reportOnce(&resp.Diagnostics, svc, nil, fmt.Sprintf("Cannot read Petra tenant %q", id), err)
			return
		}
		if t != nil && t.PetraTenantID == id {
			tenant = t
		}
	}
	// A company or tenant that is gone keeps its last known name.
	got := tenantMappingFromRemote(company, tenant)
	if company != nil {
		state.CompanyName = got.CompanyName
	}
	if tenant != nil {
		state.TenantName, state.MicrosoftTenantID = got.TenantName, got.MicrosoftTenantID
	}
	state.Name = nullIfUnknown(tenantMappingName(&state))
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete only forgets the mapping: Petra's public API is read-only and
// nothing in Autotask belongs to the mapping.
func (r *tenantMappingResource) Delete(_ context.Context, _ resource.DeleteRequest, _ *resource.DeleteResponse) {
}

// tenantMappingImportHelp describes the import ID.
const tenantMappingImportHelp = "Use \"<tenant_id>/<company_id>\", for example \"ZZk90t/1001\" (the Petra tenant ID, " +
	"a slash, and the Autotask company ID), or the Petra tenant ID alone, for example \"ZZk90t\", to take company_id " +
	"from the configuration on the next apply."

// ImportState accepts "<tenant_id>/<company_id>" or "<tenant_id>".
func (r *tenantMappingResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	tenantID, companyID, err := parseTenantMappingImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID for petra_autotask_tenant_mapping", err.Error())
		return
	}
	if r.data == nil || r.data.svc == nil || !r.data.svc.run.HasAutotask() {
		resp.Diagnostics.AddError("Autotask is not configured",
			"Importing a tenant mapping needs the provider's Autotask configuration: connection_id is the id of the "+
				"Autotask database the provider is connected to. "+run.ErrAutotaskNotConfigured.Error()+".")
		return
	}
	// connection_id, the names and sync_status are recorded by the Read that
	// follows the import.
	m := tenantMappingModel{
		ID:                types.StringValue(tenantID),
		Name:              types.StringNull(),
		ConnectionID:      types.StringNull(),
		TenantID:          types.StringValue(tenantID),
		CompanyID:         types.Int64Null(),
		CompanyName:       types.StringNull(),
		TenantName:        types.StringNull(),
		MicrosoftTenantID: types.StringNull(),
		SyncStatus:        types.StringNull(),
		SyncError:         types.StringNull(),
	}
	if companyID > 0 {
		m.CompanyID = types.Int64Value(companyID)
	} else {
		resp.Diagnostics.AddWarning("company_id not imported",
			fmt.Sprintf("The import ID %q names no Autotask company, so company_id stays empty in state until the "+
				"next apply sets it from the configuration (the next plan shows it as an in-place update). To import "+
				"the mapping complete, use \"%s/<company_id>\".", req.ID, tenantID))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// parseTenantMappingImportID splits an import ID; companyID is 0 when the ID
// is the tenant alone.
func parseTenantMappingImportID(id string) (tenantID string, companyID int64, err error) {
	parts := strings.Split(id, "/")
	if len(parts) > 2 {
		return "", 0, fmt.Errorf("the import ID %q has %d parts separated by \"/\"; it takes at most two. %s",
			id, len(parts), tenantMappingImportHelp)
	}
	tenantID = parts[0]
	if tenantID == "" || strings.TrimSpace(tenantID) != tenantID || strings.ContainsAny(tenantID, " \t\r\n") {
		return "", 0, fmt.Errorf("the import ID %q does not start with a Petra tenant ID (it is empty or contains "+
			"spaces). %s", id, tenantMappingImportHelp)
	}
	if len(parts) == 1 {
		return tenantID, 0, nil
	}
	companyID, perr := strconv.ParseInt(parts[1], 10, 64)
	if perr != nil || companyID <= 0 {
		return "", 0, fmt.Errorf("in the import ID %q, %q is not an Autotask company ID (a positive whole number). %s",
			id, parts[1], tenantMappingImportHelp)
	}
	return tenantID, companyID, nil
}

// UpgradeState upgrades a state written by version 0: it gains sync_status
// ("ok": version 0 recorded only mappings whose checks passed), sync_error
// and name (from the names it holds). Its connection_id, then the API username, is turned into the
// database id by the next refresh.
func (r *tenantMappingResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	v0 := schema.Schema{Attributes: map[string]schema.Attribute{
		"id":                  schema.StringAttribute{Computed: true},
		"connection_id":       schema.StringAttribute{Required: true},
		"tenant_id":           schema.StringAttribute{Required: true},
		"company_id":          schema.Int64Attribute{Required: true},
		"company_name":        schema.StringAttribute{Computed: true},
		"tenant_name":         schema.StringAttribute{Computed: true},
		"microsoft_tenant_id": schema.StringAttribute{Computed: true},
	}}
	return map[int64]resource.StateUpgrader{0: {
		PriorSchema: &v0,
		StateUpgrader: func(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
			var old struct {
				ID                types.String `tfsdk:"id"`
				ConnectionID      types.String `tfsdk:"connection_id"`
				TenantID          types.String `tfsdk:"tenant_id"`
				CompanyID         types.Int64  `tfsdk:"company_id"`
				CompanyName       types.String `tfsdk:"company_name"`
				TenantName        types.String `tfsdk:"tenant_name"`
				MicrosoftTenantID types.String `tfsdk:"microsoft_tenant_id"`
			}
			resp.Diagnostics.Append(req.State.Get(ctx, &old)...)
			if resp.Diagnostics.HasError() {
				return
			}
			m := tenantMappingModel{
				ID: old.ID, ConnectionID: old.ConnectionID, TenantID: old.TenantID, CompanyID: old.CompanyID,
				CompanyName: old.CompanyName, TenantName: old.TenantName, MicrosoftTenantID: old.MicrosoftTenantID,
				SyncStatus: types.StringValue(SyncStatusOK), SyncError: types.StringNull(),
			}
			m.Name = nullIfUnknown(tenantMappingName(&m))
			resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
		},
	}}
}

// tenantMappingName is the mapping's name, "<tenant> → <company>": the
// tenant as "Name (id)" (the id alone without a name), the company by name
// ("company <id>" when Autotask gives none). Unknown while a part is.
func tenantMappingName(m *tenantMappingModel) types.String {
	if m.TenantID.IsUnknown() || m.TenantName.IsUnknown() || m.CompanyName.IsUnknown() {
		return types.StringUnknown()
	}
	company := m.CompanyName.ValueString()
	if m.CompanyName.IsNull() || company == "" {
		if m.CompanyID.IsUnknown() {
			return types.StringUnknown()
		}
		company = "company " + billingInt(m.CompanyID)
		if m.CompanyID.IsNull() {
			company = "no company"
		}
	}
	return types.StringValue(tenantLabel(m.TenantName.ValueString(), m.TenantID.ValueString()) + " → " + company)
}

// tenantMappingFromRemote is the one conversion from the Autotask company
// and the Petra tenant to the model's names (null where not found). The
// apply fills only what the plan left unknown; Read takes what it found.
func tenantMappingFromRemote(c *catalog.Company, t *catalog.Tenant) tenantMappingModel {
	m := tenantMappingModel{CompanyName: types.StringNull(), TenantName: types.StringNull(), MicrosoftTenantID: types.StringNull()}
	if c != nil {
		m.CompanyName = types.StringValue(c.CompanyName)
	}
	if t != nil {
		m.TenantName, m.MicrosoftTenantID = types.StringValue(t.Name), nullIfEmpty(t.MicrosoftTenantID)
	}
	return m
}
