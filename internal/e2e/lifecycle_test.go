package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
)

// TestLifecycleUnderTheCLI drives the built provider through what an MSP
// team does with it, under whichever CLI TF_ACC_TERRAFORM_PATH names
// (Terraform in `make test`, OpenTofu in `make test-opentofu`): a plan that
// a billing check must stop, an apply that pushes Petra's live count, a hand
// edit in Autotask seen as drift and undone, an empty plan, and a destroy
// that leaves Autotask as it is.
func TestLifecycleUnderTheCLI(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	ctx := context.Background()
	target := env.NewBillingTarget(t, 5)
	ended := env.CreateContract(t, target.CompanyID, env.Unique("Ended contract"), env.Date(-400), env.Date(-30), acctest.ContractOpts{})
	endedLine := env.AddContractService(t, ended, target.ServiceID, 4.5)
	tenant := env.PetraTenant(t, 0)
	usage, err := env.Petra.Usage(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	live := -1
	for _, u := range usage.Tenants {
		if u.PetraTenantID == tenant.PetraTenantID {
			live = u.BillableUsersThisMonth
		}
	}
	if live <= 0 || live == 5 {
		t.Fatalf("tenant %s bills %d users; the test needs a count other than 0 and the line's 5", tenant.PetraTenantID, live)
	}

	config := func(contractID int64) string {
		return fmt.Sprintf(`
terraform {
  required_providers {
    petra = { source = "petrasecurity/petra" }
  }
}

provider "petra" {}

resource "petra_autotask_connection" "this" {}

resource "petra_autotask_tenant_mapping" "t" {
  connection_id = petra_autotask_connection.this.id
  tenant_id     = %q
  company_id    = %d
}

data "petra_usage" "this" {}

resource "petra_autotask_billing_mapping" "t" {
  connection_id = petra_autotask_connection.this.id
  tenant_id     = petra_autotask_tenant_mapping.t.tenant_id
  company_id    = %d
  contract_id   = %d
  service_id    = %d
  units         = data.petra_usage.this.tenants[%q].billable_users_this_month
}
`, tenant.PetraTenantID, target.CompanyID, target.CompanyID, contractID, target.ServiceID, tenant.PetraTenantID)
	}
	envVars := cliEnvVars(env)

	// 1. A plan-time check stops a mapping to an ended contract; nothing is written.
	w := NewWorkdir(t, config(ended), envVars)
	r := w.Run(nil, "plan", "-input=false", "-no-color")
	if r.ExitCode != 1 || !strings.Contains(r.Output(), "Contract has ended") {
		t.Fatalf("plan against an ended contract: exit %d, want 1 with \"Contract has ended\"\n%s", r.ExitCode, tail(r.Output(), 4000))
	}
	if got := env.UnitsToday(t, endedLine); got != 0 {
		t.Fatalf("the failed plan changed the ended contract's units to %d", got)
	}

	// 2. The apply pushes Petra's live count.
	w = NewWorkdir(t, config(target.ContractID), envVars)
	w.MustRun(nil, "apply", "-input=false", "-no-color", "-auto-approve")
	if got := env.UnitsToday(t, target.ContractServiceID); got != live {
		t.Fatalf("after apply Autotask holds %d units, want Petra's live count %d", got, live)
	}

	// 3. A hand edit in Autotask is drift: a refresh-only plan shows it, the
	// next apply restores the count.
	env.SetUnits(t, target.ContractID, target.ContractServiceID, live+3)
	r = w.Run(nil, "plan", "-refresh-only", "-input=false", "-no-color", "-detailed-exitcode")
	if r.ExitCode != 2 || !strings.Contains(r.Output(), "units") {
		t.Fatalf("refresh-only plan after a hand edit: exit %d, want 2 showing units changed outside\n%s", r.ExitCode, tail(r.Output(), 4000))
	}
	w.MustRun(nil, "apply", "-input=false", "-no-color", "-auto-approve")
	if got := env.UnitsToday(t, target.ContractServiceID); got != live {
		t.Fatalf("after the drift apply Autotask holds %d units, want %d", got, live)
	}
	if r := w.Run(nil, "plan", "-input=false", "-no-color", "-detailed-exitcode"); r.ExitCode != 0 {
		t.Fatalf("plan after apply: exit %d, want 0 (no changes)\n%s", r.ExitCode, tail(r.Output(), 4000))
	}

	// 4. Destroy writes nothing: the line keeps its units.
	var since int64
	if !env.Real {
		reqs, err := env.Sandbox.Admin.Requests(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(reqs); n > 0 {
			since = reqs[n-1].Seq
		}
	}
	w.MustRun(nil, "destroy", "-input=false", "-no-color", "-auto-approve")
	if got := env.UnitsToday(t, target.ContractServiceID); got != live {
		t.Fatalf("destroy changed the line's units to %d (want %d kept)", got, live)
	}
	if !env.Real {
		reqs, err := env.Sandbox.Admin.Requests(ctx, since)
		if err != nil {
			t.Fatal(err)
		}
		// The only write is the billing mapping releasing its claim note.
		released := 0
		for _, rq := range reqs {
			p := strings.ToLower(rq.Path)
			if rq.API != "autotask" || rq.Method == "GET" || strings.Contains(p, "/query") {
				continue
			}
			if rq.Method == "PATCH" && strings.HasSuffix(p, "/notes") {
				released++
				continue
			}
			t.Errorf("destroy wrote to Autotask: %s %s", rq.Method, rq.Path)
		}
		if released != 1 {
			t.Errorf("destroy released %d claim notes, want the billing mapping's 1", released)
		}
	}
	if c := env.ClaimNotes(t, target.ContractID); len(c) != 0 {
		t.Errorf("the billing mapping's claim is still active after destroy: %+v", c)
	}
}
