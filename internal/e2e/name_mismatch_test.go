package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
)

const nameMismatchTF = `terraform {
  required_providers {
    petra = { source = "petrasecurity/petra" }
  }
}

resource "petra_autotask_connection" "this" {}

resource "petra_autotask_billing_mapping" "harbor" {
  connection_id = petra_autotask_connection.this.id
  tenant_id     = "ZZk90t"
  company_id    = %d
  contract_id   = %d
  service_id    = %d
  units         = 44
%s}
`

// TestNameMismatchWarning is issue 23's report: a billing mapping of Petra's
// "Harbor Dental Group" on the contract of the Autotask company "Load Co
// 0089". Its plan warns, naming both names, and still plans (nothing
// fails); with acknowledge_name_mismatch = true the same plan has no
// warning; the acknowledged mapping applies, and its next plan is empty and
// silent.
func TestNameMismatchWarning(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	company := env.CreateCompany(t, "Load Co 0089", acctest.CompanyOpts{})
	service := env.CreateService(t, env.Unique("Petra M365 Protection"), 4.5)
	contract := env.CreateContract(t, company, "Load Co 0089 - Managed Security", env.Date(-60), env.Date(300), acctest.ContractOpts{})
	env.AddContractService(t, contract, service, 4.5)

	vars := cliEnvVars(env)
	w := NewWorkdir(t, fmt.Sprintf(nameMismatchTF, company, contract, service, ""), vars)
	plan := w.MustRun(nil, "plan", "-input=false", "-no-color")
	flat := strings.Join(strings.Fields(plan.Output()), " ")
	for _, want := range []string{
		"Warning: Billing for Harbor Dental Group (ZZk90t): tenant and company names share no word",
		"with petra_autotask_billing_mapping.harbor, on main.tf line 12, in resource \"petra_autotask_billing_mapping\" \"harbor\": 12: company_id = " + fmt.Sprint(company),
		fmt.Sprintf(`Petra tenant "Harbor Dental Group" (ZZk90t) is mapped to Autotask company "Load Co 0089" (%d), and the two names have no word in common`, company),
		"set acknowledge_name_mismatch = true on this mapping to stop this warning.",
		"Plan: 2 to add, 0 to change, 0 to destroy.",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("the plan does not show %q:\n%s", want, tail(plan.Output(), 4000))
		}
	}
	if n := strings.Count(plan.Output(), "share no word"); n != 1 {
		t.Errorf("the warning is shown %d times, want once:\n%s", n, tail(plan.Output(), 4000))
	}

	w.writeFile(t, "main.tf", fmt.Sprintf(nameMismatchTF, company, contract, service, "\n  acknowledge_name_mismatch = true # Load Co is billed for Harbor Dental Group\n"))
	plan = w.MustRun(nil, "plan", "-input=false", "-no-color")
	if strings.Contains(plan.Output(), "share no word") || !strings.Contains(plan.Output(), "Plan: 2 to add") {
		t.Errorf("the acknowledged mapping still warns, or does not plan:\n%s", tail(plan.Output(), 4000))
	}
	apply := w.MustRun(nil, "apply", "-auto-approve", "-input=false", "-no-color")
	if strings.Contains(apply.Output(), "share no word") {
		t.Errorf("the acknowledged mapping warns at apply:\n%s", tail(apply.Output(), 4000))
	}
	again := w.Run(nil, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	if again.ExitCode != 0 || strings.Contains(again.Output(), "Warning: Billing for") {
		t.Errorf("after the apply: plan exited %d, want 0 and no names warning:\n%s", again.ExitCode, tail(again.Output(), 4000))
	}
}
