package bench

import (
	"fmt"
	"strings"
)

// ProviderAddress is the provider's source address (the dev_overrides key).
const ProviderAddress = "registry.terraform.io/petrasecurity/petra"

// tenantsLocal writes the locals block mapping the first n tenants to their
// company, contract and service.
func tenantsLocal(b *strings.Builder, n int) {
	b.WriteString("locals {\n  tenants = {\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(b, "    %s = { company_id = %d, contract_id = %d, service_id = %d }\n",
			TenantID(i), CompanyID(i), ContractID(i), ServicePetra)
	}
	b.WriteString("  }\n}\n\n")
}

// MappingsConfig is the main job for the first n tenants of Fixture: the
// connection, n tenant mappings, petra_usage and n billing mappings whose
// units come from petra_usage. providerBlock is the provider "petra" block
// (credentials from the environment when it is empty).
func MappingsConfig(n int, providerBlock string) string {
	var b strings.Builder
	b.WriteString("terraform {\n  required_providers {\n    petra = {\n      source = \"petrasecurity/petra\"\n    }\n  }\n}\n\n")
	if providerBlock == "" {
		providerBlock = "provider \"petra\" {}\n"
	}
	b.WriteString(providerBlock + "\n")
	tenantsLocal(&b, n)
	b.WriteString(`resource "petra_autotask_connection" "this" {
  features = ["billing"]
}

resource "petra_autotask_tenant_mapping" "tenant" {
  for_each = local.tenants

  connection_id = petra_autotask_connection.this.id
  tenant_id     = each.key
  company_id    = each.value.company_id
}

data "petra_usage" "this" {}

resource "petra_autotask_billing_mapping" "tenant" {
  for_each = local.tenants

  connection_id = petra_autotask_connection.this.id
  tenant_id     = petra_autotask_tenant_mapping.tenant[each.key].tenant_id
  company_id    = petra_autotask_tenant_mapping.tenant[each.key].company_id
  contract_id   = each.value.contract_id
  service_id    = each.value.service_id
  units         = data.petra_usage.this.tenants[each.key].billable_users_this_month
}
`)
	return b.String()
}

// FloorConfig is MappingsConfig's graph with terraform_data in place of
// every provider object: one connection, n tenant mappings and n billing
// mappings depending on them, and a usage value. Its plan and apply are
// Terraform's own floor for a configuration of that shape.
func FloorConfig(n int) string {
	var b strings.Builder
	tenantsLocal(&b, n)
	b.WriteString(`resource "terraform_data" "connection" {
  input = "bench"
}

resource "terraform_data" "tenant" {
  for_each = local.tenants

  input = {
    connection_id = terraform_data.connection.output
    tenant_id     = each.key
    company_id    = each.value.company_id
  }
}

locals {
  usage = { for k, _ in local.tenants : k => 10 }
}

resource "terraform_data" "billing" {
  for_each = local.tenants

  input = {
    connection_id = terraform_data.connection.output
    tenant_id     = terraform_data.tenant[each.key].output.tenant_id
    company_id    = terraform_data.tenant[each.key].output.company_id
    contract_id   = each.value.contract_id
    service_id    = each.value.service_id
    units         = local.usage[each.key]
  }
}
`)
	return b.String()
}
