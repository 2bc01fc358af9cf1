package provider

// Importing the connection and upgrading states of earlier versions.

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
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

// UpgradeState upgrades a state written by version 0, whose id was the API
// username, to version 1, whose id is the database. The database id is
// taken from database_id when the state has it; a state written with a
// configured base_url lacks it, and the next refresh looks it up. No request
// is made here.
func (r *connectionResource) UpgradeState(ctx context.Context) map[int64]resource.StateUpgrader {
	v0 := connectionSchema(ctx)
	return map[int64]resource.StateUpgrader{
		0: {
			PriorSchema: &v0,
			StateUpgrader: func(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
				var m connectionModel
				resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
				if resp.Diagnostics.HasError() {
					return
				}
				if !m.DatabaseID.IsNull() && !m.DatabaseID.IsUnknown() && m.DatabaseID.ValueInt64() > 0 {
					m.ID = types.StringValue(access.ConnectionID(m.DatabaseID.ValueInt64()))
				}
				resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
			},
		},
	}
}
