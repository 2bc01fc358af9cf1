package catalog

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/problem"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
)

func TestParseCompanyType(t *testing.T) {
	ok := map[string]int{"Customer": 1, "customer": 1, " PROSPECT ": 3, "Vendor": 7, "Lead": 2, "partner": 8, "1": 1, "42": 42}
	for in, want := range ok {
		got, err := ParseCompanyType(in)
		if err != nil || got != want {
			t.Errorf("ParseCompanyType(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"Customr", "", "0", "-3"} {
		_, err := ParseCompanyType(in)
		if err == nil {
			t.Errorf("ParseCompanyType(%q) accepted", in)
			continue
		}
		if in == "Customr" && !strings.Contains(err.Error(), `"Customer" (1), "Lead" (2), "Prospect" (3)`) {
			t.Errorf("error for a typo does not list the labels: %v", err)
		}
	}
}

func TestFilterCompanies(t *testing.T) {
	cs := []autotask.Company{
		{ID: 1, CompanyName: "Contoso Ltd", CompanyType: 1, IsActive: true},
		{ID: 2, CompanyName: "contoso prospects", CompanyType: 3, IsActive: true},
		{ID: 3, CompanyName: "Old Contoso", CompanyType: 1, IsActive: false},
		{ID: 4, CompanyName: "Fabrikam", CompanyType: 7, IsActive: true},
	}
	active, inactive, customer := true, false, 1
	ids := func(in []autotask.Company) []int64 {
		var out []int64
		for _, c := range in {
			out = append(out, c.ID)
		}
		return out
	}
	cases := []struct {
		name string
		f    CompanyFilter
		want []int64
	}{
		{"no filter keeps all in order", CompanyFilter{}, []int64{1, 2, 3, 4}},
		{"name ignores case", CompanyFilter{NameContains: "CONTOSO"}, []int64{1, 2, 3}},
		{"inactive only", CompanyFilter{Active: &inactive}, []int64{3}},
		{"active customers named contoso", CompanyFilter{NameContains: "contoso", Active: &active, Type: &customer}, []int64{1}},
		{"nothing matches", CompanyFilter{NameContains: "northwind"}, nil},
	}
	for _, tc := range cases {
		if got := ids(FilterCompanies(cs, tc.f)); !equalIDs(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCheckMappedCompanyTexts(t *testing.T) {
	p := CheckMappedCompany(123, nil)
	if p == nil || p.Attribute != problem.AttrCompanyID || !strings.HasPrefix(p.Detail, "Autotask company 123 was not found") ||
		!strings.Contains(p.Detail, "petra_autotask_companies") {
		t.Fatalf("missing company: %+v", p)
	}
	p = CheckMappedCompany(123, &autotask.Company{ID: 123, CompanyName: "Contoso", IsActive: false})
	if p == nil || !strings.HasPrefix(p.Detail, `Autotask company "Contoso" (id 123) is inactive.`) ||
		!strings.Contains(p.Detail, "reactivate the company in Autotask") {
		t.Fatalf("inactive company: %+v", p)
	}
	if p := CheckMappedCompany(123, &autotask.Company{ID: 123, CompanyName: "Contoso", IsActive: true}); p != nil {
		t.Fatalf("active company reported: %+v", p)
	}
}

// TestCompaniesOneBulkReadPerRun checks that concurrent and repeated lookups
// share one paged read of Companies, and that inactive companies are seen.
func TestCompaniesOneBulkReadPerRun(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	ctx := context.Background()
	active := env.CreateCompany(t, env.Unique("Bulk Active"), acctest.CompanyOpts{})
	inactive := env.CreateCompany(t, env.Unique("Bulk Inactive"), acctest.CompanyOpts{Inactive: true, Type: autotask.CompanyTypeProspect})
	before := companyQueries(t, env)

	s := New(run.New(env.AT, nil, env.Now))
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Company(ctx, active); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Company: %v", err)
	}
	c, err := s.Company(ctx, inactive)
	if err != nil || c == nil || c.IsActive || c.CompanyType != autotask.CompanyTypeProspect {
		t.Fatalf("inactive company lookup = %+v, %v", c, err)
	}
	if c, err := s.Company(ctx, 1); err != nil || c != nil {
		t.Fatalf("a company that does not exist = %+v, %v; want nil, nil", c, err)
	}
	if got := companyQueries(t, env) - before; got != 1 {
		t.Fatalf("21 lookups sent %d Companies queries; want exactly 1 per run", got)
	}
	cs, _ := s.Companies(ctx)
	for i := 1; i < len(cs); i++ {
		if cs[i-1].ID >= cs[i].ID {
			t.Fatalf("companies not sorted by id: %d before %d", cs[i-1].ID, cs[i].ID)
		}
	}
}

func TestCompaniesNeedAutotask(t *testing.T) {
	s := New(run.New(nil, nil, nil))
	if _, err := s.Companies(context.Background()); !errors.Is(err, run.ErrAutotaskNotConfigured) {
		t.Fatalf("without Autotask: %v", err)
	}
}

func companyQueries(t *testing.T, env *acctest.Env) int {
	t.Helper()
	recs, err := env.Sandbox.Admin.Requests(context.Background(), 0)
	if err != nil {
		t.Fatalf("request log: %v", err)
	}
	n := 0
	for _, r := range recs {
		if strings.Contains(strings.ToLower(r.Path), "/companies/query") {
			n++
		}
	}
	return n
}
