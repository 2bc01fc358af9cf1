package provider

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The docs' error tables: every markdown table in these templates whose first
// header cell is "Error", "Warning" or "Diagnostic" lists, in its first column,
// the diagnostic summaries it explains, each in backticks.
var diagnosticTableTemplates = []string{
	"../../templates/guides/troubleshooting.md.tmpl",
	"../../templates/guides/ci-plan-checks.md.tmpl",
}

// diagnosticSourceDirs hold the code whose diagnostics users see: the
// Terraform layer, and every package of the integration, whose Problems and
// summaries it passes on.
var diagnosticSourceDirs = func() []string {
	dirs, _ := filepath.Glob("../integration/*")
	return append([]string{"."}, dirs...)
}()

// documentedNotEmitted lists summaries the tables explain on purpose although
// this provider's code does not emit them (Terraform's own errors users meet
// with this provider). Keep it short; each entry says why.
var documentedNotEmitted = map[string]string{
	"Invalid Attribute Value Match": "the summary of the framework's stock stringvalidator.OneOf, which every enumeration (billing_check_failure, on_destroy, effective) uses",
}

// TestEveryDiagnosticSummaryHasADocsRow scans the provider and domain code for
// every diagnostic summary it can emit (AddError, AddAttributeError,
// AddWarning and AddAttributeWarning calls, the diag.New…Diagnostic helpers,
// Problem{Summary: …} values and anything assigned to or returned as a
// summary) and fails when one has no row in the docs' error tables, or when a
// row documents a summary the code no longer emits.
//
// To fix a failure, add a row to the table the message names, with the
// summary in backticks in the first column:
//
//	| `The summary` | What it means | How to fix it |
//
// Several summaries may share a row: | `First` / `Second` | … |.
func TestEveryDiagnosticSummaryHasADocsRow(t *testing.T) {
	found := scanDiagnosticSummaries(t, diagnosticSourceDirs)
	if len(found) < 20 {
		t.Fatalf("found only %d diagnostic summaries in %v; the scanner no longer recognises how the code emits them", len(found), diagnosticSourceDirs)
	}
	rows := documentedSummaries(t, diagnosticTableTemplates)
	if len(rows) == 0 {
		t.Fatalf("no error tables found in %v", diagnosticTableTemplates)
	}

	matched := map[string]bool{}
	var missing []string
	for _, s := range found {
		re := regexp.MustCompile("^(?:" + s.pattern + ")$")
		ok := false
		for _, r := range rows {
			if re.MatchString(r.summary) {
				ok = true
				matched[r.summary] = true
			}
		}
		if !ok {
			missing = append(missing, fmt.Sprintf("  %s (%s)\n    add: | `%s` | <what it means> | <how to fix it> |",
				s.display, s.where, s.display))
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		t.Errorf("%d diagnostic summaries the provider can emit have no row in the docs' error tables (%s). Add "+
			"them to templates/guides/troubleshooting.md.tmpl, or to ci-plan-checks.md.tmpl for plan-time billing "+
			"checks, then run `make docs`:\n%s", len(missing), strings.Join(diagnosticTableTemplates, ", "),
			strings.Join(missing, "\n"))
	}

	var stale []string
	for _, r := range rows {
		if matched[r.summary] {
			continue
		}
		if _, ok := documentedNotEmitted[r.summary]; ok {
			continue
		}
		stale = append(stale, fmt.Sprintf("  `%s` (%s)", r.summary, r.where))
	}
	if len(stale) > 0 {
		sort.Strings(stale)
		t.Errorf("the docs' error tables document summaries the code does not emit (renamed or removed?); fix or "+
			"remove these rows, or list a summary users meet from Terraform itself in documentedNotEmitted:\n%s",
			strings.Join(stale, "\n"))
	}
}

// codeSummary is one summary the code can emit: a regular expression (a
// literal, with ".+" where a part is computed) and where it comes from.
type codeSummary struct {
	pattern string
	display string
	where   string
}

// docRow is one summary named in an error table.
type docRow struct {
	summary string
	where   string
}

var (
	tableSeparatorRE = regexp.MustCompile(`^\|\s*:?-{3,}`)
	backtickRE       = regexp.MustCompile("`([^`]+)`")
	diagHeaderRE     = regexp.MustCompile(`(?i)^(error|warning|diagnostic)s?$`)
)

// documentedSummaries reads the backticked summaries in the first column of
// every error table of the templates.
func documentedSummaries(t *testing.T, files []string) []docRow {
	t.Helper()
	var out []docRow
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		inTable := false
		for i, line := range lines {
			line = strings.TrimSpace(line)
			if !strings.HasPrefix(line, "|") {
				inTable = false
				continue
			}
			if tableSeparatorRE.MatchString(line) {
				continue
			}
			cells := strings.Split(strings.Trim(line, "|"), "|")
			first := strings.TrimSpace(cells[0])
			// A header row: the next line is the separator.
			if i+1 < len(lines) && tableSeparatorRE.MatchString(strings.TrimSpace(lines[i+1])) {
				inTable = diagHeaderRE.MatchString(first)
				continue
			}
			if !inTable {
				continue
			}
			for _, m := range backtickRE.FindAllStringSubmatch(first, -1) {
				out = append(out, docRow{summary: m[1], where: fmt.Sprintf("%s:%d", strings.TrimPrefix(f, "../../"), i+1)})
			}
		}
	}
	return out
}

