package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/petrasim"
)

// AdminClient drives a sandbox's admin API over HTTP. BaseURL is the
// sandbox's base URL ("http://127.0.0.1:8089"); a nil HTTP uses
// http.DefaultClient.
type AdminClient struct {
	BaseURL string
	HTTP    *http.Client
}

// do sends one admin request and decodes a JSON answer into out (if non-nil).
func (c *AdminClient) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("sandbox admin %s %s: encode request: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+AdminPrefix+path, body)
	if err != nil {
		return fmt.Errorf("sandbox admin %s %s: %w (is BaseURL %q right?)", method, path, err, c.BaseURL)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("sandbox admin %s %s: %w (is the sandbox running at %s?)", method, path, err, c.BaseURL)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("sandbox admin %s %s: read response: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return fmt.Errorf("sandbox admin %s %s: %d: %s", method, path, resp.StatusCode, e.Error)
		}
		return fmt.Errorf("sandbox admin %s %s: %d: %s", method, path, resp.StatusCode, strings.TrimSpace(string(data)))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("sandbox admin %s %s: decode response: %w", method, path, err)
		}
	}
	return nil
}

// Info returns the sandbox's URLs, date and users.
func (c *AdminClient) Info(ctx context.Context) (Info, error) {
	var in Info
	err := c.do(ctx, http.MethodGet, "/info", nil, &in)
	return in, err
}

// InjectFault adds a fault rule and returns it with its id and defaults.
func (c *AdminClient) InjectFault(ctx context.Context, f FaultRule) (FaultRule, error) {
	var out FaultRule
	err := c.do(ctx, http.MethodPost, "/faults", f, &out)
	return out, err
}

// Faults lists the pending fault rules with their remaining counts.
func (c *AdminClient) Faults(ctx context.Context) ([]FaultRule, error) {
	var out struct {
		Faults []FaultRule `json:"faults"`
	}
	err := c.do(ctx, http.MethodGet, "/faults", nil, &out)
	return out.Faults, err
}

// ReleaseLateCommits lets every write held by a drop-then-commit or
// hold-then-commit fault with untilReleased land now, and returns how many
// there were.
func (c *AdminClient) ReleaseLateCommits(ctx context.Context) (int, error) {
	var out struct {
		Released int `json:"released"`
	}
	err := c.do(ctx, http.MethodPost, "/faults/release", nil, &out)
	return out.Released, err
}

// PendingCommits is how many late-commit writes have not landed yet.
func (c *AdminClient) PendingCommits(ctx context.Context) (int, error) {
	var out struct {
		Pending int `json:"pendingCommits"`
	}
	err := c.do(ctx, http.MethodGet, "/faults", nil, &out)
	return out.Pending, err
}

// ClearFaults removes every fault rule.
func (c *AdminClient) ClearFaults(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/faults", nil, nil)
}

// SetLatency adds or replaces the latency rule for l.Path (zero delay and
// jitter removes it).
func (c *AdminClient) SetLatency(ctx context.Context, l LatencyRule) error {
	return c.do(ctx, http.MethodPost, "/latency", l, nil)
}

// ClearLatency removes every latency rule.
func (c *AdminClient) ClearLatency(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/latency", nil, nil)
}

// SetThrottle configures random 429s (probability 0 turns them off).
func (c *AdminClient) SetThrottle(ctx context.Context, t ThrottleRule) error {
	return c.do(ctx, http.MethodPost, "/throttle", t, nil)
}

// Requests returns the logged requests with a sequence number above since.
func (c *AdminClient) Requests(ctx context.Context, since int64) ([]RequestRecord, error) {
	var out struct {
		Requests []RequestRecord `json:"requests"`
	}
	err := c.do(ctx, http.MethodGet, "/requests?since="+strconv.FormatInt(since, 10), nil, &out)
	return out.Requests, err
}

// ClearRequests empties the request log.
func (c *AdminClient) ClearRequests(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/requests", nil, nil)
}

// Stats returns the request counters and the Autotask limit counters.
func (c *AdminClient) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	err := c.do(ctx, http.MethodGet, "/stats", nil, &st)
	return st, err
}

// ResetStats zeroes every counter.
func (c *AdminClient) ResetStats(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/stats/reset", nil, nil)
}

// Clock returns the sandbox's business date and whether it is pinned.
func (c *AdminClient) Clock(ctx context.Context) (ClockState, error) {
	var st ClockState
	err := c.do(ctx, http.MethodGet, "/clock", nil, &st)
	return st, err
}

// SetToday pins the business date ("2026-11-23"); "" follows the wall clock.
func (c *AdminClient) SetToday(ctx context.Context, today string) (ClockState, error) {
	var st ClockState
	err := c.do(ctx, http.MethodPost, "/clock", ClockRequest{Today: &today}, &st)
	return st, err
}

// SetNow moves the sandbox clock so that it reads t now (it keeps running);
// the date then follows it in the Autotask database's time zone.
func (c *AdminClient) SetNow(ctx context.Context, t time.Time) (ClockState, error) {
	var st ClockState
	err := c.do(ctx, http.MethodPost, "/clock", ClockRequest{Now: t.Format(time.RFC3339Nano)}, &st)
	return st, err
}

// UpsertPetraTenants adds or replaces Petra tenants by petraTenantId.
func (c *AdminClient) UpsertPetraTenants(ctx context.Context, tenants []petrasim.Tenant) error {
	return c.do(ctx, http.MethodPost, "/petra/tenants", PetraTenantsRequest{Tenants: tenants}, nil)
}

// ReplacePetraTenants replaces every Petra tenant.
func (c *AdminClient) ReplacePetraTenants(ctx context.Context, tenants []petrasim.Tenant) error {
	return c.do(ctx, http.MethodPost, "/petra/tenants", PetraTenantsRequest{Tenants: tenants, Replace: true}, nil)
}

// SetPetraRateLimit sets the per-key limit per minute of every Petra route
// and starts every window afresh.
func (c *AdminClient) SetPetraRateLimit(ctx context.Context, perMinute int) error {
	return c.do(ctx, http.MethodPost, "/petra/rate-limit", PetraRateLimitRequest{PerMinute: perMinute}, nil)
}

// SetPetraRouteRateLimit sets one Petra route's per-key limit per minute
// (route "/v1/billable-users", "/v1/tenants" or "/v1/usage") and starts every
// window afresh.
func (c *AdminClient) SetPetraRouteRateLimit(ctx context.Context, route string, perMinute int) error {
	return c.do(ctx, http.MethodPost, "/petra/rate-limit", PetraRateLimitRequest{PerMinute: perMinute, Route: route}, nil)
}

// PetraRateLimits returns each Petra route's per-key limit per minute.
func (c *AdminClient) PetraRateLimits(ctx context.Context) (map[string]int, error) {
	var out PetraRateLimits
	err := c.do(ctx, http.MethodGet, "/petra/rate-limit", nil, &out)
	return out.PerMinute, err
}
