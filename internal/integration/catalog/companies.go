package catalog

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/problem"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
)

// companyFields are the Companies fields the provider uses; asking only for
// them keeps each 500-record page small.
var companyFields = []string{"id", "companyName", "companyType", "isActive"}

// Companies returns every Autotask company the API user can see, read in full
// pages once per provider run, sorted by id.
func (s *Catalog) Companies(ctx context.Context) ([]autotask.Company, error) {
	at, err := s.run.Autotask()
	if err != nil {
		return nil, err
	}
	return run.Cached(ctx, s.run, "autotask/companies", func(ctx context.Context) ([]autotask.Company, error) {
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
// the API user cannot see it). The company is remembered as a hint: the
// billing reads of the run prefetch its contracts.
func (s *Catalog) Company(ctx context.Context, id int64) (*autotask.Company, error) {
	s.run.HintCompany(id)
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

// companyTypeCodes lists the company types in the order their labels are
// suggested to users.
var companyTypeCodes = []int{
	autotask.CompanyTypeCustomer, autotask.CompanyTypeLead, autotask.CompanyTypeProspect, autotask.CompanyTypeDead,
	autotask.CompanyTypeCancellation, autotask.CompanyTypeVendor, autotask.CompanyTypePartner,
}

// ParseCompanyType reads a company type written as its label ("Customer",
// any case) or its numeric id ("1"). Labels follow ref §7.1; only Customer,
// Prospect and Vendor are VERIFIED, the other codes are INFERRED (ref §7.1),
// which is why a numeric id is always accepted as given.
func ParseCompanyType(s string) (int, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 {
			return 0, fmt.Errorf("company type %d is not a valid Autotask company type id; ids are positive "+
				"(1 Customer, 3 Prospect, 7 Vendor, ...)", n)
		}
		return n, nil
	}
	labels := make([]string, 0, len(companyTypeCodes))
	for _, c := range companyTypeCodes {
		l := CompanyTypeLabel(c)
		if strings.EqualFold(l, s) {
			return c, nil
		}
		labels = append(labels, fmt.Sprintf("%q (%d)", l, c))
	}
	return 0, fmt.Errorf("company type %q is not an Autotask company type; use one of %s, or the numeric id "+
		"of a custom type", s, strings.Join(labels, ", "))
}

// CompanyFilter selects companies; a nil or empty field matches every company.
type CompanyFilter struct {
	// NameContains matches company names containing it, ignoring case.
	NameContains string
	// Active, when set, keeps only active (true) or inactive (false) companies.
	Active *bool
	// Type, when set, keeps only companies of that company type id.
	Type *int
}

// FilterCompanies returns the companies matching f, in their given order.
func FilterCompanies(cs []autotask.Company, f CompanyFilter) []autotask.Company {
	needle := strings.ToLower(f.NameContains)
	out := make([]autotask.Company, 0, len(cs))
	for _, c := range cs {
		if needle != "" && !strings.Contains(strings.ToLower(c.CompanyName), needle) {
			continue
		}
		if f.Active != nil && c.IsActive != *f.Active {
			continue
		}
		if f.Type != nil && c.CompanyType != *f.Type {
			continue
		}
		out = append(out, c)
	}
	return out
}

// CheckMappedCompany says what is wrong with mapping a tenant to company id,
// given the company as read from Autotask (nil when it does not exist or the
// API user cannot see it). It returns nil when the company can be mapped.
func CheckMappedCompany(id int64, c *autotask.Company) *problem.Problem {
	if c == nil {
		return &problem.Problem{
			Attribute: problem.AttrCompanyID,
			Summary:   "Autotask company not found",
			Detail: fmt.Sprintf("Autotask company %d was not found: it does not exist, was deleted, or the API user "+
				"cannot see it. Check company_id (the petra_autotask_companies data source lists the companies with "+
				"their ids).", id),
		}
	}
	if !c.IsActive {
		return &problem.Problem{
			Attribute: problem.AttrCompanyID,
			Summary:   "Autotask company is inactive",
			Detail: fmt.Sprintf("Autotask company %q (id %d) is inactive. Tickets and billing for this tenant need an "+
				"active company: reactivate the company in Autotask, map the tenant to another company (company_id), "+
				"or remove this mapping.", c.CompanyName, c.ID),
		}
	}
	return nil
}
