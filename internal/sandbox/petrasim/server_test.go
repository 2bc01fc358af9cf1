package petrasim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/simtime"
)

const testKey = "petra_test_key_1"

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}
func (c *fakeClock) Today() time.Time { return simtime.Midnight(c.Now()) }
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func testFixture() *Fixture {
	return &Fixture{
		OrganizationName: "Acme MSP",
		APIKeys:          []string{testKey, "petra_test_key_2"},
		Tenants: []Tenant{
			{PetraTenantID: "Zk1", Name: "Zephyr Labs", MicrosoftTenantID: "11111111-1111-4111-8111-111111111111", OnboardingDate: "2025-01-15", FirstBillableDate: "2025-01-29", TotalLicensedUsers: 12, BillableUsersThisMonth: 10, ProratingPercentageThisMonth: 100, ProjectedBillableUnitsThisMonth: 10},
			{PetraTenantID: "Ab2", Name: "Alder Dental", MicrosoftTenantID: "22222222-2222-4222-8222-222222222222", OnboardingDate: "today-10d", BillableStatus: "Trial", TotalLicensedUsers: 5, BillableUsersThisMonth: 5, ProratingPercentageThisMonth: 40, ProjectedBillableUnitsThisMonth: 2},
			{PetraTenantID: "Pp3", Name: "Paused Partners", MicrosoftTenantID: "33333333-3333-4333-8333-333333333333", IsPaused: true, OnboardingDate: "2024-06-01", TotalLicensedUsers: 8, BillableUsersThisMonth: 8, ProratingPercentageThisMonth: 100, ProjectedBillableUnitsThisMonth: 8},
			{PetraTenantID: "Rm4", Name: "Removed Retail", MicrosoftTenantID: "44444444-4444-4444-8444-444444444444", Removed: true, OnboardingDate: "2024-01-01", TotalLicensedUsers: 3, BillableUsersThisMonth: 3},
			{PetraTenantID: "Ex5", Name: "Explicit Co", MicrosoftTenantID: "55555555-5555-4555-8555-555555555555", OnboardingDate: "2025-03-01", TotalLicensedUsers: 3, BillableUsersThisMonth: 1, ProjectedBillableUnitsThisMonth: 1, Users: []User{
				{ID: "u1", DisplayName: "Paid", UserPrincipalName: "paid@ex.com", AccountEnabled: true, AssignedLicenseSkuIDs: []string{skuBusinessPremium}},
				{ID: "u2", DisplayName: "Free", UserPrincipalName: "free@ex.com", AccountEnabled: true, AssignedLicenseSkuIDs: []string{skuTeamsExploratory}},
				{ID: "u3", DisplayName: "Gone", UserPrincipalName: "gone@ex.com", AssignedLicenseSkuIDs: []string{skuBusinessBasic}, Deleted: true},
				{ID: "u4", DisplayName: "Mailbox", UserPrincipalName: "info@ex.com"},
			}},
		},
	}
}

type env struct {
	t     *testing.T
	srv   *Server
	url   string
	clock *fakeClock
}

func newEnv(t *testing.T, fx *Fixture) *env {
	t.Helper()
	clock := &fakeClock{now: time.Date(2026, 11, 23, 10, 30, 0, 0, time.UTC)}
	s, err := New(clock, fx)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return &env{t: t, srv: s, url: hs.URL, clock: clock}
}

// result is the part of a response the tests look at.
type result struct {
	StatusCode int
	Header     http.Header
}

// get performs a GET with the given key ("" = no Authorization) and UA.
func (e *env) get(path, key, ua string) (result, []byte) {
	e.t.Helper()
	req, _ := http.NewRequestWithContext(e.t.Context(), http.MethodGet, e.url+path, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("User-Agent", ua)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{StatusCode: resp.StatusCode, Header: resp.Header}, b
}

func (e *env) getJSON(path string, out any) {
	e.t.Helper()
	resp, b := e.get(path, testKey, "petra-test/1.0")
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET %s: status %d body %s", path, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		e.t.Fatalf("GET %s: decode: %v (%s)", path, err, b)
	}
}

