package e2e

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
)

// TestSecretsNeverReachLogsStateOrPlans runs the real provider binary under
// the Terraform CLI at the most verbose log levels, through a plan saved to a
// file, an apply and a refresh that touch every part of the provider, and
// then searches the logs, the state and every file inside the saved plan for
// the Autotask secret, the integration code and the Petra key.
func TestSecretsNeverReachLogsStateOrPlans(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	target := env.NewBillingTarget(t, 2)
	tenant := env.PetraTenant(t, 0)

	mainTF := fmt.Sprintf(`
terraform {
  required_providers {
    petra = { source = %q }
  }
}

provider "petra" {}

resource "petra_autotask_connection" "this" {}

data "petra_tenants" "all" {}

data "petra_autotask_companies" "all" {}

data "petra_usage" "now" {}

resource "petra_autotask_tenant_mapping" "t" {
  connection_id = petra_autotask_connection.this.id
  tenant_id     = %q
  company_id    = %d
}

resource "petra_autotask_billing_mapping" "t" {
  connection_id = petra_autotask_connection.this.id
  tenant_id     = petra_autotask_tenant_mapping.t.tenant_id
  company_id    = %d
  contract_id   = %d
  service_id    = %d
  units         = 7
}

output "tenant_count" {
  value = length(data.petra_tenants.all.tenants)
}
`, ProviderAddress, tenant.PetraTenantID, target.CompanyID, target.CompanyID, target.ContractID, target.ServiceID)

	secrets := env.Secrets()
	w := NewWorkdir(t, mainTF, map[string]string{
		"AUTOTASK_USERNAME":         env.Username(),
		"AUTOTASK_SECRET":           secrets[0],
		"AUTOTASK_INTEGRATION_CODE": secrets[1],
		"AUTOTASK_ZONE_LOOKUP_URL":  env.Sandbox.ZoneLookupURL,
		"PETRA_API_KEY":             secrets[2],
		"PETRA_API_URL":             env.Sandbox.PetraURL,
	})

	var logs strings.Builder
	plan := w.MustRun([]string{"TF_LOG=TRACE"}, "plan", "-input=false", "-out=tfplan")
	logs.WriteString(plan.Output())
	apply := w.MustRun([]string{"TF_LOG=JSON"}, "apply", "-input=false", "tfplan")
	logs.WriteString(apply.Output())
	refresh := w.MustRun([]string{"TF_LOG=DEBUG", "TF_LOG_PROVIDER=TRACE"}, "plan", "-input=false", "-refresh-only", "-out=refresh.tfplan")
	logs.WriteString(refresh.Output())

	if got := env.UnitsToday(t, target.ContractServiceID); got != 7 {
		t.Fatalf("the apply did not push units (units today = %d, want 7): the run did not exercise the push path", got)
	}
	text := logs.String()
	// The logs must be real provider logs, or finding nothing proves nothing.
	for _, want := range []string{"zoneInformation", "ContractServiceAdjustments", "/v1/tenants"} {
		if !strings.Contains(text, want) {
			t.Fatalf("the TRACE logs do not mention %q; provider request logging is not reaching Terraform's log, so this test would prove nothing", want)
		}
	}

	files := map[string][]byte{"logs": []byte(text)}
	state, err := os.ReadFile(filepath.Join(w.Dir, "terraform.tfstate"))
	if err != nil {
		t.Fatalf("reading state: %v", err)
	}
	files["terraform.tfstate"] = state
	for _, p := range []string{"tfplan", "refresh.tfplan"} {
		for name, b := range zipEntries(t, filepath.Join(w.Dir, p)) {
			files[p+":"+name] = b
		}
	}
	for where, b := range files {
		for i, s := range secrets {
			if s == "" {
				t.Fatalf("secret #%d is empty; the test would prove nothing", i)
			}
			if strings.Contains(string(b), s) {
				t.Errorf("secret #%d (%s) found in %s", i, []string{"Autotask secret", "Autotask integration code", "Petra API key"}[i], where)
			}
		}
	}
}

// zipEntries returns every file inside a saved plan (a zip archive), so the
// search covers the compressed contents, not the compressed bytes.
func zipEntries(t *testing.T, path string) map[string][]byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("opening saved plan %s: %v", path, err)
	}
	defer zr.Close()
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = b
	}
	if len(out) == 0 {
		t.Fatalf("saved plan %s has no entries", path)
	}
	return out
}
