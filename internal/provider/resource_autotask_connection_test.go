package provider

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/access"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// Base fixture users (internal/sandbox/fixtures/README.md).
const (
	connFxCode             = "PETRASBX7DEMO4INTEGRATN2Q7K"
	connFxRestrictedUser   = "petra-api-restricted@sandbox.example"
	connFxRestrictedSecret = "sandbox-restricted-secret-do-not-use"
	connFxReadonlyUser     = "petra-api-readonly-contracts@sandbox.example"
	connFxReadonlySecret   = "sandbox-readonly-contracts-secret-do-not-use"
)

const connAddr = "petra_autotask_connection.main"

// connProviderAs is a provider block logging in to the sandbox as another
// fixture user.
func connProviderAs(env *acctest.Env, user, secret, code string) string {
	return fmt.Sprintf(`provider "petra" {
  autotask {
    username         = %q
    secret           = %q
    integration_code = %q
    zone_lookup_url  = %q
  }
  petra {
    api_key = %q
    api_url = %q
  }
}
`, user, secret, code, env.Sandbox.ZoneLookupURL, env.Sandbox.PetraKey, env.Sandbox.PetraURL)
}

// connResource is the connection block; features "" leaves the default.
func connResource(features string) string {
	if features == "" {
		return `
resource "petra_autotask_connection" "main" {}
`
	}
	return fmt.Sprintf(`
resource "petra_autotask_connection" "main" {
  features = %s
}
`, features)
}

// allChecks lists the check names for both features, in order.
var allChecks = []string{"zone discovery", "authentication", "Companies query", "Tickets query", "Tickets create",
	"Tickets update", "Tickets picklists", "Contracts query", "Contracts update", "ContractServices query",
	"ContractServiceUnits query", "Services query", "ContractServiceAdjustments create", "ContractNotes query",
	"ContractNotes create", "ContractNotes update"}

var ticketingChecks = []string{"zone discovery", "authentication", "Companies query", "Tickets query",
	"Tickets create", "Tickets update", "Tickets picklists"}

// connChecksPassed expects exactly these checks, all passed.
func connChecksPassed(names []string) knownvalue.Check {
	elems := make([]knownvalue.Check, len(names))
	for i, n := range names {
		elems[i] = knownvalue.ObjectPartial(map[string]knownvalue.Check{
			"name": knownvalue.StringExact(n), "passed": knownvalue.Bool(true),
		})
	}
	return knownvalue.ListExact(elems)
}

// connNoAutotaskWrites fails when anything but reads reached Autotask during
// the whole test, destroy included: the connection and ticket defaults change
// nothing there. (CheckDestroy gets the state from before the destroy.)
func connNoAutotaskWrites(env *acctest.Env) func(*terraform.State) error {
	return func(*terraform.State) error {
		if env.Real {
			return nil
		}
		reqs, err := env.Sandbox.Admin.Requests(ctx(), 0)
		if err != nil {
			return err
		}
		for _, r := range reqs {
			if r.API == "autotask" && r.Method != "GET" && !strings.HasSuffix(strings.ToLower(r.Path), "/query") {
				return fmt.Errorf("the provider wrote to Autotask: %s %s", r.Method, r.Path)
			}
		}
		return nil
	}
}

