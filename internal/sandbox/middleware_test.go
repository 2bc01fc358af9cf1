package sandbox_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/sandboxtest"
)

func TestFaultFailNeverReachesAutotask(t *testing.T) {
	in := sandboxtest.Start(t, nil)
	_, err := in.Admin.InjectFault(ctx(t), sandbox.FaultRule{
		Method: "post", Path: "/atservicesrest/v1.0/companies", Action: "fail", Status: 503,
		Body: `{"errors":["Service Unavailable"]}`, Headers: map[string]string{"Retry-After": "1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := autotask(t, in, http.MethodPost, "Companies", newCompany("Fault Co"))
	if r.status != 503 || string(r.body) != `{"errors":["Service Unavailable"]}` || r.header.Get("Retry-After") != "1" {
		t.Fatalf("faulted create: %s %v", r, r.header)
	}
	if got := companiesNamed(t, in, "Fault Co"); len(got) != 0 {
		t.Fatalf("the failed create reached the API: %v", got)
	}
	// Count 1 is used up: the retry goes through.
	decode(t, autotask(t, in, http.MethodPost, "Companies", newCompany("Fault Co")), &struct{}{})
	if got := companiesNamed(t, in, "Fault Co"); len(got) != 1 {
		t.Fatalf("after the fault: %d companies, want 1", len(got))
	}
	reqs, _ := in.Admin.Requests(ctx(t), 0)
	if reqs[0].Outcome != "fault" || reqs[0].Status != 503 || reqs[0].Entity != "Companies" {
		t.Errorf("log entry = %+v", reqs[0])
	}
}

func TestFaultDrop(t *testing.T) {
	in := sandboxtest.Start(t, nil)
	if _, err := in.Admin.InjectFault(ctx(t), sandbox.FaultRule{Path: "/ATServicesRest/V1.0/Companies", Method: "POST", Action: "drop"}); err != nil {
		t.Fatal(err)
	}
	r := autotask(t, in, http.MethodPost, "Companies", newCompany("Drop Co"))
	if r.err == nil {
		t.Fatalf("dropped request got a response: %s", r)
	}
	if got := companiesNamed(t, in, "Drop Co"); len(got) != 0 {
		t.Fatalf("a dropped request reached the API: %v", got)
	}
	reqs, _ := in.Admin.Requests(ctx(t), 0)
	if reqs[0].Outcome != "dropped" {
		t.Errorf("log outcome = %q, want dropped", reqs[0].Outcome)
	}
}

func TestCommitThenDrop(t *testing.T) {
	in := sandboxtest.Start(t, nil)
	if _, err := in.Admin.InjectFault(ctx(t), sandbox.FaultRule{Path: "/ATServicesRest/V1.0/Companies", Method: "POST", Action: "commit-then-drop"}); err != nil {
		t.Fatal(err)
	}
	r := autotask(t, in, http.MethodPost, "Companies", newCompany("Ghost Write Co"))
	if r.err == nil {
		t.Fatalf("client got a response, want a transport error: %s", r)
	}
	got := companiesNamed(t, in, "Ghost Write Co")
	if len(got) != 1 {
		t.Fatalf("the committed write left %d companies, want exactly 1", len(got))
	}
	reqs, _ := in.Admin.Requests(ctx(t), 0)
	if reqs[0].Outcome != "committed-dropped" || reqs[0].Status != 200 {
		t.Errorf("log entry = %+v, want committed-dropped with the API's 200", reqs[0])
	}
}

func TestPetraFaultAndCount(t *testing.T) {
	in := sandboxtest.Start(t, nil)
	if _, err := in.Admin.InjectFault(ctx(t), sandbox.FaultRule{Path: "/petra/v1/usage", Action: "fail", Status: 502, Count: 2}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		r := petra(t, in, "/v1/usage")
		var e map[string]string
		_ = json.Unmarshal(r.body, &e)
		if r.status != 502 || e["error"] != "Bad Gateway" {
			t.Fatalf("call %d: %s", i+1, r)
		}
	}
	if r := petra(t, in, "/v1/tenants"); r.status != 200 {
		t.Errorf("unmatched path affected: %s", r)
	}
	if r := petra(t, in, "/v1/usage"); r.status != 200 {
		t.Errorf("third call after count 2: %s", r)
	}
}

func TestLatency(t *testing.T) {
	in := sandboxtest.Start(t, nil)
	if err := in.Admin.SetLatency(ctx(t), sandbox.LatencyRule{Path: "/petra/v1/tenants", DelayMs: 60, JitterMs: 10}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if r := petra(t, in, "/v1/tenants"); r.status != 200 {
		t.Fatal(r)
	}
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Errorf("delayed request took %v, want >= 60ms", d)
	}
	reqs, _ := in.Admin.Requests(ctx(t), 0)
	if reqs[0].DurationMs < 60 {
		t.Errorf("logged duration %vms", reqs[0].DurationMs)
	}
	if err := in.Admin.SetLatency(ctx(t), sandbox.LatencyRule{Path: "/petra/v1/tenants"}); err != nil {
		t.Fatal(err)
	}
	petra(t, in, "/v1/tenants")
	reqs, _ = in.Admin.Requests(ctx(t), reqs[0].Seq)
	if len(reqs) != 1 || reqs[0].DurationMs >= 60 {
		t.Errorf("after removing the rule: %+v", reqs)
	}
}

func TestThrottle(t *testing.T) {
	in := sandboxtest.Start(t, nil)
	c := ctx(t)
	if err := in.Admin.SetThrottle(c, sandbox.ThrottleRule{Probability: 1, RetryAfterSeconds: 7}); err != nil {
		t.Fatal(err)
	}
	r := petra(t, in, "/v1/tenants")
	if r.status != 429 || r.header.Get("Retry-After") != "7" || r.header.Get("Retry-After-public-api") != "7" || !strings.Contains(string(r.body), "Rate limit exceeded") {
		t.Errorf("petra throttle: %s %v", r, r.header)
	}
	r = autotask(t, in, http.MethodGet, "ThresholdInformation", nil)
	var body struct {
		Errors []string `json:"errors"`
	}
	_ = json.Unmarshal(r.body, &body)
	if r.status != 429 || r.header.Get("Retry-After") != "7" || len(body.Errors) != 1 {
		t.Errorf("autotask throttle: %s", r)
	}

	// The same seed replays the same sequence.
	if err := in.Admin.SetPetraRateLimit(c, 100); err != nil { // keep Petra's own limiter out of the way
		t.Fatal(err)
	}
	pattern := func() string {
		if err := in.Admin.SetThrottle(c, sandbox.ThrottleRule{Path: "/petra", Probability: 0.5, Seed: 42}); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i := 0; i < 16; i++ {
			if petra(t, in, "/v1/usage").status == 429 {
				b.WriteByte('T')
			} else {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	p1, p2 := pattern(), pattern()
	if p1 != p2 || !strings.Contains(p1, "T") || !strings.Contains(p1, ".") {
		t.Errorf("seeded throttle patterns %s / %s: want equal and mixed", p1, p2)
	}
	if err := in.Admin.SetThrottle(c, sandbox.ThrottleRule{}); err != nil {
		t.Fatal(err)
	}
	if r := petra(t, in, "/v1/usage"); r.status != 200 {
		t.Errorf("after turning throttling off: %s", r)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRequestLogAndStatsNeverLeakSecrets(t *testing.T) {
	var logOut syncBuffer
	in := sandboxtest.StartWithOptions(t, sandbox.Options{Fixture: sandbox.BaseFixture(), Logger: &logOut})
	c := ctx(t)

	decode(t, autotask(t, in, http.MethodPost, "Companies", newCompany("Logged Co")), &struct{}{})
	companiesNamed(t, in, "Logged Co")
	petra(t, in, "/v1/billable-users?tenantId=ZZk90t")
	// A careless client echoing credentials into the URL and body.
	petra(t, in, "/v1/tenants?debugKey="+in.PetraKey)
	autotask(t, in, http.MethodPost, "Companies/query", map[string]any{"filter": []any{map[string]any{"op": "eq", "field": "companyName", "value": in.Secret}}})

	reqs, err := in.Admin.Requests(c, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 5 {
		t.Fatalf("%d log entries, want 5: %+v", len(reqs), reqs)
	}
	create := reqs[0]
	if create.API != "autotask" || create.Method != "POST" || create.Entity != "Companies" || create.Outcome != "ok" || create.Status != 200 || !strings.Contains(create.Body, `"companyName":"Logged Co"`) {
		t.Errorf("create entry = %+v", create)
	}
	if reqs[2].API != "petra" || reqs[2].Path != "/petra/v1/billable-users" || reqs[2].Query != "tenantId=ZZk90t" || reqs[2].Body != "" {
		t.Errorf("petra entry = %+v", reqs[2])
	}
	for i := 1; i < len(reqs); i++ {
		if reqs[i].Seq <= reqs[i-1].Seq {
			t.Error("sequence numbers not increasing")
		}
	}
	if later, _ := in.Admin.Requests(c, reqs[3].Seq); len(later) != 1 || later[0].Seq != reqs[4].Seq {
		t.Errorf("since filter: %+v", later)
	}

	raw := string(get(t, in.URL+"/_sandbox/requests").body)
	for _, secret := range []string{in.Secret, in.PetraKey, in.IntegrationCode} {
		if strings.Contains(raw, secret) || strings.Contains(logOut.String(), secret) {
			t.Errorf("credential %q leaked into the request log", secret)
		}
	}
	mustContain(t, raw, "[REDACTED]")
	mustContain(t, logOut.String(), "POST   /ATServicesRest/V1.0/Companies -> 200 ok")

	st, err := in.Admin.Stats(c)
	if err != nil {
		t.Fatal(err)
	}
	if st.Requests["autotask"] != 3 || st.Requests["petra"] != 2 ||
		st.Routes["POST /ATServicesRest/V1.0/Companies/query"] != 2 || st.Routes["GET /petra/v1/tenants"] != 1 || st.Outcomes["ok"] != 5 {
		t.Errorf("stats = %+v", st)
	}
	if st.Autotask.MaxInFlight == nil {
		t.Error("autotask stats missing")
	}
	if err := in.Admin.ResetStats(c); err != nil {
		t.Fatal(err)
	}
	if st, _ = in.Admin.Stats(c); len(st.Routes) != 0 || st.Requests["autotask"] != 0 {
		t.Errorf("after reset: %+v", st)
	}
	if err := in.Admin.ClearRequests(c); err != nil {
		t.Fatal(err)
	}
	if reqs, _ = in.Admin.Requests(c, 0); len(reqs) != 0 {
		t.Errorf("after clear: %d entries", len(reqs))
	}
}

func TestRouteTemplatesAreCaseInsensitive(t *testing.T) {
	in := sandboxtest.Start(t, nil)
	for _, p := range []string{"/atservicesrest/v1.0/companies/29680001", "/ATServicesRest/V1.0/Companies/42"} {
		req, _ := http.NewRequestWithContext(ctx(t), http.MethodGet, in.URL+p, nil)
		req.Header.Set("UserName", in.Username)
		req.Header.Set("Secret", in.Secret)
		req.Header.Set("ApiIntegrationCode", in.IntegrationCode)
		do(freshClient(), req)
	}
	st, _ := in.Admin.Stats(ctx(t))
	if st.Routes["GET /ATServicesRest/V1.0/Companies/{id}"] != 2 {
		t.Errorf("routes = %v, want both under GET /ATServicesRest/V1.0/Companies/{id}", st.Routes)
	}
}

func TestPetraMountPoint(t *testing.T) {
	in := sandboxtest.Start(t, nil)
	for _, p := range []string{"/petra", "/petra/", "/petra/v2/tenants"} {
		r := get(t, in.URL+p)
		var e map[string]string
		_ = json.Unmarshal(r.body, &e)
		if r.status != 404 || e["error"] != "Not Found" {
			t.Errorf("GET %s = %s, want Petra's JSON 404", p, r)
		}
	}
}
