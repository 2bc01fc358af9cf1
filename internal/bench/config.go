package bench

import (
	"fmt"
	"strconv"
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

// movedLocal writes the locals block of the tenants whose count moves.
func movedLocal(b *strings.Builder, moved int) {
	b.WriteString("locals {\n  moved = toset([\n")
	for i := 0; i < moved; i++ {
		fmt.Fprintf(b, "    %q,\n", TenantID(i))
	}
	b.WriteString("  ])\n}\n\n")
}

// MappingsConfig is the main job for the first n tenants of Fixture: the
// connection, n tenant mappings, petra_usage, n billing mappings whose
// arguments all come from local maps (Petra's counts read into one, as the
// billing guide recommends at scale, and ordered after the tenant mappings
// with depends_on) and the guide's preview data source over the same lines.
// providerBlock is the provider "petra" block (credentials from the
// environment when it is empty).
func MappingsConfig(n int, providerBlock string) string {
	return MappingsConfigOpts(n, providerBlock, ConfigOptions{Preview: true})
}

// ConfigOptions vary MappingsConfig.
type ConfigOptions struct {
	// Preview includes the preview data source (false for a build of the
	// provider that predates it).
	Preview bool
	// UnitsOffset is added to every tenant's count from Petra: a
	// configuration applied with one offset and planned with another changes
	// every billing mapping, as a month of usage changes would.
	UnitsOffset int
	// Moved, when positive, adds 1 more to the counts of the first Moved
	// tenants only: applied with Moved 0 and planned with Moved K, the plan
	// changes exactly K billing mappings (the nightly measurement).
	Moved int
}

// MappingsConfigOpts is MappingsConfig with options.
func MappingsConfigOpts(n int, providerBlock string, o ConfigOptions) string {
	preview := o.Preview
	var b strings.Builder
	b.WriteString("terraform {\n  required_providers {\n    petra = {\n      source = \"petrasecurity/petra\"\n    }\n  }\n}\n\n")
	if providerBlock == "" {
		providerBlock = "provider \"petra\" {}\n"
	}
	b.WriteString(providerBlock + "\n")
	tenantsLocal(&b, n)
	moved := ""
	if o.Moved > 0 {
		movedLocal(&b, o.Moved)
		moved = " + (contains(local.moved, k) ? 1 : 0)"
	}
	b.WriteString(`resource "petra_autotask_connection" "this" {
  features = ["billing"]
}
`)
	if preview {
		b.WriteString(`
# The billing guide's preview: what Autotask holds now beside each target
# (read from the run's shared contract reads).
data "petra_autotask_contract_service_units" "now" {
  lines = {
    for k, t in local.tenants : k => {
      contract_id  = t.contract_id
      service_id   = t.service_id
      target_units = local.units[k]
    }
  }
}
`)
	}
	b.WriteString(`
resource "petra_autotask_tenant_mapping" "tenant" {
  for_each = local.tenants

  connection_id = petra_autotask_connection.this.id
  tenant_id     = each.key
  company_id    = each.value.company_id
}

data "petra_usage" "this" {}

# Petra's counts in a map built once: a reference to the data source from
# every mapping makes Terraform rebuild all of it for each one.
locals {
  units = { for k, t in data.petra_usage.this.tenants : k => t.billable_users_this_month + ` + strconv.Itoa(o.UnitsOffset) + moved + ` }
}

# Every argument from the same map as the tenant mappings, ordered after
# them with depends_on: a reference to petra_autotask_tenant_mapping.tenant
# from each mapping would make Terraform rebuild all of its instances for
# each one.
resource "petra_autotask_billing_mapping" "tenant" {
  for_each = local.tenants

  connection_id = petra_autotask_connection.this.id
  tenant_id     = each.key
  company_id    = each.value.company_id
  contract_id   = each.value.contract_id
  service_id    = each.value.service_id
  units         = local.units[each.key]

  depends_on = [petra_autotask_tenant_mapping.tenant]
}
`)
	return b.String()
}

// FloorConfig is MappingsConfig's graph with terraform_data in place of
// every provider object: one connection, n tenant mappings and n billing
// mappings depending on them, and a usage value. Its plan and apply are
// Terraform's own floor for a configuration of that shape.
func FloorConfig(n int) string { return FloorConfigUnits(n, 10) }

// FloorConfigUnits is FloorConfig with every billing twin's units set to
// units: applying it over FloorConfig's state updates n resources, the floor
// of a run that changes n billing mappings.
func FloorConfigUnits(n, units int) string {
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
  usage = { for k, _ in local.tenants : k => ` + strconv.Itoa(units) + ` }
}

resource "terraform_data" "billing" {
  for_each = local.tenants

  input = {
    connection_id = terraform_data.connection.output
    tenant_id     = each.key
    company_id    = each.value.company_id
    contract_id   = each.value.contract_id
    service_id    = each.value.service_id
    units         = local.usage[each.key]
  }

  depends_on = [terraform_data.tenant]
}
`)
	return b.String()
}