func TestTenantsShapeOrderAndVisibility(t *testing.T) {
	e := newEnv(t, testFixture())
	var raw map[string]any
	e.getJSON("/v1/tenants", &raw)
	if raw["totalTenants"].(float64) != 4 {
		t.Fatalf("totalTenants = %v, want 4 (removed tenant excluded)", raw["totalTenants"])
	}
	tenants := raw["tenants"].([]any)
	var names []string
	for _, x := range tenants {
		m := x.(map[string]any)
		if len(m) != 5 {
			t.Errorf("tenant has fields %v, want exactly petraTenantId,name,microsoftTenantId,isPaused,onboardingDate", m)
		}
		names = append(names, m["name"].(string))
	}
	if got := strings.Join(names, ","); got != "Alder Dental,Explicit Co,Paused Partners,Zephyr Labs" {
		t.Errorf("order = %s, want alphabetical without the removed tenant", got)
	}
	first := tenants[0].(map[string]any)
	if first["onboardingDate"] != "2026-11-13T00:00:00.000Z" {
		t.Errorf("relative onboardingDate rendered %v, want 2026-11-13T00:00:00.000Z", first["onboardingDate"])
	}
	paused := tenants[2].(map[string]any)
	if paused["isPaused"] != true || paused["petraTenantId"] != "Pp3" || paused["microsoftTenantId"] != "33333333-3333-4333-8333-333333333333" {
		t.Errorf("paused tenant = %v", paused)
	}
}

func TestUsageShapeAsOfAndPausedBilling(t *testing.T) {
	e := newEnv(t, testFixture())
	var u struct {
		AsOf, ReportGeneratedAt, OrganizationName string
		TotalTenants                              int
		Tenants                                   []map[string]any
	}
	e.getJSON("/v1/usage", &u)
	if u.AsOf != "2026-11-23" || u.OrganizationName != "Acme MSP" || u.ReportGeneratedAt != "2026-11-23T10:30:00.000Z" {
		t.Errorf("header = %+v", u)
	}
	if u.TotalTenants != 4 || len(u.Tenants) != 4 {
		t.Fatalf("totalTenants = %d (%d rows), want 4", u.TotalTenants, len(u.Tenants))
	}
	byID := map[string]map[string]any{}
	for _, tn := range u.Tenants {
		byID[tn["petraTenantId"].(string)] = tn
	}
	z := byID["Zk1"]
	want := map[string]any{"displayName": "Zephyr Labs", "onboardingDate": "2025-01-15", "firstBillableDate": "2025-01-29", "service": "Monitoring", "billableStatus": "Active", "totalLicensedUsers": 12.0, "billableUsersThisMonth": 10.0, "proratingPercentageThisMonth": 100.0, "isPaused": false, "microsoftTenantId": "11111111-1111-4111-8111-111111111111"}
	for k, v := range want {
		if z[k] != v {
			t.Errorf("Zk1 %s = %v, want %v", k, z[k], v)
		}
	}
	if v, ok := byID["Ab2"]["firstBillableDate"]; !ok || v != nil {
		t.Errorf("missing firstBillableDate must be null, got %v (present %v)", v, ok)
	}
	if p := byID["Pp3"]; p["isPaused"] != true || p["billableUsersThisMonth"] != 0.0 {
		t.Errorf("paused tenant billed: %v", p)
	}

	// asOf before a tenant's onboarding leaves it out.
	e.getJSON("/v1/usage?asOf=2025-02-01", &u)
	if u.AsOf != "2025-02-01" || u.TotalTenants != 2 {
		t.Errorf("asOf=2025-02-01: asOf %s, %d tenants, want 2 (Zk1, Pp3)", u.AsOf, u.TotalTenants)
	}
	resp, b := e.get("/v1/usage?asOf=23/11/2026", testKey, "ua")
	if resp.StatusCode != 400 || !strings.Contains(string(b), "YYYY-MM-DD") {
		t.Errorf("bad asOf: %d %s", resp.StatusCode, b)
	}
}

