package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// The nightly measurement (issue 21): the billing guide's nightly recipe
// (billing_check_failure = "warn", the preview, the billing_results and
// sync_failures outputs and the check block) over n tenants at the bench's
// latency: an update plan that changes the units of Changed mappings (how
// many lines it prints per changed mapping), the nightly apply, and the plan
// right after it, with nothing changed in Autotask or Petra (its exit code).

// nightlyProvider is the recipe's provider block.
const nightlyProvider = `provider "petra" {
  billing_check_failure = "warn"
}
`

// nightlyRecipe is what the billing guide's nightly recipe adds to the main
// job (the results, report and check block of the nightly recipe in
// templates/guides/billing-sync.md.tmpl, as examples/demo has it): keep it
// the same as the guide's, so that the bench measures the documented
// configuration.
const nightlyRecipe = `
locals {
  billing_results = {
    for id, m in petra_autotask_billing_mapping.tenant : id => {
      tenant       = data.petra_usage.this.lookup[id].name != null ? "${data.petra_usage.this.lookup[id].name} (${id})" : id
      company      = coalesce(m.company_name, "company ${m.company_id}")
      line         = "${coalesce(m.contract_name, "contract ${m.contract_id}")} / ${coalesce(m.service_name, "service ${m.service_id}")}"
      before       = m.sync_status == "failed" ? null : m.units - coalesce(m.last_push_delta, 0)
      after        = m.sync_status == "failed" ? null : m.units
      last_push_at = m.sync_status == "failed" ? null : m.last_push_at
      status = (
        m.sync_status == "failed" ? "failed: ${replace(m.sync_error, "/^(.*? \\(${id}\\)|${id}): /", "")}" :
        coalesce(m.last_push_delta, 0) == 0 ? "unchanged" : "synced"
      )
    }
  }
}

output "billing_results" {
  description = "Per tenant: tenant, company, line, units before and after its last push, status."
  value       = local.billing_results
}

output "billing_report" {
  description = "The results of the run as a table (provider::petra::billing_report)."
  value       = provider::petra::billing_report(local.billing_results)
}

check "billing_sync" {
  assert {
    condition     = alltrue([for r in values(local.billing_results) : !startswith(r.status, "failed")])
    error_message = provider::petra::billing_report(local.billing_results, "summary")
  }
}
`

// NightlyConfig is the nightly recipe over the first n tenants, with the
// counts of the first moved tenants moved by one.
func NightlyConfig(n, moved int) string {
	return MappingsConfigOpts(n, nightlyProvider, ConfigOptions{Moved: moved}) + nightlyRecipe
}

// NightlyFixture is Fixture(accounts) in which broken of the first n
// tenants (the last ones of them, so the tenants whose count moves are
// healthy) have a contract that ended 10 days ago: with warn mode, each
// fails only its own billing mapping, as in a real night.
func NightlyFixture(accounts, n, broken int) *sandbox.Fixture {
	fx := Fixture(accounts)
	for j := 0; j < broken && j < n; j++ {
		c := fx.Autotask.Contracts[n-1-j]
		c["startDate"], c["endDate"] = "today-400d", "today-10d"
	}
	return fx
}

// Nightly is the result of the nightly measurement.
type Nightly struct {
	// Tenants is how many tenants the configuration maps, Broken how many
	// of them have a broken contract, Changed how many mappings' units the
	// update plan changes.
	Tenants, Broken, Changed int
	Latency                  time.Duration
	// Plan is the update plan (terraform plan -detailed-exitcode with the
	// moved counts), Apply the nightly apply, After the plan right after it.
	Plan, Apply, After Run
	// PlanChanges is how many resources the update plan changes (its
	// summary); Adjustments how many adjustments the apply posted.
	PlanChanges, Adjustments int
}

// progressLineRe matches the lines Terraform prints for every resource and
// data source it refreshes or reads, whatever the provider does.
var progressLineRe = regexp.MustCompile(`: (Refreshing state\.\.\.|Reading\.\.\.$|Read complete after )`)

// PlanLines counts a plan output's lines: all of them, and those that are
// not Terraform's progress lines (one "Refreshing state..." per resource in
// state, "Reading..." and "Read complete" per data source): the listing of
// what the plan does, its warnings and its outputs.
func PlanLines(output string) (total, listing int) {
	output = strings.TrimRight(output, "\n")
	if output == "" {
		return 0, 0
	}
	for _, l := range strings.Split(output, "\n") {
		total++
		if !progressLineRe.MatchString(l) {
			listing++
		}
	}
	return total, listing
}

// changedOutputRe matches an output's line under "Changes to Outputs:".
// (two spaces in: the lines further in are the values' own).
var changedOutputRe = regexp.MustCompile(`^  [~+-] ([A-Za-z0-9_-]+)\s+=`)