func TestAccAutotaskConnection_basic(t *testing.T) {
	env := newAccEnv(t)
	zone, err := env.AT.Zone(ctx())
	if err != nil {
		t.Fatal(err)
	}
	now := env.Now().UTC().Format(time.RFC3339)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		CheckDestroy:             connNoAutotaskWrites(env),
		Steps: []resource.TestStep{
			{
				Config: env.ProviderConfig() + connResource(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(connAddr, plancheck.ResourceActionCreate),
						// The plan verifies (a missing permission fails it) but
						// plans only what the provider configuration decides:
						// Autotask's answers are recorded by the apply.
						plancheck.ExpectKnownValue(connAddr, tfjsonpath.New("api_user"), knownvalue.StringExact(env.Username())),
						plancheck.ExpectUnknownValue(connAddr, tfjsonpath.New("id")),
						plancheck.ExpectUnknownValue(connAddr, tfjsonpath.New("zone_name")),
						plancheck.ExpectUnknownValue(connAddr, tfjsonpath.New("checks")),
						plancheck.ExpectUnknownValue(connAddr, tfjsonpath.New("verified_at")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("id"), knownvalue.StringExact(env.ConnectionID())),
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("api_user"), knownvalue.StringExact(env.Username())),
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("features"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("billing"), knownvalue.StringExact("ticketing")})),
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("zone_name"), optStringCheck(zone.ZoneName)),
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("zone_url"), knownvalue.StringExact(zone.URL)),
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("web_url"), optStringCheck(zone.WebURL)),
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("database_id"), knownvalue.Int64Exact(env.DatabaseID())),
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("checks"), connChecksPassed(allChecks)),
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("checks").AtSliceIndex(2),
						knownvalue.ObjectExact(map[string]knownvalue.Check{
							"name": knownvalue.StringExact("Companies query"), "feature": knownvalue.StringExact("billing, ticketing"),
							"entity": knownvalue.StringExact("Companies"), "operation": knownvalue.StringExact("query"),
							"passed": knownvalue.Bool(true), "message": knownvalue.StringExact("allowed"),
						})),
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("verified_at"), knownvalue.StringExact(now)),
				},
			},
			{
				ResourceName:      connAddr,
				ImportState:       true,
				ImportStateId:     env.ConnectionID(),
				ImportStateVerify: true,
			},
			{
				// The provider's API username is accepted too.
				ResourceName:      connAddr,
				ImportState:       true,
				ImportStateId:     env.Username(),
				ImportStateVerify: true,
			},
			{
				ResourceName:  connAddr,
				ImportState:   true,
				ImportStateId: "someone-else@example.com",
				ExpectError: exactError(fmt.Sprintf(`The import ID "someone-else@example.com" is not the Autotask API `+
					`username this provider is configured with (%q).`, env.Username())),
			},
			{
				Config: env.ProviderConfig() + connResource(`["ticketing"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(connAddr, plancheck.ResourceActionUpdate),
						// New features: verified again at apply.
						plancheck.ExpectUnknownValue(connAddr, tfjsonpath.New("checks")),
						plancheck.ExpectKnownValue(connAddr, tfjsonpath.New("id"), knownvalue.StringExact(env.ConnectionID())),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("features"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("ticketing")})),
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("checks"), connChecksPassed(ticketingChecks)),
				},
			},
		},
	})
}

func TestAccAutotaskConnection_missingPermissions(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t)
	restricted := connProviderAs(env, connFxRestrictedUser, connFxRestrictedSecret, connFxCode)
	readonly := connProviderAs(env, connFxReadonlyUser, connFxReadonlySecret, connFxCode)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		CheckDestroy:             connNoAutotaskWrites(env),
		Steps: []resource.TestStep{
			{
				// Every missing permission in one diagnostic, then the fix.
				Config: restricted + connResource(""),
				ExpectError: exactParts(
					"Error: Autotask API user lacks permissions",
					fmt.Sprintf("The Autotask API user %q lacks permissions that the chosen features (billing, ticketing) need:", connFxRestrictedUser),
					"- billing: Services (query), ContractServiceAdjustments (create), ContractNotes (query), ContractNotes (create), ContractNotes (update) missing",
					access.PermissionFix,
				),
			},
			{
				Config: readonly + connResource(`["billing", "ticketing"]`),
				ExpectError: exactParts(
					"Error: Autotask API user lacks permissions",
					"- billing: Contracts (update), ContractServiceAdjustments (create) missing",
					access.PermissionFix,
				),
			},
			{
				// The same user lacks only billing permissions: ticketing alone passes.
				Config: restricted + connResource(`["ticketing"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("id"), knownvalue.StringExact(env.ConnectionID())),
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("api_user"), knownvalue.StringExact(connFxRestrictedUser)),
					statecheck.ExpectKnownValue(connAddr, tfjsonpath.New("checks"), connChecksPassed(ticketingChecks)),
				},
			},
			{
				// Widening the features to billing fails the plan again.
				Config:      restricted + connResource(`["ticketing", "billing"]`),
				ExpectError: exactError("- billing: Services (query), ContractServiceAdjustments (create), ContractNotes (query), ContractNotes (create), ContractNotes (update) missing"),
			},
		},
	})
}

func TestAccAutotaskConnection_credentials(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				Config: connProviderAs(env, "nobody@sandbox.example", "whatever", connFxCode) + connResource(""),
				ExpectError: exactParts("Error: Unknown Autotask API user",
					`Autotask does not know the API user "nobody@sandbox.example" ("Zone information could not be determined").`,
					"Check the username"),
			},
			{
				Config: connProviderAs(env, env.Username(), "not-the-secret", connFxCode) + connResource(""),
				ExpectError: exactParts("Error: Autotask rejected the API credentials",
					"Autotask rejected the API credentials. Check that the username and secret are correct and that the "+
						`user is an API-only user whose security level is "API User (system)"`),
			},
			{
				Config: connProviderAs(env, env.Username(), env.Sandbox.Secret, "NOTAVALIDCODE0000000000000X") + connResource(""),
				ExpectError: exactParts("Error: Invalid Autotask API Tracking Identifier",
					`Autotask says the API integration code is invalid ("IntegrationCode is invalid.").`),
			},
			{
				Config:      env.ProviderConfig() + connResource(`["billing", "invoicing"]`),
				ExpectError: exactError(`features: "invoicing" is not a feature of the integration; valid features are "billing"`),
			},
		},
	})
}

