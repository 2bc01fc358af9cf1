package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/autotasksim"
)

// The second full-access API user of the sandbox fixtures (a CI user).
const (
	ciUser   = "petra-api-ci@sandbox.example"
	ciSecret = "sandbox-ci-secret-do-not-use"
)

// identityConfig is a connection (with prevent_destroy when protect) and
// one mapping of each kind.
func identityConfig(provider, tenant string, b acctest.BillingTarget, protect bool) string {
	lifecycle := ""
	if protect {
		lifecycle = "\n  lifecycle {\n    prevent_destroy = true\n  }\n"
	}
	return provider + fmt.Sprintf(`
resource "petra_autotask_connection" "main" {%s}

resource "petra_autotask_tenant_mapping" "m" {
  connection_id = petra_autotask_connection.main.id
  tenant_id     = %q
  company_id    = %d
%s}

resource "petra_autotask_ticket_defaults" "main" {
  connection_id   = petra_autotask_connection.main.id
  queue           = "Monitoring Alerts"
  creation_status = "New"
  update_status   = "In Progress"
%s}

resource "petra_autotask_billing_mapping" "m" {
  connection_id = petra_autotask_connection.main.id
  tenant_id     = petra_autotask_tenant_mapping.m.tenant_id
  company_id    = petra_autotask_tenant_mapping.m.company_id
  contract_id   = %d
  service_id    = %d
  units         = 6
%s}
`, lifecycle, tenant, b.CompanyID, lifecycle, lifecycle, b.ContractID, b.ServiceID, lifecycle)
}

// TestAccConnection_secondUserChangesNothing: after an apply with one API
// user, planning and applying with another full-access user of the same
// database (a CI user, a rotated user) changes nothing: the plans are empty
// (the connection records the database and what was verified, not who
// plans) and every mapping stays, although they all have prevent_destroy.
// The second user's refresh passed every check, so the connection records
// that user's verification (a rotated user takes over); back with the first
// user, the plan is empty again.
func TestAccConnection_secondUserChangesNothing(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t) // the second user exists in the sandbox fixtures
	tenant := env.PetraTenant(t, 0).PetraTenantID
	b := env.NewBillingTarget(t, 2)
	asCI := connProviderAs(env, ciUser, ciSecret, connFxCode)
	empty := resource.ConfigPlanChecks{
		PreApply:             []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{Config: identityConfig(env.ProviderConfig(), tenant, b, true)},
			{
				Config:           identityConfig(asCI, tenant, b, true),
				ConfigPlanChecks: empty,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("id"), knownvalue.StringExact(env.ConnectionID())),
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("api_user"), knownvalue.StringExact(ciUser)),
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("checks"), connChecksPassed(allChecks)),
					statecheck.ExpectKnownValue("petra_autotask_billing_mapping.m", tfjsonpath.New("connection_id"),
						knownvalue.StringExact(env.ConnectionID())),
				},
			},
			{
				// Back to the first user (rotation the other way), then
				// unprotected so that the test can clean up.
				Config:           identityConfig(env.ProviderConfig(), tenant, b, false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("api_user"), knownvalue.StringExact(env.Username())),
				},
			},
		},
	})
}

// TestAccConnection_otherDatabaseIsAnError: the same configuration pointed
// at another Autotask database (same user name, another zone lookup answer)
// fails with a clear error instead of replacing the connection and every
// mapping.
func TestAccConnection_otherDatabaseIsAnError(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t)
	fx := sandbox.BaseFixture()
	otherDB := int64(900002)
	fx.Autotask.Settings = &autotasksim.ConfigOverrides{CI: &otherDB}
	other := acctest.NewWithOptions(t, acctest.Options{Fixture: fx})
	tenant := env.PetraTenant(t, 0).PetraTenantID
	b := env.NewBillingTarget(t, 2)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{Config: identityConfig(env.ProviderConfig(), tenant, b, false)},
			{
				Config: identityConfig(other.ProviderConfig(), tenant, b, false),
				ExpectError: exactParts("Autotask database changed", fmt.Sprintf(`The connection in state, and every mapping `+
					`that references it, belong to Autotask database %d, but the provider's API user %q belongs to database `+
					`%d. Nothing was planned or changed.`, env.DatabaseID(), other.Username(), otherDB)),
			},
			{
				// Pointed back: nothing to do.
				Config:           identityConfig(env.ProviderConfig(), tenant, b, false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// TestAccConnection_baseURLStillKnowsTheDatabase: with base_url set (zone
// discovery skipped), the database id still comes from an unauthenticated
// zone lookup, asked on the base URL's host.
func TestAccConnection_baseURLStillKnowsTheDatabase(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t)
	provider := fmt.Sprintf(`provider "petra" {
  autotask {
    username         = %q
    secret           = %q
    integration_code = %q
    base_url         = %q
  }
}
`, env.Username(), env.Secrets()[0], env.Secrets()[1], env.Sandbox.AutotaskBaseURL)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{{
			Config: provider + connResource(`["billing"]`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("id"), knownvalue.StringExact(env.ConnectionID())),
				statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("database_id"), knownvalue.Int64Exact(env.DatabaseID())),
				statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("zone_url"), knownvalue.StringExact(env.Sandbox.AutotaskBaseURL)),
				statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("zone_name"), knownvalue.Null()),
			},
		}},
	})
}
