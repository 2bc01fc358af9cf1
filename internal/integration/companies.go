package integration

import (
	"context"
	"fmt"
	"sort"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
)

// companyFields are the Companies fields the provider uses; asking only for
// them keeps each 500-record page small.
var companyFields = []string{"id", "companyName", "companyType", "isActive"}

// Companies returns every Autotask company the API user can see, read in full
// pages once per provider run, sorted by id.
func (s *Service) Companies(ctx context.Context) ([]autotask.Company, error) {
	at, err := s.Autotask()
	if err != nil {
		return nil, err
	}
	return cached(ctx, s, "autotask/companies", func(ctx context.Context) ([]autotask.Company, error) {
		cs, err := autotask.Query[autotask.Company](ctx, at, "Companies", autotask.QuerySpec{
			Filter:        []autotask.Filter{autotask.Gte("id", 0)},
			IncludeFields: companyFields,
		})
		if err != nil {
			return nil, fmt.Errorf("reading Autotask companies: %w", err)
		}
		sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
		return cs, nil
	})
}

// Company returns one company by id, or (nil, nil) when Autotask has none (or
// the API user cannot see it).
func (s *Service) Company(ctx context.Context, id int64) (*autotask.Company, error) {
	cs, err := s.Companies(ctx)
	if err != nil {
		return nil, err
	}
	i := sort.Search(len(cs), func(i int) bool { return cs[i].ID >= id })
	if i < len(cs) && cs[i].ID == id {
		c := cs[i]
		return &c, nil
	}
	return nil, nil
}

// CompanyTypeLabel names an Autotask company type (ref §7.1).
func CompanyTypeLabel(t int) string {
	switch t {
	case autotask.CompanyTypeCustomer:
		return "Customer"
	case autotask.CompanyTypeLead:
		return "Lead"
	case autotask.CompanyTypeProspect:
		return "Prospect"
	case autotask.CompanyTypeDead:
		return "Dead"
	case autotask.CompanyTypeCancellation:
		return "Cancellation"
	case autotask.CompanyTypeVendor:
		return "Vendor"
	case autotask.CompanyTypePartner:
		return "Partner"
	default:
		return fmt.Sprintf("type %d", t)
	}
}
