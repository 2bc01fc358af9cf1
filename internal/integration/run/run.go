// Package run is what every concept of the integration shares for one
// provider run: the Autotask and Petra clients, the clock and the database's
// calendar, the run-wide caches (one load for all concurrent callers), and
// the memory of persistent failures, so that one cause is reported once. It
// knows nothing of billing, claims or Terraform.
//
// The integration's concepts sit above it, each in its own package, with
// dependencies pointing one way (DESIGN.md, "The map"):
//
//	problem  <- run <- catalog <- billing
//	                <- access  <- billing
//	                <- claims
package run

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/petra"
)

// ErrAutotaskNotConfigured is returned when an Autotask operation is needed but
// the provider has no Autotask credentials.
var ErrAutotaskNotConfigured = errors.New("Autotask is not configured: set username, secret and integration_code " +
	"in the provider's autotask block, or the AUTOTASK_USERNAME, AUTOTASK_SECRET and AUTOTASK_INTEGRATION_CODE " +
	"environment variables")

// ErrPetraNotConfigured is returned when a Petra operation is needed but no
// Petra API key is configured.
var ErrPetraNotConfigured = errors.New("a Petra API key is needed: set api_key in the provider's petra block or " +
	"the PETRA_API_KEY environment variable (create a key in Petra under Settings > API Keys; only Admins can)")

// Run is shared by every resource and data source of one provider run.
type Run struct {
	at       *autotask.Client
	pt       *petra.Client
	now      func() time.Time
	username string

	mu    sync.Mutex
	memos map[string]any
	// hints are the companies looked up in this run: the billing reads
	// prefetch their contracts (billing/snapshot.go).
	hints map[int64]bool
	// budgetWarned is set once the budget warning was handed out.
	budgetWarned bool
	// tz is the Autotask database's calendar (timezone.go).
	tz timeZone
	// failures are this run's persistent failures (failures.go).
	failures failures
}

// New returns a Run. Either client may be nil when not configured; the
// operations that need it then return ErrAutotaskNotConfigured or
// ErrPetraNotConfigured.
func New(at *autotask.Client, pt *petra.Client, now func() time.Time) *Run {
	if now == nil {
		now = time.Now
	}
	return &Run{at: at, pt: pt, now: now, memos: map[string]any{}, hints: map[int64]bool{}}
}

// WithUsername records the Autotask API username the provider is configured
// with; connection ids are this username.
func (s *Run) WithUsername(u string) *Run {
	s.username = u
	return s
}

// Username is the configured Autotask API username ("" when Autotask is not
// configured).
func (s *Run) Username() string {
	if s == nil {
		return ""
	}
	return s.username
}

// Autotask returns the Autotask client or ErrAutotaskNotConfigured. Once a
// read of this run found the credentials rejected, it returns that failure
// instead, without a request (failures.go).
func (s *Run) Autotask() (*autotask.Client, error) {
	if s == nil || s.at == nil {
		return nil, ErrAutotaskNotConfigured
	}
	if err := s.failures.recall(causeAutotaskCredentials); err != nil {
		return nil, err
	}
	return s.at, nil
}

// Petra returns the Petra client or ErrPetraNotConfigured. Once Petra
// refused the API key in this run, it returns that failure instead, without
// a request (failures.go).
func (s *Run) Petra() (*petra.Client, error) {
	if s == nil || s.pt == nil {
		return nil, ErrPetraNotConfigured
	}
	if err := s.failures.recall(causePetraKey); err != nil {
		return nil, err
	}
	return s.pt, nil
}

// PetraRoute returns the Petra client for one route, or the failure this
// run remembers for the key or for that route (failures.go), without a
// request.
func (s *Run) PetraRoute(route string) (*petra.Client, error) {
	pt, err := s.Petra()
	if err != nil {
		return nil, err
	}
	if err := s.failures.recall(causePetraKey, "petra route "+route+" forbidden", "petra route "+route+" not found"); err != nil {
		return nil, err
	}
	return pt, nil
}

// HasPetra reports whether a Petra key is configured.
func (s *Run) HasPetra() bool { return s != nil && s.pt != nil }

// HasAutotask reports whether Autotask credentials are configured.
func (s *Run) HasAutotask() bool { return s != nil && s.at != nil }

