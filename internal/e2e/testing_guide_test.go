package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTestingGuideExampleRunsOffline runs `terraform test` on the example of
// the "Testing your configuration" guide (examples/testing, which the guide
// shows verbatim) with the locally built provider, no credentials and no
// network: every run passes. A copy whose mappings bill one unit too many
// fails its assertion, so the example's tests can fail.
func TestTestingGuideExampleRunsOffline(t *testing.T) {
	t.Parallel()
	src := filepath.Join(repoRoot(), "examples", "testing")
	mainTF, err := os.ReadFile(filepath.Join(src, "billing.tf"))
	if err != nil {
		t.Fatal(err)
	}
	tests, err := os.ReadFile(filepath.Join(src, "tests", "billing.tftest.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	run := func(main string) Result {
		w := NewWorkdir(t, main, nil)
		if err := os.MkdirAll(filepath.Join(w.Dir, "tests"), 0o755); err != nil {
			t.Fatal(err)
		}
		w.writeFile(t, filepath.Join("tests", "billing.tftest.hcl"), string(tests))
		return w.Run(nil, "test", "-no-color")
	}

	res := run(string(mainTF))
	if res.ExitCode != 0 || !strings.Contains(res.Output(), "Success! 4 passed, 0 failed.") {
		t.Fatalf("terraform test on examples/testing exited %d, want every run to pass:\n%s", res.ExitCode, tail(res.Output(), 4000))
	}

	const units = "units         = var.counts[each.key]"
	if !strings.Contains(string(mainTF), units) {
		t.Fatalf("examples/testing/billing.tf no longer has %q; update this test", units)
	}
	res = run(strings.Replace(string(mainTF), units, units+" + 1", 1))
	if res.ExitCode == 0 || !strings.Contains(res.Output(), `run "bills_each_tenant_its_count"... fail`) {
		t.Errorf("terraform test passed a configuration that bills one unit too many (exit %d):\n%s", res.ExitCode, tail(res.Output(), 4000))
	}
}
