package petra

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The wire types mirror Petra's JSON. They decode tolerantly: unknown fields
// are ignored, null means "absent", dates may be a date or a date-time, and
// whole numbers may arrive as 12, 12.0 or "12".

type wireTenants struct {
	TotalTenants flexInt      `json:"totalTenants"`
	Tenants      []wireTenant `json:"tenants"`
}

type wireTenant struct {
	PetraTenantID     string   `json:"petraTenantId"`
	Name              string   `json:"name"`
	MicrosoftTenantID string   `json:"microsoftTenantId"`
	IsPaused          bool     `json:"isPaused"`
	OnboardingDate    flexTime `json:"onboardingDate"`
}

type wireUsage struct {
	AsOf              flexTime          `json:"asOf"`
	ReportGeneratedAt flexTime          `json:"reportGeneratedAt"`
	OrganizationName  string            `json:"organizationName"`
	TotalTenants      flexInt           `json:"totalTenants"`
	Tenants           []wireUsageTenant `json:"tenants"`
}

type wireUsageTenant struct {
	PetraTenantID                string    `json:"petraTenantId"`
	MicrosoftTenantID            string    `json:"microsoftTenantId"`
	OnboardingDate               flexTime  `json:"onboardingDate"`
	DisplayName                  string    `json:"displayName"`
	Service                      string    `json:"service"`
	IsPaused                     bool      `json:"isPaused"`
	FirstBillableDate            flexTime  `json:"firstBillableDate"`
	BillableStatus               string    `json:"billableStatus"`
	TotalLicensedUsers           flexInt   `json:"totalLicensedUsers"`
	BillableUsersThisMonth       flexInt   `json:"billableUsersThisMonth"`
	ProratingPercentageThisMonth flexFloat `json:"proratingPercentageThisMonth"`
}

type wireBillableUsers struct {
	TenantID                        string             `json:"tenantId"`
	TenantDisplayName               string             `json:"tenantDisplayName"`
	MicrosoftTenantID               string             `json:"microsoftTenantId"`
	ReportGeneratedAt               flexTime           `json:"reportGeneratedAt"`
	TotalBillableUsers              flexInt            `json:"totalBillableUsers"`
	ProjectedBillableUnitsThisMonth *flexInt           `json:"projectedBillableUnitsThisMonth"`
	Users                           []wireBillableUser `json:"users"`
}

type wireBillableUser struct {
	ID                    string   `json:"id"`
	DisplayName           string   `json:"displayName"`
	UserPrincipalName     string   `json:"userPrincipalName"`
	Mail                  string   `json:"mail"`
	AccountEnabled        bool     `json:"accountEnabled"`
	AssignedLicenseSkuIDs []string `json:"assignedLicenseSkuIds"`
}

// decodeTenants reads a GET /v1/tenants body.
func decodeTenants(body []byte) ([]Tenant, error) {
	var w wireTenants
	if err := decodeObject(body, &w); err != nil {
		return nil, err
	}
	out := make([]Tenant, 0, len(w.Tenants))
	for _, t := range w.Tenants {
		out = append(out, Tenant{
			PetraTenantID:     t.PetraTenantID,
			Name:              t.Name,
			MicrosoftTenantID: t.MicrosoftTenantID,
			IsPaused:          t.IsPaused,
			OnboardingDate:    t.OnboardingDate.t,
		})
	}
	return out, nil
}

// decodeUsage reads a GET /v1/usage body.
func decodeUsage(body []byte) (*Usage, error) {
	var w wireUsage
	if err := decodeObject(body, &w); err != nil {
		return nil, err
	}
	u := &Usage{
		AsOf:              w.AsOf.t,
		ReportGeneratedAt: w.ReportGeneratedAt.t,
		OrganizationName:  w.OrganizationName,
		TotalTenants:      int(w.TotalTenants),
		Tenants:           make([]UsageTenant, 0, len(w.Tenants)),
	}
	for _, t := range w.Tenants {
		u.Tenants = append(u.Tenants, UsageTenant{
			PetraTenantID:                t.PetraTenantID,
			MicrosoftTenantID:            t.MicrosoftTenantID,
			OnboardingDate:               t.OnboardingDate.t,
			DisplayName:                  t.DisplayName,
			Service:                      t.Service,
			IsPaused:                     t.IsPaused,
			FirstBillableDate:            t.FirstBillableDate.t,
			BillableStatus:               t.BillableStatus,
			TotalLicensedUsers:           int(t.TotalLicensedUsers),
			BillableUsersThisMonth:       int(t.BillableUsersThisMonth),
			ProratingPercentageThisMonth: float64(t.ProratingPercentageThisMonth),
		})
	}
	return u, nil
}

