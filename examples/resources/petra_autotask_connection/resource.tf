terraform {
  required_version = ">= 1.7"

  required_providers {
    petra = {
      source  = "petrasecurity/petra"
      version = "~> 0.1"
    }
  }
}

# The link to Autotask through the provider's API user. Planning verifies, in
# one pass, the zone, the credentials and every permission the features need;
# a missing permission fails the plan with the complete list.
resource "petra_autotask_connection" "this" {
  # Both features are the default; list only what this API user may run.
  features = ["billing", "ticketing"]

  timeouts {
    # Autotask can take a minute or two to answer a new link.
    create = "5m"
  }

  # Destroying the connection changes nothing in Autotask or Petra, but every
  # mapping references it, so Terraform would destroy them all first.
  # Its id is the Autotask database, so planning with another API user of
  # the same database (a CI user, a rotated user) changes nothing.
  lifecycle {
    prevent_destroy = true
  }
}

output "autotask_zone" {
  value = "${petra_autotask_connection.this.zone_name} (database ${petra_autotask_connection.this.database_id})"
}

# Checks that did not pass (empty when the connection is healthy).
output "autotask_missing_permissions" {
  value = [for c in petra_autotask_connection.this.checks : "${c.name}: ${c.message}" if !c.passed]
}
