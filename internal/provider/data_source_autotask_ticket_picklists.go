package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/catalog"
)

// ticketPicklistsDataSource is petra_autotask_ticket_picklists: the Autotask
// ticket queues, statuses and priorities that ticket defaults choose from.
type ticketPicklistsDataSource struct {
	data *providerData
}

var _ datasource.DataSourceWithConfigure = (*ticketPicklistsDataSource)(nil)

// NewTicketPicklistsDataSource returns the petra_autotask_ticket_picklists data source.
func NewTicketPicklistsDataSource() datasource.DataSource { return &ticketPicklistsDataSource{} }

type ticketPicklistsModel struct {
	IncludeInactive types.Bool `tfsdk:"include_inactive"`
	Queues          types.List `tfsdk:"queues"`
	Statuses        types.List `tfsdk:"statuses"`
	Priorities      types.List `tfsdk:"priorities"`
}

// ticketPicklistValueType is one element of queues, statuses and priorities.
var ticketPicklistValueType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"id":         types.Int64Type,
	"label":      types.StringType,
	"is_active":  types.BoolType,
	"is_default": types.BoolType,
	"is_system":  types.BoolType,
	"sort_order": types.Int64Type,
}}

func (d *ticketPicklistsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_autotask_ticket_picklists"
}

func (d *ticketPicklistsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	values := func(what string) schema.ListNestedAttribute {
		return schema.ListNestedAttribute{
			Computed: true,
			MarkdownDescription: "The Autotask ticket " + what + ", in Autotask's sort order. Any `label` or `id` " +
				"(as a string) of an active value can be used in `petra_autotask_ticket_defaults`.",
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"id":    schema.Int64Attribute{Computed: true, MarkdownDescription: "The value's numeric Autotask id."},
				"label": schema.StringAttribute{Computed: true, MarkdownDescription: "The label Autotask shows."},
				"is_active": schema.BoolAttribute{Computed: true,
					MarkdownDescription: "Whether new tickets may use the value."},
				"is_default": schema.BoolAttribute{Computed: true,
					MarkdownDescription: "Whether Autotask preselects the value for new tickets."},
				"is_system": schema.BoolAttribute{Computed: true,
					MarkdownDescription: "Whether the value is built into Autotask (it cannot be deleted)."},
				"sort_order": schema.Int64Attribute{Computed: true,
					MarkdownDescription: "Position of the value in Autotask's lists."},
			}},
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the Autotask ticket queues, statuses and priorities, read from Autotask's Tickets " +
			"field metadata. Use it to find the values for `petra_autotask_ticket_defaults`.",
		Attributes: map[string]schema.Attribute{
			"include_inactive": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Also list inactive (retired) values. Defaults to `false`: only values tickets " +
					"can use are listed.",
			},
			"queues":     values("queues"),
			"statuses":   values("statuses"),
			"priorities": values("priorities"),
		},
	}
}

func (d *ticketPicklistsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *ticketPicklistsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m ticketPicklistsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	svc := d.data.service(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx = d.data.maskCtx(ctx)
	p, err := svc.catalog.TicketPicklists(ctx)
	if err != nil {
		reportOnce(&resp.Diagnostics, svc, nil, "Could not read the Autotask ticket picklists", err)
		return
	}
	all := m.IncludeInactive.ValueBool()
	m.Queues = ticketPicklistList(p.Queues, all)
	m.Statuses = ticketPicklistList(p.Statuses, all)
	m.Priorities = ticketPicklistList(p.Priorities, all)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// ticketPicklistList renders values, leaving out inactive ones unless all.
func ticketPicklistList(values []catalog.PicklistValue, all bool) types.List {
	elems := make([]attr.Value, 0, len(values))
	for _, v := range values {
		if !v.IsActive && !all {
			continue
		}
		elems = append(elems, types.ObjectValueMust(ticketPicklistValueType.AttrTypes, map[string]attr.Value{
			"id":         types.Int64Value(v.ID),
			"label":      types.StringValue(v.Label),
			"is_active":  types.BoolValue(v.IsActive),
			"is_default": types.BoolValue(v.IsDefault),
			"is_system":  types.BoolValue(v.IsSystem),
			"sort_order": types.Int64Value(int64(v.SortOrder)),
		}))
	}
	return types.ListValueMust(ticketPicklistValueType, elems)
}
