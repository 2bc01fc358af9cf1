package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// regexpRFC3339 matches an RFC 3339 date-time in UTC.
var regexpRFC3339 = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)

func TestAccBillableUnitsDataSource(t *testing.T) {
	env := newAccEnv(t)
	b, err := env.Petra.BillableUsers(ctx(), "ZZk90t")
	if err != nil {
		t.Fatal(err)
	}
	harbor := "data.petra_billable_units.harbor"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				Config: env.ProviderConfig() + `
data "petra_billable_units" "harbor" {
  tenant_id = "ZZk90t"
}
data "petra_billable_units" "paused" {
  tenant_id = "Fj5Dz1"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(harbor, tfjsonpath.New("projected_billable_units_this_month"), knownvalue.Int64Exact(44)),
					statecheck.ExpectKnownValue(harbor, tfjsonpath.New("total_billable_users"), knownvalue.Int64Exact(int64(b.TotalBillableUsers))),
					statecheck.ExpectKnownValue(harbor, tfjsonpath.New("tenant_name"), knownvalue.StringExact("Harbor Dental Group")),
					statecheck.ExpectKnownValue(harbor, tfjsonpath.New("microsoft_tenant_id"), knownvalue.StringExact(b.MicrosoftTenantID)),
					statecheck.ExpectKnownValue(harbor, tfjsonpath.New("report_generated_at"), knownvalue.StringRegexp(regexpRFC3339)),
					// Paused tenants are billed nothing, and 0 is reported as 0.
					statecheck.ExpectKnownValue("data.petra_billable_units.paused", tfjsonpath.New("projected_billable_units_this_month"), knownvalue.Int64Exact(0)),
				},
			},
			{
				Config: env.ProviderConfig() + `data "petra_billable_units" "x" { tenant_id = "Nope00" }`,
				ExpectError: exactError(`Petra has no tenant "Nope00" in this organization: check tenant_id (the ` +
					`petra_tenants data source lists them)`),
			},
			{
				PreConfig: func() {
					// Petra answers, but without the figure it bills on.
					if _, err := env.Sandbox.Admin.InjectFault(ctx(), sandbox.FaultRule{
						Path: "/petra/v1/billable-users", Action: sandbox.FaultFail, Status: 200, Count: 10,
						Headers: map[string]string{"Content-Type": "application/json"},
						Body: `{"tenantId":"ZZk90t","tenantDisplayName":"Harbor Dental Group","reportGeneratedAt":"2026-01-01T00:00:00Z",` +
							`"totalBillableUsers":44,"users":[]}`,
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config: env.ProviderConfig() + `data "petra_billable_units" "x" { tenant_id = "ZZk90t" }`,
				ExpectError: exactError(`Petra's billable-users report for tenant "ZZk90t" has no ` +
					`projectedBillableUnitsThisMonth, the number Petra bills on. The provider does not guess (reporting 0 would bill nothing).`),
			},
		},
	})
}
