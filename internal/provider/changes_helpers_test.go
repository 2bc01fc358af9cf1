package provider

import (
	"encoding/json"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/petrasim"
)

// Changes a person makes in Petra or in the Autotask web interface, which no
// API can make: they go through the sandbox's admin API (Petra's tenants,
// and fault injection for Autotask picklists and security levels). Changes
// the Autotask API can make (renames, dates) go through env like any test
// data.

// fixtureTenant is a Petra tenant of the base fixture, as the admin API
// takes it.
func fixtureTenant(t *testing.T, id string) petrasim.Tenant {
	t.Helper()
	for _, x := range sandbox.BaseFixture().Petra.Tenants {
		if x.PetraTenantID == id {
			return x
		}
	}
	t.Fatalf("the base fixture has no Petra tenant %q", id)
	return petrasim.Tenant{}
}

// renamePetraTenant renames a fixture tenant in Petra.
func renamePetraTenant(t *testing.T, env *acctest.Env, id, name string) {
	t.Helper()
	x := fixtureTenant(t, id)
	x.Name = name
	if err := env.Sandbox.Admin.UpsertPetraTenants(ctx(), []petrasim.Tenant{x}); err != nil {
		t.Fatalf("renaming Petra tenant %s: %v", id, err)
	}
}

// renameQueue makes Autotask answer the Tickets field metadata with the
// queue value's label changed, as an admin renaming it in the UI would.
func renameQueue(t *testing.T, env *acctest.Env, value, label string) {
	t.Helper()
	body := tdFieldsWith(t, env, func(fields []autotask.Field) {
		for i := range fields {
			if fields[i].Name != "queueID" {
				continue
			}
			for j := range fields[i].PicklistValues {
				if v := &fields[i].PicklistValues[j]; v.Value == value {
					v.Label = label
				}
			}
		}
	})
	injectFault(t, env, sandbox.FaultRule{Method: "GET", Path: "/ATServicesRest/V1.0/Tickets/entityInformation/fields",
		Action: sandbox.FaultFail, Status: 200, Body: body, Count: 1000})
}

// restrictServices makes the API user's security level give only
// Restricted query access to Services (the check passes with a note).
func restrictServices(t *testing.T, env *acctest.Env) {
	t.Helper()
	b, err := json.Marshal(map[string]any{"info": map[string]any{
		"name": "Service", "canCreate": true, "canDelete": false, "canQuery": true, "canUpdate": true,
		"userAccessForCreate": "None", "userAccessForDelete": "None", "userAccessForQuery": "Restricted",
		"userAccessForUpdate": "None", "hasUserDefinedFields": false, "supportsWebhookCallouts": false,
	}})
	if err != nil {
		t.Fatal(err)
	}
	injectFault(t, env, sandbox.FaultRule{Method: "GET", Path: "/ATServicesRest/V1.0/Services/entityInformation",
		Action: sandbox.FaultFail, Status: 200, Body: string(b), Count: 1000})
}

// clearFaults removes every injected fault.
func clearFaults(t *testing.T, env *acctest.Env) {
	t.Helper()
	if err := env.Sandbox.Admin.ClearFaults(ctx()); err != nil {
		t.Fatal(err)
	}
}
