package access

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/catalog"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
)

// Features of the integration a connection can be verified for.
const (
	FeatureBilling   = "billing"
	FeatureTicketing = "ticketing"
)

// ValidFeatures lists every feature, sorted.
var ValidFeatures = []string{FeatureBilling, FeatureTicketing}

// Operations a permission check can test, beyond zone discovery and
// authentication.
const (
	CheckOpZone         = "zone discovery"
	CheckOpAuthenticate = "authenticate"
	CheckOpQuery        = "query"
	CheckOpCreate       = "create"
	CheckOpUpdate       = "update"
	CheckOpPicklists    = "picklists"
)

// PermissionFix is the fix every failed permission verification ends with.
const PermissionFix = "The Autotask API user's Security Level must be \"API User (system)\" and the user must be " +
	"active. Billing needs read on Companies, read and update on Contracts, read on ContractServices, " +
	"ContractServiceUnits and Services, create on ContractServiceAdjustments (the unit pushes), and read, create " +
	"and update on ContractNotes (the billing claims)."

// TicketingFix is added when a ticketing permission is missing.
const TicketingFix = "Ticketing needs read, create and update on Tickets and read on Companies."

// RestrictedAccessPasses decides how a "Restricted" userAccessFor* level is
// judged. INFERRED (ref §9): Restricted "may be partially denied" (line of
// business, ownership), so it passes with a warning-level note; set it to
// false to treat Restricted as missing.
const RestrictedAccessPasses = true

// verifyParallelism bounds how many entity checks run at once: all of them
// (there are 11 at most). Each check reads its own entity's endpoints, and
// the client caps requests per endpoint, so running them together stays
// within Autotask's thread limit while the check waits for the slowest
// entity rather than for the sum of them.
const verifyParallelism = 16

// Check is one verified fact about the API user.
type Check struct {
	// Name such as "Companies query", "zone discovery" or "authentication".
	Name string
	// Features that need the check, sorted; empty for zone discovery and
	// authentication, which every feature needs.
	Features []string
	// Entity is the Autotask entity ("" for zone discovery and authentication).
	Entity string
	// Operation is one of the CheckOp* constants.
	Operation string
	// Passed is false when the permission (or credential) is missing.
	Passed bool
	// Restricted is true when the check passed with Autotask's "Restricted"
	// access level: some records may be hidden or refused.
	Restricted bool
	// Message says what was found, in words.
	Message string
}

// Verification is the result of one VerifyPermissions pass.
type Verification struct {
	// Username is the Autotask API user that was verified.
	Username string
	// Features verified, sorted.
	Features []string
	// Zone is the user's Autotask zone. With a configured base URL only URL
	// is set (no discovery is made); after a failed zone discovery it is zero.
	Zone autotask.Zone
	// Checks in a fixed order: zone discovery, authentication, then entity
	// checks. After a zone or authentication failure nothing else is checked.
	Checks []Check

	// credentialSummary is set when zone discovery or authentication failed,
	// credentialErr to the failure.
	credentialSummary string
	credentialErr     error
	// verifiedAt is when the checks ran (wall clock).
	verifiedAt time.Time
}

// Passed reports whether every check passed.
func (v *Verification) Passed() bool {
	for _, c := range v.Checks {
		if !c.Passed {
			return false
		}
	}
	return true
}

// Missing returns the checks that failed, in order.
func (v *Verification) Missing() []Check {
	var out []Check
	for _, c := range v.Checks {
		if !c.Passed {
			out = append(out, c)
		}
	}
	return out
}

// CredentialsFailed reports whether zone discovery or authentication failed,
// which ends a verification early.
func (v *Verification) CredentialsFailed() bool { return v.credentialSummary != "" }

// Notes returns warning-level notes: permissions granted only with
// Restricted access.
func (v *Verification) Notes() []string {
	var out []string
	for _, c := range v.Checks {
		if c.Passed && c.Restricted {
			out = append(out, fmt.Sprintf("%s (%s): %s", c.Entity, c.Operation, c.Message))
		}
	}
	return out
}