// decodeBillableUsers reads a GET /v1/billable-users body.
func decodeBillableUsers(body []byte) (*BillableUsers, error) {
	var w wireBillableUsers
	if err := decodeObject(body, &w); err != nil {
		return nil, err
	}
	b := &BillableUsers{
		TenantID:           w.TenantID,
		TenantDisplayName:  w.TenantDisplayName,
		MicrosoftTenantID:  w.MicrosoftTenantID,
		ReportGeneratedAt:  w.ReportGeneratedAt.t,
		TotalBillableUsers: int(w.TotalBillableUsers),
		Users:              make([]BillableUser, 0, len(w.Users)),
	}
	if w.ProjectedBillableUnitsThisMonth != nil {
		v := int(*w.ProjectedBillableUnitsThisMonth)
		b.ProjectedBillableUnitsThisMonth = &v
	}
	for _, u := range w.Users {
		// The wire and public types have the same fields, so the compiler
		// flags any drift between them here.
		b.Users = append(b.Users, BillableUser(u))
	}
	return b, nil
}

// decodeObject requires body to be a single JSON object and decodes it.
func decodeObject(body []byte, v any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return fmt.Errorf("expected a JSON object, got %s", preview(trimmed))
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	if dec.More() {
		return errors.New("unexpected data after the JSON object")
	}
	return nil
}

// preview quotes the start of a body for an error message.
func preview(b []byte) string {
	if len(b) == 0 {
		return "an empty body"
	}
	const n = 80
	if len(b) > n {
		return strconv.Quote(string(b[:n])) + "..."
	}
	return strconv.Quote(string(b))
}

// flexTime accepts null, "", a date ("2025-01-15") or a date-time (RFC 3339,
// with or without fractional seconds; without a zone it is taken as UTC).
// The result is in UTC.
type flexTime struct{ t time.Time }

// timeLayouts are tried in order by parseTime.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
}

func (f *flexTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		f.t = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("expected a date string, got %s", preview(b))
	}
	t, err := parseTime(s)
	if err != nil {
		return err
	}
	f.t = t
	return nil
}

// parseTime reads a Petra date or date-time; "" is the zero time.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			if t.Year() < 1 || t.Year() > 9999 {
				break
			}
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("date %s is neither YYYY-MM-DD nor an RFC 3339 date-time", preview([]byte(s)))
}

// flexInt accepts a whole number written as 12, 12.0, 1.2e1 or "12"; null is 0.
type flexInt int

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s, err := numberText(b)
	if err != nil || s == "" {
		*n = 0
		return err
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil && v >= math.MinInt32 && v <= math.MaxInt32 {
		*n = flexInt(v)
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
		return fmt.Errorf("expected a whole number, got %s", preview(b))
	}
	*n = flexInt(f)
	return nil
}

// flexFloat accepts a finite number or a numeric string; null is 0.
type flexFloat float64

func (n *flexFloat) UnmarshalJSON(b []byte) error {
	s, err := numberText(b)
	if err != nil || s == "" {
		*n = 0
		return err
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("expected a number, got %s", preview(b))
	}
	*n = flexFloat(f)
	return nil
}

// numberText returns the text of a JSON number or numeric string, "" for
// null or an empty string.
func numberText(b []byte) (string, error) {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return "", nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return "", fmt.Errorf("expected a number, got %s", preview(b))
		}
		return strings.TrimSpace(s), nil
	}
	if len(b) == 0 || (b[0] != '-' && (b[0] < '0' || b[0] > '9')) {
		return "", fmt.Errorf("expected a number, got %s", preview(b))
	}
	return string(b), nil
}
