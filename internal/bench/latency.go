package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Phases measured at real Autotask latency, in order: a cold plan of the
// whole configuration (no state), the nightly run (a plan saved to a file
// that changes every billing mapping, then the apply of that plan), and a
// plan that must find nothing to change.
const (
	PhaseLatencyCold     = "cold plan"
	PhaseLatencyPlan     = "plan -out (every mapping changes)"
	PhaseLatencyApply    = "apply of that saved plan"
	PhaseLatencyNoChange = "no-change plan"
)

// planSummaryRe reads Terraform's "Plan: A to add, C to change, D to destroy."
var planSummaryRe = regexp.MustCompile(`Plan: (\d+) to add, (\d+) to change, (\d+) to destroy`)

// latencyPhase is one Terraform command of the latency runs.
type latencyPhase struct {
	phase string
	// prov and floor are the working directories the command runs in, sb
	// the sandbox the provider's runs against.
	prov, floor *Workdir
	sb          *Sandbox
	args        []string
	// changes, when >= 0, is how many resources the plan must change.
	changes int
}

// Baseline is another build of the provider measured at latency beside this
// commit's (for before-and-after figures from one run on one machine).
type Baseline struct {
	// Name labels its rows ("baseline 9724d15").
	Name string
	// PluginDir holds its terraform-provider-petra (the wrapper).
	PluginDir string
	// Preview is false when it lacks the preview data source.
	Preview bool
}

// measureLatency runs the latency phases for n mappings, for this commit's
// provider and then for opts.Baseline's when set, side by side with the
// terraform_data floor (which makes no requests):
//
//   - a cold plan, against a fresh sandbox of the same account whose Autotask
//     answers every request after opts.Latency;
//   - the nightly run against sb, the sandbox of the phases at zero latency
//     (its database holds the n mappings' units and claims), now answering
//     after opts.Latency: a plan -out in which Petra's count of every tenant
//     has moved (the configuration adds 1, then 2 for the baseline), the
//     apply of that saved plan, and a no-change plan.
//
// prov and floor are the working directories of the phases at zero latency.
func measureLatency(ctx context.Context, opts Options, n int, sb *Sandbox, prov, floor *Workdir) ([]Measurement, error) {
	cold, err := StartSandboxWithLatency(Fixture(opts.Accounts), opts.Latency)
	if err != nil {
		return nil, fmt.Errorf("starting the sandbox with latency: %w", err)
	}
	defer cold.Close()
	if err := sb.SetLatency(ctx, opts.Latency); err != nil {
		return nil, err
	}
	defer func() { _ = sb.SetLatency(context.Background(), 0) }()
	run := latencyRun{opts: opts, n: n, cold: cold, nightly: sb, floorDir: floor.Dir}
	out, err := run.measure(ctx, "", opts.PluginDir, prov.Dir, ConfigOptions{Preview: true, UnitsOffset: 1}, 11)
	if err != nil || opts.Baseline == nil {
		return out, err
	}
	// The baseline continues from a copy of the same state (the claims in
	// Autotask are that state's), with Petra's counts moved once more.
	b := opts.Baseline
	stateDir := filepath.Join(opts.WorkRoot, fmt.Sprintf("n%d-latency-baseline", n), "provider-state")
	if err := copyState(prov.Dir, stateDir, b.Preview); err != nil {
		return nil, err
	}
	more, err := run.measure(ctx, b.Name, b.PluginDir, stateDir, ConfigOptions{Preview: b.Preview, UnitsOffset: 2}, 12)
	return append(out, more...), err
}

// copyState copies a working directory's state into dir, without the preview
// data source unless keepPreview (a build that predates it cannot read it).
func copyState(from, dir string, keepPreview bool) error {
	data, err := os.ReadFile(filepath.Join(from, "terraform.tfstate"))
	if err != nil {
		return fmt.Errorf("reading the state to measure the baseline from: %w", err)
	}
	if !keepPreview {
		var st map[string]any
		if err := json.Unmarshal(data, &st); err != nil {
			return fmt.Errorf("reading the state to measure the baseline from: %w", err)
		}
		rs, _ := st["resources"].([]any)
		kept := rs[:0]
		for _, r := range rs {
			if m, _ := r.(map[string]any); m["type"] != "petra_autotask_contract_service_units" {
				kept = append(kept, r)
			}
		}
		st["resources"] = kept
		if data, err = json.MarshalIndent(st, "", "  "); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "terraform.tfstate"), data, 0o600)
}

// latencyRun holds what every provider build's latency phases share.
type latencyRun struct {
	opts          Options
	n             int
	cold, nightly *Sandbox
	floorDir      string
}

