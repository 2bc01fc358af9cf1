package e2e

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/billing"
)

// resultsBlockStart and resultsBlockEnd delimit the documented results of a
// run: the billing_results local and output, the billing_report output and
// the check block, as examples/demo/main.tf has them; the billing-sync guide
// must carry the same text (TestGuideBillingResultsMatchesDemo).
const (
	resultsBlockStart = "locals {\n  billing_results = {"
	resultsBlockEnd   = "check \"billing_sync\" {"
)

// billingResultsBlock is the documented results block of examples/demo.
func billingResultsBlock(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(), "examples", "demo", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	return resultsBlock(t, string(b), "examples/demo/main.tf")
}

// resultsBlock cuts the results block out of a file's text: from the
// billing_results local to the end of the billing_sync check block.
func resultsBlock(t *testing.T, s, where string) string {
	t.Helper()
	start := strings.Index(s, resultsBlockStart)
	if start < 0 {
		t.Fatalf("%s has no %q", where, resultsBlockStart)
	}
	check := strings.Index(s[start:], resultsBlockEnd)
	if check < 0 {
		t.Fatalf("%s has no %q after the billing_results local", where, resultsBlockEnd)
	}
	end := strings.Index(s[start+check:], "\n}\n")
	if end < 0 {
		t.Fatalf(`the billing_sync check of %s does not end with "}" on its own line`, where)
	}
	return s[start : start+check+end+3]
}

