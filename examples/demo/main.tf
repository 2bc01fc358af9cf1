# The main job, as an MSP would keep it in git: the Autotask connection,
# every Petra tenant mapped to its Autotask company, ticket defaults, and
# billing mappings whose unit counts come from Petra's usage report.
#
# `make demo` runs it against the sandbox. Credentials come from the
# environment (AUTOTASK_*, PETRA_*), never from this file.

terraform {
  required_version = ">= 1.8"

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

# The results of the run, one row per billed tenant, from what each mapping
# recorded when it was last applied (so the plan after a successful run
# shows no change):
#   before: the units the line held before the mapping's last push;
#   after:  the units it holds after that push (both null for a failed
#           tenant: nothing was pushed for it);
#   last_push_at: when that push was made (a run that had nothing to push
#           for a tenant leaves its row as it was);
#   status: "synced" (that push changed the units), "unchanged" (Autotask
#           already held the count), or "failed: <reason>"
#           (billing_check_failure = "warn" records a broken tenant and goes on).
locals {
  billing_results = {
    for id, m in petra_autotask_billing_mapping.tenant : id => {
      tenant       = data.petra_usage.this.lookup[id].name != null ? "${data.petra_usage.this.lookup[id].name} (${id})" : id
      company      = coalesce(m.company_name, "company ${m.company_id}")
      line         = "${coalesce(m.contract_name, "contract ${m.contract_id}")} / ${coalesce(m.service_name, "service ${m.service_id}")}"
      before       = m.sync_status == "failed" ? null : m.units - coalesce(m.last_push_delta, 0)
      after        = m.sync_status == "failed" ? null : m.units
      last_push_at = m.sync_status == "failed" ? null : m.last_push_at
      status = (
        m.sync_status == "failed" ? "failed: ${replace(m.sync_error, "/^(.*? \\(${id}\\)|${id}): /", "")}" :
        coalesce(m.last_push_delta, 0) == 0 ? "unchanged" : "synced"
      )
    }
  }
}

output "billing_results" {
  description = "Per tenant: tenant, company, line, units before and after its last push, status."
  value       = local.billing_results
}

# The results as a table, totals and failed tenants first:
# `terraform output -raw billing_report`. The same function writes
# "csv" or "markdown" for the audit trail.
output "billing_report" {
  description = "The results of the run as a table (provider::petra::billing_report)."
  value       = provider::petra::billing_report(local.billing_results)
}

# One warning at the end of a run with failed tenants: the totals and one
# line per failed tenant, as the report has them.
check "billing_sync" {
  assert {
    condition     = alltrue([for r in values(local.billing_results) : !startswith(r.status, "failed")])
    error_message = provider::petra::billing_report(local.billing_results, "summary")
  }
}

output "zone" {
  value = petra_autotask_connection.this.zone_name
}

output "tenants" {
  value = { for k, m in petra_autotask_tenant_mapping.tenant : "${m.tenant_name} (${k})" => "${m.company_name} (${m.company_id})" }
}
