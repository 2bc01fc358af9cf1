terraform {
  required_version = ">= 1.7"

  required_providers {
    petra = {
      source  = "petrasecurity/petra"
      version = "~> 0.1"
    }
  }
}

# The Recurring Service contracts of a company, with each service line's
# contract_service_id, units in effect today and how often the service
# appears on the contract (more than once is a duplicate billing refuses).
data "petra_autotask_contracts" "harbor" {
  company_id = 1001
}

# Other contract types, by label or id.
data "petra_autotask_contracts" "harbor_all" {
  company_id     = 1001
  contract_types = ["Recurring Service", "Time & Materials", 3]
}

output "harbor_lines" {
  value = {
    for c in data.petra_autotask_contracts.harbor.contracts : c.name => [
      for s in c.services : "${s.service_name}: ${s.units} units (line ${s.contract_service_id})"
    ]
  }
}
