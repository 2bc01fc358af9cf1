// Package bench measures the provider at MSP scale against the sandbox: it
// generates a large account (Petra tenants, Autotask companies and Recurring
// Service contracts with three service lines each), writes Terraform
// configurations of N tenant and billing mappings and their terraform_data
// twin (Terraform's own floor), runs the real Terraform CLI on both and
// reports wall time, the requests the sandbox counted and the provider's
// peak memory. `make bench` runs it through cmd/petra-bench; request-count
// tests in internal/provider reuse the fixture and configurations.
package bench
