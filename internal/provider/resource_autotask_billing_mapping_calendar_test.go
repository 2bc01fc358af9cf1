package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/access"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/autotasksim"
)

// The database's calendar, billing items, posted periods, restricted rows,
// rows without contractServiceID and 401 permission answers (issue 11),
// each driven through the provider against the sandbox set to disagree with
// a naive client.

func strRef(s string) *string { return &s }

// calendarEnv is a sandbox whose database lives in zone, whose date
// filters are read as filters, and whose clock reads at.
func calendarEnv(t *testing.T, zone, filters string, at time.Time) *acctest.Env {
	t.Helper()
	env := newAccEnv(t)
	env.RequireSandbox(t)
	if _, err := env.Sandbox.Admin.SetAutotaskSettings(context.Background(), autotasksim.BehaviourUpdate{
		TimeZone: strRef(zone), DateFilters: strRef(filters)}); err != nil {
		t.Fatal(err)
	}
	env.SetNow(t, at)
	env.TimeZone = zone
	return env
}

// billingOn creates a company, a service and a monthly Recurring Service
// contract from start to end with the service on it holding units.
func billingOn(t *testing.T, env *acctest.Env, start, end string, units int) acctest.BillingTarget {
	t.Helper()
	var b acctest.BillingTarget
	b.CompanyName = env.Unique("Calendar Co")
	b.CompanyID = env.CreateCompany(t, b.CompanyName, acctest.CompanyOpts{})
	b.ServiceName = env.Unique("Petra M365")
	b.ServiceID = env.CreateService(t, b.ServiceName, 4)
	b.ContractName = env.Unique("Calendar MSA")
	b.ContractID = env.CreateContract(t, b.CompanyID, b.ContractName, start, end, acctest.ContractOpts{})
	b.ContractServiceID = env.AddContractService(t, b.ContractID, b.ServiceID, 4)
	if units != 0 {
		env.Adjust(t, b.ContractID, b.ContractServiceID, units, mustDate(t, start))
	}
	return b
}

func mustDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// adjustmentDates lists the effectiveDate of every adjustment posted after seq.
func adjustmentDates(t *testing.T, env *acctest.Env, seq int64) []string {
	t.Helper()
	var out []string
	for _, r := range requestLog(t, env, seq) {
		if !isAdjustmentPost(r) {
			continue
		}
		i := strings.Index(r.Body, `"effectiveDate":"`)
		if i < 0 {
			out = append(out, "?")
			continue
		}
		out = append(out, r.Body[i+len(`"effectiveDate":"`):i+len(`"effectiveDate":"`)+10])
	}
	return out
}

func expectAdjustmentDates(t *testing.T, env *acctest.Env, seq *int64, want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := adjustmentDates(t, env, *seq); strings.Join(got, ",") != strings.Join(want, ",") {
			return fmt.Errorf("adjustments effective %v, want %v", got, want)
		}
		return nil
	}
}

// TestAccBillingCalendar_newYorkEvening: at 20:00 on 30 November in New
// York (1 December in UTC), with time_zone = "America/New_York", a contract
// starting 1 December has not started (the seed's text), one ending
// 30 November is still in effect, and the push is effective 30 November,
// under both readings of date filters. The line was also adjusted by hand
// effective today, so a units read that misses the row starting today
// (the "database" reading of a naive filter) would push the wrong delta.
func TestAccBillingCalendar_newYorkEvening(t *testing.T) {
	at := time.Date(2026, 11, 30, 20, 0, 0, 0, mustZone(t, "America/New_York"))
	for _, filters := range []string{autotasksim.DateFiltersUTC, autotasksim.DateFiltersDatabase} {
		t.Run(filters, func(t *testing.T) {
			env := calendarEnv(t, "America/New_York", filters, at)
			tenant := env.PetraTenant(t, 0).PetraTenantID
			future := billingOn(t, env, "2026-12-01", "2027-11-30", 0)
			ending := billingOn(t, env, "2026-06-01", "2026-11-30", 5)
			env.Adjust(t, ending.ContractID, ending.ContractServiceID, 2, mustDate(t, "2026-11-30")) // 7 from today
			var seq int64
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6Factories(env),
				Steps: []resource.TestStep{
					{
						Config:   billingConfig(env, "", mappingFor("test", tenant, future, 9)),
						PlanOnly: true,
						ExpectError: exactError(fmt.Sprintf("Contract %q has a start date of 2026-12-01, which is in the future. "+
							"Billing cannot be synced until the contract period has begun", future.ContractName)),
					},
					{
						PreConfig: markSeq(t, env, &seq),
						Config:    billingConfig(env, "", mappingFor("test", tenant, ending, 10)),
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue(billingAddr, tfjsonpath.New("last_push_delta"), knownvalue.Int64Exact(3)),
						},
						Check: resource.ComposeTestCheckFunc(
							expectAdjustmentDates(t, env, &seq, "2026-11-30"),
							func(*terraform.State) error {
								if got := env.UnitsOn(t, ending.ContractServiceID, mustDate(t, "2026-11-30")); got != 10 {
									return fmt.Errorf("Autotask holds %d units on 2026-11-30, want 10", got)
								}
								return nil
							},
						),
					},
				},
			})
		})
	}
}

