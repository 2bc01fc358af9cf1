//go:build unix

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// TestCtrlCDuringReadBackKeepsWhatLanded is the fifth finding, with
// the real binary: every adjustment's connection is reset while Autotask
// applies it later, so the provider is reading the units back when the user
// presses Ctrl-C (SIGINT to the terminal's process group: terraform and its
// plugins). The writes land after the interrupt. The read-backs run to
// completion on their own context: state records every landed adjustment,
// nothing is posted twice, and the next apply posts nothing.
func TestCtrlCDuringReadBackKeepsWhatLanded(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	ctx := context.Background()
	const n = 6
	run := applyWithAnswersLost(t, env, n, true)
	cmd, out, w, lines, seq := run.cmd, run.out, run.w, run.lines, run.seq
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil { // Ctrl-C
		t.Fatal(err)
	}
	if _, err := env.Sandbox.Admin.ReleaseLateCommits(ctx); err != nil { // the writes land after the interrupt
		t.Fatal(err)
	}
	_ = cmd.Wait()
	output := out.String()
	if !strings.Contains(output, "Interrupt received") {
		t.Fatalf("terraform did not see the interrupt:\n%s", tail(output, 4000))
	}
	waitForLog(t, env, seq, "the late writes", func(r []sandbox.RequestRecord) bool {
		return countOutcome(r, sandbox.OutcomeCommittedLate) == n
	})

	applied, sent := appliedAdjustments(t, env, seq)
	if sent != n {
		t.Fatalf("%d adjustment posts, want %d (one per line)", sent, n)
	}
	st := stateUnits(t, w.Dir)
	for i, l := range lines {
		if applied[l.ContractServiceID] != 1 {
			t.Fatalf("line %d: %d adjustments applied, want 1", l.ContractServiceID, applied[l.ContractServiceID])
		}
		u := env.UnitsToday(t, l.ContractServiceID)
		if u != 21 {
			t.Fatalf("line %d holds %d units, want 21", l.ContractServiceID, u)
		}
		if got, ok := st[fmt.Sprintf("m%d", i)]; !ok || int(got) != u {
			t.Fatalf("state records m%d = %v (present %v), but Autotask holds %d: a landed adjustment is missing from state\n%s",
				i, got, ok, u, tail(output, 4000))
		}
	}

	// The next apply finds everything in place and posts nothing.
	seq = lastSeq(t, env)
	w.MustRun(nil, "apply", "-input=false", "-auto-approve")
	if _, sent := appliedAdjustments(t, env, seq); sent != 0 {
		t.Fatalf("the apply after the interrupt posted %d adjustments, want 0", sent)
	}
	if r := w.Run(nil, "plan", "-input=false", "-detailed-exitcode"); r.ExitCode != 0 {
		t.Fatalf("plan after the interrupted apply is not empty (exit %d):\n%s", r.ExitCode, tail(r.Output(), 4000))
	}
}

// backgroundApply is a `terraform apply` started by applyWithAnswersLost.
type backgroundApply struct {
	cmd   *exec.Cmd
	out   *bytes.Buffer
	w     *Workdir
	lines []acctest.BillingTarget
	seq   int64
}

// applyWithAnswersLost starts `terraform apply` of n billing mappings (10 →
// 21 units each) whose adjustment posts Autotask applies only when released,
// with every answer lost, and returns once every post was sent: the provider
// is then reading the units back. ownGroup puts terraform and its plugins in
// a process group of their own (for a Ctrl-C to the group).
func applyWithAnswersLost(t *testing.T, env *acctest.Env, n int, ownGroup bool) backgroundApply {
	t.Helper()
	ctx := context.Background()
	tenant := env.PetraTenant(t, 0).PetraTenantID
	lines := make([]acctest.BillingTarget, n)
	var cfg strings.Builder
	fmt.Fprintf(&cfg, terraformHeader, ProviderAddress)
	cfg.WriteString("provider \"petra\" {}\n")
	for i := range lines {
		lines[i] = env.NewBillingTarget(t, 10)
		cfg.WriteString(mappingHCL(env, fmt.Sprintf("m%d", i), "", tenant, lines[i], "21"))
	}
	w := NewWorkdir(t, cfg.String(), billingEnvVars(env, ""))
	seq := lastSeq(t, env)
	if _, err := env.Sandbox.Admin.InjectFault(ctx, sandbox.FaultRule{Method: "POST", Path: "/ATServicesRest/V1.0/ContractServiceAdjustments",
		Action: sandbox.FaultDropThenCommit, UntilReleased: true, Count: n}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = env.Sandbox.Admin.ReleaseLateCommits(context.Background()) })
	runCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(runCtx, TerraformPath(t), "apply", "-input=false", "-auto-approve")
	cmd.Dir = w.Dir
	cmd.Env = append(filteredEnviron(), w.Env...)
	if ownGroup {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitForLog(t, env, seq, "every adjustment to be posted", func(r []sandbox.RequestRecord) bool {
		return countOutcome(r, sandbox.OutcomeCommitPending) == n
	})
	return backgroundApply{cmd: cmd, out: out, w: w, lines: lines, seq: seq}
}
