package sandbox_test

import (
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/sandboxtest"
)

func TestBuiltinFixtures(t *testing.T) {
	base, demo := sandbox.BaseFixture(), sandbox.DemoFixture()
	if n := len(base.Autotask.Companies) + len(base.Autotask.Contracts) + len(base.Autotask.ContractServices) + len(base.Autotask.Services); n != 0 {
		t.Errorf("base fixture must hold no Autotask entities (tests create them through the API), has %d", n)
	}
	if len(base.Autotask.APIUsers) != 6 {
		t.Errorf("base fixture has %d API users, want 6 (two full, two restricted, inactive, non-API)", len(base.Autotask.APIUsers))
	}
	if !reflect.DeepEqual(base.Autotask.APIUsers, demo.Autotask.APIUsers) ||
		!reflect.DeepEqual(base.Autotask.TicketPicklists, demo.Autotask.TicketPicklists) ||
		!reflect.DeepEqual(base.Petra, demo.Petra) {
		t.Error("demo fixture drifted from the base fixture: users, picklists and Petra data must be identical")
	}
	if len(demo.Autotask.Companies) < 8 || len(demo.Autotask.Contracts) < 6 {
		t.Errorf("demo fixture has %d companies and %d contracts", len(demo.Autotask.Companies), len(demo.Autotask.Contracts))
	}
	for _, u := range base.Autotask.APIUsers {
		if len(u.IntegrationCode) != 27 {
			t.Errorf("user %s: integration code %q has %d chars, want 27 like a real tracking identifier", u.UserName, u.IntegrationCode, len(u.IntegrationCode))
		}
	}
	visible, paused := 0, 0
	for _, tn := range base.Petra.Tenants {
		if !tn.Removed {
			visible++
		}
		if tn.IsPaused {
			paused++
		}
	}
	if visible != 8 || paused != 1 {
		t.Errorf("Petra tenants: %d visible, %d paused; want 8 and 1", visible, paused)
	}
	// Fresh copies: changing one must not change the next.
	base.Petra.APIKeys[0] = "changed"
	if sandbox.BaseFixture().Petra.APIKeys[0] == "changed" {
		t.Error("BaseFixture returns shared state")
	}
}

func TestParseFixtureErrors(t *testing.T) {
	for _, tc := range []struct {
		name, json string
		want       []string
	}{
		{"unknown nested field", "{\n\"autotask\": {\n\"apiUsers\": [{\"userName\": \"a\", \"secrett\": \"x\"}]\n},\n\"petra\": {}\n}", []string{`"secrett"`, "(line 3)", "README.md"}},
		{"unknown top field", `{"petra": {}, "tody": "2026-01-01"}`, []string{`"tody"`}},
		{"wrong type", `{"today": 20261123}`, []string{`"today"`, "string"}},
		{"syntax", "{\n\"today\": \"2026-11-23\",\n}", []string{"not valid JSON", "line 3"}},
		{"bad today", `{"today": "23/11/2026", "petra": {"apiKeys": ["petra_x"]}}`, []string{`"today" is "23/11/2026"`, "2026-11-23"}},
		{"trailing data", `{"petra": {"apiKeys": ["petra_x"]}} {}`, []string{"after its closing brace"}},
		{"petra validation", `{"petra": {"apiKeys": ["petra_x"], "tenants": [{"petraTenantId": "A", "name": "A", "microsoftTenantId": "nope", "onboardingDate": "today"}]}}`, []string{"not a GUID", "tenants[0]"}},
		{"empty", ``, []string{"empty"}},
	} {
		_, err := sandbox.ParseFixture([]byte(tc.json))
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", tc.name, err, w)
			}
		}
	}
}

func TestLoadFixture(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "fx.json")
	if err := os.WriteFile(p, []byte(`{"today":"2026-11-23","petra":{"apiKeys":["petra_x"]},"autotask":{"apiUsers":[{"userName":"u@x","secret":"s","integrationCode":"C"}]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	fx, err := sandbox.LoadFixture(p)
	if err != nil {
		t.Fatal(err)
	}
	if fx.Today != "2026-11-23" || fx.Autotask.APIUsers[0].UserName != "u@x" {
		t.Errorf("loaded %+v", fx)
	}
	_, err = sandbox.LoadFixture(filepath.Join(dir, "missing.json"))
	if err == nil || !strings.Contains(err.Error(), "SANDBOX_FIXTURE") {
		t.Errorf("missing file: %v", err)
	}
	if err := os.WriteFile(p, []byte(`{"bogus":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err = sandbox.LoadFixture(p); err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), `"bogus"`) {
		t.Errorf("bad file error must name the file and field: %v", err)
	}
}

// TestRelativeDatesResolveAgainstPinnedToday checks through both APIs that
// "today±N" dates in a fixture resolve against the fixture's "today".
func TestRelativeDatesResolveAgainstPinnedToday(t *testing.T) {
	fx := sandbox.DemoFixture()
	fx.Today = "2026-11-23"
	in := sandboxtest.Start(t, fx)

	var c struct {
		Item map[string]any `json:"item"`
	}
	decode(t, autotask(t, in, http.MethodGet, "Contracts/2006", nil), &c) // ended today-30d
	if c.Item == nil || !strings.HasPrefix(c.Item["endDate"].(string), "2026-10-24T00:00:00") {
		t.Errorf("contract 2006 endDate = %v, want 2026-10-24 (today-30d)", c.Item["endDate"])
	}
	decode(t, autotask(t, in, http.MethodGet, "Contracts/2005", nil), &c) // starts today+30d
	if c.Item == nil || !strings.HasPrefix(c.Item["startDate"].(string), "2026-12-23T00:00:00") {
		t.Errorf("contract 2005 startDate = %v, want 2026-12-23 (today+30d)", c.Item["startDate"])
	}

	var tenants struct {
		Tenants []map[string]any `json:"tenants"`
	}
	decode(t, petra(t, in, "/v1/tenants"), &tenants)
	found := false
	for _, tn := range tenants.Tenants {
		if tn["petraTenantId"] == "Wr8Qs4" { // onboarded today-10d
			found = true
			if tn["onboardingDate"] != "2026-11-13T00:00:00.000Z" {
				t.Errorf("Wr8Qs4 onboardingDate = %v, want 2026-11-13T00:00:00.000Z", tn["onboardingDate"])
			}
		}
	}
	if !found {
		t.Error("tenant Wr8Qs4 missing")
	}
}
