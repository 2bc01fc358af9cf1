package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/devprofile"
)

// Phases measured for every N, in order.
const (
	PhaseColdPlan = "cold plan"
	PhaseApply    = "apply"
	PhaseNoChange = "no-change plan"
)

// Measurement is one phase at one N: the provider's run with the sandbox's
// counts, and the same command on the terraform_data floor.
type Measurement struct {
	N      int
	Phase  string
	Run    Run
	Floor  Run
	Counts Counts
	// Latency is the delay of every Autotask request (0 for the runs
	// against an instant sandbox); Timeline is set for the latency runs.
	Latency  time.Duration
	Timeline Timeline
	// Provider is "" for this commit's provider, or the baseline's name.
	Provider string
}

// Ratio is the provider's wall time over the floor's.
func (m Measurement) Ratio() float64 {
	if m.Floor.Wall <= 0 {
		return 0
	}
	return float64(m.Run.Wall) / float64(m.Floor.Wall)
}

// Options configure Measure.
type Options struct {
	// Terraform is the CLI to run.
	Terraform string
	// PluginDir holds terraform-provider-petra (the wrapper or the binary).
	PluginDir string
	// WorkRoot is where working directories are created.
	WorkRoot string
	// Accounts is how many tenants the seeded account has (1,000).
	Accounts int
	// Log receives progress lines; nil discards them.
	Log func(format string, args ...any)
	// Routes adds each phase's per-route Autotask counts to the log.
	Routes bool
	// Latency, when positive, adds the runs at real Autotask latency for
	// LatencyN mappings: every Autotask request takes Latency.
	Latency  time.Duration
	LatencyN int
	// Baseline, when set, is measured at latency beside this commit.
	Baseline *Baseline
	// TFLog writes Terraform's trace log of each provider command into its
	// working directory (<phase>.tflog), for use with -keep.
	TFLog bool
	// ProfileDir, when set, makes the provider write CPU and heap profiles
	// (internal/devprofile) under ProfileDir/n<N>/<phase>/.
	ProfileDir string
	// Timeline adds each latency plan's Autotask requests, in start order,
	// to the log.
	Timeline bool
}

func (o Options) logf() func(format string, args ...any) {
	if o.Log == nil {
		return func(string, ...any) {}
	}
	return o.Log
}

// phaseArgs are the Terraform commands of the phases: a cold plan saved to
// a file, the apply of that plan (a new provider process, as in CI), and a
// plan that must find nothing to change.
var phaseArgs = []struct {
	phase string
	args  []string
	// want is the exit code that means success.
	want int
}{
	{PhaseColdPlan, []string{"plan", "-input=false", "-no-color", "-out=tfplan"}, 0},
	{PhaseApply, []string{"apply", "-input=false", "-no-color", "tfplan"}, 0},
	{PhaseNoChange, []string{"plan", "-input=false", "-no-color", "-detailed-exitcode"}, 0},
}

// Measure seeds a fresh sandbox with an account of opts.Accounts tenants and
// measures the three phases for n mappings, side by side with the floor.
func Measure(ctx context.Context, opts Options, n int) ([]Measurement, error) {
	logf := opts.logf()
	sb, err := StartSandbox(Fixture(opts.Accounts))
	if err != nil {
		return nil, fmt.Errorf("starting the sandbox: %w", err)
	}
	defer sb.Close()
	root := filepath.Join(opts.WorkRoot, fmt.Sprintf("n%d", n))
	prov, err := NewWorkdir(filepath.Join(root, "provider"), opts.Terraform, opts.PluginDir, MappingsConfig(n, ""), sb.Env())
	if err != nil {
		return nil, err
	}
	floor, err := NewWorkdir(filepath.Join(root, "floor"), opts.Terraform, opts.PluginDir, FloorConfig(n), nil)
	if err != nil {
		return nil, err
	}
	var out []Measurement
	for _, ph := range phaseArgs {
		if err := sb.Admin.ResetStats(ctx); err != nil {
			return nil, err
		}
		if err := sb.Admin.ClearRequests(ctx); err != nil {
			return nil, err
		}
		opts.profile(prov, n, 0, ph.phase)
		r, err := prov.Terraform(ctx, ph.args...)
		if err != nil {
			return nil, err
		}
		if r.ExitCode != ph.want {
			return nil, fmt.Errorf("with %d mappings, %s: terraform %s exited %d, want %d:\n%s", n, ph.phase,
				strings.Join(ph.args, " "), r.ExitCode, ph.want, tail(r.Output, 6000))
		}
		st, err := sb.Admin.Stats(ctx)
		if err != nil {
			return nil, err
		}
		f, err := floor.Terraform(ctx, ph.args...)
		if err != nil {
			return nil, err
		}
		if f.ExitCode != ph.want {
			return nil, fmt.Errorf("with %d mappings, %s (terraform_data floor): terraform %s exited %d:\n%s", n, ph.phase,
				strings.Join(ph.args, " "), f.ExitCode, tail(f.Output, 6000))
		}
		m := Measurement{N: n, Phase: ph.phase, Run: r, Floor: f, Counts: CountsFrom(st)}
		logf("N=%-5d %-15s provider %8s  floor %8s  autotask %4d (adjustments %4d)  petra %d  max in flight %d  rss %d KiB  cpu %s / floor %s",
			n, ph.phase, r.Wall.Round(time.Millisecond), f.Wall.Round(time.Millisecond), m.Counts.Autotask,
			m.Counts.Adjustments, m.Counts.Petra, m.Counts.MaxInFlight, r.PeakRSSKiB, r.CPU.Round(time.Millisecond), f.CPU.Round(time.Millisecond))
		if opts.Routes {
			logf("        routes: %s", m.Counts.AutotaskRoutes())
		}
		if opts.Timeline {
			recs, err := sb.Admin.Requests(ctx, 0)
			if err != nil {
				return nil, err
			}
			logf("%s", Describe(recs))
		}
		out = append(out, m)
	}
	if opts.Latency > 0 && n == opts.LatencyN {
		ms, err := measureLatency(ctx, opts, n, sb, prov, floor)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
	}
	return out, nil
}

// profile points the provider's profiles of the next command at their own
// directory when profiling is on.
func (o Options) profile(w *Workdir, n int, latency time.Duration, phase string) {
	name := strings.NewReplacer(" ", "-", "(", "", ")", "", ",", "").Replace(phase)
	if latency > 0 {
		name = "latency-" + name
	}
	if o.TFLog {
		w.Setenv("TF_LOG", "trace")
		w.Setenv("TF_LOG_PATH", filepath.Join(w.Dir, name+".tflog"))
	}
	if o.ProfileDir != "" {
		w.Setenv(devprofile.EnvDir, filepath.Join(o.ProfileDir, fmt.Sprintf("n%d", n), name))
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
