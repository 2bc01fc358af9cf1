package autotask

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// endpointLimiter caps in-flight requests per endpoint key.
type endpointLimiter struct {
	max  int
	mu   sync.Mutex
	sems map[string]chan struct{}
}

func newEndpointLimiter(limit int) *endpointLimiter {
	return &endpointLimiter{max: limit, sems: map[string]chan struct{}{}}
}

// acquire takes a slot for key, waiting until one is free or ctx ends. The
// returned release must be called exactly once.
func (l *endpointLimiter) acquire(ctx context.Context, key string) (func(), error) {
	l.mu.Lock()
	sem, ok := l.sems[key]
	if !ok {
		sem = make(chan struct{}, l.max)
		l.sems[key] = sem
	}
	l.mu.Unlock()
	select {
	case sem <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-sem }) }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// notSentError marks a failure that happened before any byte of the request
// was sent, so retrying is safe for every method.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return "request not sent: " + e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

// attemptTimeoutError is one attempt exceeding Config.RequestTimeout.
type attemptTimeoutError struct {
	timeout time.Duration
	err     error
}

func (e *attemptTimeoutError) Error() string {
	return fmt.Sprintf("no complete response within %s (%v)", e.timeout, e.err)
}
func (e *attemptTimeoutError) Unwrap() error { return e.err }

// attemptTimeoutKey carries a per-call attempt timeout (writes wait longer
// than reads) from send to the transport.
type attemptTimeoutKey struct{}

// withAttemptTimeout makes every attempt of the call made with ctx time out
// after d instead of the transport's default.
func withAttemptTimeout(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, attemptTimeoutKey{}, d)
}

// limitedTransport holds an endpoint slot and a per-attempt deadline from the
// start of a round trip until the response body is closed, so one attempt
// (request and body read) occupies one slot and waits between retries do not.
type limitedTransport struct {
	base    http.RoundTripper
	limiter *endpointLimiter
	timeout time.Duration
}

// RoundTrip implements http.RoundTripper.
func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	parent := req.Context()
	release := func() {}
	if key := endpointKey(req.URL.Path); key != "" {
		r, err := t.limiter.acquire(parent, key)
		if err != nil {
			if req.Body != nil {
				_ = req.Body.Close()
			}
			return nil, &notSentError{err: err}
		}
		release = r
	}
	timeout := t.timeout
	if d, ok := parent.Value(attemptTimeoutKey{}).(time.Duration); ok && d > 0 {
		timeout = d
	}
	ctx, cancel := context.WithTimeout(parent, timeout)
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		timedOut := ctx.Err() != nil && parent.Err() == nil
		cancel()
		release()
		if timedOut {
			return nil, &attemptTimeoutError{timeout: timeout, err: err}
		}
		return nil, err
	}
	resp.Body = &attemptBody{rc: resp.Body, ctx: ctx, parent: parent, timeout: timeout, done: func() {
		cancel()
		release()
	}}
	return resp, nil
}

// attemptBody releases the attempt's slot and deadline when closed.
type attemptBody struct {
	rc      io.ReadCloser
	ctx     context.Context //nolint:containedctx // the attempt's deadline, to label read timeouts
	parent  context.Context //nolint:containedctx // the caller's context
	timeout time.Duration
	once    sync.Once
	done    func()
}

func (b *attemptBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && b.ctx.Err() != nil && b.parent.Err() == nil {
		err = &attemptTimeoutError{timeout: b.timeout, err: err}
	}
	return n, err
}

func (b *attemptBody) Close() error {
	err := b.rc.Close()
	b.once.Do(b.done)
	return err
}
