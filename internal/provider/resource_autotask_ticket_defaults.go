package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/petrasecurity/terraform-provider-petra/internal/integration"
)

func init() {
	registerResource("petra_autotask_ticket_defaults", newTicketDefaultsResource)
}

// ticketDefaultsResource is petra_autotask_ticket_defaults: the queue,
// statuses and priority Petra uses for the tickets it opens in Autotask.
type ticketDefaultsResource struct {
	data *providerData
}

var (
	_ resource.ResourceWithConfigure   = (*ticketDefaultsResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*ticketDefaultsResource)(nil)
	_ resource.ResourceWithImportState = (*ticketDefaultsResource)(nil)
)

func newTicketDefaultsResource() resource.Resource { return &ticketDefaultsResource{} }

// ticketDefaultsModel is the resource's state.
type ticketDefaultsModel struct {
	ID                  types.String `tfsdk:"id"`
	ConnectionID        types.String `tfsdk:"connection_id"`
	Queue               types.String `tfsdk:"queue"`
	CreationStatus      types.String `tfsdk:"creation_status"`
	UpdateStatus        types.String `tfsdk:"update_status"`
	Priority            types.String `tfsdk:"priority"`
	QueueID             types.Int64  `tfsdk:"queue_id"`
	QueueLabel          types.String `tfsdk:"queue_label"`
	CreationStatusID    types.Int64  `tfsdk:"creation_status_id"`
	CreationStatusLabel types.String `tfsdk:"creation_status_label"`
	UpdateStatusID      types.Int64  `tfsdk:"update_status_id"`
	UpdateStatusLabel   types.String `tfsdk:"update_status_label"`
	PriorityID          types.Int64  `tfsdk:"priority_id"`
	PriorityLabel       types.String `tfsdk:"priority_label"`
}

// ticketDefaultsSetting ties one argument to its picklist and computed
// attributes.
type ticketDefaultsSetting struct {
	attr  string
	what  string // in messages: "queue", "creation status"
	kind  integration.PicklistKind
	value func(m *ticketDefaultsModel) *types.String
	id    func(m *ticketDefaultsModel) *types.Int64
	label func(m *ticketDefaultsModel) *types.String
}

var ticketDefaultsSettings = []ticketDefaultsSetting{
	{"queue", "queue", integration.PicklistQueue,
		func(m *ticketDefaultsModel) *types.String { return &m.Queue },
		func(m *ticketDefaultsModel) *types.Int64 { return &m.QueueID },
		func(m *ticketDefaultsModel) *types.String { return &m.QueueLabel }},
	{"creation_status", "creation status", integration.PicklistStatus,
		func(m *ticketDefaultsModel) *types.String { return &m.CreationStatus },
		func(m *ticketDefaultsModel) *types.Int64 { return &m.CreationStatusID },
		func(m *ticketDefaultsModel) *types.String { return &m.CreationStatusLabel }},
	{"update_status", "update status", integration.PicklistStatus,
		func(m *ticketDefaultsModel) *types.String { return &m.UpdateStatus },
		func(m *ticketDefaultsModel) *types.Int64 { return &m.UpdateStatusID },
		func(m *ticketDefaultsModel) *types.String { return &m.UpdateStatusLabel }},
	{"priority", "priority", integration.PicklistPriority,
		func(m *ticketDefaultsModel) *types.String { return &m.Priority },
		func(m *ticketDefaultsModel) *types.Int64 { return &m.PriorityID },
		func(m *ticketDefaultsModel) *types.String { return &m.PriorityLabel }},
}

func (r *ticketDefaultsResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_autotask_ticket_defaults"
}