// TestAccBillingCalendar_sydneyMorning: at 09:00 on 1 December in Sydney
// (30 November in UTC), with time_zone = "Australia/Sydney", the adjustment
// is effective 1 December, not into the November period; under both
// readings of date filters.
func TestAccBillingCalendar_sydneyMorning(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, mustZone(t, "Australia/Sydney"))
	for _, filters := range []string{autotasksim.DateFiltersUTC, autotasksim.DateFiltersDatabase} {
		t.Run(filters, func(t *testing.T) {
			env := calendarEnv(t, "Australia/Sydney", filters, at)
			tenant := env.PetraTenant(t, 0).PetraTenantID
			b := billingOn(t, env, "2026-06-01", "2027-05-31", 5)
			var seq int64
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6Factories(env),
				Steps: []resource.TestStep{{
					PreConfig: markSeq(t, env, &seq),
					Config:    billingConfig(env, "", mappingFor("test", tenant, b, 9)),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(billingAddr, tfjsonpath.New("last_push_delta"), knownvalue.Int64Exact(4)),
					},
					Check: resource.ComposeTestCheckFunc(
						expectAdjustmentDates(t, env, &seq, "2026-12-01"),
						func(*terraform.State) error {
							if got := env.UnitsOn(t, b.ContractServiceID, mustDate(t, "2026-11-30")); got != 5 {
								return fmt.Errorf("the November period holds %d units, want 5 (untouched)", got)
							}
							if got := env.UnitsOn(t, b.ContractServiceID, mustDate(t, "2026-12-01")); got != 9 {
								return fmt.Errorf("Autotask holds %d units on 2026-12-01, want 9", got)
							}
							return nil
						},
					),
				}},
			})
		})
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// effectiveMapping is a mapping block with an effective setting.
func effectiveMapping(env *acctest.Env, tenant string, b acctest.BillingTarget, units int64, effective string) string {
	hcl := mappingFor("test", tenant, b, units).hcl(env)
	if effective == "" {
		return hcl
	}
	return strings.Replace(hcl, "  units ", fmt.Sprintf("  effective     = %q\n  units ", effective), 1)
}

func expectBillingItems(t *testing.T, env *acctest.Env, csID int64, want int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		items, err := env.Sandbox.Admin.BillingItems(context.Background(), csID)
		if err != nil {
			return err
		}
		if len(items) != want {
			return fmt.Errorf("%d billing items on line %d, want %d: %+v", len(items), csID, want, items)
		}
		return nil
	}
}

