package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/billing"
)

// maxBillingUnits is the largest unit count a billing mapping accepts.
const maxBillingUnits = 1_000_000

var (
	_ resource.Resource                 = (*billingMappingResource)(nil)
	_ resource.ResourceWithConfigure    = (*billingMappingResource)(nil)
	_ resource.ResourceWithModifyPlan   = (*billingMappingResource)(nil)
	_ resource.ResourceWithImportState  = (*billingMappingResource)(nil)
	_ resource.ResourceWithUpgradeState = (*billingMappingResource)(nil)
	_ validator.Number                  = unitsValidator{}
	_ validator.Int64                   = positiveIDValidator{}
)

// Values of on_destroy.
const (
	// OnDestroyKeep leaves the line's units as they are when the mapping is
	// destroyed or replaced (the default); plans warn about it.
	OnDestroyKeep = "keep"
	// OnDestroyZero pushes the line to 0 units when the mapping is
	// destroyed or replaced, exactly once, like any push.
	OnDestroyZero = "zero"
)

// NewBillingMappingResource returns the petra_autotask_billing_mapping resource.
func NewBillingMappingResource() resource.Resource { return &billingMappingResource{} }

// billingMappingResource pushes one Petra tenant's unit count to one service
// line of an Autotask Recurring Service contract.
type billingMappingResource struct {
	data *providerData
}

// billingMappingModel is the resource's state and plan.
type billingMappingModel struct {
	ID                types.String `tfsdk:"id"`
	Name              types.String `tfsdk:"name"`
	ConnectionID      types.String `tfsdk:"connection_id"`
	TenantID          types.String `tfsdk:"tenant_id"`
	CompanyID         types.Int64  `tfsdk:"company_id"`
	ContractID        types.Int64  `tfsdk:"contract_id"`
	ServiceID         types.Int64  `tfsdk:"service_id"`
	Units             types.Number `tfsdk:"units"`
	OnDestroy         types.String `tfsdk:"on_destroy"`
	Effective         types.String `tfsdk:"effective"`
	ContractServiceID types.Int64  `tfsdk:"contract_service_id"`
	CompanyName       types.String `tfsdk:"company_name"`
	ContractName      types.String `tfsdk:"contract_name"`
	ServiceName       types.String `tfsdk:"service_name"`
	ContractStartDate types.String `tfsdk:"contract_start_date"`
	ContractEndDate   types.String `tfsdk:"contract_end_date"`
	LastPushDelta     types.Int64  `tfsdk:"last_push_delta"`
	LastPushAt        types.String `tfsdk:"last_push_at"`
	SyncStatus        types.String `tfsdk:"sync_status"`
	SyncError         types.String `tfsdk:"sync_error"`
	// Claims and unconfirmed adjustments (resource_autotask_billing_mapping_claims.go).
	TakeOverClaim types.Bool   `tfsdk:"take_over_claim"`
	ClaimToken    types.String `tfsdk:"claim_token"`
	ClaimNoteID   types.Int64  `tfsdk:"claim_note_id"`
	Unconfirmed   types.Object `tfsdk:"unconfirmed_adjustment"`
	// AcknowledgeNameMismatch silences the names warning (name_mismatch.go).
	AcknowledgeNameMismatch types.Bool `tfsdk:"acknowledge_name_mismatch"`
	// Timeouts bound create, update and destroy (billingDefaultTimeout).
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

// billingDefaultTimeout bounds create, update and destroy unless the
// timeouts block says otherwise: a claim note and an adjustment may each
// wait 6 minutes for Autotask's answer (autotask.DefaultWriteTimeout, above
// Autotask's own 5-minute limit), and a push whose answer is lost reads the
// units back for about 30 s more.
const billingDefaultTimeout = 15 * time.Minute

// billingTimeoutsNull is an absent timeouts block, for models built in code
// (state upgrades).
func billingTimeoutsNull() timeouts.Value {
	return timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{
		"create": types.StringType, "update": types.StringType, "delete": types.StringType,
	})}
}

// Metadata names the resource type.
func (r *billingMappingResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_autotask_billing_mapping"
}

