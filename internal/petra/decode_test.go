package petra

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestTenantsDecodesPetraResponse(t *testing.T) {
	clk := newFakeClock(true)
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) { jsonReply(w, 200, tenantsJSON) })
	c := newTestClient(t, ts, clk, nil, nil)

	got, err := c.Tenants(context.Background())
	if err != nil {
		t.Fatalf("Tenants: %v", err)
	}
	if h := ts.Hits(); len(h) != 1 || h[0].path != "/v1/tenants" || h[0].query != "" {
		t.Fatalf("requests = %+v, want one GET /v1/tenants without query", h)
	}
	want := []Tenant{
		{PetraTenantID: "Y3mPqr", Name: "Acme Dental", MicrosoftTenantID: "5b1e3c2a-8f4d-4c1b-9e7a-2d6f0a9b8c71",
			OnboardingDate: date(2025, 1, 15)},
		{PetraTenantID: "ZZk90t", Name: "Zephyr Logistics", MicrosoftTenantID: "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f",
			IsPaused: true, OnboardingDate: time.Date(2024, 11, 2, 14, 30, 0, 0, time.UTC)},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d tenants, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].PetraTenantID != want[i].PetraTenantID || got[i].Name != want[i].Name ||
			got[i].MicrosoftTenantID != want[i].MicrosoftTenantID || got[i].IsPaused != want[i].IsPaused ||
			!got[i].OnboardingDate.Equal(want[i].OnboardingDate) {
			t.Errorf("tenant %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestUsageDecodesAndSendsAsOf(t *testing.T) {
	clk := newFakeClock(true)
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) { jsonReply(w, 200, usageJSON) })
	c := newTestClient(t, ts, clk, nil, nil)

	u, err := c.Usage(context.Background(), "2025-02-01")
	if err != nil {
		t.Fatalf("Usage: %v", err)
	}
	if h := ts.Hits(); h[0].path != "/v1/usage" || h[0].query != "asOf=2025-02-01" {
		t.Fatalf("request = %s?%s, want /v1/usage?asOf=2025-02-01", h[0].path, h[0].query)
	}
	if !u.AsOf.Equal(date(2025, 2, 1)) || u.OrganizationName != "Northwind MSP" || u.TotalTenants != 2 ||
		!u.ReportGeneratedAt.Equal(time.Date(2025, 2, 1, 8, 15, 30, 123e6, time.UTC)) {
		t.Errorf("usage header = %+v", u)
	}
	if len(u.Tenants) != 2 {
		t.Fatalf("got %d tenants, want 2", len(u.Tenants))
	}
	z := u.Tenants[0]
	if z.PetraTenantID != "ZZk90t" || z.DisplayName != "Zephyr Logistics" || z.Service != "Monitoring" || z.IsPaused ||
		z.BillableStatus != "Trial" || z.TotalLicensedUsers != 57 || z.BillableUsersThisMonth != 54 ||
		z.ProratingPercentageThisMonth != 123 || !z.OnboardingDate.Equal(date(2024, 11, 2)) ||
		!z.FirstBillableDate.Equal(date(2024, 11, 16)) || z.MicrosoftTenantID != "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f" {
		t.Errorf("tenant 0 = %+v", z)
	}
	a := u.Tenants[1]
	if !a.IsPaused || a.Service != "Autopsy" || !a.FirstBillableDate.IsZero() || a.ProratingPercentageThisMonth != 41.9 {
		t.Errorf("tenant 1 = %+v (want paused Autopsy, no first billable date, 41.9%%)", a)
	}

	// An empty asOf asks for Petra's today: no asOf parameter at all.
	if _, err := c.Usage(context.Background(), ""); err != nil {
		t.Fatalf("Usage(today): %v", err)
	}
	if h := ts.Hits(); h[1].query != "" {
		t.Errorf("Usage(\"\") sent query %q, want none", h[1].query)
	}
}

func TestBillableUsersDecodes(t *testing.T) {
	clk := newFakeClock(true)
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) { jsonReply(w, 200, billableUsersJSON) })
	c := newTestClient(t, ts, clk, nil, nil)

	b, err := c.BillableUsers(context.Background(), " ZZk90t ")
	if err != nil {
		t.Fatalf("BillableUsers: %v", err)
	}
	if h := ts.Hits(); h[0].path != "/v1/billable-users" || h[0].query != "tenantId=ZZk90t" {
		t.Fatalf("request = %s?%s, want /v1/billable-users?tenantId=ZZk90t", h[0].path, h[0].query)
	}
	if b.TenantID != "ZZk90t" || b.TenantDisplayName != "Zephyr Logistics" || b.TotalBillableUsers != 2 ||
		b.ProjectedBillableUnitsThisMonth == nil || *b.ProjectedBillableUnitsThisMonth != 37 ||
		!b.ReportGeneratedAt.Equal(time.Date(2025, 2, 3, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("report = %+v", b)
	}
	if len(b.Users) != 2 {
		t.Fatalf("got %d users, want 2", len(b.Users))
	}
	if u := b.Users[1]; u.DisplayName != "Bob Rivers" || u.AccountEnabled || len(u.AssignedLicenseSkuIDs) != 2 ||
		u.UserPrincipalName != "bob@zephyr.example" || u.ID != "7a2b3c4d-5e6f-4a1b-9c8d-7e6f5a4b3c2d" {
		t.Errorf("user 1 = %+v", u)
	}
	if u := b.Users[0]; !u.AccountEnabled || u.Mail != "ada@zephyr.example" || u.AssignedLicenseSkuIDs[0] != "05e9a617-0261-4cee-bb44-138d3ef5d965" {
		t.Errorf("user 0 = %+v", u)
	}
}

