terraform {
  required_version = ">= 1.7"

  required_providers {
    petra = {
      source  = "petrasecurity/petra"
      version = "~> 0.1"
    }
  }
}

# Tenants Petra bills (paused tenants left out).
data "petra_tenants" "billed" {
  include_paused = false
}

output "tenant_ids" {
  value = { for t in data.petra_tenants.billed.tenants : t.name => t.id }
}
