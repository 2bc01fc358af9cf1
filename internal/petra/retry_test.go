package petra

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRateLimited429WaitsPetraHeaderThenSucceeds(t *testing.T) {
	clk := newFakeClock(true)
	var n atomic.Int32
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			// Petra's own header wins over the standard one.
			w.Header().Set("Retry-After-public-api", "17")
			w.Header().Set("Retry-After", "99")
			jsonReply(w, 429, `{"error":"Too Many Requests","message":"Rate limit exceeded for this route"}`)
			return
		}
		jsonReply(w, 200, tenantsJSON)
	})
	c := newTestClient(t, ts, clk, nil, nil)

	got, err := c.Tenants(context.Background())
	if err != nil {
		t.Fatalf("Tenants after one 429: %v", err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d tenants, want 2", len(got))
	}
	hits := ts.Hits()
	if len(hits) != 2 {
		t.Fatalf("%d requests, want 2 (one 429, one retry)", len(hits))
	}
	if d := hits[1].at.Sub(hits[0].at); d != 17*time.Second {
		t.Errorf("retry sent %s after the 429, want the advertised 17s", d)
	}
}

func TestRateLimited429StandardRetryAfterDateIsCappedAtMaxWait(t *testing.T) {
	clk := newFakeClock(true)
	var n atomic.Int32
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", clk.Now().Add(10*time.Minute).Format(http.TimeFormat))
			jsonReply(w, 429, `{}`)
			return
		}
		jsonReply(w, 200, `{"tenants":[]}`)
	})
	c := newTestClient(t, ts, clk, nil, nil)
	if _, err := c.Tenants(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := clk.Sleeps(); !slices.Equal(got, []time.Duration{DefaultMaxWait}) {
		t.Errorf("waits = %v, want one wait capped at %s", got, DefaultMaxWait)
	}
}

func TestRateLimitExhaustedIsRateLimitError(t *testing.T) {
	clk := newFakeClock(true)
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After-public-api", "30")
		jsonReply(w, 429, `{"error":"Too Many Requests","message":"Rate limit exceeded for this route"}`)
	})
	// Paced at 10 a minute, so that the waits below are the 429's alone.
	c := newTestClient(t, ts, clk, nil, func(cfg *Config) {
		cfg.MaxRetries = 2
		cfg.RouteLimits = map[string]int{RouteBillableUsers: 10}
	})

	_, err := c.BillableUsers(context.Background(), "ZZk90t")
	var rl *RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v (%T), want *RateLimitError", err, err)
	}
	if ts.Count() != 3 || rl.Attempts != 3 {
		t.Errorf("requests = %d, attempts = %d; want 3 (1 + MaxRetries 2)", ts.Count(), rl.Attempts)
	}
	if rl.RetryAfter != 30*time.Second || rl.Route != "/v1/billable-users" {
		t.Errorf("RetryAfter = %s, Route = %s", rl.RetryAfter, rl.Route)
	}
	for _, w := range []string{"Petra", "/v1/billable-users", "30s", "Rate limit exceeded for this route", "3 attempts",
		"paced the route to 10 requests a minute", "read the counts from GET /v1/usage"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message %q lacks %q", err, w)
		}
	}
	var api *APIError
	if !errors.As(err, &api) || api.StatusCode != 429 {
		t.Errorf("errors.As APIError: %v", api)
	}
	if got := clk.Sleeps(); !slices.Equal(got, []time.Duration{30 * time.Second, 30 * time.Second}) {
		t.Errorf("waits = %v, want 30s before each of the 2 retries", got)
	}
}

func TestServerErrorsRetriedWithBackoffThenSucceed(t *testing.T) {
	clk := newFakeClock(true)
	var n atomic.Int32
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			jsonReply(w, 502, `bad gateway`)
		case 2:
			jsonReply(w, 503, `{"message":"maintenance"}`)
		default:
			jsonReply(w, 200, usageJSON)
		}
	})
	c := newTestClient(t, ts, clk, nil, nil)
	u, err := c.Usage(context.Background(), "")
	if err != nil {
		t.Fatalf("Usage after two 5xx: %v", err)
	}
	if u.OrganizationName != "Northwind MSP" || ts.Count() != 3 {
		t.Errorf("org = %q, requests = %d", u.OrganizationName, ts.Count())
	}
	if got := clk.Sleeps(); !slices.Equal(got, []time.Duration{time.Second, 2 * time.Second}) {
		t.Errorf("backoff waits = %v, want [1s 2s]", got)
	}
}