// measure runs the four phases for one provider build: a cold plan in a new
// directory against the cold sandbox, then, in stateDir (which holds the n
// mappings applied in the nightly sandbox), plan -out, apply of that plan
// and a no-change plan with cfg. floorUnits are the units the floor's twins
// move to, which must differ from their state.
func (l latencyRun) measure(ctx context.Context, label, pluginDir, stateDir string, cfg ConfigOptions, floorUnits int) ([]Measurement, error) {
	opts, n := l.opts, l.n
	logf := opts.logf()
	dirName := "latency"
	if label != "" {
		dirName = "latency-baseline"
	}
	root := filepath.Join(opts.WorkRoot, fmt.Sprintf("n%d-%s", n, dirName))
	coldProv, err := NewWorkdir(filepath.Join(root, "provider-cold"), opts.Terraform, pluginDir,
		MappingsConfigOpts(n, "", ConfigOptions{Preview: cfg.Preview}), l.cold.Env())
	if err != nil {
		return nil, err
	}
	coldFloor, err := NewWorkdir(filepath.Join(root, "floor-cold"), opts.Terraform, opts.PluginDir, FloorConfig(n), nil)
	if err != nil {
		return nil, err
	}
	stateProv, err := NewWorkdir(stateDir, opts.Terraform, pluginDir, MappingsConfigOpts(n, "", cfg), l.nightly.Env())
	if err != nil {
		return nil, err
	}
	stateFloor, err := NewWorkdir(l.floorDir, opts.Terraform, opts.PluginDir, FloorConfigUnits(n, floorUnits), nil)
	if err != nil {
		return nil, err
	}
	phases := []latencyPhase{
		{PhaseLatencyCold, coldProv, coldFloor, l.cold, []string{"plan", "-input=false", "-no-color"}, -1},
		{PhaseLatencyPlan, stateProv, stateFloor, l.nightly, []string{"plan", "-input=false", "-no-color", "-out=tfplan"}, n},
		{PhaseLatencyApply, stateProv, stateFloor, l.nightly, []string{"apply", "-input=false", "-no-color", "tfplan"}, -1},
		{PhaseLatencyNoChange, stateProv, stateFloor, l.nightly, []string{"plan", "-input=false", "-no-color", "-detailed-exitcode"}, -1},
	}
	var out []Measurement
	for _, ph := range phases {
		sb := ph.sb
		if err := sb.Admin.ResetStats(ctx); err != nil {
			return nil, err
		}
		if err := sb.Admin.ClearRequests(ctx); err != nil {
			return nil, err
		}
		opts.profile(ph.prov, n, opts.Latency, label+ph.phase)
		r, err := ph.prov.Terraform(ctx, ph.args...)
		if err != nil {
			return nil, err
		}
		if r.ExitCode != 0 {
			return nil, fmt.Errorf("with %d mappings at %s per Autotask request, %s: terraform %s exited %d:\n%s", n,
				opts.Latency, ph.phase, strings.Join(ph.args, " "), r.ExitCode, tail(r.Output, 6000))
		}
		if ph.changes >= 0 {
			if got := planChanges(r.Output); got != ph.changes {
				return nil, fmt.Errorf("with %d mappings at %s per Autotask request, %s: the plan changes %d resources, "+
					"want %d:\n%s", n, opts.Latency, ph.phase, got, ph.changes, tail(r.Output, 3000))
			}
		}
		st, err := sb.Admin.Stats(ctx)
		if err != nil {
			return nil, err
		}
		recs, err := sb.Admin.Requests(ctx, 0)
		if err != nil {
			return nil, err
		}
		tl, err := TimelineFrom(recs, opts.Latency)
		if err != nil {
			return nil, err
		}
		f, err := ph.floor.Terraform(ctx, ph.args...)
		if err != nil {
			return nil, err
		}
		if f.ExitCode != 0 {
			return nil, fmt.Errorf("with %d mappings, %s (terraform_data floor): terraform %s exited %d:\n%s", n, ph.phase,
				strings.Join(ph.args, " "), f.ExitCode, tail(f.Output, 6000))
		}
		m := Measurement{N: n, Phase: ph.phase, Run: r, Floor: f, Counts: CountsFrom(st), Latency: opts.Latency,
			Timeline: tl, Provider: label}
		logf("%s N=%-5d @%s %-34s provider %8s  floor %8s  autotask %4d (adjustments %4d)  %d in a row, waited %s of %s  max in flight %d (%d rejected)  rss %d KiB  cpu %s / floor %s",
			orThis(label), n, opts.Latency, ph.phase, r.Wall.Round(time.Millisecond), f.Wall.Round(time.Millisecond), m.Counts.Autotask,
			m.Counts.Adjustments, tl.Chain, tl.Busy.Round(time.Millisecond), tl.Sum.Round(time.Millisecond),
			m.Counts.MaxInFlight, m.Counts.ThreadRejections, r.PeakRSSKiB, r.CPU.Round(time.Millisecond), f.CPU.Round(time.Millisecond))
		if opts.Routes {
			logf("        routes: %s", m.Counts.AutotaskRoutes())
		}
		if opts.Timeline {
			logf("%s", Describe(recs))
		}
		out = append(out, m)
	}
	return out, nil
}

func orThis(label string) string {
	if label == "" {
		return "this commit:"
	}
	return label + ":"
}

// planChanges reads how many resources a plan's summary says it changes
// (-1 when the output has no summary).
func planChanges(output string) int {
	m := planSummaryRe.FindStringSubmatch(output)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[2])
	return n
}
