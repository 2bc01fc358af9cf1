package petra

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPacingEleventhCallWaitsForWindowOtherRouteDoesNot(t *testing.T) {
	clk := newFakeClock(false)
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/usage" {
			jsonReply(w, 200, usageJSON)
			return
		}
		jsonReply(w, 200, tenantsJSON)
	})
	c := newTestClient(t, ts, clk, nil, nil)
	ctx := context.Background()

	// Ten calls within the minute go straight through, spread over 30s.
	for i := range 10 {
		if _, err := c.Tenants(ctx); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		if i < 9 {
			clk.Advance(3*time.Second + 333*time.Millisecond)
		}
	}
	// A different route is not held back by /v1/tenants being full.
	if _, err := c.Usage(ctx, ""); err != nil {
		t.Fatalf("usage while tenants is saturated: %v", err)
	}
	if clk.Sleepers() != 0 || ts.Count() != 11 {
		t.Fatalf("other route waited (sleepers %d) or was not sent (requests %d)", clk.Sleepers(), ts.Count())
	}

	done := make(chan error, 1)
	go func() { _, err := c.Tenants(ctx); done <- err }()
	waitFor(t, "the 11th call to wait for a slot", func() bool { return clk.Sleepers() == 1 })
	if ts.Count() != 11 {
		t.Fatalf("11th /v1/tenants call was sent before a slot freed")
	}
	// The first call was at t0; the window frees it at t0+60s.
	clk.Advance(t0.Add(time.Minute).Sub(clk.Now()) - time.Second)
	select {
	case err := <-done:
		t.Fatalf("11th call finished 1s before the first left the window (err %v)", err)
	default:
	}
	clk.Advance(time.Second)
	if err := <-done; err != nil {
		t.Fatalf("11th call: %v", err)
	}
	last := ts.Hits()[11]
	if last.path != "/v1/tenants" || !last.at.Equal(t0.Add(time.Minute)) {
		t.Errorf("11th tenants request at %s (path %s), want exactly t0+60s", last.at.Sub(t0), last.path)
	}
}

func TestPacingConcurrentCallersNeverExceedLimit(t *testing.T) {
	clk := newFakeClock(false)
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, 200, fmt.Sprintf(`{"tenantId":%q,"projectedBillableUnitsThisMonth":1}`, r.URL.Query().Get("tenantId")))
	})
	// A server that allows 10 a minute on this route (Petra allows 1).
	c := newTestClient(t, ts, clk, nil, func(cfg *Config) { cfg.RouteLimits = map[string]int{RouteBillableUsers: 10} })

	const callers = 25
	errs := make(chan error, callers)
	for i := range callers {
		go func() {
			// Distinct tenants: same route, different query, so no sharing.
			b, err := c.BillableUsers(context.Background(), fmt.Sprintf("T%02d", i))
			if err == nil && b.TenantID != fmt.Sprintf("T%02d", i) {
				err = fmt.Errorf("caller %d got tenant %s", i, b.TenantID)
			}
			errs <- err
		}()
	}
	waitFor(t, "10 sent and 15 waiting", func() bool { return ts.Count() == 10 && clk.Sleepers() == 15 })
	clk.Advance(time.Minute)
	waitFor(t, "20 sent and 5 waiting", func() bool { return ts.Count() == 20 && clk.Sleepers() == 5 })
	clk.Advance(time.Minute)
	waitFor(t, "all 25 sent", func() bool { return ts.Count() == 25 })
	for range callers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	// No rolling 60s window holds more than 10 requests.
	var at []time.Time
	for _, h := range ts.Hits() {
		at = append(at, h.at)
	}
	sort.Slice(at, func(i, j int) bool { return at[i].Before(at[j]) })
	for i := 10; i < len(at); i++ {
		if at[i].Sub(at[i-10]) < time.Minute {
			t.Errorf("requests %d and %d only %s apart: 11 requests in one minute", i-10, i, at[i].Sub(at[i-10]))
		}
	}
}

