package billing

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func u(n int64) *int64 { return &n }

// reportRows is a run with a synced, an unchanged and two failed tenants
// (one with a long reason), given out of order.
func reportRows() []ReportRow {
	return []ReportRow{
		{Key: "Y3mPqr", Tenant: "Northwind Logistics (Y3mPqr)", Company: "Northwind Logistics", Line: "Northwind - MS / M365",
			Before: u(42), After: u(42), Status: "unchanged"},
		{Key: "Mv2Rt6", Tenant: "Summit Legal Partners (Mv2Rt6)", Company: "Summit Legal", Line: "Summit - MS / M365",
			Status: `failed: Contract has ended: Contract "Summit Legal - Managed Services" ended on 2026-10-31. ` +
				`Billing cannot be synced to an expired contract — extend the contract end date in Autotask.`},
		{Key: "ZZk90t", Tenant: "Harbor Dental Group (ZZk90t)", Company: "Harbor Dental Group", Line: "Harbor - MS / M365",
			Before: u(118), After: u(121), Status: "synced"},
		{Key: "Kp4Wn8", Company: "company 1004", Line: "contract 2004 / service 3001",
			Status: "failed: No unit count for this tenant"},
	}
}

const longCut = `failed: Contract has ended: Contract "Summit Legal - Managed Services" ended on 2026-10-31.…`

func TestReportText(t *testing.T) {
	got, err := Report(reportRows(), ReportText)
	if err != nil {
		t.Fatal(err)
	}
	want := "1 synced, 1 unchanged, 2 failed\n" +
		"\n" +
		"Tenant                          Company              Line                          Before  After  Status\n" +
		"------------------------------  -------------------  ----------------------------  ------  -----  " + strings.Repeat("-", utf8.RuneCountInString(longCut)) + "\n" +
		"Kp4Wn8                          company 1004         contract 2004 / service 3001       -      -  failed: No unit count for this tenant\n" +
		"Summit Legal Partners (Mv2Rt6)  Summit Legal         Summit - MS / M365                 -      -  " + longCut + "\n" +
		"Harbor Dental Group (ZZk90t)    Harbor Dental Group  Harbor - MS / M365               118    121  synced\n" +
		"Northwind Logistics (Y3mPqr)    Northwind Logistics  Northwind - MS / M365             42     42  unchanged\n"
	if got != want {
		t.Fatalf("text report:\n%s\nwant:\n%s", got, want)
	}
}

func TestReportMarkdown(t *testing.T) {
	rows := reportRows()
	rows[2].Line = `Managed, "Secure" | Plus / M365`
	got, err := Report(rows, ReportMarkdown)
	if err != nil {
		t.Fatal(err)
	}
	want := "1 synced, 1 unchanged, 2 failed\n" +
		"\n" +
		"| Tenant | Company | Line | Before | After | Status |\n" +
		"|---|---|---|---:|---:|---|\n" +
		"| Kp4Wn8 | company 1004 | contract 2004 / service 3001 | - | - | failed: No unit count for this tenant |\n" +
		"| Summit Legal Partners (Mv2Rt6) | Summit Legal | Summit - MS / M365 | - | - | " + longCut + " |\n" +
		`| Harbor Dental Group (ZZk90t) | Harbor Dental Group | Managed, "Secure" \| Plus / M365 | 118 | 121 | synced |` + "\n" +
		"| Northwind Logistics (Y3mPqr) | Northwind Logistics | Northwind - MS / M365 | 42 | 42 | unchanged |\n"
	if got != want {
		t.Fatalf("markdown report:\n%s\nwant:\n%s", got, want)
	}
}

func TestReportCSVKeepsWholeReasons(t *testing.T) {
	rows := reportRows()
	rows[2].Line = `Managed, "Secure" | Plus / M365`
	got, err := Report(rows, ReportCSV)
	if err != nil {
		t.Fatal(err)
	}
	want := "Tenant,Company,Line,Before,After,Status\n" +
		"Kp4Wn8,company 1004,contract 2004 / service 3001,-,-,failed: No unit count for this tenant\n" +
		`Summit Legal Partners (Mv2Rt6),Summit Legal,Summit - MS / M365,-,-,"failed: Contract has ended: Contract ""Summit Legal - Managed Services"" ended on 2026-10-31. Billing cannot be synced to an expired contract — extend the contract end date in Autotask."` + "\n" +
		`Harbor Dental Group (ZZk90t),Harbor Dental Group,"Managed, ""Secure"" | Plus / M365",118,121,synced` + "\n" +
		"Northwind Logistics (Y3mPqr),Northwind Logistics,Northwind - MS / M365,42,42,unchanged\n"
	if got != want {
		t.Fatalf("CSV report:\n%s\nwant:\n%s", got, want)
	}
}

