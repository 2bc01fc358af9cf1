package petra

import (
	"fmt"
	"time"
)

// APIError is a non-success HTTP response from Petra. The more specific error
// types below wrap one, so errors.As(err, &*APIError) matches all of them.
type APIError struct {
	// Route is the request path, for example "/v1/usage".
	Route string
	// StatusCode is the HTTP status Petra returned.
	StatusCode int
	// Detail is Petra's error text: the "error"/"message" fields of a JSON
	// body, or the raw body (trimmed, shortened, API key removed).
	Detail string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("Petra API GET %s returned HTTP %d%s", e.Route, e.StatusCode, detailSuffix(e.Detail))
}

// AuthenticationError is a 401: the API key was refused.
type AuthenticationError struct {
	APIError
}

func (e *AuthenticationError) Error() string {
	return "Petra rejected the API key: it is invalid, deleted, or belongs to another organization; " +
		"create a new key in Petra Settings -> API Keys and set PETRA_API_KEY or api_key" +
		fmt.Sprintf(" (GET %s returned HTTP 401%s)", e.Route, detailSuffix(e.Detail))
}

// Unwrap returns the underlying APIError.
func (e *AuthenticationError) Unwrap() error { return &e.APIError }

// ForbiddenError is a 403: the request was understood but refused.
type ForbiddenError struct {
	APIError
}

func (e *ForbiddenError) Error() string {
	// INFERRED (ref §A1, §A6): petra-mcp reports that Petra answers 403 when
	// no User-Agent is sent; access restrictions are the other likely cause.
	return fmt.Sprintf("Petra refused access to GET %s (HTTP 403%s). Petra returns 403 when a request has no User-Agent header "+
		"(check that no proxy strips it) or when the API key's organization has no access to this data; the public API is "+
		"in private beta, so confirm API access with support@petrasecurity.com", e.Route, detailSuffix(e.Detail))
}

// Unwrap returns the underlying APIError.
func (e *ForbiddenError) Unwrap() error { return &e.APIError }

// TenantNotFoundError is a 404 from /v1/billable-users: Petra has no tenant
// with that ID in the key's organization.
type TenantNotFoundError struct {
	APIError
	// TenantID is the Petra tenant ID that was requested.
	TenantID string
}

func (e *TenantNotFoundError) Error() string {
	return fmt.Sprintf("Petra has no tenant %q in the API key's organization (GET %s returned HTTP 404%s). "+
		"Use the Petra tenant ID (the short ID in app.petrasecurity.com/tenant/<id>, listed by GET /v1/tenants), "+
		"not the Microsoft tenant GUID; removed tenants are not found",
		e.TenantID, e.Route, detailSuffix(e.Detail))
}

// Unwrap returns the underlying APIError.
func (e *TenantNotFoundError) Unwrap() error { return &e.APIError }

// RateLimitError means Petra kept answering 429 until the retries ran out.
type RateLimitError struct {
	APIError
	// Attempts is how many requests were sent.
	Attempts int
	// RetryAfter is the wait Petra advertised on its last 429 (before the
	// MaxWait cap), or the assumed wait when it advertised none.
	RetryAfter time.Duration
	// PerMinute is the route's limit the client paced itself to.
	PerMinute int
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("Petra API rate limit for GET %s was still exceeded after %s (Petra asked to wait %s%s). "+
		"Petra limits requests per route and API key (this client paced the route to %s), counting every other tool "+
		"using the same key; "+
		"wait a minute and retry, or run fewer Terraform operations in parallel%s",
		e.Route, attemptsText(e.Attempts), e.RetryAfter, detailSuffix(e.Detail), perMinuteText(e.PerMinute), e.hint())
}

func perMinuteText(n int) string {
	if n == 1 {
		return "1 request a minute"
	}
	return fmt.Sprintf("%d requests a minute", n)
}

// hint points a billable-users caller at the route that serves every tenant
// in one request.
func (e *RateLimitError) hint() string {
	if e.Route == RouteBillableUsers {
		return " (for many tenants, read the counts from GET /v1/usage, one request for all of them)"
	}
	return ""
}

// Unwrap returns the underlying APIError.
func (e *RateLimitError) Unwrap() error { return &e.APIError }

// RequestFailedError means a request still failed with a 5xx or a network
// error after all retries. Err is the last failure (an *APIError for 5xx).
type RequestFailedError struct {
	// Route is the request path.
	Route string
	// Attempts is how many requests were sent.
	Attempts int
	// Err is the last attempt's failure.
	Err error
}

func (e *RequestFailedError) Error() string {
	return fmt.Sprintf("Petra API GET %s failed after %s: %v. Petra may be unavailable or unreachable from here; "+
		"check the network and the Petra API URL, then try again in a few minutes", e.Route, attemptsText(e.Attempts), e.Err)
}

// Unwrap returns the last attempt's failure.
func (e *RequestFailedError) Unwrap() error { return e.Err }

// DecodeError means Petra answered 200 with a body the client cannot read.
type DecodeError struct {
	// Route is the request path.
	Route string
	// Err is the decoding failure.
	Err error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("Petra API GET %s returned a response this provider cannot read: %v. "+
		"Check that the Petra API URL points at Petra's API (not a web page or proxy); if it does, Petra may have changed "+
		"its API and the provider needs an update", e.Route, e.Err)
}

// Unwrap returns the decoding failure.
func (e *DecodeError) Unwrap() error { return e.Err }

func detailSuffix(detail string) string {
	if detail == "" {
		return ""
	}
	return ": " + detail
}

func attemptsText(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}