// SameOutcome reports whether o found the same zone and the same checks as v.
func (v *Verification) SameOutcome(o *Verification) bool {
	if v == nil || o == nil {
		return v == o
	}
	if v.Zone != o.Zone || len(v.Checks) != len(o.Checks) {
		return false
	}
	for i := range v.Checks {
		a, b := v.Checks[i], o.Checks[i]
		if a.Name != b.Name || a.Entity != b.Entity || a.Operation != b.Operation || a.Passed != b.Passed ||
			a.Restricted != b.Restricted || a.Message != b.Message || !slices.Equal(a.Features, b.Features) {
			return false
		}
	}
	return true
}

// Problem returns THE diagnostic for a failed verification: a summary and a
// detail listing everything that is missing, grouped by feature, followed by
// the fix. failed is false when every check passed.
func (v *Verification) Problem() (summary, detail string, failed bool) {
	if v.Passed() {
		return "", "", false
	}
	if v.CredentialsFailed() {
		var msgs []string
		for _, c := range v.Missing() {
			msgs = append(msgs, c.Message)
		}
		return v.credentialSummary, strings.Join(msgs, "\n"), true
	}
	var b strings.Builder
	fmt.Fprintf(&b, "The Autotask API user %q lacks permissions that the chosen features (%s) need:\n",
		v.Username, strings.Join(v.Features, ", "))
	b.WriteString(v.MissingList())
	b.WriteString("\n")
	b.WriteString(PermissionFix)
	if v.missingFor(FeatureTicketing) {
		b.WriteString(" " + TicketingFix)
	}
	b.WriteString(" Change the security level in Autotask (Admin > Account Settings & Users > Security Levels), " +
		"or choose only the features this user may run with `features`.")
	return "Autotask API user lacks permissions", b.String(), true
}

// MissingList lists the failed entity checks, one line per feature:
// "  - billing: Contracts (update), ContractServiceAdjustments (create) missing".
func (v *Verification) MissingList() string {
	byFeature := map[string][]string{}
	for _, c := range v.Missing() {
		for _, f := range c.Features {
			byFeature[f] = append(byFeature[f], fmt.Sprintf("%s (%s)", c.Entity, c.Operation))
		}
	}
	var b strings.Builder
	for _, f := range ValidFeatures {
		if items := byFeature[f]; len(items) > 0 {
			fmt.Fprintf(&b, "  - %s: %s missing\n", f, strings.Join(items, ", "))
		}
	}
	return b.String()
}

// missingFor reports whether a check that feature needs failed.
func (v *Verification) missingFor(feature string) bool {
	for _, c := range v.Missing() {
		if slices.Contains(c.Features, feature) {
			return true
		}
	}
	return false
}

// requirement is one permission a feature needs.
type requirement struct {
	entity   string
	op       string
	features []string
	// probe runs a one-record query to confirm query access.
	probe bool
}

// requirements is the complete list, in the order checks are reported.
// ContractServiceAdjustments cannot be queried (ref §9): only its
// entityInformation is read.
var requirements = []requirement{
	{autotask.EntityCompanies, CheckOpQuery, []string{FeatureBilling, FeatureTicketing}, true},
	{autotask.EntityTickets, CheckOpQuery, []string{FeatureTicketing}, true},
	{autotask.EntityTickets, CheckOpCreate, []string{FeatureTicketing}, false},
	{autotask.EntityTickets, CheckOpUpdate, []string{FeatureTicketing}, false},
	{autotask.EntityTickets, CheckOpPicklists, []string{FeatureTicketing}, false},
	{autotask.EntityContracts, CheckOpQuery, []string{FeatureBilling}, true},
	{autotask.EntityContracts, CheckOpUpdate, []string{FeatureBilling}, false},
	{autotask.EntityContractServices, CheckOpQuery, []string{FeatureBilling}, true},
	{autotask.EntityContractServiceUnits, CheckOpQuery, []string{FeatureBilling}, true},
	{autotask.EntityServices, CheckOpQuery, []string{FeatureBilling}, true},
	{autotask.EntityContractServiceAdjustments, CheckOpCreate, []string{FeatureBilling}, false},
	// Billing claims are contract notes (integration/claims).
	{autotask.EntityContractNotes, CheckOpQuery, []string{FeatureBilling}, true},
	{autotask.EntityContractNotes, CheckOpCreate, []string{FeatureBilling}, false},
	{autotask.EntityContractNotes, CheckOpUpdate, []string{FeatureBilling}, false},
}

