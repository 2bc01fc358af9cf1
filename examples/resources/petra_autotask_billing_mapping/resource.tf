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
# lookup has an entry for every tenant asked for, so a tenant removed from
# Petra fails its own mapping instead of the whole run.
data "petra_usage" "this" {
  tenant_ids = keys(local.billing)
}

# Each apply pushes the difference between the units in effect today and
# Petra's count, as one ContractServiceAdjustment effective today.
resource "petra_autotask_billing_mapping" "tenant" {
  for_each = local.billing

  connection_id = petra_autotask_connection.this.id
  tenant_id     = petra_autotask_tenant_mapping.tenant[each.key].tenant_id
  company_id    = petra_autotask_tenant_mapping.tenant[each.key].company_id
  contract_id   = each.value.contract_id
  service_id    = each.value.service_id
  units         = data.petra_usage.this.lookup[each.key].billable_users_this_month

  # When the tenant moves to another contract, service or company (a
  # replacement), or the mapping is removed: "keep" (the default) leaves the
  # old line's units and the plan warns; "zero" sets the old line to 0.
  on_destroy = "zero"
}

# The plan's preview of every change: the units Autotask holds now and the
# count this run pushes, for new and existing mappings alike.
data "petra_autotask_contract_service_units" "now" {
  lines = {
    for id, b in local.billing : id => {
      contract_id  = b.contract_id
      service_id   = b.service_id
      target_units = data.petra_usage.this.lookup[id].billable_users_this_month
    }
  }
}

output "billing_preview" {
  value = {
    for id, r in data.petra_autotask_contract_service_units.now.results : id => r.preview
    if r.delta != 0
  }
}

# What the last apply changed in Autotask, per tenant.
output "units_pushed" {
  value = { for k, m in petra_autotask_billing_mapping.tenant : k => m.last_push_delta }
}

# With billing_check_failure = "warn", tenants whose problem stopped their
# sync in the last apply (empty when every tenant was synced).
output "sync_failures" {
  value = [for m in petra_autotask_billing_mapping.tenant : m.sync_error if m.sync_status == "failed"]
}

# Retry one tenant only, after fixing its contract in Autotask:
#   terraform apply -target='petra_autotask_billing_mapping.tenant["ZZk90t"]'
