package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
)

// billingResultsBlock is the documented billing_results output, as
// examples/demo/main.tf has it; the billing-sync guide must carry the same
// block (TestGuideBillingResultsMatchesDemo).
func billingResultsBlock(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(), "examples", "demo", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	return outputBlock(t, string(b), "examples/demo/main.tf")
}

// outputBlock cuts `output "billing_results" { ... }` out of a file's text.
func outputBlock(t *testing.T, s, where string) string {
	t.Helper()
	start := strings.Index(s, "output \"billing_results\" {")
	if start < 0 {
		t.Fatalf(`%s has no output "billing_results"`, where)
	}
	end := strings.Index(s[start:], "\n}\n")
	if end < 0 {
		t.Fatalf(`output "billing_results" in %s does not end with "}" on its own line`, where)
	}
	return s[start : start+end+3]
}

// TestGuideBillingResultsMatchesDemo: the guide's billing_results output is
// the demo's, which the tests below run.
func TestGuideBillingResultsMatchesDemo(t *testing.T) {
	guide, err := os.ReadFile(filepath.Join(repoRoot(), "templates", "guides", "billing-sync.md.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := outputBlock(t, string(guide), "billing-sync.md.tmpl"), billingResultsBlock(t); got != want {
		t.Fatalf("the billing guide's billing_results output differs from examples/demo/main.tf's:\nguide:\n%s\ndemo:\n%s", got, want)
	}
}

// resultsTF is the billing guide's configuration in warn mode (counts given
// per tenant instead of from Petra, so that each row's change is chosen),
// with the plan-time preview and the billing_results output.
const resultsTF = `terraform {
  required_providers {
    petra = { source = "petrasecurity/petra" }
  }
}

provider "petra" {
  billing_check_failure = "warn"
}

locals {
  billing = {
%s  }
}

data "petra_usage" "this" {
  tenant_ids = keys(local.billing)
}

resource "petra_autotask_billing_mapping" "tenant" {
  for_each      = local.billing
  connection_id = %q
  tenant_id     = each.key
  company_id    = each.value.company_id
  contract_id   = each.value.contract_id
  service_id    = each.value.service_id
  units         = each.value.units
}

data "petra_autotask_contract_service_units" "now" {
  lines = {
    for id, b in local.billing : id => {
      contract_id  = b.contract_id
      service_id   = b.service_id
      target_units = b.units
    }
  }
}

%s`

// resultRow is one row of billing_results.
type resultRow struct {
	Tenant  string `json:"tenant"`
	Company string `json:"company"`
	Line    string `json:"line"`
	Before  *int64 `json:"before"`
	After   *int64 `json:"after"`
	Status  string `json:"status"`
}

func n64(n int64) *int64 { return &n }

// TestBillingResultsAfterWarnModeRunWithOneFailingTenant is a nightly run in
// warn mode over three tenants, one of them on a contract that ended
// yesterday. The apply exits 0 and billing_results has a row per tenant:
// the changed one synced with its units before and after, the one Autotask
// already held unchanged, the broken one failed with its reason and nothing
// pushed (after = before). examples/results-report turns the real
// `terraform output -json` into CSV and Markdown, escaping a contract name
// with a comma, quotes and a pipe. The next run, after the contract is
// extended, retries the failed tenant and syncs it.
func TestBillingResultsAfterWarnModeRunWithOneFailingTenant(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	if err := env.Sandbox.Admin.SetPetraRateLimit(context.Background(), 1000); err != nil {
		t.Fatal(err)
	}
	const synced, unchanged, ended = "ZZk90t", "Y3mPqr", "Mv2Rt6"
	targets := map[string]acctest.BillingTarget{
		synced: env.NewBillingTarget(t, 5), unchanged: env.NewBillingTarget(t, 9), ended: env.NewBillingTarget(t, 4),
	}
	odd := env.Unique(`Managed, "Secure" | Plus`)
	env.UpdateContract(t, targets[synced].ContractID, map[string]any{"contractName": odd})
	env.UpdateContract(t, targets[ended].ContractID, map[string]any{"endDate": env.Date(-1) + "T00:00:00Z"})
	units := map[string]int64{synced: 12, unchanged: 9, ended: 7}
	var rows strings.Builder
	for _, id := range []string{synced, unchanged, ended} {
		b := targets[id]
		fmt.Fprintf(&rows, "    %s = { company_id = %d, contract_id = %d, service_id = %d, units = %d }\n",
			id, b.CompanyID, b.ContractID, b.ServiceID, units[id])
	}
	secrets := env.Secrets()
	w := NewWorkdir(t, fmt.Sprintf(resultsTF, rows.String(), env.ConnectionID(), billingResultsBlock(t)), map[string]string{
		"AUTOTASK_USERNAME": env.Username(), "AUTOTASK_SECRET": secrets[0], "AUTOTASK_INTEGRATION_CODE": secrets[1],
		"AUTOTASK_ZONE_LOOKUP_URL": env.Sandbox.ZoneLookupURL, "PETRA_API_KEY": secrets[2], "PETRA_API_URL": env.Sandbox.PetraURL,
	})
	row := func(id, line string, before, after *int64, status string) resultRow {
		b := targets[id]
		if line == "" {
			line = b.ContractName
		}
		return resultRow{Tenant: fmt.Sprintf("%s (%s)", fixtureTenant(t, id).Name, id), Company: b.CompanyName,
			Line: line + " / " + b.ServiceName, Before: before, After: after, Status: status}
	}
	endedReason := fmt.Sprintf(`failed: Contract has ended: Contract %q ended on %s. Billing cannot be synced to an `+
		`expired contract — extend the contract end date in Autotask or map this tenant to an active contract.`,
		targets[ended].ContractName, env.Date(-1))

	seq := lastSeq(t, env)
	w.MustRun(nil, "apply", "-auto-approve", "-input=false", "-no-color")
	// The ended contract's line holds no units in effect today: before and
	// after are 0, and nothing was pushed to it.
	want := map[string]resultRow{
		synced:    row(synced, odd, n64(5), n64(12), "synced"),
		unchanged: row(unchanged, "", n64(9), n64(9), "unchanged"),
		ended:     row(ended, "", n64(0), n64(0), endedReason),
	}
	out := w.MustRun(nil, "output", "-json", "billing_results").Stdout
	var got map[string]resultRow
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("billing_results: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("billing_results after the warn-mode run:\n got %s\nwant %s", jsonOf(got), jsonOf(want))
	}
	if n := adjustmentPosts(t, env, seq); n != 1 {
		t.Fatalf("%d adjustments were posted, want 1 (the synced tenant's +7)", n)
	}

	// The audit trail: every output, as `terraform output -json` gives it.
	all := w.MustRun(nil, "output", "-json").Stdout
	names := map[string]string{}
	for _, id := range []string{synced, unchanged, ended} {
		names[id] = fixtureTenant(t, id).Name
	}
	csvWant := "Tenant,Company,Line,Before,After,Status\n"
	mdWant := "| Tenant | Company | Line | Before | After | Status |\n|---|---|---|---:|---:|---|\n"
	for _, id := range sortedByTenant(names) {
		r := want[id]
		csvLine := fmt.Sprintf("%s,%s,%s,%d,%d,%s\n", csvQuote(r.Tenant), csvQuote(r.Company), csvQuote(r.Line), *r.Before, *r.After, csvQuote(r.Status))
		csvWant += csvLine
		mdWant += fmt.Sprintf("| %s | %s | %s | %d | %d | %s |\n", strings.ReplaceAll(r.Tenant, "|", `\|`),
			strings.ReplaceAll(r.Company, "|", `\|`), strings.ReplaceAll(r.Line, "|", `\|`), *r.Before, *r.After,
			strings.ReplaceAll(r.Status, "|", `\|`))
	}
	if got := resultsReport(t, all, "csv"); got != csvWant {
		t.Fatalf("CSV:\n%s\nwant:\n%s", got, csvWant)
	}
	if got := resultsReport(t, all, "markdown"); got != mdWant {
		t.Fatalf("Markdown:\n%s\nwant:\n%s", got, mdWant)
	}

	// The contract is extended: the next run retries the failed tenant.
	env.UpdateContract(t, targets[ended].ContractID, map[string]any{"endDate": env.Date(300) + "T00:00:00Z"})
	w.MustRun(nil, "apply", "-auto-approve", "-input=false", "-no-color")
	out = w.MustRun(nil, "output", "-json", "billing_results").Stdout
	got = nil
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	want = map[string]resultRow{
		synced:    row(synced, odd, n64(12), n64(12), "unchanged"),
		unchanged: row(unchanged, "", n64(9), n64(9), "unchanged"),
		ended:     row(ended, "", n64(0), n64(7), "synced"),
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("billing_results after the retry:\n got %s\nwant %s", jsonOf(got), jsonOf(want))
	}
	if u := env.UnitsToday(t, targets[ended].ContractServiceID); u != 7 {
		t.Fatalf("the retried tenant's line holds %d units, want 7", u)
	}
}

func jsonOf(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// sortedByTenant orders ids as the report does: by tenant name.
func sortedByTenant(names map[string]string) []string {
	ids := make([]string, 0, len(names))
	for id := range names {
		ids = append(ids, id)
	}
	for i := range ids {
		for j := i + 1; j < len(ids); j++ {
			if strings.ToLower(names[ids[j]]) < strings.ToLower(names[ids[i]]) {
				ids[i], ids[j] = ids[j], ids[i]
			}
		}
	}
	return ids
}

// csvQuote quotes a field as RFC 4180 requires (commas, quotes, newlines).
func csvQuote(s string) string {
	if !strings.ContainsAny(s, ",\"\r\n") && !strings.HasPrefix(s, " ") {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// resultsReport runs examples/results-report on input, as a user does
// (`terraform output -json | go run ./examples/results-report`).
func resultsReport(t *testing.T, input, format string) string {
	t.Helper()
	// `go test` puts its own go first on PATH for the tests it runs.
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command on PATH to run examples/results-report: %v", err)
	}
	cmd := exec.CommandContext(context.Background(), goBin, "run", "./examples/results-report", "-format", format)
	cmd.Dir = repoRoot()
	cmd.Stdin = strings.NewReader(input)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go run ./examples/results-report -format %s: %v\n%s", format, err, stderr.String())
	}
	return string(out)
}
