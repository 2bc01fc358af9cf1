//go:build linux

package e2e

import (
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// TestKill9OfTerraformStopsTheProvider: a CI job's timeout kills terraform
// with SIGKILL while the provider is reading back adjustments whose answers
// were lost (it would go on reading for about 30 s more, on contexts of its
// own). Nobody stops the provider, which would otherwise keep sending
// requests no state can record. It sees Terraform gone and exits at once:
// the process is gone within a few seconds, and from then on Autotask gets
// no request from it.
func TestKill9OfTerraformStopsTheProvider(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	cmd := applyWithAnswersLost(t, env, 3, false).cmd
	providers := childrenNamed(t, cmd.Process.Pid, "terraform-provi")
	if len(providers) == 0 {
		t.Fatalf("no provider process under terraform (pid %d)", cmd.Process.Pid)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil { // terraform only, as a CI timeout does
		t.Fatal(err)
	}
	_ = cmd.Wait()
	killed := time.Now()

	for _, pid := range providers {
		for alive(pid) {
			if time.Since(killed) > 5*time.Second {
				t.Fatalf("the provider (pid %d) still runs %s after terraform was killed", pid, time.Since(killed).Round(time.Millisecond))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	gone := lastSeq(t, env)
	time.Sleep(3 * time.Second) // the read-backs would have gone on reading by now
	if after := requestsAfter(t, env, gone); len(after) > 0 {
		t.Fatalf("%d requests reached Autotask after the provider was gone, first %s %s", len(after), after[0].Method, after[0].Path)
	}
}

// childrenNamed lists the processes whose parent is pid and whose command
// name starts with prefix (from /proc).
func childrenNamed(t *testing.T, pid int, prefix string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(stat)
		open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || closing < open {
			continue
		}
		fields := strings.Fields(s[closing+1:])
		if len(fields) < 2 || fields[1] != strconv.Itoa(pid) {
			continue
		}
		if strings.HasPrefix(s[open+1:closing], prefix) {
			out = append(out, child)
		}
	}
	return out
}

// alive reports whether pid runs (a zombie waiting to be reaped has ended).
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] != "Z" && fields[0] != "X"
}

// requestsAfter is the sandbox's request log after seq.
func requestsAfter(t *testing.T, env *acctest.Env, seq int64) []sandbox.RequestRecord {
	t.Helper()
	rs, err := env.Sandbox.Admin.Requests(context.Background(), seq)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}
