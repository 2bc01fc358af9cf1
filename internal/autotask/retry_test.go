package autotask

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func emptyPage(w http.ResponseWriter) {
	writeJSON(w, 200, map[string]any{"items": []any{}, "pageDetails": map[string]any{"count": 0, "nextPageUrl": nil}})
}

// failFirst answers the first n requests with fail and the rest with ok.
func failFirst(n int32, fail, ok http.HandlerFunc) http.HandlerFunc {
	var seen atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) <= n {
			fail(w, r)
			return
		}
		ok(w, r)
	}
}

func badGateway(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusBadGateway)
	_, _ = w.Write([]byte("<html>502 Bad Gateway</html>"))
}

func TestTransient5xxRetriedForQueryButNotForCreate(t *testing.T) {
	t.Run("query", func(t *testing.T) {
		h := newHarness(t, failFirst(2, badGateway, func(w http.ResponseWriter, r *http.Request) { emptyPage(w) }))
		if _, err := Query[Company](t.Context(), h.c, EntityCompanies, QuerySpec{}); err != nil {
			t.Fatalf("query failed despite retries: %v", err)
		}
		if n := h.reqs.count("POST", "/Companies/query"); n != 3 || len(h.sleeps.all()) != 2 {
			t.Errorf("%d attempts, %d waits; want 3 and 2", n, len(h.sleeps.all()))
		}
	})
	t.Run("count uses 500 without errors[] as transient", func(t *testing.T) {
		h := newHarness(t, failFirst(1, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) },
			func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]any{"queryCount": 4}) }))
		if n, err := h.c.Count(t.Context(), EntityCompanies); err != nil || n != 4 {
			t.Fatalf("Count = %d, %v", n, err)
		}
	})
	t.Run("create", func(t *testing.T) {
		h := newHarness(t, failFirst(1, badGateway, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"itemId": 1})
		}))
		_, err := h.c.Create(t.Context(), EntityCompanies, Company{CompanyName: "A"})
		if !errors.Is(err, ErrOutcomeUnknown) {
			t.Fatalf("error = %T %v, want ErrOutcomeUnknown", err, err)
		}
		var api *APIError
		if !errors.As(err, &api) || api.StatusCode != 502 || !strings.Contains(api.Body, "Bad Gateway") {
			t.Errorf("the 502 response is not reachable from the error: %+v", api)
		}
		if !strings.Contains(err.Error(), "read the data back") {
			t.Errorf("message does not tell the caller what to do: %s", err)
		}
		if n := h.reqs.count("POST", "/V1.0/Companies"); n != 1 {
			t.Errorf("create sent %d times, want 1", n)
		}
	})
}

func TestRetryAfterIsHonouredAndCapped(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name       string
		retryAfter string
		maxWait    time.Duration
		want       time.Duration
	}{
		{"seconds", "7", 0, 7 * time.Second},
		{"capped at the default 60s", "3600", 0, 60 * time.Second},
		{"capped at MaxRetryAfter", "30", 5 * time.Second, 5 * time.Second},
		{"http date", now.Add(20 * time.Second).Format(http.TimeFormat), 0, 20 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, failFirst(1, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", tc.retryAfter)
				writeErrors(w, http.StatusTooManyRequests, "API request threshold exceeded")
			}, func(w http.ResponseWriter, r *http.Request) { emptyPage(w) }), func(c *Config) {
				c.MaxRetryAfter = tc.maxWait
				c.Now = func() time.Time { return now }
			})
			if _, err := Query[Company](t.Context(), h.c, EntityCompanies, QuerySpec{}); err != nil {
				t.Fatal(err)
			}
			if got := h.sleeps.all(); len(got) != 1 || got[0] != tc.want {
				t.Errorf("waits = %v, want [%v]", got, tc.want)
			}
		})
	}
}

func TestRateLimitExhaustedIsRateLimitError(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "2")
		writeErrors(w, http.StatusTooManyRequests, "threshold exceeded")
	}, func(c *Config) { c.RetryMax = 2 })
	_, err := h.c.Count(t.Context(), EntityCompanies)
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != 2*time.Second {
		t.Fatalf("error = %T %v, want *RateLimitError with RetryAfter 2s", err, err)
	}
	if !strings.Contains(err.Error(), "10,000 requests per rolling hour") || !strings.Contains(err.Error(), `"threshold exceeded"`) {
		t.Errorf("message = %s", err)
	}
	if n := len(h.reqs.all()); n != 3 {
		t.Errorf("%d attempts, want 1 + RetryMax(2)", n)
	}
}

