// Package acctest is the ground acceptance tests stand on: an in-process
// sandbox by default, or a real Autotask database when credentials are in the
// environment. Tests create their Autotask data through the Autotask API with
// the helpers here, exactly as they would against a real tenant; they never
// reach into the sandbox's memory.
//
// Real Autotask: set AUTOTASK_USERNAME, AUTOTASK_SECRET,
// AUTOTASK_INTEGRATION_CODE and PETRA_ACC_REAL_AUTOTASK=1 (optionally
// AUTOTASK_BASE_URL, AUTOTASK_ACC_OWNER_RESOURCE_ID and
// AUTOTASK_ACC_BILLING_CODE_ID for the records the tests create). Petra stays
// on the sandbox (Petra's API is read-only, so its test data cannot be created
// remotely). Tests that need fault injection call RequireSandbox.
package acctest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/petra"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/sandboxtest"
)

// EnvRealAutotask switches acceptance tests to a real Autotask database.
const EnvRealAutotask = "PETRA_ACC_REAL_AUTOTASK"

// Env is one acceptance test's world.
type Env struct {
	// Sandbox is the in-process emulator; it also serves Petra in real mode.
	Sandbox *sandboxtest.Instance
	// Real is true when Autotask is a real database.
	Real bool
	// AT is an Autotask client for setting up and inspecting test data.
	AT *autotask.Client
	// Petra is a Petra client on the sandbox.
	Petra *petra.Client
	// Today is the date the provider and Autotask agree is today: the
	// sandbox database's date (its time zone), or, against a real database,
	// the date in AUTOTASK_TIME_ZONE (UTC when unset).
	Today time.Time
	// TimeZone, when set, is written as the provider's time_zone (sandbox
	// mode; against a real database AUTOTASK_TIME_ZONE is used).
	TimeZone string
	// PetraPerMinute is the limit the Petra sandbox was given for every
	// route (Options.PetraPerMinute). In-process providers pace their Petra
	// client to it (provider Options.PetraRequestsPerMinute), as a client of
	// a server with raised limits would.
	PetraPerMinute int

	// clockAt is the instant (Unix ns) the sandbox clock was last set to:
	// the provider's test-only clock hook (Now) reads it, so the provider
	// and the sandbox agree on the instant, and so on today's date.
	clockAt atomic.Int64

	username, secret, integrationCode, baseURL, zoneLookupURL string
	ownerResourceID, billingCodeID                            int64
	databaseID                                                int64
}

var seq atomic.Int64

// Options tune New.
type Options struct {
	// Fixture replaces sandbox.BaseFixture (API users, Petra data, picklists).
	Fixture *sandbox.Fixture
	// PetraPerMinute is the Petra sandbox's limit of requests a minute per
	// route and key. 0 means roomyPetraPerMinute: an acceptance test starts a
	// provider process per Terraform command, and together they exceed
	// Petra's real limit of 10 (the provider then waits out Petra's 429 for up
	// to a minute, which tests nothing but time). Tests of Petra's limits set
	// it explicitly (Petra's are 1 for /v1/billable-users, 10 for the others).
	PetraPerMinute int
}

// roomyPetraPerMinute is the Petra limit acceptance tests run with unless
// they choose one.
const roomyPetraPerMinute = 1000

// New starts a sandbox for t and returns the environment. With
// PETRA_ACC_REAL_AUTOTASK=1 Autotask calls go to the real database named by
// the AUTOTASK_* variables instead.
func New(t testing.TB) *Env { return NewWithOptions(t, Options{}) }

