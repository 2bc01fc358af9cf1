# Ticket defaults are imported by
#   <connection_id>/<queue_id>/<creation_status_id>/<update_status_id>[/<priority_id>]
# with numeric ids (the petra_autotask_ticket_picklists data source lists them).
terraform import petra_autotask_ticket_defaults.this 900001/29683482/1/8/1

# Or by the connection alone: the values then come from configuration on the
# next apply (nothing is changed in Autotask).
terraform import petra_autotask_ticket_defaults.this 900001

# If the configuration names the values by label, the first plan after an
# import by ids shows an in-place update that only records the labels.
