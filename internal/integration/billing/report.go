package billing

// The results table of a billing run (the provider function
// billing_report): totals first, the failed tenants next, then the rest.
// Pure: no clock, no network, and the same rows always give the same text.

import (
	"encoding/csv"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ReportRow is one tenant's result, as the billing_results output of the
// billing-sync guide gives it.
type ReportRow struct {
	// Key is the row's key in the output (the Petra tenant ID), or its
	// index in a list; it stands in for an empty Tenant and breaks ties.
	Key     string
	Tenant  string
	Company string
	Line    string
	// Before and After are unit counts; nil renders as "-".
	Before, After *int64
	// LastPushAt is when the units were last pushed (the mapping's
	// last_push_at), "" when not known: the "Last push" column, shown when
	// any row has one.
	LastPushAt string
	// Status is "synced", "unchanged" or "failed: <reason>".
	Status string
}

// Report formats.
const (
	ReportText              = "text"
	ReportCSV               = "csv"
	ReportMarkdown          = "markdown"
	ReportTotalsAndFailures = "summary"
)

// ReportFormats lists the formats, for messages and documentation.
var ReportFormats = []string{ReportText, ReportCSV, ReportMarkdown, ReportTotalsAndFailures}

// ReportReasonWidth is the most characters of a status the text, Markdown
// and summary forms print: a longer reason is cut at a word, with "…". CSV,
// the audit trail, keeps every status whole.
const ReportReasonWidth = 100

const (
	outcomeFailed = iota
	outcomeSynced
	outcomeUnchanged
)

// ReportOutcome classifies a status; ok is false for any other status.
func reportOutcome(status string) (int, bool) {
	switch {
	case status == "synced":
		return outcomeSynced, true
	case status == "unchanged":
		return outcomeUnchanged, true
	case status == "failed" || strings.HasPrefix(status, "failed:"):
		return outcomeFailed, true
	}
	return 0, false
}

// Report renders rows in format. The error says which row or format is
// wrong and what is expected.
func Report(rows []ReportRow, format string) (string, error) {
	sorted, totals, err := orderReport(rows)
	if err != nil {
		return "", err
	}
	withAt := false
	for _, r := range sorted {
		withAt = withAt || r.LastPushAt != ""
	}
	switch format {
	case ReportText:
		return totals + "\n" + reportText(sorted, withAt), nil
	case ReportMarkdown:
		return totals + "\n" + reportMarkdown(sorted, withAt), nil
	case ReportCSV:
		return reportCSV(sorted, withAt)
	case ReportTotalsAndFailures:
		return reportSummary(sorted, totals), nil
	}
	return "", fmt.Errorf("unknown format %q: use %s", format, quotedList(ReportFormats))
}

// orderReport checks every status and orders the rows: failed, synced,
// unchanged, each by tenant (case-insensitive), then key. totals is the
// first line, "195 synced, 0 unchanged, 5 failed".
func orderReport(rows []ReportRow) ([]ReportRow, string, error) {
	type keyed struct {
		row     ReportRow
		outcome int
	}
	all := make([]keyed, 0, len(rows))
	var counts [3]int
	for _, r := range rows {
		o, ok := reportOutcome(r.Status)
		if !ok {
			return nil, "", fmt.Errorf("the result of %q has status %q: want \"synced\", \"unchanged\" or "+
				"\"failed: <reason>\" (the billing_results output of the billing-sync guide)", r.Key, r.Status)
		}
		if r.Tenant == "" {
			r.Tenant = r.Key
		}
		counts[o]++
		all = append(all, keyed{r, o})
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.outcome != b.outcome {
			return a.outcome < b.outcome
		}
		if x, y := strings.ToLower(a.row.Tenant), strings.ToLower(b.row.Tenant); x != y {
			return x < y
		}
		return a.row.Key < b.row.Key
	})
	out := make([]ReportRow, len(all))
	for i, k := range all {
		out[i] = k.row
	}
	totals := fmt.Sprintf("%d synced, %d unchanged, %d failed\n", counts[outcomeSynced], counts[outcomeUnchanged], counts[outcomeFailed])
	return out, totals, nil
}

