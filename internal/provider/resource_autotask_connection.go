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
	_ resource.ResourceWithConfigure    = (*connectionResource)(nil)
	_ resource.ResourceWithModifyPlan   = (*connectionResource)(nil)
	_ resource.ResourceWithImportState  = (*connectionResource)(nil)
	_ resource.ResourceWithUpgradeState = (*connectionResource)(nil)
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
	resp.Schema = connectionSchema(ctx)
	resp.Schema.Version = 1
}

// connectionSchema is the schema of every version: version 1 changed what
// id holds (the database instead of the API user), not the attributes.
func connectionSchema(ctx context.Context) schema.Schema {
	return schema.Schema{
		MarkdownDescription: "Links Petra to Autotask through the API user configured in the provider's `autotask` block, " +
			"and verifies that this user can do everything the chosen `features` need. Planning checks, in one pass, " +
			"zone discovery, the credentials and every Autotask permission; a missing permission fails the plan with " +
			"the complete list of what is missing and how to fix it.\n\n" +
			"The connection is the **Autotask database**, not the API user: its `id` is the database id that zone " +
			"discovery reports. Planning or applying with another API user of the same database (a separate CI user, a " +
			"rotated user) replaces nothing: the connection shows the new `username` as an in-place update and verifies " +
			"the new user's permissions again. A provider configured for another Autotask database fails the plan with " +
			"a clear error instead of replacing the connection and its mappings.\n\n" +
			"Creating this resource writes nothing to Autotask or Petra: it verifies the API user and records the " +
			"link in Terraform state. Destroying it only removes that record from state: nothing is deleted or " +
			"changed in Autotask (the API user, companies, contracts and their units stay as they are), and Petra " +
			"is not contacted (its API is read-only), so an Autotask integration linked in Petra's own UI stays " +
			"linked, with its mappings. Every mapping (`petra_autotask_tenant_mapping`, " +
			"`petra_autotask_ticket_defaults`, `petra_autotask_billing_mapping`) references the connection through " +
			"`connection_id`, so a plan that destroys the connection destroys those mappings first; each mapping's " +
			"page says what destroying it does (a billing mapping stops syncing and leaves the contract's units as " +
			"they are). Protect the connection with `lifecycle { prevent_destroy = true }`.\n\n" +
			"Import with the database id (`terraform import petra_autotask_connection.this 900001`) or with the " +
			"provider's Autotask API username (`terraform import petra_autotask_connection.this petra-api@example.com`).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The id of the Autotask database (the zone lookup's `ci`) as a string, such as " +
					"`\"900001\"`. Mappings reference it as `connection_id`. It stays the same when the provider's API " +
					"user changes; known after apply when the connection is created.",
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
				Computed: true,
				MarkdownDescription: "The Autotask API username configured in the provider (`autotask.username`). " +
					"Planned from the provider configuration: a new user shows as an in-place update, and the apply " +
					"verifies the new user's permissions.",
			},
			"api_user": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The API user as Autotask accepted it during verification (zone discovery and " +
					"authentication), i.e. the value Petra's Autotask settings show as the API user.",
			},
			"zone_name": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "Name of the Autotask zone (data centre) that hosts the database, such as `AE02`. " +
					"Null when the provider's `base_url` is set, because zone discovery is then skipped. Refreshed from " +
					"Autotask; an update keeps the refreshed value.",
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
				MarkdownDescription: "Numeric id of the Autotask database (the zone lookup's `ci`, asked also when " +
					"`base_url` is set: the lookup needs no credentials and does not count against Autotask's limits).",
			},
			"checks": schema.ListNestedAttribute{
				Computed: true,
				MarkdownDescription: "Every check of the last verification, in a fixed order: zone discovery, " +
					"authentication, then one check per entity operation the features need. A permission removed in " +
					"Autotask after apply shows here as drift on the next refresh. Known after apply when the " +
					"connection is created or `features` or the API user change; otherwise the refreshed checks are kept.",
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
				UpdateDescription: "How long re-verifying after a change of `features` or of the API user may take, as a " +
					"duration such as `\"90s\"` or `\"5m\"`. Default `\"5m\"`.",
			}),
		},
	}
}

func (r *connectionResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

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
	var svc *integration.Service
	if r.data != nil {
		svc = r.data.svc
	}
	connectionPlanFromKnown(&plan, state, svc)
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	if svc == nil || plan.Features.IsUnknown() || resp.Diagnostics.HasError() {
		return // the provider is not configured yet: everything is checked at apply
	}
	if !svc.HasAutotask() {
		resp.Diagnostics.AddError("Autotask is not configured", integration.ErrAutotaskNotConfigured.Error())
		return
	}
	ctx = r.data.maskCtx(ctx)
	features, diags := connectionFeatures(ctx, plan.Features)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	v, err := svc.VerifyPermissions(ctx, features)
	if !connectionReport(&resp.Diagnostics, v, err) {
		return
	}
	checkConnectionDatabase(ctx, &resp.Diagnostics, svc, state, true)
	addBudgetWarning(&resp.Diagnostics, svc)
}