func TestRejectionsBeforeProcessingAreRetriedForWrites(t *testing.T) {
	cases := []struct {
		name string
		fail http.HandlerFunc
	}{
		{"429", func(w http.ResponseWriter, _ *http.Request) { writeErrors(w, http.StatusTooManyRequests, "slow down") }},
		{"thread threshold as 500", func(w http.ResponseWriter, _ *http.Request) {
			writeErrors(w, 500, "Thread Threshold Exceeded: the Autotask API thread threshold of 3 threads has been exceeded (Itgenatr005).")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, failFirst(2, tc.fail, func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"itemId": 900})
			}))
			id, err := h.c.CreateChild(t.Context(), EntityContracts, 5, ChildServiceAdjustments,
				ContractServiceAdjustment{ContractServiceID: 3, EffectiveDate: Date(2026, 12, 1), UnitChange: 4})
			if err != nil || id != 900 {
				t.Fatalf("CreateChild = %d, %v", id, err)
			}
			if n := h.reqs.count("POST", "/Contracts/5/ServiceAdjustments"); n != 3 {
				t.Errorf("%d attempts, want 3", n)
			}
			for _, d := range h.sleeps.all() {
				if d <= 0 || d > DefaultRetryWaitMax {
					t.Errorf("backoff wait %v outside (0, %v]", d, DefaultRetryWaitMax)
				}
			}
		})
	}
	t.Run("thread threshold exhausted", func(t *testing.T) {
		h := newHarness(t, func(w http.ResponseWriter, _ *http.Request) {
			writeErrors(w, 500, "Itgenatr005: thread threshold exceeded")
		}, func(c *Config) { c.RetryMax = 1 })
		_, err := Query[Company](t.Context(), h.c, EntityCompanies, QuerySpec{})
		var th *ThreadLimitError
		if !errors.As(err, &th) || errors.Is(err, ErrOutcomeUnknown) {
			t.Fatalf("error = %T %v, want *ThreadLimitError", err, err)
		}
	})
}

// hijackClose reads the request, then drops the connection without
// answering: the server committed, the response is lost.
func hijackClose(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

func TestLostResponseOnCreateIsOutcomeUnknownAndNotResent(t *testing.T) {
	h := newHarness(t, failFirst(1, hijackClose, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"itemId": 5})
	}))
	_, err := h.c.Create(t.Context(), EntityContractServiceAdjustments,
		ContractServiceAdjustment{ContractServiceID: 3, EffectiveDate: Date(2026, 12, 1), UnitChange: 1})
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("error = %T %v, want ErrOutcomeUnknown", err, err)
	}
	var te *TransportError
	if !errors.As(err, &te) {
		t.Errorf("cause is not a *TransportError: %v", err)
	}
	if n := h.reqs.count("POST", "/V1.0/ContractServiceAdjustments"); n != 1 {
		t.Errorf("create reached the server %d times, want exactly 1", n)
	}
	if len(h.sleeps.all()) != 0 {
		t.Errorf("waited %v before giving up; a write with unknown outcome is not retried", h.sleeps.all())
	}
}

func TestLostResponseOnQueryIsRetried(t *testing.T) {
	h := newHarness(t, failFirst(1, hijackClose, func(w http.ResponseWriter, r *http.Request) { emptyPage(w) }))
	if _, err := Query[Company](t.Context(), h.c, EntityCompanies, QuerySpec{}); err != nil {
		t.Fatal(err)
	}
	if n := h.reqs.count("POST", "/Companies/query"); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
}

func TestDialFailureIsRetriedEvenForCreate(t *testing.T) {
	var dials atomic.Int32
	var d net.Dialer
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) == 1 {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
		}
		return d.DialContext(ctx, network, addr)
	}}
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]any{"itemId": 8}) },
		func(c *Config) { c.HTTPClient = &http.Client{Transport: tr} })
	id, err := h.c.Create(t.Context(), EntityCompanies, Company{CompanyName: "A"})
	if err != nil || id != 8 {
		t.Fatalf("Create = %d, %v", id, err)
	}
	if dials.Load() != 2 || len(h.sleeps.all()) != 1 || h.reqs.count("POST", "/V1.0/Companies") != 1 {
		t.Errorf("dials=%d waits=%v posts=%d", dials.Load(), h.sleeps.all(), h.reqs.count("POST", "/V1.0/Companies"))
	}
}

