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
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/access"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/catalog"
)

// ticketDefaultsResource is petra_autotask_ticket_defaults: the queue,
// statuses and priority Petra uses for the tickets it opens in Autotask.
type ticketDefaultsResource struct {
	data *providerData
}

var (
	_ resource.ResourceWithConfigure    = (*ticketDefaultsResource)(nil)
	_ resource.ResourceWithModifyPlan   = (*ticketDefaultsResource)(nil)
	_ resource.ResourceWithImportState  = (*ticketDefaultsResource)(nil)
	_ resource.ResourceWithUpgradeState = (*ticketDefaultsResource)(nil)
)

// NewTicketDefaultsResource returns the petra_autotask_ticket_defaults resource.
func NewTicketDefaultsResource() resource.Resource { return &ticketDefaultsResource{} }

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
	kind  catalog.PicklistKind
	value func(m *ticketDefaultsModel) *types.String
	id    func(m *ticketDefaultsModel) *types.Int64
	label func(m *ticketDefaultsModel) *types.String
}

var ticketDefaultsSettings = []ticketDefaultsSetting{
	{"queue", "queue", catalog.PicklistQueue,
		func(m *ticketDefaultsModel) *types.String { return &m.Queue },
		func(m *ticketDefaultsModel) *types.Int64 { return &m.QueueID },
		func(m *ticketDefaultsModel) *types.String { return &m.QueueLabel }},
	{"creation_status", "creation status", catalog.PicklistStatus,
		func(m *ticketDefaultsModel) *types.String { return &m.CreationStatus },
		func(m *ticketDefaultsModel) *types.Int64 { return &m.CreationStatusID },
		func(m *ticketDefaultsModel) *types.String { return &m.CreationStatusLabel }},
	{"update_status", "update status", catalog.PicklistStatus,
		func(m *ticketDefaultsModel) *types.String { return &m.UpdateStatus },
		func(m *ticketDefaultsModel) *types.Int64 { return &m.UpdateStatusID },
		func(m *ticketDefaultsModel) *types.String { return &m.UpdateStatusLabel }},
	{"priority", "priority", catalog.PicklistPriority,
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
	// Planned values (DESIGN.md, "Planned values"): an id is known in the
	// plan when the argument is the numeric id itself or is unchanged since
	// the last apply (then the refreshed id and label are kept); a label is
	// known only when the argument is unchanged. Otherwise both are resolved
	// at apply, so a picklist edited between plan and apply can never make
	// the apply disagree with the plan. The plan still checks every value.
	idDesc := func(what string) string {
		return fmt.Sprintf("Autotask id of the %s, resolved from the argument at apply (known in the plan when the "+
			"argument is the numeric id or is unchanged).", what)
	}
	labelDesc := func(what string) string {
		return fmt.Sprintf("Label of the %s as Autotask spells it, resolved at apply and refreshed from Autotask "+
			"(known in the plan when the argument is unchanged).", what)
	}
	computedID := func(what string) schema.Int64Attribute {
		return schema.Int64Attribute{Computed: true, MarkdownDescription: idDesc(what)}
	}
	computedLabel := func(what string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: labelDesc(what)}
	}
	valueValidators := []validator.String{picklistArgumentValidator{}}
	resp.Schema = schema.Schema{
		Version: 1,
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
			},
			"connection_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The `id` of the `petra_autotask_connection` these defaults belong to " +
					"(`petra_autotask_connection.this.id`): the Autotask database the provider is connected to.",
			},
			"queue": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The Autotask queue Petra's tickets are created in." + fmt.Sprintf(valueForm, "queue"),
				Validators:          valueValidators,
			},
			"creation_status": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The status of a ticket Petra creates, such as `New`." + fmt.Sprintf(valueForm, "status"),
				Validators:          valueValidators,
			},
			"update_status": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The status Petra sets when it updates one of its tickets, such as `In Progress`." +
					fmt.Sprintf(valueForm, "status"),
				Validators: valueValidators,
			},
			"priority": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The priority of the tickets Petra creates, such as `High`. When unset, Autotask's " +
					"default priority applies." + fmt.Sprintf(valueForm, "priority"),
				Validators: valueValidators,
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

// ModifyPlan plans the ids and labels from configuration and state
// (ticketDefaultsPlanFromKnown), then checks every value against the live
// ticket picklists, failing on the argument whose value is unknown to
// Autotask or inactive. The check only reports: it plans nothing.
func (r *ticketDefaultsResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan ticketDefaultsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	var prior *ticketDefaultsModel
	if !req.State.Raw.IsNull() {
		prior = &ticketDefaultsModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, prior)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	ticketDefaultsPlanFromKnown(&plan, prior)
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	if r.data == nil || r.data.svc == nil || resp.Diagnostics.HasError() {
		return
	}
	svc := r.data.svc
	ctx = r.data.maskCtx(ctx)
	var priorConn types.String
	if prior != nil {
		priorConn = prior.ConnectionID
	}
	checkConnectionID(ctx, &resp.Diagnostics, svc, plan.ConnectionID, priorConn, true)
	check := plan
	r.resolve(ctx, svc, &check, true, &resp.Diagnostics)
}

