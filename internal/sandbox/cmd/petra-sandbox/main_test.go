package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

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

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// waitFor polls out until it contains s (the server prints synchronously
// before serving, so this returns quickly).
func waitFor(t *testing.T, out *syncBuffer, s string, errc <-chan error) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(out.String(), s) {
		select {
		case err := <-errc:
			t.Fatalf("run exited early: %v\n%s", err, out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in output:\n%s", s, out)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestRunPrintsBannerServesAndShutsDown(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out syncBuffer
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"-addr", "127.0.0.1:0"}, env(map[string]string{"SANDBOX_ADDR": "10.0.0.1:1"}), &out, &out)
	}()
	waitFor(t, &out, "sandbox ready", errc)
	banner := out.String()
	for _, want := range []string{
		"Autotask zone lookup: http://127.0.0.1:", "/atservicesrest/", "/ATServicesRest/", "/petra", "/_sandbox",
		"export AUTOTASK_USERNAME='petra-api@sandbox.example'",
		"export AUTOTASK_SECRET='sandbox-secret-do-not-use-in-production'",
		"export AUTOTASK_INTEGRATION_CODE='", "export AUTOTASK_ZONE_LOOKUP_URL='http://127.0.0.1:",
		"export PETRA_API_KEY='petra_sandbox_", "export PETRA_API_URL='http://127.0.0.1:", "demo fixture",
	} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	base := regexp.MustCompile(`Admin API:\s+(http://\S+)/_sandbox`).FindStringSubmatch(banner)
	if base == nil {
		t.Fatalf("no admin URL in banner:\n%s", banner)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base[1]+"/_sandbox/info", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		BaseURL string `json:"baseUrl"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if resp.StatusCode != 200 || info.BaseURL != base[1] {
		t.Errorf("info: %d %+v", resp.StatusCode, info)
	}
	// The demo fixture is loaded: company 1001 exists.
	req, _ = http.NewRequestWithContext(t.Context(), http.MethodGet, base[1]+"/ATServicesRest/V1.0/Companies/1001", nil)
	for k, v := range map[string]string{"UserName": "petra-api@sandbox.example", "Secret": "sandbox-secret-do-not-use-in-production", "ApiIntegrationCode": regexp.MustCompile(`AUTOTASK_INTEGRATION_CODE='([^']+)'`).FindStringSubmatch(banner)[1]} {
		req.Header.Set(k, v)
	}
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var item struct {
		Item map[string]any `json:"item"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&item)
	resp.Body.Close()
	if item.Item == nil || item.Item["companyName"] != "Harbor Dental Group" {
		t.Errorf("demo company 1001: %d %v", resp.StatusCode, item.Item)
	}
	waitFor(t, &out, "GET    /ATServicesRest/V1.0/Companies/1001", errc)

	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("run after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop after cancel")
	}
}

func TestRunUsesFixtureFromEnv(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "fx.json")
	fx := `{"today":"2030-01-02","petra":{"apiKeys":["petra_custom_key"]},"autotask":{"apiUsers":[{"userName":"me@x.example","secret":"s3","integrationCode":"CODE"}]}}`
	if err := os.WriteFile(p, []byte(fx), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out syncBuffer
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"-addr", "127.0.0.1:0"}, env(map[string]string{"SANDBOX_FIXTURE": p}), &out, &out)
	}()
	waitFor(t, &out, "sandbox ready", errc)
	for _, want := range []string{p, "today 2030-01-02", "AUTOTASK_USERNAME='me@x.example'", "PETRA_API_KEY='petra_custom_key'"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func TestRunRefusesBadSetups(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, map[string]string{"SANDBOX_ADDR": "0.0.0.0:8089"}, "-allow-remote"},
		{[]string{"-addr", "192.168.1.5:8089"}, nil, "not a loopback"},
		{[]string{"-addr", "nonsense"}, nil, "host:port"},
		{[]string{"-addr", "127.0.0.1:0", "-fixture", "/does/not/exist.json"}, nil, "SANDBOX_FIXTURE"},
		{[]string{"extra"}, nil, "unexpected argument"},
	} {
		var out bytes.Buffer
		err := run(t.Context(), tc.args, env(tc.env), &out, &out)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: error %v, want %q", tc.args, tc.env, err, tc.want)
		}
	}
	if err := checkLoopback("0.0.0.0:8089", true); err != nil {
		t.Errorf("-allow-remote not honoured: %v", err)
	}
	for _, a := range []string{"localhost:1", "[::1]:1", "127.0.0.1:1"} {
		if err := checkLoopback(a, false); err != nil {
			t.Errorf("%s refused: %v", a, err)
		}
	}
}

// TestRunGeneratesScaleFixture: -tenants 200 serves 200 Petra tenants and
// writes the mapping CSV; the same flags give the same file.
func TestRunGeneratesScaleFixture(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "mappings.csv")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out syncBuffer
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"-addr", "127.0.0.1:0", "-tenants", "200", "-broken", "6", "-mappings-csv", csvPath, "-log-requests=false"}, env(nil), &out, &out)
	}()
	waitFor(t, &out, "sandbox ready", errc)
	if !strings.Contains(out.String(), "generated fixture: 200 tenants, 6 broken, seed 0; mappings in "+csvPath) {
		t.Errorf("banner does not name the generated fixture:\n%s", out.String())
	}
	petraURL := regexp.MustCompile(`PETRA_API_URL='([^']+)'`).FindStringSubmatch(out.String())[1]
	key := regexp.MustCompile(`PETRA_API_KEY='([^']+)'`).FindStringSubmatch(out.String())[1]
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, petraURL+"/v1/tenants", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Tenants []map[string]any `json:"tenants"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if len(body.Tenants) != 200 {
		t.Errorf("Petra lists %d tenants, want 200", len(body.Tenants))
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(first), "\n"); n < 180 || !strings.HasPrefix(string(first), "tenant_id,tenant_name,company_id,contract_id,service_id\n") {
		t.Errorf("mappings CSV has %d lines:\n%.300s", n, first)
	}
	again := filepath.Join(dir, "again.csv")
	ctx2, cancel2 := context.WithCancel(t.Context())
	var out2 syncBuffer
	errc2 := make(chan error, 1)
	go func() {
		errc2 <- run(ctx2, []string{"-addr", "127.0.0.1:0", "-tenants", "200", "-broken", "6", "-mappings-csv", again, "-log-requests=false"}, env(nil), &out2, &out2)
	}()
	waitFor(t, &out2, "sandbox ready", errc2)
	cancel2()
	if err := <-errc2; err != nil {
		t.Fatal(err)
	}
	if second, _ := os.ReadFile(again); string(second) != string(first) {
		t.Error("the same -tenants, -broken and -seed wrote another mapping")
	}
}

func TestScaleFlagsRefuseBadCombinations(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-tenants", "-3"}, nil, "-tenants is -3"},
		{[]string{"-broken", "2"}, nil, "add -tenants N"},
		{[]string{"-tenants", "10", "-fixture", "x.json"}, nil, "use one or the other"},
		{[]string{"-tenants", "10"}, map[string]string{"SANDBOX_FIXTURE": "y.json"}, "y.json"},
		{[]string{"-addr", "127.0.0.1:0", "-tenants", "3", "-broken", "9"}, nil, "use a smaller -broken"},
	} {
		var out bytes.Buffer
		err := run(t.Context(), tc.args, env(tc.env), &out, &out)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: error %v, want %q", tc.args, tc.env, err, tc.want)
		}
	}
}
