terraform {
  required_version = ">= 1.7"

  required_providers {
    petra = {
      source  = "petrasecurity/petra"
      version = "~> 0.1"
    }
  }
}

# One request to Petra for every tenant's billing figures. lookup has an
# entry for every tenant in tenant_ids, with a status: a tenant Petra no
# longer lists is "not_found" with a null count, which fails that tenant's
# mapping alone instead of stopping the run with "Invalid index".
data "petra_usage" "this" {
  tenant_ids = keys(local.billing)
}

# Figures as of a past date (YYYY-MM-DD).
data "petra_usage" "month_end" {
  as_of = "2026-10-31"
}

locals {
  billing = {
    ZZk90t = { company_id = 1001, contract_id = 2001, service_id = 3001 }
    Y3mPqr = { company_id = 1002, contract_id = 2002, service_id = 3001 }
  }
}

resource "petra_autotask_connection" "this" {}

resource "petra_autotask_billing_mapping" "tenant" {
  for_each = local.billing

  connection_id = petra_autotask_connection.this.id
  tenant_id     = each.key
  company_id    = each.value.company_id
  contract_id   = each.value.contract_id
  service_id    = each.value.service_id
  units         = data.petra_usage.this.lookup[each.key].billable_users_this_month
}

# Tenants of the configuration Petra does not bill as expected.
output "usage_problems" {
  value = { for id, u in data.petra_usage.this.lookup : id => u.message if u.status != "ok" }
}

output "trials" {
  value = [for id, t in data.petra_usage.this.tenants : t.name if t.billable_status == "Trial"]
}
