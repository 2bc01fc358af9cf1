package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// billableUnitsDataSource reads one tenant's billable-user report: the unit
// count Petra bills on this month.
type billableUnitsDataSource struct {
	data *providerData
}

var _ datasource.DataSourceWithConfigure = (*billableUnitsDataSource)(nil)

// NewBillableUnitsDataSource returns the petra_billable_units data source.
func NewBillableUnitsDataSource() datasource.DataSource { return &billableUnitsDataSource{} }

type billableUnitsDataSourceModel struct {
	TenantID                        types.String `tfsdk:"tenant_id"`
	TenantName                      types.String `tfsdk:"tenant_name"`
	MicrosoftTenantID               types.String `tfsdk:"microsoft_tenant_id"`
	ProjectedBillableUnitsThisMonth types.Int64  `tfsdk:"projected_billable_units_this_month"`
	TotalBillableUsers              types.Int64  `tfsdk:"total_billable_users"`
	ReportGeneratedAt               types.String `tfsdk:"report_generated_at"`
}

// Metadata names the data source.
func (d *billableUnitsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_billable_units"
}

// Schema describes the data source.
func (d *billableUnitsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "One tenant's billable-user report from Petra (`GET /v1/billable-users`), for " +
			"auditing a single tenant: the users billable right now and Petra's prorated projection for this month. " +
			"It is **not** the count to bill: billing mappings push `petra_usage`'s `billable_users_this_month` (see " +
			"the [billing sync guide](../guides/billing-sync)).\n\n" +
			"It costs one Petra request per tenant, and Petra allows **1 request a minute** on this route (the " +
			"provider paces itself to it): a `for_each` over 24 tenants takes about 23 minutes, over 500 tenants more " +
			"than 8 hours. At scale use `petra_usage`, which reads every tenant in one request. Needs a Petra API key.",
		Attributes: map[string]schema.Attribute{
			"tenant_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Petra tenant ID: the short ID in `app.petrasecurity.com/tenant/<id>`, such as " +
					"`ZZk90t` (the `petra_tenants` data source lists them).",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"tenant_name": schema.StringAttribute{
				Computed: true, MarkdownDescription: "Tenant display name.",
			},
			"microsoft_tenant_id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "Microsoft Entra tenant ID (a GUID).",
			},
			"projected_billable_units_this_month": schema.Int64Attribute{
				Computed: true,
				MarkdownDescription: "Petra's prorated unit count for this tenant this month (it accounts for " +
					"mid-month onboarding), the figure Petra's own invoice to you is based on; useful to reconcile " +
					"that invoice. Do not push it to Autotask: Autotask prorates mid-period changes itself, so billing " +
					"mappings push the live count, `petra_usage`'s `billable_users_this_month`. Paused tenants report " +
					"0. If Petra leaves the figure out, reading fails rather than reporting 0.",
			},
			"total_billable_users": schema.Int64Attribute{
				Computed: true,
				MarkdownDescription: "Users that are billable right now (holding a paid Microsoft licence), to " +
					"compare with `petra_usage`'s `billable_users_this_month`.",
			},
			"report_generated_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "When Petra produced the report, as an RFC 3339 date-time in UTC.",
			},
		},
	}
}

// Configure keeps the provider data.
func (d *billableUnitsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// Read fetches the tenant's report.
func (d *billableUnitsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m billableUnitsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	svc := d.data.service(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || svc == nil {
		return
	}
	ctx = d.data.maskCtx(ctx)
	id := m.TenantID.ValueString()
	b, err := svc.catalog.PetraBillableUsers(ctx, id)
	if err != nil {
		p := path.Root("tenant_id")
		reportOnce(&resp.Diagnostics, svc, &p, "Cannot read Petra billable units", err)
		return
	}
	if b.ProjectedBillableUnitsThisMonth == nil {
		resp.Diagnostics.AddAttributeError(path.Root("tenant_id"), "Petra did not report projected billable units",
			fmt.Sprintf("Petra's billable-users report for tenant %q has no projectedBillableUnitsThisMonth, the number "+
				"Petra bills on. The provider does not guess (reporting 0 would bill nothing). Check that the Petra API "+
				"URL points at Petra's v1 API (the older /beta route lacks this figure), then retry; if it persists, "+
				"contact support@petrasecurity.com.", id))
		return
	}
	m.TenantName = nullIfEmpty(b.TenantDisplayName)
	m.MicrosoftTenantID = nullIfEmpty(b.MicrosoftTenantID)
	m.ProjectedBillableUnitsThisMonth = types.Int64Value(int64(*b.ProjectedBillableUnitsThisMonth))
	m.TotalBillableUsers = types.Int64Value(int64(b.TotalBillableUsers))
	m.ReportGeneratedAt = petraOptTime(b.ReportGeneratedAt, time.RFC3339)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
