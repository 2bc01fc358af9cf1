package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
)

// TestSavedPlanFilesAndCredentials records what Terraform core itself writes
// into a saved plan file, whatever the provider does (DESIGN.md
// "Guarantees", Secrets): the configuration's files (so a credential
// written literally in a provider block), and the values of input variables,
// sensitive ones included. Ephemeral variables (Terraform 1.10+) are not
// stored and must be given again at apply; values the provider reads from
// its own environment variables are never in the plan. Under a CLI without
// ephemeral variables (OpenTofu 1.10), the integration code comes from the
// provider's environment variable instead, and only that is checked for it.
func TestSavedPlanFilesAndCredentials(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	secrets := env.Secrets() // secret, integration code, Petra key
	ephemeral := cliHasEphemeralVariables(t)
	codeVariable, codeSetting := `
variable "integration_code" {
  type      = string
  ephemeral = true
}
`, "\n    integration_code = var.integration_code"
	codeVars := []string{"TF_VAR_integration_code=" + secrets[1]}
	if !ephemeral {
		t.Log("this CLI has no ephemeral input variables: the integration code comes from AUTOTASK_INTEGRATION_CODE")
		codeVariable, codeSetting = "", ""
		codeVars = []string{"AUTOTASK_INTEGRATION_CODE=" + secrets[1]}
	}
	mainTF := fmt.Sprintf(terraformHeader, ProviderAddress) + fmt.Sprintf(`
variable "secret" {
  type      = string
  sensitive = true
}
%s
provider "petra" {
  autotask {
    username         = %q
    secret           = var.secret%s
    zone_lookup_url  = %q
  }
  petra {
    api_key = %q
    api_url = %q
  }
}

data "petra_autotask_companies" "all" {}

output "companies" {
  value = length(data.petra_autotask_companies.all.companies)
}
`, codeVariable, env.Username(), codeSetting, env.Sandbox.ZoneLookupURL, secrets[2], env.Sandbox.PetraURL)
	w := NewWorkdir(t, mainTF, nil)
	vars := append([]string{"TF_VAR_secret=" + secrets[0]}, codeVars...)
	w.MustRun(vars, "plan", "-input=false", "-out=tfplan")

	files := zipEntries(t, filepath.Join(w.Dir, "tfplan"))
	holds := func(secret string) []string {
		var in []string
		for name, body := range files {
			if strings.Contains(string(body), secret) {
				in = append(in, name)
			}
		}
		return in
	}
	if in := holds(secrets[2]); len(in) == 0 {
		t.Errorf("a literal credential in the provider block is not in the saved plan; DESIGN.md says Terraform stores the configuration there")
	}
	if in := holds(secrets[0]); len(in) == 0 {
		t.Errorf("a sensitive variable's value is not in the saved plan; DESIGN.md says Terraform stores variable values there")
	}
	if in := holds(secrets[1]); len(in) != 0 {
		t.Errorf("the integration code (an ephemeral variable, or the provider's environment variable) is in the saved plan (%v)", in)
	}
	if !ephemeral {
		w.MustRun(vars, "apply", "-input=false", "tfplan")
		return
	}

	// The ephemeral variable must be given again to apply the plan.
	if r := w.Run([]string{"TF_VAR_secret=" + secrets[0]}, "apply", "-input=false", "tfplan"); r.ExitCode == 0 ||
		!hasText(r.Output(), `The ephemeral input variable "integration_code" was set during the plan phase, and so must also be set during the apply phase.`) {
		t.Fatalf("apply without the ephemeral variable: exit %d\n%s", r.ExitCode, tail(r.Output(), 3000))
	}
	w.MustRun([]string{"TF_VAR_integration_code=" + secrets[1]}, "apply", "-input=false", "tfplan")
}

// cliHasEphemeralVariables says whether the CLI accepts `ephemeral = true` on
// input variables: Terraform 1.10 and later, OpenTofu 1.11 and later (read
// from the first line of `<cli> version`).
func cliHasEphemeralVariables(t *testing.T) bool {
	t.Helper()
	out, stderr, err := runCLI(t, TerraformPath(t), "", emptyCLIConfig(t), "version")
	if err != nil {
		t.Fatalf("%s version: %v\n%s", TerraformPath(t), err, stderr)
	}
	first, _, _ := strings.Cut(out, "\n")
	var name string
	var major, minor int
	if _, err := fmt.Sscanf(first, "%s v%d.%d", &name, &major, &minor); err != nil {
		t.Fatalf("cannot read the CLI's version from %q: %v", first, err)
	}
	since := 10
	if name == "OpenTofu" {
		since = 11
	}
	return major > 1 || (major == 1 && minor >= since)
}