// ticketDefaultsPlanFromKnown plans id from connection_id and each setting's
// id and label: from state when the argument is unchanged, the id from the
// argument when it is a numeric id, null for an unset priority, and unknown
// otherwise (resolved at apply).
func ticketDefaultsPlanFromKnown(plan, prior *ticketDefaultsModel) {
	plan.ID = plan.ConnectionID
	for _, s := range ticketDefaultsSettings {
		v := s.value(plan)
		switch {
		case v.IsNull():
			*s.id(plan), *s.label(plan) = types.Int64Null(), types.StringNull()
		case !v.IsUnknown() && prior != nil && v.Equal(*s.value(prior)) && !s.id(prior).IsNull():
			*s.id(plan), *s.label(plan) = *s.id(prior), *s.label(prior)
		default:
			*s.id(plan), *s.label(plan) = types.Int64Unknown(), types.StringUnknown()
			if n, ok := ticketDefaultsNumeric(v); ok {
				*s.id(plan) = types.Int64Value(n)
			}
		}
	}
}

// ticketDefaultsNumeric reads an argument given as a numeric id.
func ticketDefaultsNumeric(v *types.String) (int64, bool) {
	if v.IsNull() || v.IsUnknown() {
		return 0, false
	}
	raw := strings.TrimSpace(v.ValueString())
	if !ticketDefaultsDigits(raw) {
		return 0, false
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	return n, err == nil
}

// resolve checks every known argument of m against the ticket picklists and
// fills the ids and labels that are unknown. planning skips a picklist read
// failure this run already reported.
func (r *ticketDefaultsResource) resolve(ctx context.Context, svc *services, m *ticketDefaultsModel, planning bool, diags *diag.Diagnostics) {
	needed := false
	for _, s := range ticketDefaultsSettings {
		needed = needed || (!s.value(m).IsUnknown() && !s.value(m).IsNull())
	}
	if !needed {
		return
	}
	picklists, err := svc.catalog.TicketPicklists(ctx)
	if err != nil {
		if !planning || svc.run.FirstReport(err) {
			addAPIError(diags, nil, "Could not read the Autotask ticket picklists", err)
		}
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
		fillUnknownInt64(s.id(m), types.Int64Value(id))
		fillUnknownString(s.label(m), types.StringValue(label))
	}
}

func (r *ticketDefaultsResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.save(ctx, req.Plan, types.StringNull(), &resp.State, &resp.Diagnostics)
}

func (r *ticketDefaultsResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var prior ticketDefaultsModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.save(ctx, req.Plan, prior.ConnectionID, &resp.State, &resp.Diagnostics)
}

// save checks the connection and the values again (Autotask may have
// changed since the plan; Terraform re-planned moments ago, in this run, so
// the picklists read then are current) and records the plan, with the ids
// and labels it left unknown resolved (Create and Update alike).
func (r *ticketDefaultsResource) save(ctx context.Context, p tfsdk.Plan, priorConn types.String, st *tfsdk.State, diags *diag.Diagnostics) {
	var plan ticketDefaultsModel
	diags.Append(p.Get(ctx, &plan)...)
	if diags.HasError() {
		return
	}
	svc := r.data.service(diags)
	if diags.HasError() {
		return
	}
	ctx = r.data.maskCtx(ctx)
	checkConnectionID(ctx, diags, svc, plan.ConnectionID, priorConn, false)
	plan.ID = plan.ConnectionID
	r.resolve(ctx, svc, &plan, false, diags)
	if diags.HasError() {
		return
	}
	diags.Append(st.Set(ctx, &plan)...)
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
	state.ConnectionID = refreshConnectionID(ctx, svc, state.ConnectionID)
	state.ID = state.ConnectionID
	needed := false
	for _, s := range ticketDefaultsSettings {
		needed = needed || !s.id(&state).IsNull()
	}
	if needed {
		picklists, err := svc.catalog.TicketPicklists(ctx)
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
const ticketDefaultsImportExample = "900001/29683482/1/8/2 (connection id, queue id, creation status id, " +
	"update status id, optional priority id), or just 900001"

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
	if _, isDB := access.ParseConnectionID(conn); !isDB &&
		r.data != nil && r.data.svc != nil && r.data.svc.run.Username() != "" && conn != r.data.svc.run.Username() {
		resp.Diagnostics.AddError("Import ID names another connection",
			fmt.Sprintf("The import ID starts with %q, but this provider is configured for the Autotask API user %q. "+
				"Ticket defaults belong to the provider's connection; start the import ID with the connection's id (the "+
				"Autotask database id) or with %q.",
				conn, r.data.svc.run.Username(), r.data.svc.run.Username()))
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

// UpgradeState upgrades a state written by version 0, whose connection_id
// and id were the API username: the attributes are unchanged, and the next
// refresh records the database id (refreshConnectionID).
func (r *ticketDefaultsResource) UpgradeState(ctx context.Context) map[int64]resource.StateUpgrader {
	var resp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &resp)
	v0 := resp.Schema
	v0.Version = 0
	return map[int64]resource.StateUpgrader{0: {
		PriorSchema: &v0,
		StateUpgrader: func(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
			var m ticketDefaultsModel
			resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
			resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
		},
	}}
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
