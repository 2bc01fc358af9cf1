package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/catalog"
)

// usageDataSource exposes Petra's organization-wide billing snapshot as a map
// keyed by tenant ID, so any number of for_each consumers cost one request.
type usageDataSource struct {
	data *providerData
}

var _ datasource.DataSourceWithConfigure = (*usageDataSource)(nil)

// NewUsageDataSource returns the petra_usage data source.
func NewUsageDataSource() datasource.DataSource { return &usageDataSource{} }

type usageDataSourceModel struct {
	AsOf              types.String                     `tfsdk:"as_of"`
	TenantIDs         types.Set                        `tfsdk:"tenant_ids"`
	OrganizationName  types.String                     `tfsdk:"organization_name"`
	ReportGeneratedAt types.String                     `tfsdk:"report_generated_at"`
	Tenants           map[string]usageDataSourceTenant `tfsdk:"tenants"`
	Lookup            map[string]usageLookupEntry      `tfsdk:"lookup"`
}

// Values of a lookup entry's status.
const (
	usageStatusOK       = "ok"
	usageStatusPaused   = "paused"
	usageStatusNotFound = "not_found"
)

// usageLookupEntry is one requested tenant in lookup: always present, with
// a status, so that a tenant Petra does not list is a value to act on, not
// an "Invalid index" error that stops the whole run.
type usageLookupEntry struct {
	Status                       types.String  `tfsdk:"status"`
	Message                      types.String  `tfsdk:"message"`
	Name                         types.String  `tfsdk:"name"`
	BillableStatus               types.String  `tfsdk:"billable_status"`
	BillableUsersThisMonth       types.Int64   `tfsdk:"billable_users_this_month"`
	TotalLicensedUsers           types.Int64   `tfsdk:"total_licensed_users"`
	ProratingPercentageThisMonth types.Float64 `tfsdk:"prorating_percentage_this_month"`
}

type usageDataSourceTenant struct {
	Name                         types.String  `tfsdk:"name"`
	MicrosoftTenantID            types.String  `tfsdk:"microsoft_tenant_id"`
	Service                      types.String  `tfsdk:"service"`
	BillableStatus               types.String  `tfsdk:"billable_status"`
	IsPaused                     types.Bool    `tfsdk:"is_paused"`
	BillableUsersThisMonth       types.Int64   `tfsdk:"billable_users_this_month"`
	TotalLicensedUsers           types.Int64   `tfsdk:"total_licensed_users"`
	ProratingPercentageThisMonth types.Float64 `tfsdk:"prorating_percentage_this_month"`
	FirstBillableDate            types.String  `tfsdk:"first_billable_date"`
	OnboardingDate               types.String  `tfsdk:"onboarding_date"`
}

// Metadata names the data source.
func (d *usageDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_usage"
}

