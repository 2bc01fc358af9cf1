package bench

import (
	"context"
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
	// prov and floor are the working directories the command runs in.
	prov, floor *Workdir
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
// provider and then for opts.Baseline's when set, each against a fresh
// sandbox whose Autotask answers every request after opts.Latency, side by
// side with the terraform_data floor (which makes no requests). prov and
// floor are the working directories of the phases at zero latency, whose
// state holds the n mappings applied at zero latency: a fresh sandbox's
// lines hold their seeded units again, so refreshing that state finds every
// billing mapping changed in Autotask (the nightly run's situation after a
// month of usage changes) and the saved plan changes all n.
func measureLatency(ctx context.Context, opts Options, n int, prov, floor *Workdir) ([]Measurement, error) {
	out, err := measureLatencyOf(ctx, opts, n, prov.Dir, floor.Dir, "", opts.PluginDir, true, 11)
	if err != nil || opts.Baseline == nil {
		return out, err
	}
	// The baseline starts from a copy of the same state, against its own
	// fresh sandbox; its floor moves the twins' units once more.
	b := opts.Baseline
	root := filepath.Join(opts.WorkRoot, fmt.Sprintf("n%d-latency-baseline", n))
	stateDir := filepath.Join(root, "provider-state")
	if err := copyState(prov.Dir, stateDir); err != nil {
		return nil, err
	}
	more, err := measureLatencyOf(ctx, opts, n, stateDir, floor.Dir, b.Name, b.PluginDir, b.Preview, 12)
	return append(out, more...), err
}

// copyState copies a working directory's state into dir.
func copyState(from, dir string) error {
	data, err := os.ReadFile(filepath.Join(from, "terraform.tfstate"))
	if err != nil {
		return fmt.Errorf("reading the state to measure the baseline from: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "terraform.tfstate"), data, 0o600)
}

// measureLatencyOf runs the four phases for one provider build: a cold plan
// in a new directory, then, in stateDir (which holds n applied mappings),
// plan -out, apply of that plan and a no-change plan. floorUnits are the
// units the floor's twins move to, which must differ from their state.
func measureLatencyOf(ctx context.Context, opts Options, n int, stateDir, floorDir, label, pluginDir string, preview bool, floorUnits int) ([]Measurement, error) {
	logf := opts.logf()
	sb, err := StartSandboxWithLatency(Fixture(opts.Accounts), opts.Latency)
	if err != nil {
		return nil, fmt.Errorf("starting the sandbox with latency: %w", err)
	}
	defer sb.Close()
	dirName := "latency"
	if label != "" {
		dirName = "latency-baseline"
	}
	root := filepath.Join(opts.WorkRoot, fmt.Sprintf("n%d-%s", n, dirName))
	cfg := MappingsConfigWith(n, "", preview)
	coldProv, err := NewWorkdir(filepath.Join(root, "provider-cold"), opts.Terraform, pluginDir, cfg, sb.Env())
	if err != nil {
		return nil, err
	}
	coldFloor, err := NewWorkdir(filepath.Join(root, "floor-cold"), opts.Terraform, opts.PluginDir, FloorConfig(n), nil)
	if err != nil {
		return nil, err
	}
	// The state directories, pointed at the latency sandbox (the floor at
	// units that differ from its state).
	stateProv, err := NewWorkdir(stateDir, opts.Terraform, pluginDir, cfg, sb.Env())
	if err != nil {
		return nil, err
	}
	stateFloor, err := NewWorkdir(floorDir, opts.Terraform, opts.PluginDir, FloorConfigUnits(n, floorUnits), nil)
	if err != nil {
		return nil, err
	}
	phases := []latencyPhase{
		{PhaseLatencyCold, coldProv, coldFloor, []string{"plan", "-input=false", "-no-color"}, -1},
		{PhaseLatencyPlan, stateProv, stateFloor, []string{"plan", "-input=false", "-no-color", "-out=tfplan"}, n},
		{PhaseLatencyApply, stateProv, stateFloor, []string{"apply", "-input=false", "-no-color", "tfplan"}, -1},
		{PhaseLatencyNoChange, stateProv, stateFloor, []string{"plan", "-input=false", "-no-color", "-detailed-exitcode"}, -1},
	}
	var out []Measurement
	for _, ph := range phases {
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
