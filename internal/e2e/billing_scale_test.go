package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/bench"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/sandboxtest"
)

const guideScaleTenants = 500

// TestBillingGuideAt500Tenants plans the billing sync guide's configuration,
// as written, for 500 tenants (its local.billing replaced through an
// override file, the way Terraform merges *_override.tf files), and checks
// with the sandbox's request log that the plan made at most one request per
// Petra route, that Trial and NFR tenants get no billing mapping, and that
// every other tenant is billed its live count, which the plan's preview
// shows beside what Autotask holds.
func TestBillingGuideAt500Tenants(t *testing.T) {
	t.Parallel()
	fx := bench.Fixture(guideScaleTenants)
	excluded := map[string]string{}
	for i := range fx.Petra.Tenants {
		switch i % 50 {
		case 7:
			fx.Petra.Tenants[i].BillableStatus = "Trial"
		case 31:
			fx.Petra.Tenants[i].BillableStatus = "NFR"
		default:
			continue
		}
		excluded[fx.Petra.Tenants[i].PetraTenantID] = fx.Petra.Tenants[i].BillableStatus
	}
	sb := sandboxtest.Start(t, fx)

	snips, err := PageSnippets("templates/guides/billing-sync.md.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	cfgs, err := PageConfigurations(snips)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfgs) == 0 {
		t.Fatal("the billing sync guide has no complete configuration to plan")
	}
	// The guide's configuration with every addition that continues it (the
	// preview of every change).
	cfg := cfgs[len(cfgs)-1]
	var override strings.Builder
	override.WriteString("locals {\n  billing = {\n")
	for i := range guideScaleTenants {
		fmt.Fprintf(&override, "    %s = { company_id = %d, contract_id = %d, service_id = %d }\n",
			bench.TenantID(i), bench.CompanyID(i), bench.ContractID(i), bench.ServicePetra)
	}
	override.WriteString("  }\n}\n")

	w := NewWorkdir(t, cfg.Files["main.tf"], map[string]string{
		"AUTOTASK_USERNAME":         sb.Username,
		"AUTOTASK_SECRET":           sb.Secret,
		"AUTOTASK_INTEGRATION_CODE": sb.IntegrationCode,
		"AUTOTASK_ZONE_LOOKUP_URL":  sb.ZoneLookupURL,
		"PETRA_API_KEY":             sb.PetraKey,
		"PETRA_API_URL":             sb.PetraURL,
	})
	if err := os.WriteFile(filepath.Join(w.Dir, "billing_override.tf"), []byte(override.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := sb.Admin.ClearRequests(t.Context()); err != nil {
		t.Fatal(err)
	}
	w.MustRun(nil, "plan", "-input=false", "-no-color", "-out=tfplan")

	reqs, err := sb.Admin.Requests(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	perRoute := map[string]int{}
	for _, r := range reqs {
		if r.API == "petra" {
			perRoute[r.Path]++
		}
	}
	var routes []string
	for p, n := range perRoute {
		routes = append(routes, fmt.Sprintf("%s: %d", p, n))
		if n > 1 {
			t.Errorf("the plan of %d tenants sent %d requests to Petra's %s; every Petra read must be shared by the run",
				guideScaleTenants, n, p)
		}
	}
	sort.Strings(routes)
	t.Logf("Petra requests per route: %v; %d requests in all", routes, len(reqs))
	if !strings.Contains(strings.Join(routes, " "), "/v1/usage: 1") {
		t.Errorf("the plan did not read Petra's usage report once (%v)", routes)
	}

	show := w.MustRun(nil, "show", "-json", "tfplan")
	var plan struct {
		OutputChanges map[string]struct {
			After any `json:"after"`
		} `json:"output_changes"`
		ResourceChanges []struct {
			Type   string `json:"type"`
			Index  any    `json:"index"`
			Change struct {
				Actions []string       `json:"actions"`
				After   map[string]any `json:"after"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(show.Stdout), &plan); err != nil {
		t.Fatalf("terraform show -json: %v", err)
	}
	billed := map[string]float64{}
	for _, rc := range plan.ResourceChanges {
		if rc.Type != "petra_autotask_billing_mapping" {
			continue
		}
		key, _ := rc.Index.(string)
		units, _ := rc.Change.After["units"].(float64)
		billed[key] = units
	}
	if want := guideScaleTenants - len(excluded); len(billed) != want {
		t.Errorf("the plan has %d billing mappings, want %d (500 tenants less %d Trial and NFR)", len(billed), want, len(excluded))
	}
	for id, status := range excluded {
		if _, ok := billed[id]; ok {
			t.Errorf("tenant %s is %s but the guide's configuration bills it", id, status)
		}
	}
	for i := range guideScaleTenants {
		id := bench.TenantID(i)
		if _, skip := excluded[id]; skip {
			continue
		}
		if got, want := billed[id], float64(bench.BillableUsers(i)); got != want {
			t.Errorf("tenant %s is billed %v units, want its live count %v", id, got, want)
		}
	}
	// Every billed line's seeded units differ from the tenant's count: the
	// preview lists each change, from what Autotask holds to the count.
	preview, _ := plan.OutputChanges["billing_preview"].After.(map[string]any)
	if len(preview) != len(billed) {
		t.Errorf("the plan's billing_preview lists %d changes, want one per billed tenant (%d)", len(preview), len(billed))
	}
	if got, want := preview[bench.TenantID(1)], fmt.Sprintf("Bench Customer 00001 / Bench Customer 00001 - Managed Services / "+
		"Petra M365 Account Protection: %d → %d (%+d)", bench.SeededUnits(1), bench.BillableUsers(1),
		bench.BillableUsers(1)-bench.SeededUnits(1)); got != want {
		t.Errorf("billing_preview of %s = %v, want %q", bench.TenantID(1), got, want)
	}
}
