terraform {
  required_version = ">= 1.7"

  required_providers {
    petra = {
      source  = "petrasecurity/petra"
      version = "~> 0.1"
    }
  }
}

resource "petra_autotask_connection" "this" {
  features = ["billing"]
}

locals {
  # Petra tenant ID => the Autotask company, and the Recurring Service
  # contract and service line that bill it. The petra_autotask_contracts data
  # source lists a company's contracts and their service lines.
  billing = {
    ZZk90t = { company_id = 1001, contract_id = 2001, service_id = 3001 }
    Y3mPqr = { company_id = 1002, contract_id = 2002, service_id = 3001 }
  }
}

resource "petra_autotask_tenant_mapping" "tenant" {
  for_each = local.billing

  connection_id = petra_autotask_connection.this.id
  tenant_id     = each.key
  company_id    = each.value.company_id
}

# Petra's usage report: one request for every tenant's billable count.
data "petra_usage" "this" {}

# Each apply pushes the difference between the units in effect today and
# Petra's count, as one ContractServiceAdjustment effective today.
resource "petra_autotask_billing_mapping" "tenant" {
  for_each = local.billing

  connection_id = petra_autotask_connection.this.id
  tenant_id     = petra_autotask_tenant_mapping.tenant[each.key].tenant_id
  company_id    = petra_autotask_tenant_mapping.tenant[each.key].company_id
  contract_id   = each.value.contract_id
  service_id    = each.value.service_id
  units         = data.petra_usage.this.tenants[each.key].billable_users_this_month
}

# What the last apply changed in Autotask, per tenant.
output "units_pushed" {
  value = { for k, m in petra_autotask_billing_mapping.tenant : k => m.last_push_delta }
}

# Retry one tenant only, after fixing its contract in Autotask:
#   terraform apply -target='petra_autotask_billing_mapping.tenant["ZZk90t"]'
