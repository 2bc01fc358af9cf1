# The ID is
# "<connection_id>/<queue_id>/<creation_status_id>/<update_status_id>[/<priority_id>]"
# with numeric ids (the petra_autotask_ticket_picklists data source lists them).
import {
  to = petra_autotask_ticket_defaults.this
  id = "900001/29683482/1/8/1"
}
