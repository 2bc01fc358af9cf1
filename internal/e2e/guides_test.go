package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestGuideSnippetsFormattedAndValid extracts every code block of every docs
// template (the guides and the provider page) and checks what a reader would
// do with it: every Terraform block must be `terraform fmt`-clean; every
// complete configuration, alone or with the blocks that continue it, must
// pass `terraform validate` with the locally built provider and declare the
// provider's source, version and the minimum Terraform version; every CLI
// configuration must load without problems. The snippet markers are
// described in snippets.go.
func TestGuideSnippetsFormattedAndValid(t *testing.T) {
	pages, err := TemplatePages()
	if err != nil {
		t.Fatal(err)
	}
	tf := TerraformPath(t)
	var configs, checked int
	for _, page := range pages {
		snips, err := PageSnippets(page)
		if err != nil {
			t.Fatal(err)
		}
		cfgs, err := PageConfigurations(snips)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range snips {
			switch s.Kind {
			case SnippetConfig, SnippetContinues, SnippetFragment, SnippetCLIConfig:
				checked++
				checkFormatted(t, tf, s)
			}
			if s.Kind == SnippetCLIConfig {
				checkCLIConfig(t, tf, s)
			}
			if s.Kind == SnippetConfig {
				if msg := checkTerraformBlock(s.Body); msg != "" {
					t.Errorf("%s is a complete configuration, so %s. If it is a part of one, mark it with "+
						"<!-- snippet: continues --> or <!-- snippet: fragment -->", s.Name(), msg)
				}
			}
		}
		for _, c := range cfgs {
			configs++
			t.Run(c.Name(), func(t *testing.T) {
				t.Parallel()
				w := NewWorkdir(t, c.Files["main.tf"], nil)
				for name, body := range c.Files {
					if err := os.WriteFile(filepath.Join(w.Dir, name), []byte(body), 0o600); err != nil {
						t.Fatal(err)
					}
				}
				assertValid(t, w, c.Name())
			})
		}
	}
	if checked == 0 || configs < 5 {
		t.Fatalf("found %d Terraform snippets and %d complete configurations under templates/; the snippet parser "+
			"no longer recognises the guides' code blocks", checked, configs)
	}
}

// checkFormatted runs a snippet through `terraform fmt -`.
func checkFormatted(t *testing.T, tf string, s Snippet) {
	t.Helper()
	stdout, stderr, err := runCLI(t, tf, s.Body, emptyCLIConfig(t), "fmt", "-no-color", "-")
	if err != nil {
		t.Errorf("%s does not parse: %v\n%s\n%s", s.Name(), err, s.Body, tail(stderr, 2000))
		return
	}
	if stdout != s.Body {
		t.Errorf("%s is not terraform fmt-clean; formatted it reads:\n%s", s.Name(), stdout)
	}
}

// checkCLIConfig loads a CLI configuration snippet the way Terraform does at
// start-up and fails on any problem Terraform reports with it.
func checkCLIConfig(t *testing.T, tf string, s Snippet) {
	t.Helper()
	rc := filepath.Join(t.TempDir(), "snippet.tfrc")
	if err := os.WriteFile(rc, []byte(s.Body), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := runCLI(t, tf, "", rc, "version")
	if err != nil || strings.Contains(stderr, "problems with the CLI configuration") {
		t.Errorf("%s is not a valid CLI configuration (%v):\n%s", s.Name(), err, stderr)
	}
}

func emptyCLIConfig(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "empty.tfrc")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func runCLI(t *testing.T, tf, stdin, cliConfig string, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tf, args...)
	cmd.Env = append(filteredEnviron(), "CHECKPOINT_DISABLE=1", "TF_CLI_CONFIG_FILE="+cliConfig)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// TestProviderConstraintAdmitsTheModuleVersion: the version constraint every
// example declares must accept the version `make install` installs (the
// CHANGELOG's), or a copied example fails `terraform init`.
func TestProviderConstraintAdmitsTheModuleVersion(t *testing.T) {
	v, err := ModuleVersion()
	if err != nil {
		t.Fatal(err)
	}
	ok, err := constraintAllows(ProviderVersionConstraint, v)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Fatalf("the examples declare version = %q, which does not admit the provider's version %s (CHANGELOG.md): "+
			"update ProviderVersionConstraint, the examples and the guides together", ProviderVersionConstraint, v)
	}
}

var unitsExprRE = regexp.MustCompile(`(?m)^\s*units\s*=\s*(.+)$`)

// TestOneBillingCountEverywhere: every example, guide snippet and the demo
// bill the same count, petra_usage's billable_users_this_month, and nothing
// pushes Petra's prorated projection.
func TestOneBillingCountEverywhere(t *testing.T) {
	type source struct{ name, text string }
	var sources []source
	err := filepath.WalkDir(filepath.Join(repoRoot(), "examples"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".tf") {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(repoRoot(), p)
		sources = append(sources, source{rel, string(b)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	pages, err := TemplatePages()
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range pages {
		snips, err := PageSnippets(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range snips {
			if s.Kind != "" && s.Kind != SnippetFile {
				sources = append(sources, source{s.Name(), s.Body})
			}
		}
	}
	pushes := 0
	for _, s := range sources {
		if strings.Contains(s.text, "units") && strings.Contains(s.text, "projected_billable_units_this_month") &&
			regexp.MustCompile(`units\s*=\s*[^\n]*projected_billable_units_this_month`).MatchString(s.text) {
			t.Errorf("%s pushes projected_billable_units_this_month; bill petra_usage's billable_users_this_month", s.name)
		}
		for _, m := range unitsExprRE.FindAllStringSubmatch(s.text, -1) {
			expr := m[1]
			if !strings.Contains(expr, "petra_usage") && !strings.Contains(expr, "petra_billable_units") {
				continue // a literal or a local, as in the plan-check demo
			}
			pushes++
			if !strings.Contains(expr, "data.petra_usage.") || !strings.HasSuffix(strings.TrimSpace(expr), ".billable_users_this_month") {
				t.Errorf("%s sets units = %s; every configuration bills data.petra_usage.<name>.lookup[...].billable_users_this_month", s.name, expr)
			}
		}
	}
	if pushes < 5 {
		t.Fatalf("found only %d billing mappings whose units come from Petra in the examples and guides", pushes)
	}
}

// whatItChangesRE captures the "What this provider changes" table.
var whatItChangesRE = regexp.MustCompile(`(?s)\| Resource or data source \| Reads \| Writes \| Kept in Terraform state \|\n.*?\n\n`)

// TestWhatItChangesTableIsTheSameEverywhere: README, the registry index and
// the getting-started guide carry one table of what each type reads and
// writes; they must not drift apart.
func TestWhatItChangesTableIsTheSameEverywhere(t *testing.T) {
	var first, firstName string
	for _, f := range []string{"README.md", "templates/index.md.tmpl", "templates/guides/getting-started.md.tmpl"} {
		b, err := os.ReadFile(filepath.Join(repoRoot(), f))
		if err != nil {
			t.Fatal(err)
		}
		table := whatItChangesRE.FindString(string(b))
		if table == "" {
			t.Errorf("%s has no \"What this provider changes\" table (| Resource or data source | Reads | Writes | Kept in Terraform state |)", f)
			continue
		}
		if first == "" {
			first, firstName = table, f
			continue
		}
		if table != first {
			t.Errorf("the \"What this provider changes\" table of %s differs from %s's:\n%s\nvs\n%s", f, firstName, table, first)
		}
	}
}
