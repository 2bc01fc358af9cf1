# Remote state with locking for the scheduled billing run (see the "Scheduled
# runs" guide). Every runner, the nightly apply and each pull-request plan
# share this state; PostgreSQL's advisory lock lets one apply run at a time, so
# two overlapping nightly runs cannot both push: the second waits for the lock
# (-lock-timeout) or fails on it.
#
# The connection string is never written here: set PG_CONN_STR in the
# pipeline's secrets, for example
#   postgres://terraform@db.example.internal/terraform_state?sslmode=verify-full
# A schema per configuration keeps several configurations in one database
# (PG_SCHEMA_NAME overrides the name below).
terraform {
  backend "pg" {
    schema_name = "petra_billing"
  }
}
