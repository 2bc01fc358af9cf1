package petrasim

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/simtime"
)

// DefaultRateLimitPerMinute is Petra's documented limit for /v1/tenants
// (petra-api.md §A1: 10 req/min). For /v1/usage the same limit is INFERRED
// (ref §A1).
const DefaultRateLimitPerMinute = 10

// DefaultBillableUsersRateLimitPerMinute is the limit of /v1/billable-users:
// Petra's OpenAPI page for the route says 1 request per minute (its HTML page
// says 10; the emulator serves the stricter figure).
const DefaultBillableUsersRateLimitPerMinute = 1

// Routes the emulator serves, the keys of Fixture.RateLimits.
const (
	RouteTenants       = "/v1/tenants"
	RouteUsage         = "/v1/usage"
	RouteBillableUsers = "/v1/billable-users"
)

// DefaultRateLimits is each route's limit per rolling minute, per key, as
// Petra documents them. This is the emulator's own statement of Petra's
// rule, kept apart from the client's (internal/petra) on purpose: tests set
// the two differently and check that the client copes.
func DefaultRateLimits() map[string]int {
	return map[string]int{
		RouteTenants:       DefaultRateLimitPerMinute,
		RouteUsage:         DefaultRateLimitPerMinute,
		RouteBillableUsers: DefaultBillableUsersRateLimitPerMinute,
	}
}

// Billing statuses accepted in a fixture. The value set comes from petra-mcp,
// not Petra's own docs: INFERRED (ref §A2).
var billableStatuses = []string{"Trial", "Active", "NFR", "Deleted"}

// Services accepted in a fixture. INFERRED (ref §A2): petra-mcp lists
// "Monitoring" and "Autopsy".
var services = []string{"Monitoring", "Autopsy"}

// Fixture is the initial state of the emulated Petra organisation. It uses
// Petra's wire field names.
type Fixture struct {
	// OrganizationName is reported by /v1/usage.
	OrganizationName string `json:"organizationName"`
	// APIKeys are the accepted bearer keys ("petra_...").
	APIKeys []string `json:"apiKeys"`
	// RateLimitPerMinute, when set, is the per-key limit of every route,
	// replacing DefaultRateLimits.
	RateLimitPerMinute int `json:"rateLimitPerMinute,omitempty"`
	// RateLimits sets single routes' limits per minute ("/v1/billable-users":
	// 1), over RateLimitPerMinute and the defaults.
	RateLimits map[string]int `json:"rateLimits,omitempty"`
	// Tenants are the organisation's tenants, including removed ones.
	Tenants []Tenant `json:"tenants"`
}

// Tenant is one Petra tenant as a fixture (or the admin API) describes it.
// Dates accept the simtime.ParseDate forms ("2025-01-15", "today-90d").
type Tenant struct {
	PetraTenantID     string `json:"petraTenantId"`
	Name              string `json:"name"`
	MicrosoftTenantID string `json:"microsoftTenantId"`
	IsPaused          bool   `json:"isPaused"`
	OnboardingDate    string `json:"onboardingDate"`
	// Removed tenants are kept but hidden from every route (Petra excludes
	// deleted tenants from /v1/tenants).
	Removed bool `json:"removed,omitempty"`
	// Service is "Monitoring" (default) or "Autopsy".
	Service string `json:"service,omitempty"`
	// BillableStatus is "Trial", "Active" (default), "NFR" or "Deleted".
	BillableStatus string `json:"billableStatus,omitempty"`
	// FirstBillableDate is optional; rendered as null when empty.
	FirstBillableDate            string  `json:"firstBillableDate,omitempty"`
	TotalLicensedUsers           int     `json:"totalLicensedUsers"`
	BillableUsersThisMonth       int     `json:"billableUsersThisMonth"`
	ProratingPercentageThisMonth float64 `json:"proratingPercentageThisMonth"`
	// ProjectedBillableUnitsThisMonth is reported by /v1/billable-users.
	ProjectedBillableUnitsThisMonth int `json:"projectedBillableUnitsThisMonth"`
	// Users, when given, replace the synthesised user list.
	Users []User `json:"users,omitempty"`
}

