package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// PreviousRelease is the provider the upgrade tests start from: the last
// commit whose billing mapping schema was at version 0, before claims
// existed. There are no release tags; `git log -S'Version: 1' --
// internal/provider/` names 4ae15e9, which moved the schemas to version 1,
// and this is its parent.
const PreviousRelease = "7ed87310bc275d152a94587b44144c878d519c84"

var (
	previousOnce sync.Once
	previousDir  string
	previousErr  error
)

// previousReleaseDir builds the provider of PreviousRelease once per test
// binary, as the bench builds its -baseline (git archive of the revision, so
// the repository is not touched; go build with the module cache, so it works
// offline), and returns the directory holding it, for a dev_overrides entry.
// RemovePreviousRelease deletes it after the run.
func previousReleaseDir(t testing.TB) string {
	t.Helper()
	previousOnce.Do(func() {
		dir, err := os.MkdirTemp("", "petra-provider-previous-") //nolint:usetesting // outlives any single test
		if err != nil {
			previousErr = err
			return
		}
		previousDir = dir
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		src := filepath.Join(dir, "src")
		if err := os.MkdirAll(src, 0o700); err != nil {
			previousErr = err
			return
		}
		archive := exec.CommandContext(ctx, "sh", "-c", `git archive "$1" | tar -x -C "$2"`, "sh", PreviousRelease, src)
		archive.Dir = repoRoot()
		if out, err := archive.CombinedOutput(); err != nil {
			previousErr = fmt.Errorf("extracting the previous release %s (a clone with its history is needed): %w\n%s",
				PreviousRelease, err, out)
			return
		}
		build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, "bin", "terraform-provider-petra"), ".")
		build.Dir = src
		if out, err := build.CombinedOutput(); err != nil {
			previousErr = fmt.Errorf("building the previous release %s: %w\n%s", PreviousRelease, err, out)
		}
	})
	if previousErr != nil {
		t.Fatalf("%v", previousErr)
	}
	return filepath.Join(previousDir, "bin")
}

// RemovePreviousRelease deletes what previousReleaseDir built, if anything.
func RemovePreviousRelease() {
	if previousDir != "" {
		_ = os.RemoveAll(previousDir)
	}
}

// useProvider points the work directory's dev_overrides at the provider
// binary in binDir (the next command runs that provider).
func (w *Workdir) useProvider(t testing.TB, binDir string) {
	t.Helper()
	var overrides strings.Builder
	for _, a := range DevOverrideAddresses {
		fmt.Fprintf(&overrides, "    %q = %q\n", a, binDir)
	}
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n%s  }\n  direct {}\n}\n", overrides.String())
	if err := os.WriteFile(w.cliConfig, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
}