func TestCancelDuringPacingWaitReturnsPromptly(t *testing.T) {
	clk := newFakeClock(false)
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) { jsonReply(w, 200, `{"tenants":[]}`) })
	c := newTestClient(t, ts, clk, nil, func(cfg *Config) { cfg.RequestsPerMinute = 1 })

	if _, err := c.Tenants(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := c.Tenants(ctx); done <- err }()
	waitFor(t, "the second call to wait for a slot", func() bool { return clk.Sleepers() == 1 })

	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(time.Minute): // the fake clock never ends the wait by itself
		t.Fatal("call did not return after its context was cancelled")
	}
	if ts.Count() != 1 {
		t.Errorf("cancelled call still reached Petra (%d requests)", ts.Count())
	}
	// The route's slot was not consumed by the cancelled call.
	clk.Advance(time.Minute)
	if _, err := c.Tenants(context.Background()); err != nil || ts.Count() != 2 {
		t.Errorf("next call after the window: err %v, requests %d", err, ts.Count())
	}
}

func TestRateLimit429HoldsBackOtherCallersOfTheRoute(t *testing.T) {
	clk := newFakeClock(false)
	l := newRouteLimiter(clk, map[string]int{RouteTenants: 10})
	if d := l.reserve("/v1/tenants"); d != 0 {
		t.Fatalf("first reserve waited %s", d)
	}
	l.pause("/v1/tenants", 20*time.Second)
	if d := l.reserve("/v1/tenants"); d != 20*time.Second {
		t.Errorf("reserve during a 429 pause = %s, want 20s", d)
	}
	if d := l.reserve("/v1/usage"); d != 0 {
		t.Errorf("other route held back by the pause: %s", d)
	}
	clk.Advance(20 * time.Second)
	if d := l.reserve("/v1/tenants"); d != 0 {
		t.Errorf("reserve after the pause = %s, want 0", d)
	}
}

// tickingClock is a fake clock on which time passes between any two readings
// (a microsecond per Now), as on a real machine, and Sleep advances it.
type tickingClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *tickingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Microsecond)
	return c.now
}

func (c *tickingClock) Sleep(ctx context.Context, d time.Duration) error {
	if d > 0 {
		c.mu.Lock()
		c.now = c.now.Add(d)
		c.mu.Unlock()
	}
	return ctx.Err()
}

// TestRateLimitWaitLoggedOnlyWhenHeldBack: a request that finds a free slot
// logs no "waited" line, even though time passed while it took the slot; the
// eleventh request in a minute, which is held back, logs one with the wait.
func TestRateLimitWaitLoggedOnlyWhenHeldBack(t *testing.T) {
	clk := &tickingClock{now: t0}
	ts := newTestServer(t, newFakeClock(false), func(w http.ResponseWriter, _ *http.Request) {
		jsonReply(w, 200, tenantsJSON)
	})
	log := &recLogger{}
	c := newTestClient(t, ts, clk, log, nil)
	ctx := context.Background()
	waited := func() []string {
		var out []string
		for _, l := range log.Lines() {
			if strings.Contains(l, "waited for Petra per-route rate limit") {
				out = append(out, l)
			}
		}
		return out
	}

	for i := range 10 {
		if _, err := c.Tenants(ctx); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	if w := waited(); len(w) != 0 {
		t.Fatalf("requests that found a free slot logged a rate-limit wait:\n%s", strings.Join(w, "\n"))
	}
	if _, err := c.Tenants(ctx); err != nil {
		t.Fatalf("call 11: %v", err)
	}
	w := waited()
	if len(w) != 1 {
		t.Fatalf("the 11th request in a minute should log one wait, got %d:\n%s", len(w), strings.Join(log.Lines(), "\n"))
	}
	if !strings.HasPrefix(w[0], "INFO ") || !strings.Contains(w[0], "route=/v1/tenants") || !strings.Contains(w[0], "wait=59.99") {
		t.Errorf("wait line lacks level, route or a wait of about a minute: %s", w[0])
	}
}