func TestBillableUsersMissingProjectionIsNilNotZero(t *testing.T) {
	b, err := decodeBillableUsers([]byte(`{"tenantId":"ZZk90t","totalBillableUsers":5,"users":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	if b.ProjectedBillableUnitsThisMonth != nil {
		t.Fatalf("projected units = %d, want nil when Petra omits the field", *b.ProjectedBillableUnitsThisMonth)
	}
	b, err = decodeBillableUsers([]byte(`{"projectedBillableUnitsThisMonth":0}`))
	if err != nil || b.ProjectedBillableUnitsThisMonth == nil || *b.ProjectedBillableUnitsThisMonth != 0 {
		t.Fatalf("explicit 0 must decode as a real zero, got %v, %v", b, err)
	}
}

func TestDecodeTolerance(t *testing.T) {
	cases := []struct {
		name string
		body string
		want func(*Usage) bool
	}{
		{"date-time with offset becomes UTC", `{"asOf":"2025-02-01T01:00:00+02:00"}`,
			func(u *Usage) bool {
				return u.AsOf.Equal(time.Date(2025, 1, 31, 23, 0, 0, 0, time.UTC)) && u.AsOf.Location() == time.UTC
			}},
		{"date-time without zone is UTC", `{"reportGeneratedAt":"2025-02-01T08:00:00"}`,
			func(u *Usage) bool { return u.ReportGeneratedAt.Equal(time.Date(2025, 2, 1, 8, 0, 0, 0, time.UTC)) }},
		{"null and empty dates are zero", `{"asOf":null,"reportGeneratedAt":""}`,
			func(u *Usage) bool { return u.AsOf.IsZero() && u.ReportGeneratedAt.IsZero() }},
		{"whole numbers as float or string", `{"totalTenants":"3","tenants":[{"totalLicensedUsers":12.0,"billableUsersThisMonth":1e1,"proratingPercentageThisMonth":"50.5"}]}`,
			func(u *Usage) bool {
				return u.TotalTenants == 3 && u.Tenants[0].TotalLicensedUsers == 12 && u.Tenants[0].BillableUsersThisMonth == 10 &&
					u.Tenants[0].ProratingPercentageThisMonth == 50.5
			}},
		{"unknown fields and nulls ignored", `{"organizationName":"X","extra":{"a":[1,2]},"tenants":[{"service":null,"isPaused":null}]}`,
			func(u *Usage) bool {
				return u.OrganizationName == "X" && len(u.Tenants) == 1 && u.Tenants[0].Service == ""
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := decodeUsage([]byte(tc.body))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !tc.want(u) {
				t.Errorf("decoded %+v", u)
			}
		})
	}

	bad := []struct{ body, msg string }{
		{`{"totalTenants":12.5}`, "whole number"},
		{`{"asOf":"01/02/2025"}`, "YYYY-MM-DD"},
		{`{"tenants":[{"proratingPercentageThisMonth":"NaN"}]}`, "expected a number"},
		{`<html><body>Gateway login</body></html>`, "expected a JSON object"},
		{`null`, "expected a JSON object"},
		{`{"asOf":"2025-02-01"} {"x":1}`, "after the JSON object"},
	}
	for _, tc := range bad {
		if _, err := decodeUsage([]byte(tc.body)); err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("decode %s: err = %v, want mention of %q", tc.body, err, tc.msg)
		}
	}
}

func TestUnreadableSuccessBodyIsDecodeError(t *testing.T) {
	clk := newFakeClock(true)
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>Sign in to your proxy</html>"))
	})
	c := newTestClient(t, ts, clk, nil, nil)
	_, err := c.Tenants(context.Background())
	var de *DecodeError
	if !errors.As(err, &de) || de.Route != "/v1/tenants" {
		t.Fatalf("err = %v, want *DecodeError for /v1/tenants", err)
	}
	if !strings.Contains(err.Error(), "Sign in to your proxy") || !strings.Contains(err.Error(), "Petra API URL") {
		t.Errorf("message should quote the body and point at the API URL: %v", err)
	}
}

func TestArgumentsValidatedBeforeAnyRequest(t *testing.T) {
	clk := newFakeClock(true)
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) { jsonReply(w, 200, `{}`) })
	c := newTestClient(t, ts, clk, nil, nil)

	for _, asOf := range []string{"2025-13-01", "2025-2-1", "yesterday", "2025-02-01T00:00:00Z"} {
		_, err := c.Usage(context.Background(), asOf)
		if err == nil || !strings.Contains(err.Error(), "YYYY-MM-DD") || !strings.Contains(err.Error(), asOf) {
			t.Errorf("Usage(%q) err = %v, want a YYYY-MM-DD hint naming the value", asOf, err)
		}
	}
	for _, id := range []string{"", "   "} {
		_, err := c.BillableUsers(context.Background(), id)
		if err == nil || !strings.Contains(err.Error(), "tenant ID is required") {
			t.Errorf("BillableUsers(%q) err = %v, want a required-tenant-ID error", id, err)
		}
	}
	if n := ts.Count(); n != 0 {
		t.Errorf("%d requests sent for invalid arguments, want 0", n)
	}
}