func TestServerErrorsExhaustedNamePetraAndKeepBody(t *testing.T) {
	clk := newFakeClock(true)
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, 503, `{"error":"Service Unavailable","message":"scheduled maintenance until 10:00 UTC"}`)
	})
	c := newTestClient(t, ts, clk, nil, nil)
	_, err := c.Tenants(context.Background())
	var rf *RequestFailedError
	if !errors.As(err, &rf) {
		t.Fatalf("err = %v (%T), want *RequestFailedError", err, err)
	}
	for _, w := range []string{"Petra API GET /v1/tenants failed after 4 attempts", "HTTP 503", "scheduled maintenance until 10:00 UTC"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message %q lacks %q", err, w)
		}
	}
	var api *APIError
	if !errors.As(err, &api) || api.StatusCode != 503 {
		t.Errorf("last APIError = %v, want status 503", api)
	}
	if ts.Count() != 4 {
		t.Errorf("requests = %d, want 4 (1 + 3 retries)", ts.Count())
	}
	if got := clk.Sleeps(); !slices.Equal(got, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}) {
		t.Errorf("backoff waits = %v, want [1s 2s 4s]", got)
	}
}

// flakyTransport fails the first n round trips with a network error.
type flakyTransport struct {
	fail  int32
	calls atomic.Int32
	next  http.RoundTripper
}

func (f *flakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.calls.Add(1) <= f.fail {
		return nil, errors.New("dial tcp 203.0.113.7:443: connect: connection refused")
	}
	return f.next.RoundTrip(r)
}

func TestNetworkErrorsRetried(t *testing.T) {
	clk := newFakeClock(true)
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) { jsonReply(w, 200, tenantsJSON) })

	ft := &flakyTransport{fail: 2, next: http.DefaultTransport}
	c := newTestClient(t, ts, clk, nil, func(cfg *Config) { cfg.HTTPClient = &http.Client{Transport: ft} })
	if _, err := c.Tenants(context.Background()); err != nil {
		t.Fatalf("Tenants after two network errors: %v", err)
	}
	if ft.calls.Load() != 3 || ts.Count() != 1 {
		t.Errorf("round trips = %d, served = %d; want 3 and 1", ft.calls.Load(), ts.Count())
	}

	ft = &flakyTransport{fail: 100, next: http.DefaultTransport}
	c = newTestClient(t, ts, clk, nil, func(cfg *Config) { cfg.HTTPClient = &http.Client{Transport: ft} })
	_, err := c.Tenants(context.Background())
	if err == nil || !strings.Contains(err.Error(), "Petra API GET /v1/tenants failed after 4 attempts") ||
		!strings.Contains(err.Error(), "connection refused") {
		t.Errorf("err = %v, want Petra failure after 4 attempts quoting the network error", err)
	}
}

func TestAttemptTimeoutIsRetriedAndExplained(t *testing.T) {
	clk := newFakeClock(true)
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	c := newTestClient(t, ts, clk, nil, func(cfg *Config) {
		cfg.RequestTimeout = 20 * time.Millisecond
		cfg.MaxRetries = 1
	})
	_, err := c.Tenants(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no response within 20ms") || !strings.Contains(err.Error(), "after 2 attempts") {
		t.Errorf("err = %v, want a timeout explanation after 2 attempts", err)
	}
}

func TestUnauthorizedIsAuthenticationErrorWithoutRetry(t *testing.T) {
	clk := newFakeClock(true)
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, 401, `{"error":"Unauthorized","message":"Invalid or missing API key"}`)
	})
	c := newTestClient(t, ts, clk, nil, nil)
	_, err := c.Tenants(context.Background())
	var ae *AuthenticationError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v (%T), want *AuthenticationError", err, err)
	}
	for _, w := range []string{"Petra rejected the API key", "invalid, deleted, or belongs to another organization",
		"Settings -> API Keys", "PETRA_API_KEY", "api_key", "Invalid or missing API key"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message %q lacks %q", err, w)
		}
	}
	var api *APIError
	if !errors.As(err, &api) || api.StatusCode != 401 {
		t.Errorf("APIError = %v", api)
	}
	if ts.Count() != 1 {
		t.Errorf("requests = %d; a 401 must not be retried", ts.Count())
	}
}

