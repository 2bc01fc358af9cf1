package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
)

// TestValidateCatchesBadSettingsOffline: `terraform validate`, with no
// credentials and no network, rejects every setting that can be judged
// offline, each with its own message on its attribute.
func TestValidateCatchesBadSettingsOffline(t *testing.T) {
	const header = `terraform {
  required_providers {
    petra = { source = "petrasecurity/petra" }
  }
}
`
	cases := map[string]struct {
		tf   string
		want []string
	}{
		"provider": {header + `
provider "petra" {
  billing_check_failure = "warning"
  autotask {
    base_url  = "http://webservices14.autotask.net/ATServicesRest/"
    time_zone = "Mars/Olympus_Mons"
  }
  petra {
    api_url = "ftp://api.petrasecurity.com"
  }
}

data "petra_tenants" "all" {}
`, []string{
			`Error: Invalid Attribute Value Match`,
			`Attribute billing_check_failure value must be one of: ["error" "warn"], got: "warning"`,
			`Error: Invalid time_zone`,
			`autotask.time_zone (or the AUTOTASK_TIME_ZONE environment variable) is "Mars/Olympus_Mons", which is not an IANA time zone name.`,
			`Error: Insecure Autotask base URL`,
			`autotask.base_url (or the AUTOTASK_BASE_URL environment variable) is "http://webservices14.autotask.net/ATServicesRest/", which uses plain HTTP.`,
			`Error: Invalid Petra API URL`,
		}},
		"resources": {header + `
provider "petra" {}

resource "petra_autotask_billing_mapping" "m" {
  connection_id = "900001"
  tenant_id     = "ZZk90t "
  company_id    = 0
  contract_id   = 2001
  service_id    = 3001
  units         = 1.5
  on_destroy    = "delete"
  effective     = "tomorrow"
}

resource "petra_autotask_ticket_defaults" "d" {
  connection_id   = "900001"
  queue           = " Monitoring Alerts"
  creation_status = "New"
  update_status   = ""
}
`, []string{
			`Error: Invalid Petra tenant ID`,
			`tenant_id "ZZk90t " contains white space.`,
			`company_id is 0, but Autotask ids are positive whole numbers`,
			`units is 1.5, but Autotask counts whole units.`,
			`Attribute on_destroy value must be one of: ["keep" "zero"], got: "delete"`,
			`Attribute effective value must be one of: ["today" "next_period"], got: "tomorrow"`,
			`queue " Monitoring Alerts" has leading or trailing spaces.`,
			`update_status "" is empty.`,
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := NewWorkdir(t, tc.tf, nil)
			res := w.Run(nil, "validate", "-no-color")
			if res.ExitCode != 1 {
				t.Fatalf("validate exited %d, want 1:\n%s", res.ExitCode, res.Output())
			}
			flat := strings.Join(strings.Fields(res.Output()), " ")
			for _, want := range tc.want {
				if !strings.Contains(flat, want) {
					t.Errorf("validate does not report %q:\n%s", want, res.Output())
				}
			}
		})
	}
}

// TestRefreshFalsePlanIsEmptyAfterAutotaskChanged: after an apply, renames
// and a longer contract in Autotask leave `plan -refresh=false` empty (the
// plan reads names from state, not from Autotask), and a refreshing plan
// records them without planning a change.
func TestRefreshFalsePlanIsEmptyAfterAutotaskChanged(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	b := env.NewBillingTarget(t, 3)
	secrets := env.Secrets()
	w := NewWorkdir(t, fmt.Sprintf(`terraform {
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

resource "petra_autotask_ticket_defaults" "d" {
  connection_id   = petra_autotask_connection.this.id
  queue           = "Monitoring Alerts"
  creation_status = "New"
  update_status   = "In Progress"
}

resource "petra_autotask_billing_mapping" "b" {
  connection_id = petra_autotask_connection.this.id
  tenant_id     = petra_autotask_tenant_mapping.t.tenant_id
  company_id    = petra_autotask_tenant_mapping.t.company_id
  contract_id   = %d
  service_id    = %d
  units         = 7
}
`, tenant, b.CompanyID, b.ContractID, b.ServiceID), map[string]string{
		"AUTOTASK_USERNAME": env.Username(), "AUTOTASK_SECRET": secrets[0], "AUTOTASK_INTEGRATION_CODE": secrets[1],
		"AUTOTASK_ZONE_LOOKUP_URL": env.Sandbox.ZoneLookupURL, "PETRA_API_KEY": secrets[2], "PETRA_API_URL": env.Sandbox.PetraURL,
	})
	w.MustRun(nil, "apply", "-auto-approve", "-input=false", "-no-color")
	env.UpdateContract(t, b.ContractID, map[string]any{"contractName": env.Unique("Renamed"), "endDate": env.Date(800) + "T00:00:00Z"})
	if _, err := env.AT.Update(t.Context(), "Companies", map[string]any{"id": b.CompanyID, "companyName": env.Unique("Renamed Co")}); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"plan", "-refresh=false"}, {"plan"}} {
		res := w.Run(nil, append(args, "-detailed-exitcode", "-input=false", "-no-color")...)
		if res.ExitCode != 0 {
			t.Errorf("terraform %s after renames in Autotask exited %d, want 0 (no changes):\n%s",
				strings.Join(args, " "), res.ExitCode, tail(res.Output(), 4000))
		}
	}
}
