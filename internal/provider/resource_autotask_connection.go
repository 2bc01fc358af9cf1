package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/petrasecurity/terraform-provider-petra/internal/integration"
)

func init() {
	registerResource("petra_autotask_connection", newConnectionResource)
}

// connectionDefaultTimeout bounds create, read and update unless the
// timeouts block says otherwise. Autotask can take a minute or two to answer
// a new link (zone discovery plus one request per checked permission, each
// retried while Autotask is slow).
const connectionDefaultTimeout = 5 * time.Minute

// connectionResource is petra_autotask_connection: the verified link to the
// Autotask API user the provider is configured with.
type connectionResource struct {
	data *providerData
}

var (
	_ resource.ResourceWithConfigure   = (*connectionResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*connectionResource)(nil)
	_ resource.ResourceWithImportState = (*connectionResource)(nil)
)

func newConnectionResource() resource.Resource { return &connectionResource{} }

// connectionModel is the resource's state.
type connectionModel struct {
	ID         types.String   `tfsdk:"id"`
	Features   types.Set      `tfsdk:"features"`
	Username   types.String   `tfsdk:"username"`
	APIUser    types.String   `tfsdk:"api_user"`
	ZoneName   types.String   `tfsdk:"zone_name"`
	ZoneURL    types.String   `tfsdk:"zone_url"`
	WebURL     types.String   `tfsdk:"web_url"`
	DatabaseID types.Int64    `tfsdk:"database_id"`
	Checks     types.List     `tfsdk:"checks"`
	VerifiedAt types.String   `tfsdk:"verified_at"`
	Timeouts   timeouts.Value `tfsdk:"timeouts"`
}

// connectionCheckType is one element of checks.
var connectionCheckType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"name":      types.StringType,
	"feature":   types.StringType,
	"entity":    types.StringType,
	"operation": types.StringType,
	"passed":    types.BoolType,
	"message":   types.StringType,
}}

// connectionDefaultFeatures is the default of features.
func connectionDefaultFeatures() types.Set {
	elems := make([]attr.Value, len(integration.ValidFeatures))
	for i, f := range integration.ValidFeatures {
		elems[i] = types.StringValue(f)
	}
	return types.SetValueMust(types.StringType, elems)
}

func (r *connectionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_autotask_connection"
}

func (r *connectionResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Links Petra to Autotask through the API user configured in the provider's `autotask` block, " +
			"and verifies that this user can do everything the chosen `features` need. Planning checks, in one pass, " +
			"zone discovery, the credentials and every Autotask permission; a missing permission fails the plan with " +
			"the complete list of what is missing and how to fix it.\n\n" +
			"Creating this resource writes nothing to Autotask or Petra: it verifies the API user and records the " +
			"link in Terraform state. Destroying it only removes that record from state: nothing is deleted or " +
			"changed in Autotask (the API user, companies, contracts and their units stay as they are), and Petra " +
			"is not contacted (its API is read-only), so an Autotask integration linked in Petra's own UI stays " +
			"linked, with its mappings. Every mapping (`petra_autotask_tenant_mapping`, " +
			"`petra_autotask_ticket_defaults`, `petra_autotask_billing_mapping`) references the connection through " +
			"`connection_id`, so a plan that destroys the connection destroys those mappings first; each mapping's " +
			"page says what destroying it does (a billing mapping stops syncing and leaves the contract's units as " +
			"they are). Protect the connection with `lifecycle { prevent_destroy = true }`.\n\n" +
			"Import with the provider's Autotask API username: `terraform import petra_autotask_connection.this " +
			"petra-api@example.com`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The Autotask API username of the connection. Mappings reference it as " +
					"`connection_id`. Changing the provider's username replaces the connection.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"features": schema.SetAttribute{
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     setdefault.StaticValue(connectionDefaultFeatures()),
				MarkdownDescription: "Which parts of the integration the API user is verified for: `billing` (read " +
					"companies, contracts, contract services, their units and services; update contracts; create " +
					"contract service adjustments to push unit counts) and `ticketing` (read companies; query, create " +
					"and update tickets; read the ticket queue, status and priority picklists). Defaults to both.",
				Validators: []validator.Set{connectionFeaturesValidator{}},
			},
			"username": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The Autotask API username configured in the provider (`autotask.username`).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"api_user": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The API user as Autotask accepted it during verification (zone discovery and " +
					"authentication), i.e. the value Petra's Autotask settings show as the API user.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"zone_name": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "Name of the Autotask zone (data centre) that hosts the database, such as `AE02`. " +
					"Null when the provider's `base_url` is set, because zone discovery is then skipped.",
			},
			"zone_url": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "REST base URL of the zone, such as `https://webservices14.autotask.net/ATServicesRest/`.",
			},
			"web_url": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Base URL of the Autotask web interface for this zone. Null when `base_url` is set.",
			},
			"database_id": schema.Int64Attribute{
				Computed: true,
				MarkdownDescription: "Numeric id of the Autotask database (the zone lookup's `ci`). Null when " +
					"`base_url` is set.",
			},
			"checks": schema.ListNestedAttribute{
				Computed: true,
				MarkdownDescription: "Every check of the last verification, in a fixed order: zone discovery, " +
					"authentication, then one check per entity operation the features need. A permission removed in " +
					"Autotask after apply shows here as drift on the next refresh.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{Computed: true,
						MarkdownDescription: "What was checked, such as `Contracts update` or `authentication`."},
					"feature": schema.StringAttribute{Computed: true,
						MarkdownDescription: "The features that need this permission, comma separated (`billing, ticketing`); " +
							"null for zone discovery and authentication, which every feature needs."},
					"entity": schema.StringAttribute{Computed: true,
						MarkdownDescription: "The Autotask entity, such as `Contracts`; null for zone discovery and authentication."},
					"operation": schema.StringAttribute{Computed: true,
						MarkdownDescription: "`zone discovery`, `authenticate`, `query`, `create`, `update` or `picklists`."},
					"passed": schema.BoolAttribute{Computed: true,
						MarkdownDescription: "Whether the API user has the permission (or the credentials were accepted)."},
					"message": schema.StringAttribute{Computed: true,
						MarkdownDescription: "What was found, including Autotask's own text when it refused a request."},
				}},
			},
			"verified_at": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "When the verification result last changed (RFC 3339, UTC). Re-verifying with " +
					"the same result keeps the previous time, so plans stay quiet.",
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{
				Create: true, Read: true, Update: true,
				CreateDescription: "How long creating the connection (zone discovery, authentication and every " +
					"permission check) may take, as a duration such as `\"90s\"` or `\"5m\"`. Default `\"5m\"`.",
				ReadDescription: "How long a refresh, which re-runs the verification, may take, as a duration such as " +
					"`\"90s\"` or `\"5m\"`. Default `\"5m\"`.",
				UpdateDescription: "How long re-verifying after a change of `features` may take, as a duration such as " +
					"`\"90s\"` or `\"5m\"`. Default `\"5m\"`.",
			}),
		},
	}
}

