terraform {
  required_version = ">= 1.7"

  required_providers {
    petra = {
      source  = "petrasecurity/petra"
      version = "~> 0.1"
    }
  }
}

# Credentials are best passed through the environment, so they never land in
# version control:
#
#   export AUTOTASK_USERNAME=petra-api@example.com
#   export AUTOTASK_SECRET=...
#   export AUTOTASK_INTEGRATION_CODE=...   # the API Tracking Identifier
#   export PETRA_API_KEY=petra_...         # Petra Settings > API Keys
#
# With those set, an empty provider block is enough:
provider "petra" {}

# Every setting can also be written in the block. Values given here win over
# the environment.
provider "petra" {
  alias = "explicit"

  # "error" (default) fails the plan on a broken billing mapping; "warn"
  # reports it and fails only that mapping at apply.
  billing_check_failure = "warn"

  autotask {
    username         = "petra-api@example.com"
    secret           = var.autotask_secret
    integration_code = var.autotask_integration_code
    # Optional: skip zone discovery by naming your database's zone.
    base_url = "https://webservices14.autotask.net/ATServicesRest/"
  }

  petra {
    api_key = var.petra_api_key
  }
}

variable "autotask_secret" {
  type      = string
  sensitive = true
}

variable "autotask_integration_code" {
  type      = string
  sensitive = true
}

variable "petra_api_key" {
  type      = string
  sensitive = true
}
