package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/autotasksim"
)

// The five cases of issue 19, run from outside as a user would: the built
// provider under the Terraform CLI against the sandbox, units read per
// period through the Autotask REST API, adjustments and billing items from
// the sandbox's logs. Each ends with every period at its target and the
// next plan empty.

// monthStart is the first day of the month n months from t's.
func monthStart(t time.Time, n int) time.Time {
	return time.Date(t.Year(), t.Month()+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
}

// monthlyLine is a line at 10 units on a monthly contract whose periods
// start on the first of each month (from six months ago to in a year).
func monthlyLine(t *testing.T, env *acctest.Env, startDay int) acctest.BillingTarget {
	t.Helper()
	var b acctest.BillingTarget
	b.CompanyName = env.Unique("Periods Co")
	b.CompanyID = env.CreateCompany(t, b.CompanyName, acctest.CompanyOpts{})
	b.ServiceName = env.Unique("Petra M365")
	b.ServiceID = env.CreateService(t, b.ServiceName, 4)
	b.ContractName = env.Unique("Periods MSA")
	start := monthStart(env.Today, -6).AddDate(0, 0, startDay-1)
	end := monthStart(env.Today, 12).AddDate(0, 0, -1)
	b.ContractID = env.CreateContract(t, b.CompanyID, b.ContractName, start.Format(time.DateOnly), end.Format(time.DateOnly), acctest.ContractOpts{})
	b.ContractServiceID = env.AddContractService(t, b.ContractID, b.ServiceID, 4)
	env.Adjust(t, b.ContractID, b.ContractServiceID, 10, start)
	return b
}

// periodsConfig is one billing mapping with effective and on_destroy.
func periodsConfig(env *acctest.Env, tenant string, b acctest.BillingTarget, units int, effective, onDestroy string) string {
	m := mappingHCL(env, "m", "", tenant, b, fmt.Sprint(units))
	extra := fmt.Sprintf("  effective     = %q\n", effective)
	if onDestroy != "" {
		extra += fmt.Sprintf("  on_destroy    = %q\n", onDestroy)
	}
	m = strings.Replace(m, "  units ", extra+"  units ", 1)
	return fmt.Sprintf(terraformHeader, ProviderAddress) + "provider \"petra\" {}\n" + m
}

// expectPeriods checks the units on each day through the Autotask API.
func expectPeriods(t *testing.T, env *acctest.Env, csID int64, want map[time.Time]int) {
	t.Helper()
	for day, n := range want {
		if got := env.UnitsOn(t, csID, day); got != n {
			t.Errorf("line %d holds %d units on %s, want %d", csID, got, day.Format(time.DateOnly), n)
		}
	}
}

func emptyPlan(t *testing.T, w *Workdir) {
	t.Helper()
	if r := w.Run(nil, "plan", "-input=false", "-detailed-exitcode", "-no-color"); r.ExitCode != 0 {
		t.Fatalf("the next plan is not empty (exit %d):\n%s", r.ExitCode, tail(r.Output(), 4000))
	}
}

func TestPeriodsFromOutside(t *testing.T) {
	t.Run("switching effective from next_period to today", func(t *testing.T) {
		t.Parallel()
		env := acctest.New(t)
		env.RequireSandbox(t)
		tenant := env.PetraTenant(t, 0).PetraTenantID
		b := monthlyLine(t, env, 1)
		next, after := monthStart(env.Today, 1), monthStart(env.Today, 2)
		w := NewWorkdir(t, periodsConfig(env, tenant, b, 30, "next_period", ""), billingEnvVars(env, "periods"))
		w.MustRun(nil, "apply", "-input=false", "-auto-approve")
		expectPeriods(t, env, b.ContractServiceID, map[time.Time]int{env.Today: 10, next: 30, after: 30})

		w.writeFile(t, "main.tf", periodsConfig(env, tenant, b, 30, "today", ""))
		plan := w.MustRun(nil, "plan", "-input=false", "-no-color", "-out=tfplan")
		if !strings.Contains(plan.Output(), "the apply posts 2 adjustments") {
			t.Fatalf("the plan does not announce the reconciliation:\n%s", tail(plan.Output(), 4000))
		}
		seq := lastSeq(t, env)
		w.MustRun(nil, "apply", "-input=false", "tfplan")
		expectPeriods(t, env, b.ContractServiceID, map[time.Time]int{env.Today: 30, next: 30, after: 30})
		if applied, _ := appliedAdjustments(t, env, seq); applied[b.ContractServiceID] != 2 {
			t.Errorf("%d adjustments for the switch, want 2 (cancel the pending rise, then today's)", applied[b.ContractServiceID])
		}
		emptyPlan(t, w)
	})

	t.Run("zeroing a next_period mapping", func(t *testing.T) {
		t.Parallel()
		env := acctest.New(t)
		env.RequireSandbox(t)
		tenant := env.PetraTenant(t, 0).PetraTenantID
		b := monthlyLine(t, env, 1)
		next, after := monthStart(env.Today, 1), monthStart(env.Today, 2)
		w := NewWorkdir(t, periodsConfig(env, tenant, b, 30, "next_period", "zero"), billingEnvVars(env, "periods"))
		w.MustRun(nil, "apply", "-input=false", "-auto-approve")
		w.MustRun(nil, "destroy", "-input=false", "-auto-approve")
		expectPeriods(t, env, b.ContractServiceID, map[time.Time]int{env.Today: 10, next: 0, after: 0})
		if items, err := env.Sandbox.Admin.BillingItems(context.Background(), b.ContractServiceID); err != nil || len(items) != 0 {
			t.Errorf("billing items %+v, %v; want none (no prorated credit)", items, err)
		}
	})

	t.Run("no row for the next period", func(t *testing.T) {
		t.Parallel()
		env := acctest.New(t)
		env.RequireSandbox(t)
		ahead, zero := autotasksim.UnitRowsAhead, 0
		if _, err := env.Sandbox.Admin.SetAutotaskSettings(context.Background(), autotasksim.BehaviourUpdate{UnitRows: &ahead, UnitRowsDaysAhead: &zero}); err != nil {
			t.Fatal(err)
		}
		tenant := env.PetraTenant(t, 0).PetraTenantID
		b := monthlyLine(t, env, 1)
		seq := lastSeq(t, env)
		w := NewWorkdir(t, periodsConfig(env, tenant, b, 30, "next_period", ""), billingEnvVars(env, "periods"))
		r := w.Run(nil, "apply", "-input=false", "-auto-approve", "-no-color")
		if r.ExitCode == 0 || !strings.Contains(r.Output(), "No unit row for the effective date") {
			t.Fatalf("apply without the next period's row (exit %d):\n%s", r.ExitCode, tail(r.Output(), 4000))
		}
		if _, sent := appliedAdjustments(t, env, seq); sent != 0 {
			t.Fatalf("%d adjustments posted on a guess, want 0", sent)
		}
		expectPeriods(t, env, b.ContractServiceID, map[time.Time]int{env.Today: 10})
	})

	t.Run("periods on calendar months", func(t *testing.T) {
		t.Parallel()
		env := acctest.New(t)
		env.RequireSandbox(t)
		calendar := autotasksim.PeriodAnchorCalendarMonth
		if _, err := env.Sandbox.Admin.SetAutotaskSettings(context.Background(), autotasksim.BehaviourUpdate{PeriodAnchor: &calendar}); err != nil {
			t.Fatal(err)
		}
		tenant := env.PetraTenant(t, 0).PetraTenantID
		b := monthlyLine(t, env, 15) // the contract starts on the 15th
		next := monthStart(env.Today, 1)
		w := NewWorkdir(t, periodsConfig(env, tenant, b, 30, "next_period", ""), billingEnvVars(env, "periods"))
		w.MustRun(nil, "apply", "-input=false", "-auto-approve")
		expectPeriods(t, env, b.ContractServiceID, map[time.Time]int{env.Today: 10, next.AddDate(0, 0, -1): 10, next: 30})
		if items, err := env.Sandbox.Admin.BillingItems(context.Background(), b.ContractServiceID); err != nil || len(items) != 0 {
			t.Errorf("billing items %+v, %v; want none (the change lands on the period's first day)", items, err)
		}
		emptyPlan(t, w)
	})

	t.Run("the preview of an ended contract", func(t *testing.T) {
		t.Parallel()
		env := acctest.New(t)
		env.RequireSandbox(t)
		b := env.NewBillingTarget(t, 5)
		ended := env.CreateContract(t, b.CompanyID, "Oakline MSA", env.Date(-400), env.Date(-36), acctest.ContractOpts{})
		env.AddContractService(t, ended, b.ServiceID, 4)
		cfg := fmt.Sprintf(terraformHeader, ProviderAddress) + "provider \"petra\" {}\n" + fmt.Sprintf(`
data "petra_autotask_contract_service_units" "now" {
  lines = { oakline = { contract_id = %d, service_id = %d, target_units = 27 } }
}
output "preview" { value = data.petra_autotask_contract_service_units.now.results["oakline"].preview }
`, ended, b.ServiceID)
		w := NewWorkdir(t, cfg, billingEnvVars(env, "periods"))
		w.MustRun(nil, "apply", "-input=false", "-auto-approve")
		out := strings.TrimSpace(w.MustRun(nil, "output", "-raw", "preview").Stdout)
		want := fmt.Sprintf("%s / Oakline MSA / %s: will fail: Contract \"Oakline MSA\" ended on %s.", b.CompanyName, b.ServiceName, env.Date(-36))
		if out != want {
			t.Fatalf("preview = %q, want %q", out, want)
		}
	})
}