func (r *ticketDefaultsResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	valueForm := " Give the label as Autotask shows it (case does not matter) or its numeric id as a string " +
		"(such as `\"8\"`). It must be an active value of the Autotask ticket %s " +
		"picklist; the plan fails on this argument otherwise, listing the valid labels " +
		"(the `petra_autotask_ticket_picklists` data source lists them too)."
	idDesc := func(what string) string {
		return fmt.Sprintf("Autotask id of the %s, resolved from the argument at plan time.", what)
	}
	labelDesc := func(what string) string {
		return fmt.Sprintf("Label of the %s as Autotask spells it, resolved at plan time and refreshed from Autotask.", what)
	}
	computedID := func(what string) schema.Int64Attribute {
		return schema.Int64Attribute{Computed: true, MarkdownDescription: idDesc(what)}
	}
	computedLabel := func(what string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: labelDesc(what)}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The defaults Petra uses for the tickets it opens in Autotask: the queue, the status of a " +
			"new ticket, the status set when Petra updates a ticket, and optionally the priority. One per connection.\n\n" +
			"Every value is checked against the live Autotask ticket picklists at plan time, so a typo or a retired " +
			"value fails the plan on the argument, with the list of valid labels. Petra's public API has no route " +
			"to write these settings, so this resource records and validates the defaults: the Terraform state is the " +
			"source of truth, and nothing is changed in Autotask or Petra on apply or destroy. A value that later " +
			"becomes inactive or is removed in Autotask is reported as a warning on refresh.\n\n" +
			"Import ID: `<connection_id>/<queue_id>/<creation_status_id>/<update_status_id>[/<priority_id>]` with " +
			"numeric ids, or just `<connection_id>` (the arguments then come from configuration on the next apply). " +
			"When the configuration names the values by label, the first plan after an import by ids shows an " +
			"in-place update that only records the labels.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Same as `connection_id`: there is one set of ticket defaults per connection.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"connection_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The `id` of the `petra_autotask_connection` these defaults belong to " +
					"(`petra_autotask_connection.this.id`). It must be the provider's Autotask API user. Changing it " +
					"replaces the resource.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"queue": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The Autotask queue Petra's tickets are created in." + fmt.Sprintf(valueForm, "queue"),
			},
			"creation_status": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The status of a ticket Petra creates, such as `New`." + fmt.Sprintf(valueForm, "status"),
			},
			"update_status": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The status Petra sets when it updates one of its tickets, such as `In Progress`." +
					fmt.Sprintf(valueForm, "status"),
			},
			"priority": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The priority of the tickets Petra creates, such as `High`. When unset, Autotask's " +
					"default priority applies." + fmt.Sprintf(valueForm, "priority"),
			},
			"queue_id":              computedID("queue"),
			"queue_label":           computedLabel("queue"),
			"creation_status_id":    computedID("creation status"),
			"creation_status_label": computedLabel("creation status"),
			"update_status_id":      computedID("update status"),
			"update_status_label":   computedLabel("update status"),
			"priority_id": schema.Int64Attribute{Computed: true,
				MarkdownDescription: idDesc("priority") + " Null when `priority` is not set."},
			"priority_label": schema.StringAttribute{Computed: true,
				MarkdownDescription: labelDesc("priority") + " Null when `priority` is not set."},
		},
	}
}