// diagFuncs maps the diagnostic-adding functions to the index of their
// summary argument.
var diagFuncs = map[string]int{
	"AddError": 0, "AddWarning": 0, "AddAttributeError": 1, "AddAttributeWarning": 1,
	"NewErrorDiagnostic": 0, "NewWarningDiagnostic": 0,
	"NewAttributeErrorDiagnostic": 1, "NewAttributeWarningDiagnostic": 1,
}

// summaryScanner resolves summary expressions to patterns across the files
// of the scanned packages.
type summaryScanner struct {
	fset  *token.FileSet
	funcs map[string][]*ast.FuncDecl // by name, across packages
	calls map[string][]callSite      // by callee name
	found map[string]codeSummary
	// notDiag are Summary fields that are no diagnostic: a provider
	// function's definition.
	notDiag map[ast.Expr]bool
}

type callSite struct {
	call   *ast.CallExpr
	caller *ast.FuncDecl
}

// scanDiagnosticSummaries parses every non-test Go file of dirs and returns
// the summaries found, de-duplicated by pattern.
func scanDiagnosticSummaries(t *testing.T, dirs []string) []codeSummary {
	t.Helper()
	s := &summaryScanner{
		fset:  token.NewFileSet(),
		funcs: map[string][]*ast.FuncDecl{},
		calls: map[string][]callSite{},
		found: map[string]codeSummary{},

		notDiag: map[ast.Expr]bool{},
	}
	var files []*ast.File
	for _, dir := range dirs {
		paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			if strings.HasSuffix(p, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(s.fset, p, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
	}
	// Index functions and calls first: a summary parameter is resolved from
	// its callers' arguments.
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			s.funcs[fd.Name.Name] = append(s.funcs[fd.Name.Name], fd)
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if c, ok := n.(*ast.CallExpr); ok {
					if name := calleeName(c); name != "" {
						s.calls[name] = append(s.calls[name], callSite{call: c, caller: fd})
					}
				}
				return true
			})
		}
	}
	for _, f := range files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				s.scanFunc(fd)
			}
		}
		// Package-level Problem{Summary: …} values and var summaries.
		for _, d := range f.Decls {
			if gd, ok := d.(*ast.GenDecl); ok {
				ast.Inspect(gd, func(n ast.Node) bool { s.visit(n, nil); return true })
			}
		}
	}
	out := make([]codeSummary, 0, len(s.found))
	for _, v := range s.found {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].pattern < out[j].pattern })
	return out
}

func calleeName(c *ast.CallExpr) string {
	switch fn := c.Fun.(type) {
	case *ast.Ident:
		return fn.Name
	case *ast.SelectorExpr:
		return fn.Sel.Name
	}
	return ""
}

