// Package provider implements the petra Terraform provider: its configuration,
// resources and data sources. It knows nothing of HTTP; it talks to Autotask
// and Petra only through the clients in internal/autotask and internal/petra.
package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/billing"
)

// Options are the provider's injectable dependencies. Production uses the
// zero value; tests pin the clock so that date checks are deterministic.
type Options struct {
	// Now returns the current time; it defaults to time.Now. "Today" for
	// contract checks and unit pushes is its date in the Autotask database's
	// time zone (the time_zone setting). Test-only: acceptance tests make it
	// follow the sandbox's clock; it is not a user setting.
	Now func() time.Time
	// RunRegistryDir is where the provider processes of one Terraform run
	// share the billing mappings they plan (default
	// claims.DefaultRunRegistryBase()); DisableRunRegistry turns that
	// off (in-process tests, whose provider servers share one process).
	RunRegistryDir     string
	DisableRunRegistry bool
	// PushTiming overrides how pushes wait for unconfirmed adjustments.
	PushTiming *billing.PushTiming
	// NoConfigName turns off deriving the configuration's name (the
	// default claim owner label) from the working directory: in-process
	// tests run in this repository's own checkout, whatever the root module.
	NoConfigName bool
	// AutotaskWriteTimeout overrides the Autotask client's write timeout.
	AutotaskWriteTimeout time.Duration
	// PetraRequestsPerMinute, when set, paces every Petra route to this many
	// requests a minute instead of Petra's own per-route limits. Test-only:
	// in-process acceptance tests run against a sandbox whose limits are
	// raised.
	PetraRequestsPerMinute int
}

// PetraProvider is the provider implementation.
type PetraProvider struct {
	version string
	opts    Options
}

var (
	_ provider.Provider              = (*PetraProvider)(nil)
	_ provider.ProviderWithFunctions = (*PetraProvider)(nil)
)

// New returns a constructor for the provider, as providerserver.Serve wants.
func New(version string) func() provider.Provider {
	return NewWithOptions(version, Options{})
}

// NewWithOptions is New with injectable dependencies.
func NewWithOptions(version string, opts Options) func() provider.Provider {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return func() provider.Provider {
		return &PetraProvider{version: version, opts: opts}
	}
}

// Metadata sets the provider type name, used as the prefix of every resource.
func (p *PetraProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "petra"
	resp.Version = p.version
}

// providerModel is the provider block.
type providerModel struct {
	Autotask            *autotaskBlockModel `tfsdk:"autotask"`
	Petra               *petraBlockModel    `tfsdk:"petra"`
	BillingCheckFailure types.String        `tfsdk:"billing_check_failure"`
	BillingClaimOwner   types.String        `tfsdk:"billing_claim_owner"`
	BillingClaims       types.String        `tfsdk:"billing_claims"`
}

type autotaskBlockModel struct {
	Username        types.String `tfsdk:"username"`
	Secret          types.String `tfsdk:"secret"`
	IntegrationCode types.String `tfsdk:"integration_code"`
	BaseURL         types.String `tfsdk:"base_url"`
	ZoneLookupURL   types.String `tfsdk:"zone_lookup_url"`
	TimeZone        types.String `tfsdk:"time_zone"`
}

type petraBlockModel struct {
	APIKey types.String `tfsdk:"api_key"`
	APIURL types.String `tfsdk:"api_url"`
}

// Schema describes the provider block.
func (p *PetraProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = providerSchema()
}

// Resources lists the provider's managed resource types.
func (p *PetraProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewBillingMappingResource,
		NewConnectionResource,
		NewTenantMappingResource,
		NewTicketDefaultsResource,
	}
}

// DataSources lists the provider's data source types.
func (p *PetraProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewCompaniesDataSource,
		NewCompanyMatchesDataSource,
		NewContractServiceUnitsDataSource,
		NewContractsDataSource,
		NewTicketPicklistsDataSource,
		NewBillableUnitsDataSource,
		NewTenantsDataSource,
		NewUsageDataSource,
	}
}