// Schema describes the resource.
func (r *billingMappingResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replaceString := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	replaceInt := []planmodifier.Int64{int64planmodifier.RequiresReplace()}
	fromAutotask := func(what string) schema.StringAttribute {
		return schema.StringAttribute{
			Computed: true,
			MarkdownDescription: what + " Read from Autotask at apply and on every refresh; the plan shows the " +
				"refreshed value, or \"known after apply\" for a new mapping (a rename in Autotask between plan and " +
				"apply then never breaks the apply).",
		}
	}
	resp.Schema = schema.Schema{
		Version: 1,
		MarkdownDescription: "Bills one Petra tenant on one service line of an Autotask **Recurring Service** contract: " +
			"the provider makes the line hold `units` units in effect from today, by posting one " +
			"ContractServiceAdjustment of the difference (none when Autotask already holds the count).\n\n" +
			"Every plan checks the target against Autotask: the company exists and is active, the contract exists, " +
			"belongs to `company_id`, is a Recurring Service contract, is active, has started and has not ended, and " +
			"carries `service_id` exactly once. A failed check fails the plan on the offending argument. With the " +
			"provider's `billing_check_failure = \"warn\"` it is a warning instead: at apply the mapping is recorded " +
			"with `sync_status = \"failed\"` and the reason in `sync_error`, nothing is pushed for it, every healthy " +
			"mapping is applied, and the next run retries it. The checks run again at apply against fresh data, and " +
			"nothing is pushed for a mapping whose checks fail.\n\n" +
			"A line is never billed twice: if Autotask's answer to an adjustment is lost, the provider reads the units " +
			"back and never posts again for the line in that run; an adjustment the units do not show is recorded in " +
			"`unconfirmed_adjustment` and the next run reads the units before it posts. Each mapping claims its line in " +
			"Autotask (a contract note), so another configuration mapping the same line fails instead of billing it " +
			"too, and two mappings of one line in this configuration fail the plan. Refresh reads the units in effect " +
			"today, so a hand edit in Autotask shows as drift in `units` and the next apply restores the configured " +
			"count.\n\n" +
			"Destroying the mapping, or replacing it because `tenant_id`, `company_id`, `contract_id` or `service_id` " +
			"changed (a tenant moved to another contract, service or company), does what `on_destroy` says to the old " +
			"line: `keep` (the default) leaves its units and every such plan warns which tenant, line and units stay; " +
			"`zero` pushes the old line to 0 units, exactly once, before the new line gets its units. Either way the " +
			"mapping's claim on the old line is released.\n\n" +
			"To retry one tenant only, run `terraform apply -target='petra_autotask_billing_mapping.<name>[\"<key>\"]'`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "`<tenant_id>/<contract_id>/<service_id>`, known from the configuration, for example " +
					"`ZZk90t/29684012/29683996`; also the import ID (`<tenant_id>/<contract_service_id>` is accepted " +
					"for import too).",
			},
			"name": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The billed line by name, `<company> → <contract> / <service>`, for example " +
					"`Harbor Dental Group → Harbor Dental - Managed Services / Petra M365 Account Protection`, so that " +
					"every diff says which line it is about (Terraform always shows `id` and `name`). Built from " +
					"`company_name`, `contract_name` and `service_name` (an id such as `contract 2001` stands in for a " +
					"name Autotask does not give) and planned like them: known after apply for a new mapping, the " +
					"refreshed value on an update, renamed by the next refresh after a rename in Autotask.",
			},
			"connection_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The `id` of the `petra_autotask_connection` this mapping uses (the id of the " +
					"Autotask database the provider is connected to). It must be the connection of this provider. " +
					"Another API user of the same database keeps the mapping.",
			},
			"tenant_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Petra tenant ID whose units are billed (the short ID in " +
					"`app.petrasecurity.com/tenant/<id>`). Usually `petra_autotask_tenant_mapping.<name>.tenant_id`. " +
					"Changing it replaces the mapping (see `on_destroy`).",
				PlanModifiers: replaceString,
				Validators:    []validator.String{petraTenantIDValidator{}},
			},
			"company_id": schema.Int64Attribute{
				Required:   true,
				CustomType: autotaskIDType{},
				MarkdownDescription: "Autotask company ID the tenant is mapped to (usually " +
					"`petra_autotask_tenant_mapping.<name>.company_id`). The contract must belong to this company, " +
					"which must be active. Changing it replaces the mapping (see `on_destroy`).",
				PlanModifiers: replaceInt,
				Validators:    []validator.Int64{positiveIDValidator{what: "company_id", hint: "the petra_autotask_companies data source lists company ids"}},
			},
			"contract_id": schema.Int64Attribute{
				Required:   true,
				CustomType: autotaskIDType{},
				MarkdownDescription: "Autotask ID of the Recurring Service contract to bill on. The " +
					"`petra_autotask_contracts` data source lists a company's contracts. Changing it replaces the " +
					"mapping (see `on_destroy`).",
				PlanModifiers: replaceInt,
				Validators:    []validator.Int64{positiveIDValidator{what: "contract_id", hint: "the petra_autotask_contracts data source lists a company's contracts"}},
			},
			"service_id": schema.Int64Attribute{
				Required:   true,
				CustomType: autotaskIDType{},
				MarkdownDescription: "Autotask ID of the Service whose line on the contract receives the units. It must " +
					"appear exactly once on the contract. Changing it replaces the mapping (see `on_destroy`).",
				PlanModifiers: replaceInt,
				Validators:    []validator.Int64{positiveIDValidator{what: "service_id", hint: "the petra_autotask_contracts data source lists each contract's services"}},
			},
			"units": schema.NumberAttribute{
				Optional: true,
				MarkdownDescription: "Unit count the contract service must hold from today (0 to 1,000,000), usually " +
					"Petra's billable users: `data.petra_usage.this.lookup[each.key].billable_users_this_month`. " +
					"Refresh reads the units in effect today from Autotask, so a change made in Autotask shows as drift. " +
					"Set it always: null means there is no count for this tenant (the usage lookup gives null for a " +
					"tenant Petra does not list), which fails the mapping, and nothing is pushed.",
				Validators: []validator.Number{unitsValidator{}},
			},
			"on_destroy": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(OnDestroyKeep),
				MarkdownDescription: "What happens to the line's units when this mapping is destroyed or replaced: " +
					"`keep` (default) leaves them, and every plan that destroys or replaces the mapping warns, naming " +
					"the tenant, the line and the units it keeps; `zero` pushes the line to 0 units, exactly once and " +
					"with the same read-back as any push (a contract Autotask no longer accepts adjustments on then " +
					"fails the destroy with Autotask's text; set `keep` to let the mapping go without touching the " +
					"line). Changing it only records the new choice.",
				Validators: []validator.String{onDestroyOneOf()},
			},
			"contract_service_id": schema.Int64Attribute{
				Computed: true,
				MarkdownDescription: "Autotask ID of the contract's service line for `service_id` (a ContractServices " +
					"id), found at apply; null while the mapping is failed and the contract has no such line.",
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"company_name":        fromAutotask("Name of the Autotask company, as Autotask reports it."),
			"contract_name":       fromAutotask("Name of the contract, as Autotask reports it."),
			"service_name":        fromAutotask("Name of the Autotask Service, as Autotask reports it."),
			"contract_start_date": fromAutotask("Start date of the contract (`YYYY-MM-DD`, a calendar date of the Autotask database)."),
			"contract_end_date":   fromAutotask("End date of the contract (`YYYY-MM-DD`, a calendar date of the Autotask database)."),
			"last_push_delta": schema.Int64Attribute{
				Computed: true,
				MarkdownDescription: "Unit change the last sync made in Autotask (positive adds units, negative removes " +
					"them, 0 when Autotask already held the count). Set when the mapping is created and whenever " +
					"`units` changes or a failed mapping is retried.",
			},
			"last_push_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "When the last sync completed (RFC 3339, UTC).",
			},
			"effective":   effectiveAttribute(),
			"sync_status": syncStatusAttribute("billing mapping"),
			"sync_error":  syncErrorAttribute(),
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{
				Create: true, Update: true, Delete: true,
				CreateDescription: "How long creating the mapping may take: the apply-time checks, the claim note and " +
					"the push with its read-back, as a duration such as `\"5m\"`. Default `\"15m\"`. When it passes " +
					"while Autotask holds the adjustment, nothing more is posted: the units are read back once and the " +
					"adjustment is recorded as unconfirmed, so the next apply never posts it a second time.",
				UpdateDescription: "How long an update (a new unit count, a retry of a failed mapping) may take, as a " +
					"duration such as `\"5m\"`. Default `\"15m\"`; a passed timeout is handled as for create.",
				DeleteDescription: "How long destroying the mapping may take: releasing its claim, and with " +
					"`on_destroy = \"zero\"` the push to 0 units. Default `\"15m\"`; a passed timeout is handled as for " +
					"create, and the mapping stays in state.",
			}),
		},
	}
	for k, v := range billingClaimSchema() {
		resp.Schema.Attributes[k] = v
	}
	resp.Schema.Attributes["acknowledge_name_mismatch"] = acknowledgeNameMismatchAttribute("billing mapping")
}