// User is a Microsoft 365 user of a tenant. Deleted is fixture-only: deleted
// users are never billable and never listed.
type User struct {
	ID                    string   `json:"id"`
	DisplayName           string   `json:"displayName"`
	UserPrincipalName     string   `json:"userPrincipalName"`
	Mail                  string   `json:"mail"`
	AccountEnabled        bool     `json:"accountEnabled"`
	AssignedLicenseSkuIDs []string `json:"assignedLicenseSkuIds"`
	Deleted               bool     `json:"deleted,omitempty"`
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Validate reports the first problem in f, phrased so a fixture author can
// fix it. Relative dates are checked against today.
func (f *Fixture) Validate(today time.Time) error {
	if len(f.APIKeys) == 0 {
		return fmt.Errorf(`petra: "apiKeys" is empty; add at least one key such as "petra_sandbox_example"`)
	}
	for i, k := range f.APIKeys {
		if strings.TrimSpace(k) == "" || strings.ContainsAny(k, " \t\r\n") {
			return fmt.Errorf("petra: apiKeys[%d] is blank or contains whitespace; keys are single tokens such as \"petra_sandbox_example\"", i)
		}
	}
	if f.RateLimitPerMinute < 0 {
		return fmt.Errorf("petra: rateLimitPerMinute is %d; use a positive number or omit it for Petra's own limits", f.RateLimitPerMinute)
	}
	for route, n := range f.RateLimits {
		if err := checkRouteLimit(route, n); err != nil {
			return fmt.Errorf("petra: rateLimits: %w", err)
		}
	}
	seen := map[string]bool{}
	for i := range f.Tenants {
		if _, err := resolveTenant(f.Tenants[i], today); err != nil {
			return fmt.Errorf("petra: tenants[%d]: %w", i, err)
		}
		id := f.Tenants[i].PetraTenantID
		if seen[id] {
			return fmt.Errorf("petra: tenants[%d]: petraTenantId %q is used twice; each tenant needs its own id", i, id)
		}
		seen[id] = true
	}
	return nil
}

// tenant is a validated Tenant with resolved dates and its user list.
type tenant struct {
	Tenant
	onboarding    time.Time
	firstBillable time.Time // zero = null
	users         []User
}

func oneOf(v string, allowed []string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

// resolveTenant validates t, applies defaults and resolves dates against today.
func resolveTenant(t Tenant, today time.Time) (*tenant, error) {
	if strings.TrimSpace(t.PetraTenantID) == "" {
		return nil, fmt.Errorf(`"petraTenantId" is required (Petra's short id, e.g. "ZZk90t")`)
	}
	if strings.TrimSpace(t.Name) == "" {
		return nil, fmt.Errorf("tenant %q: \"name\" is required", t.PetraTenantID)
	}
	if !guidRE.MatchString(t.MicrosoftTenantID) {
		return nil, fmt.Errorf("tenant %q: \"microsoftTenantId\" %q is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", t.PetraTenantID, t.MicrosoftTenantID)
	}
	if t.Service == "" {
		t.Service = "Monitoring"
	}
	if !oneOf(t.Service, services) {
		return nil, fmt.Errorf("tenant %q: service %q is not one of %s", t.PetraTenantID, t.Service, strings.Join(services, ", "))
	}
	if t.BillableStatus == "" {
		t.BillableStatus = "Active"
	}
	if !oneOf(t.BillableStatus, billableStatuses) {
		return nil, fmt.Errorf("tenant %q: billableStatus %q is not one of %s", t.PetraTenantID, t.BillableStatus, strings.Join(billableStatuses, ", "))
	}
	if t.TotalLicensedUsers < 0 || t.BillableUsersThisMonth < 0 || t.ProjectedBillableUnitsThisMonth < 0 || t.ProratingPercentageThisMonth < 0 {
		return nil, fmt.Errorf("tenant %q: user counts, projected units and proration must not be negative", t.PetraTenantID)
	}
	if t.OnboardingDate == "" {
		return nil, fmt.Errorf("tenant %q: \"onboardingDate\" is required (e.g. \"2025-01-15\" or \"today-90d\")", t.PetraTenantID)
	}
	out := &tenant{Tenant: t}
	var err error
	if out.onboarding, err = simtime.ParseDate(t.OnboardingDate, today); err != nil {
		return nil, fmt.Errorf("tenant %q: onboardingDate: %w", t.PetraTenantID, err)
	}
	out.onboarding = simtime.Midnight(out.onboarding)
	if t.FirstBillableDate != "" {
		if out.firstBillable, err = simtime.ParseDate(t.FirstBillableDate, today); err != nil {
			return nil, fmt.Errorf("tenant %q: firstBillableDate: %w", t.PetraTenantID, err)
		}
		out.firstBillable = simtime.Midnight(out.firstBillable)
	}
	if t.Users != nil {
		ids := map[string]bool{}
		for i, u := range t.Users {
			if u.ID == "" || u.UserPrincipalName == "" {
				return nil, fmt.Errorf("tenant %q: users[%d] needs \"id\" and \"userPrincipalName\"", t.PetraTenantID, i)
			}
			if ids[u.ID] {
				return nil, fmt.Errorf("tenant %q: users[%d]: id %q is used twice", t.PetraTenantID, i, u.ID)
			}
			ids[u.ID] = true
		}
		out.users = append([]User(nil), t.Users...)
	} else {
		out.users = synthesizeUsers(t)
	}
	return out, nil
}

// checkRouteLimit accepts a route the emulator serves and a positive limit.
func checkRouteLimit(route string, perMinute int) error {
	if _, ok := DefaultRateLimits()[route]; !ok {
		return fmt.Errorf("%q is not a route of the emulator; use %q, %q or %q", route, RouteBillableUsers, RouteTenants, RouteUsage)
	}
	if perMinute < 1 {
		return fmt.Errorf("the limit of %s must be at least 1 request per minute, got %d", route, perMinute)
	}
	return nil
}

// rateLimits is the fixture's limit of each route.
func (f *Fixture) rateLimits() map[string]int {
	out := DefaultRateLimits()
	if f.RateLimitPerMinute > 0 {
		for r := range out {
			out[r] = f.RateLimitPerMinute
		}
	}
	for r, n := range f.RateLimits {
		out[r] = n
	}
	return out
}
