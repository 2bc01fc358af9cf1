// Package e2e runs the real provider binary under the real Terraform CLI, the
// way users run it: a dev_overrides CLI configuration, `terraform plan` and
// `apply` in a work directory, TF_LOG set as they would set it. It is used by
// tests that must observe what reaches logs, state and plan files.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
)

// ProviderAddress is the source address users put in required_providers.
const ProviderAddress = "registry.terraform.io/petrasecurity/petra"

// DevOverrideAddresses are the addresses "petrasecurity/petra" resolves to:
// on registry.terraform.io for Terraform, registry.opentofu.org for OpenTofu.
// The work directories override both, so the same tests run under either CLI.
var DevOverrideAddresses = []string{ProviderAddress, "registry.opentofu.org/petrasecurity/petra"}

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// repoRoot finds the module root from this file's location.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// TerraformPath returns the Terraform CLI to use, failing the test loudly when
// there is none: these tests are never skipped silently.
func TerraformPath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	p, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatalf("no Terraform CLI: put terraform (>= 1.11) on PATH or set TF_ACC_TERRAFORM_PATH")
	}
	return p
}

// ProviderBinaryDir builds the provider once per test binary and returns the
// directory holding it, for a dev_overrides entry.
func ProviderBinaryDir(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		// The binary is shared by every test in the package, so it cannot live
		// in one test's TempDir; RemoveProviderBinary deletes it after the run.
		dir, err := os.MkdirTemp("", "petra-provider-bin-") //nolint:usetesting // outlives any single test
		if err != nil {
			buildErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, "terraform-provider-petra"), ".")
		cmd.Dir = repoRoot()
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
			return
		}
		buildDir = dir
	})
	if buildErr != nil {
		t.Fatalf("building the provider: %v", buildErr)
	}
	return buildDir
}

// RemoveProviderBinary deletes the binary ProviderBinaryDir built, if any. Call
// it from TestMain after the tests have run.
func RemoveProviderBinary() {
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
}

// Workdir is a Terraform working directory wired to the locally built
// provider through dev_overrides.
type Workdir struct {
	t         testing.TB
	Dir       string
	terraform string
	cliConfig string
	Env       []string
}

// NewWorkdir writes main.tf into a fresh directory with a CLI configuration
// that points Terraform at the freshly built provider (no registry access).
func NewWorkdir(t testing.TB, mainTF string, env map[string]string) *Workdir {
	t.Helper()
	dir := t.TempDir()
	binDir := ProviderBinaryDir(t)
	cli := filepath.Join(dir, ".terraformrc")
	var overrides strings.Builder
	for _, a := range DevOverrideAddresses {
		fmt.Fprintf(&overrides, "    %q = %q\n", a, binDir)
	}
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n%s  }\n  direct {}\n}\n", overrides.String())
	if err := os.WriteFile(cli, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(mainTF), 0o600); err != nil {
		t.Fatal(err)
	}
	w := &Workdir{t: t, Dir: dir, terraform: TerraformPath(t), cliConfig: cli}
	w.Env = append(w.Env, "TF_CLI_CONFIG_FILE="+cli, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	for k, v := range env {
		w.Env = append(w.Env, k+"="+v)
	}
	return w
}

// Result is one Terraform command's outcome.
type Result struct {
	Args     []string
	Stdout   string
	Stderr   string
	ExitCode int
}

// Output is stdout and stderr together.
func (r Result) Output() string { return r.Stdout + r.Stderr }

// Run runs terraform with args and extra environment entries ("K=V").
func (w *Workdir) Run(extraEnv []string, args ...string) Result {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, w.terraform, args...)
	cmd.Dir = w.Dir
	cmd.Env = append(append(filteredEnviron(), w.Env...), extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := Result{Args: args, Stdout: stdout.String(), Stderr: stderr.String()}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok { //nolint:errorlint // exec returns the concrete type
			res.ExitCode = ee.ExitCode()
		} else {
			w.t.Fatalf("terraform %s: %v", strings.Join(args, " "), err)
		}
	}
	return res
}

// MustRun is Run that fails the test on a non-zero exit.
func (w *Workdir) MustRun(extraEnv []string, args ...string) Result {
	w.t.Helper()
	r := w.Run(extraEnv, args...)
	if r.ExitCode != 0 {
		w.t.Fatalf("terraform %s exited %d\n%s", strings.Join(args, " "), r.ExitCode, tail(r.Output(), 4000))
	}
	return r
}

// filteredEnviron is the test's environment without variables that would
// change what Terraform or the provider does behind the test's back.
func filteredEnviron() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "TF_"), strings.HasPrefix(k, "AUTOTASK_"), strings.HasPrefix(k, "PETRA_"):
			continue
		}
		out = append(out, kv)
	}
	return out
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// readFile returns a file of the work directory.
func (w *Workdir) readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(w.Dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// copyFile copies a file of the work directory into another's.
func (w *Workdir) copyFile(t testing.TB, name string, to *Workdir) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(to.Dir, name), w.readFile(t, name), 0o600); err != nil {
		t.Fatal(err)
	}
}

// writeFile writes a file of the work directory.
func (w *Workdir) writeFile(t testing.TB, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(w.Dir, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// cliEnvVars are the provider settings a user exports to run the CLI
// against env: the sandbox's, or, in real-database mode, the real
// database's zone and calendar as the tests were given them (Petra is
// always the sandbox's).
func cliEnvVars(env *acctest.Env) map[string]string {
	secrets := env.Secrets()
	vars := map[string]string{
		"AUTOTASK_USERNAME": env.Username(), "AUTOTASK_SECRET": secrets[0], "AUTOTASK_INTEGRATION_CODE": secrets[1],
		"PETRA_API_KEY": secrets[2], "PETRA_API_URL": env.Sandbox.PetraURL,
	}
	if !env.Real {
		vars["AUTOTASK_ZONE_LOOKUP_URL"] = env.Sandbox.ZoneLookupURL
		return vars
	}
	for _, k := range []string{"AUTOTASK_BASE_URL", "AUTOTASK_ZONE_LOOKUP_URL", "AUTOTASK_TIME_ZONE"} {
		if v := os.Getenv(k); v != "" {
			vars[k] = v
		}
	}
	return vars
}
