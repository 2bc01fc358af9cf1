package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
)

func TestAccUsageDataSource(t *testing.T) {
	env := newAccEnv(t)
	u, err := env.Petra.Usage(ctx(), env.Date(0))
	if err != nil {
		t.Fatal(err)
	}
	expected := map[string]knownvalue.Check{}
	for _, x := range u.Tenants {
		var first knownvalue.Check = knownvalue.Null()
		if !x.FirstBillableDate.IsZero() {
			first = knownvalue.StringExact(x.FirstBillableDate.Format(time.DateOnly))
		}
		expected[x.PetraTenantID] = knownvalue.ObjectExact(map[string]knownvalue.Check{
			"name":                            knownvalue.StringExact(x.DisplayName),
			"microsoft_tenant_id":             knownvalue.StringExact(x.MicrosoftTenantID),
			"service":                         knownvalue.StringExact(x.Service),
			"billable_status":                 knownvalue.StringExact(x.BillableStatus),
			"is_paused":                       knownvalue.Bool(x.IsPaused),
			"billable_users_this_month":       knownvalue.Int64Exact(int64(x.BillableUsersThisMonth)),
			"total_licensed_users":            knownvalue.Int64Exact(int64(x.TotalLicensedUsers)),
			"prorating_percentage_this_month": knownvalue.Float64Exact(x.ProratingPercentageThisMonth),
			"first_billable_date":             first,
			"onboarding_date":                 knownvalue.StringExact(x.OnboardingDate.Format(time.DateOnly)),
		})
	}
	tenants := tfjsonpath.New("tenants")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				Config:      env.ProviderConfig() + `data "petra_usage" "bad" { as_of = "2026-13-01" }`,
				ExpectError: exactError(`as_of is "2026-13-01", which is not a date written YYYY-MM-DD. Write it like "2026-01-31", or leave it unset for today.`),
			},
			{
				Config: env.ProviderConfig() + fmt.Sprintf(`
data "petra_usage" "today" {}
data "petra_usage" "before_pinecrest" {
  as_of = %q
}
`, env.Date(-11)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.petra_usage.today", tfjsonpath.New("as_of"), knownvalue.StringExact(env.Date(0))),
					statecheck.ExpectKnownValue("data.petra_usage.today", tfjsonpath.New("organization_name"), knownvalue.StringExact("Sandbox Demo MSP")),
					statecheck.ExpectKnownValue("data.petra_usage.today", tfjsonpath.New("report_generated_at"),
						knownvalue.StringRegexp(regexpRFC3339)),
					statecheck.ExpectKnownValue("data.petra_usage.today", tenants, knownvalue.MapExact(expected)),
					// Fixture facts: a full month, a late-month trial and a paused tenant.
					statecheck.ExpectKnownValue("data.petra_usage.today", tenants.AtMapKey("ZZk90t").AtMapKey("billable_users_this_month"), knownvalue.Int64Exact(44)),
					statecheck.ExpectKnownValue("data.petra_usage.today", tenants.AtMapKey("Wr8Qs4").AtMapKey("prorating_percentage_this_month"), knownvalue.Float64Exact(35)),
					statecheck.ExpectKnownValue("data.petra_usage.today", tenants.AtMapKey("Wr8Qs4").AtMapKey("first_billable_date"), knownvalue.Null()),
					statecheck.ExpectKnownValue("data.petra_usage.today", tenants.AtMapKey("Fj5Dz1").AtMapKey("billable_users_this_month"), knownvalue.Int64Exact(0)),
					// Ten days ago Pinecrest (onboarded today-10d) was not a tenant yet.
					statecheck.ExpectKnownValue("data.petra_usage.before_pinecrest", tfjsonpath.New("as_of"), knownvalue.StringExact(env.Date(-11))),
					statecheck.ExpectKnownValue("data.petra_usage.before_pinecrest", tenants, knownvalue.MapSizeExact(len(u.Tenants)-1)),
				},
			},
		},
	})
}

// usageRequestCount is a plan check counting the /petra/v1/usage requests the
// sandbox has served since the log was cleared.
type usageRequestCount struct {
	env  *acctest.Env
	want int
}

func (c usageRequestCount) CheckPlan(ctx context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	recs, err := c.env.Sandbox.Admin.Requests(ctx, 0)
	if err != nil {
		resp.Error = err
		return
	}
	n := 0
	for _, r := range recs {
		if strings.EqualFold(r.Path, "/petra/v1/usage") {
			n++
		}
	}
	if n != c.want {
		resp.Error = fmt.Errorf("the plan sent %d /petra/v1/usage requests; want %d", n, c.want)
	}
}

