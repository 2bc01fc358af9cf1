package petra_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/petra"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/petrasim"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/simtime"
)

// These tests run the client against the Petra emulator, each with its own
// idea of Petra's limits: the client's (petra.DefaultRouteLimits) and the
// emulator's (petrasim.DefaultRateLimits) are separate statements of the
// rule, and here they are set to disagree. Both share one virtual clock: a
// client wait moves the emulator's time too, so a minute passes at once.

// virtualClock is a petra.Clock and a simtime.Clock.
type virtualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *virtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *virtualClock) Today() time.Time { return simtime.DateIn(c.Now(), time.UTC) }

func (c *virtualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d > 0 {
		c.mu.Lock()
		c.now = c.now.Add(d)
		c.mu.Unlock()
	}
	return nil
}

const sandboxKey = "petra_sandbox_limits_key_01"

// limitsEnv is the emulator behind a recorder of its answers.
type limitsEnv struct {
	clock *virtualClock
	srv   *petrasim.Server
	url   string

	mu       sync.Mutex
	statuses map[string][]int // route -> statuses, in order
}

func newLimitsEnv(t *testing.T) *limitsEnv {
	t.Helper()
	clk := &virtualClock{now: time.Date(2026, 11, 23, 10, 30, 0, 0, time.UTC)}
	srv, err := petrasim.New(clk, &petrasim.Fixture{
		APIKeys: []string{sandboxKey},
		Tenants: []petrasim.Tenant{
			{PetraTenantID: "Aa1", Name: "Alder Dental", MicrosoftTenantID: "11111111-1111-4111-8111-111111111111", OnboardingDate: "2025-01-15", TotalLicensedUsers: 5, BillableUsersThisMonth: 5, ProjectedBillableUnitsThisMonth: 5},
			{PetraTenantID: "Bb2", Name: "Birch Legal", MicrosoftTenantID: "22222222-2222-4222-8222-222222222222", OnboardingDate: "2025-01-15", TotalLicensedUsers: 7, BillableUsersThisMonth: 7, ProjectedBillableUnitsThisMonth: 7},
			{PetraTenantID: "Cc3", Name: "Cedar Clinic", MicrosoftTenantID: "33333333-3333-4333-8333-333333333333", OnboardingDate: "2025-01-15", TotalLicensedUsers: 9, BillableUsersThisMonth: 9, ProjectedBillableUnitsThisMonth: 9},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	e := &limitsEnv{clock: clk, srv: srv, statuses: map[string][]int{}}
	h := srv.Handler()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		e.mu.Lock()
		e.statuses[r.URL.Path] = append(e.statuses[r.URL.Path], rec.status)
		e.mu.Unlock()
	}))
	t.Cleanup(hs.Close)
	e.url = hs.URL
	return e
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// count is how many answers of route had status.
func (e *limitsEnv) count(route string, status int) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, s := range e.statuses[route] {
		if s == status {
			n++
		}
	}
	return n
}

// logLines records the client's log messages.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) add(msg string, kv []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, strings.TrimSpace(msg+" "+fmt.Sprintln(kv...)))
}

func (l *logLines) Debug(string, ...any)        {}
func (l *logLines) Info(msg string, kv ...any)  { l.add(msg, kv) }
func (l *logLines) Warn(msg string, kv ...any)  { l.add(msg, kv) }
func (l *logLines) Error(msg string, kv ...any) { l.add(msg, kv) }

func (l *logLines) matching(sub string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.lines {
		if strings.Contains(s, sub) {
			n++
		}
	}
	return n
}

