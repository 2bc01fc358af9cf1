package provider

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/bench"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/sandboxtest"
)

// Request budgets for 200 billing mappings (with their tenant mappings, the
// connection and petra_usage) in an account of 1,000 Recurring Service
// contracts. Reading per resource would cost at least one request per
// mapping (several hundred); the bulk reads cost about 25 whatever N is.
const (
	scaleMappings        = 200
	scaleAccount         = 1000
	scalePlanMaxAutotask = 30
	// An apply may spend, besides the adjustments, only this fixed budget:
	// the read before each push comes from the apply's bulk reads, and a
	// create Autotask confirmed needs no read-back (push.go). Reading before
	// or after each push, or per resource, costs at least one more request
	// per mapping and fails the test.
	scaleApplyMaxFixed = 40
	// A new mapping claims its line once: one contract note, and the line's
	// claims read back (batched with the mappings created at the same moment,
	// ownership.go). Creating the mappings may spend that much more; an
	// apply that only changes units spends none of it.
	scaleClaimMaxPerMapping = 2
	// Each push checks its claim right before it posts (issue 20: a take-over
	// never lets both configurations push) from a read of every claim that
	// the checks share while it is under a second old (claims.checkFreshness):
	// at most one more request per started second of the apply, whatever the
	// number of mappings.
	scaleClaimCheckPerSecond = 1
)

// claimCheckAllowance is what the claim checks before the posts may spend
// in an apply that took d.
func claimCheckAllowance(d time.Duration) int {
	return scaleClaimCheckPerSecond * (int(d/time.Second) + 1)
}

// TestScale200MappingsRequestCounts runs the real provider binary under the
// Terraform CLI on 200 billing mappings and asserts the requests the sandbox
// counted: a cold plan and a no-change plan stay within a fixed budget, an
// apply posts exactly one adjustment per mapping whose units change, and no
// Autotask endpoint ever sees more than 3 requests in flight, even at
// -parallelism=20. A regression to per-resource reads fails it.
func TestScale200MappingsRequestCounts(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.StartWithOptions(t, sandbox.Options{Fixture: bench.Fixture(scaleAccount)})
	w := newScaleWorkdir(t, sb)
	ctx := context.Background()

	run := func(phase string, args ...string) bench.Counts {
		t.Helper()
		if err := sb.Admin.ResetStats(ctx); err != nil {
			t.Fatal(err)
		}
		r, err := w.Terraform(ctx, args...)
		if err != nil {
			t.Fatal(err)
		}
		if r.ExitCode != 0 {
			t.Fatalf("%s: terraform %s exited %d:\n%s", phase, strings.Join(args, " "), r.ExitCode, scaleTail(r.Output))
		}
		st, err := sb.Admin.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c := bench.CountsFrom(st)
		t.Logf("%s: %d Autotask requests (%d adjustments), %d Petra, max %d in flight; %s", phase, c.Autotask,
			c.Adjustments, c.Petra, c.MaxInFlight, c.AutotaskRoutes())
		if c.MaxInFlight > 3 || c.ThreadRejections > 0 {
			t.Errorf("%s: %d requests in flight on one Autotask endpoint and %d thread-limit rejections; the limit is 3",
				phase, c.MaxInFlight, c.ThreadRejections)
		}
		if c.PetraMaxPerRoute > 1 {
			t.Errorf("%s: %d requests on one Petra route; every Petra read must be shared by the run (1 per route)",
				phase, c.PetraMaxPerRoute)
		}
		return c
	}

	cold := run("cold plan", "plan", "-input=false", "-no-color", "-out=tfplan", "-parallelism=20")
	if cold.Autotask > scalePlanMaxAutotask {
		t.Errorf("cold plan of %d mappings made %d Autotask requests, budget %d: a read is no longer shared by the run",
			scaleMappings, cold.Autotask, scalePlanMaxAutotask)
	}
	if cold.Adjustments != 0 {
		t.Errorf("a plan posted %d adjustments", cold.Adjustments)
	}

	started := time.Now()
	apply := run("apply", "apply", "-input=false", "-no-color", "-parallelism=20", "tfplan")
	applyChecks := claimCheckAllowance(time.Since(started))
	if apply.Adjustments != scaleMappings {
		t.Errorf("apply posted %d adjustments for %d mappings whose units change, want exactly one each",
			apply.Adjustments, scaleMappings)
	}
	if limit := scaleApplyMaxFixed + int(scaleClaimMaxPerMapping*scaleMappings) + applyChecks; apply.Other > limit {
		t.Errorf("apply made %d Autotask requests besides the adjustments, budget %d (fixed, plus the first claim of "+
			"each new mapping): reads before or after pushes are no longer shared", apply.Other, limit)
	}

	// Every mapping's units change: the claims are held, so the apply costs
	// the adjustments and the fixed budget only.
	changed := bench.MappingsConfigOpts(scaleMappings, "", bench.ConfigOptions{Preview: true, UnitsOffset: 1})
	if err := os.WriteFile(filepath.Join(w.Dir, "main.tf"), []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	run("units-only plan", "plan", "-input=false", "-no-color", "-out=tfplan", "-parallelism=20")
	started = time.Now()
	update := run("units-only apply", "apply", "-input=false", "-no-color", "-parallelism=20", "tfplan")
	updateChecks := claimCheckAllowance(time.Since(started))
	if update.Adjustments != scaleMappings {
		t.Errorf("units-only apply posted %d adjustments for %d changed mappings, want exactly one each", update.Adjustments, scaleMappings)
	}
	if update.Other > scaleApplyMaxFixed+updateChecks {
		t.Errorf("units-only apply made %d Autotask requests besides the adjustments, budget %d: the claims or reads "+
			"of mappings that only change units are no longer shared", update.Other, scaleApplyMaxFixed+updateChecks)
	}

	again := run("no-change plan", "plan", "-input=false", "-no-color", "-detailed-exitcode", "-parallelism=20")
	if again.Autotask > scalePlanMaxAutotask {
		t.Errorf("no-change plan of %d mappings made %d Autotask requests, budget %d: refresh reads are no longer "+
			"shared by the run", scaleMappings, again.Autotask, scalePlanMaxAutotask)
	}
}

// newScaleWorkdir builds the provider and writes the 200-mapping
// configuration with the sandbox's credentials in the environment.
func newScaleWorkdir(t *testing.T, sb *sandboxtest.Instance) *bench.Workdir {
	t.Helper()
	terraform := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if terraform == "" {
		p, err := exec.LookPath("terraform")
		if err != nil {
			t.Fatal("no Terraform CLI: put terraform (>= 1.11) on PATH or set TF_ACC_TERRAFORM_PATH")
		}
		terraform = p
	}
	bin := t.TempDir()
	_, file, _, _ := runtime.Caller(0)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(bin, "terraform-provider-petra"), ".")
	build.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}
	env := []string{
		"AUTOTASK_USERNAME=" + sb.Username, "AUTOTASK_SECRET=" + sb.Secret,
		"AUTOTASK_INTEGRATION_CODE=" + sb.IntegrationCode, "AUTOTASK_ZONE_LOOKUP_URL=" + sb.ZoneLookupURL,
		"PETRA_API_KEY=" + sb.PetraKey, "PETRA_API_URL=" + sb.PetraURL,
	}
	w, err := bench.NewWorkdir(filepath.Join(t.TempDir(), "work"), terraform, bin, bench.MappingsConfig(scaleMappings, ""), env)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func scaleTail(s string) string {
	if len(s) > 4000 {
		return "…" + s[len(s)-4000:]
	}
	return s
}
