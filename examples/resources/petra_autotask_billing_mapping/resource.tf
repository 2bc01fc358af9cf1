# Bill each Petra tenant on its company's Recurring Service contract: the
# unit count comes from Petra's usage report (one request for every tenant).
data "petra_usage" "this" {}

locals {
  # Petra tenant ID => the contract and service line that bills it. The
  # petra_autotask_contracts data source lists a company's contracts and
  # their services.
  billing = {
    ZZk90t = { contract_id = 2001, service_id = 3001 }
    Y3mPqr = { contract_id = 2002, service_id = 3001 }
  }
}

resource "petra_autotask_billing_mapping" "tenant" {
  for_each = local.billing

  connection_id = petra_autotask_connection.this.id
  tenant_id     = petra_autotask_tenant_mapping.tenant[each.key].tenant_id
  company_id    = petra_autotask_tenant_mapping.tenant[each.key].company_id
  contract_id   = each.value.contract_id
  service_id    = each.value.service_id
  units         = data.petra_usage.this.tenants[each.key].billable_users_this_month
}

# Retry one tenant only:
#   terraform apply -target='petra_autotask_billing_mapping.tenant["ZZk90t"]'
