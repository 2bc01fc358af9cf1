terraform {
  required_version = ">= 1.7"

  required_providers {
    petra = {
      source  = "petrasecurity/petra"
      version = "~> 0.1"
    }
  }
}

resource "petra_autotask_connection" "this" {
  features = ["ticketing"]
}

# Where Petra's tickets land in Autotask. Labels (any case) or numeric ids are
# accepted; the plan fails on the argument when a value is unknown or inactive,
# listing the valid labels.
resource "petra_autotask_ticket_defaults" "this" {
  connection_id   = petra_autotask_connection.this.id
  queue           = "Monitoring Alerts"
  creation_status = "New"
  update_status   = "In Progress"
  priority        = "High" # optional: Autotask's default priority otherwise
}

# Ids work too, for example from the picklists data source.
data "petra_autotask_ticket_picklists" "all" {}

output "ticket_queue_id" {
  value = petra_autotask_ticket_defaults.this.queue_id
}

output "ticket_statuses" {
  value = [for s in data.petra_autotask_ticket_picklists.all.statuses : "${s.id}: ${s.label}"]
}
