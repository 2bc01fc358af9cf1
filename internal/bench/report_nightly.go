package bench

import (
	"fmt"
	"strings"
)

// The nightly run's targets (issue 21). Changing one is a product decision:
// say why in the commit.
const (
	// An update plan prints at most this many lines per mapping it changes,
	// Terraform's progress lines aside.
	maxPlanLinesPerChange = 10
	// The plan right after a nightly apply, with nothing changed in
	// Autotask or Petra, exits with this code (-detailed-exitcode).
	wantExitAfterNightly = 0
)

// perChange is lines per changed mapping.
func (n Nightly) perChange(lines int) float64 {
	if n.Changed <= 0 {
		return 0
	}
	return float64(lines) / float64(n.Changed)
}

// title names the run in the targets and the section.
func (n Nightly) title() string {
	s := fmt.Sprintf("Nightly run of %s tenants at %s (`billing_check_failure = \"warn\"`", thousands(n.Tenants),
		ms2(n.Latency))
	if n.Broken > 0 {
		s += fmt.Sprintf(", %d of them broken, which every plan retries", n.Broken)
	}
	return s + ")"
}

// AddNightly adds the nightly run's results and checks its targets.
func (r *Report) AddNightly(n Nightly) {
	r.Nightly = &n
	total, listing := PlanLines(n.Plan.Output)
	r.Targets = append(r.Targets,
		Target{
			Name: fmt.Sprintf("%s: the update plan that changes %s units prints at most %d lines per changed "+
				"mapping, Terraform's progress lines aside", n.title(), mappingsOf(n.Changed), maxPlanLinesPerChange),
			Met: n.perChange(listing) <= maxPlanLinesPerChange,
			Actual: fmt.Sprintf("%.1f (%d lines; with Terraform's %d progress lines, %d in all: %.1f per changed mapping)",
				n.perChange(listing), listing, total-listing, total, n.perChange(total)),
		},
		Target{
			Name: fmt.Sprintf("%s: `terraform plan -detailed-exitcode` right after the nightly apply, with nothing "+
				"changed in Autotask or Petra, exits %d", n.title(), wantExitAfterNightly),
			Met:    n.After.ExitCode == wantExitAfterNightly,
			Actual: exitCodeText(n.After),
		})
}

// mappingsOf is "1 mapping's" or "N mappings'".
func mappingsOf(n int) string {
	if n == 1 {
		return "1 mapping's"
	}
	return fmt.Sprintf("%s mappings'", thousands(n))
}

// tenantsOf is "1 tenant" or "N tenants".
func tenantsOf(n int) string {
	if n == 1 {
		return "1 tenant"
	}
	return thousands(n) + " tenants"
}

// exitCodeText is a plan's exit code, with what it changes when it has
// changes.
func exitCodeText(r Run) string {
	s := fmt.Sprint(r.ExitCode)
	switch r.ExitCode {
	case 1:
		s += " (an error)"
	case 2:
		if d := PlanDiffSummary(r.Output); d != "" {
			s += " (" + d + ")"
		}
	}
	return s
}

// nightlyMarkdown is the nightly run's section ("" when it did not run).
func (r *Report) nightlyMarkdown() string {
	n := r.Nightly
	if n == nil {
		return ""
	}
	total, listing := PlanLines(n.Plan.Output)
	var b strings.Builder
	fmt.Fprintf(&b, "## Nightly run of %s tenants at %s\n\n", thousands(n.Tenants), ms2(n.Latency))
	fmt.Fprintf(&b, "The billing guide's nightly recipe (`billing_check_failure = \"warn\"`, the preview, the "+
		"`billing_results` and `sync_failures` outputs and the `check` block) over %s billing mappings with their "+
		"tenant mappings, in a fresh sandbox of the same account", thousands(n.Tenants))
	if n.Broken > 0 {
		fmt.Fprintf(&b, " in which %d of the tenants have a contract that ended 10 days ago", n.Broken)
	}
	fmt.Fprintf(&b, ". Applied once at no latency; then, with every Autotask request taking %s, Petra's count of %s "+
		"moves: the update plan (`terraform plan -detailed-exitcode`; its lines per changed mapping, "+
		"all of them and without Terraform's progress lines, one `Refreshing state...` per resource in state and "+
		"`Reading...`/`Read complete` per data source, which no provider can shorten), the nightly apply "+
		"(`terraform apply -auto-approve`), and `terraform plan -detailed-exitcode` right after it, with nothing "+
		"changed in Autotask or Petra (its exit code: 0 no changes, 2 changes).\n\n", ms2(n.Latency), tenantsOf(n.Changed))
	b.WriteString("| Tenants | Broken | Changed mappings | Update plan | Plan lines | Per changed mapping | " +
		"Without progress lines | Per changed mapping | Nightly apply | Adjustments | Plan after the apply | Exit code |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	fmt.Fprintf(&b, "| %s | %d | %d | %s | %d | %.1f | %d | %.1f | %s | %d | %s | %s |\n\n", thousands(n.Tenants),
		n.Broken, n.Changed, secs(n.Plan.Wall), total, n.perChange(total), listing, n.perChange(listing),
		secs(n.Apply.Wall), n.Adjustments, secs(n.After.Wall), exitCodeText(n.After))
	return b.String()
}

// nightlyHistory is the nightly run's cell of the history ("–" when it did
// not run).
func (r *Report) nightlyHistory() string {
	n := r.Nightly
	if n == nil {
		return "–"
	}
	_, listing := PlanLines(n.Plan.Output)
	return fmt.Sprintf("%s tenants at %s: %.1f lines per changed mapping, exit %d", thousands(n.Tenants),
		ms2(n.Latency), n.perChange(listing), n.After.ExitCode)
}
