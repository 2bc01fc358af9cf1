terraform {
  required_version = ">= 1.7"

  required_providers {
    petra = {
      source  = "petrasecurity/petra"
      version = "~> 0.1"
    }
  }
}

# Every active customer whose name contains "dental" (case-insensitive).
data "petra_autotask_companies" "dental" {
  name_contains = "dental"
  is_active     = true
  company_type  = "Customer" # or the numeric type id, "1"
}

output "dental_companies" {
  value = { for c in data.petra_autotask_companies.dental.companies : c.name => c.id }
}

# Look a company up by exact name to map a tenant to it.
data "petra_autotask_companies" "all" {}

locals {
  company_ids = { for c in data.petra_autotask_companies.all.companies : c.name => c.id }
}

resource "petra_autotask_tenant_mapping" "harbor_dental" {
  connection_id = petra_autotask_connection.this.id
  tenant_id     = "ZZk90t"
  company_id    = local.company_ids["Harbor Dental Group"]
}

resource "petra_autotask_connection" "this" {}
