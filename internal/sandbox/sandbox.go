// Package sandbox composes the local emulators of Autotask's REST API
// (autotasksim) and Petra's public API (petrasim) behind one HTTP handler,
// adds fault injection, latency, random throttling and a request log in front
// of them, and exposes an admin API under /_sandbox to control all of it.
// Users run it with `make sandbox`; tests run it in-process through
// sandboxtest.Start.
package sandbox

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/autotasksim"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/petrasim"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/simtime"
)

// Options configure a Sandbox.
type Options struct {
	// Fixture is the initial data; nil selects BaseFixture().
	Fixture *Fixture
	// Latency is added to every API request (not to admin requests).
	Latency time.Duration
	// Logger, when set, receives one line per API request (never headers,
	// secrets or keys).
	Logger io.Writer
	// Autotask tunes the Autotask emulator; its Clock is always the
	// sandbox's clock. Fixture "settings" override these values.
	Autotask autotasksim.Config
	// RequestLogLimit caps the in-memory request log (default 10000).
	RequestLogLimit int
}

// Credentials are the demo values a user or test passes to the provider:
// the full-access Autotask API user and the first Petra API key.
type Credentials struct {
	Username        string `json:"userName"`
	Secret          string `json:"secret"`
	IntegrationCode string `json:"integrationCode"`
	PetraAPIKey     string `json:"petraApiKey"`
}

// Sandbox is a running composition of both emulators. It is safe for
// concurrent use.
type Sandbox struct {
	clock       *simtime.Settable
	autotask    *autotasksim.Server
	petra       *petrasim.Server
	usersMu     sync.Mutex
	users       []autotasksim.APIUser
	petraKeys   []string
	creds       Credentials
	baseLatency time.Duration
	ctl         *controls
	late        *lateCommits
	log         *requestLog
	redactor    atomic.Pointer[strings.Replacer]
}

// New builds a sandbox from opts. Errors name the fixture problem.
func New(opts Options) (*Sandbox, error) {
	fx := opts.Fixture
	if fx == nil {
		fx = BaseFixture()
	}
	if opts.Latency < 0 {
		return nil, fmt.Errorf("sandbox: Latency must not be negative")
	}
	clock := simtime.NewSettable()
	if st := fx.Autotask.Settings; st != nil && st.TimeZone != nil && *st.TimeZone != "" {
		// The database's calendar decides "today", also for the fixture's
		// relative dates (the emulator validates the name again).
		if loc, err := time.LoadLocation(*st.TimeZone); err == nil {
			clock.SetLocation(loc)
		}
	}
	pinned, err := fx.today()
	if err != nil {
		return nil, fmt.Errorf("sandbox fixture: %w", err)
	}
	if !pinned.IsZero() {
		clock.SetToday(pinned)
	}
	cfg := opts.Autotask
	cfg.Clock = clock
	at, err := autotasksim.New(cfg, &fx.Autotask, clock.Today())
	if err != nil {
		return nil, fmt.Errorf("sandbox fixture (autotask): %w (see %s)", err, fixtureDoc)
	}
	pt, err := petrasim.New(clock, &fx.Petra)
	if err != nil {
		return nil, fmt.Errorf("sandbox fixture: %w (see %s)", err, fixtureDoc)
	}
	s := &Sandbox{
		clock:       clock,
		autotask:    at,
		petra:       pt,
		users:       append([]autotasksim.APIUser(nil), fx.Autotask.APIUsers...),
		baseLatency: opts.Latency,
		ctl:         newControls(),
		late:        newLateCommits(),
		log:         newRequestLog(opts.RequestLogLimit, opts.Logger),
	}
	s.creds = demoCredentials(fx)
	s.petraKeys = append([]string(nil), fx.Petra.APIKeys...)
	s.redactor.Store(buildRedactor(s.users, s.petraKeys))
	return s, nil
}

// isFullUser reports whether u is an active "API User (system)".
func isFullUser(u autotasksim.APIUser) bool {
	active := u.Active == nil || *u.Active
	level := u.SecurityLevel
	return active && (level == "" || level == autotasksim.SecurityLevelAPISystem)
}

// demoCredentials picks the first active full-access API user and the first
// Petra key.
func demoCredentials(fx *Fixture) Credentials {
	var c Credentials
	for _, u := range fx.Autotask.APIUsers {
		if isFullUser(u) {
			c.Username, c.Secret, c.IntegrationCode = u.UserName, u.Secret, u.IntegrationCode
			break
		}
	}
	if len(fx.Petra.APIKeys) > 0 {
		c.PetraAPIKey = fx.Petra.APIKeys[0]
	}
	return c
}

// buildRedactor replaces every Autotask secret and Petra key with a marker,
// so that nothing a client echoes into a body or query string reaches the
// log.
func buildRedactor(users []autotasksim.APIUser, keys []string) *strings.Replacer {
	var pairs []string
	for _, u := range users {
		if u.Secret != "" {
			pairs = append(pairs, u.Secret, "[REDACTED]")
		}
	}
	for _, k := range keys {
		if k != "" {
			pairs = append(pairs, k, "[REDACTED]")
		}
	}
	return strings.NewReplacer(pairs...)
}

func (s *Sandbox) redact(v string) string {
	if v == "" {
		return v
	}
	return s.redactor.Load().Replace(v)
}

// Credentials returns the demo credentials (full-access Autotask user, first
// Petra key). Fields are empty when the fixture has no such user or key.
func (s *Sandbox) Credentials() Credentials { return s.creds }

// SetAutotaskRequestDelay makes every authenticated Autotask request wait d
// while it holds its thread slot (as a real database's processing time
// does), from the next request on; 0 removes the delay. Unlike the admin
// API's latency rules, which delay a request before it reaches the emulator,
// this delay counts against the thread limit.
func (s *Sandbox) SetAutotaskRequestDelay(d time.Duration) { s.autotask.SetRequestDelay(d) }

// Today is the sandbox's current business date.
func (s *Sandbox) Today() time.Time { return s.clock.Today() }

// Handler routes /_sandbox/... to the admin API, /petra/... to the Petra
// emulator (prefix stripped) and everything else to the Autotask emulator.
func (s *Sandbox) Handler() http.Handler {
	admin := s.adminHandler()
	petra := s.wrapAPI(apiPetra, stripPetraPrefix(s.petra.Handler()))
	autotask := s.wrapAPI(apiAutotask, s.autotask.Handler())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case p == AdminPrefix || strings.HasPrefix(p, AdminPrefix+"/"):
			admin.ServeHTTP(w, r)
		case p == PetraPrefix || strings.HasPrefix(p, PetraPrefix+"/"):
			petra.ServeHTTP(w, r)
		default:
			autotask.ServeHTTP(w, r)
		}
	})
}

// stripPetraPrefix mounts the Petra handler under PetraPrefix; "/petra"
// itself maps to "/" so it gets Petra's JSON 404 rather than a redirect.
func stripPetraPrefix(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		r2.URL.Path = strings.TrimPrefix(r.URL.Path, PetraPrefix)
		if r2.URL.Path == "" {
			r2.URL.Path = "/"
		}
		r2.URL.RawPath = ""
		h.ServeHTTP(w, r2)
	})
}