// TestAccUsageDataSource_oneRequestForManyConsumers: five consumers
// of one petra_usage cost one Petra request in the plan.
func TestAccUsageDataSource_oneRequestForManyConsumers(t *testing.T) {
	env := newAccEnv(t)
	cfg := env.ProviderConfig() + `
data "petra_usage" "this" {}

locals {
  tenants = ["ZZk90t", "Y3mPqr", "Bq7Lx2", "Kp4Wn8", "Mv2Rt6"]
}

# count, not for_each: the testing framework's state shim cannot index
# for_each instances; the consumers read the map the same way.
resource "terraform_data" "units" {
  count = length(local.tenants)
  input = data.petra_usage.this.tenants[local.tenants[count.index]].billable_users_this_month
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				if err := env.Sandbox.Admin.ClearRequests(ctx()); err != nil {
					t.Fatal(err)
				}
			},
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					usageRequestCount{env: env, want: 1},
					plancheck.ExpectKnownValue("terraform_data.units[1]", tfjsonpath.New("input"), knownvalue.Int64Exact(118)),
				},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("terraform_data.units[0]", tfjsonpath.New("output"), knownvalue.Int64Exact(44)),
				statecheck.ExpectKnownValue("terraform_data.units[3]", tfjsonpath.New("output"), knownvalue.Int64Exact(9)),
			},
		}},
	})
}

// TestAccUsageDataSource_lookup: lookup has an entry for every requested
// tenant, found or not, so `lookup[each.key]` never fails with Invalid
// index; a tenant Petra does not list gets status "not_found" and null
// counts, a Microsoft tenant ID a message naming the Petra tenant ID.
func TestAccUsageDataSource_lookup(t *testing.T) {
	env := newAccEnv(t)
	ok := env.PetraTenant(t, 0)
	guid := env.PetraTenant(t, 1)
	lookup := tfjsonpath.New("lookup")
	u, err := env.Petra.Usage(ctx(), env.Date(0))
	if err != nil {
		t.Fatal(err)
	}
	okCount := int64(-1)
	for _, x := range u.Tenants {
		if x.PetraTenantID == ok.PetraTenantID {
			okCount = int64(x.BillableUsersThisMonth)
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				Config:      env.ProviderConfig() + `data "petra_usage" "this" { tenant_ids = ["a b"] }`,
				ExpectError: exactError(`contains white space. Use the Petra tenant ID`),
			},
			{
				Config: env.ProviderConfig() + fmt.Sprintf(`
data "petra_usage" "this" {
  tenant_ids = [%q, "Fj5Dz1", "Om1Bk7", %q]
}

output "removed_count" {
  value = data.petra_usage.this.lookup["Om1Bk7"].billable_users_this_month
}
`, ok.PetraTenantID, guid.MicrosoftTenantID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.petra_usage.this", lookup, knownvalue.MapSizeExact(4)),
					statecheck.ExpectKnownValue("data.petra_usage.this", lookup.AtMapKey(ok.PetraTenantID), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"status": knownvalue.StringExact("ok"), "message": knownvalue.Null(), "name": knownvalue.StringExact(ok.Name),
						"billable_status":           knownvalue.NotNull(),
						"billable_users_this_month": knownvalue.Int64Exact(okCount), "total_licensed_users": knownvalue.NotNull(),
						"prorating_percentage_this_month": knownvalue.NotNull(),
					})),
					statecheck.ExpectKnownValue("data.petra_usage.this", lookup.AtMapKey("Fj5Dz1").AtMapKey("status"), knownvalue.StringExact("paused")),
					statecheck.ExpectKnownValue("data.petra_usage.this", lookup.AtMapKey("Om1Bk7"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"status":  knownvalue.StringExact("not_found"),
						"message": knownvalue.StringRegexp(regexp.MustCompile(`^Petra's usage report as of \d{4}-\d{2}-\d{2} does not list tenant "Om1Bk7": it was removed from Petra`)),
						"name":    knownvalue.Null(), "billable_status": knownvalue.Null(),
						"billable_users_this_month": knownvalue.Null(), "total_licensed_users": knownvalue.Null(),
						"prorating_percentage_this_month": knownvalue.Null(),
					})),
					statecheck.ExpectKnownValue("data.petra_usage.this", lookup.AtMapKey(guid.MicrosoftTenantID).AtMapKey("message"),
						knownvalue.StringExact(fmt.Sprintf("%q is the Microsoft tenant ID of Petra tenant %q; use its Petra tenant ID %q.",
							guid.MicrosoftTenantID, guid.Name, guid.PetraTenantID))),
				},
			},
			{
				// Without tenant_ids, every tenant of the report.
				Config: env.ProviderConfig() + `data "petra_usage" "this" {}`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.petra_usage.this", lookup.AtMapKey(ok.PetraTenantID).AtMapKey("status"), knownvalue.StringExact("ok")),
				},
			},
		},
	})
}
