package petrasim

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Wire formats (petra-api.md §A2): date-times with milliseconds and a Z,
// plain dates for the usage report.
const (
	dateTimeLayout = "2006-01-02T15:04:05.000Z"
	dateLayout     = "2006-01-02"
)

// RetryAfterHeader is the header petra-mcp reads on a 429 (ref §A1; the name
// is not confirmed in Petra's docs: INFERRED). The emulator also sends the
// standard Retry-After.
const RetryAfterHeader = "Retry-After-public-api"

// ListOnlyBillableUsers makes /v1/billable-users list just the billable users
// (licensed with a paid SKU, not deleted). INFERRED (ref §A2, §A5): the docs
// describe how a user "counts as billable" but not whether others are listed.
const ListOnlyBillableUsers = true

// writeError emits Petra's ErrorResponse. The schema's fields were not
// retrieved; {"error","message"} is INFERRED (ref §A1).
func writeError(w http.ResponseWriter, status int, errText, msg string) {
	writeJSON(w, status, map[string]string{"error": errText, "message": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// guard applies method, User-Agent, authentication and rate-limit checks in
// that order before h runs.
func (s *Server) guard(route string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			writeError(w, http.StatusMethodNotAllowed, "Method Not Allowed", route+" only supports GET")
			return
		}
		// INFERRED (ref §A1): Petra answers 403 without a User-Agent
		// (petra-mcp); checked before the key, like an edge filter would.
		if strings.TrimSpace(r.UserAgent()) == "" {
			writeError(w, http.StatusForbidden, "Forbidden", "Requests must send a User-Agent header")
			return
		}
		key, ok := s.authenticate(r)
		if !ok {
			writeError(w, http.StatusUnauthorized, "Unauthorized", "Invalid or missing API key")
			return
		}
		allowed, wait := s.limiter.allow(route, key, s.clock.Now())
		if !allowed {
			secs := strconv.Itoa(int(math.Max(1, math.Ceil(wait.Seconds()))))
			w.Header().Set(RetryAfterHeader, secs)
			w.Header().Set("Retry-After", secs)
			writeError(w, http.StatusTooManyRequests, "Too Many Requests", "Rate limit exceeded for this route")
			return
		}
		h(w, r)
	})
}

// authenticate checks "Authorization: Bearer <key>" against the fixture keys.
func (s *Server) authenticate(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	key := strings.TrimSpace(h[len(prefix):])
	match := 0
	for _, k := range s.keys {
		match |= subtle.ConstantTimeCompare([]byte(k), []byte(key))
	}
	return key, match == 1
}

type tenantJSON struct {
	PetraTenantID     string `json:"petraTenantId"`
	Name              string `json:"name"`
	MicrosoftTenantID string `json:"microsoftTenantId"`
	IsPaused          bool   `json:"isPaused"`
	OnboardingDate    string `json:"onboardingDate"`
}

