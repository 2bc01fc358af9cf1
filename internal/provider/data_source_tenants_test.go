package provider

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

func TestAccTenantsDataSource(t *testing.T) {
	env := newAccEnv(t)
	var all, billed []knownvalue.Check
	paused := 0
	for _, x := range env.PetraTenants(t) {
		row := knownvalue.ObjectExact(map[string]knownvalue.Check{
			"id":                  knownvalue.StringExact(x.PetraTenantID),
			"name":                knownvalue.StringExact(x.Name),
			"microsoft_tenant_id": knownvalue.StringExact(x.MicrosoftTenantID),
			"is_paused":           knownvalue.Bool(x.IsPaused),
			"onboarding_date":     knownvalue.StringExact(x.OnboardingDate.UTC().Format(time.RFC3339)),
		})
		all = append(all, row)
		if x.IsPaused {
			paused++
			continue
		}
		billed = append(billed, row)
	}
	if paused == 0 || len(billed) == 0 {
		t.Fatal("the fixture needs paused and active Petra tenants")
	}
	tenants := tfjsonpath.New("tenants")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + `
data "petra_tenants" "all" {}
data "petra_tenants" "billed" {
  include_paused = false
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.petra_tenants.all", tenants, knownvalue.ListExact(all)),
				statecheck.ExpectKnownValue("data.petra_tenants.billed", tenants, knownvalue.ListExact(billed)),
				// A fixture fact, so a date-format regression is caught by eye too.
				statecheck.ExpectKnownValue("data.petra_tenants.all", tenants, knownvalue.ListPartial(map[int]knownvalue.Check{
					2: knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"id": knownvalue.StringExact("ZZk90t"), "onboarding_date": knownvalue.StringExact("2025-01-15T00:00:00Z"),
					}),
				})),
			},
		}},
	})
}

// TestAccPetraDataSourceErrors: every Petra data source says what to do when
// there is no key, the key is refused, or Petra keeps rate limiting.
func TestAccPetraDataSourceErrors(t *testing.T) {
	env := newAccEnv(t)
	noKey := providerBlockWithoutPetra(t, env)
	wrongKey := fmt.Sprintf("provider \"petra\" {\n  petra {\n    api_key = \"petra_wrong_0000\"\n    api_url = %q\n  }\n}\n", env.Sandbox.PetraURL)
	const needKey = `a Petra API key is needed: set api_key in the provider's petra block or the PETRA_API_KEY environment variable (create a key in Petra under Settings > API Keys; only Admins can)`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{Config: noKey + `data "petra_tenants" "x" {}`, ExpectError: exactError(needKey)},
			{Config: noKey + `data "petra_usage" "x" {}`, ExpectError: exactError(needKey)},
			{Config: noKey + `data "petra_billable_units" "x" { tenant_id = "ZZk90t" }`, ExpectError: exactError(needKey)},
			{
				Config: wrongKey + `data "petra_usage" "x" {}`,
				ExpectError: exactError(`Petra rejected the API key: it is invalid, deleted, or belongs to another ` +
					`organization; create a new key in Petra Settings -> API Keys and set PETRA_API_KEY or api_key`),
			},
			{
				PreConfig: func() {
					// Petra answers 429 to every attempt (first try and three retries).
					if _, err := env.Sandbox.Admin.InjectFault(ctx(), sandbox.FaultRule{
						Path: "/petra/v1/tenants", Action: sandbox.FaultFail, Status: 429, Count: 4,
						Headers: map[string]string{"Retry-After": "0"},
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config: env.ProviderConfig() + `data "petra_tenants" "x" {}`,
				ExpectError: exactError(`Petra API rate limit for GET /v1/tenants was still exceeded after 4 ` +
					`attempts`),
			},
		},
	})
}
