package provider

// Importing a billing mapping and upgrading states of earlier versions.

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// ImportState takes `<tenant_id>/<contract_id>/<service_id>` or
// `<tenant_id>/<contract_service_id>`; the contract, service, company and
// units are then read from Autotask.
func (r *billingMappingResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	imp, err := parseBillingMappingImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID for petra_autotask_billing_mapping", err.Error())
		return
	}
	set := func(attr string, v any) {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(attr), v)...)
	}
	set("id", req.ID)
	set("tenant_id", imp.tenant)
	set("on_destroy", OnDestroyKeep)
	set("effective", EffectiveToday)
	if imp.contractServiceID > 0 {
		set("contract_service_id", imp.contractServiceID)
		return
	}
	set("contract_id", imp.contractID)
	set("service_id", imp.serviceID)
}

// UpgradeState upgrades a state written by version 0 (with or without the
// effective attribute, which version 0 gained late): the id becomes
// <tenant_id>/<contract_id>/<service_id>, and on_destroy ("keep", what
// version 0 did), sync_status ("ok": version 0 recorded only mappings it
// pushed) and sync_error are added. connection_id, then the API username,
// becomes the database id at the next refresh. No request is made here.
func (r *billingMappingResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	str := func() schema.StringAttribute { return schema.StringAttribute{Computed: true} }
	num := func() schema.Int64Attribute { return schema.Int64Attribute{Computed: true} }
	v0 := schema.Schema{Attributes: map[string]schema.Attribute{
		"id": str(), "connection_id": str(), "tenant_id": str(), "company_id": num(), "contract_id": num(),
		"service_id": num(), "units": schema.NumberAttribute{Computed: true}, "contract_service_id": num(),
		"company_name": str(), "contract_name": str(), "service_name": str(), "contract_start_date": str(),
		"contract_end_date": str(), "last_push_delta": num(), "last_push_at": str(),
		// Added at version 0 before version 1 existed: absent in older states.
		"effective": str(),
	}}
	return map[int64]resource.StateUpgrader{0: {
		PriorSchema: &v0,
		StateUpgrader: func(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
			var old struct {
				ID                types.String `tfsdk:"id"`
				ConnectionID      types.String `tfsdk:"connection_id"`
				TenantID          types.String `tfsdk:"tenant_id"`
				CompanyID         types.Int64  `tfsdk:"company_id"`
				ContractID        types.Int64  `tfsdk:"contract_id"`
				ServiceID         types.Int64  `tfsdk:"service_id"`
				Units             types.Number `tfsdk:"units"`
				ContractServiceID types.Int64  `tfsdk:"contract_service_id"`
				CompanyName       types.String `tfsdk:"company_name"`
				ContractName      types.String `tfsdk:"contract_name"`
				ServiceName       types.String `tfsdk:"service_name"`
				ContractStartDate types.String `tfsdk:"contract_start_date"`
				ContractEndDate   types.String `tfsdk:"contract_end_date"`
				LastPushDelta     types.Int64  `tfsdk:"last_push_delta"`
				LastPushAt        types.String `tfsdk:"last_push_at"`
				Effective         types.String `tfsdk:"effective"`
			}
			resp.Diagnostics.Append(req.State.Get(ctx, &old)...)
			if resp.Diagnostics.HasError() {
				return
			}
			m := billingMappingModel{
				ID: old.ID, ConnectionID: old.ConnectionID, TenantID: old.TenantID, CompanyID: old.CompanyID,
				ContractID: old.ContractID, ServiceID: old.ServiceID, Units: old.Units,
				OnDestroy: types.StringValue(OnDestroyKeep), Effective: types.StringValue(effectiveOf(old.Effective)),
				ContractServiceID: old.ContractServiceID,
				CompanyName:       old.CompanyName, ContractName: old.ContractName, ServiceName: old.ServiceName,
				ContractStartDate: old.ContractStartDate, ContractEndDate: old.ContractEndDate,
				LastPushDelta: old.LastPushDelta, LastPushAt: old.LastPushAt,
				SyncStatus: types.StringValue(SyncStatusOK), SyncError: types.StringNull(),
				TakeOverClaim: types.BoolNull(), ClaimToken: types.StringNull(), ClaimNoteID: types.Int64Null(),
				Unconfirmed: unconfirmedNull(), Timeouts: billingTimeoutsNull(),
			}
			if !old.TenantID.IsNull() && !old.ContractID.IsNull() && !old.ServiceID.IsNull() {
				m.ID = types.StringValue(billingMappingID(old.TenantID.ValueString(), old.ContractID.ValueInt64(), old.ServiceID.ValueInt64()))
			}
			m.Name = nullIfUnknown(billingName(&m))
			resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
		},
	}}
}

// billingMappingID is the resource ID: "<tenant_id>/<contract_id>/<service_id>".
func billingMappingID(tenantID string, contractID, serviceID int64) string {
	return tenantID + "/" + strconv.FormatInt(contractID, 10) + "/" + strconv.FormatInt(serviceID, 10)
}

// billingImportID is a parsed import ID: either contractServiceID or
// contractID and serviceID are set.
type billingImportID struct {
	tenant                                   string
	contractID, serviceID, contractServiceID int64
}

// parseBillingMappingImportID reads "<tenant_id>/<contract_id>/<service_id>"
// or "<tenant_id>/<contract_service_id>".
func parseBillingMappingImportID(id string) (billingImportID, error) {
	const form = "The ID must be <tenant_id>/<contract_id>/<service_id>, for example \"ZZk90t/29684012/29683996\" " +
		"(the Petra tenant ID, the Autotask contract id and the service id), or <tenant_id>/<contract_service_id>, " +
		"for example \"ZZk90t/29684020\" (the petra_autotask_contracts data source lists each line's " +
		"contract_service_id)."
	parts := strings.Split(id, "/")
	if len(parts) < 2 {
		return billingImportID{}, fmt.Errorf("%q has no slash. %s", id, form)
	}
	if len(parts) > 3 {
		return billingImportID{}, fmt.Errorf("%q has %d parts separated by \"/\"; it takes 2 or 3. %s", id, len(parts), form)
	}
	out := billingImportID{tenant: strings.TrimSpace(parts[0])}
	if out.tenant == "" {
		return billingImportID{}, fmt.Errorf("%q has no tenant ID before the slash. %s", id, form)
	}
	nums := make([]int64, 0, 2)
	for _, raw := range parts[1:] {
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if err != nil || n <= 0 {
			return billingImportID{}, fmt.Errorf("%q has %q where an Autotask id (a positive whole number) belongs. %s", id, raw, form)
		}
		nums = append(nums, n)
	}
	if len(nums) == 1 {
		out.contractServiceID = nums[0]
	} else {
		out.contractID, out.serviceID = nums[0], nums[1]
	}
	return out, nil
}