func TestBillableUsers(t *testing.T) {
	fx := testFixture()
	fx.RateLimits = map[string]int{RouteBillableUsers: 100} // this test reads the route many times
	e := newEnv(t, fx)
	var bu struct {
		TenantID, TenantDisplayName, MicrosoftTenantID, ReportGeneratedAt string
		TotalBillableUsers, ProjectedBillableUnitsThisMonth               int
		Users                                                             []map[string]any
	}
	e.getJSON("/v1/billable-users?tenantId=Zk1", &bu)
	if bu.TenantID != "Zk1" || bu.TenantDisplayName != "Zephyr Labs" || bu.MicrosoftTenantID != "11111111-1111-4111-8111-111111111111" {
		t.Errorf("header = %+v", bu)
	}
	if bu.TotalBillableUsers != 10 || len(bu.Users) != 10 || bu.ProjectedBillableUnitsThisMonth != 10 {
		t.Fatalf("synthesised: total %d, %d users, projected %d; want 10/10/10", bu.TotalBillableUsers, len(bu.Users), bu.ProjectedBillableUnitsThisMonth)
	}
	disabled := 0
	for _, u := range bu.Users {
		for _, k := range []string{"id", "displayName", "userPrincipalName", "mail", "accountEnabled", "assignedLicenseSkuIds"} {
			if _, ok := u[k]; !ok {
				t.Errorf("user lacks %s: %v", k, u)
			}
		}
		if len(u["assignedLicenseSkuIds"].([]any)) == 0 {
			t.Errorf("billable user without licence: %v", u)
		}
		if u["accountEnabled"] == false {
			disabled++
		}
	}
	if disabled == 0 {
		t.Error("synthesised users include no disabled (but licensed) account")
	}
	// Deterministic: the same request yields the same ids.
	var again struct{ Users []map[string]any }
	e.getJSON("/v1/billable-users?tenantId=Zk1", &again)
	if again.Users[3]["id"] != bu.Users[3]["id"] {
		t.Error("synthesised user ids are not stable")
	}

	e.getJSON("/v1/billable-users?tenantId=Ex5", &bu)
	if bu.TotalBillableUsers != 1 || len(bu.Users) != 1 || bu.Users[0]["id"] != "u1" {
		t.Errorf("explicit users: got %d %v, want only the paid, non-deleted u1", bu.TotalBillableUsers, bu.Users)
	}

	e.getJSON("/v1/billable-users?tenantId=Pp3", &bu)
	if bu.TotalBillableUsers != 0 || len(bu.Users) != 0 || bu.ProjectedBillableUnitsThisMonth != 0 {
		t.Errorf("paused tenant: total %d, projected %d; want 0 and 0", bu.TotalBillableUsers, bu.ProjectedBillableUnitsThisMonth)
	}

	resp, b := e.get("/v1/billable-users", testKey, "ua")
	if resp.StatusCode != 400 || !strings.Contains(string(b), "tenantId is required") {
		t.Errorf("missing tenantId: %d %s", resp.StatusCode, b)
	}
	for _, id := range []string{"nope", "Rm4"} {
		resp, b = e.get("/v1/billable-users?tenantId="+id, testKey, "ua")
		var m map[string]string
		_ = json.Unmarshal(b, &m)
		if resp.StatusCode != 404 || m["error"] != "Not Found" || m["message"] != "Tenant "+id+" not found" {
			t.Errorf("tenant %s: %d %s", id, resp.StatusCode, b)
		}
	}
}

