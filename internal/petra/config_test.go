package petra

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

func TestNewRequiresAndChecksAPIKey(t *testing.T) {
	cases := []struct {
		key  string
		want []string
	}{
		{"", []string{"no Petra API key", "Settings -> API Keys", "Admins", "shown only once", "PETRA_API_KEY"}},
		{"   ", []string{"no Petra API key"}},
		{"Bearer petra_abc123", []string{`starts with "Bearer "`}},
		{"petra_abc\n123", []string{"line breaks"}},
	}
	for _, tc := range cases {
		_, err := New(Config{APIKey: tc.key})
		if err == nil {
			t.Errorf("New(key %q) succeeded, want an error", tc.key)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("New(key %q) error %q lacks %q", tc.key, err, w)
			}
		}
		if strings.TrimSpace(tc.key) != "" && strings.Contains(err.Error(), strings.TrimSpace(tc.key)) {
			t.Errorf("error echoes the key: %v", err)
		}
	}
}

func TestNewBaseURLRules(t *testing.T) {
	ok := map[string]string{
		"":                               DefaultBaseURL,
		"https://api.petrasecurity.com/": DefaultBaseURL,
		"http://127.0.0.1:8089/petra":    "http://127.0.0.1:8089/petra",
		"http://127.9.9.9:1":             "http://127.9.9.9:1",
		"http://localhost:8089/":         "http://localhost:8089",
		"HTTP://LOCALHOST:8089":          "http://LOCALHOST:8089",
		"http://[::1]:8089/x/":           "http://[::1]:8089/x",
		"https://petra.example.com/p/":   "https://petra.example.com/p",
	}
	for in, want := range ok {
		c, err := New(Config{APIKey: testKey, BaseURL: in})
		if err != nil {
			t.Errorf("New(BaseURL %q): %v", in, err)
			continue
		}
		if got := c.BaseURL(); got != want {
			t.Errorf("New(BaseURL %q).BaseURL() = %q, want %q", in, got, want)
		}
	}
	bad := map[string]string{
		"http://api.petrasecurity.com":       "plain http",
		"http://10.0.0.5:8089":               "plain http",
		"http://localhost.evil.com":          "plain http",
		"ftp://api.petrasecurity.com":        "https://",
		"api.petrasecurity.com":              "not an absolute URL",
		"https://u:p@api.petrasecurity.com":  "user name or password",
		"https://api.petrasecurity.com/?x=1": "query",
	}
	for in, want := range bad {
		_, err := New(Config{APIKey: testKey, BaseURL: in})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New(BaseURL %q) err = %v, want mention of %q", in, err, want)
		}
	}
}

func TestNewRejectsNonsenseLimits(t *testing.T) {
	if _, err := New(Config{APIKey: testKey, RequestsPerMinute: -1}); err == nil || !strings.Contains(err.Error(), "RequestsPerMinute") {
		t.Errorf("negative RequestsPerMinute: err = %v", err)
	}
	if _, err := New(Config{APIKey: testKey, MaxWait: -1}); err == nil {
		t.Error("negative MaxWait accepted")
	}
}

func TestEveryRequestCarriesAuthUserAgentAndAccept(t *testing.T) {
	clk := newFakeClock(true)
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) { jsonReply(w, 200, `{"tenants":[]}`) })

	c := newTestClient(t, ts, clk, nil, nil)
	if _, err := c.Tenants(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := ts.Hits()[0].header
	if got := h.Get("Authorization"); got != "Bearer "+testKey {
		t.Errorf("Authorization = %q, want Bearer <key>", got)
	}
	if got := h.Get("User-Agent"); got != "petra-test/1.0" {
		t.Errorf("User-Agent = %q, want the configured one", got)
	}
	if got := h.Get("Accept"); got != "application/json" {
		t.Errorf("Accept = %q", got)
	}

	// Without a configured User-Agent the default is still sent.
	c = newTestClient(t, ts, clk, nil, func(cfg *Config) { cfg.UserAgent = "" })
	if _, err := c.Tenants(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := ts.Hits()[1].header.Get("User-Agent"); got != DefaultUserAgent {
		t.Errorf("default User-Agent = %q, want %q", got, DefaultUserAgent)
	}
}

func TestBaseURLPathPrefixIsKept(t *testing.T) {
	clk := newFakeClock(true)
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/petra/v1/billable-users" {
			http.NotFound(w, r)
			return
		}
		jsonReply(w, 200, billableUsersJSON)
	})
	c := newTestClient(t, ts, clk, nil, func(cfg *Config) { cfg.BaseURL = ts.URL + "/petra/" })
	b, err := c.BillableUsers(context.Background(), "ZZk90t")
	if err != nil {
		t.Fatalf("BillableUsers via path prefix: %v", err)
	}
	if b.TenantID != "ZZk90t" || ts.Hits()[0].path != "/petra/v1/billable-users" {
		t.Errorf("path = %s", ts.Hits()[0].path)
	}
}
