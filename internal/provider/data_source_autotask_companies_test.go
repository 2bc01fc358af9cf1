package provider

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
)

func companiesRow(id int64, name, typ string, typeID int64, active bool) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"id": knownvalue.Int64Exact(id), "name": knownvalue.StringExact(name), "type": knownvalue.StringExact(typ),
		"type_id": knownvalue.Int64Exact(typeID), "is_active": knownvalue.Bool(active),
	})
}

func TestAccAutotaskCompaniesDataSource(t *testing.T) {
	env := newAccEnv(t)
	token := strings.ReplaceAll(env.Unique("Zq"), " ", "")
	widgets, gadgets, old := token+" Widgets", token+" Gadgets", token+" Old Works"
	widgetsID := env.CreateCompany(t, widgets, acctest.CompanyOpts{})
	gadgetsID := env.CreateCompany(t, gadgets, acctest.CompanyOpts{Type: autotask.CompanyTypeProspect})
	oldID := env.CreateCompany(t, old, acctest.CompanyOpts{Inactive: true})
	needle := strings.ToLower(token)
	cfg := env.ProviderConfig() + fmt.Sprintf(`
data "petra_autotask_companies" "all" {
  name_contains = %[1]q
}
data "petra_autotask_companies" "inactive" {
  name_contains = %[1]q
  is_active     = false
}
data "petra_autotask_companies" "prospects" {
  name_contains = %[1]q
  company_type  = "prospect"
}
data "petra_autotask_companies" "active_customers" {
  name_contains = %[1]q
  company_type  = "1"
  is_active     = true
}
data "petra_autotask_companies" "none" {
  name_contains = "%[1]s-nothing-matches"
}
`, needle)
	companies := tfjsonpath.New("companies")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				Config: env.ProviderConfig() + `
data "petra_autotask_companies" "typo" {
  company_type = "Customr"
}
`,
				ExpectError: exactError(`company type "Customr" is not an Autotask company type; use one of "Customer" (1), "Lead" (2), "Prospect" (3)`),
			},
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.petra_autotask_companies.all", companies, knownvalue.ListExact([]knownvalue.Check{
						companiesRow(widgetsID, widgets, "Customer", 1, true),
						companiesRow(gadgetsID, gadgets, "Prospect", 3, true),
						companiesRow(oldID, old, "Customer", 1, false),
					})),
					statecheck.ExpectKnownValue("data.petra_autotask_companies.inactive", companies, knownvalue.ListExact([]knownvalue.Check{
						companiesRow(oldID, old, "Customer", 1, false),
					})),
					statecheck.ExpectKnownValue("data.petra_autotask_companies.prospects", companies, knownvalue.ListExact([]knownvalue.Check{
						companiesRow(gadgetsID, gadgets, "Prospect", 3, true),
					})),
					statecheck.ExpectKnownValue("data.petra_autotask_companies.active_customers", companies, knownvalue.ListExact([]knownvalue.Check{
						companiesRow(widgetsID, widgets, "Customer", 1, true),
					})),
					statecheck.ExpectKnownValue("data.petra_autotask_companies.none", companies, knownvalue.ListSizeExact(0)),
				},
			},
			{ // A data source changed through the Autotask API shows the change on the next read.
				PreConfig: func() { env.SetCompanyActive(t, widgetsID, false) },
				Config:    cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.petra_autotask_companies.active_customers", companies, knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue("data.petra_autotask_companies.inactive", companies, knownvalue.ListSizeExact(2)),
				},
			},
		},
	})
}

// TestAccAutotaskCompaniesDataSource_needsAutotask: without Autotask
// credentials the data source says which settings are missing.
func TestAccAutotaskCompaniesDataSource_needsAutotask(t *testing.T) {
	env := newAccEnv(t)
	for _, v := range []string{EnvAutotaskUsername, EnvAutotaskSecret, EnvAutotaskIntegrationCode} {
		if env.Real || os.Getenv(v) != "" {
			t.Skip("Autotask credentials come from the environment here, so the provider cannot be without them")
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`provider "petra" {
  petra {
    api_key = %q
    api_url = %q
  }
}
data "petra_autotask_companies" "all" {}
`, env.Sandbox.PetraKey, env.Sandbox.PetraURL),
			ExpectError: exactError(`Autotask is not configured: set username, secret and integration_code in the provider's autotask block`),
		}},
	})
}
