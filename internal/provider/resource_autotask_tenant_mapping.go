package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration"
	"github.com/petrasecurity/terraform-provider-petra/internal/petra"
)

func init() {
	registerResource("petra_autotask_tenant_mapping", newTenantMappingResource)
}

// tenantMappingResource maps one Petra tenant to the Autotask company its
// tickets and billing belong to. Petra's public API is read-only, so the
// mapping lives in Terraform state; the resource's job is to check both ends
// exist and to show them by name.
type tenantMappingResource struct {
	data *providerData
}

var (
	_ resource.ResourceWithConfigure   = (*tenantMappingResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*tenantMappingResource)(nil)
	_ resource.ResourceWithImportState = (*tenantMappingResource)(nil)
)

func newTenantMappingResource() resource.Resource { return &tenantMappingResource{} }

// tenantMappingModel is the resource's state and plan.
type tenantMappingModel struct {
	ID                types.String `tfsdk:"id"`
	ConnectionID      types.String `tfsdk:"connection_id"`
	TenantID          types.String `tfsdk:"tenant_id"`
	CompanyID         types.Int64  `tfsdk:"company_id"`
	CompanyName       types.String `tfsdk:"company_name"`
	TenantName        types.String `tfsdk:"tenant_name"`
	MicrosoftTenantID types.String `tfsdk:"microsoft_tenant_id"`
}

// Metadata names the resource type.
func (r *tenantMappingResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_autotask_tenant_mapping"
}

// Schema describes the resource.
func (r *tenantMappingResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Maps one Petra tenant to the Autotask company its tickets and billing belong to. " +
			"At plan time the provider checks that the company exists and is active in Autotask and, when a Petra " +
			"API key is configured, that the tenant exists in Petra, and shows both by name.\n\n" +
			"Petra's public API is read-only, so **Terraform state is the source of truth of the mapping**: " +
			"destroying this resource only removes the mapping from state; nothing is deleted in Autotask or Petra.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The Petra tenant ID (same as `tenant_id`).",
			},
			"connection_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The Autotask connection the mapping belongs to: " +
					"`petra_autotask_connection.<name>.id` (the Autotask API username this provider is configured " +
					"with). Changing it replaces the mapping.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"tenant_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Petra tenant ID: the short ID in `app.petrasecurity.com/tenant/<id>` (for " +
					"example `ZZk90t`), as listed by the `petra_tenants` data source. Not the Microsoft tenant GUID. " +
					"Changing it replaces the mapping.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{tenantIDValidator{}},
			},
			"company_id": schema.Int64Attribute{
				Required:   true,
				CustomType: autotaskIDType{},
				MarkdownDescription: "ID of the Autotask company (Companies entity) the tenant belongs to; the " +
					"`petra_autotask_companies` data source lists them. The company must exist and be active. " +
					"Changing it updates the mapping in place.",
				Validators: []validator.Int64{int64validator.AtLeast(1)},
			},
			"company_name": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "Name of the Autotask company, read from Autotask at plan time and on every " +
					"refresh.",
			},
			"tenant_name": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "Name of the Petra tenant, read from Petra at plan time and on every refresh. " +
					"Null when no Petra API key is configured.",
			},
			"microsoft_tenant_id": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The tenant's Microsoft Entra tenant ID (a GUID), as Petra reports it. Null when " +
					"no Petra API key is configured.",
			},
		},
	}
}