func (r *connectionResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan verifies the API user for the planned features and plans the
// zone and checks from the result, so that the plan shows them and a missing
// permission fails the plan.
func (r *connectionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil || r.data.svc == nil {
		return
	}
	svc := r.data.svc
	ctx = r.data.maskCtx(ctx)
	var plan connectionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.Features.IsUnknown() {
		return
	}
	if !svc.HasAutotask() {
		resp.Diagnostics.AddError("Autotask is not configured", integration.ErrAutotaskNotConfigured.Error())
		return
	}
	var state *connectionModel
	if !req.State.Raw.IsNull() {
		state = &connectionModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	features, diags := connectionFeatures(ctx, plan.Features)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	v, err := svc.VerifyPermissions(ctx, features)
	if !connectionReport(&resp.Diagnostics, v, err) {
		return
	}
	addBudgetWarning(&resp.Diagnostics, svc)
	connectionFill(&plan, svc.Username(), v, nil)
	plan.VerifiedAt = types.StringUnknown()
	if state != nil {
		if connectionSameOutcome(state, &plan) {
			plan.VerifiedAt = state.VerifiedAt
		}
		if !state.ID.IsNull() && state.ID.ValueString() != plan.ID.ValueString() {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("id"))
			resp.Diagnostics.AddWarning("Autotask API user changed",
				fmt.Sprintf("This connection was made for the Autotask API user %q, but the provider is now configured "+
					"for %q. The connection is replaced, and with it every mapping that references it.",
					state.ID.ValueString(), plan.ID.ValueString()))
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// connectionReport turns a verification into diagnostics: one error listing
// everything missing (attached to features), and warnings for Restricted
// access. It reports whether the verification passed.
func connectionReport(diags *diag.Diagnostics, v *integration.Verification, err error) bool {
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
// timeout, and fills m from the result.
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
	v, err := svc.VerifyPermissionsRetry(ctx, features, integration.RetryPolicy{})
	if !connectionReport(diags, v, err) {
		return
	}
	connectionFill(m, svc.Username(), v, nil)
	if prior != nil && connectionSameOutcome(prior, m) && !prior.VerifiedAt.IsNull() {
		m.VerifiedAt = prior.VerifiedAt
	} else {
		m.VerifiedAt = types.StringValue(svc.Now().Format(time.RFC3339))
	}
	tflog.Info(ctx, "verified the Autotask connection", map[string]any{"username": svc.Username(), "features": features})
}

// Read re-verifies the API user (one verification per run, shared with the
// plan) and refreshes the zone and checks, so a permission lost since the
// last apply shows as drift in checks.
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
	if !svc.HasAutotask() {
		resp.Diagnostics.AddError("Autotask is not configured", integration.ErrAutotaskNotConfigured.Error())
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
	features, diags := connectionFeatures(ctx, state.Features)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if id := state.ID.ValueString(); id != svc.Username() {
		resp.Diagnostics.AddWarning("Connection made for another Autotask API user",
			fmt.Sprintf("This connection was made for the Autotask API user %q, but the provider is configured for %q. "+
				"The refreshed checks are those of %q; the next plan replaces the connection (and the mappings that "+
				"reference it). Configure the provider with %q to keep it.", id, svc.Username(), svc.Username(), id))
	}
	v, err := svc.VerifyPermissions(ctx, features)
	if err != nil {
		addAPIError(&resp.Diagnostics, nil, "Could not refresh the Autotask connection", err)
		return
	}
	prior := state
	connectionFill(&state, svc.Username(), v, &prior)
	state.ID = prior.ID
	if state.ID.IsNull() || state.ID.ValueString() == "" {
		state.ID = types.StringValue(svc.Username())
	}
	if prior.VerifiedAt.IsNull() || !connectionSameOutcome(&prior, &state) {
		state.VerifiedAt = types.StringValue(svc.Now().Format(time.RFC3339))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete forgets the connection. It changes nothing in Autotask or Petra.
func (r *connectionResource) Delete(ctx context.Context, _ resource.DeleteRequest, _ *resource.DeleteResponse) {
	tflog.Info(ctx, "removing the Autotask connection from state; nothing is changed in Autotask")
}

// ImportState accepts the provider's Autotask API username.
func (r *connectionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := strings.TrimSpace(req.ID)
	if id == "" {
		resp.Diagnostics.AddError("Missing import ID",
			"Import a petra_autotask_connection by the Autotask API username the provider is configured with, "+
				"for example: terraform import petra_autotask_connection.this petra-api@example.com")
		return
	}
	if r.data != nil && r.data.svc != nil && r.data.svc.Username() != "" && id != r.data.svc.Username() {
		resp.Diagnostics.AddError("Import ID is not the provider's Autotask API user",
			fmt.Sprintf("The import ID %q is not the Autotask API username this provider is configured with (%q). A "+
				"connection is the link through the provider's own API user; import it with that username: "+
				"terraform import petra_autotask_connection.this %s", id, r.data.svc.Username(), r.data.svc.Username()))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}

// connectionFeatures reads the features set.
func connectionFeatures(ctx context.Context, s types.Set) ([]string, diag.Diagnostics) {
	var out []string
	diags := s.ElementsAs(ctx, &out, false)
	sort.Strings(out)
	return out, diags
}

// connectionFill sets the computed attributes of m from v. When the
// verification could not reach the zone (credentials rejected), the zone
// attributes of prior are kept, if given.
func connectionFill(m *connectionModel, username string, v *integration.Verification, prior *connectionModel) {
	m.ID = types.StringValue(username)
	m.Username = types.StringValue(username)
	m.APIUser = types.StringValue(v.Username)
	if v.Zone.URL == "" && prior != nil {
		m.ZoneName, m.ZoneURL, m.WebURL, m.DatabaseID = prior.ZoneName, prior.ZoneURL, prior.WebURL, prior.DatabaseID
	} else {
		m.ZoneName = connectionOptString(v.Zone.ZoneName)
		m.ZoneURL = connectionOptString(v.Zone.URL)
		m.WebURL = connectionOptString(v.Zone.WebURL)
		m.DatabaseID = types.Int64Null()
		if v.Zone.CI != 0 {
			m.DatabaseID = types.Int64Value(v.Zone.CI)
		}
	}
	elems := make([]attr.Value, len(v.Checks))
	for i, c := range v.Checks {
		elems[i] = types.ObjectValueMust(connectionCheckType.AttrTypes, map[string]attr.Value{
			"name":      types.StringValue(c.Name),
			"feature":   connectionOptString(strings.Join(c.Features, ", ")),
			"entity":    connectionOptString(c.Entity),
			"operation": types.StringValue(c.Operation),
			"passed":    types.BoolValue(c.Passed),
			"message":   types.StringValue(c.Message),
		})
	}
	m.Checks = types.ListValueMust(connectionCheckType, elems)
}

// connectionOptString maps "" to null: the one place the resource decides it.
func connectionOptString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// connectionSameOutcome reports whether two models hold the same
// verification result (zone and checks).
func connectionSameOutcome(a, b *connectionModel) bool {
	return a.ZoneName.Equal(b.ZoneName) && a.ZoneURL.Equal(b.ZoneURL) && a.WebURL.Equal(b.WebURL) &&
		a.DatabaseID.Equal(b.DatabaseID) && a.Checks.Equal(b.Checks)
}

// connectionFeaturesValidator accepts only the integration's features.
type connectionFeaturesValidator struct{}

func (connectionFeaturesValidator) Description(context.Context) string {
	return `each feature must be "billing" or "ticketing", and at least one must be chosen`
}

func (v connectionFeaturesValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (connectionFeaturesValidator) ValidateSet(ctx context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var known []string
	for _, e := range req.ConfigValue.Elements() {
		s, ok := e.(types.String)
		if !ok || s.IsUnknown() {
			return
		}
		if s.IsNull() {
			resp.Diagnostics.AddAttributeError(req.Path, "Invalid feature",
				`features contains null. Use "billing", "ticketing" or both.`)
			return
		}
		known = append(known, s.ValueString())
	}
	if _, err := integration.NormalizeFeatures(known); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid feature", "features: "+err.Error()+".")
	}
}