// Today is "today for billing decisions": the Autotask database's calendar
// date (in the time zone of WithTimeZone, UTC by default), as midnight UTC,
// the way Autotask stores date-only values. The contract start/end checks,
// the adjustments' effectiveDate and the units-in-effect reads all use it.
func (s *Run) Today() time.Time {
	y, m, d := s.now().In(s.Location()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Now is the current time in UTC.
func (s *Run) Now() time.Time { return s.now().UTC() }

// Cached returns the run-wide value stored under key, loading it once for all
// concurrent callers. Keys are namespaced by the caller ("companies",
// "contracts/all", ...).
//
// A persistent failure (failures.go) is kept for the run: later callers get
// it again without a request.
func Cached[T any](ctx context.Context, s *Run, key string, load func(context.Context) (T, error)) (T, error) {
	s.mu.Lock()
	m, ok := s.memos[key].(*memo[T])
	if !ok {
		m = &memo[T]{}
		s.memos[key] = m
	}
	s.mu.Unlock()
	if err := m.stickyErr(); err != nil {
		var zero T
		return zero, err
	}
	v, err := m.get(ctx, load)
	if err != nil {
		if _, persistent := persistentCause(err); persistent {
			m.setSticky(err)
			_ = s.failures.remember(err)
		}
	}
	return v, err
}

// Peek returns the run-wide value stored under key if it is loaded, without
// loading it.
func Peek[T any](s *Run, key string) (T, bool) {
	s.mu.Lock()
	m, ok := s.memos[key].(*memo[T])
	s.mu.Unlock()
	var zero T
	if !ok {
		return zero, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.done {
		return zero, false
	}
	return m.value, true
}

// HintCompany records that a company was looked up (a tenant mapping's
// company): its billing mapping usually follows, so the billing reads
// prefetch the company's contracts.
func (s *Run) HintCompany(id int64) {
	s.mu.Lock()
	s.hints[id] = true
	s.mu.Unlock()
}

// CompanyHints lists the companies looked up so far in this run.
func (s *Run) CompanyHints() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]int64, 0, len(s.hints))
	for id := range s.hints {
		out = append(out, id)
	}
	return out
}

// Invalidate drops every cached value whose key starts with one of prefixes,
// so the next read goes to the API again (used before apply-time checks,
// which must see Autotask as it is now, not as it was at plan).
func (s *Run) Invalidate(prefixes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.memos {
		for _, p := range prefixes {
			if strings.HasPrefix(k, p) {
				delete(s.memos, k)
				break
			}
		}
	}
}

// BudgetWarning returns, once per provider run, a warning to show when the
// Autotask database's hourly request budget is nearly spent and the client
// is spacing its requests: the run is slower but does not fail, and users
// should know why.
func (s *Run) BudgetWarning() (summary, detail string, ok bool) {
	if s == nil || s.at == nil {
		return "", "", false
	}
	st := s.at.Budget()
	if !st.Pacing {
		return "", "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.budgetWarned {
		return "", "", false
	}
	s.budgetWarned = true
	pct := 0
	if st.Threshold > 0 {
		pct = 100 * st.Used / st.Threshold
	}
	return "Autotask request budget nearly spent",
		fmt.Sprintf("The Autotask database has used %d of its %d API requests in the current %s window (%d%%), a "+
			"budget shared by every integration. To leave room for them and avoid being blocked, the provider is "+
			"spacing its requests (one every %s) until usage drops: this run will be slower but will not fail. If "+
			"this happens often, check which integration spends the budget (Autotask: Admin > Extensions & "+
			"Integrations > API usage).", st.Used, st.Threshold, st.Timeframe, pct, st.Interval), true
}

// ApplyReuseWindow is how old a run-wide read may be for an apply-time
// refresh to keep it rather than read Autotask again. Terraform re-plans
// every resource right before applying it (ModifyPlan runs again in the
// apply process), so what those checks read moments ago is as current as a
// reload would be; a plan the user approved minutes ago is not. The billing
// snapshot and the claims both follow it.
const ApplyReuseWindow = 30 * time.Second

// Wait waits d or until ctx ends, returning ctx's error then. Pushes and the
// connection check's retries both wait with it.
func Wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// FirstReport reports whether err should be shown to the user: always for an
// ordinary error, and only the first time in the run for a persistent one.
// Terraform fails the plan on the first such error anyway, so the other
// resources that hit the same cause stay quiet instead of repeating it.
func (s *Run) FirstReport(err error) bool {
	if s == nil {
		return true
	}
	cause, ok := persistentCause(err)
	if !ok {
		return true
	}
	return s.failures.firstReport(cause)
}

// FirstReportKey is FirstReport for a cause the caller names itself (a
// configuration mismatch every resource of the run would repeat).
func (s *Run) FirstReportKey(cause string) bool {
	if s == nil {
		return true
	}
	return s.failures.firstReport("key " + cause)
}

// MarkReported records that a persistent failure was shown to the user in
// another form (the connection's verification lists rejected credentials as
// a failed check, not as an error value).
func (s *Run) MarkReported(err error) {
	if cause, ok := persistentCause(err); ok {
		s.failures.firstReport(cause)
		_ = s.failures.remember(err)
	}
}

// WithTimeZone sets the database's time zone; configured is false when the
// provider fell back to UTC because time_zone was not set.
func (s *Run) WithTimeZone(loc *time.Location, configured bool) *Run {
	s.tz.set(loc, configured)
	return s
}

// Location is the time zone whose calendar defines Today (UTC by default).
func (s *Run) Location() *time.Location {
	if s == nil {
		return time.UTC
	}
	return s.tz.location()
}

// TimeZoneWarning returns, once per provider run, the warning shown when no
// time zone was configured and billing dates follow UTC.
func (s *Run) TimeZoneWarning() (summary, detail string, ok bool) {
	if s == nil || s.at == nil {
		return "", "", false
	}
	return s.tz.warning(s.Today())
}
