package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
)

// TestWrongPetraKeyIsOneErrorAndOneRequestPerRoute plans a configuration of
// 60 tenants (tenant mappings, the usage lookup, billing mappings) with a
// Petra key Petra rejects. The failure is persistent, so the provider
// remembers it for the run: the plan shows one error, and Petra sees at most
// one request per route.
func TestWrongPetraKeyIsOneErrorAndOneRequestPerRoute(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	b := env.NewBillingTarget(t, 0)
	var rows strings.Builder
	for i := range 60 {
		fmt.Fprintf(&rows, "    T%02dxyz = %d\n", i, b.CompanyID)
	}
	tf := fmt.Sprintf(`terraform {
  required_providers {
    petra = { source = "petrasecurity/petra" }
  }
}

provider "petra" {}

locals {
  tenants = {
%s  }
}

resource "petra_autotask_connection" "this" {}

resource "petra_autotask_tenant_mapping" "tenant" {
  for_each      = local.tenants
  connection_id = petra_autotask_connection.this.id
  tenant_id     = each.key
  company_id    = each.value
}

data "petra_usage" "this" {
  tenant_ids = keys(local.tenants)
}

resource "petra_autotask_billing_mapping" "tenant" {
  for_each      = local.tenants
  connection_id = petra_autotask_connection.this.id
  tenant_id     = petra_autotask_tenant_mapping.tenant[each.key].tenant_id
  company_id    = each.value
  contract_id   = %d
  service_id    = %d
  units         = data.petra_usage.this.lookup[each.key].billable_users_this_month
}
`, rows.String(), b.ContractID, b.ServiceID)
	secrets := env.Secrets()
	w := NewWorkdir(t, tf, map[string]string{
		"AUTOTASK_USERNAME": env.Username(), "AUTOTASK_SECRET": secrets[0], "AUTOTASK_INTEGRATION_CODE": secrets[1],
		"AUTOTASK_ZONE_LOOKUP_URL": env.Sandbox.ZoneLookupURL, "PETRA_API_URL": env.Sandbox.PetraURL,
		"PETRA_API_KEY": "petra_wrong_0000000000000000000000",
	})
	seq := lastSeq(t, env)
	plan := w.Run(nil, "plan", "-input=false", "-no-color")
	out := plan.Output()
	if plan.ExitCode != 1 {
		t.Fatalf("plan exited %d, want 1:\n%s", plan.ExitCode, tail(out, 4000))
	}
	if n := strings.Count(out, "Error: "); n != 1 {
		t.Errorf("%d errors, want 1:\n%s", n, tail(out, 6000))
	}
	if !strings.Contains(strings.Join(strings.Fields(out), " "), "Petra rejected the API key") {
		t.Errorf("the error does not say the key was rejected:\n%s", tail(out, 3000))
	}
	log, err := env.Sandbox.Admin.Requests(context.Background(), seq)
	if err != nil {
		t.Fatal(err)
	}
	perRoute := map[string]int{}
	for _, r := range log {
		if r.API == "petra" {
			perRoute[r.Path]++
		}
	}
	if len(perRoute) == 0 {
		t.Fatal("no request reached Petra")
	}
	for route, n := range perRoute {
		if n > 1 {
			t.Errorf("Petra route %s got %d requests, want at most 1 (all: %v)", route, n, perRoute)
		}
	}
}
