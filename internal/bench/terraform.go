package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Workdir is a Terraform working directory whose CLI configuration points
// the provider's address at a local directory (dev_overrides), so no
// registry is contacted.
type Workdir struct {
	// Dir holds main.tf and the state.
	Dir       string
	terraform string
	env       []string
	rssFile   string
}

// NewWorkdir writes config as main.tf into dir (created if needed). pluginDir
// holds the terraform-provider-petra executable; env is added to every
// command's environment.
func NewWorkdir(dir, terraform, pluginDir, config string, env []string) (*Workdir, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n", ProviderAddress, pluginDir)
	cli := filepath.Join(dir, ".terraformrc")
	if err := os.WriteFile(cli, []byte(rc), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
		return nil, err
	}
	w := &Workdir{Dir: dir, terraform: terraform, rssFile: filepath.Join(dir, "provider-rss.txt")}
	w.env = append(cleanEnviron(), "TF_CLI_CONFIG_FILE="+cli, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
		EnvRSSFile+"="+w.rssFile)
	w.env = append(w.env, env...)
	return w, nil
}

// Setenv adds (or, being later, overrides) a variable of the environment of
// the following commands.
func (w *Workdir) Setenv(key, value string) { w.env = append(w.env, key+"="+value) }

// Run is one finished Terraform command.
type Run struct {
	Args     []string
	Wall     time.Duration
	ExitCode int
	Output   string
	// PeakRSSKiB is the largest peak resident set of the provider processes
	// the command started (0 when none ran or the wrapper was not used).
	PeakRSSKiB int64
	// CPU is the processor time (user and system) of Terraform and of the
	// processes it waited for (the providers it started).
	CPU time.Duration
}

// Terraform runs terraform with args and measures its wall time.
func (w *Workdir) Terraform(ctx context.Context, args ...string) (Run, error) {
	_ = os.Remove(w.rssFile)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, w.terraform, args...)
	cmd.Dir = w.Dir
	cmd.Env = w.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	r := Run{Args: args, Wall: time.Since(start), Output: out.String()}
	if cmd.ProcessState != nil {
		r.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if err != nil {
		ee, ok := err.(*exec.ExitError) //nolint:errorlint // exec returns the concrete type
		if !ok {
			return r, fmt.Errorf("running terraform %s: %w", strings.Join(args, " "), err)
		}
		r.ExitCode = ee.ExitCode()
	}
	r.PeakRSSKiB = readPeakRSS(w.rssFile)
	return r, nil
}

// readPeakRSS returns the largest value the wrapper recorded in path.
func readPeakRSS(path string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	var peak int64
	for _, line := range strings.Fields(string(data)) {
		if n, err := strconv.ParseInt(line, 10, 64); err == nil && n > peak {
			peak = n
		}
	}
	return peak
}

// cleanEnviron is the process environment without settings that would change
// what Terraform or the provider does behind the bench's back.
func cleanEnviron() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "TF_") || strings.HasPrefix(k, "AUTOTASK_") || strings.HasPrefix(k, "PETRA_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}
