package run

import (
	"errors"
	"net/http"
	"sync"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/petra"
)

// A persistent failure is one that asking again in the same run cannot cure:
// Petra refused the API key (401), refused a route (403), or has no such
// route (404 outside the per-tenant route); Autotask refused the
// credentials after zone re-discovery, the integration code, or does not know
// the API user. A Run remembers such a failure for the rest of the
// provider run, so that a configuration of 60 tenants makes one request per
// route and shows one diagnostic, not one of each per resource.
//
// Writes are never remembered: an Autotask write refused once (a secret
// rotated mid-run) fails only its own resource.

// persistentCause names the cause of err when it is persistent: the key under
// which it is remembered and reported once. Causes that concern a whole API
// ("petra key", "autotask credentials") stop every later call to that API;
// the others stop calls to one route or entity.
func persistentCause(err error) (cause string, ok bool) {
	if err == nil {
		return "", false
	}
	var (
		pauth *petra.AuthenticationError
		pfor  *petra.ForbiddenError
		pnf   *petra.TenantNotFoundError
		papi  *petra.APIError
		aauth *autotask.AuthenticationError
		acode *autotask.InvalidIntegrationCodeError
		azone *autotask.ZoneNotFoundError
		aperm *autotask.PermissionError
	)
	switch {
	case errors.As(err, &pauth):
		return causePetraKey, true
	case errors.As(err, &pfor):
		return "petra route " + pfor.Route + " forbidden", true
	case errors.As(err, &pnf):
		return "", false // one tenant is unknown: a per-tenant problem
	case errors.As(err, &papi) && papi.StatusCode == http.StatusNotFound:
		return "petra route " + papi.Route + " not found", true
	case errors.As(err, &aauth), errors.As(err, &acode), errors.As(err, &azone):
		return causeAutotaskCredentials, true
	case errors.As(err, &aperm):
		return "autotask permission " + string(aperm.Operation) + " " + aperm.Entity, true
	}
	return "", false
}

// Causes that stop every later call to their API.
const (
	causePetraKey            = "petra key"
	causeAutotaskCredentials = "autotask credentials"
)

// failures is a run's memory of persistent failures: the first error of
// each cause (remembered), and the causes already shown to the user
// (reported).
type failures struct {
	mu       sync.Mutex
	failed   map[string]error
	reported map[string]bool
}

// remember records err when it is persistent. It returns err unchanged.
func (f *failures) remember(err error) error {
	cause, ok := persistentCause(err)
	if !ok {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failed == nil {
		f.failed = map[string]error{}
	}
	if _, seen := f.failed[cause]; !seen {
		f.failed[cause] = err
	}
	return err
}

// recall returns the remembered failure that stops a call to the API whose
// whole-API cause is apiCause, or to one of the more specific causes given.
func (f *failures) recall(apiCause string, causes ...string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failed[apiCause]; err != nil {
		return err
	}
	for _, c := range causes {
		if err := f.failed[c]; err != nil {
			return err
		}
	}
	return nil
}

// firstReport reports whether key is shown for the first time, and marks
// it shown.
func (f *failures) firstReport(key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.reported == nil {
		f.reported = map[string]bool{}
	}
	if f.reported[key] {
		return false
	}
	f.reported[key] = true
	return true
}

// Refused reports whether err is Autotask refusing a write for a reason of
// the record itself (a 500 with Autotask's business-rule text, such as a
// contract that has not started): a per-tenant problem, unlike an
// unreachable Autotask or rejected credentials.
func Refused(err error) bool {
	var rule *autotask.BusinessRuleError
	return errors.As(err, &rule)
}
