package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/billing"
)

var (
	_ datasource.DataSource              = (*contractServiceUnitsDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*contractServiceUnitsDataSource)(nil)
)

// NewContractServiceUnitsDataSource returns the
// petra_autotask_contract_service_units data source.
func NewContractServiceUnitsDataSource() datasource.DataSource {
	return &contractServiceUnitsDataSource{}
}

// contractServiceUnitsDataSource reads the units in effect today on many
// contract service lines at once, named the way billing mappings name them
// (contract and service), for a preview of a billing run in the plan.
type contractServiceUnitsDataSource struct {
	data *providerData
}

type contractServiceUnitsModel struct {
	Lines   map[string]lineRefModel    `tfsdk:"lines"`
	Results map[string]lineResultModel `tfsdk:"results"`
}

type lineRefModel struct {
	ContractID  types.Int64 `tfsdk:"contract_id"`
	ServiceID   types.Int64 `tfsdk:"service_id"`
	TargetUnits types.Int64 `tfsdk:"target_units"`
}

// lineResultModel is one line's result. It is kept small on purpose: it is
// stored in state, and Terraform copies and writes the whole state for every
// resource an apply changes, so at a thousand lines each attribute here costs
// the apply time (the inputs are in lines already, the names in preview).
type lineResultModel struct {
	ContractServiceID types.Int64  `tfsdk:"contract_service_id"`
	Units             types.Int64  `tfsdk:"units"`
	Delta             types.Int64  `tfsdk:"delta"`
	Preview           types.String `tfsdk:"preview"`
	Problem           types.String `tfsdk:"problem"`
}

// Metadata names the data source.
func (d *contractServiceUnitsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_autotask_contract_service_units"
}

// Schema describes the data source.
func (d *contractServiceUnitsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computedInt := func(desc string) schema.Int64Attribute {
		return schema.Int64Attribute{Computed: true, MarkdownDescription: desc}
	}
	computedString := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the units Autotask holds today on many contract service lines at once, each named " +
			"the way a `petra_autotask_billing_mapping` names it (a contract and a service on it), and sets them " +
			"beside the units you are about to push: a **preview of a billing run** that `terraform plan` shows for new " +
			"and changed mappings alike, for example `Harbor Dental Group / Harbor Dental - Managed Services / Petra " +
			"M365 Account Protection: 118 → 121 (+3)`.\n\n" +
			"The lines come from the provider run's shared contract reads, the same ones the billing mappings' checks " +
			"use, so a preview of hundreds of mappings costs no request per line (and usually none at all).\n\n" +
			"Feed `lines` from the same values as the mappings (the locals or variables their `contract_id`, " +
			"`service_id` and `units` come from), never from the mappings' own attributes: a data source whose " +
			"arguments are not known until apply is read at apply, and the plan would show nothing. The figures are " +
			"Autotask's as the plan read them; the apply reads the units again before it pushes, so a change made in " +
			"Autotask in between is still handled exactly once.",
		Attributes: map[string]schema.Attribute{
			"lines": schema.MapNestedAttribute{
				Required: true,
				MarkdownDescription: "The lines to read, under keys of your choice (usually the tenant IDs, as in the " +
					"mappings' `for_each`).",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"contract_id": schema.Int64Attribute{
							Required:            true,
							MarkdownDescription: "Autotask ID of the Recurring Service contract, as in the billing mapping.",
							Validators: []validator.Int64{positiveIDValidator{what: "contract_id",
								hint: "the petra_autotask_contracts data source lists a company's contracts"}},
						},
						"service_id": schema.Int64Attribute{
							Required:            true,
							MarkdownDescription: "Autotask ID of the Service whose line to read, as in the billing mapping.",
							Validators: []validator.Int64{positiveIDValidator{what: "service_id",
								hint: "the petra_autotask_contracts data source lists each contract's services"}},
						},
						"target_units": schema.Int64Attribute{
							Optional: true,
							MarkdownDescription: "The units the billing mapping will push (its `units`). When set, " +
								"`delta` and `preview` show the change.",
							Validators: []validator.Int64{int64validator.Between(0, maxBillingUnits)},
						},
					},
				},
			},
			"results": schema.MapNestedAttribute{
				Computed: true,
				MarkdownDescription: "What Autotask holds for each line, under the same keys as `lines` (the contract, " +
					"service and target are in `lines`; the names in `preview`).",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"contract_service_id": computedInt("ID of the contract's line for the service (a ContractServices " +
							"id); null when the contract does not carry the service exactly once."),
						"units": computedInt("Units in effect today on the line; null when the line is not found or no " +
							"unit row covers today (never guessed as 0)."),
						"delta": computedInt("`target_units` minus `units`: what the billing mapping will push today (0 " +
							"when Autotask already holds the target); null without a target or a line, or when the " +
							"push will fail."),
						"preview": computedString("One readable line: `<company> / <contract> / <service>: <units> → " +
							"<target> (<delta>)`, `<units> (no change)` when they are equal, `<units> now` without a " +
							"target, `will fail: <reason>` when the billing mapping's checks fail (ended, inactive or " +
							"not-yet-started contract; no unit row for today), or `not found: <problem>`. A line that " +
							"will fail never previews a push."),
						"problem": computedString("Why the line cannot be read (contract not found, not a Recurring " +
							"Service contract, service not on the contract or on it twice) or why its push will fail " +
							"(the billing checks' full texts); null when it was read and its checks pass. The billing " +
							"mapping's plan fails (or warns) with the same explanation."),
					},
				},
			},
		},
	}
}

