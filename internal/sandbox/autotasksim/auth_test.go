package autotasksim

import (
	"net/http"
	"testing"
)

func TestZoneLookup(t *testing.T) {
	e := newEnv(t, Config{ZoneName: "AE02", CI: 123456}, nil)
	r := e.call(nil, "GET", "/atservicesrest/v1.0/zoneInformation?user=API%40sbx.example", nil)
	expectStatus(t, r, http.StatusOK)
	if r.body["zoneName"] != "AE02" || r.body["url"] != e.http.URL+"/ATServicesRest/" ||
		r.body["webUrl"] != e.http.URL+"/" || num(r.body["ci"]) != 123456 {
		t.Fatalf("zone = %s", r.raw)
	}
	// Path casing and X-Forwarded-Proto.
	req, _ := http.NewRequestWithContext(t.Context(), "GET", e.http.URL+"/ATSERVICESREST/V1.0/ZoneInformation?user="+tUser, nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, err := e.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("mixed-case zone path: %d", resp.StatusCode)
	}
	// A non-API user passes the zone lookup (ref §2).
	expectStatus(t, e.call(nil, "GET", "/atservicesrest/v1.0/zoneinformation?user=admin@sbx.example", nil), http.StatusOK)
	for _, q := range []string{"?user=nobody@sbx.example", "?user=", ""} {
		expectError(t, e.call(nil, "GET", "/atservicesrest/v1.0/zoneInformation"+q, nil), 500, "Zone information could not be determined")
	}
	// Not counted against the threshold (INFERRED choice).
	if n := e.srv.Stats().RequestsInWindow; n != 0 {
		t.Fatalf("zone lookups counted: %d", n)
	}
}

func TestZoneURLHonoursForwardedProto(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	req := httpGet(t, e.http.URL+"/atservicesrest/v1.0/zoneInformation?user="+tUser)
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Host = "sandbox.example:8443"
	rec := recordRequest(e.srv, req)
	if rec.body["url"] != "https://sandbox.example:8443/ATServicesRest/" {
		t.Fatalf("url = %v", rec.body["url"])
	}
}

func TestVersionEndpoints(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	r := e.call(nil, "GET", "/atservicesrest/versioninformation", nil)
	expectStatus(t, r, 200)
	// Autotask now lists V2.0 beside V1.0 (KelvinTegelaar/AutotaskAPI PR
	// #76) and V2.0 has no zoneInformation route: a client that takes the
	// last version gets a 404.
	if r.raw != `{"apiVersions":["V1.0","V2.0"]}` {
		t.Fatalf("versioninformation = %s", r.raw)
	}
	expectStatus(t, e.call(nil, "GET", "/atservicesrest/V2.0/zoneInformation?user="+tUser, nil), 404)
	expectStatus(t, e.call(nil, "GET", "/ATServicesRest/VersionInformation", nil), 200)
	// /V1.0/Version needs credentials.
	expectError(t, e.call(nil, "GET", "/ATServicesRest/V1.0/Version", nil), 500, "Zone information could not be determined")
	expectStatus(t, e.api("GET", "Version", nil), 200)
}

func TestAuthFailures(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	path := "/ATServicesRest/V1.0/Companies/1001"
	cases := []struct {
		name   string
		c      creds
		status int
		errs   []string // nil => empty body
	}{
		{"unknown user", creds{"who@sbx.example", tSecret, tCode}, 500, []string{"Zone information could not be determined"}},
		{"blank user", creds{"", tSecret, tCode}, 500, []string{"Zone information could not be determined"}},
		{"wrong secret", creds{tUser, "nope", tCode}, 401, nil},
		{"bad integration code", creds{tUser, tSecret, "WRONG"}, 500, []string{"IntegrationCode is invalid."}},
		{"missing integration code", creds{tUser, tSecret, ""}, 500, []string{"IntegrationCode is invalid."}},
		{"inactive user", creds{"inactive@sbx.example", tSecret, tCode}, 401, nil},
		{"non-API user", creds{"admin@sbx.example", tSecret, tCode}, 401, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call(&tc.c, "GET", path, nil)
			expectStatus(t, r, tc.status)
			if tc.errs == nil {
				if r.raw != "" {
					t.Fatalf("want an empty body, got %q", r.raw)
				}
				return
			}
			if got := r.errors(); len(got) != 1 || got[0] != tc.errs[0] {
				t.Fatalf("errors = %q, want %q", got, tc.errs)
			}
		})
	}
	// The secret never appears in any response.
	r := e.call(&creds{tUser, tSecret + "x", tCode}, "GET", path, nil)
	if r.raw != "" {
		t.Fatalf("401 body leaked: %q", r.raw)
	}
}

func TestAuthHeadersCaseInsensitive(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	req := httpGet(t, e.http.URL+"/atservicesrest/v1.0/companies/1001")
	// Raw, non-canonical header names as some clients send them.
	req.Header["apiintegrationcode"] = []string{tCode}
	req.Header["USERNAME"] = []string{"API@SBX.example"}
	req.Header["secret"] = []string{tSecret}
	resp, err := e.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

func TestNewRejectsBadFixtures(t *testing.T) {
	cases := map[string]*Fixture{
		"duplicate user": {APIUsers: []APIUser{{UserName: "a", Secret: "x"}, {UserName: "A", Secret: "y"}}},
		"bad access":     {APIUsers: []APIUser{{UserName: "a", Secret: "x", Permissions: map[string]EntityPermission{"Companies": {Query: "Some"}}}}},
		"unknown field":  {Companies: []map[string]any{{"companyName": "x", "companyType": 1.0, "phone": "1", "ownerResourceID": 1.0, "colour": "red"}}},
		"missing field":  {Companies: []map[string]any{{"companyName": "x"}}},
		"bad reference":  {Contracts: []map[string]any{{"companyID": 9.0, "contractName": "c", "contractType": 7.0, "status": 1.0, "startDate": "today", "endDate": "today+1y"}}},
		"bad picklist":   {TicketPicklists: map[string][]PicklistValue{"queue": {{Value: "1", Label: "x"}}}},
	}
	want := map[string]string{
		"duplicate user": "listed twice", "bad access": "is not an access level",
		"unknown field": "Unable to find colour in the Company Entity.", "missing field": "required field companyType",
		"bad reference": "companies", "bad picklist": "unknown key",
	}
	for name, fx := range cases {
		_, err := New(Config{}, fx, testToday)
		if err == nil {
			t.Errorf("%s: New accepted the fixture", name)
			continue
		}
		if w := want[name]; name != "bad reference" && !contains(err.Error(), w) {
			t.Errorf("%s: error %q does not mention %q", name, err, w)
		}
		if name == "bad reference" && !contains(err.Error(), "contracts[0]") {
			t.Errorf("%s: error %q does not locate the row", name, err)
		}
	}
}
