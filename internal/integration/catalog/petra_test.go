package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
	"github.com/petrasecurity/terraform-provider-petra/internal/petra"
)

func TestUnknownTenantErrorListsKnownTenants(t *testing.T) {
	err := UnknownTenantError("Nope00", []petra.Tenant{{PetraTenantID: "Y3mPqr", Name: "Northwind"}, {PetraTenantID: "ZZk90t", Name: "Harbor"}})
	want := `Petra has no tenant "Nope00" in this organization`
	if !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), "Known tenants: Y3mPqr (Northwind), ZZk90t (Harbor).") {
		t.Fatalf("got %q", err)
	}
	var many []petra.Tenant
	for i := 0; i < 13; i++ {
		many = append(many, petra.Tenant{PetraTenantID: fmt.Sprintf("T%02d", i), Name: "x"})
	}
	if err := UnknownTenantError("Nope00", many); !strings.HasSuffix(err.Error(), "T09 (x), and 3 more.") {
		t.Fatalf("long list not shortened: %q", err)
	}
	if err := UnknownTenantError("Nope00", nil); !strings.HasSuffix(err.Error(), "Petra lists no tenants for this API key's organization.") {
		t.Fatalf("empty organization: %q", err)
	}
}

func TestPetraNeedsAKey(t *testing.T) {
	s := New(run.New(nil, nil, nil))
	if _, err := s.PetraTenants(context.Background()); !errors.Is(err, run.ErrPetraNotConfigured) {
		t.Fatalf("PetraTenants without key: %v", err)
	}
	if _, err := s.PetraUsage(context.Background(), ""); !errors.Is(err, run.ErrPetraNotConfigured) {
		t.Fatalf("PetraUsage without key: %v", err)
	}
	if _, err := s.PetraBillableUsers(context.Background(), "ZZk90t"); !errors.Is(err, run.ErrPetraNotConfigured) {
		t.Fatalf("PetraBillableUsers without key: %v", err)
	}
}

func TestPetraTenantLookup(t *testing.T) {
	env := acctest.New(t)
	ctx := context.Background()
	s := New(run.New(nil, env.Petra, env.Now))
	first := env.PetraTenant(t, 0)
	before := petraRequests(t, env, "/petra/v1/tenants", "")

	got, err := s.PetraTenant(ctx, first.PetraTenantID)
	if err != nil || got == nil || got.Name != first.Name {
		t.Fatalf("by Petra ID: %+v, %v", got, err)
	}
	got, err = s.PetraTenant(ctx, strings.ToUpper(first.MicrosoftTenantID))
	if err != nil || got == nil || got.PetraTenantID != first.PetraTenantID {
		t.Fatalf("by Microsoft ID (any case): %+v, %v", got, err)
	}
	got, err = s.PetraTenant(ctx, "Om1Bk7") // removed in the fixture
	if err != nil || got != nil {
		t.Fatalf("removed tenant: %+v, %v; want nil, nil", got, err)
	}
	if n := petraRequests(t, env, "/petra/v1/tenants", "") - before; n != 1 {
		t.Fatalf("three lookups sent %d tenant list requests; want 1", n)
	}
}

func TestPetraUsageOneRequestPerDate(t *testing.T) {
	env := acctest.New(t)
	ctx := context.Background()
	s := New(run.New(nil, env.Petra, env.Now))
	u1, err := s.PetraUsage(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	u2, err := s.PetraUsage(ctx, env.Date(0))
	if err != nil {
		t.Fatal(err)
	}
	if u1 != u2 {
		t.Fatal(`"" and today's date were read separately; "" must mean today`)
	}
	if got := u1.AsOf.Format("2006-01-02"); got != env.Date(0) {
		t.Fatalf("asOf = %s, want %s", got, env.Date(0))
	}
	earlier, err := s.PetraUsage(ctx, env.Date(-11))
	if err != nil {
		t.Fatal(err)
	}
	if len(earlier.Tenants) != len(u1.Tenants)-1 {
		t.Fatalf("as of 11 days ago Petra should omit the tenant onboarded 10 days ago: %d vs %d tenants",
			len(earlier.Tenants), len(u1.Tenants))
	}
	if n := petraRequests(t, env, "/petra/v1/usage", ""); n != 2 {
		t.Fatalf("%d usage requests for two dates; want 2", n)
	}
}

func TestPetraBillableUsersUnknownTenant(t *testing.T) {
	env := acctest.New(t)
	s := New(run.New(nil, env.Petra, env.Now))
	_, err := s.PetraBillableUsers(context.Background(), "Nope00")
	var nf *petra.TenantNotFoundError
	if !errors.As(err, &nf) || !strings.HasPrefix(err.Error(), `Petra has no tenant "Nope00" in this organization: check tenant_id`) {
		t.Fatalf("got %v", err)
	}
	b, err := s.PetraBillableUsers(context.Background(), "ZZk90t")
	if err != nil || b.ProjectedBillableUnitsThisMonth == nil || *b.ProjectedBillableUnitsThisMonth != 44 {
		t.Fatalf("ZZk90t: %+v, %v", b, err)
	}
}

// petraRequests counts logged requests to path whose query contains query.
func petraRequests(t *testing.T, env *acctest.Env, path, query string) int {
	t.Helper()
	recs, err := env.Sandbox.Admin.Requests(context.Background(), 0)
	if err != nil {
		t.Fatalf("request log: %v", err)
	}
	n := 0
	for _, r := range recs {
		if strings.EqualFold(r.Path, path) && strings.Contains(r.Query, query) {
			n++
		}
	}
	return n
}
