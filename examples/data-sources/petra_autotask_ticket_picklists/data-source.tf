terraform {
  required_version = ">= 1.7"

  required_providers {
    petra = {
      source  = "petrasecurity/petra"
      version = "~> 0.1"
    }
  }
}

# The ticket queues, statuses and priorities to choose ticket defaults from.
data "petra_autotask_ticket_picklists" "all" {
  # Also list retired values (default false).
  include_inactive = false
}

output "ticket_queues" {
  value = { for q in data.petra_autotask_ticket_picklists.all.queues : q.label => q.id }
}

output "default_ticket_status" {
  value = one([for s in data.petra_autotask_ticket_picklists.all.statuses : s.label if s.is_default])
}
