# Billing mappings that a plan-time check must stop before they reach an
# invoice: a contract that has not started, one that has ended, and a
# contract that carries the mapped service twice. `terraform plan` fails with
# one precise error per tenant, and nothing is pushed.

terraform {
  required_version = ">= 1.7"

  required_providers {
    petra = {
      source  = "petrasecurity/petra"
      version = "~> 0.1"
    }
  }
}

provider "petra" {}

resource "petra_autotask_connection" "this" {}

locals {
  billing = {
    Mv2Rt6 = { company_id = 1005, contract_id = 2005, service_id = 3001, units = 31 } # starts next month
    Tx9Hc3 = { company_id = 1006, contract_id = 2006, service_id = 3002, units = 60 } # ended last month
    Bq7Lx2 = { company_id = 1003, contract_id = 2003, service_id = 3001, units = 17 } # service on it twice
  }
}

resource "petra_autotask_billing_mapping" "tenant" {
  for_each = local.billing

  connection_id = petra_autotask_connection.this.id
  tenant_id     = each.key
  company_id    = each.value.company_id
  contract_id   = each.value.contract_id
  service_id    = each.value.service_id
  units         = each.value.units
}
