package provider

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSource              = (*contractsDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*contractsDataSource)(nil)
)

// NewContractsDataSource returns the petra_autotask_contracts data source.
func NewContractsDataSource() datasource.DataSource { return &contractsDataSource{} }

// contractsDataSource lists one company's Autotask contracts with their
// service lines and today's units.
type contractsDataSource struct {
	data *providerData
}

type contractsDataModel struct {
	CompanyID     types.Int64          `tfsdk:"company_id"`
	ContractTypes []types.String       `tfsdk:"contract_types"`
	Contracts     []contractEntryModel `tfsdk:"contracts"`
}

type contractEntryModel struct {
	ID        types.Int64                 `tfsdk:"id"`
	Name      types.String                `tfsdk:"name"`
	CompanyID types.Int64                 `tfsdk:"company_id"`
	Type      types.String                `tfsdk:"type"`
	TypeID    types.Int64                 `tfsdk:"type_id"`
	Status    types.String                `tfsdk:"status"`
	StartDate types.String                `tfsdk:"start_date"`
	EndDate   types.String                `tfsdk:"end_date"`
	Services  []contractServiceEntryModel `tfsdk:"services"`
}

type contractServiceEntryModel struct {
	ContractServiceID types.Int64  `tfsdk:"contract_service_id"`
	ServiceID         types.Int64  `tfsdk:"service_id"`
	ServiceName       types.String `tfsdk:"service_name"`
	Units             types.Int64  `tfsdk:"units"`
	Occurrences       types.Int64  `tfsdk:"occurrences"`
}

// Metadata names the data source.
func (d *contractsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_autotask_contracts"
}

