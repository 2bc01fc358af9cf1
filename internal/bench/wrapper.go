package bench

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
)

// EnvRSSFile names the file the provider wrapper appends each provider
// process's peak resident set (KiB) to.
const EnvRSSFile = "PETRA_BENCH_RSS_FILE"

// WrapFlag is the first argument that makes the bench binary act as the
// provider wrapper: `petra-bench -wrap-provider /path/to/provider [args...]`.
const WrapFlag = "-wrap-provider"

// InstallWrapper writes, into dir, a terraform-provider-petra script that runs
// the real provider through the bench binary (self), so that its peak memory
// is recorded. It returns dir, for dev_overrides.
func InstallWrapper(dir, self, realProvider string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	script := fmt.Sprintf("#!/bin/sh\nexec %q %s %q \"$@\"\n", self, WrapFlag, realProvider)
	if err := os.WriteFile(filepath.Join(dir, "terraform-provider-petra"), []byte(script), 0o755); err != nil { //nolint:gosec // an executable script, by design
		return "", err
	}
	return dir, nil
}

// RunWrapped runs the provider at args[0] with args[1:], passing standard
// input and output through (the plugin handshake travels on stdout) and
// forwarding interrupts; when it exits, its peak resident set in KiB is
// appended to the file named by EnvRSSFile. It returns the exit code.
func RunWrapped(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "petra-bench "+WrapFlag+": the provider's path is missing")
		return 2
	}
	// No context: the provider runs until Terraform stops it.
	cmd := exec.Command(args[0], args[1:]...) //nolint:gosec,noctx // the path comes from the bench's own wrapper script
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "petra-bench: starting the provider: %v\n", err)
		return 1
	}
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	err := cmd.Wait()
	signal.Stop(sigs)
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		if path := os.Getenv(EnvRSSFile); path != "" {
			if f, ferr := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); ferr == nil {
				fmt.Fprintf(f, "%d\n", ru.Maxrss) // KiB on Linux
				_ = f.Close()
			}
		}
	}
	if err != nil {
		return cmd.ProcessState.ExitCode()
	}
	return 0
}