func (r *ticketDefaultsResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan resolves every value against the live ticket picklists and plans
// the ids and labels, failing on the argument whose value is unknown to
// Autotask or inactive.
func (r *ticketDefaultsResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil || r.data.svc == nil {
		return
	}
	svc := r.data.svc
	ctx = r.data.maskCtx(ctx)
	var plan ticketDefaultsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	checkConnectionID(&resp.Diagnostics, svc, plan.ConnectionID)
	if !plan.ConnectionID.IsUnknown() {
		plan.ID = plan.ConnectionID
	}
	r.resolve(ctx, svc, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// resolve fills the ids and labels of m from the ticket picklists. Unknown
// arguments leave their ids and labels unknown; a null priority makes them null.
func (r *ticketDefaultsResource) resolve(ctx context.Context, svc *integration.Service, m *ticketDefaultsModel, diags *diag.Diagnostics) {
	needed := false
	for _, s := range ticketDefaultsSettings {
		v := s.value(m)
		switch {
		case v.IsUnknown():
			*s.id(m), *s.label(m) = types.Int64Unknown(), types.StringUnknown()
		case v.IsNull():
			*s.id(m), *s.label(m) = types.Int64Null(), types.StringNull()
		default:
			needed = true
		}
	}
	if !needed {
		return
	}
	picklists, err := svc.TicketPicklists(ctx)
	if err != nil {
		addAPIError(diags, nil, "Could not read the Autotask ticket picklists", err)
		return
	}
	for _, s := range ticketDefaultsSettings {
		v := s.value(m)
		if v.IsUnknown() || v.IsNull() {
			continue
		}
		id, label, err := picklists.Resolve(s.kind, v.ValueString())
		if err != nil {
			diags.AddAttributeError(path.Root(s.attr), "Invalid ticket "+s.what,
				fmt.Sprintf("%s: %s", s.attr, err.Error()))
			continue
		}
		*s.id(m), *s.label(m) = types.Int64Value(id), types.StringValue(label)
	}
}

func (r *ticketDefaultsResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.save(ctx, req.Plan, &resp.State, &resp.Diagnostics)
}

func (r *ticketDefaultsResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.save(ctx, req.Plan, &resp.State, &resp.Diagnostics)
}

// save resolves the planned values again (Create and Update alike) and
// records them.
func (r *ticketDefaultsResource) save(ctx context.Context, p tfsdk.Plan, st *tfsdk.State, diags *diag.Diagnostics) {
	var plan ticketDefaultsModel
	diags.Append(p.Get(ctx, &plan)...)
	if diags.HasError() {
		return
	}
	r.apply(ctx, &plan, diags)
	if diags.HasError() {
		return
	}
	diags.Append(st.Set(ctx, &plan)...)
}

// apply checks the connection and the values again (Autotask may have
// changed since the plan) and records them.
func (r *ticketDefaultsResource) apply(ctx context.Context, m *ticketDefaultsModel, diags *diag.Diagnostics) {
	svc := r.data.service(diags)
	if diags.HasError() {
		return
	}
	ctx = r.data.maskCtx(ctx)
	checkConnectionID(diags, svc, m.ConnectionID)
	m.ID = m.ConnectionID
	svc.Invalidate("autotask/picklists/")
	r.resolve(ctx, svc, m, diags)
}

// Read refreshes the labels by id. A value that became inactive or was
// removed in Autotask is reported as a warning (the plan then fails on the
// argument until it is changed).
func (r *ticketDefaultsResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state ticketDefaultsModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	svc := r.data.service(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx = r.data.maskCtx(ctx)
	if state.ID.IsNull() {
		state.ID = state.ConnectionID
	}
	needed := false
	for _, s := range ticketDefaultsSettings {
		needed = needed || !s.id(&state).IsNull()
	}
	if needed {
		picklists, err := svc.TicketPicklists(ctx)
		if err != nil {
			addAPIError(&resp.Diagnostics, nil, "Could not refresh the Autotask ticket picklists", err)
			return
		}
		for _, s := range ticketDefaultsSettings {
			id := s.id(&state)
			if id.IsNull() || id.IsUnknown() {
				continue
			}
			v, ok := picklists.Lookup(s.kind, id.ValueInt64())
			switch {
			case !ok:
				resp.Diagnostics.AddAttributeWarning(path.Root(s.attr), "Ticket "+s.what+" removed in Autotask",
					fmt.Sprintf("The ticket %s with id %d%s no longer exists in Autotask, so Petra cannot use it. "+
						"Choose another %s in %s (the petra_autotask_ticket_picklists data source lists them).",
						s.what, id.ValueInt64(), ticketDefaultsWas(*s.label(&state)), s.kind, s.attr))
			case !v.IsActive:
				*s.label(&state) = types.StringValue(v.Label)
				resp.Diagnostics.AddAttributeWarning(path.Root(s.attr), "Ticket "+s.what+" inactive in Autotask",
					fmt.Sprintf("The ticket %s %s is now inactive in Autotask, so new tickets cannot use it. Choose "+
						"another %s in %s, or reactivate it in Autotask.", s.what, v.String(), s.kind, s.attr))
			default:
				*s.label(&state) = types.StringValue(v.Label)
			}
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete forgets the defaults; nothing is changed in Autotask or Petra.
func (r *ticketDefaultsResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}

// ticketDefaultsImportExample is shown in import errors.
const ticketDefaultsImportExample = "petra-api@example.com/29683482/1/8/2 (connection, queue id, creation status id, " +
	"update status id, optional priority id), or just petra-api@example.com"

// ImportState accepts "<connection_id>/<queue>/<creation_status>/<update_status>[/<priority>]"
// with numeric ids, or "<connection_id>" alone.
func (r *ticketDefaultsResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts := strings.Split(strings.TrimSpace(req.ID), "/")
	conn := strings.TrimSpace(parts[0])
	if conn == "" {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("The import ID %q does not start with a connection id. Use %s.", req.ID, ticketDefaultsImportExample))
		return
	}
	if len(parts) != 1 && len(parts) != 4 && len(parts) != 5 {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("The import ID %q has %d parts separated by \"/\"; expected 1, 4 or 5. Use %s.",
				req.ID, len(parts), ticketDefaultsImportExample))
		return
	}
	if r.data != nil && r.data.svc != nil && r.data.svc.Username() != "" && conn != r.data.svc.Username() {
		resp.Diagnostics.AddError("Import ID names another connection",
			fmt.Sprintf("The import ID starts with %q, but this provider is configured for the Autotask API user %q. "+
				"Ticket defaults belong to the provider's connection; start the import ID with %q.",
				conn, r.data.svc.Username(), r.data.svc.Username()))
		return
	}
	set := func(attr string, v any) {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(attr), v)...)
	}
	set("id", conn)
	set("connection_id", conn)
	if len(parts) == 1 {
		resp.Diagnostics.AddWarning("Ticket defaults imported without values",
			"Only the connection was imported. The queue, statuses and priority come from configuration on the next "+
				"apply, which records them (nothing is changed in Autotask). To import the values too, use "+
				ticketDefaultsImportExample+".")
		return
	}
	for i, s := range ticketDefaultsSettings {
		if i+1 >= len(parts) {
			break
		}
		raw := strings.TrimSpace(parts[i+1])
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id < 0 || !ticketDefaultsDigits(raw) {
			resp.Diagnostics.AddError("Invalid import ID",
				fmt.Sprintf("Part %d of the import ID %q is %q, which is not a numeric %s id. Use %s.",
					i+2, req.ID, raw, s.what, ticketDefaultsImportExample))
			return
		}
		set(s.attr, raw)
		set(s.attr+"_id", id)
	}
}

func ticketDefaultsDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// ticketDefaultsWas renders a last known label for messages.
func ticketDefaultsWas(label types.String) string {
	if label.IsNull() || label.IsUnknown() || label.ValueString() == "" {
		return ""
	}
	return fmt.Sprintf(" (last known as %q)", label.ValueString())
}
