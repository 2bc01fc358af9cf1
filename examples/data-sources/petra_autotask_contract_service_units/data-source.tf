terraform {
  required_version = ">= 1.7"

  required_providers {
    petra = {
      source  = "petrasecurity/petra"
      version = "~> 0.1"
    }
  }
}

locals {
  # The same map the billing mappings' for_each uses.
  billing = {
    ZZk90t = { company_id = 1001, contract_id = 2001, service_id = 3001 }
    Y3mPqr = { company_id = 1002, contract_id = 2002, service_id = 3001 }
  }
}

data "petra_usage" "this" {
  tenant_ids = keys(local.billing)
}

# What Autotask holds now on every mapped line, beside what this run pushes.
# Fed from the locals and data sources the mappings use (known at plan), never
# from the mappings' attributes.
data "petra_autotask_contract_service_units" "now" {
  lines = {
    for id, b in local.billing : id => {
      contract_id  = b.contract_id
      service_id   = b.service_id
      target_units = data.petra_usage.this.lookup[id].billable_users_this_month
    }
  }
}

# `terraform plan` lists, under "Changes to Outputs", every line this run
# changes, for new and existing mappings alike:
#   + ZZk90t = "Harbor Dental Group / Harbor Dental - Managed Services / Petra M365 Account Protection: 118 → 121 (+3)"
output "billing_preview" {
  value = {
    for id, r in data.petra_autotask_contract_service_units.now.results : id => r.preview
    if r.delta != 0
  }
}
