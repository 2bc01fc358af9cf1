// Package petrasim emulates Petra Security's public API (petra-api.md §A):
// GET /v1/tenants, GET /v1/usage and GET /v1/billable-users with Petra's field
// names, bearer-key authentication, the User-Agent requirement and the
// per-route, per-key rate limit with Retry-After headers. Petra has no write
// API, so tenants are seeded from a Fixture and changed through SetTenants /
// UpsertTenants (the sandbox's admin API).
package petrasim

import (
	"fmt"
	"net/http"
	"sort"
	"sync"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/simtime"
)

// Server is one emulated Petra organisation.
type Server struct {
	clock   simtime.Clock
	org     string
	keys    []string
	limiter *limiter

	mu      sync.RWMutex
	tenants map[string]*tenant
}

// New builds a Server from fx; relative dates resolve against clock.Today().
// A nil clock follows the wall clock.
func New(clock simtime.Clock, fx *Fixture) (*Server, error) {
	if clock == nil {
		clock = simtime.NewSettable()
	}
	if fx == nil {
		return nil, fmt.Errorf("petra: no fixture given; supply at least \"apiKeys\"")
	}
	today := clock.Today()
	if err := fx.Validate(today); err != nil {
		return nil, err
	}
	s := &Server{
		clock:   clock,
		org:     fx.OrganizationName,
		keys:    append([]string(nil), fx.APIKeys...),
		limiter: newLimiter(fx.rateLimits()),
		tenants: map[string]*tenant{},
	}
	if s.org == "" {
		s.org = "Sandbox MSP"
	}
	for _, t := range fx.Tenants {
		rt, err := resolveTenant(t, today)
		if err != nil { // unreachable after Validate, kept for safety
			return nil, fmt.Errorf("petra: %w", err)
		}
		s.tenants[t.PetraTenantID] = rt
	}
	return s, nil
}

// SetTenants replaces every tenant. Nothing changes when one is invalid.
func (s *Server) SetTenants(ts []Tenant) error {
	resolved, err := s.resolveAll(ts)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tenants = resolved
	return nil
}

// UpsertTenants adds or replaces tenants by petraTenantId. Nothing changes
// when one is invalid.
func (s *Server) UpsertTenants(ts []Tenant) error {
	resolved, err := s.resolveAll(ts)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, t := range resolved {
		s.tenants[id] = t
	}
	return nil
}

// TenantCount is the number of stored tenants, removed ones included.
func (s *Server) TenantCount() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.tenants)
}

func (s *Server) resolveAll(ts []Tenant) (map[string]*tenant, error) {
	today := s.clock.Today()
	out := make(map[string]*tenant, len(ts))
	for i, t := range ts {
		rt, err := resolveTenant(t, today)
		if err != nil {
			return nil, fmt.Errorf("tenants[%d]: %w", i, err)
		}
		if _, dup := out[t.PetraTenantID]; dup {
			return nil, fmt.Errorf("tenants[%d]: petraTenantId %q appears twice in one request", i, t.PetraTenantID)
		}
		out[t.PetraTenantID] = rt
	}
	return out, nil
}

// SetRateLimit sets every route's per-key limit per rolling minute and
// starts every window afresh.
func (s *Server) SetRateLimit(perMinute int) error {
	if perMinute < 1 {
		return fmt.Errorf("rate limit must be at least 1 request per minute, got %d", perMinute)
	}
	s.limiter.setLimit("", perMinute)
	return nil
}

// SetRouteRateLimit sets one route's per-key limit per rolling minute (route
// is "/v1/billable-users", "/v1/tenants" or "/v1/usage") and starts every
// window afresh.
func (s *Server) SetRouteRateLimit(route string, perMinute int) error {
	if err := checkRouteLimit(route, perMinute); err != nil {
		return err
	}
	s.limiter.setLimit(route, perMinute)
	return nil
}

// RateLimits returns each route's per-key limit per rolling minute.
func (s *Server) RateLimits() map[string]int { return s.limiter.snapshot() }

// visibleTenants returns the non-removed tenants sorted by name (then id).
func (s *Server) visibleTenants() []*tenant {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*tenant, 0, len(s.tenants))
	for _, t := range s.tenants {
		if !t.Removed {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].PetraTenantID < out[j].PetraTenantID
	})
	return out
}

func (s *Server) lookup(id string) *tenant {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.tenants[id]
	if t == nil || t.Removed {
		return nil
	}
	return t
}

// Handler serves the API relative to its mount point (/v1/...).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(RouteTenants, s.guard(RouteTenants, s.handleTenants))
	mux.Handle(RouteUsage, s.guard(RouteUsage, s.handleUsage))
	mux.Handle(RouteBillableUsers, s.guard(RouteBillableUsers, s.handleBillableUsers))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Not Found",
			fmt.Sprintf("No route %s %s; the sandbox serves GET /v1/tenants, /v1/usage and /v1/billable-users", r.Method, r.URL.Path))
	})
	return mux
}