func TestForbiddenIsForbiddenError(t *testing.T) {
	clk := newFakeClock(true)
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) { jsonReply(w, 403, `Forbidden`) })
	c := newTestClient(t, ts, clk, nil, nil)
	_, err := c.Usage(context.Background(), "")
	var fe *ForbiddenError
	if !errors.As(err, &fe) || fe.Route != "/v1/usage" || fe.Detail != "Forbidden" {
		t.Fatalf("err = %v (%T), want *ForbiddenError for /v1/usage keeping the body", err, err)
	}
	if !strings.Contains(err.Error(), "User-Agent") || !strings.Contains(err.Error(), "access") {
		t.Errorf("message should mention User-Agent and access: %v", err)
	}
	if ts.Count() != 1 {
		t.Errorf("requests = %d; a 403 must not be retried", ts.Count())
	}
}

func TestNotFoundTenant(t *testing.T) {
	clk := newFakeClock(true)
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, 404, `{"error":"Tenant not found"}`)
	})
	c := newTestClient(t, ts, clk, nil, nil)
	_, err := c.BillableUsers(context.Background(), "nope42")
	var nf *TenantNotFoundError
	if !errors.As(err, &nf) || nf.TenantID != "nope42" {
		t.Fatalf("err = %v (%T), want *TenantNotFoundError for nope42", err, err)
	}
	if !strings.Contains(err.Error(), `"nope42"`) || !strings.Contains(err.Error(), "Tenant not found") {
		t.Errorf("message should name the tenant and keep Petra's text: %v", err)
	}

	// A 404 elsewhere is not about a tenant.
	_, err = c.Tenants(context.Background())
	var api *APIError
	if errors.As(err, &nf) || !errors.As(err, &api) || api.StatusCode != 404 {
		t.Errorf("404 on /v1/tenants: err = %v (%T), want a plain *APIError", err, err)
	}
}

func TestOtherClientErrorsKeepBodyAndAreNotRetried(t *testing.T) {
	clk := newFakeClock(true)
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		_, _ = w.Write([]byte("  asOf must not be in the future\n"))
	})
	c := newTestClient(t, ts, clk, nil, nil)
	_, err := c.Usage(context.Background(), "2999-01-01")
	var api *APIError
	if !errors.As(err, &api) || api.StatusCode != 400 || api.Detail != "asOf must not be in the future" {
		t.Fatalf("err = %v (%T), want *APIError 400 with the body text", err, err)
	}
	if want := "Petra API GET /v1/usage returned HTTP 400: asOf must not be in the future"; err.Error() != want {
		t.Errorf("message = %q, want %q", err, want)
	}
	if ts.Count() != 1 {
		t.Errorf("requests = %d, want 1", ts.Count())
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := t0
	cases := []struct {
		petra, std string
		want       time.Duration
		ok         bool
	}{
		{"12", "", 12 * time.Second, true},
		{"", "7", 7 * time.Second, true},
		{"1.5", "", 1500 * time.Millisecond, true},
		{"-3", "", 0, true},
		{"soon", "4", 4 * time.Second, true},
		{"", now.Add(45 * time.Second).Format(http.TimeFormat), 45 * time.Second, true},
		{"", now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"", "", 0, false},
		{"later", "", 0, false},
	}
	for _, tc := range cases {
		h := http.Header{}
		if tc.petra != "" {
			h.Set("Retry-After-public-api", tc.petra)
		}
		if tc.std != "" {
			h.Set("Retry-After", tc.std)
		}
		got, ok := retryAfter(h, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("retryAfter(petra=%q, std=%q) = %s, %v; want %s, %v", tc.petra, tc.std, got, ok, tc.want, tc.ok)
		}
	}
}

func TestRateLimitWithoutHeaderAssumesOneMinute(t *testing.T) {
	clk := newFakeClock(true)
	var n atomic.Int32
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			jsonReply(w, 429, `{}`)
			return
		}
		jsonReply(w, 200, `{"tenants":[]}`)
	})
	c := newTestClient(t, ts, clk, nil, nil)
	if _, err := c.Tenants(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := clk.Sleeps(); !slices.Equal(got, []time.Duration{defaultRateLimitWait}) {
		t.Errorf("waits = %v, want [%s]", got, defaultRateLimitWait)
	}
}
