// Package pipelines_test lints the pipeline files users copy from
// examples/pipelines: the GitHub Actions workflow with actionlint (as a
// library, pinned in go.mod), the GitLab CI file with a YAML parse, a
// structural check and a shell syntax check of its scripts.
package pipelines_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rhysd/actionlint"
	yaml "go.yaml.in/yaml/v4"
)

// lintWorkflow runs actionlint on a workflow's content and returns its
// findings, one line each.
func lintWorkflow(t *testing.T, name string, content []byte) []string {
	t.Helper()
	var out bytes.Buffer
	// Shellcheck and pyflakes are left out so that the result does not
	// depend on what the machine has installed.
	l, err := actionlint.NewLinter(&out, &actionlint.LinterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.Lint(name, content, nil)
	if err != nil {
		t.Fatalf("actionlint %s: %v", name, err)
	}
	var lines []string
	for _, e := range errs {
		lines = append(lines, fmt.Sprintf("%s:%d:%d: %s [%s]", name, e.Line, e.Column, e.Message, e.Kind))
	}
	return lines
}

// TestGitHubActionsWorkflowPassesActionlint: the workflow has no actionlint
// finding, and does what the guide says: a plan check with
// -detailed-exitcode on pull requests that fails only on exit 1, and a
// nightly apply that waits for the state lock, prints the results table and
// keeps it as a CSV artifact.
func TestGitHubActionsWorkflowPassesActionlint(t *testing.T) {
	content, err := os.ReadFile("github-actions.yml")
	if err != nil {
		t.Fatal(err)
	}
	if findings := lintWorkflow(t, "github-actions.yml", content); len(findings) > 0 {
		t.Errorf("actionlint reports:\n%s", strings.Join(findings, "\n"))
	}

	// The linter is live: a broken copy (a job without runs-on, an unknown
	// expression context) is reported.
	broken := bytes.Replace(content, []byte("    runs-on: ubuntu-latest\n    timeout-minutes: 30\n"), []byte("    timeout-minutes: 30\n"), 1)
	broken = bytes.Replace(broken, []byte("${{ secrets.PG_CONN_STR }}"), []byte("${{ secret.PG_CONN_STR }}"), 1)
	if bytes.Equal(broken, content) {
		t.Fatal("the broken copy is the same as the workflow; update this test with the workflow")
	}
	if findings := lintWorkflow(t, "broken.yml", broken); len(findings) < 2 {
		t.Errorf("actionlint found %d problems in a workflow with two, so it is not checking: %v", len(findings), findings)
	}

	var wf struct {
		On   map[string]any `yaml:"on"`
		Jobs map[string]struct {
			If    string `yaml:"if"`
			Steps []struct {
				Uses string            `yaml:"uses"`
				Run  string            `yaml:"run"`
				With map[string]string `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(content, &wf); err != nil {
		t.Fatal(err)
	}
	for _, ev := range []string{"pull_request", "schedule"} {
		if _, ok := wf.On[ev]; !ok {
			t.Errorf("the workflow does not run on %s", ev)
		}
	}
	run := func(job string) string {
		var b strings.Builder
		for _, s := range wf.Jobs[job].Steps {
			b.WriteString(s.Run + "\n")
		}
		return b.String()
	}
	plan, nightly := run("plan"), run("nightly")
	for _, want := range []string{"terraform plan -detailed-exitcode", `if [ "$code" -eq 1 ]; then exit 1; fi`} {
		if !strings.Contains(plan, want) {
			t.Errorf("the plan job lacks %q", want)
		}
	}
	if !strings.Contains(wf.Jobs["plan"].If, "pull_request") || !strings.Contains(wf.Jobs["nightly"].If, "schedule") {
		t.Errorf("plan runs if %q, nightly if %q", wf.Jobs["plan"].If, wf.Jobs["nightly"].If)
	}
	for _, want := range []string{"terraform apply -auto-approve", "-lock-timeout=", "billing_results", "@csv", "billing_report", "GITHUB_STEP_SUMMARY", "sync_failures"} {
		if !strings.Contains(nightly, want) {
			t.Errorf("the nightly job lacks %q", want)
		}
	}
	uploads := false
	for _, s := range wf.Jobs["nightly"].Steps {
		if strings.HasPrefix(s.Uses, "actions/upload-artifact@") && strings.HasSuffix(s.With["path"], ".csv") {
			uploads = true
		}
	}
	if !uploads {
		t.Error("the nightly job does not keep the results CSV as an artifact")
	}
}

// gitlabGlobal are the top-level keywords of .gitlab-ci.yml that are not
// jobs (docs.gitlab.com/ci/yaml).
var gitlabGlobal = []string{"default", "include", "stages", "variables", "workflow", "image", "services", "cache", "before_script", "after_script"}

type gitlabJob struct {
	Stage         string            `yaml:"stage"`
	Script        []string          `yaml:"script"`
	BeforeScript  []string          `yaml:"before_script"`
	Rules         []map[string]any  `yaml:"rules"`
	Variables     map[string]string `yaml:"variables"`
	ResourceGroup string            `yaml:"resource_group"`
	Artifacts     *struct {
		When  string   `yaml:"when"`
		Paths []string `yaml:"paths"`
	} `yaml:"artifacts"`
}

// TestGitLabCIFileIsWellFormed parses the GitLab file and checks its
// structure (every job has a script and a declared stage, the plan runs on
// merge requests and fails only on exit 1, the nightly apply runs on the
// schedule, alone, and keeps the CSV), and that every script is valid sh.
func TestGitLabCIFileIsWellFormed(t *testing.T) {
	content, err := os.ReadFile("gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]yaml.Node
	if err := yaml.Unmarshal(content, &top); err != nil {
		t.Fatalf("gitlab-ci.yml is not YAML: %v", err)
	}
	var stages []string
	if n, ok := top["stages"]; !ok || n.Decode(&stages) != nil || len(stages) == 0 {
		t.Fatal("gitlab-ci.yml declares no stages")
	}
	var def struct {
		BeforeScript []string `yaml:"before_script"`
	}
	if n, ok := top["default"]; ok {
		if err := n.Decode(&def); err != nil {
			t.Fatalf("default: %v", err)
		}
	}
	jobs := map[string]gitlabJob{}
	for name, n := range top {
		if slices.Contains(gitlabGlobal, name) || strings.HasPrefix(name, ".") {
			continue
		}
		var j gitlabJob
		if err := n.Decode(&j); err != nil {
			t.Errorf("job %s: %v", name, err)
			continue
		}
		if len(j.Script) == 0 {
			t.Errorf("job %s has no script (or %q is a misspelt keyword)", name, name)
		}
		if !slices.Contains(stages, j.Stage) {
			t.Errorf("job %s is in stage %q, which is not in stages %v", name, j.Stage, stages)
		}
		jobs[name] = j
		script := append(append(slices.Clone(def.BeforeScript), j.BeforeScript...), j.Script...)
		checkShell(t, name, strings.Join(script, "\n"))
	}
	plan, nightly := jobs["plan"], jobs["nightly"]
	if fmt.Sprint(plan.Rules) == "[]" || !strings.Contains(fmt.Sprint(plan.Rules), "merge_request_event") {
		t.Errorf("the plan job does not run on merge requests: rules %v", plan.Rules)
	}
	planScript := strings.Join(plan.Script, "\n")
	for _, want := range []string{"terraform plan -detailed-exitcode", `test "$code" -ne 1`} {
		if !strings.Contains(planScript, want) {
			t.Errorf("the plan job lacks %q", want)
		}
	}
	if plan.Variables["PETRA_BILLING_CHECK_FAILURE"] != "error" || nightly.Variables["PETRA_BILLING_CHECK_FAILURE"] != "warn" {
		t.Errorf("billing_check_failure: plan %q, nightly %q; want error and warn",
			plan.Variables["PETRA_BILLING_CHECK_FAILURE"], nightly.Variables["PETRA_BILLING_CHECK_FAILURE"])
	}
	if !strings.Contains(fmt.Sprint(nightly.Rules), `"schedule"`) || nightly.ResourceGroup == "" {
		t.Errorf("the nightly job must run on the schedule, in a resource group: rules %v, resource_group %q", nightly.Rules, nightly.ResourceGroup)
	}
	nightlyScript := strings.Join(nightly.Script, "\n")
	for _, want := range []string{"terraform apply -auto-approve", "-lock-timeout=", "billing_results", "@csv", "billing_report", "sync_failures"} {
		if !strings.Contains(nightlyScript, want) {
			t.Errorf("the nightly job lacks %q", want)
		}
	}
	if nightly.Artifacts == nil || nightly.Artifacts.When != "always" || len(nightly.Artifacts.Paths) == 0 ||
		!strings.HasSuffix(nightly.Artifacts.Paths[0], ".csv") {
		t.Errorf("the nightly job does not always keep the results CSV: %+v", nightly.Artifacts)
	}
}

// checkShell runs `sh -n` on a job's script: a syntax error fails here, not
// on the first night.
func checkShell(t *testing.T, job, script string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-n")
	cmd.Stdin = strings.NewReader(script + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("job %s: its script is not valid sh: %v\n%s\n--- script ---\n%s", job, err, out, script)
	}
}
