package catalog

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
	"github.com/petrasecurity/terraform-provider-petra/internal/petra"
)

// petraStub answers every Petra route with status (per route) and counts
// the requests per path.
func petraStub(t *testing.T, status map[string]int) (*petra.Client, map[string]*atomic.Int32) {
	t.Helper()
	counts := map[string]*atomic.Int32{"/v1/tenants": {}, "/v1/usage": {}, "/v1/billable-users": {}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := counts[r.URL.Path]; ok {
			c.Add(1)
		}
		code := status[r.URL.Path]
		if code == 0 {
			code = http.StatusOK
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		switch {
		case code != http.StatusOK:
			_, _ = w.Write([]byte(`{"error":"nope","message":"refused"}`))
		case r.URL.Path == "/v1/tenants":
			_, _ = w.Write([]byte(`{"tenants":[]}`))
		}
	}))
	t.Cleanup(srv.Close)
	// A stub, not Petra: no per-route pacing (this test is about what is
	// remembered, not about Petra's limits).
	c, err := petra.New(petra.Config{APIKey: "petra_test_key_000000", BaseURL: srv.URL, UserAgent: "test", RequestsPerMinute: 6000})
	if err != nil {
		t.Fatal(err)
	}
	return c, counts
}

// TestRejectedPetraKeyIsRememberedForTheRun: after Petra refuses the key,
// no route is asked again in the run, and the failure is reported once.
func TestRejectedPetraKeyIsRememberedForTheRun(t *testing.T) {
	pt, counts := petraStub(t, map[string]int{"/v1/usage": 401, "/v1/tenants": 401, "/v1/billable-users": 401})
	s := New(run.New(nil, pt, nil))
	ctx := context.Background()
	_, err := s.PetraUsage(ctx, "2026-01-31")
	if err == nil || !strings.Contains(err.Error(), "Petra rejected the API key") {
		t.Fatalf("first call: %v", err)
	}
	if !s.run.FirstReport(err) {
		t.Fatal("the first report of the failure was suppressed")
	}
	for range 5 {
		if _, err := s.PetraTenants(ctx); err == nil {
			t.Fatal("tenants read after the key was rejected")
		}
		if _, err := s.PetraUsage(ctx, "2026-02-01"); err == nil {
			t.Fatal("usage read after the key was rejected")
		}
		if _, err := s.PetraBillableUsers(ctx, "ZZk90t"); err == nil {
			t.Fatal("billable users read after the key was rejected")
		} else if s.run.FirstReport(err) {
			t.Fatal("the same cause was reported twice in one run")
		}
	}
	if n := counts["/v1/usage"].Load() + counts["/v1/tenants"].Load() + counts["/v1/billable-users"].Load(); n != 1 {
		t.Fatalf("%d requests reached Petra, want 1", n)
	}
}

// TestMissingPetraRouteIsRememberedPerRoute: a 404 on a route (a wrong
// api_url path, a route Petra does not serve) stops that route only; a 404
// for one tenant (an unknown tenant) is that tenant's problem and is asked
// again for another tenant.
func TestMissingPetraRouteIsRememberedPerRoute(t *testing.T) {
	pt, counts := petraStub(t, map[string]int{"/v1/usage": 404, "/v1/billable-users": 404})
	s := New(run.New(nil, pt, nil))
	ctx := context.Background()
	for _, day := range []string{"2026-01-31", "2026-02-01", "2026-02-02"} {
		if _, err := s.PetraUsage(ctx, day); err == nil {
			t.Fatal("usage read from a missing route")
		}
	}
	if n := counts["/v1/usage"].Load(); n != 1 {
		t.Errorf("/v1/usage asked %d times, want 1", n)
	}
	if _, err := s.PetraTenants(ctx); err != nil {
		t.Fatalf("another route is stopped too: %v", err)
	}
	for _, id := range []string{"AAA111", "BBB222"} {
		_, err := s.PetraBillableUsers(ctx, id)
		if err == nil {
			t.Fatal("unknown tenant found")
		}
		if !s.run.FirstReport(err) {
			t.Errorf("an unknown tenant (%s) is a per-tenant problem, reported every time", id)
		}
	}
	if n := counts["/v1/billable-users"].Load(); n != 2 {
		t.Errorf("/v1/billable-users asked %d times for two tenants, want 2", n)
	}
}
