terraform {
  required_version = ">= 1.8"

  required_providers {
    petra = {
      source  = "petrasecurity/petra"
      version = "~> 0.1"
    }
  }
}

# local.billing_results is the billing-sync guide's: one row per billed
# tenant, built from what each billing mapping recorded at apply. Here, a
# run's results written out.
locals {
  billing_results = {
    ZZk90t = { tenant = "Harbor Dental Group (ZZk90t)", company = "Harbor Dental Group", line = "Harbor Dental - Managed Services / Petra M365 Account Protection", before = 118, after = 121, last_push_at = "2026-12-06T02:17:41Z", status = "synced" }
    Y3mPqr = { tenant = "Northwind Logistics (Y3mPqr)", company = "Northwind Logistics", line = "Northwind - Managed Services / Petra M365 Account Protection", before = 42, after = 42, last_push_at = "2026-11-02T02:18:03Z", status = "unchanged" }
    Mv2Rt6 = { tenant = "Summit Legal Partners (Mv2Rt6)", company = "Summit Legal", line = "Summit Legal - Managed Services / Petra M365 Account Protection", before = null, after = null, last_push_at = null, status = "failed: Contract has ended: Contract \"Summit Legal - Managed Services\" ended on 2026-10-31. Billing cannot be synced to an expired contract." }
  }
}

# The results table, totals and failed tenants first:
# terraform output -raw billing_report
output "billing_report" {
  value = provider::petra::billing_report(local.billing_results)
}

# The same results for the audit trail (every status whole) and for a
# ticket or a CI job summary.
output "billing_report_csv" {
  value = provider::petra::billing_report(local.billing_results, "csv")
}

output "billing_report_markdown" {
  value = provider::petra::billing_report(local.billing_results, "markdown")
}

# The totals and one line per failed tenant: a check block's message.
check "billing_sync" {
  assert {
    condition     = alltrue([for r in values(local.billing_results) : !startswith(r.status, "failed")])
    error_message = provider::petra::billing_report(local.billing_results, "summary")
  }
}