// Schema describes the data source.
func (d *contractsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists an Autotask company's contracts with their service lines and the units in effect " +
			"today: what to pick `contract_id` and `service_id` of a `petra_autotask_billing_mapping` from. Recurring " +
			"Service contracts come from the provider run's shared contract snapshot, so reading this for many " +
			"companies costs no extra requests.",
		Attributes: map[string]schema.Attribute{
			"company_id": schema.Int64Attribute{
				Required:            true,
				MarkdownDescription: "Autotask company ID whose contracts to list.",
			},
			"contract_types": schema.ListAttribute{
				ElementType: types.StringType,
				Optional:    true,
				MarkdownDescription: "Contract types to list, as labels (`\"Recurring Service\"`, `\"Time & Materials\"`, " +
					"... compared case-insensitively) or numeric type ids (`7`). Defaults to Recurring Service only, the " +
					"only type units can be pushed to.",
			},
			"contracts": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The company's contracts of the chosen types, ordered by id, active and inactive.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":         schema.Int64Attribute{Computed: true, MarkdownDescription: "Contract ID (use it as `contract_id`)."},
						"name":       schema.StringAttribute{Computed: true, MarkdownDescription: "Contract name."},
						"company_id": schema.Int64Attribute{Computed: true, MarkdownDescription: "The contract's company ID."},
						"type": schema.StringAttribute{Computed: true, MarkdownDescription: "Contract type label, e.g. " +
							"`Recurring Service` (from Autotask's picklist; `type N` when it has no label)."},
						"type_id":    schema.Int64Attribute{Computed: true, MarkdownDescription: "Contract type id (7 is Recurring Service)."},
						"status":     schema.StringAttribute{Computed: true, MarkdownDescription: "`Active` or `Inactive`."},
						"start_date": schema.StringAttribute{Computed: true, MarkdownDescription: "Start date (`YYYY-MM-DD`, UTC)."},
						"end_date":   schema.StringAttribute{Computed: true, MarkdownDescription: "End date (`YYYY-MM-DD`, UTC)."},
						"services": schema.ListNestedAttribute{
							Computed: true,
							MarkdownDescription: "Service lines of the contract, ordered by contract service id (empty for " +
								"contracts that are not Recurring Service).",
							NestedObject: schema.NestedAttributeObject{
								Attributes: map[string]schema.Attribute{
									"contract_service_id": schema.Int64Attribute{Computed: true,
										MarkdownDescription: "ID of the line (a ContractServices id); the second half of a billing mapping's import ID."},
									"service_id": schema.Int64Attribute{Computed: true,
										MarkdownDescription: "Autotask Service ID (use it as `service_id`)."},
									"service_name": schema.StringAttribute{Computed: true, MarkdownDescription: "Service name."},
									"units": schema.Int64Attribute{Computed: true,
										MarkdownDescription: "Units in effect today (0 when no billing period covers today)."},
									"occurrences": schema.Int64Attribute{Computed: true,
										MarkdownDescription: "How many lines of this contract carry the same service. More than 1 " +
											"means a duplicate, which billing mappings refuse until it is removed in Autotask."},
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
func (d *contractsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// Read lists the contracts.
func (d *contractsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m contractsDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	svc := d.data.service(&resp.Diagnostics)
	if svc == nil {
		return
	}
	ctx = d.data.maskCtx(ctx)
	wanted, ok := resolveContractTypes(ctx, svc, m.ContractTypes, &resp.Diagnostics)
	if !ok {
		return
	}
	views, err := svc.contracts.ContractsForCompany(ctx, m.CompanyID.ValueInt64(), wanted)
	if err != nil {
		reportOnce(&resp.Diagnostics, svc, nil, "Cannot read contracts from Autotask", err)
		return
	}
	m.Contracts = make([]contractEntryModel, 0, len(views))
	for _, v := range views {
		e := contractEntryModel{
			ID:        types.Int64Value(v.Contract.ID),
			Name:      types.StringValue(v.Contract.ContractName),
			CompanyID: types.Int64Value(v.Contract.CompanyID),
			Type:      types.StringValue(v.TypeLabel),
			TypeID:    types.Int64Value(int64(v.Contract.ContractType)),
			Status:    types.StringValue(v.StatusLabel()),
			StartDate: billingDate(v.Contract.StartDate),
			EndDate:   billingDate(v.Contract.EndDate),
			Services:  make([]contractServiceEntryModel, 0, len(v.Lines)),
		}
		for _, l := range v.Lines {
			e.Services = append(e.Services, contractServiceEntryModel{
				ContractServiceID: types.Int64Value(l.ContractServiceID),
				ServiceID:         types.Int64Value(l.ServiceID),
				ServiceName:       nullIfEmpty(l.ServiceName),
				Units:             types.Int64Value(int64(l.UnitsToday)),
				Occurrences:       types.Int64Value(int64(v.Occurrences[l.ServiceID])),
			})
		}
		m.Contracts = append(m.Contracts, e)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// resolveContractTypes turns labels or ids into contract type ids, checking
// them against Autotask's contractType picklist. nil input means the default
// (Recurring Service only).
func resolveContractTypes(ctx context.Context, svc *services, in []types.String, diags *diag.Diagnostics) ([]int, bool) {
	if len(in) == 0 {
		return nil, true
	}
	picklist, err := svc.catalog.ContractTypePicklist(ctx)
	if err != nil {
		p := path.Root("contract_types")
		addAPIError(diags, &p, "Cannot read the Autotask contract types", err)
		return nil, false
	}
	var known []string
	for id, label := range picklist {
		known = append(known, fmt.Sprintf("%q (%d)", label, id))
	}
	sort.Strings(known)
	var out []int
	for i, v := range in {
		if v.IsNull() || v.IsUnknown() {
			continue
		}
		raw := strings.TrimSpace(v.ValueString())
		id, found := -1, false
		if n, err := strconv.Atoi(raw); err == nil {
			id = n
			_, found = picklist[n]
		} else {
			for n, label := range picklist {
				if strings.EqualFold(strings.TrimSpace(label), raw) {
					id, found = n, true
					break
				}
			}
		}
		if !found {
			diags.AddAttributeError(path.Root("contract_types").AtListIndex(i), "Unknown contract type",
				fmt.Sprintf("Autotask has no contract type %q. Use one of the labels or ids Autotask lists: %s.",
					raw, strings.Join(known, ", ")))
			continue
		}
		out = append(out, id)
	}
	return out, !diags.HasError()
}
