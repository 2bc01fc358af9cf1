package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/sandboxtest"
)

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// apiResult is one raw HTTP exchange with either emulator.
type apiResult struct {
	status int
	header http.Header
	body   []byte
	err    error // transport error
}

func (r apiResult) String() string {
	if r.err != nil {
		return "transport error: " + r.err.Error()
	}
	return fmt.Sprintf("%d %s", r.status, r.body)
}

// freshClient avoids connection reuse so a dropped connection cannot affect
// the next request.
func freshClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
}

// autotask sends an authenticated Autotask request as a standard REST client
// would. path is relative to the zone URL's V1.0 ("Companies/query").
func autotask(t *testing.T, in *sandboxtest.Instance, method, path string, body any) apiResult {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx(t), method, in.AutotaskBaseURL+"V1.0/"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("UserName", in.Username)
	req.Header.Set("Secret", in.Secret)
	req.Header.Set("ApiIntegrationCode", in.IntegrationCode)
	req.Header.Set("Content-Type", "application/json")
	return do(freshClient(), req)
}

// petra sends an authenticated Petra request; path is "/v1/...".
func petra(t *testing.T, in *sandboxtest.Instance, path string) apiResult {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), http.MethodGet, in.PetraURL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+in.PetraKey)
	req.Header.Set("User-Agent", "sandbox-test/1.0")
	return do(freshClient(), req)
}

func do(c *http.Client, req *http.Request) apiResult {
	resp, err := c.Do(req)
	if err != nil {
		return apiResult{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return apiResult{status: resp.StatusCode, header: resp.Header, body: b, err: err}
}

// get is a plain GET with the test's context.
func get(t *testing.T, url string) apiResult {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(freshClient(), req)
}

// post sends a raw JSON body with the test's context.
func post(t *testing.T, url, body string) apiResult {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return do(freshClient(), req)
}

func decode(t *testing.T, r apiResult, out any) {
	t.Helper()
	if r.err != nil || r.status != http.StatusOK {
		t.Fatalf("want 200, got %s", r)
	}
	if err := json.Unmarshal(r.body, out); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// companiesNamed queries Companies by name through the Autotask API.
func companiesNamed(t *testing.T, in *sandboxtest.Instance, name string) []map[string]any {
	t.Helper()
	var out struct {
		Items []map[string]any `json:"items"`
	}
	decode(t, autotask(t, in, http.MethodPost, "Companies/query", map[string]any{
		"filter": []any{map[string]any{"op": "eq", "field": "companyName", "value": name}},
	}), &out)
	return out.Items
}

func newCompany(name string) map[string]any {
	return map[string]any{"companyName": name, "companyType": 1, "phone": "555-0199", "ownerResourceID": 29682885}
}

func mustContain(t *testing.T, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Errorf("%q does not contain %q", s, sub)
	}
}
