package autotasksim

import (
	"net/http"
	"testing"
	"time"
)

// unitsQuery asks for the ContractServiceUnits rows of line 4001 covering
// day, with day written as a UTC midnight instant (what clients send).
func (e *env) unitsCovering(day string) []map[string]any {
	e.t.Helper()
	v := day + "T00:00:00Z"
	r := e.api("POST", "ContractServiceUnits/query", filterBody(
		f("eq", "contractID", 2001), f("lte", "startDate", v), f("gte", "endDate", v)))
	expectStatus(e.t, r, 200)
	return r.items()
}

func TestTimeZoneMovesToday(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	if _, err := e.srv.SetBehaviour(BehaviourUpdate{TimeZone: strPtr("America/New_York")}); err != nil {
		t.Fatal(err)
	}
	// 2026-11-30 20:00 in New York is 2026-12-01 01:00 UTC.
	e.clock.SetNow(time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC))
	if got := e.srv.Today().Format(time.DateOnly); got != "2026-11-30" {
		t.Fatalf("today in New York = %s, want 2026-11-30", got)
	}
	if _, err := e.srv.SetBehaviour(BehaviourUpdate{TimeZone: strPtr("Australia/Sydney")}); err != nil {
		t.Fatal(err)
	}
	// 2026-12-01 09:00 in Sydney is 2026-11-30 22:00 UTC.
	e.clock.SetNow(time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC))
	if got := e.srv.Today().Format(time.DateOnly); got != "2026-12-01" {
		t.Fatalf("today in Sydney = %s, want 2026-12-01", got)
	}
	if _, err := e.srv.SetBehaviour(BehaviourUpdate{TimeZone: strPtr("Mars/Olympus")}); err == nil {
		t.Fatal("an unknown time zone was accepted")
	}
}

func TestDateFilterInterpretations(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	// Split line 4001 on 2026-11-23: rows ... 11-01..11-23 (5) and 11-23..11-30 (8).
	expectStatus(t, e.api("POST", "ContractServiceAdjustments", map[string]any{
		"contractServiceID": 4001, "effectiveDate": "2026-11-23T00:00:00", "unitChange": 3}), 200)
	// As UTC instants, both rows cover 11-23 (the boundary day is in both).
	if n := len(e.unitsCovering("2026-11-23")); n != 2 {
		t.Fatalf("utc: %d rows cover 2026-11-23, want 2", n)
	}
	// Converted to New York, "2026-11-23T00:00:00Z" is 11-22 19:00: the row
	// that starts on 11-23 is missed, and only the earlier one matches.
	if _, err := e.srv.SetBehaviour(BehaviourUpdate{TimeZone: strPtr("America/New_York"), DateFilters: strPtr("database")}); err != nil {
		t.Fatal(err)
	}
	rows := e.unitsCovering("2026-11-23")
	if len(rows) != 1 || num(rows[0]["units"]) != 5 {
		t.Fatalf("database (New York): rows %v, want only the row ending 2026-11-23 with 5 units", rows)
	}
	// In Sydney the same value is 11-23 11:00: the row ending on 11-23 is
	// missed instead.
	if _, err := e.srv.SetBehaviour(BehaviourUpdate{TimeZone: strPtr("Australia/Sydney")}); err != nil {
		t.Fatal(err)
	}
	rows = e.unitsCovering("2026-11-23")
	if len(rows) != 1 || num(rows[0]["units"]) != 8 {
		t.Fatalf("database (Sydney): rows %v, want only the row starting 2026-11-23 with 8 units", rows)
	}
	if _, err := e.srv.SetBehaviour(BehaviourUpdate{DateFilters: strPtr("sideways")}); err == nil {
		t.Fatal("an unknown dateFilters value was accepted")
	}
}

func TestUnitsWithoutContractServiceID(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	yes := true
	if _, err := e.srv.SetBehaviour(BehaviourUpdate{UnitsWithoutContractServiceID: &yes}); err != nil {
		t.Fatal(err)
	}
	r := e.api("POST", "ContractServiceUnits/query", filterBody(f("eq", "contractServiceID", 4001)))
	expectStatus(t, r, 200)
	if len(r.items()) != 0 {
		t.Fatalf("a filter on contractServiceID matched rows that have none: %v", r.items())
	}
	r = e.api("POST", "ContractServiceUnits/query", filterBody(f("eq", "contractID", 2001), f("eq", "serviceID", 3001)))
	if len(r.items()) == 0 || r.items()[0]["contractServiceID"] != nil {
		t.Fatalf("rows = %v, want rows with a null contractServiceID", r.items())
	}
}

func TestMissingPermissionAs401(t *testing.T) {
	fx := testFixture()
	fx.APIUsers[1].MissingPermissionStatus = http.StatusUnauthorized
	e := newEnv(t, Config{}, fx)
	limited := creds{tLimited, tSecret, tCode}
	// Allowed calls work; a denied one answers an empty 401.
	expectStatus(t, e.call(&limited, "GET", "/ATServicesRest/V1.0/Companies/1001", nil), 200)
	r := e.call(&limited, "POST", "/ATServicesRest/V1.0/ContractServiceAdjustments",
		map[string]any{"contractServiceID": 4001, "effectiveDate": "2026-11-23", "unitChange": 1})
	if r.status != 401 || r.raw != "" {
		t.Fatalf("denied create = %d %q, want an empty 401", r.status, r.raw)
	}
	fx.APIUsers[1].MissingPermissionStatus = 403
	if _, err := New(Config{}, fx, testToday); err == nil {
		t.Fatal("missingPermissionStatus 403 was accepted")
	}
}