// Configure keeps the provider data (nil while the provider is unconfigured).
func (r *billingMappingResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// billingFromAutotask is the one conversion from what Autotask holds for a
// mapping's line to the model's Autotask-derived attributes. ModifyPlan and
// the apply fill only what the plan left unknown (billingTarget.fill); Read
// takes them all. view and line may be nil (not found): their attributes are
// then null. companyName and serviceName are passed in because the plan
// reads them from the company and service themselves, which exist even when
// the contract or line does not.
func billingFromAutotask(view *billing.ContractView, line *billing.ContractLine, companyName, serviceName string) billingMappingModel {
	m := billingMappingModel{
		CompanyName: nullIfEmpty(companyName), ServiceName: nullIfEmpty(serviceName),
		ContractName: types.StringNull(), ContractStartDate: types.StringNull(), ContractEndDate: types.StringNull(),
		ContractID: types.Int64Null(), CompanyID: types.Int64Null(),
		ContractServiceID: types.Int64Null(), ServiceID: types.Int64Null(),
	}
	if view != nil {
		m.ContractID, m.CompanyID = types.Int64Value(view.Contract.ID), types.Int64Value(view.Contract.CompanyID)
		m.ContractName = types.StringValue(view.Contract.ContractName)
		m.ContractStartDate = billingDate(view.Contract.StartDate)
		m.ContractEndDate = billingDate(view.Contract.EndDate)
	}
	if line != nil {
		m.ContractServiceID, m.ServiceID = types.Int64Value(line.ContractServiceID), types.Int64Value(line.ServiceID)
	}
	return m
}
