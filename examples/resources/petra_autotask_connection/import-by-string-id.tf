# The ID is the Autotask API username the provider is configured with.
import {
  to = petra_autotask_connection.this
  id = "petra-api@example.com"
}
