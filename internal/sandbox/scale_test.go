package sandbox_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/sandboxtest"
)

// TestScaleFixtureIsDeterministicAndVaried: the same options give the same
// fixture; another seed another one; a 200-tenant fixture holds every kind
// of name difference the matching must handle.
func TestScaleFixtureIsDeterministicAndVaried(t *testing.T) {
	o := sandbox.ScaleOptions{Tenants: 200, Broken: 6, Seed: 0}
	fx1, key1, err := sandbox.ScaleFixture(o)
	if err != nil {
		t.Fatal(err)
	}
	fx2, key2, _ := sandbox.ScaleFixture(o)
	j1, _ := json.Marshal(fx1)
	j2, _ := json.Marshal(fx2)
	if !bytes.Equal(j1, j2) || !reflect.DeepEqual(key1, key2) {
		t.Fatal("two fixtures of the same options differ")
	}
	fx3, _, _ := sandbox.ScaleFixture(sandbox.ScaleOptions{Tenants: 200, Seed: 7})
	if j3, _ := json.Marshal(fx3); bytes.Equal(j1, j3) {
		t.Error("seed 7 gave the fixture of seed 0")
	}
	if len(fx1.Petra.Tenants) != 200 || len(key1) != 200 {
		t.Fatalf("%d tenants, %d key rows; want 200", len(fx1.Petra.Tenants), len(key1))
	}
	variants, broken := map[string]int{}, map[string]int{}
	ids := map[string]bool{}
	for i, st := range key1 {
		variants[st.Variant]++
		if st.Broken != "" {
			broken[st.Broken]++
		}
		if ids[st.TenantID] {
			t.Errorf("tenant id %s twice", st.TenantID)
		}
		ids[st.TenantID] = true
		if fx1.Petra.Tenants[i].Name != st.TenantName || fx1.Petra.Tenants[i].PetraTenantID != st.TenantID {
			t.Errorf("key row %d (%s %q) is not Petra tenant %d", i, st.TenantID, st.TenantName, i)
		}
		if (st.CompanyID == 0) != (st.Variant == sandbox.VariantNone) || (st.OtherCompanyID != 0) != st.Ambiguous() {
			t.Errorf("tenant %s (%s): company %d, other %d", st.TenantID, st.Variant, st.CompanyID, st.OtherCompanyID)
		}
	}
	for _, v := range []string{sandbox.VariantExact, sandbox.VariantSuffix, sandbox.VariantCase, sandbox.VariantAccent,
		sandbox.VariantAnd, sandbox.VariantAbbrev, sandbox.VariantTypo, sandbox.VariantShort, sandbox.VariantDuplicate, sandbox.VariantNone} {
		if variants[v] == 0 {
			t.Errorf("no tenant of variant %q in 200 (%v)", v, variants)
		}
	}
	if want := map[string]int{sandbox.BrokenEnded: 2, sandbox.BrokenNotStarted: 2, sandbox.BrokenDuplicate: 2}; !reflect.DeepEqual(broken, want) {
		t.Errorf("broken contracts %v, want %v", broken, want)
	}
	if _, _, err := sandbox.ScaleFixture(sandbox.ScaleOptions{Tenants: 0}); err == nil || !strings.Contains(err.Error(), "at least 1") {
		t.Errorf("0 tenants: %v", err)
	}
	if _, _, err := sandbox.ScaleFixture(sandbox.ScaleOptions{Tenants: 3, Broken: 50}); err == nil || !strings.Contains(err.Error(), "use a smaller -broken") {
		t.Errorf("-broken 50 of 3: %v", err)
	}
}

// TestScaleFixtureServes: the sandbox starts with a generated fixture, and a
// REST client sees its companies, its Petra tenants and, for a broken
// tenant, the Petra service twice on its contract.
func TestScaleFixtureServes(t *testing.T) {
	fx, key, err := sandbox.ScaleFixture(sandbox.ScaleOptions{Tenants: 30, Broken: 3, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	in := sandboxtest.Start(t, fx)
	var tenants struct {
		Tenants []struct {
			ID   string `json:"petraTenantId"`
			Name string `json:"name"`
		} `json:"tenants"`
	}
	decode(t, petra(t, in, "/v1/tenants"), &tenants)
	if len(tenants.Tenants) != 30 {
		t.Fatalf("Petra lists %d tenants, want 30", len(tenants.Tenants))
	}
	for _, st := range key {
		if st.CompanyID == 0 {
			continue
		}
		if got := companiesNamed(t, in, st.CompanyName); len(got) == 0 {
			t.Errorf("no Autotask company named %q (tenant %s)", st.CompanyName, st.TenantID)
		}
		if st.Broken != sandbox.BrokenDuplicate {
			continue
		}
		var lines struct {
			Items []map[string]any `json:"items"`
		}
		decode(t, autotask(t, in, http.MethodPost, "ContractServices/query", map[string]any{
			"filter": []any{map[string]any{"op": "eq", "field": "contractID", "value": st.ContractID}},
		}), &lines)
		petraLines := 0
		for _, l := range lines.Items {
			if l["serviceID"] == float64(sandbox.ScaleServicePetra) {
				petraLines++
			}
		}
		if petraLines != 2 {
			t.Errorf("broken tenant %s: the Petra service is %d times on contract %d, want 2", st.TenantID, petraLines, st.ContractID)
		}
	}
	var buf bytes.Buffer
	if err := sandbox.WriteScaleMappings(&buf, key); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	withCompany := 0
	for _, st := range key {
		if st.CompanyID != 0 {
			withCompany++
		}
	}
	if len(rows) != withCompany+1 || strings.Join(rows[0], ",") != "tenant_id,tenant_name,company_id,contract_id,service_id" {
		t.Errorf("mappings CSV: %d rows (want %d and a header), header %v", len(rows), withCompany+1, rows[0])
	}
}