// NormalizeFeatures validates, de-duplicates and sorts features.
func NormalizeFeatures(features []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, f := range features {
		if !slices.Contains(ValidFeatures, f) {
			return nil, fmt.Errorf("%q is not a feature of the integration; valid features are %q (push unit counts to "+
				"Recurring Service contracts) and %q (create and update tickets)", f, FeatureBilling, FeatureTicketing)
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no feature chosen; choose %q, %q or both", FeatureBilling, FeatureTicketing)
	}
	sort.Strings(out)
	return out, nil
}

// VerifyPermissions checks, in one pass, that the Autotask API user can do
// everything the chosen features need: zone discovery, authentication, then
// every entity operation (never stopping at the first missing permission).
// The result is cached for the run per feature set. A non-nil error means the
// verification could not be completed (Autotask unreachable, rate limited...):
// missing permissions and rejected credentials are reported in the
// Verification, not as errors.
func (s *Access) VerifyPermissions(ctx context.Context, features []string) (*Verification, error) {
	at, err := s.run.Autotask()
	if err != nil {
		return nil, err
	}
	fs, err := NormalizeFeatures(features)
	if err != nil {
		return nil, err
	}
	return run.Cached(ctx, s.run, permissionsKeyPrefix+strings.Join(fs, ","), func(ctx context.Context) (*Verification, error) {
		v, err := verify(ctx, at, s.run.Username(), fs)
		if v != nil {
			v.verifiedAt = time.Now()
			if v.credentialErr != nil {
				// The connection shows the rejected credentials as its
				// failed check: every other resource stays quiet about
				// them (run/failures.go).
				s.run.MarkReported(v.credentialErr)
			}
		}
		return v, err
	})
}

// verifyReuseWindow is how old a passed verification of this run may be and
// still count as checked "at apply". Terraform plans each resource again just
// before applying it, so the connection's Create finds the checks its own
// re-plan ran moments earlier; reusing them saves a dozen requests of the
// database's shared hourly budget on every apply.
const verifyReuseWindow = 30 * time.Second

// permissionsKeyPrefix namespaces cached verifications.
const permissionsKeyPrefix = "autotask/permissions/"

// RetryPolicy says how VerifyPermissionsRetry waits while Autotask is slow or
// unreachable. Zero values take the defaults.
type RetryPolicy struct {
	// Initial is the first wait (default 2s); each further wait doubles.
	Initial time.Duration
	// Max caps one wait (default 30s).
	Max time.Duration
	// Sleep waits d or until ctx ends (returning ctx.Err()). Tests inject it.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Initial <= 0 {
		p.Initial = 2 * time.Second
	}
	if p.Max <= 0 {
		p.Max = 30 * time.Second
	}
	if p.Sleep == nil {
		p.Sleep = run.Wait
	}
	return p
}

// VerifyPermissionsRetry drops any verification cached by this run and
// verifies again (apply time must see Autotask as it is now). While Autotask
// is unreachable, slow or rate limited it retries with backoff until ctx ends
// (the resource's timeout), then returns the last error.
func (s *Access) VerifyPermissionsRetry(ctx context.Context, features []string, p RetryPolicy) (*Verification, error) {
	p = p.withDefaults()
	wait := p.Initial
	if fs, err := NormalizeFeatures(features); err == nil {
		if v, ok := run.Peek[*Verification](s.run, permissionsKeyPrefix+strings.Join(fs, ",")); ok && v != nil && v.Passed() &&
			time.Since(v.verifiedAt) < verifyReuseWindow {
			return v, nil
		}
	}
	for attempt := 1; ; attempt++ {
		s.run.Invalidate(permissionsKeyPrefix)
		v, err := s.VerifyPermissions(ctx, features)
		if err == nil || !IsTransient(err) {
			return v, err
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("verifying the Autotask connection did not finish in time after %d attempt(s): %w", attempt, err)
		}
		if serr := p.Sleep(ctx, wait); serr != nil {
			return nil, fmt.Errorf("verifying the Autotask connection did not finish in time after %d attempt(s); "+
				"Autotask kept failing with: %w", attempt, err)
		}
		wait = min(wait*2, p.Max)
	}
}