// connectionPlanFromKnown plans the values that do not depend on when
// Autotask is read. username and api_user come from the provider
// configuration; id, zone and database from state (unknown on create: a
// lookup at plan time is not repeatable at apply); checks and verified_at
// from state unless the user or the features change, in which case the apply
// verifies again and records the result.
func connectionPlanFromKnown(plan, state *connectionModel, svc *integration.Service) {
	if svc != nil && svc.HasAutotask() {
		plan.Username = types.StringValue(svc.Username())
		plan.APIUser = plan.Username
	} else {
		plan.Username, plan.APIUser = types.StringUnknown(), types.StringUnknown()
	}
	if state == nil {
		plan.ID, plan.DatabaseID = types.StringUnknown(), types.Int64Unknown()
		plan.ZoneName, plan.ZoneURL, plan.WebURL = types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
		plan.Checks, plan.VerifiedAt = types.ListUnknown(connectionCheckType), types.StringUnknown()
		return
	}
	plan.ID, plan.DatabaseID = state.ID, state.DatabaseID
	plan.ZoneName, plan.ZoneURL, plan.WebURL = state.ZoneName, state.ZoneURL, state.WebURL
	plan.Checks, plan.VerifiedAt = state.Checks, state.VerifiedAt
	if plan.Features.IsUnknown() || !plan.Features.Equal(state.Features) || !plan.Username.Equal(state.Username) {
		plan.Checks, plan.VerifiedAt = types.ListUnknown(connectionCheckType), types.StringUnknown()
	}
	if plan.Username.IsUnknown() {
		plan.APIUser = types.StringUnknown()
	}
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
	if id, ok := integration.ParseConnectionID(state.ID.ValueString()); ok {
		return id
	}
	return 0
}

// checkConnectionDatabase fails when the provider's API user belongs to
// another Autotask database than the connection in state: the same
// configuration pointed at another database must not silently replace the
// connection and every mapping. It returns the provider's database id (0
// when it could not be read, which is then reported).
func checkConnectionDatabase(ctx context.Context, diags *diag.Diagnostics, svc *integration.Service, state *connectionModel, planning bool) int64 {
	db, err := svc.DatabaseID(ctx)
	if err != nil {
		if !planning || svc.FirstReport(err) {
			addAPIError(diags, nil, "Cannot identify the Autotask database", err)
		}
		return 0
	}
	if was := connectionStateDatabase(state); was != 0 && was != db {
		diags.AddError("Autotask database changed", connectionDatabaseChanged(was, db, svc.Username()))
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
	v, err := svc.VerifyPermissionsRetry(ctx, features, integration.RetryPolicy{})
	if !connectionReport(diags, v, err) {
		return
	}
	db := checkConnectionDatabase(ctx, diags, svc, prior, false)
	if diags.HasError() {
		return
	}
	var fresh connectionModel
	connectionFill(&fresh, svc.Username(), db, v, nil)
	fillUnknownString(&m.ID, fresh.ID)
	fillUnknownString(&m.Username, fresh.Username)
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
		m.VerifiedAt = types.StringValue(svc.Now().Format(time.RFC3339))
		if prior != nil && !prior.VerifiedAt.IsNull() && connectionSameOutcome(prior, m) {
			m.VerifiedAt = prior.VerifiedAt
		}
	}
	tflog.Info(ctx, "verified the Autotask connection", map[string]any{"username": svc.Username(), "features": features})
}

