package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/petrasim"
)

// Info describes a running sandbox (GET /_sandbox/info).
type Info struct {
	Endpoints
	// Today is the sandbox's business date (YYYY-MM-DD).
	Today string `json:"today"`
	// Users lists the fixture's Autotask API users. Only the demo user (the
	// first active "API User (system)") carries its secret.
	Users []UserInfo `json:"users"`
	// PetraAPIKey is the demo Petra key.
	PetraAPIKey string `json:"petraApiKey,omitempty"`
}

// UserInfo is one Autotask API user as GET /_sandbox/info shows it.
type UserInfo struct {
	UserName        string `json:"userName"`
	IntegrationCode string `json:"integrationCode"`
	SecurityLevel   string `json:"securityLevel"`
	Active          bool   `json:"active"`
	// Demo marks the full-access demo user; only it carries Secret.
	Demo   bool   `json:"demo,omitempty"`
	Secret string `json:"secret,omitempty"`
}

// ClockState is the answer of GET/POST /_sandbox/clock.
type ClockState struct {
	// Today is the Autotask database's date ("YYYY-MM-DD", in its time zone).
	Today string `json:"today"`
	// Now is the clock's instant (RFC 3339, UTC). It keeps running.
	Now string `json:"now,omitempty"`
	// TimeZone is the database's time zone (set with POST
	// /_sandbox/autotask/settings).
	TimeZone string `json:"timeZone,omitempty"`
	// Pinned reports whether Today is pinned.
	Pinned bool `json:"pinned"`
}

// ClockRequest is the body of POST /_sandbox/clock: either "today" (pin the
// date, at noon in the database's time zone; "" follows the wall clock
// again) or "now" (an RFC 3339 instant the clock reads from now on; the date
// then follows it in the database's time zone).
type ClockRequest struct {
	Today *string `json:"today,omitempty"`
	Now   string  `json:"now,omitempty"`
	// Pinned is accepted and ignored (so a ClockState can be posted back).
	Pinned *bool `json:"pinned,omitempty"`
}

// PetraTenantsRequest is the body of POST /_sandbox/petra/tenants.
type PetraTenantsRequest struct {
	Tenants []petrasim.Tenant `json:"tenants"`
	// Replace drops every existing tenant first.
	Replace bool `json:"replace,omitempty"`
}

// PetraRateLimitRequest is the body of POST /_sandbox/petra/rate-limit.
type PetraRateLimitRequest struct {
	PerMinute int `json:"perMinute"`
	// Route, when set ("/v1/billable-users"), limits that route only;
	// otherwise every route gets PerMinute.
	Route string `json:"route,omitempty"`
}

// PetraRateLimits is the answer of GET and POST /_sandbox/petra/rate-limit:
// each route's limit per rolling minute, per API key.
type PetraRateLimits struct {
	PerMinute map[string]int `json:"perMinute"`
}

// adminRoutes is listed in the 404 answer so a typo is easy to fix.
var adminRoutes = []string{
	"GET /_sandbox/info",
	"GET|POST|DELETE /_sandbox/faults",
	"POST /_sandbox/faults/release",
	"GET|POST|DELETE /_sandbox/latency",
	"GET|POST|DELETE /_sandbox/throttle",
	"GET|DELETE /_sandbox/requests[?since=SEQ]",
	"GET /_sandbox/stats",
	"POST /_sandbox/stats/reset",
	"GET|POST /_sandbox/clock",
	"POST /_sandbox/petra/tenants",
	"GET|POST /_sandbox/petra/rate-limit",
	"GET|POST /_sandbox/autotask/settings",
	"GET|POST /_sandbox/autotask/posted-periods",
	"GET /_sandbox/autotask/billing-items[?contractServiceID=ID]",
	"POST /_sandbox/autotask/users",
}

func writeAdminJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func adminError(w http.ResponseWriter, status int, format string, args ...any) {
	writeAdminJSON(w, status, map[string]string{"error": fmt.Sprintf(format, args...)})
}

// decodeAdmin strictly decodes a JSON request body into v.
func decodeAdmin(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, 4<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			adminError(w, http.StatusBadRequest, "%s %s needs a JSON body", r.Method, r.URL.Path)
		} else {
			adminError(w, http.StatusBadRequest, "%s %s: invalid JSON body: %v", r.Method, r.URL.Path, err)
		}
		return false
	}
	return true
}