// reportHeader is the columns: the "Last push" column only withAt.
func reportHeader(withAt bool) []string {
	if withAt {
		return []string{"Tenant", "Company", "Line", "Before", "After", "Last push", "Status"}
	}
	return []string{"Tenant", "Company", "Line", "Before", "After", "Status"}
}

// cells are a row's columns; cut shortens the status for people.
func (r ReportRow) cells(cut, withAt bool) []string {
	status := r.Status
	if cut {
		status = CutReason(status, ReportReasonWidth)
	}
	if withAt {
		at := r.LastPushAt
		if at == "" {
			at = "-"
		}
		return []string{r.Tenant, r.Company, r.Line, reportUnits(r.Before), reportUnits(r.After), at, status}
	}
	return []string{r.Tenant, r.Company, r.Line, reportUnits(r.Before), reportUnits(r.After), status}
}

func reportUnits(n *int64) string {
	if n == nil {
		return "-"
	}
	return strconv.FormatInt(*n, 10)
}

// CutReason folds s onto one line and cuts it to at most width characters:
// at the last space in its final third, or else mid-word, ending with "…".
func CutReason(s string, width int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= width {
		return s
	}
	head := r[:width-1]
	if i := lastIndexRune(head, ' '); i >= width*2/3 {
		head = head[:i]
	}
	return strings.TrimRight(string(head), " ") + "…"
}

func lastIndexRune(r []rune, c rune) int {
	for i := len(r) - 1; i >= 0; i-- {
		if r[i] == c {
			return i
		}
	}
	return -1
}

// reportText is an aligned table for a terminal: numbers right-aligned, the
// status last and never padded.
func reportText(rows []ReportRow, withAt bool) string {
	if len(rows) == 0 {
		return "No billing mappings in this run.\n"
	}
	header := reportHeader(withAt)
	all := [][]string{header}
	for _, r := range rows {
		cells := r.cells(true, withAt)
		for i := range cells {
			cells[i] = strings.Join(strings.Fields(cells[i]), " ")
		}
		all = append(all, cells)
	}
	width := make([]int, len(header))
	for _, cells := range all {
		for i, c := range cells {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for n, cells := range all {
		for i, c := range cells {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			switch {
			case i == len(cells)-1:
				b.WriteString(c)
			case i == 3 || i == 4: // before, after
				b.WriteString(pad + c + "  ")
			default:
				b.WriteString(c + pad + "  ")
			}
		}
		b.WriteString("\n")
		if n == 0 {
			for i := range cells {
				b.WriteString(strings.Repeat("-", width[i]))
				if i < len(cells)-1 {
					b.WriteString("  ")
				}
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// mdCell escapes a cell for a Markdown (GitHub) table: a pipe would end the
// cell, a backslash could escape it, and a line break would end the row.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.Join(strings.Fields(s), " ")
}

func reportMarkdown(rows []ReportRow, withAt bool) string {
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + mdCell(c) + " |")
		}
		b.WriteString("\n")
	}
	line(reportHeader(withAt))
	if withAt {
		b.WriteString("|---|---|---|---:|---:|---|---|\n")
	} else {
		b.WriteString("|---|---|---|---:|---:|---|\n")
	}
	for _, r := range rows {
		line(r.cells(true, withAt))
	}
	return b.String()
}

func reportCSV(rows []ReportRow, withAt bool) (string, error) {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(reportHeader(withAt))
	for _, r := range rows {
		_ = w.Write(r.cells(false, withAt))
	}
	w.Flush()
	return b.String(), w.Error()
}

// reportSummary is the totals and one line per failed tenant: the message
// of the guide's check block.
func reportSummary(rows []ReportRow, totals string) string {
	var b strings.Builder
	b.WriteString(totals)
	for _, r := range rows {
		if o, _ := reportOutcome(r.Status); o != outcomeFailed {
			break // failed rows come first
		}
		b.WriteString("- " + strings.Join(strings.Fields(r.Tenant), " ") + ": " +
			CutReason(strings.TrimPrefix(strings.TrimPrefix(r.Status, "failed"), ": "), ReportReasonWidth) + "\n")
	}
	return b.String()
}

func quotedList(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = strconv.Quote(x)
	}
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}