func TestAttemptTimeout(t *testing.T) {
	slowFirst := func(ok http.HandlerFunc) http.HandlerFunc {
		return failFirst(1, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}, ok)
	}
	// Long enough that a healthy loopback answer on a loaded machine never
	// times out (the test counts attempts), short enough to keep it quick.
	timeout := func(c *Config) { c.RequestTimeout = 500 * time.Millisecond }
	t.Run("query retried", func(t *testing.T) {
		h := newHarness(t, slowFirst(func(w http.ResponseWriter, r *http.Request) { emptyPage(w) }), timeout)
		if _, err := Query[Company](t.Context(), h.c, EntityCompanies, QuerySpec{}); err != nil {
			t.Fatal(err)
		}
		if n := h.reqs.count("POST", "/Companies/query"); n != 2 {
			t.Errorf("%d attempts, want 2", n)
		}
	})
	t.Run("create outcome unknown", func(t *testing.T) {
		writeTimeout := func(c *Config) { c.WriteTimeout = 500 * time.Millisecond }
		h := newHarness(t, slowFirst(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]any{"itemId": 1}) }), writeTimeout)
		_, err := h.c.Create(t.Context(), EntityCompanies, Company{CompanyName: "A"})
		if !errors.Is(err, ErrOutcomeUnknown) || !strings.Contains(err.Error(), "500ms") {
			t.Fatalf("error = %v, want ErrOutcomeUnknown naming the 500ms timeout", err)
		}
		if n := h.reqs.count("POST", "/V1.0/Companies"); n != 1 {
			t.Errorf("create sent %d times, want 1", n)
		}
	})
}

// TestWritesWaitLongerThanReads: a write gets WriteTimeout, a read
// RequestTimeout; with the same slow server, the read times out while the
// write is answered.
func TestWritesWaitLongerThanReads(t *testing.T) {
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			return
		case <-time.After(300 * time.Millisecond):
		}
		if strings.HasSuffix(r.URL.Path, "/V1.0/Companies") {
			writeJSON(w, 200, map[string]any{"itemId": 7})
			return
		}
		emptyPage(w)
	}
	h := newHarness(t, slow, func(c *Config) {
		c.RequestTimeout, c.WriteTimeout, c.RetryMax = 30*time.Millisecond, 20*time.Second, -1
	})
	if id, err := h.c.Create(t.Context(), EntityCompanies, Company{CompanyName: "A"}); err != nil || id != 7 {
		t.Fatalf("slow create = %d, %v; want the answer (write timeout 20s)", id, err)
	}
	if _, err := Query[Company](t.Context(), h.c, EntityCompanies, QuerySpec{}); err == nil || !strings.Contains(err.Error(), "30ms") {
		t.Fatalf("slow query error = %v, want the 30ms read timeout", err)
	}
	c, err := New(Config{Username: "u@x", Secret: "s", IntegrationCode: "c"})
	if err != nil || c.cfg.WriteTimeout != DefaultWriteTimeout || DefaultWriteTimeout < 5*DefaultRequestTimeout {
		t.Fatalf("default write timeout %v (err %v) is not well above the read timeout %v", c.cfg.WriteTimeout, err, DefaultRequestTimeout)
	}
}

func TestCancellationStopsARetryWait(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "30")
		writeErrors(w, http.StatusTooManyRequests, "threshold")
	}, func(c *Config) { c.Sleep = nil }) // the real, ctx-aware wait
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := h.c.Count(ctx, EntityCompanies)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want the context's deadline", err)
	}
	if elapsed := time.Since(start); elapsed > 20*time.Second { // well below the 30 s wait
		t.Errorf("took %v; the 30s Retry-After wait ignored cancellation", elapsed)
	}
}

func TestExponentialBackoff(t *testing.T) {
	floor, ceiling := 100*time.Millisecond, time.Second
	for attempt, ms := range []int{100, 200, 400, 800, 1000, 1000} {
		want := time.Duration(ms) * time.Millisecond
		lo, hi := expBackoff(floor, ceiling, attempt, 0), expBackoff(floor, ceiling, attempt, 0.999999)
		if lo != want/2 || hi > want || hi < want*9/10 {
			t.Errorf("attempt %d: range [%v, %v], want [%v, %v]", attempt, lo, hi, want/2, want)
		}
	}
}

func TestRetryPolicyTable(t *testing.T) {
	business := []byte(`{"errors":["queueID is required"]}`)
	thread := []byte(`{"errors":["thread threshold exceeded"]}`)
	cases := []struct {
		read   bool
		status int
		body   []byte
		want   bool
	}{
		{true, 429, nil, true}, {false, 429, nil, true},
		{true, 500, thread, true}, {false, 500, thread, true},
		{true, 500, business, false}, {false, 500, business, false},
		{true, 500, nil, true}, {false, 500, nil, false},
		{true, 503, []byte("<html/>"), true}, {false, 503, []byte("<html/>"), false},
		{true, 401, nil, false}, {true, 403, nil, false}, {true, 404, nil, false}, {true, 400, business, false},
		{true, 200, nil, false},
	}
	for _, tc := range cases {
		if got := shouldRetryResponse(tc.read, tc.status, tc.body); got != tc.want {
			t.Errorf("read=%v status=%d body=%s: retry=%v, want %v", tc.read, tc.status, tc.body, got, tc.want)
		}
	}
}