// connEntityInfo is Autotask's entityInformation answer for an entity the
// API user can no longer query.
func connEntityInfo(t *testing.T, name string) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"info": map[string]any{
		"name": name, "canCreate": true, "canDelete": false, "canQuery": true, "canUpdate": true,
		"userAccessForCreate": "None", "userAccessForDelete": "None", "userAccessForQuery": "None",
		"userAccessForUpdate": "None", "hasUserDefinedFields": false, "supportsWebhookCallouts": false,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAccAutotaskConnection_permissionLostAfterApply(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t)
	cfg := env.ProviderConfig() + connResource("")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check:  resource.TestCheckResourceAttr(connAddr, "checks.11.passed", "true"),
			},
			{
				// An Autotask admin takes Services away from the security level.
				PreConfig: func() {
					if _, err := env.Sandbox.Admin.InjectFault(ctx(), sandbox.FaultRule{
						Method: "GET", Path: "/ATServicesRest/V1.0/Services/entityInformation", Action: sandbox.FaultFail,
						Status: 200, Body: connEntityInfo(t, "Service"), Count: 100,
					}); err != nil {
						t.Fatal(err)
					}
				},
				RefreshState: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(connAddr, "checks.11.name", "Services query"),
					resource.TestCheckResourceAttr(connAddr, "checks.11.passed", "false"),
					resource.TestCheckResourceAttr(connAddr, "checks.11.message",
						"denied: the API user's security level gives no access to query Services"),
					resource.TestCheckResourceAttr(connAddr, "checks.10.passed", "true"),
				),
				// The plan after the refresh fails on the lost permission.
				ExpectError: exactParts("Error: Autotask API user lacks permissions",
					"- billing: Services (query) missing", access.PermissionFix),
			},
			{
				// Permission restored: refresh heals the drift, the plan is empty.
				PreConfig: func() {
					if err := env.Sandbox.Admin.ClearFaults(ctx()); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.TestCheckResourceAttr(connAddr, "checks.11.passed", "true"),
			},
		},
	})
}

// TestConnectionReportIsOneDiagnostic: however many permissions are missing,
// the plan gets exactly one error, on features.
func TestConnectionReportIsOneDiagnostic(t *testing.T) {
	v := &access.Verification{Username: "u", Features: []string{"billing", "ticketing"}, Checks: []access.Check{
		{Name: "zone discovery", Passed: true},
		{Name: "Services query", Entity: "Services", Operation: "query", Features: []string{"billing"}},
		{Name: "Contracts update", Entity: "Contracts", Operation: "update", Features: []string{"billing"}},
		{Name: "Tickets create", Entity: "Tickets", Operation: "create", Features: []string{"ticketing"}},
	}}
	var diags diag.Diagnostics
	if connectionReport(&diags, v, nil) {
		t.Fatal("a failed verification was reported as passed")
	}
	if diags.ErrorsCount() != 1 || len(diags) != 1 {
		t.Fatalf("want exactly one diagnostic, got %d: %v", len(diags), diags)
	}
	d := diags[0].Detail()
	for _, want := range []string{"  - billing: Services (query), Contracts (update) missing\n",
		"  - ticketing: Tickets (create) missing\n", access.PermissionFix} {
		if !strings.Contains(d, want) {
			t.Errorf("detail lacks %q:\n%s", want, d)
		}
	}
}

// TestSliceASchemas validates the schemas of this slice's types offline.
func TestSliceASchemas(t *testing.T) {
	for _, r := range []fwresource.Resource{NewConnectionResource(), NewTicketDefaultsResource()} {
		var resp fwresource.SchemaResponse
		r.Schema(ctx(), fwresource.SchemaRequest{}, &resp)
		if resp.Diagnostics.HasError() {
			t.Fatal(resp.Diagnostics)
		}
		if diags := resp.Schema.ValidateImplementation(ctx()); diags.HasError() {
			t.Fatal(diags)
		}
		for name, a := range resp.Schema.Attributes {
			if a.GetMarkdownDescription() == "" {
				t.Errorf("attribute %s has no description", name)
			}
		}
	}
}

// optStringCheck expects s, or null when s is empty: with AUTOTASK_BASE_URL
// set (real-database mode) no zone discovery is made, so the zone's name and
// web URL are unknown to the provider and left null (the database id is
// still looked up on the base URL's host).
func optStringCheck(s string) knownvalue.Check {
	if s == "" {
		return knownvalue.Null()
	}
	return knownvalue.StringExact(s)
}
