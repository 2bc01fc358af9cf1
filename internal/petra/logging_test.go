package petra

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

func TestAPIKeyNeverLoggedOrInErrors(t *testing.T) {
	clk := newFakeClock(true)
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/tenants":
			jsonReply(w, 200, tenantsJSON)
		case "/v1/usage":
			// A misbehaving server that echoes the credential back.
			jsonReply(w, 401, `{"error":"Unauthorized","message":"key `+testKey+` is not valid (`+r.Header.Get("Authorization")+`)"}`)
		default:
			w.Header().Set("Retry-After-public-api", "5")
			jsonReply(w, 429, `{"message":"slow down `+testKey+`"}`)
		}
	})
	log := &recLogger{}
	c := newTestClient(t, ts, clk, log, nil)
	ctx := context.Background()

	var errs []error
	if _, err := c.Tenants(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := c.Usage(ctx, "2025-02-01")
	errs = append(errs, err)
	_, err = c.BillableUsers(ctx, "ZZk90t")
	errs = append(errs, err)

	for _, err := range errs {
		if err == nil {
			t.Fatal("expected failures from the 401 and 429 routes")
		}
		if strings.Contains(err.Error(), testKey) {
			t.Errorf("error leaks the key: %v", err)
		}
		if !strings.Contains(err.Error(), "[redacted]") {
			t.Errorf("error should keep Petra's text with the key redacted: %v", err)
		}
	}
	lines := log.Lines()
	if len(lines) == 0 {
		t.Fatal("nothing was logged")
	}
	for _, l := range lines {
		if strings.Contains(l, testKey) || strings.Contains(l, "Bearer") || strings.Contains(l, "Authorization") {
			t.Errorf("log line leaks the credential: %s", l)
		}
	}
	// The useful fields are there: route, status, attempt and duration.
	want := []string{"route=/v1/tenants", "status=200", "attempt=1", "duration_ms=", "status=401", "route=/v1/billable-users", "status=429", "attempt=4"}
	all := strings.Join(lines, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("logs lack %q:\n%s", w, all)
		}
	}
}