// Read re-verifies the API user (one verification per run, shared with the
// plan) and refreshes the zone and checks, so a permission lost since the
// last apply shows as drift in checks. A state written before version 1
// (id = API username) gets the database id. The checks are refreshed only
// while the provider's API user is the one in state: a new user's checks are
// recorded by the update the next plan shows.
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
	if state.Username.IsNull() || state.Username.IsUnknown() {
		state.Username = types.StringValue(svc.Username()) // imported
		state.APIUser = state.Username
	}
	features, diags := connectionFeatures(ctx, state.Features)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	db, err := svc.DatabaseID(ctx)
	if err != nil {
		if svc.FirstReport(err) {
			addAPIError(&resp.Diagnostics, nil, "Cannot identify the Autotask database", err)
		}
		return
	}
	was := connectionStateDatabase(&state)
	if was == 0 {
		// A state written before version 1 with a configured base_url: its
		// id is the API user; check that user belongs to this database.
		if legacy := state.ID.ValueString(); legacy != "" && legacy != svc.Username() {
			if other, err := svc.DatabaseOfUser(ctx, legacy); err == nil && other != 0 {
				was = other
			}
		}
	}
	if was != 0 && was != db {
		resp.Diagnostics.AddError("Autotask database changed", connectionDatabaseChanged(was, db, svc.Username()))
		return
	}
	state.ID = types.StringValue(integration.ConnectionID(db))
	state.DatabaseID = types.Int64Value(db)
	if state.Username.ValueString() != svc.Username() {
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		return
	}
	v, err := svc.VerifyPermissions(ctx, features)
	if err != nil {
		if svc.FirstReport(err) {
			addAPIError(&resp.Diagnostics, nil, "Could not refresh the Autotask connection", err)
		}
		return
	}
	prior := state
	connectionFill(&state, svc.Username(), db, v, &prior)
	if prior.VerifiedAt.IsNull() || !connectionSameOutcome(&prior, &state) {
		state.VerifiedAt = types.StringValue(svc.Now().Format(time.RFC3339))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete forgets the connection. It changes nothing in Autotask or Petra.
func (r *connectionResource) Delete(ctx context.Context, _ resource.DeleteRequest, _ *resource.DeleteResponse) {
	tflog.Info(ctx, "removing the Autotask connection from state; nothing is changed in Autotask")
}

// ImportState accepts the database id or the provider's Autotask API
// username; Read then records the database id.
func (r *connectionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := strings.TrimSpace(req.ID)
	if id == "" {
		resp.Diagnostics.AddError("Missing import ID",
			"Import a petra_autotask_connection by the Autotask database id (petra_autotask_connection's id, the zone "+
				"lookup's ci), for example: terraform import petra_autotask_connection.this 900001, or by the Autotask "+
				"API username the provider is configured with.")
		return
	}
	if _, isDB := integration.ParseConnectionID(id); !isDB &&
		r.data != nil && r.data.svc != nil && r.data.svc.Username() != "" && id != r.data.svc.Username() {
		resp.Diagnostics.AddError("Import ID is not the provider's Autotask API user",
			fmt.Sprintf("The import ID %q is not the Autotask API username this provider is configured with (%q). A "+
				"connection is the link through the provider's own API user; import it with the database id or with that "+
				"username: terraform import petra_autotask_connection.this %s", id, r.data.svc.Username(), r.data.svc.Username()))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}

// UpgradeState upgrades a state written by version 0, whose id was the API
// username, to version 1, whose id is the database. The database id is
// taken from database_id when the state has it; a state written with a
// configured base_url lacks it, and the next refresh looks it up. No request
// is made here.
func (r *connectionResource) UpgradeState(ctx context.Context) map[int64]resource.StateUpgrader {
	v0 := connectionSchema(ctx)
	return map[int64]resource.StateUpgrader{
		0: {
			PriorSchema: &v0,
			StateUpgrader: func(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
				var m connectionModel
				resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
				if resp.Diagnostics.HasError() {
					return
				}
				if !m.DatabaseID.IsNull() && !m.DatabaseID.IsUnknown() && m.DatabaseID.ValueInt64() > 0 {
					m.ID = types.StringValue(integration.ConnectionID(m.DatabaseID.ValueInt64()))
				}
				resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
			},
		},
	}
}

// connectionFeatures reads the features set.
func connectionFeatures(ctx context.Context, s types.Set) ([]string, diag.Diagnostics) {
	var out []string
	diags := s.ElementsAs(ctx, &out, false)
	sort.Strings(out)
	return out, diags
}

// connectionFill sets the values Autotask reports from a verification of
// username and the database id. When the verification could not reach the
// zone (credentials rejected), the zone attributes of prior are kept, if
// given.
func connectionFill(m *connectionModel, username string, db int64, v *integration.Verification, prior *connectionModel) {
	m.ID = types.StringValue(integration.ConnectionID(db))
	m.DatabaseID = types.Int64Value(db)
	m.Username = types.StringValue(username)
	m.APIUser = types.StringValue(v.Username)
	if v.Zone.URL == "" && prior != nil {
		m.ZoneName, m.ZoneURL, m.WebURL = prior.ZoneName, prior.ZoneURL, prior.WebURL
	} else {
		m.ZoneName = connectionOptString(v.Zone.ZoneName)
		m.ZoneURL = connectionOptString(v.Zone.URL)
		m.WebURL = connectionOptString(v.Zone.WebURL)
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
