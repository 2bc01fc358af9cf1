package catalog

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
	"github.com/petrasecurity/terraform-provider-petra/internal/petra"
)

// PetraTenants returns every Petra tenant (paused ones included), from one
// request per provider run however many resources ask.
func (s *Catalog) PetraTenants(ctx context.Context) ([]petra.Tenant, error) {
	pt, err := s.run.PetraRoute("/v1/tenants")
	if err != nil {
		return nil, err
	}
	return run.Cached(ctx, s.run, "petra/tenants", func(ctx context.Context) ([]petra.Tenant, error) {
		ts, err := pt.Tenants(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading Petra tenants: %w", err)
		}
		return ts, nil
	})
}

// PetraTenant finds one tenant by its Petra tenant ID (or, as Petra's own
// routes allow, its Microsoft tenant ID). It returns (nil, nil) when Petra has
// no such tenant.
func (s *Catalog) PetraTenant(ctx context.Context, id string) (*petra.Tenant, error) {
	ts, err := s.PetraTenants(ctx)
	if err != nil {
		return nil, err
	}
	for i := range ts {
		if ts[i].PetraTenantID == id {
			return &ts[i], nil
		}
	}
	for i := range ts {
		if strings.EqualFold(ts[i].MicrosoftTenantID, id) {
			return &ts[i], nil
		}
	}
	return nil, nil
}

// UnknownTenantError says a Petra tenant ID is not in the organization, and
// lists a few that are, so a typo is easy to spot.
func UnknownTenantError(id string, tenants []petra.Tenant) error {
	names := make([]string, 0, len(tenants))
	for _, t := range tenants {
		names = append(names, fmt.Sprintf("%s (%s)", t.PetraTenantID, t.Name))
	}
	sort.Strings(names)
	hint := "Petra lists no tenants for this API key's organization."
	if len(names) > 0 {
		if len(names) > 10 {
			names = append(names[:10], fmt.Sprintf("and %d more", len(names)-10))
		}
		hint = "Known tenants: " + strings.Join(names, ", ") + "."
	}
	return fmt.Errorf("Petra has no tenant %q in this organization (it may have been removed, or the ID is "+
		"mistyped; tenant IDs are the short IDs in app.petrasecurity.com/tenant/<id>). %s", id, hint)
}

// PetraUsage returns Petra's organization-wide billing snapshot for asOf
// (YYYY-MM-DD; "" means today), from one request per date per provider run.
func (s *Catalog) PetraUsage(ctx context.Context, asOf string) (*petra.Usage, error) {
	pt, err := s.run.PetraRoute("/v1/usage")
	if err != nil {
		return nil, err
	}
	if asOf == "" {
		asOf = s.run.Today().Format("2006-01-02")
	}
	return run.Cached(ctx, s.run, "petra/usage/"+asOf, func(ctx context.Context) (*petra.Usage, error) {
		u, err := pt.Usage(ctx, asOf)
		if err != nil {
			return nil, fmt.Errorf("reading Petra usage as of %s: %w", asOf, err)
		}
		return u, nil
	})
}

// PetraBillableUsers returns one tenant's billable-user report, once per
// tenant per provider run.
func (s *Catalog) PetraBillableUsers(ctx context.Context, tenantID string) (*petra.BillableUsers, error) {
	pt, err := s.run.PetraRoute("/v1/billable-users")
	if err != nil {
		return nil, err
	}
	return run.Cached(ctx, s.run, "petra/billable-users/"+tenantID, func(ctx context.Context) (*petra.BillableUsers, error) {
		b, err := pt.BillableUsers(ctx, tenantID)
		if err != nil {
			var nf *petra.TenantNotFoundError
			if errors.As(err, &nf) {
				return nil, fmt.Errorf("Petra has no tenant %q in this organization: check tenant_id (the petra_tenants "+
					"data source lists them): %w", tenantID, err)
			}
			return nil, fmt.Errorf("reading Petra billable users for tenant %s: %w", tenantID, err)
		}
		return b, nil
	})
}
