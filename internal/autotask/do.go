package autotask

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// maxResponseBody caps how much of one response body is read.
const maxResponseBody = 64 << 20

// request is one logical call (all its attempts).
type request struct {
	method string
	url    string // absolute
	body   []byte // nil for GET
	read   bool   // safe to retry after a transient failure (GET, query, count, zone lookup)
	auth   bool   // send credential headers (false only for zone/version lookup)
	entity string // for errors and logs
	op     Operation
	// budgetCheck marks the guard's own ThresholdInformation read, which
	// must not wait for the pace it is about to set.
	budgetCheck bool
}

// response is the final answer of a call, body already read and closed.
type response struct {
	status int
	header http.Header
	body   []byte
	url    *url.URL
	path   string
}

// attemptState carries what the retry hooks learn about the latest attempt.
type attemptState struct {
	attempt    int
	start      time.Time
	status     int
	header     http.Header
	body       []byte
	err        error // transport or body-read error of the latest attempt
	wait       time.Duration
	waitReason string
}

// do sends a call to a path relative to "{zone}V1.0/", discovering the zone
// first. After an HTTP 401 with a discovered zone, it re-discovers the zone
// once and, if the zone URL changed, retries the call once there.
func (c *Client) do(ctx context.Context, r request, rel string) (*response, error) {
	base, discovered, err := c.serviceURL(ctx)
	if err != nil {
		return nil, err
	}
	r.url = base + apiVersionSegment + rel
	resp, err := c.send(ctx, &r)
	if err != nil {
		return nil, err
	}
	if resp.status == http.StatusUnauthorized && discovered {
		z, zerr := c.rediscoverZone(ctx, base)
		var unknownUser *ZoneNotFoundError
		switch {
		case errors.As(zerr, &unknownUser):
			return nil, zerr
		case zerr != nil:
			c.log.Warn("Autotask zone re-discovery after HTTP 401 failed", "error", zerr.Error())
		case z.URL != base:
			c.log.Info("Autotask zone changed after HTTP 401; retrying once in the new zone",
				"zone", z.ZoneName, "method", r.method, "entity", r.entity)
			r.url = z.URL + apiVersionSegment + rel
			if resp, err = c.send(ctx, &r); err != nil {
				return nil, err
			}
		}
		if resp.status == http.StatusUnauthorized {
			ae := c.classify(&r, resp)
			var authErr *AuthenticationError
			if errors.As(ae, &authErr) {
				authErr.Rediscovered = zerr == nil
			}
			return nil, ae
		}
	}
	if err := c.classify(&r, resp); err != nil {
		return nil, err
	}
	return resp, nil
}

// doAbs sends a call to an absolute URL (paging) without zone handling.
func (c *Client) doAbs(ctx context.Context, r request) (*response, error) {
	resp, err := c.send(ctx, &r)
	if err != nil {
		return nil, err
	}
	if err := c.classify(&r, resp); err != nil {
		return nil, err
	}
	return resp, nil
}

