# Reads back, through the Autotask API, the unit counts now in effect on the
# demo contracts, so the demo shows what the apply pushed.

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

data "petra_autotask_contracts" "company" {
  for_each   = toset(["1001", "1002", "1004"])
  company_id = tonumber(each.key)
}

output "units_in_autotask" {
  value = merge([
    for k, d in data.petra_autotask_contracts.company : {
      for pair in flatten([
        for c in d.contracts : [
          for s in c.services : {
            key   = "${c.name} / ${s.service_name}"
            value = s.units
          }
        ]
      ]) : pair.key => pair.value
    }
  ]...)
}