// Schema describes the data source.
func (d *usageDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computedString := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Petra's billing figures for every tenant of the organization, from **one** request " +
			"(`GET /v1/usage`) however many resources use them. `billable_users_this_month` is the count to push as a " +
			"billing mapping's `units` (the [billing sync guide](../guides/billing-sync) explains why, and how to leave " +
			"out Trial and NFR tenants). Needs a Petra API key.\n\n" +
			"Give the tenants your configuration bills in `tenant_ids` and read their counts from `lookup`, which " +
			"has an entry for **every** requested tenant, with a `status`: " +
			"`data.petra_usage.this.lookup[each.key].billable_users_this_month` in a `for_each` over hundreds of " +
			"tenants still costs one call, and a tenant removed from Petra yields `status = \"not_found\"` and a null " +
			"count (its billing mapping then fails alone, with a clear message) instead of an `Invalid index` error " +
			"that stops the whole run. `tenants` lists what Petra reports, keyed by Petra tenant ID.",
		Attributes: map[string]schema.Attribute{
			"as_of": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "The date the figures are for, as `YYYY-MM-DD` (UTC). Defaults to today; the " +
					"resolved date is exported. Tenants onboarded after this date are not listed.",
				Validators: []validator.String{usageDateValidator{}},
			},
			"tenant_ids": schema.SetAttribute{
				ElementType: types.StringType,
				Optional:    true,
				MarkdownDescription: "Petra tenant IDs to look up, usually the keys of the configuration's billing " +
					"map (`keys(local.billing)`). Each gets an entry in `lookup`, found or not. Unset, `lookup` has " +
					"an entry for every tenant of the report.",
				Validators: []validator.Set{setvalidator.ValueStringsAre(petraTenantIDValidator{})},
			},
			"lookup": schema.MapNestedAttribute{
				Computed: true,
				MarkdownDescription: "One entry per tenant of `tenant_ids` (every tenant of the report when " +
					"`tenant_ids` is unset), keyed by the ID as given, so indexing it with a requested tenant never fails.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"status": computedString("`ok`; `paused` (Petra bills a paused tenant 0 users); or `not_found`: " +
						"the report does not list the tenant (removed from Petra, onboarded after `as_of`, or a mistyped " +
						"ID), and the counts are null."),
					"message": computedString("What the status means for this tenant, with the fix; null when `ok`."),
					"name":    computedString("Tenant display name; null when not found."),
					"billable_status": computedString("Billing status, such as `Active`, `Trial`, `NFR` or `Deleted`; null " +
						"when not found (so a filter on it can keep such a tenant, whose mapping then fails visibly)."),
					"billable_users_this_month": schema.Int64Attribute{Computed: true,
						MarkdownDescription: "Users billed this month; null when not found, so a billing mapping fed " +
							"from it fails instead of pushing a wrong count."},
					"total_licensed_users": schema.Int64Attribute{Computed: true,
						MarkdownDescription: "Users holding any billable Microsoft licence; null when not found."},
					"prorating_percentage_this_month": schema.Float64Attribute{Computed: true,
						MarkdownDescription: "The share of this month Petra bills the tenant for, as a percentage; " +
							"null when not found."},
				}},
			},
			"organization_name":   computedString("The MSP's organization name in Petra."),
			"report_generated_at": computedString("When Petra produced the report, as an RFC 3339 date-time in UTC."),
			"tenants": schema.MapNestedAttribute{
				Computed:            true,
				MarkdownDescription: "Billing figures keyed by Petra tenant ID (the short ID, such as `ZZk90t`).",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"name":                computedString("Tenant display name."),
						"microsoft_tenant_id": computedString("Microsoft Entra tenant ID (a GUID)."),
						"service":             computedString("Petra service, such as `Monitoring` or `Autopsy`."),
						"billable_status": computedString("Billing status, such as `Active`, `Trial`, `NFR` (not " +
							"for resale) or `Deleted`. Trial and NFR tenants are not invoiced to a customer: leave " +
							"them out of billing mappings by filtering on this value."),
						"is_paused": schema.BoolAttribute{
							Computed: true, MarkdownDescription: "Whether the tenant is paused (paused tenants bill 0 users).",
						},
						"billable_users_this_month": schema.Int64Attribute{
							Computed: true,
							MarkdownDescription: "The tenant's live billable user count (users holding a paid " +
								"Microsoft licence) for the current billing cycle: **the count to push** as a billing " +
								"mapping's `units`. It is not prorated; Autotask prorates a mid-period change itself " +
								"from the adjustment's effective date, so pushing an already prorated figure would " +
								"prorate twice.",
						},
						"total_licensed_users": schema.Int64Attribute{
							Computed:            true,
							MarkdownDescription: "Users holding any billable Microsoft licence.",
						},
						"prorating_percentage_this_month": schema.Float64Attribute{
							Computed: true,
							MarkdownDescription: "The share of this month Petra bills the tenant for, as a percentage " +
								"(`100` is the whole month, `35` a tenant onboarded late in the month).",
						},
						"first_billable_date": computedString("First date the tenant is billed, as `YYYY-MM-DD`; null " +
							"when Petra gives none (for example during a trial)."),
						"onboarding_date": computedString("Date the tenant was onboarded, as `YYYY-MM-DD`."),
					},
				},
			},
		},
	}
}