func (s *summaryScanner) scanFunc(fd *ast.FuncDecl) {
	summaryResult := -1
	if fd.Type.Results != nil {
		i := 0
		for _, field := range fd.Type.Results.List {
			for _, n := range field.Names {
				if isSummaryName(n.Name) {
					summaryResult = i
				}
				i++
			}
			if len(field.Names) == 0 {
				i++
			}
		}
	}
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		if r, ok := n.(*ast.ReturnStmt); ok && summaryResult >= 0 && len(r.Results) > summaryResult {
			s.add(r.Results[summaryResult], fd)
		}
		// Function literals inside fd are part of its context.
		s.visit(n, fd)
		return true
	})
}

// visit records the summary expressions found at node n.
func (s *summaryScanner) visit(n ast.Node, fd *ast.FuncDecl) {
	switch x := n.(type) {
	case *ast.CallExpr:
		if i, ok := diagFuncs[calleeName(x)]; ok && len(x.Args) > i {
			s.add(x.Args[i], fd)
		}
	case *ast.CompositeLit:
		// function.Definition{Summary: …} is the function's documentation.
		if sel, ok := x.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Definition" && exprName(sel.X) == "function" {
			for _, e := range x.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					s.notDiag[kv.Value] = true
				}
			}
		}
	case *ast.KeyValueExpr:
		if k, ok := x.Key.(*ast.Ident); ok && k.Name == "Summary" && !s.notDiag[x.Value] {
			s.add(x.Value, fd)
		}
	case *ast.AssignStmt:
		if len(x.Lhs) == len(x.Rhs) {
			for i, l := range x.Lhs {
				if isSummaryName(exprName(l)) {
					s.add(x.Rhs[i], fd)
				}
			}
		}
	case *ast.ValueSpec:
		if len(x.Names) == len(x.Values) {
			for i, nm := range x.Names {
				if isSummaryName(nm.Name) {
					s.add(x.Values[i], fd)
				}
			}
		}
	}
}

func exprName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return x.Sel.Name
	}
	return ""
}

func isSummaryName(name string) bool {
	return strings.HasSuffix(strings.ToLower(name), "summary")
}

// add resolves e and records every concrete summary it can be.
func (s *summaryScanner) add(e ast.Expr, fd *ast.FuncDecl) {
	for _, p := range s.resolve(e, fd, 0) {
		if p.pattern == "" || p.pattern == wildcard {
			continue
		}
		if _, ok := s.found[p.pattern]; !ok {
			if p.where == "" {
				pos := s.fset.Position(e.Pos())
				p.where = fmt.Sprintf("%s:%d", filepath.ToSlash(relToRepo(pos.Filename)), pos.Line)
			}
			s.found[p.pattern] = p
		}
	}
}

func relToRepo(p string) string {
	switch {
	case filepath.IsAbs(p):
		return p
	case strings.HasPrefix(p, "../"):
		return "internal/" + strings.TrimPrefix(p, "../")
	default:
		return "internal/provider/" + p
	}
}

const wildcard = ".+"