// TestAccBillingEffective_prorations: mid-period, effective = "today"
// creates one prorated billing item per apply (a flip-flop over two applies
// creates two), and effective = "next_period" creates none: the change lands
// on the first day of the next period, and refresh compares against that
// period's units.
func TestAccBillingEffective_prorations(t *testing.T) {
	mid := time.Date(2026, 11, 17, 12, 0, 0, 0, time.UTC)
	t.Run("today", func(t *testing.T) {
		env := calendarEnv(t, "UTC", autotasksim.DateFiltersUTC, mid)
		env.TimeZone = "UTC"
		tenant := env.PetraTenant(t, 0).PetraTenantID
		b := billingOn(t, env, "2026-06-01", "2027-05-31", 5)
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: protoV6Factories(env),
			Steps: []resource.TestStep{
				{Config: env.ProviderConfig() + effectiveMapping(env, tenant, b, 8, ""), Check: expectBillingItems(t, env, b.ContractServiceID, 1)},
				{Config: env.ProviderConfig() + effectiveMapping(env, tenant, b, 5, ""), Check: expectBillingItems(t, env, b.ContractServiceID, 2)},
			},
		})
	})
	t.Run("next_period", func(t *testing.T) {
		env := calendarEnv(t, "UTC", autotasksim.DateFiltersUTC, mid)
		tenant := env.PetraTenant(t, 0).PetraTenantID
		b := billingOn(t, env, "2026-06-01", "2027-05-31", 5)
		var seq int64
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: protoV6Factories(env),
			Steps: []resource.TestStep{
				{
					PreConfig: markSeq(t, env, &seq),
					Config:    env.ProviderConfig() + effectiveMapping(env, tenant, b, 8, "next_period"),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(billingAddr, tfjsonpath.New("effective"), knownvalue.StringExact("next_period")),
						statecheck.ExpectKnownValue(billingAddr, tfjsonpath.New("units"), knownvalue.Int64Exact(8)),
					},
					Check: resource.ComposeTestCheckFunc(
						expectBillingItems(t, env, b.ContractServiceID, 0),
						expectAdjustmentDates(t, env, &seq, "2026-12-01"),
						func(*terraform.State) error {
							if got := env.UnitsOn(t, b.ContractServiceID, mid); got != 5 {
								return fmt.Errorf("the current period holds %d units, want 5", got)
							}
							return nil
						},
					),
				},
				{
					// Import reads the mapping back (effective defaults to today on import).
					ResourceName: billingAddr, ImportState: true, ImportStateVerify: true,
					ImportStateVerifyIgnore: []string{"last_push_delta", "last_push_at", "effective", "units", "claim_token", "claim_note_id"},
				},
			},
		})
	})
}

// TestAccBillingPostedPeriod: a push into an approved and posted period is
// refused with Autotask's text and the fix, once, with nothing retried;
// effective = "next_period" then lands in the open period.
func TestAccBillingPostedPeriod(t *testing.T) {
	mid := time.Date(2026, 11, 17, 12, 0, 0, 0, time.UTC)
	env := calendarEnv(t, "UTC", autotasksim.DateFiltersUTC, mid)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	b := billingOn(t, env, "2026-06-01", "2027-05-31", 5)
	if _, err := env.Sandbox.Admin.PostPeriods(context.Background(), autotasksim.PostedPeriods{ContractID: b.ContractID, Through: "2026-11-17"}); err != nil {
		t.Fatal(err)
	}
	var seq int64
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				PreConfig: markSeq(t, env, &seq),
				Config:    env.ProviderConfig() + effectiveMapping(env, tenant, b, 8, ""),
				ExpectError: exactParts("Unable to make changes as it would result in the deletion/modification of an already approved and posted contract period",
					"The adjustment would take effect on 2026-11-17", `Set effective = "next_period"`),
			},
			{
				Config: env.ProviderConfig() + effectiveMapping(env, tenant, b, 8, "next_period"),
				Check: resource.ComposeTestCheckFunc(
					// One refused post (never retried), then one into December.
					expectAdjustmentDates(t, env, &seq, "2026-11-17", "2026-12-01"),
					expectBillingItems(t, env, b.ContractServiceID, 0),
				),
			},
		},
	})
}

// TestAccBillingRestrictedRows: a mapping created by a full user, then
// refreshed by a Restricted user whose scope leaves the customer out, is
// kept in state with an error saying the line is not visible, not dropped.
func TestAccBillingRestrictedRows(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	b := env.NewBillingTarget(t, 5)
	other := env.CreateCompany(t, env.Unique("Other Co"), acctest.CompanyOpts{})
	const user, secret = "petra-api-scoped@sandbox.example", "sandbox-scoped-secret-do-not-use"
	if err := env.Sandbox.Admin.SetAutotaskUser(context.Background(), autotasksim.APIUser{
		UserName: user, Secret: secret, IntegrationCode: env.Sandbox.IntegrationCode, SecurityLevel: autotasksim.SecurityLevelAPICustom,
		CompanyScope: []int64{other},
		Permissions: map[string]autotasksim.EntityPermission{
			"Companies": {Query: "All"}, "Services": {Query: "All"},
			"Contracts": {Query: "Restricted", Update: "All"}, "ContractServices": {Query: "Restricted"},
			"ContractServiceUnits": {Query: "Restricted"}, "ContractServiceAdjustments": {Create: "All"},
		}}); err != nil {
		t.Fatal(err)
	}
	full := billingConfig(env, "", mappingFor("test", tenant, b, 8))
	scoped := customUserProvider(env, user, secret) + strings.Replace(mappingFor("test", tenant, b, 8).hcl(env),
		fmt.Sprintf("%q", env.Username()), fmt.Sprintf("%q", user), 1)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{Config: full},
			{
				// Refresh (Read) runs before the plan and fails, keeping state.
				Config:      scoped,
				ExpectError: exactParts("Billing line not visible to this API user", fmt.Sprintf("Autotask returned no contract service %d", b.ContractServiceID), "the mapping is kept in state"),
			},
			{
				// Still in state: the full user's plan is empty.
				Config:   full,
				PlanOnly: true,
			},
		},
	})
}

