// Package integration is the domain layer between the Terraform types and the
// API clients: it knows what a billing mapping, a tenant mapping and a
// connection check mean, reads Autotask and Petra in bulk with one cache per
// provider run, and pushes unit counts exactly once. It imports no Terraform
// packages and speaks HTTP only through internal/autotask and internal/petra.
package integration

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

// Service is shared by every resource and data source of one provider run.
type Service struct {
	at       *autotask.Client
	pt       *petra.Client
	now      func() time.Time
	username string

	mu    sync.Mutex
	memos map[string]any
	// hints are the companies looked up in this run: the billing reads
	// prefetch their contracts (see contracts.go).
	hints map[int64]bool
	// budgetWarned is set once the budget warning was handed out.
	budgetWarned bool
	// claims maps a contract service line to the billing mapping that
	// pushes to it in this run (claims.go); runRegistry shares them with the
	// run's other provider processes.
	claims      map[int64]RunClaimant
	runRegistry *RunRegistry
	// stateTokens are the claim tokens in this configuration's state.
	stateTokens map[string]bool
	// pushTiming says how pushes wait for unconfirmed adjustments (push.go).
	pushTiming PushTiming
	// lines remembers where contract service lines live (units.go).
	lines map[int64]lineRef
	// tz is the Autotask database's calendar (timezone.go).
	tz timeZone
	// failed holds the persistent failures of this run by cause, reported
	// the causes already shown to the user (failures.go).
	failed   map[string]error
	reported map[string]bool
}

// New returns a Service. Either client may be nil when not configured; the
// operations that need it then return ErrAutotaskNotConfigured or
// ErrPetraNotConfigured.
func New(at *autotask.Client, pt *petra.Client, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{at: at, pt: pt, now: now, memos: map[string]any{}, hints: map[int64]bool{}}
}

// WithUsername records the Autotask API username the provider is configured
// with; connection ids are this username.
func (s *Service) WithUsername(u string) *Service {
	s.username = u
	return s
}

// Username is the configured Autotask API username ("" when Autotask is not
// configured).
func (s *Service) Username() string {
	if s == nil {
		return ""
	}
	return s.username
}

// Autotask returns the Autotask client or ErrAutotaskNotConfigured. Once a
// read of this run found the credentials rejected, it returns that failure
// instead, without a request (failures.go).
func (s *Service) Autotask() (*autotask.Client, error) {
	if s == nil || s.at == nil {
		return nil, ErrAutotaskNotConfigured
	}
	if err := s.recall(causeAutotaskCredentials); err != nil {
		return nil, err
	}
	return s.at, nil
}

// Petra returns the Petra client or ErrPetraNotConfigured. Once Petra
// refused the API key in this run, it returns that failure instead, without
// a request (failures.go).
func (s *Service) Petra() (*petra.Client, error) {
	if s == nil || s.pt == nil {
		return nil, ErrPetraNotConfigured
	}
	if err := s.recall(causePetraKey); err != nil {
		return nil, err
	}
	return s.pt, nil
}

// HasPetra reports whether a Petra key is configured.
func (s *Service) HasPetra() bool { return s != nil && s.pt != nil }

// HasAutotask reports whether Autotask credentials are configured.
func (s *Service) HasAutotask() bool { return s != nil && s.at != nil }

// Today is "today for billing decisions": the Autotask database's calendar
// date (in the time zone of WithTimeZone, UTC by default), as midnight UTC,
// the way Autotask stores date-only values. The contract start/end checks,
// the adjustments' effectiveDate and the units-in-effect reads all use it.
func (s *Service) Today() time.Time {
	y, m, d := s.now().In(s.Location()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Now is the current time in UTC.
func (s *Service) Now() time.Time { return s.now().UTC() }

// cached returns the run-wide value stored under key, loading it once for all
// concurrent callers. Keys are namespaced by the caller ("companies",
// "contracts/all", ...).
//
// A persistent failure (failures.go) is kept for the run: later callers get
// it again without a request.
func cached[T any](ctx context.Context, s *Service, key string, load func(context.Context) (T, error)) (T, error) {
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
			_ = s.remember(err)
		}
	}
	return v, err
}

// peek returns the run-wide value stored under key if it is loaded, without
// loading it.
func peek[T any](s *Service, key string) (T, bool) {
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

// hintCompany records that a company was looked up (a tenant mapping's
// company): its billing mapping usually follows, so the billing reads
// prefetch the company's contracts.
func (s *Service) hintCompany(id int64) {
	s.mu.Lock()
	s.hints[id] = true
	s.mu.Unlock()
}

// companyHints lists the companies looked up so far in this run.
func (s *Service) companyHints() []int64 {
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
func (s *Service) Invalidate(prefixes ...string) {
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
func (s *Service) BudgetWarning() (summary, detail string, ok bool) {
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
