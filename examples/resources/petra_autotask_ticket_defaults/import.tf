# Terraform 1.5+: import with a block.
import {
  to = petra_autotask_ticket_defaults.this
  id = "petra-api@example.com/29683482/1/8/1"
}