// PlanDiffSummary says what a plan that exits 2 changes: its summary line's
// counts and the outputs it changes ("" when it changes nothing).
func PlanDiffSummary(output string) string {
	var parts []string
	if m := planSummaryRe.FindStringSubmatch(output); m != nil {
		parts = append(parts, fmt.Sprintf("%s to add, %s to change, %s to destroy", m[1], m[2], m[3]))
	}
	if i := strings.Index(output, "Changes to Outputs:"); i >= 0 {
		var names []string
		for _, l := range strings.Split(output[i:], "\n")[1:] {
			if strings.TrimSpace(l) == "" {
				break
			}
			if m := changedOutputRe.FindStringSubmatch(l); m != nil {
				names = append(names, m[1])
			}
		}
		if len(names) > 0 {
			parts = append(parts, "outputs "+strings.Join(names, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

// MeasureNightly runs the nightly measurement: a fresh sandbox of
// opts.Accounts tenants (broken of the first n with an ended contract), the
// recipe over n tenants applied at no latency, then at opts.Latency the
// update plan that moves changed tenants' counts, the nightly apply, and the
// plan right after it.
func MeasureNightly(ctx context.Context, opts Options, n, changed, broken int) (Nightly, error) {
	logf := opts.logf()
	res := Nightly{Tenants: n, Broken: broken, Changed: changed, Latency: opts.Latency}
	if changed <= 0 || changed+broken > n {
		return res, fmt.Errorf("nightly run of %d tenants: %d changed and %d broken tenants do not fit", n, changed, broken)
	}
	sb, err := StartSandbox(NightlyFixture(opts.Accounts, n, broken))
	if err != nil {
		return res, fmt.Errorf("starting the sandbox of the nightly run: %w", err)
	}
	defer sb.Close()
	dir := filepath.Join(opts.WorkRoot, fmt.Sprintf("nightly-%d", n))
	w, err := NewWorkdir(dir, opts.Terraform, opts.PluginDir, NightlyConfig(n, 0), sb.Env())
	if err != nil {
		return res, err
	}
	fail := func(what string, r Run) error {
		return fmt.Errorf("nightly run of %d tenants, %s: terraform %s exited %d:\n%s", n, what,
			strings.Join(r.Args, " "), r.ExitCode, tail(r.Output, 6000))
	}
	// The state the night starts from: every mapping applied (the broken
	// ones recorded as failed), at no latency, not measured.
	r, err := w.Terraform(ctx, "apply", "-input=false", "-no-color", "-auto-approve")
	if err != nil {
		return res, err
	}
	if r.ExitCode != 0 {
		return res, fail("first apply", r)
	}
	if err := sb.SetLatency(ctx, opts.Latency); err != nil {
		return res, err
	}
	// Petra's count of the first `changed` tenants moves.
	if w, err = NewWorkdir(dir, opts.Terraform, opts.PluginDir, NightlyConfig(n, changed), sb.Env()); err != nil {
		return res, err
	}
	if res.Plan, err = w.Terraform(ctx, "plan", "-input=false", "-no-color", "-detailed-exitcode"); err != nil {
		return res, err
	}
	if res.Plan.ExitCode != 2 {
		return res, fail(fmt.Sprintf("update plan (want exit code 2: %d mappings change)", changed), res.Plan)
	}
	res.PlanChanges = planChanges(res.Plan.Output)
	if res.PlanChanges < changed {
		return res, fmt.Errorf("nightly run of %d tenants: the update plan changes %d resources, want at least %d:\n%s",
			n, res.PlanChanges, changed, tail(res.Plan.Output, 3000))
	}
	if err := sb.Admin.ResetStats(ctx); err != nil {
		return res, err
	}
	if res.Apply, err = w.Terraform(ctx, "apply", "-input=false", "-no-color", "-auto-approve"); err != nil {
		return res, err
	}
	if res.Apply.ExitCode != 0 {
		return res, fail("nightly apply", res.Apply)
	}
	st, err := sb.Admin.Stats(ctx)
	if err != nil {
		return res, err
	}
	res.Adjustments = CountsFrom(st).Adjustments
	// Nothing changes in Autotask or Petra: the plan must find nothing.
	if res.After, err = w.Terraform(ctx, "plan", "-input=false", "-no-color", "-detailed-exitcode"); err != nil {
		return res, err
	}
	// Kept for inspection with -keep.
	for name, out := range map[string]string{"update-plan.txt": res.Plan.Output, "nightly-apply.txt": res.Apply.Output,
		"plan-after-apply.txt": res.After.Output} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(out), 0o600); err != nil {
			return res, err
		}
	}
	total, listing := PlanLines(res.Plan.Output)
	logf("nightly N=%d (%d broken) @%s: update plan of %d changed mappings %s, %d lines (%d without progress lines); "+
		"apply %s, %d adjustments; plan after the apply %s, exit code %d %s", n, broken, opts.Latency, changed,
		res.Plan.Wall.Round(time.Millisecond), total, listing, res.Apply.Wall.Round(time.Millisecond), res.Adjustments,
		res.After.Wall.Round(time.Millisecond), res.After.ExitCode, PlanDiffSummary(res.After.Output))
	if res.After.ExitCode == 1 {
		logf("%s", tail(res.After.Output, 3000))
	}
	return res, nil
}