// requestBaseURL reconstructs the URL the client used to reach the sandbox.
func requestBaseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
		scheme = p
	}
	return scheme + "://" + r.Host
}

func (s *Sandbox) info(base string) Info {
	in := Info{Endpoints: EndpointsFor(base), Today: s.clock.Today().Format("2006-01-02"), PetraAPIKey: s.creds.PetraAPIKey, Users: []UserInfo{}}
	demoTaken := false
	s.usersMu.Lock()
	defer s.usersMu.Unlock()
	for _, u := range s.users {
		ui := UserInfo{UserName: u.UserName, IntegrationCode: u.IntegrationCode, SecurityLevel: u.SecurityLevel, Active: u.Active == nil || *u.Active}
		if !demoTaken && isFullUser(u) {
			ui.Demo, ui.Secret, demoTaken = true, u.Secret, true
		}
		in.Users = append(in.Users, ui)
	}
	return in
}

func (s *Sandbox) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_sandbox/info", func(w http.ResponseWriter, r *http.Request) {
		writeAdminJSON(w, http.StatusOK, s.info(requestBaseURL(r)))
	})

	mux.HandleFunc("GET /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		writeAdminJSON(w, http.StatusOK, map[string]any{"faults": s.ctl.listFaults(), "pendingCommits": s.late.count()})
	})
	mux.HandleFunc("POST /_sandbox/faults/release", func(w http.ResponseWriter, r *http.Request) {
		writeAdminJSON(w, http.StatusOK, map[string]int{"released": s.late.release()})
	})
	mux.HandleFunc("POST /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		var f FaultRule
		if !decodeAdmin(w, r, &f) {
			return
		}
		added, err := s.ctl.addFault(f)
		if err != nil {
			adminError(w, http.StatusBadRequest, "fault rule: %v", err)
			return
		}
		writeAdminJSON(w, http.StatusOK, added)
	})
	mux.HandleFunc("DELETE /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		s.ctl.clearFaults()
		w.WriteHeader(http.StatusNoContent)
	})

	mux.HandleFunc("GET /_sandbox/latency", func(w http.ResponseWriter, r *http.Request) {
		writeAdminJSON(w, http.StatusOK, map[string]any{"baseMs": s.baseLatency.Milliseconds(), "rules": s.ctl.listLatency()})
	})
	mux.HandleFunc("POST /_sandbox/latency", func(w http.ResponseWriter, r *http.Request) {
		var l LatencyRule
		if !decodeAdmin(w, r, &l) {
			return
		}
		if err := s.ctl.setLatency(l); err != nil {
			adminError(w, http.StatusBadRequest, "latency rule: %v", err)
			return
		}
		writeAdminJSON(w, http.StatusOK, map[string]any{"rules": s.ctl.listLatency()})
	})
	mux.HandleFunc("DELETE /_sandbox/latency", func(w http.ResponseWriter, r *http.Request) {
		s.ctl.clearLatency()
		w.WriteHeader(http.StatusNoContent)
	})

	mux.HandleFunc("GET /_sandbox/throttle", func(w http.ResponseWriter, r *http.Request) {
		writeAdminJSON(w, http.StatusOK, s.ctl.getThrottle())
	})
	mux.HandleFunc("POST /_sandbox/throttle", func(w http.ResponseWriter, r *http.Request) {
		var t ThrottleRule
		if !decodeAdmin(w, r, &t) {
			return
		}
		if err := s.ctl.setThrottle(t); err != nil {
			adminError(w, http.StatusBadRequest, "throttle: %v", err)
			return
		}
		writeAdminJSON(w, http.StatusOK, s.ctl.getThrottle())
	})
	mux.HandleFunc("DELETE /_sandbox/throttle", func(w http.ResponseWriter, r *http.Request) {
		_ = s.ctl.setThrottle(ThrottleRule{})
		w.WriteHeader(http.StatusNoContent)
	})

	mux.HandleFunc("GET /_sandbox/requests", func(w http.ResponseWriter, r *http.Request) {
		var since int64
		if v := r.URL.Query().Get("since"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				adminError(w, http.StatusBadRequest, "since=%q must be a request sequence number (0 or more)", v)
				return
			}
			since = n
		}
		writeAdminJSON(w, http.StatusOK, map[string]any{"requests": s.log.since(since)})
	})
	mux.HandleFunc("DELETE /_sandbox/requests", func(w http.ResponseWriter, r *http.Request) {
		s.log.clear()
		w.WriteHeader(http.StatusNoContent)
	})

	mux.HandleFunc("GET /_sandbox/stats", func(w http.ResponseWriter, r *http.Request) {
		st := s.log.snapshot()
		as := s.autotask.Stats()
		st.Autotask = AutotaskStats{MaxInFlight: map[string]int{}, ThreadRejections: as.ThreadRejections, ThresholdRejections: as.ThresholdRejections, RequestsInWindow: as.RequestsInWindow}
		for k, v := range as.MaxInFlight {
			st.Autotask.MaxInFlight[k] = v
		}
		writeAdminJSON(w, http.StatusOK, st)
	})
	mux.HandleFunc("POST /_sandbox/stats/reset", func(w http.ResponseWriter, r *http.Request) {
		s.log.resetStats()
		s.autotask.ResetStats()
		w.WriteHeader(http.StatusNoContent)
	})

	mux.HandleFunc("GET /_sandbox/clock", func(w http.ResponseWriter, r *http.Request) {
		writeAdminJSON(w, http.StatusOK, s.clockState())
	})
	mux.HandleFunc("POST /_sandbox/clock", func(w http.ResponseWriter, r *http.Request) {
		var c ClockRequest
		if !decodeAdmin(w, r, &c) {
			return
		}
		switch {
		case c.Now != "" && c.Today != nil && *c.Today != "":
			adminError(w, http.StatusBadRequest, `give either "today" or "now", not both`)
			return
		case c.Now != "":
			t, err := time.Parse(time.RFC3339, c.Now)
			if err != nil {
				adminError(w, http.StatusBadRequest, `"now" %q must be an RFC 3339 instant like "2026-11-30T20:00:00-05:00"`, c.Now)
				return
			}
			s.clock.SetNow(t)
		case c.Today == nil:
			adminError(w, http.StatusBadRequest, `give "today" ("2026-11-23", or "" to follow the wall clock) or "now" (RFC 3339)`)
			return
		case *c.Today == "":
			s.clock.SetToday(time.Time{})
		default:
			d, err := time.Parse("2006-01-02", *c.Today)
			if err != nil {
				adminError(w, http.StatusBadRequest, `"today" %q must be a date like "2026-11-23", or "" to follow the wall clock`, *c.Today)
				return
			}
			s.clock.SetToday(d)
		}
		writeAdminJSON(w, http.StatusOK, s.clockState())
	})

	mux.HandleFunc("POST /_sandbox/petra/tenants", func(w http.ResponseWriter, r *http.Request) {
		var req PetraTenantsRequest
		if !decodeAdmin(w, r, &req) {
			return
		}
		var err error
		if req.Replace {
			err = s.petra.SetTenants(req.Tenants)
		} else {
			err = s.petra.UpsertTenants(req.Tenants)
		}
		if err != nil {
			adminError(w, http.StatusBadRequest, "petra tenants (nothing changed): %v", err)
			return
		}
		writeAdminJSON(w, http.StatusOK, map[string]int{"tenants": s.petra.TenantCount()})
	})
	mux.HandleFunc("POST /_sandbox/petra/rate-limit", func(w http.ResponseWriter, r *http.Request) {
		var req PetraRateLimitRequest
		if !decodeAdmin(w, r, &req) {
			return
		}
		var err error
		if req.Route != "" {
			err = s.petra.SetRouteRateLimit(req.Route, req.PerMinute)
		} else {
			err = s.petra.SetRateLimit(req.PerMinute)
		}
		if err != nil {
			adminError(w, http.StatusBadRequest, `rate limit (nothing changed): %v`, err)
			return
		}
		writeAdminJSON(w, http.StatusOK, PetraRateLimits{PerMinute: s.petra.RateLimits()})
	})
	mux.HandleFunc("GET /_sandbox/petra/rate-limit", func(w http.ResponseWriter, _ *http.Request) {
		writeAdminJSON(w, http.StatusOK, PetraRateLimits{PerMinute: s.petra.RateLimits()})
	})

	s.autotaskAdmin(mux)

	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		adminError(w, http.StatusNotFound, "no admin route %s %s; available: %s", r.Method, r.URL.Path, strings.Join(adminRoutes, ", "))
	})
	return mux
}

func (s *Sandbox) clockState() ClockState {
	return ClockState{Today: s.clock.Today().Format("2006-01-02"), Now: s.clock.Now().Format(time.RFC3339Nano),
		TimeZone: s.clock.Location().String(), Pinned: s.clock.Pinned()}
}