// Functions lists the provider-defined functions (Terraform 1.8+, OpenTofu 1.7+).
func (p *PetraProvider) Functions(_ context.Context) []func() function.Function {
	return []func() function.Function{
		NewBillingReportFunction,
	}
}

// providerSchema is kept apart from the method so unit tests can validate it
// without a Terraform CLI.
func providerSchema() schema.Schema {
	return schema.Schema{
		MarkdownDescription: "The petra provider runs an MSP's Petra Security and Autotask PSA integration as code: " +
			"the Autotask API connection, tenant-to-company mappings, ticket defaults and billing mappings whose unit " +
			"counts are pushed to Autotask Recurring Service contracts. Every setting can also come from an " +
			"environment variable, which is the recommended way to pass credentials.",
		Attributes: map[string]schema.Attribute{
			"billing_check_failure": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "What a failed plan-time billing check (future-dated or expired contract, duplicated " +
					"service, and the other contract checks) does. `error` (the default) fails the plan, which is what CI " +
					"plan checks want. `warn` turns it into a plan warning and fails only the affected " +
					"`petra_autotask_billing_mapping` at apply, so a scheduled billing run still syncs every healthy " +
					"tenant. Environment variable: `PETRA_BILLING_CHECK_FAILURE`. See the billing sync guide for the exit " +
					"codes a scheduled run gets in each mode.",
				Validators: []validator.String{stringvalidator.OneOf(BillingCheckError, BillingCheckWarn)},
			},
			"billing_claim_owner": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Who this configuration is, in words people recognise, for example `billing-prod " +
					"(github.com/acme/msp-billing)`. Every billing mapping claims its contract service line in Autotask " +
					"with a contract note that names this owner, so that another configuration mapping the same line " +
					"fails with a message saying whose line it is instead of billing it a second time. One line, at " +
					"most 200 characters; no secrets (the note is visible in Autotask). Set, it is this configuration's " +
					"identity on its claims: give every configuration a label of its own. An active claim with this label " +
					"and the mapping's tenant on its line that no state records (left by an interrupted apply: Ctrl-C, a " +
					"killed CI job, a note create that landed late) is then recognised as this configuration's own: the " +
					"next apply records it and releases any duplicate, with no manual edit. Unset, it defaults to the " +
					"configuration's own name, `Terraform configuration <repository>//<path> (workspace <name>)`: the " +
					"origin remote of the git repository the root module is in (read from its git config; credentials " +
					"in the URL are dropped), the root module's path in it, and the selected workspace when it is not " +
					"`default`. That name is the same from any clone and any CI runner and differs between " +
					"configurations, so it recognises this configuration's unrecorded claims too. Outside a git " +
					"repository with a remote the default is `Terraform with Autotask API user <username>`, which every " +
					"configuration of one API user shares, so then no unrecorded claim is taken as this configuration's. " +
					"Environment variable: `PETRA_BILLING_CLAIM_OWNER`.",
			},
			"billing_claims": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "How billing mappings guard their lines against other Terraform configurations. " +
					"`notes` (the default): each mapping claims its contract service line with a contract note in " +
					"Autotask, and a mapping whose line another configuration claims fails instead of billing it twice. " +
					"`off`: no claim note is written or read, for teams that keep one state per Autotask database and " +
					"want no notes on their contracts; every plan then warns once that this protection is off. Two " +
					"mappings of one line in this configuration still fail the plan either way. Switching to `off` " +
					"leaves existing claims active and recorded in state (destroying a mapping still releases its " +
					"claim); switching back to `notes` resumes them, and mappings without a claim claim their lines at " +
					"the next apply (the plan shows each as an update). Environment variable: `PETRA_BILLING_CLAIMS`. " +
					"See the billing sync guide.",
				Validators: []validator.String{stringvalidator.OneOf(BillingClaimsNotes, BillingClaimsOff)},
			},
		},
		Blocks: map[string]schema.Block{
			"autotask": schema.SingleNestedBlock{
				MarkdownDescription: "The Autotask API user the integration uses. Create it in Autotask under " +
					"Admin > Resources (Users) > New API User with Security Level `API User (system)` and API Tracking " +
					"Identifier `Custom (Internal Integration)`.",
				Attributes: map[string]schema.Attribute{
					"username": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "Username of the Autotask API user (an e-mail address). " +
							"Environment variable: `AUTOTASK_USERNAME`.",
					},
					"secret": schema.StringAttribute{
						Optional:  true,
						Sensitive: true,
						MarkdownDescription: "Secret (password) of the Autotask API user. Sensitive: never logged. " +
							"Environment variable: `AUTOTASK_SECRET` (recommended over a literal).",
					},
					"integration_code": schema.StringAttribute{
						Optional:  true,
						Sensitive: true,
						MarkdownDescription: "The API Tracking Identifier shown on the API user's page (sent as the " +
							"`ApiIntegrationCode` header). Environment variable: `AUTOTASK_INTEGRATION_CODE`.",
					},
					"base_url": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "Zone URL of your Autotask database, such as " +
							"`https://webservices14.autotask.net/ATServicesRest/`. When set, zone discovery is skipped. " +
							"Must use HTTPS (plain HTTP is accepted only for loopback addresses, such as the sandbox). " +
							"Environment variable: `AUTOTASK_BASE_URL`.",
						Validators: []validator.String{urlValidator{what: "Autotask base URL",
							example: "https://webservices14.autotask.net/ATServicesRest/", env: EnvAutotaskBaseURL}},
					},
					"zone_lookup_url": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "Where zone discovery asks for the database's zone. Defaults to " +
							"`https://webservices.autotask.net/atservicesrest/`; point it at the sandbox " +
							"(`http://127.0.0.1:8089/atservicesrest/`) to try the provider offline. Environment variable: " +
							"`AUTOTASK_ZONE_LOOKUP_URL`.",
						Validators: []validator.String{urlValidator{what: "Autotask zone lookup URL",
							example: "https://webservices.autotask.net/atservicesrest/", env: EnvAutotaskZoneLookupURL}},
					},
					"time_zone": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "IANA name of your Autotask database's time zone, such as `America/New_York` " +
							"or `Australia/Sydney`. Its calendar defines \"today\" for every billing decision: the contract " +
							"start and end checks, the adjustments' effective date and the units in effect (Autotask stores " +
							"contract dates as calendar dates of the database, and its API does not say which time zone " +
							"that is). Without it the provider uses UTC and says so in one warning per run. Environment " +
							"variable: `AUTOTASK_TIME_ZONE`. The zone database is built into the provider, so the name " +
							"works on every machine, and `terraform validate` rejects a name that is not a time zone.",
						Validators: []validator.String{timeZoneValidator{}},
					},
				},
			},
			"petra": schema.SingleNestedBlock{
				MarkdownDescription: "Access to Petra's public, read-only API. Optional: without a key, the Petra data " +
					"sources fail with a clear message and tenant checks are skipped with a warning.",
				Attributes: map[string]schema.Attribute{
					"api_key": schema.StringAttribute{
						Optional:  true,
						Sensitive: true,
						MarkdownDescription: "A Petra API key (Petra Settings > API Keys; only Admins can create one, and " +
							"it is shown once). Sensitive: never logged. Environment variable: `PETRA_API_KEY`.",
					},
					"api_url": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "Base URL of Petra's API. Defaults to `https://api.petrasecurity.com`. " +
							"Must use HTTPS except for loopback addresses. Environment variable: `PETRA_API_URL`.",
						Validators: []validator.String{urlValidator{what: "Petra API URL", example: "https://api.petrasecurity.com", env: EnvPetraAPIURL}},
					},
				},
			},
		},
	}
}
