package provider

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/access"
)

// connectionDefaultTimeout bounds create, read and update unless the
// timeouts block says otherwise. Autotask can take a minute or two to answer
// a new link (zone discovery plus one request per checked permission, each
// retried while Autotask is slow).
const connectionDefaultTimeout = 5 * time.Minute

// connectionResource is petra_autotask_connection: the verified link to an
// Autotask database, through the API user the provider is configured with.
type connectionResource struct {
	data *providerData
}

var (
	_ resource.ResourceWithConfigure    = (*connectionResource)(nil)
	_ resource.ResourceWithModifyPlan   = (*connectionResource)(nil)
	_ resource.ResourceWithImportState  = (*connectionResource)(nil)
	_ resource.ResourceWithUpgradeState = (*connectionResource)(nil)
)

// NewConnectionResource returns the petra_autotask_connection resource.
func NewConnectionResource() resource.Resource { return &connectionResource{} }

// connectionModel is the resource's state.
type connectionModel struct {
	ID         types.String   `tfsdk:"id"`
	Features   types.Set      `tfsdk:"features"`
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
	elems := make([]attr.Value, len(access.ValidFeatures))
	for i, f := range access.ValidFeatures {
		elems[i] = types.StringValue(f)
	}
	return types.SetValueMust(types.StringType, elems)
}

func (r *connectionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_autotask_connection"
}

func (r *connectionResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = connectionSchema(ctx)
	resp.Schema.Version = 2
}

// connectionSchema is the schema of version 2. Version 1 changed what id
// holds (the database instead of the API user); version 2 removed username,
// the API user of whoever planned (connectionSchemaV1).
func connectionSchema(ctx context.Context) schema.Schema {
	return schema.Schema{
		MarkdownDescription: "Links Petra to Autotask through the API user configured in the provider's `autotask` block, " +
			"and verifies that this user can do everything the chosen `features` need. Planning checks, in one pass, " +
			"zone discovery, the credentials and every Autotask permission; a missing permission fails the plan with " +
			"the complete list of what is missing and how to fix it.\n\n" +
			"The connection is the **Autotask database** and what was verified there, not the API user that plans: its " +
			"`id` is the database id that zone discovery reports. Planning or applying with another API user of the " +
			"same database (a separate CI user, a rotated user) changes nothing: the plan shows no change to the " +
			"connection, and when that user lacks permissions the features need, the plan warns with the user and the " +
			"missing permissions instead of failing (see `api_user` and `checks`). A provider configured for another " +
			"Autotask database fails the plan with a clear error instead of replacing the connection and its mappings.\n\n" +
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
			"api_user": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The Autotask API user whose verification `checks` records: the provider's user " +
					"when the connection was created, imported or its `features` changed, or when a refresh found that " +
					"user's permissions complete (a rotated user takes over at its first refresh). A plan by another " +
					"user of the same database (a read-only CI user) does not change it; that user's missing " +
					"permissions are a warning (`Plan's Autotask API user lacks permissions`), not a diff.",
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
				MarkdownDescription: "Every check of the last verification of `api_user`, in a fixed order: zone " +
					"discovery, authentication, then one check per entity operation the features need. A permission " +
					"removed from that user in Autotask shows here as drift on the next refresh. Known after apply when " +
					"the connection is created or `features` change; otherwise the refreshed checks are kept, whichever " +
					"API user plans.",
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
				UpdateDescription: "How long re-verifying after a change of `features` may take, as a " +
					"duration such as `\"90s\"` or `\"5m\"`. Default `\"5m\"`.",
			}),
		},
	}
}

func (r *connectionResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// connectionFeatures reads the features set.
func connectionFeatures(ctx context.Context, s types.Set) ([]string, diag.Diagnostics) {
	var out []string
	diags := s.ElementsAs(ctx, &out, false)
	sort.Strings(out)
	return out, diags
}

// connectionFill sets the values Autotask reports from a verification of
// the API user and the database id. When the verification could not reach
// the zone (credentials rejected), the zone attributes of prior are kept, if
// given.
func connectionFill(m *connectionModel, db int64, v *access.Verification, prior *connectionModel) {
	m.ID = types.StringValue(access.ConnectionID(db))
	m.DatabaseID = types.Int64Value(db)
	m.APIUser = types.StringValue(v.Username)
	if v.Zone.URL == "" && prior != nil {
		m.ZoneName, m.ZoneURL, m.WebURL = prior.ZoneName, prior.ZoneURL, prior.WebURL
	} else {
		m.ZoneName = nullIfEmpty(v.Zone.ZoneName)
		m.ZoneURL = nullIfEmpty(v.Zone.URL)
		m.WebURL = nullIfEmpty(v.Zone.WebURL)
	}
	elems := make([]attr.Value, len(v.Checks))
	for i, c := range v.Checks {
		elems[i] = types.ObjectValueMust(connectionCheckType.AttrTypes, map[string]attr.Value{
			"name":      types.StringValue(c.Name),
			"feature":   nullIfEmpty(strings.Join(c.Features, ", ")),
			"entity":    nullIfEmpty(c.Entity),
			"operation": types.StringValue(c.Operation),
			"passed":    types.BoolValue(c.Passed),
			"message":   types.StringValue(c.Message),
		})
	}
	m.Checks = types.ListValueMust(connectionCheckType, elems)
}

// connectionSameOutcome reports whether two models hold the same
// verification result (zone and checks).
func connectionSameOutcome(a, b *connectionModel) bool {
	return a.ZoneName.Equal(b.ZoneName) && a.ZoneURL.Equal(b.ZoneURL) && a.WebURL.Equal(b.WebURL) &&
		a.DatabaseID.Equal(b.DatabaseID) && a.Checks.Equal(b.Checks)
}
