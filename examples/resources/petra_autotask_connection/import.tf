# Terraform 1.5+: import with a block. The ID is the provider's Autotask API
# username.
import {
  to = petra_autotask_connection.this
  id = "petra-api@example.com"
}
