// Command petra-bench is `make bench`: it seeds a sandbox with 1,000 tenants,
// companies and Recurring Service contracts, runs a cold plan, an apply and a
// no-change plan of N = 10, 100 and 1,000 billing mappings (with their tenant
// mappings) under the real Terraform CLI, runs the same commands on the
// terraform_data twin of each configuration (Terraform's own floor), and
// prints and records the table with request counts, ratios, the provider's
// peak memory and whether each performance target is met.
//
// Run it from the repository root:
//
//	go run ./internal/bench/cmd/petra-bench [-n 10,100,1000] [-nightly 200] [-out internal/bench/RESULTS.md]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/bench"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == bench.WrapFlag {
		os.Exit(bench.RunWrapped(os.Args[2:]))
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "petra-bench:", err)
		os.Exit(1)
	}
}

func run() error {
	var err error
	ns := flag.String("n", "10,100,1000", "comma-separated numbers of billing mappings to measure (\"\" skips these runs and the latency runs)")
	accounts := flag.Int("accounts", 1000, "tenants, companies and contracts seeded in the sandbox")
	out := flag.String("out", "internal/bench/RESULTS.md", "results file to write (\"\" prints only)")
	tf := flag.String("terraform", "", "Terraform CLI (default: TF_ACC_TERRAFORM_PATH, else terraform on PATH)")
	keep := flag.Bool("keep", false, "keep the working directories (printed) for inspection")
	routes := flag.Bool("routes", false, "print each phase's Autotask requests per route")
	latency := flag.Duration("latency", 150*time.Millisecond, "delay of every Autotask request in the latency runs (0 skips them)")
	latencyN := flag.Int("latency-n", 1000, "number of billing mappings of the latency runs (one of -n)")
	baseline := flag.String("baseline", "", "also measure the provider built from this git revision at latency, for before-and-after figures")
	profile := flag.String("profile", "", "directory for the provider's CPU and heap profiles, per N and phase (none when empty)")
	tfLog := flag.Bool("tf-log", false, "write Terraform's trace log of each provider command into its working directory (use with -keep)")
	timeline := flag.Bool("timeline", false, "print the Autotask requests of each latency plan in start order")
	nightly := flag.Int("nightly", 200, "tenants of the nightly run at -latency (the billing guide's nightly recipe in warn mode; 0 skips it)")
	nightlyChanged := flag.Int("nightly-changed", 10, "billing mappings whose units the nightly run's update plan changes")
	nightlyBroken := flag.Int("nightly-broken", 0, "tenants of the nightly run with an ended contract (warn mode fails only their mappings; every plan retries them, so the plan after the apply exits 2)")
	flag.Parse()

	var sizes []int
	if strings.TrimSpace(*ns) != "" {
		if sizes, err = parseSizes(*ns, *accounts); err != nil {
			return err
		}
	}
	if *nightly < 0 || *nightly > *accounts {
		return fmt.Errorf("-nightly %d: give a number of tenants between 1 and -accounts (%d), or 0 to skip the nightly run", *nightly, *accounts)
	}
	if *nightly > 0 && (*nightlyChanged <= 0 || *nightlyBroken < 0 || *nightlyChanged+*nightlyBroken > *nightly) {
		return fmt.Errorf("-nightly-changed %d and -nightly-broken %d: at least 1 changed mapping, and together at most -nightly (%d)", *nightlyChanged, *nightlyBroken, *nightly)
	}
	if *latency > 0 && len(sizes) > 0 && !contains(sizes, *latencyN) {
		return fmt.Errorf("-latency-n %d must be one of -n (%s): the latency runs start from that size's state", *latencyN, *ns)
	}
	terraform, err := findTerraform(*tf)
	if err != nil {
		return err
	}
	if *profile != "" {
		if *profile, err = filepath.Abs(*profile); err != nil {
			return err
		}
	}
	if _, err := os.Stat("go.mod"); err != nil {
		return fmt.Errorf("run petra-bench from the repository root (make bench does): %w", err)
	}
	work, err := os.MkdirTemp("", "petra-bench-")
	if err != nil {
		return err
	}
	if *keep {
		fmt.Println("working directories under", work)
	} else {
		defer os.RemoveAll(work)
	}

	ctx := context.Background()
	providerBin := filepath.Join(work, "bin", "terraform-provider-petra")
	build := exec.CommandContext(ctx, "go", "build", "-o", providerBin, ".")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building the provider: %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	pluginDir, err := bench.InstallWrapper(filepath.Join(work, "plugin"), self, providerBin)
	if err != nil {
		return err
	}

	var base *bench.Baseline
	if *baseline != "" {
		if base, err = buildBaseline(ctx, work, self, *baseline); err != nil {
			return err
		}
	}

	opts := bench.Options{
		Terraform: terraform, PluginDir: pluginDir, WorkRoot: work, Accounts: *accounts,
		Routes: *routes, Latency: *latency, LatencyN: *latencyN, Timeline: *timeline, ProfileDir: *profile, TFLog: *tfLog, Baseline: base,
		Log: func(format string, args ...any) { fmt.Printf(format+"\n", args...) },
	}
	tfVersion, _ := exec.CommandContext(ctx, terraform, "version").Output()
	env := bench.Environment{
		Date:      time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		Terraform: strings.TrimSpace(strings.SplitN(string(tfVersion), "\n", 2)[0]),
		Go:        runtime.Version(),
		CPUs:      runtime.NumCPU(),
		OS:        runtime.GOOS + "/" + runtime.GOARCH,
		Accounts:  *accounts,
		Commit:    gitCommit(ctx),
		Load:      loadAverage(),
	}
	if base != nil {
		env.Baseline = base.Name
	}
	start := time.Now()
	var all []bench.Measurement
	for _, n := range sizes {
		ms, err := bench.Measure(ctx, opts, n)
		if err != nil {
			return err
		}
		all = append(all, ms...)
	}
	var night *bench.Nightly
	if *nightly > 0 {
		nr, err := bench.MeasureNightly(ctx, opts, *nightly, *nightlyChanged, *nightlyBroken)
		if err != nil {
			return err
		}
		night = &nr
	}
	env.Duration = time.Since(start).Round(time.Second)
	if l := loadAverage(); l != "" && env.Load != "" {
		env.Load = "at the start " + env.Load + ", at the end " + l
	}
	rep := bench.NewReport(env, all)
	if night != nil {
		rep.AddNightly(*night)
	}
	fmt.Println()
	fmt.Print(rep.Markdown())
	if *out != "" {
		prev, _ := os.ReadFile(*out)
		if err := os.WriteFile(*out, []byte(rep.File(string(prev))), 0o644); err != nil { //nolint:gosec // a results file in the repository
			return err
		}
		fmt.Println("\nwrote", *out)
	}
	if failed := rep.Failed(); len(failed) > 0 {
		return fmt.Errorf("%d target(s) not met: %s", len(failed), strings.Join(failed, "; "))
	}
	return nil
}