// NewWithOptions is New with options.
func NewWithOptions(t testing.TB, opts Options) *Env {
	t.Helper()
	sb := sandboxtest.Start(t, opts.Fixture)
	e := &Env{Sandbox: sb, ownerResourceID: 29682885, billingCodeID: 29682801}
	ctx := context.Background()
	perMinute := opts.PetraPerMinute
	if perMinute == 0 {
		perMinute = roomyPetraPerMinute
	}
	if err := sb.Admin.SetPetraRateLimit(ctx, perMinute); err != nil {
		t.Fatalf("setting the Petra sandbox's rate limit: %v", err)
	}
	e.PetraPerMinute = perMinute
	if os.Getenv(EnvRealAutotask) == "1" {
		e.Real = true
		e.username = os.Getenv("AUTOTASK_USERNAME")
		e.secret = os.Getenv("AUTOTASK_SECRET")
		e.integrationCode = os.Getenv("AUTOTASK_INTEGRATION_CODE")
		e.baseURL = os.Getenv("AUTOTASK_BASE_URL")
		e.zoneLookupURL = os.Getenv("AUTOTASK_ZONE_LOOKUP_URL")
		if e.username == "" || e.secret == "" || e.integrationCode == "" {
			t.Fatalf("%s=1 needs AUTOTASK_USERNAME, AUTOTASK_SECRET and AUTOTASK_INTEGRATION_CODE", EnvRealAutotask)
		}
		if v := os.Getenv("AUTOTASK_ACC_OWNER_RESOURCE_ID"); v != "" {
			e.ownerResourceID = mustInt(t, v)
		}
		if v := os.Getenv("AUTOTASK_ACC_BILLING_CODE_ID"); v != "" {
			e.billingCodeID = mustInt(t, v)
		}
		loc := time.UTC
		if tz := os.Getenv("AUTOTASK_TIME_ZONE"); tz != "" {
			l, err := time.LoadLocation(tz)
			if err != nil {
				t.Fatalf("AUTOTASK_TIME_ZONE: %v", err)
			}
			loc = l
		}
		y, m, d := time.Now().In(loc).Date()
		e.Today = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		e.clockAt.Store(time.Date(y, m, d, 12, 0, 0, 0, loc).UnixNano())
	} else {
		e.username, e.secret, e.integrationCode = sb.Username, sb.Secret, sb.IntegrationCode
		e.zoneLookupURL = sb.ZoneLookupURL
		// Pin the sandbox's today so that a test running across midnight
		// still agrees with the provider's clock.
		st, err := sb.Admin.Clock(ctx)
		if err != nil {
			t.Fatalf("reading sandbox clock: %v", err)
		}
		today, err := time.Parse("2006-01-02", st.Today)
		if err != nil {
			t.Fatalf("sandbox clock %q: %v", st.Today, err)
		}
		// Pinning puts the clock at noon of that date in the database's
		// time zone; the provider's clock follows it (Now).
		pinned, err := sb.Admin.SetToday(ctx, st.Today)
		if err != nil {
			t.Fatalf("pinning sandbox clock: %v", err)
		}
		e.followClock(t, pinned)
		e.Today = today
	}
	at, err := autotask.New(autotask.Config{
		Username: e.username, Secret: e.secret, IntegrationCode: e.integrationCode,
		BaseURL: e.baseURL, ZoneLookupURL: e.zoneLookupURL, UserAgent: "terraform-provider-petra-acctest",
		RetryWaitMin: 50 * time.Millisecond, RetryWaitMax: time.Second,
	})
	if err != nil {
		t.Fatalf("autotask client: %v", err)
	}
	e.AT = at
	db, err := at.Database(ctx)
	if err != nil {
		t.Fatalf("looking up the Autotask database id: %v", err)
	}
	e.databaseID = db.CI
	// The tests' own Petra client is paced to the sandbox's raised limit, as
	// the in-process providers are (Petra's 1 a minute on billable-users
	// would make each test that reads it twice wait a minute).
	pt, err := petra.New(petra.Config{APIKey: sb.PetraKey, BaseURL: sb.PetraURL, UserAgent: "terraform-provider-petra-acctest",
		RequestsPerMinute: e.PetraPerMinute})
	if err != nil {
		t.Fatalf("petra client: %v", err)
	}
	e.Petra = pt
	return e
}

func mustInt(t testing.TB, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%q is not a number: %v", s, err)
	}
	return n
}

