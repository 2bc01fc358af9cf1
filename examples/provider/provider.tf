# Credentials come from the environment:
#   AUTOTASK_USERNAME, AUTOTASK_SECRET, AUTOTASK_INTEGRATION_CODE, PETRA_API_KEY
provider "petra" {
  # Fail the plan on a billing check (the default). Use "warn" for scheduled
  # billing runs that should sync every healthy tenant and fail only the
  # broken ones at apply.
  billing_check_failure = "error"
}
