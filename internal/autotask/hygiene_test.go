package autotask

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// bodyTracker counts response bodies handed out by the base transport and
// not yet closed.
type bodyTracker struct {
	base http.RoundTripper
	open atomic.Int64
}

type trackedBody struct {
	io.ReadCloser
	once sync.Once
	t    *bodyTracker
}

func (b *trackedBody) Close() error {
	b.once.Do(func() { b.t.open.Add(-1) })
	return b.ReadCloser.Close()
}

func (t *bodyTracker) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err == nil {
		t.open.Add(1)
		resp.Body = &trackedBody{ReadCloser: resp.Body, t: t}
	}
	return resp, err
}

// TestEveryResponseBodyIsClosed: successes, business errors, retried 429s
// and 5xx, redirects and paging all close every body they open.
func TestEveryResponseBodyIsClosed(t *testing.T) {
	tracker := &bodyTracker{base: http.DefaultTransport}
	var throttled, flaky atomic.Int32
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		p := strings.ToLower(r.URL.Path)
		switch {
		case strings.HasSuffix(p, "/companies/1"):
			writeJSON(w, 200, map[string]any{"item": map[string]any{"id": 1}})
		case strings.HasSuffix(p, "/companies") && r.Method == http.MethodPost:
			writeErrors(w, 500, "companyName is required")
		case strings.HasSuffix(p, "/companies/query/count"):
			if throttled.Add(1) == 1 {
				w.Header().Set("Retry-After", "0")
				writeErrors(w, 429, "threshold exceeded")
				return
			}
			writeJSON(w, 200, map[string]any{"queryCount": 3})
		case strings.HasSuffix(p, "/companies/query"):
			if flaky.Add(1) == 1 {
				w.WriteHeader(503)
				return
			}
			writeJSON(w, 200, map[string]any{"items": []any{map[string]any{"id": 1}}, "pageDetails": map[string]any{"count": 1}})
		case strings.HasSuffix(p, "/companies/2"):
			http.Redirect(w, r, "https://elsewhere.example/x", http.StatusFound)
		default:
			writeErrors(w, 404, "no route")
		}
	}, func(c *Config) { c.HTTPClient = &http.Client{Transport: tracker} })
	ctx := context.Background()

	if _, err := Get[map[string]any](ctx, h.c, "Companies", 1); err != nil {
		t.Fatalf("get: %v", err)
	}
	if _, err := h.c.Create(ctx, "Companies", map[string]any{}); err == nil {
		t.Fatal("create should fail with the business error")
	}
	if _, err := h.c.Count(ctx, "Companies", Gte("id", 0)); err != nil {
		t.Fatalf("count after a 429: %v", err)
	}
	if _, err := Query[map[string]any](ctx, h.c, "Companies", QuerySpec{Filter: []Filter{Gte("id", 0)}}); err != nil {
		t.Fatalf("query after a 503: %v", err)
	}
	if _, err := Get[map[string]any](ctx, h.c, "Companies", 2); err == nil || !strings.Contains(err.Error(), "302") {
		t.Fatalf("a redirect must surface as an error naming HTTP 302, got %v", err)
	}
	if n := tracker.open.Load(); n != 0 {
		t.Fatalf("%d response bodies were never closed", n)
	}
}

// TestUnverifiedTLSIsRefusedAndNotRetried: a server whose certificate is not
// trusted never receives the credentials, and the failure is not retried.
func TestUnverifiedTLSIsRefusedAndNotRetried(t *testing.T) {
	var hits, withSecret atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("Secret") != "" {
			withSecret.Add(1)
		}
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	srv.StartTLS()
	defer srv.Close()
	s := &sleeps{}
	c, err := New(Config{Username: testUser, Secret: testSecret, IntegrationCode: testCode,
		BaseURL: srv.URL + "/ATServicesRest/", Sleep: s.sleep})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Count(context.Background(), "Companies", Gte("id", 0))
	var te *TransportError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("err = %v, want a TransportError about the certificate", err)
	}
	if hits.Load() != 0 || withSecret.Load() != 0 {
		t.Fatal("a request reached a server whose certificate was not verified")
	}
	if len(s.all()) != 0 {
		t.Fatalf("a certificate failure was retried (waits %v)", s.all())
	}
}
