package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// TestSecretsStayOutOfFailureAndRetryLogs extends the secrets check to the
// paths a clean run never takes: retries after 429s and 5xx, a lost answer
// reconciled by reading back, and credentials rejected by Autotask and by
// Petra (the rejected values are secrets too). Logs at TRACE, the error
// output, the state and the saved plan must hold none of them.
func TestSecretsStayOutOfFailureAndRetryLogs(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	ctx := context.Background()
	target := env.NewBillingTarget(t, 1)
	tenant := env.PetraTenant(t, 0)
	mainTF := fmt.Sprintf(`
terraform {
  required_providers {
    petra = { source = %q }
  }
}

provider "petra" {}

data "petra_tenants" "all" {}

resource "petra_autotask_billing_mapping" "t" {
  connection_id = %q
  tenant_id     = %q
  company_id    = %d
  contract_id   = %d
  service_id    = %d
  units         = 4
}
`, ProviderAddress, env.ConnectionID(), tenant.PetraTenantID, target.CompanyID, target.ContractID, target.ServiceID)

	secrets := env.Secrets()
	const wrongSecret = "Wr0ngButStillSecret!x9"
	const wrongKey = "petra_wrongbutsecret_7f3a9c"
	base := map[string]string{
		"AUTOTASK_USERNAME":         env.Username(),
		"AUTOTASK_SECRET":           secrets[0],
		"AUTOTASK_INTEGRATION_CODE": secrets[1],
		"AUTOTASK_ZONE_LOOKUP_URL":  env.Sandbox.ZoneLookupURL,
		"PETRA_API_KEY":             secrets[2],
		"PETRA_API_URL":             env.Sandbox.PetraURL,
	}
	w := NewWorkdir(t, mainTF, base)
	admin := env.Sandbox.Admin
	inject := func(f sandbox.FaultRule) {
		t.Helper()
		if _, err := admin.InjectFault(ctx, f); err != nil {
			t.Fatal(err)
		}
	}

	var logs strings.Builder
	// Retries and reconciliation: a 429 and a 503 on reads, a lost answer on
	// the adjustment, a 429 from Petra.
	inject(sandbox.FaultRule{Method: "POST", Path: "/ATServicesRest/V1.0/ContractServiceUnits/query", Action: sandbox.FaultFail,
		Status: 429, Headers: map[string]string{"Retry-After": "0"}, Count: 1})
	inject(sandbox.FaultRule{Method: "POST", Path: "/ATServicesRest/V1.0/Contracts/query", Action: sandbox.FaultFail, Status: 503, Count: 1})
	inject(sandbox.FaultRule{Method: "POST", Path: "/ATServicesRest/V1.0/ContractServiceAdjustments", Action: sandbox.FaultCommitThenDrop, Count: 1})
	inject(sandbox.FaultRule{Path: "/petra/v1/tenants", Action: sandbox.FaultFail, Status: 429, Headers: map[string]string{"Retry-After": "0"}, Count: 1})
	apply := w.MustRun([]string{"TF_LOG=TRACE"}, "apply", "-input=false", "-auto-approve")
	logs.WriteString(apply.Output())
	if got := env.UnitsToday(t, target.ContractServiceID); got != 4 {
		t.Fatalf("units today = %d, want 4", got)
	}
	if faults, err := admin.Faults(ctx); err != nil || len(faults) != 0 {
		t.Fatalf("not every injected fault was hit, so not every path ran: %+v, %v", faults, err)
	}
	for _, want := range []string{"retrying Autotask request", "Petra answered 429"} {
		if !strings.Contains(logs.String(), want) {
			t.Fatalf("the TRACE log lacks %q; the retry path did not log, so this test would prove nothing", want)
		}
	}

	// Credentials rejected: a wrong Autotask secret and a wrong Petra key.
	bad := w.Run([]string{"TF_LOG=TRACE", "AUTOTASK_SECRET=" + wrongSecret, "PETRA_API_KEY=" + wrongKey},
		"plan", "-input=false", "-refresh=true", "-out=bad.tfplan")
	if bad.ExitCode == 0 {
		t.Fatal("a plan with rejected credentials succeeded")
	}
	logs.WriteString(bad.Output())
	for _, want := range []string{"Autotask rejected the API credentials", "Petra rejected the API key"} {
		if !strings.Contains(strings.Join(strings.Fields(bad.Output()), " "), want) {
			t.Fatalf("the failed plan does not say %q:\n%s", want, tail(bad.Output(), 3000))
		}
	}

	// A saved plan made with the right credentials after the failures.
	plan := w.MustRun([]string{"TF_LOG=DEBUG"}, "plan", "-input=false", "-out=after.tfplan")
	logs.WriteString(plan.Output())

	files := map[string][]byte{"logs and output": []byte(logs.String())}
	state, err := os.ReadFile(filepath.Join(w.Dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	files["terraform.tfstate"] = state
	for name, b := range zipEntries(t, filepath.Join(w.Dir, "after.tfplan")) {
		files["after.tfplan:"+name] = b
	}
	names := []string{"Autotask secret", "Autotask integration code", "Petra API key", "rejected Autotask secret", "rejected Petra key"}
	values := append(append([]string{}, secrets...), wrongSecret, wrongKey)
	for where, b := range files {
		for i, s := range values {
			if strings.Contains(string(b), s) {
				t.Errorf("%s found in %s", names[i], where)
			}
		}
	}
}
