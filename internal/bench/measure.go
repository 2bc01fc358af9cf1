package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"
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
	logf := opts.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
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
		logf("N=%-5d %-15s provider %8s  floor %8s  autotask %4d (adjustments %4d)  petra %d  max in flight %d  rss %d KiB",
			n, ph.phase, r.Wall.Round(time.Millisecond), f.Wall.Round(time.Millisecond), m.Counts.Autotask,
			m.Counts.Adjustments, m.Counts.Petra, m.Counts.MaxInFlight, r.PeakRSSKiB)
		if opts.Routes {
			logf("        routes: %s", m.Counts.AutotaskRoutes())
		}
		out = append(out, m)
	}
	return out, nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
