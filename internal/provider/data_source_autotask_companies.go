package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/catalog"
)

// companiesDataSource lists Autotask companies, filtered locally from the one
// bulk read per run that tenant mappings share.
type companiesDataSource struct {
	data *providerData
}

var (
	_ datasource.DataSourceWithConfigure      = (*companiesDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*companiesDataSource)(nil)
)

// NewCompaniesDataSource returns the petra_autotask_companies data source.
func NewCompaniesDataSource() datasource.DataSource { return &companiesDataSource{} }

type companiesDataSourceModel struct {
	NameContains types.String             `tfsdk:"name_contains"`
	IsActive     types.Bool               `tfsdk:"is_active"`
	CompanyType  types.String             `tfsdk:"company_type"`
	Companies    []companiesDataSourceRow `tfsdk:"companies"`
}

type companiesDataSourceRow struct {
	ID       types.Int64  `tfsdk:"id"`
	Name     types.String `tfsdk:"name"`
	Type     types.String `tfsdk:"type"`
	TypeID   types.Int64  `tfsdk:"type_id"`
	IsActive types.Bool   `tfsdk:"is_active"`
}

// Metadata names the data source.
func (d *companiesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_autotask_companies"
}

// Schema describes the data source.
func (d *companiesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the Autotask companies the API user can see, with optional filters. All " +
			"companies are read once per Terraform run (500 per request) and shared with every " +
			"`petra_autotask_tenant_mapping`, so several of these data sources cost no extra requests.",
		Attributes: map[string]schema.Attribute{
			"name_contains": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Keep only companies whose name contains this text, ignoring case.",
			},
			"is_active": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "Keep only active (`true`) or only inactive (`false`) companies. Unset: both.",
			},
			"company_type": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Keep only companies of this type: a label (`Customer`, `Lead`, `Prospect`, " +
					"`Dead`, `Cancellation`, `Vendor`, `Partner`; any case) or the numeric type id as a string " +
					"(`\"1\"` is Customer).",
			},
			"companies": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The matching companies, ordered by id.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id": schema.Int64Attribute{
							Computed: true, MarkdownDescription: "Autotask company id (use it as `company_id`).",
						},
						"name": schema.StringAttribute{Computed: true, MarkdownDescription: "Company name."},
						"type": schema.StringAttribute{
							Computed: true, MarkdownDescription: "Company type label, such as `Customer` or `Prospect`.",
						},
						"type_id": schema.Int64Attribute{
							Computed: true, MarkdownDescription: "Numeric company type (1 Customer, 3 Prospect, 7 Vendor, ...).",
						},
						"is_active": schema.BoolAttribute{
							Computed: true, MarkdownDescription: "Whether the company is active in Autotask.",
						},
					},
				},
			},
		},
	}
}

// Configure keeps the provider data.
func (d *companiesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig checks company_type offline, so a typo fails `terraform validate`.
func (d *companiesDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var ct types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("company_type"), &ct)...)
	if ct.IsNull() || ct.IsUnknown() {
		return
	}
	if _, err := catalog.ParseCompanyType(ct.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("company_type"), "Invalid company_type", err.Error())
	}
}

// Read lists and filters the companies.
func (d *companiesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m companiesDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	svc := d.data.service(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || svc == nil {
		return
	}
	ctx = d.data.maskCtx(ctx)
	var f catalog.CompanyFilter
	if !m.NameContains.IsNull() {
		f.NameContains = m.NameContains.ValueString()
	}
	if !m.IsActive.IsNull() {
		v := m.IsActive.ValueBool()
		f.Active = &v
	}
	if !m.CompanyType.IsNull() {
		t, err := catalog.ParseCompanyType(m.CompanyType.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("company_type"), "Invalid company_type", err.Error())
			return
		}
		f.Type = &t
	}
	all, err := svc.catalog.Companies(ctx)
	if err != nil {
		reportOnce(&resp.Diagnostics, svc, nil, "Cannot list Autotask companies", err)
		return
	}
	rows := catalog.FilterCompanies(all, f)
	m.Companies = make([]companiesDataSourceRow, 0, len(rows))
	for _, c := range rows {
		m.Companies = append(m.Companies, companiesDataSourceRow{
			ID:       types.Int64Value(c.ID),
			Name:     types.StringValue(c.CompanyName),
			Type:     types.StringValue(catalog.CompanyTypeLabel(c.CompanyType)),
			TypeID:   types.Int64Value(int64(c.CompanyType)),
			IsActive: types.BoolValue(c.IsActive),
		})
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
