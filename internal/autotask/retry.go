package autotask

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"time"
)

// Retry policy (ours, never retryablehttp's defaults):
//
//   - 429 and thread-threshold rejections: retried for every method (Autotask
//     refused them before doing anything), honouring Retry-After up to
//     Config.MaxRetryAfter.
//   - failures before the request was sent (dial, DNS, waiting for a slot):
//     retried for every method.
//   - 5xx without Autotask's errors[] text, timeouts, resets: retried only for
//     reads (GET, query, count, zone lookup); a write gets ErrOutcomeUnknown.
//   - 500 with errors[] text, 401, 403, 404 and other 4xx: never retried.

// shouldRetryTransport decides whether a transport error is retried.
func shouldRetryTransport(read bool, err error) bool {
	if isCertificateError(err) {
		return false // a bad certificate does not fix itself
	}
	return notSent(err) || read
}

// notSent reports whether err happened before any byte of the request left
// the machine.
func notSent(err error) bool {
	var ns *notSentError
	if errors.As(err, &ns) {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

func isCertificateError(err error) bool {
	var (
		unknownAuthority x509.UnknownAuthorityError
		invalid          x509.CertificateInvalidError
		hostname         x509.HostnameError
		verification     *tls.CertificateVerificationError
	)
	return errors.As(err, &unknownAuthority) || errors.As(err, &invalid) ||
		errors.As(err, &hostname) || errors.As(err, &verification)
}

// shouldRetryResponse decides whether a response is retried.
func shouldRetryResponse(read bool, status int, body []byte) bool {
	switch kindOf(status, body) {
	case kindRateLimit:
		return true
	case kindTransient:
		return read
	default:
		return false
	}
}

// backoff returns how long to wait before retry number attempt+1 and why.
// A readable Retry-After header wins (capped at MaxRetryAfter); otherwise
// exponential backoff from RetryWaitMin doubling up to RetryWaitMax, with
// jitter in the upper half.
func (c *Client) backoff(attempt int, resp *http.Response) (time.Duration, string) {
	if resp != nil {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), c.now()); ok {
			if d > c.cfg.MaxRetryAfter {
				d = c.cfg.MaxRetryAfter
			}
			return d, "Retry-After"
		}
	}
	return expBackoff(c.cfg.RetryWaitMin, c.cfg.RetryWaitMax, attempt, rand.Float64()), "backoff"
}

// expBackoff computes lo*2^attempt capped at hi, then picks a point in
// [d/2, d] using r in [0,1).
func expBackoff(lo, hi time.Duration, attempt int, r float64) time.Duration {
	d := lo
	for i := 0; i < attempt && d < hi; i++ {
		d *= 2
	}
	if d > hi {
		d = hi
	}
	half := d / 2
	return half + time.Duration(r*float64(d-half))
}

// ctxDone reports whether the caller's context has ended.
func ctxDone(ctx context.Context) bool { return ctx.Err() != nil }
