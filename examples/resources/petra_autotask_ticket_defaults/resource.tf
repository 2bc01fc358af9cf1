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

output "ticket_queue_id" {
  value = petra_autotask_ticket_defaults.this.queue_id
}