// IsTransient reports whether err may go away by itself: Autotask could not
// be reached, answered with a server error, or refused the request for rate
// or thread limits. Credential, permission and business-rule errors are not
// transient.
func IsTransient(err error) bool {
	var (
		perm  *autotask.PermissionError
		auth  *autotask.AuthenticationError
		code  *autotask.InvalidIntegrationCodeError
		zone  *autotask.ZoneNotFoundError
		rule  *autotask.BusinessRuleError
		rate  *autotask.RateLimitError
		th    *autotask.ThreadLimitError
		tr    *autotask.TransportError
		apiEr *autotask.APIError
	)
	switch {
	case err == nil:
		return false
	case errors.As(err, &perm), errors.As(err, &auth), errors.As(err, &code), errors.As(err, &zone), errors.As(err, &rule):
		return false
	case errors.As(err, &rate), errors.As(err, &th), errors.As(err, &tr):
		return true
	case errors.As(err, &apiEr):
		return apiEr.StatusCode >= 500 || apiEr.StatusCode == http.StatusRequestTimeout
	}
	return false
}

// verify runs every check for features (sorted, valid).
func verify(ctx context.Context, at *autotask.Client, username string, features []string) (*Verification, error) {
	v := &Verification{Username: username, Features: features}

	zone, err := at.Zone(ctx)
	if err != nil {
		var unknown *autotask.ZoneNotFoundError
		if errors.As(err, &unknown) {
			v.Checks = append(v.Checks, Check{Name: "zone discovery", Operation: CheckOpZone, Message: unknown.Error()})
			v.credentialSummary, v.credentialErr = "Unknown Autotask API user", err
			return v, nil
		}
		return nil, fmt.Errorf("Autotask zone discovery failed: %w", err)
	}
	v.Zone = zone
	zoneMsg := "found zone " + zone.ZoneName + " (" + zone.URL + ")"
	if zone.ZoneName == "" {
		zoneMsg = "zone URL configured: " + zone.URL + " (no discovery made)"
	}
	v.Checks = append(v.Checks, Check{Name: "zone discovery", Operation: CheckOpZone, Passed: true, Message: zoneMsg})

	if _, err := at.ThresholdInformation(ctx); err != nil {
		var (
			auth *autotask.AuthenticationError
			code *autotask.InvalidIntegrationCodeError
		)
		switch {
		case errors.As(err, &auth):
			v.credentialSummary, v.credentialErr = "Autotask rejected the API credentials", err
			v.Checks = append(v.Checks, Check{Name: "authentication", Operation: CheckOpAuthenticate,
				Message: credentialText(auth.Error())})
			return v, nil
		case errors.As(err, &code):
			v.credentialSummary, v.credentialErr = "Invalid Autotask API Tracking Identifier", err
			v.Checks = append(v.Checks, Check{Name: "authentication", Operation: CheckOpAuthenticate, Message: code.Error()})
			return v, nil
		}
		return nil, fmt.Errorf("Autotask authentication check (ThresholdInformation) failed: %w", err)
	}
	v.Checks = append(v.Checks, Check{Name: "authentication", Operation: CheckOpAuthenticate, Passed: true,
		Message: "username, secret and API Tracking Identifier accepted"})

	var reqs []requirement
	for _, r := range requirements {
		var fs []string
		for _, f := range r.features {
			if slices.Contains(features, f) {
				fs = append(fs, f)
			}
		}
		if len(fs) > 0 {
			r.features = fs
			reqs = append(reqs, r)
		}
	}
	results := make([]Check, len(reqs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(verifyParallelism)
	for i, r := range reqs {
		g.Go(func() error {
			c, err := checkRequirement(gctx, at, r)
			if err != nil {
				return err
			}
			results[i] = c
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	v.Checks = append(v.Checks, results...)
	return v, nil
}

// credentialText drops the HTTP path from a 401 explanation, so that the text
// stored in state is the same whichever call was refused.
func credentialText(msg string) string {
	if i := strings.Index(msg, " (HTTP 401"); i >= 0 {
		if j := strings.Index(msg[i:], ")."); j >= 0 {
			return msg[:i] + msg[i+j+1:]
		}
	}
	return msg
}

// checkRequirement runs one entity check. A missing permission is a failed
// Check; any other failure is returned as an error.
func checkRequirement(ctx context.Context, at *autotask.Client, r requirement) (Check, error) {
	c := Check{Name: r.entity + " " + r.op, Features: r.features, Entity: r.entity, Operation: r.op}
	if r.op == CheckOpPicklists {
		return checkPicklistFields(ctx, at, c)
	}
	info, err := at.EntityInformation(ctx, r.entity)
	if err != nil {
		var perm *autotask.PermissionError
		if errors.As(err, &perm) {
			c.Message = "denied: " + autotaskSaid(perm)
			return c, nil
		}
		return Check{}, fmt.Errorf("reading %s entityInformation: %w", r.entity, err)
	}
	var access autotask.Access
	switch r.op {
	case CheckOpQuery:
		access = info.UserAccessForQuery
	case CheckOpCreate:
		access = info.UserAccessForCreate
	case CheckOpUpdate:
		access = info.UserAccessForUpdate
	}
	if access == autotask.AccessNone || (access == autotask.AccessRestricted && !RestrictedAccessPasses) {
		level := "no"
		if access == autotask.AccessRestricted {
			level = "only Restricted"
		}
		c.Message = fmt.Sprintf("denied: the API user's security level gives %s access to %s %s", level, r.op, r.entity)
		return c, nil
	}
	if r.probe {
		if err := probeQuery(ctx, at, r.entity); err != nil {
			var perm *autotask.PermissionError
			if errors.As(err, &perm) {
				c.Message = "denied: a one-record query was refused: " + autotaskSaid(perm)
				return c, nil
			}
			return Check{}, fmt.Errorf("probing %s with a one-record query: %w", r.entity, err)
		}
	}
	c.Passed = true
	c.Message = "allowed"
	if access == autotask.AccessRestricted {
		c.Restricted = true
		c.Message = fmt.Sprintf("allowed with Restricted access: Autotask may hide or refuse some %s records "+
			"(line of business or ownership rules of the security level)", r.entity)
	}
	return c, nil
}

// autotaskSaid quotes Autotask's own message of a permission error.
func autotaskSaid(perm *autotask.PermissionError) string {
	if perm.API != nil && len(perm.API.Messages) > 0 {
		return fmt.Sprintf("Autotask said %q", strings.Join(perm.API.Messages, "; "))
	}
	if perm.API != nil {
		return fmt.Sprintf("Autotask answered HTTP %d", perm.API.StatusCode)
	}
	return "Autotask refused the request"
}

// errProbeDone stops a probe after its first page.
var errProbeDone = errors.New("probe done")

// probeQuery asks for one record (MaxRecords 1, id gte 0) and does not page.
func probeQuery(ctx context.Context, at *autotask.Client, entity string) error {
	err := autotask.QueryPages(ctx, at, entity, autotask.QuerySpec{
		Filter:        []autotask.Filter{autotask.Gte("id", 0)},
		IncludeFields: []string{"id"},
		MaxRecords:    1,
	}, func([]struct {
		ID int64 `json:"id"`
	}) error {
		return errProbeDone
	})
	if errors.Is(err, errProbeDone) {
		return nil
	}
	return err
}

// checkPicklistFields verifies that the Tickets field metadata with the
// queue, status and priority picklists can be read.
func checkPicklistFields(ctx context.Context, at *autotask.Client, c Check) (Check, error) {
	fields, err := at.Fields(ctx, autotask.EntityTickets)
	if err != nil {
		var perm *autotask.PermissionError
		if errors.As(err, &perm) {
			c.Message = "denied: " + autotaskSaid(perm)
			return c, nil
		}
		return Check{}, fmt.Errorf("reading Tickets entityInformation/fields: %w", err)
	}
	var missing []string
	for _, k := range catalog.PicklistKinds {
		if f, ok := autotask.FindField(fields, k.Field()); !ok || !f.IsPickList {
			missing = append(missing, k.Field())
		}
	}
	if len(missing) > 0 {
		c.Message = "the Tickets field metadata has no picklist for " + strings.Join(missing, ", ")
		return c, nil
	}
	c.Passed = true
	c.Message = "queue, status and priority picklists readable"
	return c, nil
}
