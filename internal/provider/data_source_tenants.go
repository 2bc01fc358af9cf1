package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// tenantsDataSource lists the Petra organization's tenants.
type tenantsDataSource struct {
	data *providerData
}

var _ datasource.DataSourceWithConfigure = (*tenantsDataSource)(nil)

// NewTenantsDataSource returns the petra_tenants data source.
func NewTenantsDataSource() datasource.DataSource { return &tenantsDataSource{} }

type tenantsDataSourceModel struct {
	IncludePaused types.Bool             `tfsdk:"include_paused"`
	Tenants       []tenantsDataSourceRow `tfsdk:"tenants"`
}

type tenantsDataSourceRow struct {
	ID                types.String `tfsdk:"id"`
	Name              types.String `tfsdk:"name"`
	MicrosoftTenantID types.String `tfsdk:"microsoft_tenant_id"`
	IsPaused          types.Bool   `tfsdk:"is_paused"`
	OnboardingDate    types.String `tfsdk:"onboarding_date"`
}

// Metadata names the data source.
func (d *tenantsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_tenants"
}

// Schema describes the data source.
func (d *tenantsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the tenants of the Petra organization the API key belongs to (Petra's " +
			"`GET /v1/tenants`), sorted by name as Petra returns them. Removed tenants are not listed. Needs a Petra " +
			"API key.",
		Attributes: map[string]schema.Attribute{
			"include_paused": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Whether paused tenants (not billed by Petra) are listed. Defaults to `true`; set " +
					"`false` to list only tenants Petra bills.",
			},
			"tenants": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The tenants, sorted by name.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id": schema.StringAttribute{
							Computed: true,
							MarkdownDescription: "Petra tenant ID, the short ID in `app.petrasecurity.com/tenant/<id>` " +
								"(use it as `tenant_id`).",
						},
						"name": schema.StringAttribute{Computed: true, MarkdownDescription: "Tenant display name."},
						"microsoft_tenant_id": schema.StringAttribute{
							Computed: true, MarkdownDescription: "Microsoft Entra tenant ID (a GUID).",
						},
						"is_paused": schema.BoolAttribute{
							Computed: true, MarkdownDescription: "Whether the tenant is paused (kept, but not billed).",
						},
						"onboarding_date": schema.StringAttribute{
							Computed: true,
							MarkdownDescription: "When the tenant was onboarded, as an RFC 3339 date-time in UTC " +
								"(`2025-01-15T00:00:00Z`). Null when Petra gives none.",
						},
					},
				},
			},
		},
	}
}

// Configure keeps the provider data.
func (d *tenantsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// Read lists the tenants (one Petra request per run, shared with tenant mappings).
func (d *tenantsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m tenantsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	svc := d.data.service(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || svc == nil {
		return
	}
	ctx = d.data.maskCtx(ctx)
	ts, err := svc.catalog.PetraTenants(ctx)
	if err != nil {
		reportOnce(&resp.Diagnostics, svc, nil, "Cannot list Petra tenants", err)
		return
	}
	includePaused := m.IncludePaused.IsNull() || m.IncludePaused.ValueBool()
	m.Tenants = make([]tenantsDataSourceRow, 0, len(ts))
	for _, t := range ts {
		if t.IsPaused && !includePaused {
			continue
		}
		m.Tenants = append(m.Tenants, tenantsDataSourceRow{
			ID:                types.StringValue(t.PetraTenantID),
			Name:              types.StringValue(t.Name),
			MicrosoftTenantID: nullIfEmpty(t.MicrosoftTenantID),
			IsPaused:          types.BoolValue(t.IsPaused),
			OnboardingDate:    petraOptTime(t.OnboardingDate, time.RFC3339),
		})
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// petraOptTime formats a Petra time in UTC with layout, or null when absent.
func petraOptTime(t time.Time, layout string) types.String {
	if t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(layout))
}
