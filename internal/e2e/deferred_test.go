package e2e

import (
	"strings"
	"testing"
)

// TestUnknownProviderSettingWarnsOnce: a provider setting that comes from a
// value known only at apply leaves every live check to the apply. The plan
// says so once, whatever the number of mappings, and makes no request (no
// Autotask or Petra is reachable here).
func TestUnknownProviderSettingWarnsOnce(t *testing.T) {
	t.Parallel()
	tf := `terraform {
  required_providers {
    petra = { source = "petrasecurity/petra" }
  }
}

resource "terraform_data" "user" {
  input = "petra-api@example.com"
}

provider "petra" {
  autotask {
    username         = terraform_data.user.output
    secret           = "not-a-real-secret"
    integration_code = "NOTAREALINTEGRATIONCODE0000"
    base_url         = "https://127.0.0.1:1/ATServicesRest/"
  }
}

resource "petra_autotask_billing_mapping" "m" {
  for_each      = toset(["a", "b", "c"])
  connection_id = "900001"
  tenant_id     = "T${each.key}"
  company_id    = 1001
  contract_id   = 2001
  service_id    = 3001
  units         = 5
}
`
	w := NewWorkdir(t, tf, nil)
	res := w.Run(nil, "plan", "-no-color", "-input=false")
	if res.ExitCode != 0 {
		t.Fatalf("plan exited %d, want 0:\n%s", res.ExitCode, res.Output())
	}
	out := res.Output()
	if n := strings.Count(out, "Warning: Live checks deferred to apply"); n != 1 {
		t.Fatalf("%d \"Live checks deferred to apply\" warnings, want exactly 1:\n%s", n, out)
	}
	for _, want := range []string{"so this plan checked nothing", "against Autotask or Petra", "run at apply, before anything is pushed",
		"Plan: 4 to add, 0 to change, 0 to destroy."} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}
}