func TestReportTotalsAndFailuresListsOnlyTheFailed(t *testing.T) {
	got, err := Report(reportRows(), ReportTotalsAndFailures)
	if err != nil {
		t.Fatal(err)
	}
	want := "1 synced, 1 unchanged, 2 failed\n" +
		"- Kp4Wn8: No unit count for this tenant\n" +
		`- Summit Legal Partners (Mv2Rt6): Contract has ended: Contract "Summit Legal - Managed Services" ended on 2026-10-31. Billing cannot…` + "\n"
	if got != want {
		t.Fatalf("summary:\n%s\nwant:\n%s", got, want)
	}
	got, err = Report(reportRows()[2:3], ReportTotalsAndFailures)
	if err != nil || got != "1 synced, 0 unchanged, 0 failed\n" {
		t.Fatalf("summary of a run without failures = %q, %v", got, err)
	}
}

func TestReportEmptyAndErrors(t *testing.T) {
	got, err := Report(nil, ReportText)
	if err != nil || got != "0 synced, 0 unchanged, 0 failed\n\nNo billing mappings in this run.\n" {
		t.Fatalf("empty text report = %q, %v", got, err)
	}
	got, err = Report(nil, ReportCSV)
	if err != nil || got != "Tenant,Company,Line,Before,After,Status\n" {
		t.Fatalf("empty CSV report = %q, %v", got, err)
	}
	_, err = Report([]ReportRow{{Key: "ZZk90t", Status: "done"}}, ReportText)
	if want := `the result of "ZZk90t" has status "done": want "synced", "unchanged" or "failed: <reason>" (the billing_results output of the billing-sync guide)`; err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
	_, err = Report(nil, "html")
	if want := `unknown format "html": use "text", "csv", "markdown" or "summary"`; err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
}

func TestCutReason(t *testing.T) {
	for _, c := range []struct {
		in   string
		w    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"one two three four", 10, "one two…"},  // at the last space in the final third
		{"abcdefghijklmnop", 10, "abcdefghi…"},  // no space: mid-word
		{"ab cdefghijklmnop", 10, "ab cdefgh…"}, // the space is too early
		{"a\nb   c", 10, "a b c"},               // one line
		{"ééééééééééé", 10, "ééééééééé…"},       // characters, not bytes
	} {
		if got := CutReason(c.in, c.w); got != c.want {
			t.Errorf("CutReason(%q, %d) = %q, want %q", c.in, c.w, got, c.want)
		}
	}
}

// TestReportLastPushColumn: rows with last_push_at get a "Last push"
// column ("-" where a row has none), in every form but the summary.
func TestReportLastPushColumn(t *testing.T) {
	rows := []ReportRow{
		{Key: "ZZk90t", Tenant: "Harbor (ZZk90t)", Company: "Harbor", Line: "L / S", Before: u(5), After: u(7),
			LastPushAt: "2026-12-06T02:17:05Z", Status: "synced"},
		{Key: "Mv2Rt6", Tenant: "Summit (Mv2Rt6)", Company: "Summit", Line: "L / S", Status: "failed: Contract has ended"},
	}
	text, err := Report(rows, ReportText)
	if err != nil {
		t.Fatal(err)
	}
	want := "1 synced, 0 unchanged, 1 failed\n" +
		"\n" +
		"Tenant           Company  Line   Before  After  Last push             Status\n" +
		"---------------  -------  -----  ------  -----  --------------------  --------------------------\n" +
		"Summit (Mv2Rt6)  Summit   L / S       -      -  -                     failed: Contract has ended\n" +
		"Harbor (ZZk90t)  Harbor   L / S       5      7  2026-12-06T02:17:05Z  synced\n"
	if text != want {
		t.Fatalf("text:\n%s\nwant:\n%s", text, want)
	}
	md, _ := Report(rows, ReportMarkdown)
	wantMD := "1 synced, 0 unchanged, 1 failed\n\n" +
		"| Tenant | Company | Line | Before | After | Last push | Status |\n" +
		"|---|---|---|---:|---:|---|---|\n" +
		"| Summit (Mv2Rt6) | Summit | L / S | - | - | - | failed: Contract has ended |\n" +
		"| Harbor (ZZk90t) | Harbor | L / S | 5 | 7 | 2026-12-06T02:17:05Z | synced |\n"
	if md != wantMD {
		t.Fatalf("markdown:\n%s\nwant:\n%s", md, wantMD)
	}
	csvText, _ := Report(rows, ReportCSV)
	wantCSV := "Tenant,Company,Line,Before,After,Last push,Status\n" +
		"Summit (Mv2Rt6),Summit,L / S,-,-,-,failed: Contract has ended\n" +
		"Harbor (ZZk90t),Harbor,L / S,5,7,2026-12-06T02:17:05Z,synced\n"
	if csvText != wantCSV {
		t.Fatalf("CSV:\n%s\nwant:\n%s", csvText, wantCSV)
	}
}
