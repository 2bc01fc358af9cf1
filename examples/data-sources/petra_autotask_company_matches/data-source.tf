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
  # The reviewed tenant → company mapping (see the "Onboarding tenants at
  # scale" guide).
  tenant_companies = {
    ZZk90t = 1001 # Harbor Dental Group
  }
}

# Suggested Autotask companies for every Petra tenant, noting which tenants
# are mapped already.
data "petra_autotask_company_matches" "all" {
  mapped_tenant_ids = keys(local.tenant_companies)
}

# Confident suggestions for the tenants not mapped yet: paste them into
# local.tenant_companies after review.
output "new_confident_matches" {
  value = {
    for m in data.petra_autotask_company_matches.all.matches :
    m.tenant_id => "${m.company_id} # ${m.company_name} (${m.reason})"
    if !m.mapped && contains(["exact", "high"], m.confidence)
  }
}

# Tenants a person must decide: ambiguous (several companies tie), low
# confidence, or no company at all.
output "to_review" {
  value = {
    for m in data.petra_autotask_company_matches.all.matches :
    "${m.tenant_name} (${m.tenant_id})" => m.note
    if !m.mapped && !contains(["exact", "high"], m.confidence)
  }
}

resource "petra_autotask_connection" "this" {}

resource "petra_autotask_tenant_mapping" "tenant" {
  for_each      = local.tenant_companies
  connection_id = petra_autotask_connection.this.id
  tenant_id     = each.key
  company_id    = each.value
}
