package petra

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// testKey looks like a real Petra key so a leak would be recognisable.
const testKey = "petra_live_9f8e7d6c5b4a3928171605f4e3d2c1b0"

// t0 is the fake clocks' starting time.
var t0 = time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)

// fakeClock is a Clock under test control. In auto mode Sleep advances the
// clock at once; otherwise sleepers block until Advance moves time past
// their deadline (or their ctx ends).
type fakeClock struct {
	mu       sync.Mutex
	now      time.Time
	auto     bool
	sleeps   []time.Duration
	sleepers []*sleeper
}

type sleeper struct {
	until time.Time
	ch    chan struct{}
}

func newFakeClock(auto bool) *fakeClock { return &fakeClock{now: t0, auto: auto} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	if c.auto {
		c.now = c.now.Add(d)
		c.mu.Unlock()
		return ctx.Err()
	}
	s := &sleeper{until: c.now.Add(d), ch: make(chan struct{})}
	c.sleepers = append(c.sleepers, s)
	c.mu.Unlock()
	select {
	case <-s.ch:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		c.sleepers = slices.DeleteFunc(c.sleepers, func(x *sleeper) bool { return x == s })
		c.mu.Unlock()
		return ctx.Err()
	}
}

// Advance moves time forward and wakes every sleeper now due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.sleepers = slices.DeleteFunc(c.sleepers, func(s *sleeper) bool {
		if !c.now.Before(s.until) {
			close(s.ch)
			return true
		}
		return false
	})
}

func (c *fakeClock) Sleepers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sleepers)
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sleeps)
}

// waitFor polls cond (real time, 1ms steps) and fails the test after 5s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// recLogger records every log line with its fields.
type recLogger struct {
	mu    sync.Mutex
	lines []string
}

func (l *recLogger) add(level, msg string, kv []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", level, msg)
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(&b, " %v=%v", kv[i], kv[i+1])
	}
	l.lines = append(l.lines, b.String())
}

func (l *recLogger) Debug(msg string, kv ...any) { l.add("DEBUG", msg, kv) }
func (l *recLogger) Info(msg string, kv ...any)  { l.add("INFO", msg, kv) }
func (l *recLogger) Warn(msg string, kv ...any)  { l.add("WARN", msg, kv) }
func (l *recLogger) Error(msg string, kv ...any) { l.add("ERROR", msg, kv) }

func (l *recLogger) Lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines)
}

// hit is one request the test server received.
type hit struct {
	path   string
	query  string
	header http.Header
	at     time.Time // fake-clock time at arrival
}

// testServer is an httptest server that records hits and answers with fn.
type testServer struct {
	*httptest.Server
	clock Clock
	mu    sync.Mutex
	hits  []hit
}

func newTestServer(t *testing.T, clock Clock, fn http.HandlerFunc) *testServer {
	t.Helper()
	ts := &testServer{clock: clock}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.mu.Lock()
		ts.hits = append(ts.hits, hit{path: r.URL.Path, query: r.URL.RawQuery, header: r.Header.Clone(), at: clock.Now()})
		ts.mu.Unlock()
		fn(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *testServer) Hits() []hit {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return slices.Clone(ts.hits)
}

func (ts *testServer) Count() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return len(ts.hits)
}

// newTestClient builds a Client for ts with a fake clock and a recording
// logger; edit may adjust the Config.
func newTestClient(t *testing.T, ts *testServer, clock Clock, log Logger, edit func(*Config)) *Client {
	t.Helper()
	cfg := Config{APIKey: testKey, BaseURL: ts.URL, Clock: clock, Logger: log, UserAgent: "petra-test/1.0"}
	if edit != nil {
		edit(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// jsonReply writes a JSON body with the given status.
func jsonReply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