func (s *Server) handleTenants(w http.ResponseWriter, _ *http.Request) {
	ts := s.visibleTenants()
	out := make([]tenantJSON, 0, len(ts))
	for _, t := range ts {
		out = append(out, tenantJSON{
			PetraTenantID:     t.PetraTenantID,
			Name:              t.Name,
			MicrosoftTenantID: t.MicrosoftTenantID,
			IsPaused:          t.IsPaused,
			OnboardingDate:    t.onboarding.Format(dateTimeLayout),
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"totalTenants": len(out), "tenants": out})
}

type usageTenantJSON struct {
	PetraTenantID                string  `json:"petraTenantId"`
	MicrosoftTenantID            string  `json:"microsoftTenantId"`
	OnboardingDate               string  `json:"onboardingDate"`
	DisplayName                  string  `json:"displayName"`
	Service                      string  `json:"service"`
	IsPaused                     bool    `json:"isPaused"`
	FirstBillableDate            *string `json:"firstBillableDate"`
	BillableStatus               string  `json:"billableStatus"`
	TotalLicensedUsers           int     `json:"totalLicensedUsers"`
	BillableUsersThisMonth       int     `json:"billableUsersThisMonth"`
	ProratingPercentageThisMonth float64 `json:"proratingPercentageThisMonth"`
}

type usageJSON struct {
	AsOf              string            `json:"asOf"`
	ReportGeneratedAt string            `json:"reportGeneratedAt"`
	OrganizationName  string            `json:"organizationName"`
	TotalTenants      int               `json:"totalTenants"`
	Tenants           []usageTenantJSON `json:"tenants"`
}

func (s *Server) handleUsage(w http.ResponseWriter, r *http.Request) {
	asOf := s.clock.Today()
	if v := r.URL.Query().Get("asOf"); v != "" {
		d, err := time.Parse(dateLayout, v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "Bad Request", fmt.Sprintf("asOf %q is not a date; use YYYY-MM-DD", v))
			return
		}
		asOf = d
	}
	out := usageJSON{
		AsOf:              asOf.Format(dateLayout),
		ReportGeneratedAt: s.clock.Now().Format(dateTimeLayout),
		OrganizationName:  s.org,
		Tenants:           []usageTenantJSON{},
	}
	for _, t := range s.visibleTenants() {
		// INFERRED (ref §A2): a tenant onboarded after asOf did not exist then.
		if t.onboarding.After(asOf) {
			continue
		}
		u := usageTenantJSON{
			PetraTenantID:                t.PetraTenantID,
			MicrosoftTenantID:            t.MicrosoftTenantID,
			OnboardingDate:               t.onboarding.Format(dateLayout),
			DisplayName:                  t.Name,
			Service:                      t.Service,
			IsPaused:                     t.IsPaused,
			BillableStatus:               t.BillableStatus,
			TotalLicensedUsers:           t.TotalLicensedUsers,
			BillableUsersThisMonth:       t.BillableUsersThisMonth,
			ProratingPercentageThisMonth: t.ProratingPercentageThisMonth,
		}
		if !t.firstBillable.IsZero() {
			d := t.firstBillable.Format(dateLayout)
			u.FirstBillableDate = &d
		}
		// Paused tenants are excluded from billing (ref §A5).
		if t.IsPaused {
			u.BillableUsersThisMonth = 0
			u.ProratingPercentageThisMonth = 0
		}
		out.Tenants = append(out.Tenants, u)
	}
	out.TotalTenants = len(out.Tenants)
	writeJSON(w, http.StatusOK, out)
}

type billableUsersJSON struct {
	TenantID                        string     `json:"tenantId"`
	TenantDisplayName               string     `json:"tenantDisplayName"`
	MicrosoftTenantID               string     `json:"microsoftTenantId"`
	ReportGeneratedAt               string     `json:"reportGeneratedAt"`
	TotalBillableUsers              int        `json:"totalBillableUsers"`
	ProjectedBillableUnitsThisMonth int        `json:"projectedBillableUnitsThisMonth"`
	Users                           []userJSON `json:"users"`
}

type userJSON struct {
	ID                    string   `json:"id"`
	DisplayName           string   `json:"displayName"`
	UserPrincipalName     string   `json:"userPrincipalName"`
	Mail                  string   `json:"mail"`
	AccountEnabled        bool     `json:"accountEnabled"`
	AssignedLicenseSkuIDs []string `json:"assignedLicenseSkuIds"`
}

func (s *Server) handleBillableUsers(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("tenantId")
	if id == "" {
		writeError(w, http.StatusBadRequest, "Bad Request", "Query parameter tenantId is required (a Petra tenant id from GET /v1/tenants)")
		return
	}
	t := s.lookup(id)
	if t == nil {
		writeError(w, http.StatusNotFound, "Not Found", fmt.Sprintf("Tenant %s not found", id))
		return
	}
	out := billableUsersJSON{
		TenantID:                        t.PetraTenantID,
		TenantDisplayName:               t.Name,
		MicrosoftTenantID:               t.MicrosoftTenantID,
		ReportGeneratedAt:               s.clock.Now().Format(dateTimeLayout),
		ProjectedBillableUnitsThisMonth: t.ProjectedBillableUnitsThisMonth,
		Users:                           []userJSON{},
	}
	// Paused tenants have no billable users and no units (ref §A5). Listing
	// only billable users is INFERRED (ref §A2: "a user counts as billable
	// when ...").
	if t.IsPaused {
		out.ProjectedBillableUnitsThisMonth = 0
	} else {
		for _, u := range t.users {
			if u.Deleted || (ListOnlyBillableUsers && !isBillable(u)) {
				continue
			}
			skus := u.AssignedLicenseSkuIDs
			if skus == nil {
				skus = []string{}
			}
			out.Users = append(out.Users, userJSON{
				ID: u.ID, DisplayName: u.DisplayName, UserPrincipalName: u.UserPrincipalName,
				Mail: u.Mail, AccountEnabled: u.AccountEnabled, AssignedLicenseSkuIDs: skus,
			})
		}
	}
	for _, u := range out.Users {
		if isBillable(User{AssignedLicenseSkuIDs: u.AssignedLicenseSkuIDs}) {
			out.TotalBillableUsers++
		}
	}
	writeJSON(w, http.StatusOK, out)
}