// TestAccBillingUnitsWithoutContractServiceID: ContractServiceUnits rows
// without a contractServiceID are matched by contract and service, so the
// push adds the difference (3), not the full target on top of 5.
func TestAccBillingUnitsWithoutContractServiceID(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	b := env.NewBillingTarget(t, 5)
	setting := func(on bool) {
		if _, err := env.Sandbox.Admin.SetAutotaskSettings(context.Background(), autotasksim.BehaviourUpdate{UnitsWithoutContractServiceID: &on}); err != nil {
			t.Fatal(err)
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				PreConfig: func() { setting(true) },
				Config:    billingConfig(env, "", mappingFor("test", tenant, b, 8)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(billingAddr, tfjsonpath.New("last_push_delta"), knownvalue.Int64Exact(3)),
				},
			},
			{
				// Refresh reads 8 through rows without contractServiceID: no diff.
				Config:   billingConfig(env, "", mappingFor("test", tenant, b, 8)),
				PlanOnly: true,
			},
			{
				PreConfig: func() { setting(false) },
				Config:    billingConfig(env, "", mappingFor("test", tenant, b, 8)),
				Check: func(*terraform.State) error {
					if got := env.UnitsToday(t, b.ContractServiceID); got != 8 {
						return fmt.Errorf("Autotask holds %d units, want 8", got)
					}
					return nil
				},
			},
		},
	})
}

// TestAccPermission401: a user whose missing permissions answer 401 (as the
// seed describes) gets the one-pass verification listing them with the
// seed's advice, not a credentials error, and a billing push refused with
// that 401 says the same.
func TestAccPermission401(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t)
	const user, secret = "petra-api-401@sandbox.example", "sandbox-401-secret-do-not-use"
	if err := env.Sandbox.Admin.SetAutotaskUser(context.Background(), autotasksim.APIUser{
		UserName: user, Secret: secret, IntegrationCode: env.Sandbox.IntegrationCode, SecurityLevel: autotasksim.SecurityLevelAPICustom,
		MissingPermissionStatus: 401,
		Permissions: map[string]autotasksim.EntityPermission{
			"Companies": {Query: "All"}, "Tickets": {Query: "All", Create: "All", Update: "All"},
			"Contracts": {Query: "All"}, "ContractServices": {Query: "All"}, "ContractServiceUnits": {Query: "All"},
			"Services": {Query: "All"}, "ContractNotes": {Query: "All", Create: "All", Update: "All"},
		}}); err != nil {
		t.Fatal(err)
	}
	tenant := env.PetraTenant(t, 0).PetraTenantID
	b := env.NewBillingTarget(t, 5)
	mapping := strings.Replace(mappingFor("test", tenant, b, 8).hcl(env), fmt.Sprintf("%q", env.Username()), fmt.Sprintf("%q", user), 1)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				Config: connProviderAs(env, user, secret, env.Sandbox.IntegrationCode) + connResource(`["billing"]`),
				ExpectError: exactParts("Error: Autotask API user lacks permissions",
					"- billing: Contracts (update), ContractServiceAdjustments (create) missing", access.PermissionFix),
			},
			{
				Config: customUserProvider(env, user, secret) + mapping,
				ExpectError: exactParts("Pushing units to Autotask failed", "Autotask answered HTTP 401 Unauthorized to create",
					"Autotask answers some missing permissions with 401", access.PermissionFix),
			},
		},
	})
}
