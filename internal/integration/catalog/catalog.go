// Package catalog reads what the mappings refer to: Autotask companies,
// ticket picklists and contract types, and Petra's tenants and usage
// (Petra's API is read-only). Each is read once per provider run and shared
// by every resource and data source; a tenant's or company's state becomes
// a problem.Problem for the mapping that names it.
package catalog

import (
	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
	"github.com/petrasecurity/terraform-provider-petra/internal/petra"
)

// Catalog reads the companies, picklists and Petra tenants of one run.
type Catalog struct {
	run *run.Run
}

// New returns the catalog of a run.
func New(r *run.Run) *Catalog { return &Catalog{run: r} }

// The records the catalog hands out are the API clients' own types; the
// Terraform layer names them through these aliases, so that resources and
// data sources import no API client (the layer rule in .golangci.yml).
type (
	// Company is an Autotask company.
	Company = autotask.Company
	// Tenant is a Petra tenant.
	Tenant = petra.Tenant
	// UsageTenant is one tenant of Petra's usage report.
	UsageTenant = petra.UsageTenant
)
