package e2e

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/sandboxtest"
)

// rehearsalOptions are the sandbox guide's flags: -tenants 200 -broken 6.
var rehearsalOptions = sandbox.ScaleOptions{Tenants: 200, Broken: 6}

// guideConfig returns the page's complete configuration that reads file.
func guideConfig(t *testing.T, page, file string) Configuration {
	t.Helper()
	snips, err := PageSnippets(page)
	if err != nil {
		t.Fatal(err)
	}
	cfgs, err := PageConfigurations(snips)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cfgs {
		if strings.Contains(c.Files["main.tf"], file) {
			return c
		}
	}
	t.Fatalf("%s has no complete configuration reading %s", page, file)
	return Configuration{}
}

func sandboxVars(sb *sandboxtest.Instance) map[string]string {
	return map[string]string{
		"AUTOTASK_USERNAME": sb.Username, "AUTOTASK_SECRET": sb.Secret, "AUTOTASK_INTEGRATION_CODE": sb.IntegrationCode,
		"AUTOTASK_ZONE_LOOKUP_URL": sb.ZoneLookupURL, "PETRA_API_KEY": sb.PetraKey, "PETRA_API_URL": sb.PetraURL,
	}
}

// TestSandboxGuideNightlyRehearsalAt200Tenants is the sandbox guide's
// rehearsal as a user runs it: the fixture of `-tenants 200 -broken 6`, the
// mappings CSV it writes (the guide shows its first lines), the guide's
// nightly configuration, `plan -out` and `apply` of that plan with the real
// CLI. The apply exits 0, pushes one adjustment for each of the tenants
// whose contract is healthy and none for the 6 broken ones, which are
// recorded as failed in state with their reason; the next plan exits 0:
// nothing changed, and they fail again for the reasons recorded.
func TestSandboxGuideNightlyRehearsalAt200Tenants(t *testing.T) {
	t.Parallel()
	start := time.Now()
	fx, key, err := sandbox.ScaleFixture(rehearsalOptions)
	if err != nil {
		t.Fatal(err)
	}
	sb := sandboxtest.Start(t, fx)
	cfg := guideConfig(t, "templates/guides/sandbox.md.tmpl", "mappings.csv")

	var generated strings.Builder
	if err := sandbox.WriteScaleMappings(&generated, key); err != nil {
		t.Fatal(err)
	}
	if shown := cfg.Files["mappings.csv"]; !strings.HasPrefix(generated.String(), shown) {
		t.Fatalf("the sandbox guide shows mappings.csv starting:\n%s\nbut -tenants 200 -broken 6 writes:\n%.400s", shown, generated.String())
	}
	w := NewWorkdir(t, cfg.Files["main.tf"], sandboxVars(sb))
	w.writeFile(t, "mappings.csv", generated.String())

	healthy := map[string]int{} // tenant => Petra's count, which its line must hold
	broken := map[string]string{}
	for _, st := range key {
		switch {
		case st.CompanyID == 0:
		case st.Broken != "":
			broken[st.TenantID] = st.Broken
		default:
			healthy[st.TenantID] = st.BillableUsers
		}
	}
	if len(broken) != 6 || len(healthy) < 170 {
		t.Fatalf("the fixture has %d broken and %d healthy tenants with a company", len(broken), len(healthy))
	}

	plan := w.MustRun(nil, "plan", "-input=false", "-no-color", "-out=nightly.tfplan")
	for id, kind := range broken {
		want := map[string]string{
			sandbox.BrokenEnded: "Contract has ended", sandbox.BrokenNotStarted: "Contract has not started",
			sandbox.BrokenDuplicate: "Duplicate service on the contract",
		}[kind]
		if !strings.Contains(plan.Output(), fmt.Sprintf("(%s): %s", id, want)) {
			t.Errorf("the plan does not warn %q for broken tenant %s:\n%s", want, id, tail(plan.Output(), 3000))
		}
	}
	if strings.Contains(plan.Output(), "share no word") {
		t.Errorf("a generated mapping's names share no word:\n%s", tail(plan.Output(), 3000))
	}
	if err := sb.Admin.ClearRequests(t.Context()); err != nil {
		t.Fatal(err)
	}
	apply := w.Run(nil, "apply", "-input=false", "-no-color", "nightly.tfplan")
	if apply.ExitCode != 0 {
		t.Fatalf("the rehearsal's apply exited %d, want 0:\n%s", apply.ExitCode, tail(apply.Output(), 6000))
	}
	if n := strings.Count(apply.Output(), "Warning: Check block assertion failed"); n != 1 {
		t.Errorf("%d summary warnings at the end of the apply, want 1", n)
	}
	reqs, err := sb.Admin.Requests(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	adjusted := map[string]int{}
	for _, r := range reqs {
		if r.Method == "POST" && strings.HasSuffix(strings.ToLower(r.Path), "/contractserviceadjustments") {
			adjusted[r.Body]++
		}
	}
	posts := 0
	for _, n := range adjusted {
		posts += n
	}
	if posts != len(healthy) {
		t.Errorf("the apply posted %d adjustments, want %d (one per healthy tenant, none for the broken ones)", posts, len(healthy))
	}
	for body, n := range adjusted {
		if n > 1 {
			t.Errorf("one adjustment was posted %d times: %s", n, body)
		}
	}

	st := readState(t, w)
	failed := map[string]string{}
	okCount := 0
	for _, r := range st.Resources {
		if r.Type != "petra_autotask_billing_mapping" {
			continue
		}
		for _, in := range r.Instances {
			id := fmt.Sprint(in.IndexKey)
			switch in.Attributes["sync_status"] {
			case "failed":
				failed[id] = fmt.Sprint(in.Attributes["sync_error"])
			case "ok":
				okCount++
				if got := in.Attributes["units"]; fmt.Sprint(got) != strconv.Itoa(healthy[id]) {
					t.Errorf("tenant %s: units %v in state, want Petra's %d", id, got, healthy[id])
				}
			}
		}
	}
	var failedIDs, brokenIDs []string
	for id := range failed {
		failedIDs = append(failedIDs, id)
	}
	for id := range broken {
		brokenIDs = append(brokenIDs, id)
	}
	sort.Strings(failedIDs)
	sort.Strings(brokenIDs)
	if strings.Join(failedIDs, ",") != strings.Join(brokenIDs, ",") || okCount != len(healthy) {
		t.Errorf("failed billing mappings %v, want the broken tenants %v; %d ok, want %d", failedIDs, brokenIDs, okCount, len(healthy))
	}
	again := w.Run(nil, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	if again.ExitCode != 0 {
		t.Errorf("the next plan exited %d, want 0 (nothing changed: the failed tenants fail again for the reasons recorded):\n%s",
			again.ExitCode, tail(again.Output(), 3000))
	}
	t.Logf("rehearsal of %d tenants (%d healthy, %d broken) took %s", len(key), len(healthy), len(broken), time.Since(start).Round(time.Second))
}

// TestOnboardingGuideSuggestsAt200Tenants applies the onboarding guide's
// suggestion configuration against the generated 200-tenant fixture and
// reads its CSV output as a user would: one row per tenant; every exact or
// high-confidence row names the tenant's company; every tenant whose
// company has a duplicate is ambiguous with no company; and the companies
// were read in one batched query, not per tenant.
func TestOnboardingGuideSuggestsAt200Tenants(t *testing.T) {
	t.Parallel()
	fx, key, err := sandbox.ScaleFixture(rehearsalOptions)
	if err != nil {
		t.Fatal(err)
	}
	sb := sandboxtest.Start(t, fx)
	cfg := guideConfig(t, "templates/guides/onboarding.md.tmpl", "petra_autotask_company_matches")
	w := NewWorkdir(t, cfg.Files["main.tf"], sandboxVars(sb))
	if err := sb.Admin.ClearRequests(t.Context()); err != nil {
		t.Fatal(err)
	}
	w.MustRun(nil, "apply", "-auto-approve", "-input=false", "-no-color")
	reqs, err := sb.Admin.Requests(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	companyReads := 0
	for _, r := range reqs {
		if strings.Contains(strings.ToLower(r.Path), "/companies") {
			companyReads++
		}
	}
	if companyReads == 0 || companyReads > 2 {
		t.Errorf("the suggestion run read Autotask companies in %d requests, want 1 (210 companies fit in one page of 500)", companyReads)
	}
	out := w.MustRun(nil, "output", "-raw", "mappings_csv")
	path := filepath.Join(w.Dir, "suggested.csv")
	if err := os.WriteFile(path, []byte(out.Stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out.Stdout)).ReadAll()
	if err != nil {
		t.Fatalf("mappings_csv is not CSV: %v\n%.500s", err, out.Stdout)
	}
	if len(rows) != len(key)+1 || strings.Join(rows[0], ",") != "tenant_id,company_id,confidence,score,tenant_name,company_name,note" {
		t.Fatalf("mappings_csv: %d rows, header %v; want %d tenants and the guide's header", len(rows)-1, rows[0], len(key))
	}
	byID := map[string][]string{}
	for _, r := range rows[1:] {
		byID[r[0]] = r
	}
	counts := map[string]int{}
	for _, st := range key {
		r, ok := byID[st.TenantID]
		if !ok {
			t.Errorf("no row for tenant %s", st.TenantID)
			continue
		}
		conf := r[2]
		counts[conf]++
		if r[4] != st.TenantName {
			t.Errorf("tenant %s: tenant_name %q, want %q", st.TenantID, r[4], st.TenantName)
		}
		switch {
		case st.Ambiguous():
			if conf != "ambiguous" || r[1] != "" {
				t.Errorf("tenant %s (%q, duplicate companies): confidence %s company %q, want ambiguous and none", st.TenantID, st.TenantName, conf, r[1])
			}
		case conf == "exact" || conf == "high":
			if r[1] != strconv.FormatInt(st.CompanyID, 10) {
				t.Errorf("tenant %s (%q): %s suggestion %s %q, want company %d %q", st.TenantID, st.TenantName, conf, r[1], r[5], st.CompanyID, st.CompanyName)
			}
		}
	}
	t.Logf("confidence of 200 suggestions: %v", counts)
}