func TestAuthAndUserAgent(t *testing.T) {
	e := newEnv(t, testFixture())
	for _, tc := range []struct {
		name, key, ua string
		status        int
		body          string
	}{
		{"no key", "", "ua", 401, `{"error":"Unauthorized","message":"Invalid or missing API key"}`},
		{"wrong key", "petra_wrong", "ua", 401, `{"error":"Unauthorized","message":"Invalid or missing API key"}`},
		{"no user agent", testKey, "", 403, ""},
		{"second key ok", "petra_test_key_2", "ua", 200, ""},
	} {
		resp, b := e.get("/v1/tenants", tc.key, tc.ua)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d (%s)", tc.name, resp.StatusCode, tc.status, b)
		}
		if tc.body != "" && strings.TrimSpace(string(b)) != tc.body {
			t.Errorf("%s: body %s, want %s", tc.name, b, tc.body)
		}
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, e.url+"/v1/tenants", nil)
	req.Header.Set("Authorization", "Basic "+testKey)
	req.Header.Set("User-Agent", "ua")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("non-Bearer scheme: %d, want 401", resp.StatusCode)
	}
}

func TestRateLimitPerRoutePerKey(t *testing.T) {
	e := newEnv(t, testFixture())
	for i := 0; i < 10; i++ {
		if resp, b := e.get("/v1/tenants", testKey, "ua"); resp.StatusCode != 200 {
			t.Fatalf("call %d: %d %s", i+1, resp.StatusCode, b)
		}
		e.clock.advance(time.Second)
	}
	resp, b := e.get("/v1/tenants", testKey, "ua")
	if resp.StatusCode != 429 || strings.TrimSpace(string(b)) != `{"error":"Too Many Requests","message":"Rate limit exceeded for this route"}` {
		t.Fatalf("11th call: %d %s", resp.StatusCode, b)
	}
	// First call was at t0, now is t0+10s: the slot frees in 50s.
	if resp.Header.Get("Retry-After-public-api") != "50" || resp.Header.Get("Retry-After") != "50" {
		t.Errorf("Retry-After headers = %q / %q, want 50", resp.Header.Get("Retry-After-public-api"), resp.Header.Get("Retry-After"))
	}
	if resp, _ := e.get("/v1/usage", testKey, "ua"); resp.StatusCode != 200 {
		t.Errorf("another route is throttled too: %d", resp.StatusCode)
	}
	if resp, _ := e.get("/v1/tenants", "petra_test_key_2", "ua"); resp.StatusCode != 200 {
		t.Errorf("another key is throttled too: %d", resp.StatusCode)
	}
	e.clock.advance(50 * time.Second)
	if resp, _ := e.get("/v1/tenants", testKey, "ua"); resp.StatusCode != 200 {
		t.Errorf("after the window: %d, want 200", resp.StatusCode)
	}
	if resp, _ := e.get("/v1/tenants", testKey, "ua"); resp.StatusCode != 429 {
		t.Errorf("second slot freed too early: %d", resp.StatusCode)
	}

	if err := e.srv.SetRateLimit(0); err == nil {
		t.Error("SetRateLimit(0) accepted")
	}
	if err := e.srv.SetRateLimit(2); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if resp, _ := e.get("/v1/tenants", testKey, "ua"); resp.StatusCode != 200 {
			t.Fatalf("after SetRateLimit(2), call %d: %d", i+1, resp.StatusCode)
		}
	}
	if resp, _ := e.get("/v1/tenants", testKey, "ua"); resp.StatusCode != 429 {
		t.Errorf("third call under limit 2: %d, want 429", resp.StatusCode)
	}
}

