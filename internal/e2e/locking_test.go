//go:build locking

package e2e

// Run by `make test-locking` (.ci/test-locking), which starts a throwaway
// PostgreSQL and sets PETRA_TEST_PG_CONN_STR. Plain `make test` does not
// build this file: it needs PostgreSQL.

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// TestLockingOverlappingNightlyApplies is the remote-state recipe of the
// scheduled-runs guide, end to end: the billing guide's nightly
// configuration with examples/pipelines/backend.tf (verbatim) on a real
// PostgreSQL, run by two runners with their own working directories, as two
// CI jobs would be. While runner A's nightly apply is under way (Petra and
// Autotask made slow), runner B's apply fails on the state lock without
// planning, and B's apply with -lock-timeout waits for A, then finds nothing
// to do. Each line gets exactly one adjustment: nothing is pushed twice.
func TestLockingOverlappingNightlyApplies(t *testing.T) {
	conn := os.Getenv("PETRA_TEST_PG_CONN_STR")
	if conn == "" {
		t.Fatal("PETRA_TEST_PG_CONN_STR is not set: run `make test-locking`, which starts a PostgreSQL for this test")
	}
	env := acctest.New(t)
	env.RequireSandbox(t) // reads the sandbox's request log and slows it down
	ctx := t.Context()

	ids := []string{"ZZk90t", "Y3mPqr", "Bq7Lx2"}
	targets := map[string]acctest.BillingTarget{}
	var rows strings.Builder
	for _, id := range ids {
		b := env.NewBillingTarget(t, 1)
		targets[id] = b
		fmt.Fprintf(&rows, "    %s = { company_id = %d, contract_id = %d, service_id = %d }\n", id, b.CompanyID, b.ContractID, b.ServiceID)
	}
	backend, err := os.ReadFile(filepath.Join(repoRoot(), "examples", "pipelines", "backend.tf"))
	if err != nil {
		t.Fatal(err)
	}
	secrets := env.Secrets()
	vars := map[string]string{
		"AUTOTASK_USERNAME": env.Username(), "AUTOTASK_SECRET": secrets[0], "AUTOTASK_INTEGRATION_CODE": secrets[1],
		"AUTOTASK_ZONE_LOOKUP_URL": env.Sandbox.ZoneLookupURL, "PETRA_API_KEY": secrets[2], "PETRA_API_URL": env.Sandbox.PetraURL,
		"PG_CONN_STR": conn,
		// Each run of the test has its own state, in its own schema.
		"PG_SCHEMA_NAME": strings.ToLower(strings.NewReplacer(" ", "_", "-", "_").Replace(env.Unique("petra lock"))),
	}
	config := fmt.Sprintf(nightlyTF, "warn", rows.String())
	// `terraform init` sets up the backend. It also installs providers, which
	// dev_overrides do not cover: it gets the local build from a plugin
	// directory (no registry access), and runs use the override.
	mirror := t.TempDir()
	dir := filepath.Join(mirror, "registry.terraform.io", "petrasecurity", "petra", "0.0.1", runtime.GOOS+"_"+runtime.GOARCH)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(filepath.Join(ProviderBinaryDir(t), "terraform-provider-petra"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "terraform-provider-petra_v0.0.1"), bin, 0o755); err != nil { //nolint:gosec // an executable
		t.Fatal(err)
	}
	runner := func() *Workdir {
		w := NewWorkdir(t, config, vars)
		w.writeFile(t, "backend.tf", string(backend))
		w.MustRun(nil, "init", "-input=false", "-no-color", "-plugin-dir="+mirror)
		return w
	}
	a, b := runner(), runner()

	// Slow the run down so that the runs overlap: Petra's usage report (read
	// while planning) and every adjustment.
	for _, l := range []sandbox.LatencyRule{
		{Path: "/petra/v1/usage", DelayMs: 8000},
		{Path: "/ATServicesRest/V1.0/ContractServiceAdjustments", DelayMs: 1500},
	} {
		if err := env.Sandbox.Admin.SetLatency(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	seq := lastSeq(t, env)

	type outcome struct {
		res Result
		end time.Time
	}
	doneA := make(chan outcome, 1)
	go func() {
		res := a.Run(nil, "apply", "-auto-approve", "-input=false", "-no-color")
		doneA <- outcome{res, time.Now()}
	}()
	running := func() bool { return len(doneA) == 0 }

	// Terraform takes the state lock before it plans: once A's provider has
	// made its first request, A holds the lock.
	deadline := time.Now().Add(2 * time.Minute)
	for lastSeq(t, env) == seq {
		if !running() || time.Now().After(deadline) {
			o := <-doneA
			t.Fatalf("runner A made no request while running (exit %d):\n%s", o.res.ExitCode, tail(o.res.Output(), 4000))
		}
		time.Sleep(50 * time.Millisecond)
	}

	// B, as a second nightly job with the default -lock-timeout=0s: it fails
	// on the lock, before planning.
	failed := b.Run(nil, "apply", "-auto-approve", "-input=false", "-no-color")
	if !running() {
		t.Fatal("runner A finished before runner B tried the lock; the overlap was not tested (raise the latency above)")
	}
	if failed.ExitCode != 1 || !strings.Contains(failed.Output(), "Error acquiring the state lock") {
		t.Fatalf("runner B's apply while A holds the lock exited %d, want 1 with \"Error acquiring the state lock\":\n%s",
			failed.ExitCode, tail(failed.Output(), 4000))
	}
	for _, never := range []string{"Plan:", "Apply complete"} {
		if strings.Contains(failed.Output(), never) {
			t.Errorf("runner B got as far as %q without the lock:\n%s", never, tail(failed.Output(), 4000))
		}
	}

	// B again, as the guide's pipelines run it: -lock-timeout waits for A.
	waited := b.Run(nil, "apply", "-auto-approve", "-input=false", "-no-color", "-lock-timeout=5m")
	waitedEnd := time.Now()
	o := <-doneA
	if o.res.ExitCode != 0 || !strings.Contains(o.res.Output(), "Apply complete!") {
		t.Fatalf("runner A's nightly apply exited %d:\n%s", o.res.ExitCode, tail(o.res.Output(), 6000))
	}
	if waited.ExitCode != 0 {
		t.Fatalf("runner B's apply with -lock-timeout exited %d:\n%s", waited.ExitCode, tail(waited.Output(), 6000))
	}
	if !waitedEnd.After(o.end) {
		t.Errorf("runner B's waiting apply ended before runner A's; it did not wait for the lock")
	}
	if !strings.Contains(waited.Output(), "No changes.") {
		t.Errorf("runner B's apply after A's found changes to make; it must read A's state:\n%s", tail(waited.Output(), 4000))
	}

	// Exactly one adjustment per line, for the whole test, and the count is
	// Petra's.
	applied, sent := appliedAdjustments(t, env, seq)
	if sent != len(ids) {
		t.Errorf("%d adjustments were sent, want %d (one per line)", sent, len(ids))
	}
	for _, id := range ids {
		line := targets[id].ContractServiceID
		if applied[line] != 1 {
			t.Errorf("tenant %s: %d adjustments applied to line %d, want exactly 1", id, applied[line], line)
		}
		if got, want := env.UnitsToday(t, line), fixtureTenant(t, id).BillableUsersThisMonth; got != want {
			t.Errorf("tenant %s holds %d units, want Petra's %d", id, got, want)
		}
	}
}