func (e *limitsEnv) client(t *testing.T, log petra.Logger, edit func(*petra.Config)) *petra.Client {
	t.Helper()
	cfg := petra.Config{APIKey: sandboxKey, BaseURL: e.url, UserAgent: "limits-test", Clock: e.clock, Logger: log}
	if edit != nil {
		edit(&cfg)
	}
	c, err := petra.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// readAll reads billable users for the three tenants, one after another,
// and checks each answer.
func readAll(t *testing.T, c *petra.Client) error {
	t.Helper()
	want := map[string]int{"Aa1": 5, "Bb2": 7, "Cc3": 9}
	for _, id := range []string{"Aa1", "Bb2", "Cc3"} {
		b, err := c.BillableUsers(context.Background(), id)
		if err != nil {
			return err
		}
		if b.TenantID != id || b.ProjectedBillableUnitsThisMonth == nil || *b.ProjectedBillableUnitsThisMonth != want[id] {
			t.Errorf("tenant %s: got %+v, want tenant %s with %d projected units", id, b, id, want[id])
		}
	}
	return nil
}

// TestClientPacesEachRouteByPetrasLimits: with Petra's own limits on both
// sides, three tenants' billable users take two minutes (one request a
// minute) and Petra never answers 429, while /v1/tenants is not held back by
// billable-users and takes ten requests in its minute.
func TestClientPacesEachRouteByPetrasLimits(t *testing.T) {
	e := newLimitsEnv(t)
	log := &logLines{}
	c := e.client(t, log, nil)
	start := e.clock.Now()
	if err := readAll(t, c); err != nil {
		t.Fatal(err)
	}
	if got := e.clock.Now().Sub(start); got != 2*time.Minute {
		t.Errorf("three billable-users reads took %s, want 2m0s (Petra allows one a minute)", got)
	}
	if n := e.count(petra.RouteBillableUsers, http.StatusTooManyRequests); n != 0 {
		t.Errorf("Petra answered 429 %d times; the client should have paced itself", n)
	}
	if n := log.matching("waited for Petra per-route rate limit route /v1/billable-users"); n != 2 {
		t.Errorf("%d pacing waits logged for billable-users, want 2:\n%s", n, strings.Join(log.lines, "\n"))
	}
	before := e.clock.Now()
	for i := range 10 {
		if _, err := c.Tenants(context.Background()); err != nil {
			t.Fatalf("tenants call %d: %v", i+1, err)
		}
	}
	if e.clock.Now() != before || e.count(petra.RouteTenants, http.StatusOK) != 10 {
		t.Errorf("ten /v1/tenants calls waited %s (%d answered); that route allows 10 a minute",
			e.clock.Now().Sub(before), e.count(petra.RouteTenants, http.StatusOK))
	}
}

// TestClientWaitsOutAStricterServer: the client believes billable-users
// allows 10 a minute, Petra allows 1. Petra's 429s are waited out (the wait
// it names) and every read still returns the right tenant; with no retries
// left the caller gets a RateLimitError, never an empty answer.
func TestClientWaitsOutAStricterServer(t *testing.T) {
	e := newLimitsEnv(t)
	log := &logLines{}
	c := e.client(t, log, func(cfg *petra.Config) { cfg.RouteLimits = map[string]int{petra.RouteBillableUsers: 10} })
	start := e.clock.Now()
	if err := readAll(t, c); err != nil {
		t.Fatalf("reads against a stricter server failed: %v", err)
	}
	if n := e.count(petra.RouteBillableUsers, http.StatusTooManyRequests); n != 2 {
		t.Errorf("Petra answered 429 %d times, want 2 (the 2nd and 3rd reads, each once)", n)
	}
	if n := log.matching("Petra answered 429; waiting before retrying route /v1/billable-users"); n != 2 {
		t.Errorf("%d 429 waits logged, want 2:\n%s", n, strings.Join(log.lines, "\n"))
	}
	if got := e.clock.Now().Sub(start); got != 2*time.Minute {
		t.Errorf("the reads took %s, want 2m0s (each waits the minute Petra names)", got)
	}

	noRetry := e.client(t, nil, func(cfg *petra.Config) {
		cfg.RouteLimits = map[string]int{petra.RouteBillableUsers: 10}
		cfg.MaxRetries = -1
	})
	e.clock.Sleep(context.Background(), time.Minute) //nolint:errcheck // background context
	if _, err := noRetry.BillableUsers(context.Background(), "Aa1"); err != nil {
		t.Fatalf("first read after the window: %v", err)
	}
	_, err := noRetry.BillableUsers(context.Background(), "Bb2")
	var rl *petra.RateLimitError
	if !errors.As(err, &rl) || rl.Route != petra.RouteBillableUsers || rl.RetryAfter != time.Minute {
		t.Fatalf("err = %v (%T), want a RateLimitError for /v1/billable-users naming a 1m0s wait", err, err)
	}
	if !strings.Contains(err.Error(), "paced the route to 10 requests a minute") || !strings.Contains(err.Error(), "GET /v1/usage") {
		t.Errorf("message %q does not say the limit the client assumed and where to read many tenants", err)
	}
}

// TestClientPacesItselfUnderALooserServer: the emulator allows 10
// billable-users reads a minute but the client keeps Petra's documented 1,
// so it still waits a minute between reads and never sees a 429. Raising the
// client's own limit (RouteLimits) is what a faster server needs.
func TestClientPacesItselfUnderALooserServer(t *testing.T) {
	e := newLimitsEnv(t)
	if err := e.srv.SetRouteRateLimit(petrasim.RouteBillableUsers, 10); err != nil {
		t.Fatal(err)
	}
	c := e.client(t, nil, nil)
	start := e.clock.Now()
	if err := readAll(t, c); err != nil {
		t.Fatal(err)
	}
	if got := e.clock.Now().Sub(start); got != 2*time.Minute {
		t.Errorf("the reads took %s, want 2m0s: the client keeps Petra's one a minute", got)
	}
	fast := e.client(t, nil, func(cfg *petra.Config) { cfg.RouteLimits = map[string]int{petra.RouteBillableUsers: 10} })
	e.clock.Sleep(context.Background(), time.Minute) //nolint:errcheck // background context
	start = e.clock.Now()
	if err := readAll(t, fast); err != nil {
		t.Fatal(err)
	}
	if got := e.clock.Now().Sub(start); got != 0 {
		t.Errorf("with RouteLimits 10 the reads waited %s, want none", got)
	}
	if n := e.count(petra.RouteBillableUsers, http.StatusTooManyRequests); n != 0 {
		t.Errorf("Petra answered 429 %d times", n)
	}
}

// TestRouteLimitsConfig: RouteLimits names Petra routes and positive limits.
func TestRouteLimitsConfig(t *testing.T) {
	for name, limits := range map[string]map[string]int{
		"unknown route":  {"/v1/incidents": 5},
		"zero limit":     {petra.RouteUsage: 0},
		"negative limit": {petra.RouteTenants: -2},
	} {
		_, err := petra.New(petra.Config{APIKey: sandboxKey, RouteLimits: limits})
		if err == nil || !strings.Contains(err.Error(), "RouteLimits") {
			t.Errorf("%s: err = %v, want one naming RouteLimits", name, err)
		}
	}
	d := petra.DefaultRouteLimits()
	if d[petra.RouteBillableUsers] != 1 || d[petra.RouteTenants] != 10 || d[petra.RouteUsage] != 10 {
		t.Errorf("DefaultRouteLimits = %v, want billable-users 1, tenants 10, usage 10 (petra-api.md)", d)
	}
}
