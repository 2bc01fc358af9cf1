package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/petrasecurity/terraform-provider-petra/internal/integration/catalog"
	"github.com/petrasecurity/terraform-provider-petra/internal/namematch"
)

// companyMatchesDataSource suggests, for Petra tenants, the Autotask
// companies whose names match theirs (internal/namematch), from the run's
// one Petra tenant list and one bulk company read.
type companyMatchesDataSource struct {
	data *providerData
}

var _ datasource.DataSourceWithConfigure = (*companyMatchesDataSource)(nil)

// NewCompanyMatchesDataSource returns the petra_autotask_company_matches data source.
func NewCompanyMatchesDataSource() datasource.DataSource { return &companyMatchesDataSource{} }

// defaultMaxCandidates is how many candidates a tenant lists by default.
const defaultMaxCandidates = 3

type companyMatchesModel struct {
	TenantIDs       types.List          `tfsdk:"tenant_ids"`
	MappedTenantIDs types.Set           `tfsdk:"mapped_tenant_ids"`
	MaxCandidates   types.Int64         `tfsdk:"max_candidates"`
	Matches         []companyMatchesRow `tfsdk:"matches"`
}

type companyMatchesRow struct {
	TenantID    types.String             `tfsdk:"tenant_id"`
	TenantName  types.String             `tfsdk:"tenant_name"`
	Mapped      types.Bool               `tfsdk:"mapped"`
	Confidence  types.String             `tfsdk:"confidence"`
	CompanyID   types.Int64              `tfsdk:"company_id"`
	CompanyName types.String             `tfsdk:"company_name"`
	Score       types.Int64              `tfsdk:"score"`
	Reason      types.String             `tfsdk:"reason"`
	Note        types.String             `tfsdk:"note"`
	Candidates  []companyMatchCandidates `tfsdk:"candidates"`
}

type companyMatchCandidates struct {
	CompanyID   types.Int64  `tfsdk:"company_id"`
	CompanyName types.String `tfsdk:"company_name"`
	Score       types.Int64  `tfsdk:"score"`
	Reason      types.String `tfsdk:"reason"`
}

// Metadata names the data source.
func (d *companyMatchesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_autotask_company_matches"
}

// Schema describes the data source.
func (d *companyMatchesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Suggests, for each Petra tenant, the active Autotask companies whose names match the " +
			"tenant's, with a score and the reason, to start the tenant → company mappings of many tenants from (see " +
			"the \"Onboarding tenants at scale\" guide). Names are compared word by word, ignoring case, accents, " +
			"punctuation, `&`/`and` and legal suffixes at the end (Inc, LLC, Ltd, GmbH, Pty, Corp, Co and the like), " +
			"with common abbreviations (Intl, Mfg, Assoc, Svcs, Mgmt, ...) expanded and a typo of one letter " +
			"tolerated. The result is deterministic: the same names always give the same suggestions.\n\n" +
			"Each tenant gets a `confidence`:\n\n" +
			"* `exact`: one company has the same name (ignoring case, accents, punctuation and `&`/`and`);\n" +
			"* `high` (score 85 to 98): one company clearly matches: the same words after removing legal suffixes " +
			"(96) or expanding abbreviations (93), or one word with a typo (88);\n" +
			"* `low` (score 40 to 84): the best company shares only part of the name, or one name is the other's " +
			"initials (80): review it;\n" +
			"* `ambiguous`: two or more companies score within 5 points of each other (often duplicate companies " +
			"in Autotask): no company is suggested, `candidates` lists them;\n" +
			"* `none`: no company scores 40 or more.\n\n" +
			"Reads Petra's tenant list and every Autotask company once per run (500 companies a request), shared " +
			"with the tenant mappings and `petra_autotask_companies`: no request is made per tenant. Needs a Petra " +
			"API key. Nothing is written.",
		Attributes: map[string]schema.Attribute{
			"tenant_ids": schema.ListAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "The Petra tenant IDs to suggest companies for, in this order. Unset: every tenant " +
					"Petra lists (paused included), in Petra's order (by name). A tenant ID Petra does not know fails " +
					"the read.",
				Validators: []validator.List{listvalidator.ValueStringsAre(petraTenantIDValidator{})},
			},
			"mapped_tenant_ids": schema.SetAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "The tenants already mapped, so that `mapped` tells which suggestions are new: " +
					"for example `[for m in petra_autotask_tenant_mapping.tenant : m.tenant_id]`, or the keys of " +
					"your reviewed mapping. The suggestions do not depend on it.",
				Validators: []validator.Set{setvalidator.ValueStringsAre(petraTenantIDValidator{})},
			},
			"max_candidates": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("How many candidates each tenant lists at most, best first (1 to 20, "+
					"default %d). An ambiguous tenant lists every company tied with the best, even beyond it.", defaultMaxCandidates),
				Validators: []validator.Int64{int64validator.Between(1, 20)},
			},
			"matches": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "One entry per tenant, in the order of `tenant_ids` (or Petra's).",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"tenant_id":   schema.StringAttribute{Computed: true, MarkdownDescription: "Petra tenant ID."},
						"tenant_name": schema.StringAttribute{Computed: true, MarkdownDescription: "Petra tenant name."},
						"mapped": schema.BoolAttribute{
							Computed: true, MarkdownDescription: "Whether the tenant is in `mapped_tenant_ids`.",
						},
						"confidence": schema.StringAttribute{
							Computed: true, MarkdownDescription: "`exact`, `high`, `low`, `ambiguous` or `none` (above).",
						},
						"company_id": schema.Int64Attribute{
							Computed: true,
							MarkdownDescription: "The suggested company (the best candidate); null when the confidence is " +
								"`ambiguous` or `none`.",
						},
						"company_name": schema.StringAttribute{
							Computed: true, MarkdownDescription: "Name of the suggested company; null with `company_id`.",
						},
						"score": schema.Int64Attribute{
							Computed:            true,
							MarkdownDescription: "Score of the suggested company (0 to 100); null with `company_id`.",
						},
						"reason": schema.StringAttribute{
							Computed: true,
							MarkdownDescription: "Why the suggested company matches, for example `same words after removing " +
								"legal suffixes (Inc)`; null with `company_id`.",
						},
						"note": schema.StringAttribute{
							Computed: true,
							MarkdownDescription: "The confidence explained in a sentence, naming the tied companies of " +
								"an ambiguous tenant.",
						},
						"candidates": schema.ListNestedAttribute{
							Computed: true,
							MarkdownDescription: "The plausible companies (score 40 or more), best first; ties by name, " +
								"then id.",
							NestedObject: schema.NestedAttributeObject{
								Attributes: map[string]schema.Attribute{
									"company_id":   schema.Int64Attribute{Computed: true, MarkdownDescription: "Autotask company ID."},
									"company_name": schema.StringAttribute{Computed: true, MarkdownDescription: "Company name."},
									"score":        schema.Int64Attribute{Computed: true, MarkdownDescription: "Score, 0 to 100."},
									"reason":       schema.StringAttribute{Computed: true, MarkdownDescription: "Why it matches."},
								},
							},
						},
					},
				},
			},
		},
	}
}

