terraform {
  required_version = ">= 1.7"

  required_providers {
    petra = {
      source  = "petrasecurity/petra"
      version = "~> 0.1"
    }
  }
}

resource "petra_autotask_connection" "this" {}

# One Petra tenant mapped to its Autotask company.
resource "petra_autotask_tenant_mapping" "harbor_dental" {
  connection_id = petra_autotask_connection.this.id
  tenant_id     = "ZZk90t" # app.petrasecurity.com/tenant/ZZk90t
  company_id    = 1001
}

# Many tenants at once: Petra tenant ID => Autotask company ID.
locals {
  tenants = {
    Y3mPqr = 1002 # Northwind Logistics
    Kp4Wn8 = 1004 # Bluebird Veterinary Clinic
  }
}

resource "petra_autotask_tenant_mapping" "tenant" {
  for_each = local.tenants

  connection_id = petra_autotask_connection.this.id
  tenant_id     = each.key
  company_id    = each.value
}

# Names are read from Autotask and Petra at apply and on every refresh.
output "mapped" {
  value = { for k, m in petra_autotask_tenant_mapping.tenant : m.tenant_name => m.company_name }
}