func TestFixtureRateLimitAndUpsert(t *testing.T) {
	fx := testFixture()
	fx.RateLimitPerMinute = 1
	e := newEnv(t, fx)
	e.get("/v1/tenants", testKey, "ua")
	if resp, _ := e.get("/v1/tenants", testKey, "ua"); resp.StatusCode != 429 {
		t.Fatalf("fixture limit 1 not applied: %d", resp.StatusCode)
	}
	err := e.srv.UpsertTenants([]Tenant{
		{PetraTenantID: "Zk1", Name: "Zephyr Labs", MicrosoftTenantID: "11111111-1111-4111-8111-111111111111", OnboardingDate: "2025-01-15", IsPaused: true},
		{PetraTenantID: "New1", Name: "Brand New", MicrosoftTenantID: "66666666-6666-4666-8666-666666666666", OnboardingDate: "today"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if e.srv.TenantCount() != 6 {
		t.Errorf("TenantCount = %d, want 6", e.srv.TenantCount())
	}
	var u struct{ Tenants []map[string]any }
	e.getJSON("/v1/usage", &u)
	found := false
	for _, tn := range u.Tenants {
		if tn["petraTenantId"] == "Zk1" && tn["isPaused"] != true {
			t.Error("upsert did not replace Zk1")
		}
		found = found || tn["petraTenantId"] == "New1"
	}
	if !found {
		t.Error("upserted tenant missing from usage")
	}
	bad := []Tenant{{PetraTenantID: "X", Name: "X", MicrosoftTenantID: "not-a-guid", OnboardingDate: "today"}}
	if err := e.srv.UpsertTenants(bad); err == nil || !strings.Contains(err.Error(), "not a GUID") {
		t.Errorf("bad GUID: %v", err)
	}
	if err := e.srv.SetTenants(nil); err != nil || e.srv.TenantCount() != 0 {
		t.Errorf("SetTenants(nil): %v, count %d", err, e.srv.TenantCount())
	}
}

func TestValidateErrors(t *testing.T) {
	today := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := map[string]func(*Fixture){
		`"apiKeys" is empty`:    func(f *Fixture) { f.APIKeys = nil },
		"used twice":            func(f *Fixture) { f.Tenants[1].PetraTenantID = "Zk1" },
		"onboardingDate":        func(f *Fixture) { f.Tenants[0].OnboardingDate = "yesterday" },
		"billableStatus":        func(f *Fixture) { f.Tenants[0].BillableStatus = "Paying" },
		`"name" is required`:    func(f *Fixture) { f.Tenants[0].Name = "" },
		"must not be negative":  func(f *Fixture) { f.Tenants[0].TotalLicensedUsers = -1 },
		"rateLimitPerMinute is": func(f *Fixture) { f.RateLimitPerMinute = -3 },
	}
	for want, mutate := range cases {
		fx := testFixture()
		mutate(fx)
		err := fx.Validate(today)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want error containing %q, got %v", want, err)
		}
		if _, err := New(&fakeClock{now: today}, fx); err == nil {
			t.Errorf("New accepted a fixture with %q", want)
		}
	}
}

func TestMethodAndUnknownRoute(t *testing.T) {
	e := newEnv(t, testFixture())
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.url+"/v1/tenants", nil)
	req.Header.Set("User-Agent", "ua")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Errorf("POST /v1/tenants = %d, want 405", resp.StatusCode)
	}
	resp2, b := e.get("/v1/nothing", testKey, "ua")
	if resp2.StatusCode != 404 || !strings.Contains(string(b), "/v1/billable-users") {
		t.Errorf("unknown route = %d %s", resp2.StatusCode, b)
	}
}

func TestSynthesizedUsersMatchCounts(t *testing.T) {
	for _, n := range []int{0, 1, 7, 40} {
		us := synthesizeUsers(Tenant{PetraTenantID: "T" + strconv.Itoa(n), Name: "Count Co", TotalLicensedUsers: n + 2, BillableUsersThisMonth: n})
		billable, licensed, unlicensed := 0, 0, 0
		for _, u := range us {
			if isBillable(u) {
				billable++
			}
			if len(u.AssignedLicenseSkuIDs) > 0 {
				licensed++
			} else {
				unlicensed++
			}
		}
		if billable != n || licensed != n+2 || unlicensed == 0 {
			t.Errorf("n=%d: billable %d licensed %d unlicensed %d", n, billable, licensed, unlicensed)
		}
	}
}