// Configure keeps the provider data.
func (d *companyMatchesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// Read suggests the companies.
func (d *companyMatchesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m companyMatchesModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	svc := d.data.service(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || svc == nil {
		return
	}
	ctx = d.data.maskCtx(ctx)
	var wanted, mapped []string
	if !m.TenantIDs.IsNull() {
		resp.Diagnostics.Append(m.TenantIDs.ElementsAs(ctx, &wanted, false)...)
	}
	if !m.MappedTenantIDs.IsNull() {
		resp.Diagnostics.Append(m.MappedTenantIDs.ElementsAs(ctx, &mapped, false)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	limit := defaultMaxCandidates
	if !m.MaxCandidates.IsNull() {
		limit = int(m.MaxCandidates.ValueInt64())
	}

	all, err := svc.catalog.PetraTenants(ctx)
	if err != nil {
		reportOnce(&resp.Diagnostics, svc, nil, "Cannot list Petra tenants", err)
		return
	}
	tenants, ok := selectTenants(all, wanted, &resp.Diagnostics)
	if !ok {
		return
	}
	companies, err := svc.catalog.Companies(ctx)
	if err != nil {
		reportOnce(&resp.Diagnostics, svc, nil, "Cannot list Autotask companies", err)
		return
	}
	active := true
	var candidates []namematch.Company
	for _, c := range catalog.FilterCompanies(companies, catalog.CompanyFilter{Active: &active}) {
		candidates = append(candidates, namematch.Company{ID: c.ID, Name: c.CompanyName})
	}
	isMapped := map[string]bool{}
	for _, id := range mapped {
		isMapped[id] = true
	}
	ix := namematch.NewIndex(candidates)
	m.Matches = make([]companyMatchesRow, 0, len(tenants))
	for _, t := range tenants {
		m.Matches = append(m.Matches, companyMatchRow(t, ix.Suggest(t.Name, limit), isMapped[t.PetraTenantID]))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// selectTenants returns the tenants named by ids, in that order, or all of
// them when ids is empty; an unknown id is an error on tenant_ids.
func selectTenants(all []catalog.Tenant, ids []string, diags interface {
	AddAttributeError(path.Path, string, string)
}) ([]catalog.Tenant, bool) {
	if len(ids) == 0 {
		return all, true
	}
	byID := map[string]catalog.Tenant{}
	for _, t := range all {
		byID[t.PetraTenantID] = t
	}
	out := make([]catalog.Tenant, 0, len(ids))
	ok := true
	for i, id := range ids {
		t, found := byID[id]
		if !found {
			diags.AddAttributeError(path.Root("tenant_ids").AtListIndex(i), "Petra tenant not found",
				catalog.UnknownTenantError(id, all).Error())
			ok = false
			continue
		}
		out = append(out, t)
	}
	return out, ok
}

func companyMatchRow(t catalog.Tenant, s namematch.Suggestion, mapped bool) companyMatchesRow {
	row := companyMatchesRow{
		TenantID: types.StringValue(t.PetraTenantID), TenantName: types.StringValue(t.Name),
		Mapped: types.BoolValue(mapped), Confidence: types.StringValue(s.Confidence), Note: types.StringValue(s.Note),
		CompanyID: types.Int64Null(), CompanyName: types.StringNull(), Score: types.Int64Null(), Reason: types.StringNull(),
		Candidates: make([]companyMatchCandidates, 0, len(s.Candidates)),
	}
	if s.Best != nil {
		row.CompanyID = types.Int64Value(s.Best.ID)
		row.CompanyName = types.StringValue(s.Best.Name)
		row.Score = types.Int64Value(int64(s.Best.Value))
		row.Reason = types.StringValue(s.Best.Reason)
	}
	for _, c := range s.Candidates {
		row.Candidates = append(row.Candidates, companyMatchCandidates{
			CompanyID: types.Int64Value(c.ID), CompanyName: types.StringValue(c.Name),
			Score: types.Int64Value(int64(c.Value)), Reason: types.StringValue(c.Reason),
		})
	}
	return row
}
