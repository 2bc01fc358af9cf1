# A connection is imported by the Autotask database id (the zone lookup's
# "ci"), or by the Autotask API username the provider is configured with; the
# zone and checks are read from Autotask.
terraform import petra_autotask_connection.this 900001
