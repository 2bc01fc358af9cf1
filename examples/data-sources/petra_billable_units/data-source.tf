# The prorated unit count Petra bills one tenant on this month.
data "petra_billable_units" "harbor_dental" {
  tenant_id = "ZZk90t"
}

output "harbor_dental_units" {
  value = data.petra_billable_units.harbor_dental.projected_billable_units_this_month
}
