# terraform test, offline: the petra provider is mocked, so no Autotask or
# Petra account, no credentials and no network are needed.
mock_provider "petra" {
  # Mocked computed values are known while planning (by default only after
  # an apply), so that command = plan runs can assert on them.
  override_during = plan

  mock_resource "petra_autotask_billing_mapping" {
    defaults = {
      contract_service_id = 4001
    }
  }
}

variables {
  connection_id = "900001"
  billing = {
    ZZk90t = { company_id = 1001, contract_id = 2001, service_id = 3001 }
    Y3mPqr = { company_id = 1002, contract_id = 2002, service_id = 3001 }
  }
  counts = {
    ZZk90t = 42
    Y3mPqr = 0
  }
}

run "bills_each_tenant_its_count" {
  command = plan

  assert {
    condition     = petra_autotask_billing_mapping.tenant["ZZk90t"].units == 42
    error_message = "ZZk90t must be billed its count, 42."
  }

  assert {
    condition     = petra_autotask_billing_mapping.tenant["Y3mPqr"].units == 0
    error_message = "A paused tenant's count, 0, must be billed as 0."
  }

  assert {
    condition     = alltrue([for m in petra_autotask_billing_mapping.tenant : m.connection_id == "900001"])
    error_message = "Every mapping must use the connection."
  }
}

run "line_known_at_plan" {
  command = plan

  # With override_during = plan the mocked line id is known in the plan;
  # without it, contract_service_id would be unknown until apply.
  assert {
    condition     = output.lines["ZZk90t"].contract_service_id == 4001
    error_message = "The mocked contract service line must be known at plan."
  }
}

run "rejects_a_url_as_tenant_id" {
  command = plan

  variables {
    billing = {
      "app.petrasecurity.com/tenant/ZZk90t" = { company_id = 1001, contract_id = 2001, service_id = 3001 }
    }
    counts = { "app.petrasecurity.com/tenant/ZZk90t" = 1 }
  }

  expect_failures = [var.billing]
}

run "every_tenant_needs_a_count" {
  command = plan

  variables {
    counts = { ZZk90t = 42 }
  }

  expect_failures = [var.counts]
}
