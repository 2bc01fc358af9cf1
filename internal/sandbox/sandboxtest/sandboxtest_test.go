package sandboxtest_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/sandboxtest"
)

func TestStartServesBothAPIsAndAdmin(t *testing.T) {
	in := sandboxtest.Start(t, nil)
	if in.Username == "" || in.Secret == "" || len(in.IntegrationCode) != 27 || in.PetraKey == "" {
		t.Fatalf("credentials missing: %+v", in)
	}
	info, err := in.Admin.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if info.BaseURL != in.URL {
		t.Errorf("info.baseUrl %s != %s", info.BaseURL, in.URL)
	}

	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, in.PetraURL+"/v1/tenants", nil)
	req.Header.Set("Authorization", "Bearer "+in.PetraKey)
	req.Header.Set("User-Agent", "sandboxtest")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tenants struct {
		TotalTenants int `json:"totalTenants"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tenants)
	resp.Body.Close()
	if resp.StatusCode != 200 || tenants.TotalTenants != 8 {
		t.Errorf("petra tenants: %d, %d tenants", resp.StatusCode, tenants.TotalTenants)
	}

	req, _ = http.NewRequestWithContext(t.Context(), http.MethodGet, in.ZoneLookupURL+"v1.0/zoneInformation?user="+in.Username, nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var zone struct {
		URL string `json:"url"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&zone)
	resp.Body.Close()
	if resp.StatusCode != 200 || zone.URL != in.AutotaskBaseURL {
		t.Errorf("zone lookup: %d url %q, want %q", resp.StatusCode, zone.URL, in.AutotaskBaseURL)
	}
}

func TestStartWithCustomFixture(t *testing.T) {
	fx := sandbox.DemoFixture()
	fx.Today = "2026-05-01"
	in := sandboxtest.Start(t, fx)
	st, err := in.Admin.Clock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Today != "2026-05-01" || !st.Pinned {
		t.Errorf("clock = %+v, want pinned 2026-05-01", st)
	}
}