func midnight(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Now is the provider's clock for this environment. On the sandbox it is
// the instant the sandbox clock was set to (pinned at noon of the test's
// date, or moved by SetNow): held still, so that timestamps the provider
// records are exact in assertions, while the sandbox's own clock runs on
// from the same instant (hours away from the next midnight). Against a real
// database it is noon of Today in AUTOTASK_TIME_ZONE.
func (e *Env) Now() time.Time { return time.Unix(0, e.clockAt.Load()).UTC() }

// followClock makes Now follow the sandbox clock state st.
func (e *Env) followClock(t testing.TB, st sandbox.ClockState) {
	t.Helper()
	now, err := time.Parse(time.RFC3339Nano, st.Now)
	if err != nil {
		t.Fatalf("sandbox clock now %q: %v", st.Now, err)
	}
	e.clockAt.Store(now.UnixNano())
}

// SetNow moves the sandbox's clock (and with it the provider's) to instant;
// Today becomes the sandbox database's date then. Sandbox only.
func (e *Env) SetNow(t testing.TB, instant time.Time) {
	t.Helper()
	e.RequireSandbox(t)
	st, err := e.Sandbox.Admin.SetNow(context.Background(), instant)
	if err != nil {
		t.Fatalf("setting the sandbox clock: %v", err)
	}
	e.followClock(t, st)
	today, err := time.Parse(time.DateOnly, st.Today)
	if err != nil {
		t.Fatalf("sandbox today %q: %v", st.Today, err)
	}
	e.Today = today
}

// Date formats Today shifted by days as YYYY-MM-DD.
func (e *Env) Date(days int) string { return e.Today.AddDate(0, 0, days).Format("2006-01-02") }

// RequireSandbox stops a test that needs the sandbox's fault injection or
// request log when Autotask is real, saying so.
func (e *Env) RequireSandbox(t testing.TB) {
	t.Helper()
	if e.Real {
		t.Skip("needs the sandbox's admin API (faults, clock, request log, emulator settings), which a real " +
			"Autotask database does not have; skipped in real-database mode (PETRA_ACC_REAL_AUTOTASK=1)")
	}
}

// AutotaskEndpoints are the provider's autotask settings that say where the
// database is (zone_lookup_url, base_url) and its time_zone, as this
// environment resolved them: the sandbox's, or the AUTOTASK_* variables'
// against a real database. Only settings with a value are returned.
func (e *Env) AutotaskEndpoints() map[string]string {
	out := map[string]string{}
	for k, v := range map[string]string{"zone_lookup_url": e.zoneLookupURL, "base_url": e.baseURL, "time_zone": e.TimeZone} {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// Username is the Autotask API username the provider uses.
func (e *Env) Username() string { return e.username }

// DatabaseID is the id of the Autotask database (the zone lookup's ci).
func (e *Env) DatabaseID() int64 { return e.databaseID }

// ConnectionID is the petra_autotask_connection id of this environment's
// database, what every mapping's connection_id holds.
func (e *Env) ConnectionID() string { return strconv.FormatInt(e.databaseID, 10) }

// Secrets are the credential values that must never appear in logs, state or
// plans.
func (e *Env) Secrets() []string {
	return []string{e.secret, e.integrationCode, e.Sandbox.PetraKey}
}

// ProviderConfig is a provider block for this environment. Sandbox
// credentials are written literally (tests run in parallel, so they cannot
// share process-wide environment variables); against a real Autotask they
// come from the AUTOTASK_* variables. extra is added inside the block.
func (e *Env) ProviderConfig(extra ...string) string {
	var b strings.Builder
	b.WriteString("provider \"petra\" {\n")
	for _, x := range extra {
		b.WriteString("  " + x + "\n")
	}
	if !e.Real {
		tz := ""
		if e.TimeZone != "" {
			tz = fmt.Sprintf("    time_zone        = %q\n", e.TimeZone)
		}
		fmt.Fprintf(&b, "  autotask {\n    username         = %q\n    secret           = %q\n    integration_code = %q\n    zone_lookup_url  = %q\n%s  }\n",
			e.username, e.secret, e.integrationCode, e.zoneLookupURL, tz)
	}
	fmt.Fprintf(&b, "  petra {\n    api_key = %q\n    api_url = %q\n  }\n}\n", e.Sandbox.PetraKey, e.Sandbox.PetraURL)
	return b.String()
}

// Unique returns a name unique within the test binary, so records created
// against a real Autotask never collide.
func (e *Env) Unique(prefix string) string {
	return fmt.Sprintf("%s %d-%d", prefix, time.Now().Unix()%100000, seq.Add(1))
}
