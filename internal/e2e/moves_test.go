package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
)

// moveTF is one billing mapping; the target and on_destroy vary.
const moveTF = `terraform {
  required_providers {
    petra = { source = "petrasecurity/petra" }
  }
}

provider "petra" {}

resource "petra_autotask_connection" "this" {}

resource "petra_autotask_billing_mapping" "tenant" {
  connection_id = petra_autotask_connection.this.id
  tenant_id     = %q
  company_id    = %d
  contract_id   = %d
  service_id    = %d
  units         = 11
  on_destroy    = %q
}
`

// TestMovingATenantSaysWhatHappensToTheUnits moves a tenant to another
// contract, service or company with on_destroy = "keep" and "zero", and
// asserts through the Autotask API the units on the old and the new line,
// and the plan's warning. Destroying a "zero" mapping pushes 0 exactly once.
func TestMovingATenantSaysWhatHappensToTheUnits(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	secrets := env.Secrets()
	vars := map[string]string{
		"AUTOTASK_USERNAME": env.Username(), "AUTOTASK_SECRET": secrets[0], "AUTOTASK_INTEGRATION_CODE": secrets[1],
		"AUTOTASK_ZONE_LOOKUP_URL": env.Sandbox.ZoneLookupURL, "PETRA_API_KEY": secrets[2], "PETRA_API_URL": env.Sandbox.PetraURL,
	}
	tenant := env.PetraTenant(t, 0).PetraTenantID

	// sameCompany is another contract of from's company carrying its
	// service; otherService another service line on from's contract.
	sameCompany := func(from acctest.BillingTarget) acctest.BillingTarget {
		to := from
		to.ContractName = env.Unique("Second Contract")
		to.ContractID = env.CreateContract(t, from.CompanyID, to.ContractName, env.Date(-30), env.Date(330), acctest.ContractOpts{})
		to.ContractServiceID = env.AddContractService(t, to.ContractID, from.ServiceID, 4.5)
		return to
	}
	otherService := func(from acctest.BillingTarget) acctest.BillingTarget {
		to := from
		to.ServiceName = env.Unique("Other Service")
		to.ServiceID = env.CreateService(t, to.ServiceName, 3)
		to.ContractServiceID = env.AddContractService(t, from.ContractID, to.ServiceID, 3)
		return to
	}
	otherCompany := func(acctest.BillingTarget) acctest.BillingTarget { return env.NewBillingTarget(t, 0) }

	cases := []struct {
		name, onDestroy string
		move            func(acctest.BillingTarget) acctest.BillingTarget
	}{
		{"contract/keep", "keep", sameCompany},
		{"contract/zero", "zero", sameCompany},
		{"service/keep", "keep", otherService},
		{"service/zero", "zero", otherService},
		{"company/keep", "keep", otherCompany},
		{"company/zero", "zero", otherCompany},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			from := env.NewBillingTarget(t, 0)
			to := tc.move(from)
			hcl := func(b acctest.BillingTarget) string {
				return fmt.Sprintf(moveTF, tenant, b.CompanyID, b.ContractID, b.ServiceID, tc.onDestroy)
			}
			w := NewWorkdir(t, hcl(from), vars)
			w.MustRun(nil, "apply", "-auto-approve", "-input=false", "-no-color")
			if got := env.UnitsToday(t, from.ContractServiceID); got != 11 {
				t.Fatalf("after create the line holds %d units, want 11", got)
			}
			writeMain(t, w, hcl(to))
			plan := w.MustRun(nil, "plan", "-input=false", "-no-color", "-out=move.tfplan")
			flat := strings.Join(strings.Fields(plan.Output()), " ")
			if !strings.Contains(flat, "Plan: 1 to add, 0 to change, 1 to destroy.") {
				t.Fatalf("the move is not planned as a replacement:\n%s", tail(plan.Output(), 4000))
			}
			line := fmt.Sprintf("service line %d (%q on contract %q of %q)", from.ContractServiceID, from.ServiceName,
				from.ContractName, from.CompanyName)
			var want []string
			if tc.onDestroy == "keep" {
				want = []string{fmt.Sprintf(`Warning: Tenant %s: 11 units stay on the old billing line`, tenant),
					fmt.Sprintf(`Replacing the billing mapping of Petra tenant %q stops syncing %s, which keeps 11 units in `+
						`Autotask (on_destroy = "keep")`, tenant, line)}
			} else {
				want = []string{fmt.Sprintf(`Warning: Tenant %s: the old billing line goes to 0 units`, tenant),
					fmt.Sprintf(`Replacing the billing mapping of Petra tenant %q pushes %s to 0 units in effect from today `+
						`(on_destroy = "zero"); it holds 11 units now.`, tenant, line)}
			}
			for _, w := range want {
				if !strings.Contains(flat, w) {
					t.Errorf("the plan lacks\n  %s\n%s", w, tail(plan.Output(), 4000))
				}
			}
			seq := lastSeq(t, env)
			w.MustRun(nil, "apply", "-input=false", "-no-color", "move.tfplan")
			oldUnits, newUnits := env.UnitsToday(t, from.ContractServiceID), env.UnitsToday(t, to.ContractServiceID)
			wantOld, wantPosts := 11, 1
			if tc.onDestroy == "zero" {
				wantOld, wantPosts = 0, 2
			}
			if oldUnits != wantOld || newUnits != 11 {
				t.Errorf("after the move: old line %d units (want %d), new line %d (want 11)", oldUnits, wantOld, newUnits)
			}
			if n := adjustmentPosts(t, env, seq); n != wantPosts {
				t.Errorf("the move posted %d adjustments, want %d", n, wantPosts)
			}
			// Destroying: "zero" takes the line to 0 with one adjustment;
			// a second destroy attempt has nothing left to do.
			seq = lastSeq(t, env)
			destroy := w.MustRun(nil, "destroy", "-auto-approve", "-input=false", "-no-color")
			if tc.onDestroy == "keep" {
				if got := env.UnitsToday(t, to.ContractServiceID); got != 11 {
					t.Errorf("destroy with keep changed the line to %d units", got)
				}
				if !strings.Contains(destroy.Output(), "11 units stay on the old billing line") {
					t.Errorf("the destroy plan does not say the units stay:\n%s", tail(destroy.Output(), 3000))
				}
				return
			}
			if got := env.UnitsToday(t, to.ContractServiceID); got != 0 {
				t.Errorf("destroy with zero left %d units", got)
			}
			if n := adjustmentPosts(t, env, seq); n != 1 {
				t.Errorf("destroy with zero posted %d adjustments, want 1", n)
			}
		})
	}
}

func writeMain(t *testing.T, w *Workdir, hcl string) {
	t.Helper()
	w.writeFile(t, "main.tf", hcl)
}
