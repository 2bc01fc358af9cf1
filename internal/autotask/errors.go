package autotask

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// ErrNotFound matches (errors.Is) every error saying that the requested
// record or route does not exist: a get-by-id answered with {"item":null} or
// HTTP 404.
var ErrNotFound = errors.New("not found in Autotask")

// ErrOutcomeUnknown matches (errors.Is) errors from writes (create, update)
// whose outcome is unknown: the request may or may not have been applied
// (connection reset or timeout after sending, a response that was lost, or a
// 5xx without Autotask's errors[] text). Such writes are never resent; read
// the data back before deciding what to do.
var ErrOutcomeUnknown = errors.New("outcome of the Autotask write is unknown")

// Operation names what a call tried to do, for permission errors.
type Operation string

// Operations as Autotask names them in its permission messages.
const (
	OpQuery  Operation = "query"
	OpCreate Operation = "create"
	OpUpdate Operation = "update"
	OpDelete Operation = "delete"
)

// APIError is an unsuccessful Autotask response. Messages holds Autotask's
// errors[] text verbatim; Body holds the raw body (trimmed to a few KB) when
// it was not a JSON error envelope. Every classified error type below wraps
// an *APIError, so errors.As(err, &apiErr) always reaches the raw response.
type APIError struct {
	StatusCode int
	Method     string
	Path       string
	Messages   []string
	Body       string
}

// Error describes the failed call and quotes Autotask's messages.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Autotask %s %s returned HTTP %d", e.Method, e.Path, e.StatusCode)
	if t := http.StatusText(e.StatusCode); t != "" {
		fmt.Fprintf(&b, " %s", t)
	}
	switch {
	case len(e.Messages) > 0:
		b.WriteString(": ")
		b.WriteString(quoteMessages(e.Messages))
	case strings.TrimSpace(e.Body) != "":
		fmt.Fprintf(&b, " with a non-JSON body: %q", shorten(strings.TrimSpace(e.Body), 300))
	default:
		b.WriteString(" with an empty body")
	}
	return b.String()
}

// Is makes an HTTP 404 match ErrNotFound.
func (e *APIError) Is(target error) bool {
	return target == ErrNotFound && e.StatusCode == http.StatusNotFound
}

func quoteMessages(msgs []string) string {
	q := make([]string, len(msgs))
	for i, m := range msgs {
		q[i] = fmt.Sprintf("%q", m)
	}
	return strings.Join(q, "; ")
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// AuthenticationError is an HTTP 401: Autotask did not accept the username,
// secret or user type.
type AuthenticationError struct {
	API *APIError
	// Rediscovered is true when the client re-ran zone discovery after the
	// 401 (retrying once if the zone had moved) and that did not help.
	Rediscovered bool
}

// Error explains what to check.
func (e *AuthenticationError) Error() string {
	msg := "Autotask rejected the API credentials (HTTP 401 on " + e.API.Method + " " + e.API.Path + "). " +
		"Check that the username and secret are correct and that the user is an API-only user whose security " +
		`level is "API User (system)" (a normal user passes zone lookup but is refused on every API call).`
	if e.Rediscovered {
		msg += " Zone discovery was repeated after the 401 and did not help."
	}
	return msg
}

// Unwrap returns the underlying *APIError.
func (e *AuthenticationError) Unwrap() error { return e.API }

// InvalidIntegrationCodeError is Autotask's 500 "IntegrationCode is invalid.".
type InvalidIntegrationCodeError struct{ API *APIError }

// Error explains what to check.
func (e *InvalidIntegrationCodeError) Error() string {
	return `Autotask says the API integration code is invalid ("IntegrationCode is invalid."). ` +
		"Use the API tracking identifier shown on the API user's page in Autotask (for a custom integration, " +
		`choose "Custom (Internal Integration)" and copy the generated value).`
}

// Unwrap returns the underlying *APIError.
func (e *InvalidIntegrationCodeError) Unwrap() error { return e.API }

// ZoneNotFoundError means Autotask could not determine the zone of the
// username: the API user does not exist (or the username is blank).
type ZoneNotFoundError struct {
	Username string
	API      *APIError
}

// Error explains what to check.
func (e *ZoneNotFoundError) Error() string {
	return fmt.Sprintf("Autotask does not know the API user %q (%q). Check the username: it is the API user's "+
		"full username, usually an e-mail address, exactly as shown on the user's page in Autotask.",
		e.Username, zoneUnknownText)
}

// Unwrap returns the underlying *APIError.
func (e *ZoneNotFoundError) Unwrap() error { return e.API }

// PermissionError means the API user's security level does not allow the
// operation on the entity (HTTP 403, or Autotask's 500 "does not have the
// adequate permissions to <verb> this entity type").
type PermissionError struct {
	Entity    string
	Operation Operation
	API       *APIError
	// Via401 is set when Autotask answered HTTP 401 after accepting the
	// same credentials earlier in the run (see permissionFrom401).
	Via401 bool
}

// Error names the entity and operation and says how to fix it.
func (e *PermissionError) Error() string {
	msg := fmt.Sprintf("the Autotask API user is not allowed to %s %s", e.Operation, e.Entity)
	if e.Via401 {
		msg = fmt.Sprintf("Autotask answered HTTP 401 Unauthorized to %s %s (%s %s) after accepting this API user's "+
			"credentials earlier in this run: Autotask answers some missing permissions with 401, so the API user's "+
			"security level most likely does not allow it to %s %s (if the secret was changed during the run, run "+
			"again)", e.Operation, e.Entity, e.API.Method, e.API.Path, e.Operation, e.Entity)
	} else if len(e.API.Messages) > 0 {
		msg += " (Autotask said: " + quoteMessages(e.API.Messages) + ")"
	} else {
		msg += fmt.Sprintf(" (HTTP %d on %s %s)", e.API.StatusCode, e.API.Method, e.API.Path)
	}
	return msg + fmt.Sprintf(". Give the API user's security level permission to %s %s in Autotask "+
		"(Admin > Account Settings & Users > Security Levels), or use an API user whose security level allows it.",
		e.Operation, e.Entity)
}

// Unwrap returns the underlying *APIError.
func (e *PermissionError) Unwrap() error { return e.API }

// RateLimitError is an HTTP 429: the database's hourly request threshold was
// exceeded (INFERRED (ref §6): 429 is how the hourly threshold is signalled).
// It is returned once the client's retries are used up.
type RateLimitError struct {
	// RetryAfter is the server's Retry-After value, zero when absent.
	RetryAfter time.Duration
	API        *APIError
}

// Error explains the limit.
func (e *RateLimitError) Error() string {
	msg := "Autotask refused the request because the database's API request threshold (10,000 requests per " +
		"rolling hour, shared by every integration) is exceeded"
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf("; it asked to retry after %s", e.RetryAfter)
	}
	if len(e.API.Messages) > 0 {
		msg += " (Autotask said: " + quoteMessages(e.API.Messages) + ")"
	}
	return msg + ". Wait for usage to drop (ThresholdInformation shows it) and run again with less parallelism."
}