// Configure keeps the provider data.
func (d *usageDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// Read fetches the snapshot (cached per date for the run).
func (d *usageDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m usageDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	svc := d.data.service(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || svc == nil {
		return
	}
	ctx = d.data.maskCtx(ctx)
	asOf := svc.run.Today().Format(time.DateOnly)
	if !m.AsOf.IsNull() && !m.AsOf.IsUnknown() {
		asOf = m.AsOf.ValueString()
	}
	u, err := svc.catalog.PetraUsage(ctx, asOf)
	if err != nil {
		reportOnce(&resp.Diagnostics, svc, nil, "Cannot read Petra usage", err)
		return
	}
	if !u.AsOf.IsZero() {
		asOf = u.AsOf.UTC().Format(time.DateOnly)
	}
	m.AsOf = types.StringValue(asOf)
	m.OrganizationName = nullIfEmpty(u.OrganizationName)
	m.ReportGeneratedAt = petraOptTime(u.ReportGeneratedAt, time.RFC3339)
	m.Tenants = make(map[string]usageDataSourceTenant, len(u.Tenants))
	for _, t := range u.Tenants {
		if _, dup := m.Tenants[t.PetraTenantID]; dup {
			resp.Diagnostics.AddError("Petra usage lists a tenant twice",
				fmt.Sprintf("Petra's usage report as of %s lists tenant %q more than once, so its figures are "+
					"ambiguous. Retry later; if it persists, report it to support@petrasecurity.com.", asOf, t.PetraTenantID))
			return
		}
		m.Tenants[t.PetraTenantID] = usageDataSourceTenant{
			Name:                         types.StringValue(t.DisplayName),
			MicrosoftTenantID:            nullIfEmpty(t.MicrosoftTenantID),
			Service:                      nullIfEmpty(t.Service),
			BillableStatus:               nullIfEmpty(t.BillableStatus),
			IsPaused:                     types.BoolValue(t.IsPaused),
			BillableUsersThisMonth:       types.Int64Value(int64(t.BillableUsersThisMonth)),
			TotalLicensedUsers:           types.Int64Value(int64(t.TotalLicensedUsers)),
			ProratingPercentageThisMonth: types.Float64Value(t.ProratingPercentageThisMonth),
			FirstBillableDate:            petraOptTime(t.FirstBillableDate, time.DateOnly),
			OnboardingDate:               petraOptTime(t.OnboardingDate, time.DateOnly),
		}
	}
	var requested []string
	if !m.TenantIDs.IsNull() && !m.TenantIDs.IsUnknown() {
		resp.Diagnostics.Append(m.TenantIDs.ElementsAs(ctx, &requested, false)...)
	} else {
		for id := range m.Tenants {
			requested = append(requested, id)
		}
	}
	m.Lookup = usageLookup(requested, m.Tenants, u.Tenants, asOf)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// usageLookup builds the lookup map: an entry for every requested ID.
func usageLookup(requested []string, byID map[string]usageDataSourceTenant, all []catalog.UsageTenant, asOf string) map[string]usageLookupEntry {
	out := make(map[string]usageLookupEntry, len(requested))
	for _, id := range requested {
		t, ok := byID[id]
		if !ok {
			msg := fmt.Sprintf("Petra's usage report as of %s does not list tenant %q: it was removed from Petra, was "+
				"onboarded after that date, or the ID is mistyped (Petra tenant IDs are the short IDs in "+
				"app.petrasecurity.com/tenant/<id>; the petra_tenants data source lists them). Its billing mapping "+
				"gets no count and fails until the ID is fixed or the mapping removed.", asOf, id)
			for _, x := range all {
				if x.MicrosoftTenantID != "" && strings.EqualFold(x.MicrosoftTenantID, id) {
					msg = fmt.Sprintf("%q is the Microsoft tenant ID of Petra tenant %q; use its Petra tenant ID %q.",
						id, x.DisplayName, x.PetraTenantID)
				}
			}
			out[id] = usageLookupEntry{
				Status: types.StringValue(usageStatusNotFound), Message: types.StringValue(msg), Name: types.StringNull(),
				BillableStatus:         types.StringNull(),
				BillableUsersThisMonth: types.Int64Null(), TotalLicensedUsers: types.Int64Null(),
				ProratingPercentageThisMonth: types.Float64Null(),
			}
			continue
		}
		e := usageLookupEntry{
			Status: types.StringValue(usageStatusOK), Message: types.StringNull(), Name: t.Name, BillableStatus: t.BillableStatus,
			BillableUsersThisMonth: t.BillableUsersThisMonth, TotalLicensedUsers: t.TotalLicensedUsers,
			ProratingPercentageThisMonth: t.ProratingPercentageThisMonth,
		}
		if t.IsPaused.ValueBool() {
			e.Status = types.StringValue(usageStatusPaused)
			e.Message = types.StringValue(fmt.Sprintf("Petra tenant %q is paused: Petra bills it 0 users until it is "+
				"resumed in Petra (Settings > Usage).", id))
		}
		out[id] = e
	}
	return out
}

// usageDateValidator accepts a calendar date written YYYY-MM-DD.
type usageDateValidator struct{}

// Description says what the validator accepts.
func (usageDateValidator) Description(context.Context) string {
	return "a date written YYYY-MM-DD"
}

// MarkdownDescription says what the validator accepts.
func (v usageDateValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

// ValidateString rejects anything but a real YYYY-MM-DD date, offline.
func (usageDateValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid date",
			fmt.Sprintf("%s is %q, which is not a date written YYYY-MM-DD. Write it like \"2026-01-31\", or leave it "+
				"unset for today.", req.Path, s))
	}
}