// resolve turns a string expression into the patterns it can produce. An
// expression that names another summary (p.Summary, a summary variable) is
// recorded where that summary is set, so it resolves to nothing here.
func (s *summaryScanner) resolve(e ast.Expr, fd *ast.FuncDecl, depth int) []codeSummary {
	at := func(n ast.Node) string {
		pos := s.fset.Position(n.Pos())
		return fmt.Sprintf("%s:%d", filepath.ToSlash(relToRepo(pos.Filename)), pos.Line)
	}
	lit := func(v string, n ast.Node) []codeSummary {
		return []codeSummary{{pattern: regexp.QuoteMeta(v), display: v, where: at(n)}}
	}
	unknown := []codeSummary{{pattern: wildcard, display: "…"}}
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind != token.STRING {
			return nil
		}
		v, err := strconv.Unquote(x.Value)
		if err != nil {
			return nil
		}
		return lit(v, x)
	case *ast.ParenExpr:
		return s.resolve(x.X, fd, depth)
	case *ast.BinaryExpr:
		if x.Op != token.ADD {
			return unknown
		}
		var out []codeSummary
		for _, l := range s.resolve(x.X, fd, depth) {
			for _, r := range s.resolve(x.Y, fd, depth) {
				where := l.where
				if where == "" {
					where = r.where
				}
				out = append(out, codeSummary{pattern: l.pattern + r.pattern, display: l.display + r.display, where: where})
			}
		}
		return out
	case *ast.CallExpr:
		if sel, ok := x.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Sprintf" && len(x.Args) > 0 {
			if bl, ok := x.Args[0].(*ast.BasicLit); ok {
				v, err := strconv.Unquote(bl.Value)
				if err == nil {
					return []codeSummary{{pattern: sprintfPattern(v), display: sprintfVerbRE.ReplaceAllString(v, "…"), where: at(x)}}
				}
			}
		}
		return unknown
	case *ast.SelectorExpr:
		if isSummaryName(x.Sel.Name) {
			return nil
		}
		return unknown
	case *ast.Ident:
		if fd != nil {
			if idx, ok := paramIndex(fd, x.Name); ok && depth < 3 {
				var out []codeSummary
				for _, c := range s.calls[fd.Name.Name] {
					if len(c.call.Args) > idx {
						out = append(out, s.resolve(c.call.Args[idx], c.caller, depth+1)...)
					}
				}
				if len(out) > 0 {
					return out
				}
				return unknown
			}
		}
		if isSummaryName(x.Name) {
			return nil
		}
		return unknown
	}
	return unknown
}

var sprintfVerbRE = regexp.MustCompile(`%[-+# 0-9.*\[\]]*[a-zA-Z%]`)

func sprintfPattern(format string) string {
	var b strings.Builder
	last := 0
	for _, m := range sprintfVerbRE.FindAllStringIndex(format, -1) {
		b.WriteString(regexp.QuoteMeta(format[last:m[0]]))
		if format[m[0]:m[1]] == "%%" {
			b.WriteString("%")
		} else {
			b.WriteString(wildcard)
		}
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(format[last:]))
	return b.String()
}

func paramIndex(fd *ast.FuncDecl, name string) (int, bool) {
	i := 0
	for _, field := range fd.Type.Params.List {
		for _, n := range field.Names {
			if n.Name == name {
				return i, true
			}
			i++
		}
		if len(field.Names) == 0 {
			i++
		}
	}
	return 0, false
}

// TestDiagnosticScannerFindsEveryForm keeps the scanner honest: a file using
// each way the code emits a summary must yield each summary.
func TestDiagnosticScannerFindsEveryForm(t *testing.T) {
	dir := t.TempDir()
	src := `package x

type Problem struct{ Summary, Detail string }

func direct(d *Diags) {
	d.AddError("Direct error", "detail")
	d.AddAttributeWarning(p, "Attribute warning", "detail")
}

func viaParam(d *Diags, what string) {
	summary := "Missing " + what
	d.AddAttributeError(p, summary, "detail")
}

func callers(d *Diags) {
	viaParam(d, "API key")
	viaParam(d, "secret")
	helper(d, "Helper summary", nil)
}

func helper(d *Diags, summary string, err error) { d.AddError(summary, "x") }

func problem() Problem { return Problem{Summary: "Domain problem", Detail: "x"} }

func named() (summary, detail string, ok bool) { return "Returned summary", "x", true }

func computed(d *Diags, s setting) { d.AddError("Invalid ticket "+s.what, "x") }
`
	if err := os.WriteFile(filepath.Join(dir, "x.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, s := range scanDiagnosticSummaries(t, []string{dir}) {
		got[s.display] = true
	}
	for _, want := range []string{"Direct error", "Attribute warning", "Missing API key", "Missing secret",
		"Helper summary", "Domain problem", "Returned summary", "Invalid ticket …"} {
		if !got[want] {
			t.Errorf("the scanner missed %q; found %v", want, got)
		}
	}
}
