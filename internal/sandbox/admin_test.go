package sandbox_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/petrasim"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/sandboxtest"
)

func TestInfo(t *testing.T) {
	in := sandboxtest.Start(t, nil)
	info, err := in.Admin.Info(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if info.BaseURL != in.URL || info.AutotaskZoneLookupURL != in.URL+"/atservicesrest/" ||
		info.AutotaskBaseURL != in.URL+"/ATServicesRest/" || info.PetraBaseURL != in.URL+"/petra" {
		t.Errorf("URLs = %+v (base %s)", info.Endpoints, in.URL)
	}
	if in.ZoneLookupURL != info.AutotaskZoneLookupURL || in.AutotaskBaseURL != info.AutotaskBaseURL || in.PetraURL != info.PetraBaseURL {
		t.Error("sandboxtest.Instance URLs disagree with /_sandbox/info")
	}
	if len(info.Users) != 6 {
		t.Fatalf("users = %+v", info.Users)
	}
	secrets := 0
	for _, u := range info.Users {
		if u.Secret != "" {
			secrets++
			if !u.Demo || u.UserName != in.Username || u.Secret != in.Secret || u.IntegrationCode != in.IntegrationCode {
				t.Errorf("secret shown for a non-demo user or wrong values: %+v", u)
			}
		}
		if u.UserName == "petra-api-inactive@sandbox.example" && u.Active {
			t.Error("inactive user reported active")
		}
	}
	if secrets != 1 {
		t.Errorf("%d users carry a secret, want only the demo user", secrets)
	}
	if info.PetraAPIKey != in.PetraKey || !strings.HasPrefix(in.PetraKey, "petra_sandbox_") {
		t.Errorf("petra key = %q / %q", info.PetraAPIKey, in.PetraKey)
	}
	if in.Username != "petra-api@sandbox.example" {
		t.Errorf("demo user = %q", in.Username)
	}
}

func TestAdminRoundTrips(t *testing.T) {
	in := sandboxtest.Start(t, nil)
	c := ctx(t)
	a := in.Admin

	f, err := a.InjectFault(c, sandbox.FaultRule{Path: "/petra/v1/usage", Action: "FAIL"})
	if err != nil {
		t.Fatal(err)
	}
	if f.ID == 0 || f.Count != 1 || f.Status != 503 || f.Action != "fail" {
		t.Errorf("defaults not applied: %+v", f)
	}
	if _, err := a.InjectFault(c, sandbox.FaultRule{Path: "/x", Action: "explode"}); err == nil || !strings.Contains(err.Error(), `"commit-then-drop"`) {
		t.Errorf("bad action error should list the valid ones: %v", err)
	}
	if _, err := a.InjectFault(c, sandbox.FaultRule{Path: "/x", Action: "drop", Status: 500}); err == nil || !strings.Contains(err.Error(), "only apply") {
		t.Errorf("status on drop: %v", err)
	}
	fs, err := a.Faults(c)
	if err != nil || len(fs) != 1 {
		t.Fatalf("faults = %v, %v", fs, err)
	}
	if err := a.ClearFaults(c); err != nil {
		t.Fatal(err)
	}
	if fs, _ = a.Faults(c); len(fs) != 0 {
		t.Errorf("faults after clear = %v", fs)
	}

	if err := a.SetLatency(c, sandbox.LatencyRule{DelayMs: -1}); err == nil {
		t.Error("negative latency accepted")
	}
	if err := a.SetThrottle(c, sandbox.ThrottleRule{Probability: 1.5}); err == nil || !strings.Contains(err.Error(), "between 0 and 1") {
		t.Errorf("probability 1.5: %v", err)
	}

	st, err := a.SetToday(c, "2027-02-03")
	if err != nil || st.Today != "2027-02-03" || !st.Pinned {
		t.Errorf("SetToday = %+v, %v", st, err)
	}
	if st, _ = a.Clock(c); st.Today != "2027-02-03" {
		t.Errorf("Clock = %+v", st)
	}
	if _, err := a.SetToday(c, "tomorrow"); err == nil || !strings.Contains(err.Error(), "2026-11-23") {
		t.Errorf("bad date: %v", err)
	}
	if st, _ = a.SetToday(c, ""); st.Pinned {
		t.Errorf("unpin: %+v", st)
	}

	if err := a.SetPetraRateLimit(c, 0); err == nil {
		t.Error("rate limit 0 accepted")
	}
	if err := a.UpsertPetraTenants(c, []petrasim.Tenant{{PetraTenantID: "Nn1", Name: "Newco", MicrosoftTenantID: "77777777-7777-4777-8777-777777777777", OnboardingDate: "today-1d", TotalLicensedUsers: 3, BillableUsersThisMonth: 3, ProjectedBillableUnitsThisMonth: 3}}); err != nil {
		t.Fatal(err)
	}
	var tn struct {
		TotalTenants int `json:"totalTenants"`
	}
	decode(t, petra(t, in, "/v1/tenants"), &tn)
	if tn.TotalTenants != 9 {
		t.Errorf("after upsert: %d tenants, want 9", tn.TotalTenants)
	}
	err = a.UpsertPetraTenants(c, []petrasim.Tenant{{PetraTenantID: "Bad", Name: "Bad"}})
	if err == nil || !strings.Contains(err.Error(), "nothing changed") {
		t.Errorf("invalid tenant: %v", err)
	}
	if err := a.ReplacePetraTenants(c, nil); err != nil {
		t.Fatal(err)
	}
	decode(t, petra(t, in, "/v1/tenants"), &tn)
	if tn.TotalTenants != 0 {
		t.Errorf("after replace with none: %d tenants", tn.TotalTenants)
	}

	r := post(t, in.URL+"/_sandbox/nope", "")
	if r.status != 404 || !strings.Contains(string(r.body), "/_sandbox/faults") {
		t.Errorf("unknown admin route: %s", r)
	}
	r = post(t, in.URL+"/_sandbox/faults", `{"action":"fail","pathh":"/x"}`)
	var e map[string]string
	_ = json.Unmarshal(r.body, &e)
	if r.status != 400 || !strings.Contains(e["error"], `"pathh"`) {
		t.Errorf("unknown admin field: %s", r)
	}
}

func TestPetraRateLimitThroughAdmin(t *testing.T) {
	in := sandboxtest.Start(t, nil)
	for i := 0; i < 10; i++ {
		if r := petra(t, in, "/v1/tenants"); r.status != 200 {
			t.Fatalf("call %d: %s", i+1, r)
		}
	}
	r := petra(t, in, "/v1/tenants")
	if r.status != 429 || r.header.Get("Retry-After-public-api") == "" || r.header.Get("Retry-After") == "" {
		t.Fatalf("11th call: %s %v", r, r.header)
	}
	if r := petra(t, in, "/v1/usage"); r.status != 200 {
		t.Errorf("other route throttled: %s", r)
	}
	if err := in.Admin.SetPetraRateLimit(ctx(t), 20); err != nil {
		t.Fatal(err)
	}
	if r := petra(t, in, "/v1/tenants"); r.status != 200 {
		t.Errorf("after raising the limit (fresh windows): %s", r)
	}
	// One route on its own: billable-users back to Petra's 1 a minute.
	if err := in.Admin.SetPetraRouteRateLimit(ctx(t), "/v1/billable-users", 1); err != nil {
		t.Fatal(err)
	}
	limits, err := in.Admin.PetraRateLimits(ctx(t))
	if err != nil || limits["/v1/billable-users"] != 1 || limits["/v1/tenants"] != 20 {
		t.Fatalf("limits = %v (%v), want billable-users 1 and tenants 20", limits, err)
	}
	if err := in.Admin.SetPetraRouteRateLimit(ctx(t), "/v1/incidents", 1); err == nil ||
		!strings.Contains(err.Error(), "/v1/billable-users") {
		t.Errorf("unknown route: err = %v, want one listing the routes", err)
	}
}

func TestClockPinMovesPetraAsOf(t *testing.T) {
	in := sandboxtest.Start(t, nil)
	if _, err := in.Admin.SetToday(ctx(t), "2026-02-03"); err != nil {
		t.Fatal(err)
	}
	var u struct {
		AsOf string `json:"asOf"`
	}
	decode(t, petra(t, in, "/v1/usage"), &u)
	if u.AsOf != "2026-02-03" {
		t.Errorf("asOf = %s, want the pinned 2026-02-03", u.AsOf)
	}
	info, _ := in.Admin.Info(ctx(t))
	if info.Today != "2026-02-03" {
		t.Errorf("info.today = %s", info.Today)
	}
}

// TestClockPinMovesAutotaskToday: an adjustment on a contract that has not
// started fails; pinning today past its start makes the same call succeed.
func TestClockPinMovesAutotaskToday(t *testing.T) {
	fx := sandbox.BaseFixture()
	fx.Today = "2026-02-03"
	in := sandboxtest.Start(t, fx)

	var created struct {
		ItemID int64 `json:"itemId"`
	}
	decode(t, autotask(t, in, http.MethodPost, "Companies", newCompany("Clock Co")), &created)
	company := created.ItemID
	decode(t, autotask(t, in, http.MethodPost, "Services", map[string]any{"name": "Petra M365", "unitPrice": 4, "periodType": 2, "billingCodeID": 29682801}), &created)
	service := created.ItemID
	decode(t, autotask(t, in, http.MethodPost, "Contracts", map[string]any{
		"companyID": company, "contractName": "Clock MSA", "contractType": 7, "status": 1, "contractPeriodType": 2,
		"startDate": "2026-03-01T00:00:00Z", "endDate": "2027-02-28T00:00:00Z", "timeReportingRequiresStartAndStopTimes": 0,
	}), &created)
	contract := created.ItemID
	adj := map[string]any{"contractID": contract, "serviceID": service, "unitChange": 5, "effectiveDate": "2026-03-10T00:00:00Z"}

	if r := autotask(t, in, http.MethodPost, "ContractServiceAdjustments", adj); r.status != 500 {
		t.Fatalf("adjustment before the contract started: %s, want 500", r)
	}
	if _, err := in.Admin.SetToday(ctx(t), "2026-03-15"); err != nil {
		t.Fatal(err)
	}
	if r := autotask(t, in, http.MethodPost, "ContractServiceAdjustments", adj); r.status != 200 {
		t.Fatalf("adjustment after pinning today into the contract: %s, want 200", r)
	}
}
