# The main job, as an MSP would keep it in git: the Autotask connection,
# every Petra tenant mapped to its Autotask company, ticket defaults, and
# billing mappings whose unit counts come from Petra's usage report.
#
# `make demo` runs it against the sandbox. Credentials come from the
# environment (AUTOTASK_*, PETRA_*), never from this file.

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

locals {
  # Petra tenant ID => Autotask company ID.
  tenants = {
    ZZk90t = 1001 # Harbor Dental Group
    Y3mPqr = 1002 # Northwind Logistics
    Bq7Lx2 = 1003 # Cedar Ridge Accounting
    Kp4Wn8 = 1004 # Bluebird Veterinary Clinic
    Mv2Rt6 = 1005 # Summit Legal Partners
    Tx9Hc3 = 1006 # Oakline Manufacturing
  }

  # Petra tenant ID => the Recurring Service contract and service line that
  # bills it.
  billing = {
    ZZk90t = { contract_id = 2001, service_id = 3001 }
    Y3mPqr = { contract_id = 2002, service_id = 3001 }
    Kp4Wn8 = { contract_id = 2004, service_id = 3001 }
  }
}

resource "petra_autotask_connection" "this" {
  features = ["ticketing", "billing"]

  lifecycle {
    prevent_destroy = true
  }
}

resource "petra_autotask_ticket_defaults" "this" {
  connection_id   = petra_autotask_connection.this.id
  queue           = "Monitoring Alerts"
  creation_status = "New"
  update_status   = "In Progress"
  priority        = "High"
}

resource "petra_autotask_tenant_mapping" "tenant" {
  for_each = local.tenants

  connection_id = petra_autotask_connection.this.id
  tenant_id     = each.key
  company_id    = each.value
}

# One request to Petra for every tenant's billing figures; lookup has an
# entry for every billed tenant, found in Petra or not.
data "petra_usage" "this" {
  tenant_ids = keys(local.billing)
}

resource "petra_autotask_billing_mapping" "tenant" {
  for_each = local.billing

  connection_id = petra_autotask_connection.this.id
  tenant_id     = petra_autotask_tenant_mapping.tenant[each.key].tenant_id
  company_id    = petra_autotask_tenant_mapping.tenant[each.key].company_id
  contract_id   = each.value.contract_id
  service_id    = each.value.service_id
  units         = data.petra_usage.this.lookup[each.key].billable_users_this_month
}

# What Autotask holds on every billed line now, beside the count this run
# pushes: read at plan time, so the plan (and billing_results) show it.
data "petra_autotask_contract_service_units" "now" {
  lines = {
    for id, b in local.billing : id => {
      contract_id  = b.contract_id
      service_id   = b.service_id
      target_units = data.petra_usage.this.lookup[id].billable_users_this_month
    }
  }
}

# The results of the run, one row per billed tenant (`terraform output -json
# billing_results`; `go run ./examples/results-report` prints it as a table,
# CSV or Markdown):
#   before: the units Autotask held when the plan was made (null when the plan
#           could not read the line);
#   after:  the units Autotask holds after this apply; for a failed tenant,
#           before (nothing was pushed for it);
#   status: "synced" (the units changed), "unchanged", or "failed: <reason>"
#           (billing_check_failure = "warn" records a broken tenant and goes on).
output "billing_results" {
  description = "Per tenant: tenant, company, line, units before and after this run, status."
  value = {
    for id, m in petra_autotask_billing_mapping.tenant : id => {
      tenant  = data.petra_usage.this.lookup[id].name != null ? "${data.petra_usage.this.lookup[id].name} (${id})" : id
      company = coalesce(m.company_name, "company ${m.company_id}")
      line    = "${coalesce(m.contract_name, "contract ${m.contract_id}")} / ${coalesce(m.service_name, "service ${m.service_id}")}"
      before  = data.petra_autotask_contract_service_units.now.results[id].units
      after   = m.sync_status == "failed" ? data.petra_autotask_contract_service_units.now.results[id].units : m.units
      status = (
        m.sync_status == "failed" ? "failed: ${replace(m.sync_error, "/^(.*? \\(${id}\\)|${id}): /", "")}" :
        m.units == data.petra_autotask_contract_service_units.now.results[id].units ? "unchanged" : "synced"
      )
    }
  }
}

output "zone" {
  value = petra_autotask_connection.this.zone_name
}

output "tenants" {
  value = { for k, m in petra_autotask_tenant_mapping.tenant : "${m.tenant_name} (${k})" => "${m.company_name} (${m.company_id})" }
}
