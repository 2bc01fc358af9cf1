package autotasksim

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a Clock whose Now is moved by the test.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Today() time.Time {
	return time.Date(c.Now().Year(), c.Now().Month(), c.Now().Day(), 0, 0, 0, 0, time.UTC)
}
func (c *fakeClock) advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

func newClockEnv(t *testing.T, cfg Config) (*env, *fakeClock) {
	t.Helper()
	clock := &fakeClock{now: testToday.Add(9 * time.Hour)}
	cfg.Clock = clock
	s, err := New(cfg, testFixture(), testToday)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: s}
	return e, clock
}

func (e *env) start() {
	e.t.Helper()
	e.http = newTestHTTPServer(e.t, e.srv)
}

func TestHourlyThreshold(t *testing.T) {
	e, clock := newClockEnv(t, Config{HourlyThreshold: 3})
	e.start()
	for i := 1; i <= 3; i++ {
		r := e.api("GET", "ThresholdInformation", nil)
		expectStatus(t, r, 200)
		if num(r.body["externalRequestThreshold"]) != 3 || num(r.body["requestThresholdTimeframe"]) != 60 ||
			num(r.body["currentTimeframeRequestCount"]) != int64(i) {
			t.Fatalf("threshold info %s (call %d counts itself)", r.raw, i)
		}
		clock.advance(time.Minute)
	}
	r := e.api("GET", "Companies/1001", nil)
	expectStatus(t, r, http.StatusTooManyRequests)
	if len(r.errors()) != 1 || !strings.Contains(r.errors()[0], "threshold") {
		t.Fatalf("429 body %s", r.raw)
	}
	// The oldest request leaves the window 57 minutes from now.
	if ra := r.header.Get("Retry-After"); ra != "3420" {
		t.Fatalf("Retry-After = %q, want 3420", ra)
	}
	// Unauthenticated zone lookups still work.
	expectStatus(t, e.call(nil, "GET", "/atservicesrest/v1.0/zoneInformation?user="+tUser, nil), 200)
	st := e.srv.Stats()
	if st.ThresholdRejections != 1 || st.RequestsInWindow != 3 {
		t.Fatalf("stats %+v", st)
	}
	// The window rolls: after the first request ages out one more fits.
	clock.advance(57 * time.Minute)
	expectStatus(t, e.api("GET", "Companies/1001", nil), 200)
	expectStatus(t, e.api("GET", "Companies/1001", nil), http.StatusTooManyRequests)
	e.srv.ResetStats()
	if st := e.srv.Stats(); st.ThresholdRejections != 0 || st.RequestsInWindow != 0 {
		t.Fatalf("after reset %+v", st)
	}
	expectStatus(t, e.api("GET", "Companies/1001", nil), 200)
}

func TestUsageLatencyAndRequestDelay(t *testing.T) {
	e, _ := newClockEnv(t, Config{HourlyThreshold: 10, UsageLatency: true, RequestDelay: 7 * time.Millisecond})
	var mu sync.Mutex
	var delays []time.Duration
	e.srv.sleep = func(_ context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		delays = append(delays, d)
		return nil
	}
	e.start()
	for i := 0; i < 9; i++ {
		expectStatus(t, e.api("GET", "Companies/1001", nil), 200)
	}
	base := 7 * time.Millisecond
	want := []time.Duration{base, base, base, base, base, base + 500*time.Millisecond, base + 500*time.Millisecond, base + time.Second, base + time.Second}
	mu.Lock()
	defer mu.Unlock()
	for i := range want {
		if delays[i] != want[i] {
			t.Fatalf("delays = %v, want %v", delays, want)
		}
	}
}

func TestThreadLimit(t *testing.T) {
	for _, status := range []int{0, http.StatusTooManyRequests} {
		e, _ := newClockEnv(t, Config{ThreadLimitStatus: status})
		entered := make(chan struct{}, 8)
		release := make(chan struct{})
		var held atomic.Int32
		e.srv.holdHook = func(r *http.Request) {
			// Only the first three Companies requests are held, so a broken
			// limit makes the fourth succeed (and the test fail) instead of
			// hanging.
			if strings.Contains(strings.ToLower(r.URL.Path), "/companies") && held.Add(1) <= 3 {
				entered <- struct{}{}
				<-release
			}
		}
		e.start()
		var wg sync.WaitGroup
		results := make([]result, 3)
		for i := 0; i < 3; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				// Child routes and entity information share the bucket.
				path := []string{"Companies/1001", "Companies/query/count?search=%7B%22filter%22%3A%5B%7B%22op%22%3A%22exist%22%2C%22field%22%3A%22id%22%7D%5D%7D", "Companies/entityInformation"}[i]
				results[i] = e.api("GET", path, nil)
			}(i)
		}
		for i := 0; i < 3; i++ {
			select {
			case <-entered:
			case <-time.After(30 * time.Second):
				close(release)
				t.Fatal("requests never reached the handler")
			}
		}
		want := http.StatusInternalServerError
		if status != 0 {
			want = status
		}
		rejected := e.api("GET", "companies/1002", nil)
		if rejected.status == http.StatusOK {
			close(release)
			wg.Wait()
			t.Fatal("a fourth concurrent request on the same endpoint was accepted")
		}
		expectError(t, rejected, want,
			"Thread Threshold Exceeded: the Autotask API thread threshold of 3 threads has been exceeded for this integration and endpoint (Itgenatr005).")
		// Another endpoint is not affected.
		expectStatus(t, e.api("GET", "Contracts/2001", nil), 200)
		close(release)
		wg.Wait()
		for _, r := range results {
			expectStatus(t, r, 200)
		}
		st := e.srv.Stats()
		if st.MaxInFlight[tCode+"|companies"] != 3 || st.MaxInFlight[tCode+"|contracts"] != 1 || st.ThreadRejections != 1 {
			t.Fatalf("stats %+v", st)
		}
		// Slots are released.
		expectStatus(t, e.api("GET", "Companies/1001", nil), 200)
	}
}

// TestSetRequestDelayChangesWhileServing: the delay a running server adds
// to every request can be switched on and off (the bench fills a database at
// no latency, then measures it at real Autotask latency).
func TestSetRequestDelayChangesWhileServing(t *testing.T) {
	e, _ := newClockEnv(t, Config{RequestDelay: 2 * time.Millisecond})
	var mu sync.Mutex
	var delays []time.Duration
	e.srv.sleep = func(_ context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		delays = append(delays, d)
		return nil
	}
	e.start()
	expectStatus(t, e.api("GET", "Companies/1001", nil), 200)
	e.srv.SetRequestDelay(150 * time.Millisecond)
	expectStatus(t, e.api("GET", "Companies/1001", nil), 200)
	e.srv.SetRequestDelay(0)
	expectStatus(t, e.api("GET", "Companies/1001", nil), 200)
	mu.Lock()
	defer mu.Unlock()
	want := []time.Duration{2 * time.Millisecond, 152 * time.Millisecond, 2 * time.Millisecond}
	if len(delays) != len(want) {
		t.Fatalf("delays = %v, want %v", delays, want)
	}
	for i := range want {
		if delays[i] != want[i] {
			t.Fatalf("delays = %v, want %v", delays, want)
		}
	}
}