// TestRateLimitsPerRoute: /v1/billable-users allows 1 request a minute and
// the other routes 10, as Petra documents; each route's limit can be set on
// its own, from the fixture or at run time, and a route that does not exist
// is refused with the routes that do.
func TestRateLimitsPerRoute(t *testing.T) {
	e := newEnv(t, testFixture())
	if got := e.srv.RateLimits(); got[RouteBillableUsers] != 1 || got[RouteTenants] != 10 || got[RouteUsage] != 10 {
		t.Fatalf("default limits = %v, want billable-users 1, tenants 10, usage 10", got)
	}
	if resp, b := e.get("/v1/billable-users?tenantId=Zk1", testKey, "ua"); resp.StatusCode != 200 {
		t.Fatalf("first billable-users call: %d %s", resp.StatusCode, b)
	}
	e.clock.advance(15 * time.Second)
	resp, _ := e.get("/v1/billable-users?tenantId=Ab2", testKey, "ua")
	if resp.StatusCode != 429 || resp.Header.Get(RetryAfterHeader) != "45" {
		t.Fatalf("second billable-users call within the minute: %d, %s %q; want 429 and a 45 s wait",
			resp.StatusCode, RetryAfterHeader, resp.Header.Get(RetryAfterHeader))
	}
	for i := range 10 {
		if resp, _ := e.get("/v1/tenants", testKey, "ua"); resp.StatusCode != 200 {
			t.Fatalf("tenants call %d while billable-users is saturated: %d", i+1, resp.StatusCode)
		}
	}
	e.clock.advance(45 * time.Second)
	if resp, _ := e.get("/v1/billable-users?tenantId=Ab2", testKey, "ua"); resp.StatusCode != 200 {
		t.Fatalf("billable-users after the minute: %d", resp.StatusCode)
	}

	if err := e.srv.SetRouteRateLimit(RouteBillableUsers, 3); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if resp, _ := e.get("/v1/billable-users?tenantId=Zk1", testKey, "ua"); resp.StatusCode != 200 {
			t.Fatalf("billable-users call %d under limit 3: %d", i+1, resp.StatusCode)
		}
	}
	if resp, _ := e.get("/v1/billable-users?tenantId=Zk1", testKey, "ua"); resp.StatusCode != 429 {
		t.Errorf("4th billable-users call under limit 3: %d, want 429", resp.StatusCode)
	}
	if got := e.srv.RateLimits(); got[RouteTenants] != 10 {
		t.Errorf("setting billable-users changed tenants to %d", got[RouteTenants])
	}
	if err := e.srv.SetRouteRateLimit("/v1/incidents", 5); err == nil || !strings.Contains(err.Error(), RouteBillableUsers) {
		t.Errorf("unknown route: err = %v, want one naming the routes", err)
	}
	if err := e.srv.SetRouteRateLimit(RouteUsage, 0); err == nil {
		t.Error("limit 0 accepted")
	}

	fx := testFixture()
	fx.RateLimitPerMinute = 50
	fx.RateLimits = map[string]int{RouteUsage: 2}
	e2 := newEnv(t, fx)
	if got := e2.srv.RateLimits(); got[RouteBillableUsers] != 50 || got[RouteTenants] != 50 || got[RouteUsage] != 2 {
		t.Errorf("fixture limits = %v, want 50 everywhere but usage 2", got)
	}
	bad := testFixture()
	bad.RateLimits = map[string]int{"/v1/tenant": 5}
	if err := bad.Validate(time.Now()); err == nil || !strings.Contains(err.Error(), "rateLimits") {
		t.Errorf("fixture with an unknown route: err = %v", err)
	}
}
