package petra

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// maxBodyBytes caps a response body; larger responses are refused.
const maxBodyBytes = 64 << 20

// Client reads Petra's public API. It is safe for concurrent use; share one
// Client per API key so pacing and request sharing cover every caller.
type Client struct {
	s       *settings
	limiter *routeLimiter
	flights flightGroup
}

// New validates cfg, applies defaults and returns a Client. It makes no
// network calls.
func New(cfg Config) (*Client, error) {
	s, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	return &Client{s: s, limiter: newRouteLimiter(s.clock, s.limits)}, nil
}

// BaseURL returns the API root the client sends requests to.
func (c *Client) BaseURL() string { return c.s.base.String() }

// get fetches route with query and returns the body of a 2xx response.
// Identical concurrent calls share one request.
func (c *Client) get(ctx context.Context, route string, query url.Values) ([]byte, error) {
	key := route + "?" + query.Encode()
	body, err := c.flights.do(ctx, key, func(fctx context.Context) ([]byte, error) {
		return c.fetch(fctx, route, query)
	})
	if err != nil && ctx.Err() != nil && err == ctx.Err() { //nolint:errorlint // only the bare context error is wrapped
		return nil, fmt.Errorf("request to Petra API GET %s was cancelled: %w", route, err)
	}
	return body, err
}

// attempt is the outcome of one HTTP exchange.
type attempt struct {
	status int
	header http.Header
	body   []byte
	err    error // transport or read failure; status is 0
}

// fetch runs the pacing/retry loop for one logical GET.
func (c *Client) fetch(ctx context.Context, route string, query url.Values) ([]byte, error) {
	u := *c.s.base
	u.Path = c.s.base.Path + route
	u.RawQuery = query.Encode()
	target := u.String()
	log := c.s.logger
	attempts := c.s.maxRetries + 1
	var lastErr error

	for n := 1; n <= attempts; n++ {
		waited, err := c.limiter.wait(ctx, route)
		if waited > 0 {
			log.Info("waited for Petra per-route rate limit", "route", route, "wait", waited.String(), "limit_per_minute", c.limiter.limit(route))
		}
		if err != nil {
			return nil, fmt.Errorf("gave up waiting to call Petra API GET %s within its rate limit: %w", route, err)
		}

		a := c.send(ctx, route, target, n)
		var wait time.Duration
		switch {
		case a.err != nil:
			if ctx.Err() != nil {
				return nil, fmt.Errorf("request to Petra API GET %s was cancelled: %w", route, ctx.Err())
			}
			lastErr = a.err
			wait = backoff(n)
		case a.status >= 200 && a.status < 300:
			return a.body, nil
		case a.status == http.StatusTooManyRequests:
			advertised, ok := retryAfter(a.header, c.s.clock.Now())
			if !ok {
				advertised = defaultRateLimitWait
			}
			if n == attempts {
				e := &RateLimitError{APIError: c.apiError(route, a), Attempts: n, RetryAfter: advertised, PerMinute: c.limiter.limit(route)}
				log.Error("Petra rate limit: retries exhausted", "route", route, "attempts", n, "retry_after", advertised.String())
				return nil, e
			}
			wait = min(advertised, c.s.maxWait)
			c.limiter.pause(route, wait)
			log.Warn("Petra answered 429; waiting before retrying", "route", route, "attempt", n,
				"retry_after", advertised.String(), "wait", wait.String())
		case a.status >= 500:
			e := c.apiError(route, a)
			lastErr = &e
			wait = backoff(n)
		default:
			return nil, c.statusError(route, query, a)
		}

		if n == attempts {
			break
		}
		wait = min(wait, c.s.maxWait)
		if a.status != http.StatusTooManyRequests {
			log.Warn("Petra request failed; retrying", "route", route, "attempt", n, "status", a.status,
				"error", errString(lastErr), "wait", wait.String())
		}
		if err := c.s.clock.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("gave up waiting to retry Petra API GET %s: %w", route, err)
		}
	}
	log.Error("Petra request failed; no retries left", "route", route, "attempts", attempts, "error", errString(lastErr))
	return nil, &RequestFailedError{Route: route, Attempts: attempts, Err: lastErr}
}

// send performs one HTTP GET and reads the whole body.
func (c *Client) send(ctx context.Context, route, target string, n int) attempt {
	actx, cancel := context.WithTimeout(ctx, c.s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, target, nil)
	if err != nil {
		return attempt{err: fmt.Errorf("building request: %w", err)}
	}
	req.Header.Set("Authorization", "Bearer "+c.s.apiKey)
	req.Header.Set("User-Agent", c.s.userAgent)
	req.Header.Set("Accept", "application/json")

	start := c.s.clock.Now()
	c.s.logger.Debug("Petra request", "route", route, "attempt", n)
	resp, err := c.s.httpClient.Do(req)
	if err != nil {
		c.s.logger.Debug("Petra request error", "route", route, "attempt", n,
			"duration_ms", c.s.clock.Now().Sub(start).Milliseconds(), "error", err.Error())
		return attempt{err: c.transportError(actx, err)}
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	dur := c.s.clock.Now().Sub(start).Milliseconds()
	if err != nil {
		c.s.logger.Debug("Petra response read error", "route", route, "attempt", n, "status", resp.StatusCode,
			"duration_ms", dur, "error", err.Error())
		return attempt{err: fmt.Errorf("reading the response (HTTP %d): %w", resp.StatusCode, c.transportError(actx, err))}
	}
	if len(body) > maxBodyBytes {
		return attempt{err: fmt.Errorf("the response is larger than %d MiB", maxBodyBytes>>20)}
	}
	c.s.logger.Debug("Petra response", "route", route, "attempt", n, "status", resp.StatusCode,
		"duration_ms", dur, "bytes", len(body))
	return attempt{status: resp.StatusCode, header: resp.Header, body: body}
}

// transportError explains a failed exchange; a per-attempt timeout says so.
func (c *Client) transportError(actx context.Context, err error) error {
	if errors.Is(actx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no response within %s: %w", c.s.timeout, err)
	}
	return err
}

func (c *Client) apiError(route string, a attempt) APIError {
	return APIError{Route: route, StatusCode: a.status, Detail: errorDetail(a.body, c.s.apiKey)}
}

// statusError maps a non-retryable status to its typed error.
func (c *Client) statusError(route string, query url.Values, a attempt) error {
	base := c.apiError(route, a)
	switch a.status {
	case http.StatusUnauthorized:
		return &AuthenticationError{APIError: base}
	case http.StatusForbidden:
		return &ForbiddenError{APIError: base}
	case http.StatusNotFound:
		// INFERRED (ref §A2): Petra checks the tenant belongs to the key's
		// organization; a 404 is taken to mean an unknown tenant.
		if route == RouteBillableUsers {
			return &TenantNotFoundError{APIError: base, TenantID: query.Get("tenantId")}
		}
	}
	return &base
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