// Unwrap returns the underlying *APIError.
func (e *RateLimitError) Unwrap() error { return e.API }

// ThreadLimitError is Autotask's thread-threshold rejection (text containing
// "thread threshold" or "Itgenatr005", any status): too many concurrent
// requests for one endpoint and integration code.
type ThreadLimitError struct{ API *APIError }

// Error explains the limit.
func (e *ThreadLimitError) Error() string {
	return "Autotask refused the request because too many requests were in flight for this endpoint and " +
		"integration code (thread threshold; Autotask said: " + quoteMessages(e.API.Messages) + "). " +
		"Another integration using the same integration code may be busy; run again later or with less parallelism."
}

// Unwrap returns the underlying *APIError.
func (e *ThreadLimitError) Unwrap() error { return e.API }

// BusinessRuleError is an HTTP 500 carrying Autotask's errors[] text: a
// validation or business-rule refusal. The request was not applied and must
// not be retried unchanged.
type BusinessRuleError struct{ API *APIError }

// Error quotes Autotask's text verbatim.
func (e *BusinessRuleError) Error() string {
	return fmt.Sprintf("Autotask refused %s %s: %s", e.API.Method, e.API.Path, quoteMessages(e.API.Messages))
}

// Messages returns Autotask's errors[] text.
func (e *BusinessRuleError) Messages() []string { return e.API.Messages }

// Unwrap returns the underlying *APIError.
func (e *BusinessRuleError) Unwrap() error { return e.API }

// NotFoundError is a get-by-id for a record that does not exist or that the
// API user cannot see. It matches ErrNotFound.
type NotFoundError struct {
	Entity string
	ID     int64
	// API is set when Autotask answered HTTP 404 (nil for {"item":null}).
	API *APIError
}

// Error names the missing record.
func (e *NotFoundError) Error() string {
	return fmt.Sprintf("Autotask %s %d was not found: it does not exist, was deleted, or the API user's "+
		"security level cannot see it", e.Entity, e.ID)
}

// Is matches ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// Unwrap returns the underlying *APIError, if any.
func (e *NotFoundError) Unwrap() error {
	if e.API == nil {
		return nil
	}
	return e.API
}

// OutcomeUnknownError is a write whose outcome is unknown. It matches
// ErrOutcomeUnknown and wraps the cause (a transport error or an *APIError).
type OutcomeUnknownError struct {
	Method, Path string
	Cause        error
}

// Error explains that the write may have happened.
func (e *OutcomeUnknownError) Error() string {
	return fmt.Sprintf("Autotask %s %s may or may not have been applied: %v. It was not resent; "+
		"read the data back before trying again", e.Method, e.Path, e.Cause)
}

// Is matches ErrOutcomeUnknown.
func (e *OutcomeUnknownError) Is(target error) bool { return target == ErrOutcomeUnknown }

// Unwrap returns the cause.
func (e *OutcomeUnknownError) Unwrap() error { return e.Cause }

// TransportError is a failure to get any HTTP response from Autotask
// (connection refused, DNS, TLS, timeout, reset) after the client's retries.
type TransportError struct {
	Method, Host, Path string
	Err                error
}

// Error explains what failed.
func (e *TransportError) Error() string {
	return fmt.Sprintf("could not get a response from Autotask (%s %s%s): %v. Check the network, proxy and "+
		"the Autotask base/zone URL", e.Method, e.Host, e.Path, e.Err)
}

// Unwrap returns the cause.
func (e *TransportError) Unwrap() error { return e.Err }
