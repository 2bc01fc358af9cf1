# The module under test in the "Testing your configuration" guide: the billing
# mappings of the billing-sync guide, with the live counts passed in, so that
# `terraform test` can give it counts of its own. The root module reads them
# from petra_usage and passes them (see the guide).
terraform {
  required_version = ">= 1.11"

  required_providers {
    petra = {
      source  = "petrasecurity/petra"
      version = "~> 0.1"
    }
  }
}

variable "connection_id" {
  description = "The petra_autotask_connection's id."
  type        = string
}

variable "billing" {
  description = "Petra tenant ID => the Autotask company, Recurring Service contract and service billed for it."
  type = map(object({
    company_id  = number
    contract_id = number
    service_id  = number
  }))

  validation {
    condition     = alltrue([for id in keys(var.billing) : can(regex("^[A-Za-z0-9_.~-]{1,64}$", id))])
    error_message = "Every key of billing must be a Petra tenant ID, such as ZZk90t (not a URL or a name)."
  }
}

variable "counts" {
  description = "Petra tenant ID => the billable count to push (petra_usage's billable_users_this_month)."
  type        = map(number)

  validation {
    condition     = alltrue([for id in keys(var.billing) : contains(keys(var.counts), id)])
    error_message = "Every tenant in billing needs a count."
  }
}

resource "petra_autotask_billing_mapping" "tenant" {
  for_each = var.billing

  connection_id = var.connection_id
  tenant_id     = each.key
  company_id    = each.value.company_id
  contract_id   = each.value.contract_id
  service_id    = each.value.service_id
  units         = var.counts[each.key]
}

output "lines" {
  description = "Petra tenant ID => the Autotask contract service line billed and its units."
  value = {
    for id, m in petra_autotask_billing_mapping.tenant : id => {
      contract_service_id = m.contract_service_id
      units               = m.units
    }
  }
}