// Configure keeps the provider data; nil (unconfigured provider) is allowed.
func (r *tenantMappingResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// tenantMappingCheck says how loudly the live checks report.
type tenantMappingCheck struct {
	// warn adds the plan-time warnings (no Petra key, paused tenant). They
	// are left out at apply, where they would only repeat the plan.
	warn bool
	// creating is true for a new mapping.
	creating bool
}

// check verifies the mapping's company and tenant against Autotask and Petra.
// It returns what it found: company is nil when company_id is unknown or
// failed a check, tenant is nil when tenant_id is unknown, unchecked (no
// Petra key) or failed a check.
func (r *tenantMappingResource) check(ctx context.Context, svc *integration.Service, m *tenantMappingModel, opts tenantMappingCheck, diags *diag.Diagnostics) (*autotask.Company, *petra.Tenant) {
	var company *autotask.Company
	if !m.CompanyID.IsUnknown() && !m.CompanyID.IsNull() {
		id := m.CompanyID.ValueInt64()
		c, err := svc.Company(ctx, id)
		switch {
		case err != nil:
			p := path.Root("company_id")
			addAPIError(diags, &p, fmt.Sprintf("Cannot check Autotask company %d", id), err)
		case integration.CheckMappedCompany(id, c) != nil:
			prob := integration.CheckMappedCompany(id, c)
			diags.AddAttributeError(path.Root("company_id"), prob.Summary, prob.Detail)
		default:
			company = c
		}
	}

	if m.TenantID.IsUnknown() || m.TenantID.IsNull() {
		return company, nil
	}
	id := m.TenantID.ValueString()
	if !svc.HasPetra() {
		if opts.warn && opts.creating {
			diags.AddAttributeWarning(path.Root("tenant_id"), "Petra tenant not checked",
				fmt.Sprintf("No Petra API key is configured, so the provider cannot check that Petra tenant %q exists, "+
					"and tenant_name and microsoft_tenant_id stay empty. Set api_key in the provider's petra block or "+
					"the PETRA_API_KEY environment variable (create a key in Petra under Settings > API Keys; only "+
					"Admins can) to have tenants checked at plan time.", id))
		}
		return company, nil
	}
	t, err := svc.PetraTenant(ctx, id)
	if err != nil {
		p := path.Root("tenant_id")
		addAPIError(diags, &p, fmt.Sprintf("Cannot check Petra tenant %q", id), err)
		return company, nil
	}
	if t == nil {
		all, _ := svc.PetraTenants(ctx) // already loaded by PetraTenant
		diags.AddAttributeError(path.Root("tenant_id"), "Petra tenant not found",
			integration.UnknownTenantError(id, all).Error())
		return company, nil
	}
	if t.PetraTenantID != id {
		diags.AddAttributeError(path.Root("tenant_id"), "Microsoft tenant ID used as tenant_id",
			fmt.Sprintf("%q is the Microsoft tenant ID of Petra tenant %q. tenant_id takes the Petra tenant ID: set "+
				"tenant_id = %q.", id, t.Name, t.PetraTenantID))
		return company, nil
	}
	if t.IsPaused && opts.warn {
		diags.AddAttributeWarning(path.Root("tenant_id"), "Petra tenant is paused",
			fmt.Sprintf("Petra tenant %q (%s) is paused: Petra does not bill paused tenants, so its billable units "+
				"are 0 until it is resumed in Petra (Settings > Usage).", t.Name, t.PetraTenantID))
	}
	return company, t
}

// ModifyPlan runs the live checks at plan time and plans the names, so the
// plan shows which company and tenant are mapped.
func (r *tenantMappingResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var plan tenantMappingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// id is tenant_id, known whenever tenant_id is, even without a provider.
	if !plan.TenantID.IsUnknown() {
		plan.ID = plan.TenantID
	}
	if r.data == nil || r.data.svc == nil {
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return // the provider is not configured yet: checks run at apply
	}
	ctx = r.data.maskCtx(ctx)
	var prior *tenantMappingModel
	if !req.State.Raw.IsNull() {
		prior = &tenantMappingModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, prior)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	svc := r.data.svc
	// A new tenant_id replaces the mapping: it is checked as a new one.
	sameTenant := prior != nil && !plan.TenantID.IsUnknown() && prior.TenantID.Equal(plan.TenantID)
	checkConnectionID(&resp.Diagnostics, svc, plan.ConnectionID)
	company, tenant := r.check(ctx, svc, &plan, tenantMappingCheck{warn: true, creating: !sameTenant}, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if company != nil {
		plan.CompanyName = types.StringValue(company.CompanyName)
	}
	switch {
	case tenant != nil:
		plan.TenantName = types.StringValue(tenant.Name)
		plan.MicrosoftTenantID = tenantMappingOptString(tenant.MicrosoftTenantID)
	case !svc.HasPetra() && !plan.TenantID.IsUnknown():
		// Unchecked: the names cannot become known at apply either.
		plan.TenantName, plan.MicrosoftTenantID = types.StringNull(), types.StringNull()
		if sameTenant {
			plan.TenantName, plan.MicrosoftTenantID = prior.TenantName, prior.MicrosoftTenantID
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// Create checks the mapping again (Autotask or Petra may have changed since
// the plan) and records it in state.
func (r *tenantMappingResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan tenantMappingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.apply(ctx, &plan, true, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Update changes the mapped company after checking it again.
func (r *tenantMappingResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan tenantMappingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.apply(ctx, &plan, false, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// apply runs the checks at apply time and fills the computed values the plan
// could not know. Values the plan showed are kept, so the result always
// matches the plan; the next refresh picks up any later rename.
func (r *tenantMappingResource) apply(ctx context.Context, m *tenantMappingModel, creating bool, diags *diag.Diagnostics) {
	svc := r.data.service(diags)
	if svc == nil {
		return
	}
	ctx = r.data.maskCtx(ctx)
	checkConnectionID(diags, svc, m.ConnectionID)
	company, tenant := r.check(ctx, svc, m, tenantMappingCheck{creating: creating}, diags)
	if diags.HasError() {
		return
	}
	m.ID = m.TenantID
	if m.CompanyName.IsUnknown() {
		m.CompanyName = types.StringValue(company.CompanyName)
	}
	if m.TenantName.IsUnknown() || m.MicrosoftTenantID.IsUnknown() {
		m.TenantName, m.MicrosoftTenantID = types.StringNull(), types.StringNull()
		if tenant != nil {
			m.TenantName = types.StringValue(tenant.Name)
			m.MicrosoftTenantID = tenantMappingOptString(tenant.MicrosoftTenantID)
		}
	}
}

// Read refreshes the names. A company or tenant that disappeared, or a
// company made inactive, is reported as a warning and the mapping is kept, so
// the user decides what to do (the next plan fails its checks with the fix).
func (r *tenantMappingResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state tenantMappingModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || r.data == nil || r.data.svc == nil {
		return
	}
	ctx = r.data.maskCtx(ctx)
	svc := r.data.svc
	if !state.CompanyID.IsNull() && !state.CompanyID.IsUnknown() {
		id := state.CompanyID.ValueInt64()
		c, err := svc.Company(ctx, id)
		switch {
		case err != nil:
			addAPIError(&resp.Diagnostics, nil, fmt.Sprintf("Cannot read Autotask company %d", id), err)
			return
		case c == nil:
			resp.Diagnostics.AddAttributeWarning(path.Root("company_id"), "Mapped Autotask company no longer exists",
				fmt.Sprintf("Autotask company %d (%s), which Petra tenant %q is mapped to, was not found: it was "+
					"deleted, or the API user can no longer see it. The mapping is kept in state; map the tenant to "+
					"another company (company_id) or remove the mapping from the configuration.",
					id, tenantMappingOr(state.CompanyName.ValueString(), "name unknown"), state.TenantID.ValueString()))
		default:
			state.CompanyName = types.StringValue(c.CompanyName)
			if !c.IsActive {
				resp.Diagnostics.AddAttributeWarning(path.Root("company_id"), "Mapped Autotask company is inactive",
					fmt.Sprintf("Autotask company %q (id %d), which Petra tenant %q is mapped to, is inactive. The "+
						"mapping is kept in state; reactivate the company in Autotask, map the tenant to another "+
						"company (company_id), or remove the mapping from the configuration.",
						c.CompanyName, c.ID, state.TenantID.ValueString()))
			}
		}
	}
	if svc.HasPetra() {
		id := state.TenantID.ValueString()
		t, err := svc.PetraTenant(ctx, id)
		switch {
		case err != nil:
			addAPIError(&resp.Diagnostics, nil, fmt.Sprintf("Cannot read Petra tenant %q", id), err)
			return
		case t == nil:
			resp.Diagnostics.AddAttributeWarning(path.Root("tenant_id"), "Mapped Petra tenant no longer exists",
				fmt.Sprintf("Petra tenant %q (%s) is no longer listed by Petra: it was removed, or the API key "+
					"belongs to another organization. The mapping is kept in state; remove it from the configuration "+
					"if the tenant is gone for good.", id, tenantMappingOr(state.TenantName.ValueString(), "name unknown")))
		default:
			state.TenantName = types.StringValue(t.Name)
			state.MicrosoftTenantID = tenantMappingOptString(t.MicrosoftTenantID)
		}
	}
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
	username := ""
	if r.data != nil && r.data.svc != nil {
		username = r.data.svc.Username()
	}
	if username == "" {
		resp.Diagnostics.AddError("Autotask is not configured",
			"Importing a tenant mapping needs the provider's Autotask configuration: connection_id is the Autotask "+
				"API username. "+integration.ErrAutotaskNotConfigured.Error()+".")
		return
	}
	m := tenantMappingModel{
		ID:                types.StringValue(tenantID),
		ConnectionID:      types.StringValue(username),
		TenantID:          types.StringValue(tenantID),
		CompanyID:         types.Int64Null(),
		CompanyName:       types.StringNull(),
		TenantName:        types.StringNull(),
		MicrosoftTenantID: types.StringNull(),
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

// tenantMappingOptString maps "" to null, the one place this resource does so.
func tenantMappingOptString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

func tenantMappingOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