func TestRestrictedCompanyScope(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	scoped := APIUser{UserName: "scoped@sbx.example", Secret: tSecret, IntegrationCode: tCode, SecurityLevel: SecurityLevelAPICustom,
		CompanyScope: []int64{1001},
		Permissions: map[string]EntityPermission{
			"Companies": {Query: "All"}, "Contracts": {Query: "Restricted"}, "ContractServices": {Query: "Restricted"},
			"ContractServiceUnits": {Query: "Restricted"},
		}}
	if err := e.srv.SetUser(scoped); err != nil {
		t.Fatal(err)
	}
	c := creds{scoped.UserName, tSecret, tCode}
	r := e.call(&c, "POST", "/ATServicesRest/V1.0/Contracts/query", filterBody(f("exist", "id", nil)))
	expectStatus(t, r, 200)
	for _, it := range r.items() {
		if num(it["companyID"]) != 1001 {
			t.Fatalf("a Restricted user saw contract %v of another company", it["id"])
		}
	}
	if len(r.items()) != 2 {
		t.Fatalf("contracts seen = %d, want 2 (those of company 1001)", len(r.items()))
	}
	// Rows outside the scope read as missing; Companies (All access) are all visible.
	if r := e.call(&c, "GET", "/ATServicesRest/V1.0/ContractServices/4002", nil); r.item() != nil {
		t.Fatalf("line 4002 of company 1002 is visible: %v", r.item())
	}
	r = e.call(&c, "POST", "/ATServicesRest/V1.0/Companies/query/count", filterBody(f("exist", "id", nil)))
	if num(r.body["queryCount"]) != 2 {
		t.Fatalf("companies counted = %v, want 2", r.body["queryCount"])
	}
}

func TestBillingItemsAndPostedPeriods(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	adjust := func(day string, delta int) result {
		return e.api("POST", "ContractServiceAdjustments", map[string]any{
			"contractServiceID": 4001, "effectiveDate": day + "T00:00:00", "unitChange": delta})
	}
	// Mid-period: one prorated item each; +3 then -3 is two items.
	expectStatus(t, adjust("2026-11-23", 3), 200)
	expectStatus(t, adjust("2026-11-23", -3), 200)
	items := e.srv.BillingItems(4001)
	if len(items) != 2 || items[0].Days != 8 || items[0].PeriodDays != 30 || items[0].Amount != 2.8 || items[1].Amount != -2.8 {
		t.Fatalf("items = %+v, want +3 and -3 for 8 of 30 days at 3.50 (2.80 each)", items)
	}
	// From the first day of a period: no item.
	expectStatus(t, adjust("2026-12-01", 1), 200)
	if n := len(e.srv.BillingItems(4001)); n != 2 {
		t.Fatalf("%d items after a change on a period's first day, want still 2", n)
	}
	// Posted through November: an adjustment effective in it is refused.
	p, err := e.srv.PostPeriods(PostedPeriods{ContractID: 2001, Through: "2026-11-15"})
	if err != nil || p.PostedUntil != "2026-11-30" {
		t.Fatalf("PostPeriods = %+v, %v", p, err)
	}
	expectError(t, adjust("2026-11-30", 1), 500, errPostedPeriod)
	expectStatus(t, adjust("2026-12-02", 1), 200)
	r := e.api("POST", "ContractServiceUnits/query", filterBody(f("eq", "contractServiceID", 4001), f("exist", "approveAndPostDate", nil)))
	if len(r.items()) == 0 {
		t.Fatal("no unit row carries approveAndPostDate after posting")
	}
}

func TestDoubledSlashesAndCase(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	expectStatus(t, e.call(&full, "GET", "/ATServicesRest//V1.0/Companies/1001", nil), 200)
	expectStatus(t, e.call(&full, "GET", "/atservicesrest//v1.0//companies//1001", nil), 200)
	expectStatus(t, e.call(nil, "GET", "//atservicesrest//v1.0/zoneInformation?user="+tUser, nil), 200)
}

// TestBillingGuideNumbers measures, on the emulator, the numbers the billing
// guide (templates/guides/billing-sync.md.tmpl, "When a change takes
// effect") quotes: a line of 40 units at $4.00 in a November period
// (30 days); a nightly run on the 17th pushes +3, the next night -3.
func TestBillingGuideNumbers(t *testing.T) {
	fx := testFixture()
	fx.Services[0]["unitPrice"] = 4.0
	fx.ContractServices[0]["units"] = 40.0
	e := newEnv(t, Config{}, fx)
	adjust := func(day string, delta int) {
		t.Helper()
		expectStatus(t, e.api("POST", "ContractServiceAdjustments", map[string]any{
			"contractServiceID": 4001, "effectiveDate": day + "T00:00:00", "unitChange": delta}), 200)
	}
	// effective = "today": one item per move, both stay on the invoice.
	adjust("2026-11-17", 3)
	adjust("2026-11-18", -3)
	items := e.srv.BillingItems(4001)
	if len(items) != 2 || items[0].Amount != 5.60 || items[0].Days != 14 || items[1].Amount != -5.20 || items[1].Days != 13 {
		t.Fatalf("items = %+v, want +5.60 (14 of 30 days) and -5.20 (13 of 30 days)", items)
	}
	// effective = "next_period": the same moves land on 1 December: no item.
	adjust("2026-12-01", 3)
	adjust("2026-12-01", -3)
	if n := len(e.srv.BillingItems(4001)); n != 2 {
		t.Fatalf("%d items, want no new item for changes on the first day of a period", n)
	}
}
