terraform {
  required_version = ">= 1.7"

  required_providers {
    petra = {
      source  = "petrasecurity/petra"
      version = "~> 0.1"
    }
  }
}

# Audit one tenant: the count the billing mappings push (petra_usage) next to
# the users billable right now and Petra's prorated projection for this month.
# Each petra_billable_units costs one Petra request (about 10 a minute), so
# use it for single tenants, never in a for_each over all of them.
data "petra_billable_units" "harbor_dental" {
  tenant_id = "ZZk90t"
}

data "petra_usage" "this" {
  tenant_ids = ["ZZk90t"]
}

output "harbor_dental_audit" {
  value = {
    billed_this_month  = data.petra_usage.this.lookup["ZZk90t"].billable_users_this_month
    billable_right_now = data.petra_billable_units.harbor_dental.total_billable_users
    petra_projection   = data.petra_billable_units.harbor_dental.projected_billable_units_this_month
  }
}
