// Command results-report turns the billing_results output of a billing run
// (see the billing-sync guide) into a table for people or the audit trail.
//
//	terraform output -json | go run ./examples/results-report -format markdown
//	terraform output -json billing_results | go run ./examples/results-report -format csv > run.csv
//	go run ./examples/results-report -format text outputs.json
//
// It reads `terraform output -json` (all outputs, from which it takes the one
// named by -output) or the single output's value, from a file or stdin, and
// writes one row per tenant, sorted by tenant: tenant, company, line, units
// before and after, status. Standard library only.
package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// row is one tenant's result, as the billing_results output gives it.
type row struct {
	Key     string
	Tenant  string `json:"tenant"`
	Company string `json:"company"`
	Line    string `json:"line"`
	Before  *int64 `json:"before"`
	After   *int64 `json:"after"`
	Status  string `json:"status"`
}

var header = []string{"Tenant", "Company", "Line", "Before", "After", "Status"}

func (r row) cells() []string {
	return []string{r.Tenant, r.Company, r.Line, units(r.Before), units(r.After), r.Status}
}

// units renders a count; "-" when Autotask's count was not known (a line
// the plan could not read).
func units(n *int64) string {
	if n == nil {
		return "-"
	}
	return strconv.FormatInt(*n, 10)
}

func main() {
	format := flag.String("format", "text", "output format: text (aligned columns), csv or markdown")
	output := flag.String("output", "billing_results", "name of the output to read from `terraform output -json`")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: results-report [-format text|csv|markdown] [-output NAME] [FILE]\n"+
			"Reads `terraform output -json` (or `terraform output -json NAME`) from FILE or stdin.\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	in := io.Reader(os.Stdin)
	if flag.NArg() > 1 {
		flag.Usage()
		os.Exit(2)
	}
	if flag.NArg() == 1 {
		f, err := os.Open(flag.Arg(0))
		if err != nil {
			fmt.Fprintln(os.Stderr, "results-report:", err)
			os.Exit(1)
		}
		defer f.Close()
		in = f
	}
	if err := run(in, os.Stdout, *format, *output); err != nil {
		fmt.Fprintln(os.Stderr, "results-report:", err)
		os.Exit(1)
	}
}

// run reads the outputs from in and writes the table to out.
func run(in io.Reader, out io.Writer, format, output string) error {
	data, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	rows, err := parse(data, output)
	if err != nil {
		return err
	}
	switch format {
	case "csv":
		return writeCSV(out, rows)
	case "markdown", "md":
		return writeMarkdown(out, rows)
	case "text":
		return writeText(out, rows)
	}
	return fmt.Errorf("unknown -format %q: use text, csv or markdown", format)
}

// parse takes either every output ({"NAME": {"value": ..., "type": ...}}) or
// one output's value ({"<tenant id>": {"tenant": ...}}).
func parse(data []byte, output string) ([]row, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("the input is not a JSON object (pipe in `terraform output -json`): %w", err)
	}
	value := data
	if raw, ok := top[output]; ok {
		var o struct {
			Value json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(raw, &o); err != nil || o.Value == nil {
			return nil, fmt.Errorf("output %q has no value", output)
		}
		value = o.Value
	} else if looksLikeOutputs(top) {
		names := make([]string, 0, len(top))
		for k := range top {
			names = append(names, k)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("no output named %q (outputs: %s); add it from the billing-sync guide, or pass -output",
			output, strings.Join(names, ", "))
	}
	var byKey map[string]row
	if err := json.Unmarshal(value, &byKey); err != nil {
		return nil, fmt.Errorf("output %q is not a map of results by tenant: %w", output, err)
	}
	rows := make([]row, 0, len(byKey))
	for k, r := range byKey {
		r.Key = k
		if r.Tenant == "" {
			r.Tenant = k
		}
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := strings.ToLower(rows[i].Tenant), strings.ToLower(rows[j].Tenant)
		if a != b {
			return a < b
		}
		return rows[i].Key < rows[j].Key
	})
	return rows, nil
}

// looksLikeOutputs reports whether top is `terraform output -json` of every
// output: each value an object with "value" and "type".
func looksLikeOutputs(top map[string]json.RawMessage) bool {
	if len(top) == 0 {
		return false
	}
	for _, raw := range top {
		var o map[string]json.RawMessage
		if json.Unmarshal(raw, &o) != nil {
			return false
		}
		if _, ok := o["value"]; !ok {
			return false
		}
		if _, ok := o["type"]; !ok {
			return false
		}
	}
	return true
}

func writeCSV(out io.Writer, rows []row) error {
	w := csv.NewWriter(out)
	if err := w.Write(header); err != nil {
		return err
	}
	for _, r := range rows {
		if err := w.Write(r.cells()); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// mdCell escapes a cell for a Markdown (GitHub) table: a pipe would end the
// cell, a backslash could escape it, and a line break would end the row.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\r\n", " ")
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "\r", " ")
}

func writeMarkdown(out io.Writer, rows []row) error {
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + mdCell(c) + " |")
		}
		b.WriteString("\n")
	}
	line(header)
	b.WriteString("|---|---|---|---:|---:|---|\n")
	for _, r := range rows {
		line(r.cells())
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// writeText writes aligned columns for a terminal; numbers are right-aligned
// and a status is never cut.
func writeText(out io.Writer, rows []row) error {
	if len(rows) == 0 {
		_, err := io.WriteString(out, "No billing mappings in this run.\n")
		return err
	}
	all := [][]string{header}
	for _, r := range rows {
		cells := r.cells()
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
	_, err := io.WriteString(out, b.String())
	return err
}
