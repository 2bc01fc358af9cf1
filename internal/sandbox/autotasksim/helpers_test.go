package autotasksim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/simtime"
)

// Test credentials.
const (
	tUser    = "api@sbx.example"
	tSecret  = "s3cret-value"
	tCode    = "SANDBOXINTEGRATIONCODE00001"
	tLimited = "limited@sbx.example"
)

var testToday = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

func boolPtr(b bool) *bool { return &b }

// testFixture is a small tenant: a recurring contract with one service line
// of 5 units, a T&M contract, a future contract and a contract with the
// same service twice.
func testFixture() *Fixture {
	return &Fixture{
		APIUsers: []APIUser{
			{UserName: tUser, Secret: tSecret, IntegrationCode: tCode, SecurityLevel: SecurityLevelAPISystem},
			{UserName: tLimited, Secret: tSecret, IntegrationCode: tCode, SecurityLevel: SecurityLevelAPICustom,
				Permissions: map[string]EntityPermission{
					"Companies":                  {Query: "All", Create: "None", Update: "Restricted"},
					"Contracts":                  {Query: "All", Create: "All", Update: "None"},
					"ContractServiceAdjustments": {Create: "None"},
				}},
			{UserName: "inactive@sbx.example", Secret: tSecret, IntegrationCode: tCode, Active: boolPtr(false)},
			{UserName: "admin@sbx.example", Secret: tSecret, IntegrationCode: tCode, SecurityLevel: "Administrator"},
		},
		Companies: []map[string]any{
			{"id": 1001.0, "companyName": "Contoso Ltd", "companyType": 1.0, "phone": "555-0100", "ownerResourceID": 29682885.0},
			{"id": 1002.0, "companyName": "Fabrikam Inc", "companyType": 1.0, "phone": "555-0101", "ownerResourceID": 29682885.0},
		},
		Services: []map[string]any{
			{"id": 3001.0, "name": "Petra M365 Account Protection", "unitPrice": 3.5, "periodType": 2.0, "billingCodeID": 29682801.0},
			{"id": 3002.0, "name": "Backup", "unitPrice": 2.0, "periodType": 2.0, "billingCodeID": 29682801.0},
		},
		Contracts: []map[string]any{
			{"id": 2001.0, "companyID": 1001.0, "contractName": "Contoso Recurring", "contractType": 7.0, "status": 1.0,
				"startDate": "2026-01-01", "endDate": "2026-12-31"},
			{"id": 2002.0, "companyID": 1001.0, "contractName": "Contoso T&M", "contractType": 1.0, "status": 1.0,
				"startDate": "2026-01-01", "endDate": "2026-12-31"},
			{"id": 2003.0, "companyID": 1002.0, "contractName": "Fabrikam Future", "contractType": 7.0, "status": 1.0,
				"startDate": "today+30d", "endDate": "today+1y"},
			{"id": 2004.0, "companyID": 1002.0, "contractName": "Fabrikam Dup", "contractType": 7.0, "status": 1.0,
				"startDate": "2026-01-01", "endDate": "2026-12-31"},
		},
		ContractServices: []map[string]any{
			{"id": 4001.0, "contractID": 2001.0, "serviceID": 3001.0, "units": 5.0},
			{"id": 4002.0, "contractID": 2004.0, "serviceID": 3001.0, "units": 2.0},
			{"id": 4003.0, "contractID": 2004.0, "serviceID": 3001.0, "units": 3.0},
		},
	}
}

type env struct {
	t     *testing.T
	srv   *Server
	http  *httptest.Server
	clock *simtime.Settable
}

func newEnv(t *testing.T, cfg Config, fx *Fixture) *env {
	t.Helper()
	clock := simtime.NewSettable()
	clock.SetToday(testToday)
	cfg.Clock = clock
	if fx == nil {
		fx = testFixture()
	}
	s, err := New(cfg, fx, testToday)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return &env{t: t, srv: s, http: hs, clock: clock}
}

// result is a decoded response.
type result struct {
	status int
	raw    string
	body   map[string]any
	header http.Header
}

func (r result) errors() []string {
	var out []string
	arr, _ := r.body["errors"].([]any)
	for _, e := range arr {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

func (r result) item() map[string]any { m, _ := r.body["item"].(map[string]any); return m }

func (r result) items() []map[string]any {
	var out []map[string]any
	arr, _ := r.body["items"].([]any)
	for _, it := range arr {
		m, _ := it.(map[string]any)
		out = append(out, m)
	}
	return out
}

func (r result) nextPageURL() string {
	pd, _ := r.body["pageDetails"].(map[string]any)
	s, _ := pd["nextPageUrl"].(string)
	return s
}

func (r result) itemID() int64 { n, _ := r.body["itemId"].(float64); return int64(n) }

// creds are the authentication headers of a request.
type creds struct{ user, secret, code string }

var full = creds{tUser, tSecret, tCode}

// call sends method to url (absolute or relative to the server) with body
// (string, or any value to JSON-encode) as the given user.
func (e *env) call(c *creds, method, url string, body any) result {
	e.t.Helper()
	if !strings.HasPrefix(url, "http") {
		url = e.http.URL + url
	}
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, url, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c != nil {
		req.Header.Set("UserName", c.user)
		req.Header.Set("Secret", c.secret)
		req.Header.Set("ApiIntegrationCode", c.code)
	}
	resp, err := e.http.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	res := result{status: resp.StatusCode, raw: string(raw), header: resp.Header}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &res.body)
	}
	return res
}

func (e *env) api(method, path string, body any) result {
	e.t.Helper()
	return e.call(&full, method, "/ATServicesRest/V1.0/"+strings.TrimPrefix(path, "/"), body)
}

// expectStatus fails unless r has the status.
func expectStatus(t *testing.T, r result, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.raw)
	}
}

// expectError fails unless r is status with exactly the single error text.
func expectError(t *testing.T, r result, status int, text string) {
	t.Helper()
	expectStatus(t, r, status)
	if errs := r.errors(); len(errs) != 1 || errs[0] != text {
		t.Fatalf("errors = %q, want [%q]", errs, text)
	}
}

// expectErrorContains fails unless r is status with an error containing text.
func expectErrorContains(t *testing.T, r result, status int, text string) {
	t.Helper()
	expectStatus(t, r, status)
	for _, e := range r.errors() {
		if strings.Contains(e, text) {
			return
		}
	}
	t.Fatalf("errors = %q, want one containing %q", r.errors(), text)
}

func filterBody(filter ...map[string]any) map[string]any {
	return map[string]any{"filter": filter}
}

func f(op, field string, value any) map[string]any {
	m := map[string]any{"op": op, "field": field}
	if value != nil {
		m["value"] = value
	}
	return m
}

func num(v any) int64 { n, _ := v.(float64); return int64(n) }

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func httpGet(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// recordRequest serves req in-process (to control r.Host).
func recordRequest(s *Server, req *http.Request) result {
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	res := result{status: rec.Code, raw: rec.Body.String(), header: rec.Header()}
	_ = json.Unmarshal(rec.Body.Bytes(), &res.body)
	return res
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func newTestHTTPServer(t *testing.T, s *Server) *httptest.Server {
	t.Helper()
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return hs
}