func parseSizes(s string, accounts int) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n <= 0 || n > accounts {
			return nil, fmt.Errorf("-n: %q is not a number of mappings between 1 and -accounts (%d)", p, accounts)
		}
		out = append(out, n)
	}
	return out, nil
}

// buildBaseline builds the provider from a git revision (git archive, so the
// repository is not touched) and installs its wrapper.
func buildBaseline(ctx context.Context, work, self, rev string) (*bench.Baseline, error) {
	src := filepath.Join(work, "baseline-src")
	if err := os.MkdirAll(src, 0o700); err != nil {
		return nil, err
	}
	short, err := exec.CommandContext(ctx, "git", "rev-parse", "--short", rev).Output()
	if err != nil {
		return nil, fmt.Errorf("-baseline %s: not a git revision of this repository: %w", rev, err)
	}
	archive := exec.CommandContext(ctx, "sh", "-c", `git archive "$1" | tar -x -C "$2"`, "sh", rev, src)
	if out, err := archive.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("extracting %s: %w\n%s", rev, err, out)
	}
	bin := filepath.Join(work, "baseline-bin", "terraform-provider-petra")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	build.Dir = src
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("building the baseline provider: %w", err)
	}
	dir, err := bench.InstallWrapper(filepath.Join(work, "baseline-plugin"), self, bin)
	if err != nil {
		return nil, err
	}
	// A baseline knows the preview data source only if its source has it.
	_, statErr := os.Stat(filepath.Join(src, "internal", "provider", "data_source_autotask_contract_service_units.go"))
	return &bench.Baseline{Name: "baseline " + strings.TrimSpace(string(short)), PluginDir: dir, Preview: statErr == nil}, nil
}

// loadAverage is the 1/5/15-minute load averages ("" where unknown).
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " / ")
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func findTerraform(flagValue string) (string, error) {
	for _, p := range []string{flagValue, os.Getenv("TF_ACC_TERRAFORM_PATH")} {
		if p != "" {
			return p, nil
		}
	}
	p, err := exec.LookPath("terraform")
	if err != nil {
		return "", fmt.Errorf("no Terraform CLI: put terraform (>= 1.11) on PATH, set TF_ACC_TERRAFORM_PATH or pass -terraform")
	}
	return p, nil
}

func gitCommit(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}