// TestGuideBillingResultsMatchesDemo: the guide's results block is the
// demo's, which the tests below run.
func TestGuideBillingResultsMatchesDemo(t *testing.T) {
	guide, err := os.ReadFile(filepath.Join(repoRoot(), "templates", "guides", "billing-sync.md.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := resultsBlock(t, string(guide), "billing-sync.md.tmpl"), billingResultsBlock(t); got != want {
		t.Fatalf("the billing guide's results block differs from examples/demo/main.tf's:\nguide:\n%s\ndemo:\n%s", got, want)
	}
}

// resultRow is one row of billing_results.
type resultRow struct {
	Tenant  string `json:"tenant"`
	Company string `json:"company"`
	Line    string `json:"line"`
	Before  *int64 `json:"before"`
	After   *int64 `json:"after"`
	// LastPushAt is null for a failed tenant.
	LastPushAt *string `json:"last_push_at"`
	Status     string  `json:"status"`
}

func n64(n int64) *int64 { return &n }

// TestNightlyRunResultsAndExitCodes is the billing guide's nightly
// configuration (its configuration and its results block: billing_results,
// billing_report, the billing_sync check) run in warn mode over four
// tenants: one whose count changes (synced), one whose line already holds
// Petra's count (unchanged), one on a contract that ended yesterday and one
// removed from Petra (both failed). The apply exits 0 and pushes one
// adjustment; `plan -detailed-exitcode` right after it exits 0: the results
// come from what the mappings recorded, and a tenant failing again for the
// reason recorded is no change. The report prints exactly the run's
// totals, the failed tenants first, then the rest, in every format, and the
// check block's warning is the report's summary. Once the contract is
// extended, the plan exits 2 (the retry), the apply syncs that tenant, and
// the plan after it exits 0 again.
func TestNightlyRunResultsAndExitCodes(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	const synced, unchanged, ended, removed = "ZZk90t", "Y3mPqr", "Mv2Rt6", "Kp4Wn8"
	count := func(id string) int { return fixtureTenant(t, id).BillableUsersThisMonth }
	targets := map[string]acctest.BillingTarget{
		synced: env.NewBillingTarget(t, 5), unchanged: env.NewBillingTarget(t, count(unchanged)),
		ended: env.NewBillingTarget(t, 4), removed: env.NewBillingTarget(t, 3),
	}
	odd := env.Unique(`Managed, "Secure" | Plus`)
	env.UpdateContract(t, targets[synced].ContractID, map[string]any{"contractName": odd})
	env.UpdateContract(t, targets[ended].ContractID, map[string]any{"endDate": env.Date(-1) + "T00:00:00Z"})
	gone := fixtureTenant(t, removed)
	gone.Removed = true
	upsertPetraTenant(t, env, gone)

	cfg := guideConfig(t, "templates/guides/billing-sync.md.tmpl", "billing_report").Files["main.tf"]
	if strings.Contains(cfg, "billing_preview") {
		t.Fatal("the guide's nightly configuration includes the preview: put \"The results of a run\" before it")
	}
	var rows strings.Builder
	rows.WriteString("  billing = {\n")
	for _, id := range []string{synced, unchanged, ended, removed} {
		b := targets[id]
		fmt.Fprintf(&rows, "    %s = { company_id = %d, contract_id = %d, service_id = %d }\n", id, b.CompanyID, b.ContractID, b.ServiceID)
	}
	rows.WriteString("  }\n")
	cfg = replaceBillingLocal(t, cfg, rows.String())
	vars := cliEnvVars(env)
	vars["PETRA_BILLING_CHECK_FAILURE"] = "warn"
	w := NewWorkdir(t, cfg, vars)
	w.writeFile(t, "formats.tf", reportFormatsTF)

	seq := lastSeq(t, env)
	apply := w.MustRun(nil, "apply", "-auto-approve", "-input=false", "-no-color")
	if n := adjustmentPosts(t, env, seq); n != 1 {
		t.Fatalf("%d adjustments were posted, want 1 (the synced tenant's +%d)", n, count(synced)-5)
	}
	plan := w.Run(nil, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	if plan.ExitCode != 0 {
		t.Fatalf("plan -detailed-exitcode right after the nightly apply exited %d, want 0:\n%.8000s", plan.ExitCode, plan.Output())
	}

	// The reasons, as the mappings recorded them (the billing guide's
	// status: sync_error without the tenant in front).
	reasons, pushedAt := failedReasons(t, w)
	if !strings.HasPrefix(reasons[ended], "Contract has ended: ") || !strings.HasPrefix(reasons[removed], "Petra tenant not found: ") {
		t.Fatalf("recorded reasons: %v", reasons)
	}
	name := func(id string) string { return fmt.Sprintf("%s (%s)", fixtureTenant(t, id).Name, id) }
	row := func(id, tenant, line string, before, after *int64, status string) resultRow {
		b := targets[id]
		if line == "" {
			line = b.ContractName
		}
		r := resultRow{Tenant: tenant, Company: b.CompanyName, Line: line + " / " + b.ServiceName, Before: before, After: after, Status: status}
		if at, ok := pushedAt[id]; ok && !strings.HasPrefix(status, "failed") {
			r.LastPushAt = &at
		}
		return r
	}
	want := map[string]resultRow{
		synced:    row(synced, name(synced), odd, n64(5), n64(int64(count(synced))), "synced"),
		unchanged: row(unchanged, name(unchanged), "", n64(int64(count(unchanged))), n64(int64(count(unchanged))), "unchanged"),
		ended:     row(ended, name(ended), "", nil, nil, "failed: "+reasons[ended]),
		removed:   row(removed, removed, "", nil, nil, "failed: "+reasons[removed]),
	}
	checkResults(t, w, want)
	// Failed first (by tenant: "Kp4Wn8" before "Summit…"), then synced,
	// then unchanged.
	order := []string{removed, ended, synced, unchanged}
	checkReport(t, w, want, order, "1 synced, 1 unchanged, 2 failed\n")

	// The check block's one warning is the report's summary.
	flat := strings.Join(strings.Fields(apply.Output()), " ")
	summary := "1 synced, 1 unchanged, 2 failed - " + removed + ": " + billing.CutReason(reasons[removed], billing.ReportReasonWidth) +
		" - " + name(ended) + ": " + billing.CutReason(reasons[ended], billing.ReportReasonWidth)
	if n := strings.Count(apply.Output(), "Warning: Check block assertion failed"); n != 1 || !strings.Contains(flat, summary) {
		t.Errorf("the apply's check warning (%d) is not the report's summary %q:\n%s", n, summary, tail(apply.Output(), 4000))
	}

	// The contract is extended: the next plan retries the tenant, the apply
	// syncs it, and the plan after that is empty again.
	env.UpdateContract(t, targets[ended].ContractID, map[string]any{"endDate": env.Date(300) + "T00:00:00Z"})
	if r := w.Run(nil, "plan", "-detailed-exitcode", "-input=false", "-no-color"); r.ExitCode != 2 {
		t.Fatalf("plan -detailed-exitcode after the contract was extended exited %d, want 2 (the retry):\n%s", r.ExitCode, tail(r.Output(), 4000))
	}
	w.MustRun(nil, "apply", "-auto-approve", "-input=false", "-no-color")
	if u := env.UnitsToday(t, targets[ended].ContractServiceID); u != count(ended) {
		t.Fatalf("the retried tenant's line holds %d units, want %d", u, count(ended))
	}
	if r := w.Run(nil, "plan", "-detailed-exitcode", "-input=false", "-no-color"); r.ExitCode != 0 {
		t.Fatalf("plan -detailed-exitcode after the retry exited %d, want 0:\n%s", r.ExitCode, tail(r.Output(), 4000))
	}
	// Each row is the mapping's last push: the first tenant's is still the
	// first run's, with its time.
	firstPush := *want[synced].LastPushAt
	_, pushedAt = failedReasons(t, w)
	if pushedAt[synced] != firstPush {
		t.Fatalf("the synced tenant's last_push_at moved from %s to %s without a push", firstPush, pushedAt[synced])
	}
	want[ended] = row(ended, name(ended), "", n64(0), n64(int64(count(ended))), "synced")
	checkResults(t, w, want)
	checkReport(t, w, want, []string{removed, synced, ended, unchanged}, "2 synced, 1 unchanged, 1 failed\n")
}

// replaceBillingLocal puts rows in place of the guide's local.billing.
func replaceBillingLocal(t *testing.T, cfg, rows string) string {
	t.Helper()
	start := strings.Index(cfg, "  billing = {\n")
	if start < 0 {
		t.Fatal("the guide's configuration has no local billing")
	}
	end := strings.Index(cfg[start:], "\n  }\n")
	if end < 0 {
		t.Fatal("the guide's local billing does not end with \"  }\"")
	}
	return cfg[:start] + rows + cfg[start+end+5:]
}

// failedReasons reads from state, by tenant ID, the failed billing mappings'
// sync_error without the tenant in front, and every mapping's last_push_at.
func failedReasons(t *testing.T, w *Workdir) (map[string]string, map[string]string) {
	t.Helper()
	out, at := map[string]string{}, map[string]string{}
	for _, r := range readState(t, w).Resources {
		if r.Type != "petra_autotask_billing_mapping" {
			continue
		}
		for _, in := range r.Instances {
			if v, ok := in.Attributes["last_push_at"].(string); ok {
				at[fmt.Sprint(in.IndexKey)] = v
			}
			if in.Attributes["sync_status"] == "failed" {
				id, msg := fmt.Sprint(in.IndexKey), fmt.Sprint(in.Attributes["sync_error"])
				_, reason, ok := strings.Cut(msg, id+"): ")
				if !ok {
					_, reason, _ = strings.Cut(msg, id+": ")
				}
				out[id] = reason
			}
		}
	}
	return out, at
}

func checkResults(t *testing.T, w *Workdir, want map[string]resultRow) {
	t.Helper()
	out := w.MustRun(nil, "output", "-json", "billing_results").Stdout
	var got map[string]resultRow
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("billing_results: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("billing_results:\n got %s\nwant %s", jsonOf(got), jsonOf(want))
	}
}

// checkReport checks the billing_report output and the function's CSV and
// Markdown forms (reportFormatsTF) against tables built here
// from the rows in order.
func checkReport(t *testing.T, w *Workdir, want map[string]resultRow, order []string, totals string) {
	t.Helper()
	cells := [][]string{{"Tenant", "Company", "Line", "Before", "After", "Last push", "Status"}}
	var csvWant strings.Builder
	cw := csv.NewWriter(&csvWant)
	_ = cw.Write(cells[0])
	md := "| Tenant | Company | Line | Before | After | Last push | Status |\n|---|---|---|---:|---:|---|---|\n"
	units := func(n *int64) string {
		if n == nil {
			return "-"
		}
		return fmt.Sprint(*n)
	}
	for _, id := range order {
		r := want[id]
		at := "-"
		if r.LastPushAt != nil {
			at = *r.LastPushAt
		}
		full := []string{r.Tenant, r.Company, r.Line, units(r.Before), units(r.After), at, r.Status}
		_ = cw.Write(full)
		short := append([]string(nil), full...)
		short[6] = billing.CutReason(r.Status, billing.ReportReasonWidth)
		cells = append(cells, short)
		esc := make([]string, len(short))
		for i, c := range short {
			esc[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		md += "| " + strings.Join(esc, " | ") + " |\n"
	}
	cw.Flush()
	text := totals + "\n" + alignedTable(cells)
	if got := w.MustRun(nil, "output", "-raw", "billing_report").Stdout; got != text {
		t.Errorf("billing_report:\n%s\nwant:\n%s", got, text)
	}
	for name, want := range map[string]string{"report_csv": csvWant.String(), "report_markdown": totals + "\n" + md} {
		if got := w.MustRun(nil, "output", "-raw", name).Stdout; got != want {
			t.Errorf("%s:\n%s\nwant:\n%s", name, got, want)
		}
	}
}

// reportFormatsTF adds the report's CSV and Markdown forms to a
// configuration with the documented results block.
const reportFormatsTF = `output "report_csv" {
  value = provider::petra::billing_report(local.billing_results, "csv")
}

output "report_markdown" {
  value = provider::petra::billing_report(local.billing_results, "markdown")
}
`

// alignedTable is the text form's table: a header, dashes, columns padded
// to their widest cell, Before and After right-aligned, the last column
// not padded.
func alignedTable(rows [][]string) string {
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	line := func(r []string) {
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			switch {
			case i == len(r)-1:
				b.WriteString(c + "\n")
			case i == 3 || i == 4:
				b.WriteString(pad + c + "  ")
			default:
				b.WriteString(c + pad + "  ")
			}
		}
	}
	line(rows[0])
	dashes := make([]string, len(width))
	for i, n := range width {
		dashes[i] = strings.Repeat("-", n)
	}
	b.WriteString(strings.Join(dashes, "  ") + "\n")
	for _, r := range rows[1:] {
		line(r)
	}
	return b.String()
}

func jsonOf(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}