// send performs one call with our retry policy on go-retryablehttp. It
// returns the final response whatever its status; transport failures come
// back as *TransportError, or as *OutcomeUnknownError for a write that may
// have reached Autotask.
func (c *Client) send(ctx context.Context, r *request) (*response, error) {
	u, err := url.Parse(r.url)
	if err != nil {
		return nil, fmt.Errorf("internal error: bad Autotask URL: %w", err)
	}
	if err := c.spendBudget(ctx, r); err != nil {
		// Nothing was sent: safe for writes too.
		return nil, fmt.Errorf("Autotask %s %s was cancelled while waiting for its turn under the request budget: %w",
			r.method, u.Path, err)
	}
	var body any
	if r.body != nil {
		body = r.body
	}
	if !r.read {
		ctx = withAttemptTimeout(ctx, c.cfg.WriteTimeout)
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, r.method, r.url, body)
	if err != nil {
		return nil, fmt.Errorf("internal error: building Autotask request: %w", err)
	}
	// Exact header casing of the official material (ref §2); HTTP treats
	// names case-insensitively.
	req.Header["Accept"] = []string{"application/json"}
	req.Header["User-Agent"] = []string{c.cfg.UserAgent}
	if r.auth {
		req.Header["ApiIntegrationCode"] = []string{c.cfg.IntegrationCode}
		req.Header["UserName"] = []string{c.cfg.Username}
		req.Header["Secret"] = []string{c.cfg.Secret}
		req.Header["Content-Type"] = []string{"application/json"}
	} else if r.body != nil {
		req.Header["Content-Type"] = []string{"application/json"}
	}

	st := &attemptState{}
	rc := &retryablehttp.Client{
		HTTPClient:   c.http,
		RetryMax:     c.cfg.RetryMax,
		RetryWaitMin: c.cfg.RetryWaitMin,
		RetryWaitMax: c.cfg.RetryWaitMax,
		RequestLogHook: func(retryablehttp.Logger, *http.Request, int) {
			st.attempt++
			st.start = time.Now()
		},
		CheckRetry: func(ctx context.Context, resp *http.Response, err error) (bool, error) {
			return c.checkRetry(ctx, r, u, st, resp, err), nil
		},
		Backoff: func(_, _ time.Duration, attempt int, resp *http.Response) time.Duration {
			st.wait, st.waitReason = c.backoff(attempt, resp)
			return 0 // the wait happens in PrepareRetry, through Config.Sleep
		},
		PrepareRetry: func(req *http.Request) error {
			kv := []any{"method", r.method, "path", u.Path, "entity", r.entity, "attempt", st.attempt,
				"wait", st.wait.String(), "wait_reason", st.waitReason}
			if st.err != nil {
				kv = append(kv, "error", logSafeError(st.err))
			} else {
				kv = append(kv, "status", st.status)
			}
			c.log.Warn("retrying Autotask request", kv...)
			return c.cfg.Sleep(req.Context(), st.wait)
		},
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	resp, doErr := rc.Do(req)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}

	if st.err != nil {
		te := &TransportError{Method: r.method, Host: u.Host, Path: u.Path, Err: logSafeErrorValue(st.err)}
		if !r.read && !notSent(st.err) {
			return nil, &OutcomeUnknownError{Method: r.method, Path: u.Path, Cause: te}
		}
		return nil, te
	}
	if doErr != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("Autotask %s %s was cancelled while waiting to retry (last status %d): %w",
				r.method, u.Path, st.status, doErr)
		}
		return nil, fmt.Errorf("Autotask %s %s failed: %w", r.method, u.Path, doErr)
	}
	if st.attempt == 0 {
		return nil, fmt.Errorf("internal error: Autotask %s %s made no attempt", r.method, u.Path)
	}
	return &response{status: st.status, header: st.header, body: st.body, url: u, path: u.Path}, nil
}

// checkRetry records the attempt's outcome (reading and closing the body so
// the endpoint slot is released before any wait), logs it, and applies the
// retry policy.
func (c *Client) checkRetry(ctx context.Context, r *request, u *url.URL, st *attemptState, resp *http.Response, err error) bool {
	dur := time.Since(st.start)
	if err == nil && resp != nil {
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if rerr != nil {
			err = fmt.Errorf("reading the response body: %w", rerr)
		} else {
			st.err, st.status, st.header, st.body = nil, resp.StatusCode, resp.Header, body
			retry := !ctxDone(ctx) && st.attempt <= c.cfg.RetryMax && shouldRetryResponse(r.read, resp.StatusCode, body)
			c.log.Debug("Autotask request", "method", r.method, "path", u.Path, "entity", r.entity,
				"status", resp.StatusCode, "attempt", st.attempt, "duration_ms", dur.Milliseconds())
			return retry
		}
	}
	if err == nil {
		err = errors.New("no response")
	}
	st.err, st.status, st.header, st.body = err, 0, nil, nil
	retry := !ctxDone(ctx) && shouldRetryTransport(r.read, err)
	c.log.Warn("Autotask request failed", "method", r.method, "path", u.Path, "entity", r.entity,
		"attempt", st.attempt, "duration_ms", dur.Milliseconds(), "error", logSafeError(err), "will_retry", retry && st.attempt <= c.cfg.RetryMax)
	return retry
}

// logSafeErrorValue drops *url.Error's URL (which for zone lookup carries the
// username in its query string) and keeps the cause.
func logSafeErrorValue(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func logSafeError(err error) string { return logSafeErrorValue(err).Error() }
