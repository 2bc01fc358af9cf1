package provider

import (
	"sync"

	"github.com/petrasecurity/terraform-provider-petra/internal/integration/access"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/billing"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/catalog"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/claims"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
)

// services are the integration's concepts for one provider run
// (internal/integration/*), built once by Configure and shared by every
// resource and data source. They hold no logic of their own.
type services struct {
	run       *run.Run
	catalog   *catalog.Catalog
	access    *access.Access
	contracts *billing.Contracts
	pusher    *billing.Pusher
	claims    *claims.Notes
	inRun     *claims.InRun

	// tenantLabels holds, per Petra tenant id, the label a tenant mapping
	// of this run gave the tenant in a failure (its name from state when
	// Petra no longer lists it), so that the billing mapping of the same
	// tenant words the same failure identically (one row per tenant and
	// cause after distinct()).
	tenantLabels sync.Map
}

// noteTenantLabel records the label a tenant mapping gave tenant id.
func (s *services) noteTenantLabel(id, label string) { s.tenantLabels.Store(id, label) }

// notedTenantLabel returns the label noted for tenant id, if any.
func (s *services) notedTenantLabel(id string) (string, bool) {
	v, ok := s.tenantLabels.Load(id)
	if !ok {
		return "", false
	}
	label, ok := v.(string)
	return label, ok
}

// newServices builds the concepts of a run. registry may be nil (duplicates
// across provider aliases are then caught by the claims in Autotask).
func newServices(r *run.Run, timing billing.PushTiming, registry *claims.RunRegistry) *services {
	cat := catalog.New(r)
	contracts := billing.NewContracts(r, cat)
	return &services{
		run:       r,
		catalog:   cat,
		access:    access.New(r),
		contracts: contracts,
		pusher:    billing.NewPusher(contracts, timing),
		claims:    claims.NewNotes(r),
		inRun:     claims.NewInRun(r, registry),
	}
}
