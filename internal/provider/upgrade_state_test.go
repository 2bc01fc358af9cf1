package provider

import (
	"math/big"
	"testing"

	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestBillingMappingUpgradeFromVersion0 upgrades version-0 billing states
// both without `effective` (written before it existed) and with it: the id
// becomes <tenant_id>/<contract_id>/<service_id>, a configured effective is
// kept, and on_destroy and sync_status take what version 0 did. The
// end-to-end test of a real version-0 state is upgrade_test.go in e2e.
func TestBillingMappingUpgradeFromVersion0(t *testing.T) {
	r := &billingMappingResource{}
	up := r.UpgradeState(ctx())[0]
	typ := up.PriorSchema.Type().TerraformType(ctx()).(tftypes.Object)
	for _, effective := range []tftypes.Value{tftypes.NewValue(tftypes.String, nil), tftypes.NewValue(tftypes.String, "next_period")} {
		vals := map[string]tftypes.Value{
			"id": tfString("ZZk90t/4001"), "connection_id": tfString("petra-api@example.com"), "tenant_id": tfString("ZZk90t"),
			"company_id": tfInt(1001), "contract_id": tfInt(2001), "service_id": tfInt(3001),
			"units": tftypes.NewValue(tftypes.Number, big.NewFloat(44)), "contract_service_id": tfInt(4001),
			"effective": effective,
		}
		prior := tfsdk.State{Schema: *up.PriorSchema, Raw: objectOf(typ, vals)}
		var sresp fwresource.SchemaResponse
		r.Schema(ctx(), fwresource.SchemaRequest{}, &sresp)
		resp := &fwresource.UpgradeStateResponse{State: tfsdk.State{Schema: sresp.Schema,
			Raw: tftypes.NewValue(sresp.Schema.Type().TerraformType(ctx()), nil)}}
		up.StateUpgrader(ctx(), fwresource.UpgradeStateRequest{State: &prior}, resp)
		if resp.Diagnostics.HasError() {
			t.Fatal(resp.Diagnostics)
		}
		var m billingMappingModel
		if d := resp.State.Get(ctx(), &m); d.HasError() {
			t.Fatal(d)
		}
		want := "today"
		if !effective.IsNull() {
			want = "next_period"
		}
		if m.ID.ValueString() != "ZZk90t/2001/3001" || m.OnDestroy.ValueString() != "keep" || m.SyncStatus.ValueString() != "ok" ||
			!m.SyncError.IsNull() || m.Effective.ValueString() != want || m.ContractServiceID.ValueInt64() != 4001 ||
			m.ConnectionID.ValueString() != "petra-api@example.com" ||
			m.Name.ValueString() != "company 1001 → contract 2001 / service 3001" {
			t.Fatalf("upgraded (effective %s): %+v", effective, m)
		}
	}
}

// TestConnectionUpgradeToVersion2 upgrades connection states of versions 0
// (id = API username) and 1 (id = database): the id becomes the database
// id, username (the planning user, removed in version 2) goes, and api_user,
// the user whose checks are recorded, stays (or takes username's value when
// a state lacks it).
func TestConnectionUpgradeToVersion2(t *testing.T) {
	r := &connectionResource{}
	for _, tc := range []struct {
		version int64
		id      string
		apiUser tftypes.Value
	}{
		{0, "petra-api@example.com", tfString("petra-api@example.com")},
		{1, "900001", tfString("petra-api@example.com")},
		{1, "900001", tftypes.NewValue(tftypes.String, nil)},
	} {
		up, ok := r.UpgradeState(ctx())[tc.version]
		if !ok {
			t.Fatalf("no upgrader from version %d", tc.version)
		}
		typ := up.PriorSchema.Type().TerraformType(ctx()).(tftypes.Object)
		if _, ok := typ.AttributeTypes["username"]; !ok {
			t.Fatalf("version %d's schema lacks username", tc.version)
		}
		vals := map[string]tftypes.Value{
			"id": tfString(tc.id), "username": tfString("petra-api@example.com"), "api_user": tc.apiUser,
			"database_id": tfInt(900001), "verified_at": tfString("2026-11-23T08:00:00Z"),
		}
		prior := tfsdk.State{Schema: *up.PriorSchema, Raw: objectOf(typ, vals)}
		var sresp fwresource.SchemaResponse
		r.Schema(ctx(), fwresource.SchemaRequest{}, &sresp)
		if sresp.Schema.Version != 2 {
			t.Fatalf("schema version %d, want 2", sresp.Schema.Version)
		}
		if _, ok := sresp.Schema.Attributes["username"]; ok {
			t.Fatal("version 2 still has username")
		}
		resp := &fwresource.UpgradeStateResponse{State: tfsdk.State{Schema: sresp.Schema,
			Raw: tftypes.NewValue(sresp.Schema.Type().TerraformType(ctx()), nil)}}
		up.StateUpgrader(ctx(), fwresource.UpgradeStateRequest{State: &prior}, resp)
		if resp.Diagnostics.HasError() {
			t.Fatal(resp.Diagnostics)
		}
		var m connectionModel
		if d := resp.State.Get(ctx(), &m); d.HasError() {
			t.Fatal(d)
		}
		if m.ID.ValueString() != "900001" || m.APIUser.ValueString() != "petra-api@example.com" ||
			m.DatabaseID.ValueInt64() != 900001 || m.VerifiedAt.ValueString() != "2026-11-23T08:00:00Z" {
			t.Fatalf("upgraded from version %d: %+v", tc.version, m)
		}
	}
}
