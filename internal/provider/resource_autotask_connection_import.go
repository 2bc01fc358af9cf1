package provider

// Importing the connection and upgrading states of earlier versions.

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/access"
)

// ImportState accepts the database id or the provider's Autotask API
// username; Read then records the database id.
func (r *connectionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := strings.TrimSpace(req.ID)
	if id == "" {
		resp.Diagnostics.AddError("Missing import ID",
			"Import a petra_autotask_connection by the Autotask database id (petra_autotask_connection's id, the zone "+
				"lookup's ci), for example: terraform import petra_autotask_connection.this 900001, or by the Autotask "+
				"API username the provider is configured with.")
		return
	}
	if _, isDB := access.ParseConnectionID(id); !isDB &&
		r.data != nil && r.data.svc != nil && r.data.svc.run.Username() != "" && id != r.data.svc.run.Username() {
		resp.Diagnostics.AddError("Import ID is not the provider's Autotask API user",
			fmt.Sprintf("The import ID %q is not the Autotask API username this provider is configured with (%q). A "+
				"connection is the link through the provider's own API user; import it with the database id or with that "+
				"username: terraform import petra_autotask_connection.this %s", id, r.data.svc.run.Username(), r.data.svc.run.Username()))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}

// UpgradeState upgrades states of versions 0 and 1 to version 2. Version 0's
// id was the API username; version 1's is the database. The database id is
// taken from database_id when the state has it; a state written with a
// configured base_url lacks it, and the next refresh looks it up. Version 2
// dropped username (the API user of whoever planned, which made a CI user's
// plan a diff): api_user, the user whose checks are recorded, stays. No
// request is made here.
func (r *connectionResource) UpgradeState(ctx context.Context) map[int64]resource.StateUpgrader {
	v1 := connectionSchemaV1(ctx)
	upgrade := func(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
		var old connectionModelV1
		resp.Diagnostics.Append(req.State.Get(ctx, &old)...)
		if resp.Diagnostics.HasError() {
			return
		}
		m := old.connectionModel
		if !m.DatabaseID.IsNull() && !m.DatabaseID.IsUnknown() && m.DatabaseID.ValueInt64() > 0 {
			m.ID = types.StringValue(access.ConnectionID(m.DatabaseID.ValueInt64()))
		}
		if m.APIUser.IsNull() || m.APIUser.IsUnknown() {
			m.APIUser = old.Username
		}
		resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
	}
	return map[int64]resource.StateUpgrader{
		0: {PriorSchema: &v1, StateUpgrader: upgrade},
		1: {PriorSchema: &v1, StateUpgrader: upgrade},
	}
}

// connectionModelV1 is the state of versions 0 and 1.
type connectionModelV1 struct {
	connectionModel
	Username types.String `tfsdk:"username"`
}

// connectionSchemaV1 is the schema of versions 0 and 1: version 2's with
// username.
func connectionSchemaV1(ctx context.Context) schema.Schema {
	s := connectionSchema(ctx)
	attrs := make(map[string]schema.Attribute, len(s.Attributes)+1)
	maps.Copy(attrs, s.Attributes)
	attrs["username"] = schema.StringAttribute{Computed: true,
		MarkdownDescription: "The Autotask API username configured in the provider (removed in version 2)."}
	s.Attributes = attrs
	return s
}