// Configure keeps the provider data.
func (d *contractServiceUnitsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// Read resolves every line from the run's shared contract reads.
func (d *contractServiceUnitsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m contractServiceUnitsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	svc := d.data.service(&resp.Diagnostics)
	if svc == nil {
		return
	}
	ctx = d.data.maskCtx(ctx)
	keys := make([]string, 0, len(m.Lines))
	for k := range m.Lines {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	refs := make([]billing.LineRef, 0, len(keys))
	for _, k := range keys {
		l := m.Lines[k]
		refs = append(refs, billing.LineRef{ContractID: l.ContractID.ValueInt64(), ServiceID: l.ServiceID.ValueInt64()})
	}
	states, err := svc.contracts.Lines(ctx, refs)
	if err != nil {
		addAPIError(&resp.Diagnostics, nil, "Cannot read contract service lines from Autotask", err)
		return
	}
	m.Results = make(map[string]lineResultModel, len(keys))
	for i, k := range keys {
		m.Results[k] = lineResult(m.Lines[k], states[refs[i]], svc.run.Today())
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// lineResult is one line's result. A line whose billing checks fail
// previews the failure, not a push that will not happen.
func lineResult(in lineRefModel, st billing.LineState, today time.Time) lineResultModel {
	r := lineResultModel{
		ContractServiceID: types.Int64Null(), Units: types.Int64Null(), Delta: types.Int64Null(), Problem: types.StringNull(),
	}
	if !st.Found {
		r.Problem = types.StringValue(st.Problem)
		r.Preview = types.StringValue("not found: " + st.Problem)
		return r
	}
	service := st.Line.ServiceName
	if service == "" {
		service = fmt.Sprintf("service %d", st.Line.ServiceID)
	}
	company := st.View.CompanyName
	if company == "" {
		company = fmt.Sprintf("company %d", st.View.Contract.CompanyID)
	}
	prefix := fmt.Sprintf("%s / %s / %s: ", company, st.View.Contract.ContractName, service)
	r.ContractServiceID = types.Int64Value(st.Line.ContractServiceID)
	units, known := st.Line.Units.At(today)
	if known {
		r.Units = types.Int64Value(int64(units))
	}
	// The same checks the billing mapping runs (its company is the
	// contract's here: the data source is not told company_id).
	probs := billing.CheckBillingTarget(today, st.View.Contract.ID, st.View.Contract.CompanyID, st.View.CompanyName,
		st.Line.ServiceID, st.Line.ServiceName, billing.Facts(st.View))
	if len(probs) == 0 && !known {
		probs = append(probs, noRowProblem(st.Line.ContractServiceID, st.View, today, false))
	}
	if len(probs) > 0 {
		details := make([]string, len(probs))
		for i, p := range probs {
			details[i] = p.Detail
		}
		r.Problem = types.StringValue(strings.Join(details, " "))
		r.Preview = types.StringValue(prefix + "will fail: " + firstSentence(probs[0].Detail))
		return r
	}
	change := fmt.Sprintf("%d now", units)
	if !in.TargetUnits.IsNull() && !in.TargetUnits.IsUnknown() {
		delta := in.TargetUnits.ValueInt64() - int64(units)
		r.Delta = types.Int64Value(delta)
		if delta == 0 {
			change = fmt.Sprintf("%d (no change)", units)
		} else {
			change = fmt.Sprintf("%d → %d (%+d)", units, in.TargetUnits.ValueInt64(), delta)
		}
	}
	r.Preview = types.StringValue(prefix + change)
	return r
}

// firstSentence is s up to its first ". " (the whole of s when it has none).
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}
