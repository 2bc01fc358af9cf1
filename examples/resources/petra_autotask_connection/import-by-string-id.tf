# The ID is the Autotask database id (the connection's id, the zone lookup's
# "ci"); the Autotask API username the provider is configured with works too.
import {
  to = petra_autotask_connection.this
  id = "900001"
}
