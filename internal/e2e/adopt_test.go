//go:build linux

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// Issue 20, items 1, 2 and 6, with the real binary under the Terraform CLI:
// claims that an interrupted apply leaves unrecorded are the same
// configuration's at its next apply (and never another configuration's),
// and a take-over never lets both configurations push.

// stateClaimNotes reads the claim_note_id of every billing mapping in a work
// directory's state file, by resource name.
func stateClaimNotes(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "terraform.tfstate"))
	if os.IsNotExist(err) || (err == nil && len(bytes.TrimSpace(raw)) == 0) {
		return map[string]int64{} // none, or left empty by a killed terraform
	}
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Resources []struct {
			Type, Name string
			Instances  []struct {
				Attributes map[string]any `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatalf("state: %v", err)
	}
	out := map[string]int64{}
	for _, r := range st.Resources {
		if r.Type != "petra_autotask_billing_mapping" {
			continue
		}
		for _, in := range r.Instances {
			if id, ok := in.Attributes["claim_note_id"].(float64); ok {
				out[r.Name] = int64(id)
			}
		}
	}
	return out
}

// activeClaimIDs lists the active claim notes of the lines' contracts,
// through the Autotask API.
func activeClaimIDs(t *testing.T, env *acctest.Env, lines []acctest.BillingTarget) map[int64][]int64 {
	t.Helper()
	out := map[int64][]int64{}
	for _, l := range lines {
		for _, n := range env.ClaimNotes(t, l.ContractID) {
			out[l.ContractServiceID] = append(out[l.ContractServiceID], n.ID)
		}
	}
	return out
}

// assertEveryClaimRecorded fails unless every line has exactly one active
// claim, the one the state of w records for mapping m<i>.
func assertEveryClaimRecorded(t *testing.T, env *acctest.Env, w *Workdir, lines []acctest.BillingTarget) {
	t.Helper()
	recorded := stateClaimNotes(t, w.Dir)
	active := activeClaimIDs(t, env, lines)
	for i, l := range lines {
		want, ok := recorded[fmt.Sprintf("m%d", i)]
		if got := active[l.ContractServiceID]; !ok || len(got) != 1 || got[0] != want {
			t.Fatalf("line %d: active claims %v, state records note %d (present %v); want exactly the recorded one",
				l.ContractServiceID, got, want, ok)
		}
	}
}

// interruptedMidClaim starts `terraform apply` of n (at most 3: Autotask's
// thread limit per endpoint counts held requests) new billing mappings
// (10 → 21 units) in a configuration whose owner label is owner, holds every
// claim note create until the client gives up, interrupts the run there
// (Ctrl-C to terraform's process group, or kill -9 of terraform alone as a
// CI timeout does), then lets the creates land: n active claims that no
// state records. It returns the work directory and the lines.
func interruptedMidClaim(t *testing.T, env *acctest.Env, n int, owner string, kill bool) (*Workdir, []acctest.BillingTarget) {
	t.Helper()
	return interruptedMidClaimIn(t, env, n, owner, kill, "")
}

// interruptedMidClaimIn is interruptedMidClaim with the root module in a git
// repository whose origin remote is origin ("" for none).
func interruptedMidClaimIn(t *testing.T, env *acctest.Env, n int, owner string, kill bool, origin string) (*Workdir, []acctest.BillingTarget) {
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
		if _, err := env.Sandbox.Admin.InjectFault(ctx, sandbox.FaultRule{Method: "POST",
			Path:   fmt.Sprintf("/ATServicesRest/V1.0/Contracts/%d/Notes", lines[i].ContractID),
			Action: sandbox.FaultHoldThenCommit, UntilReleased: true, Count: 1}); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _, _ = env.Sandbox.Admin.ReleaseLateCommits(context.Background()) })
	w := NewWorkdir(t, cfg.String(), billingEnvVars(env, owner))
	if origin != "" {
		inGitRepository(t, w.Dir, origin)
	}
	seq := lastSeq(t, env)
	runCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(runCtx, TerraformPath(t), "apply", "-input=false", "-auto-approve", "-no-color")
	cmd.Dir = w.Dir
	cmd.Env = append(filteredEnviron(), w.Env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every claim note create to be held", func() bool {
		p, err := env.Sandbox.Admin.PendingCommits(ctx)
		return err == nil && p == n
	})
	providers := childrenNamed(t, cmd.Process.Pid, "terraform-provi")
	if kill {
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil { // terraform alone, as a CI timeout does
			t.Fatal(err)
		}
	} else if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil { // Ctrl-C
		t.Fatal(err)
	}
	_ = cmd.Wait()
	for _, pid := range providers {
		waitFor(t, "the provider to exit", func() bool { return !alive(pid) })
	}
	if !kill && !strings.Contains(out.String(), "Interrupt received") {
		t.Fatalf("terraform did not see the interrupt:\n%s", tail(out.String(), 4000))
	}
	// The creates land after the run ended: nobody records them.
	if _, err := env.Sandbox.Admin.ReleaseLateCommits(ctx); err != nil {
		t.Fatal(err)
	}
	waitForLog(t, env, seq, "the late claim note creates", func(rs []sandbox.RequestRecord) bool {
		landed := 0
		for _, r := range rs {
			if r.Outcome == sandbox.OutcomeCommittedLate && strings.HasSuffix(strings.ToLower(r.Path), "/notes") {
				landed++
			}
		}
		return landed == n
	})
	if _, sent := appliedAdjustments(t, env, seq); sent != 0 {
		t.Fatalf("the interrupted apply posted %d adjustments, want 0 (it never held a claim)", sent)
	}
	active := activeClaimIDs(t, env, lines)
	for _, l := range lines {
		if len(active[l.ContractServiceID]) != 1 {
			t.Fatalf("line %d: %d active claims after the interrupted apply, want the 1 that landed late",
				l.ContractServiceID, len(active[l.ContractServiceID]))
		}
	}
	if rec := stateClaimNotes(t, w.Dir); len(rec) != 0 {
		t.Fatalf("state records claims %v after the interrupted creates; the test needs claims no state records", rec)
	}
	return w, lines
}

// waitFor polls cond for up to a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// assertNextApplyAdopts: the same configuration's next apply succeeds with
// no manual edit, bills every line once (10 → 21), records the claim that
// holds each line and leaves no other active claim; the plan after it is
// empty.
func assertNextApplyAdopts(t *testing.T, env *acctest.Env, w *Workdir, lines []acctest.BillingTarget) {
	t.Helper()
	seq := lastSeq(t, env)
	w.MustRun(nil, "apply", "-input=false", "-auto-approve")
	applied, sent := appliedAdjustments(t, env, seq)
	if sent != len(lines) {
		t.Fatalf("the next apply posted %d adjustments, want %d (one per line)", sent, len(lines))
	}
	for _, l := range lines {
		if applied[l.ContractServiceID] != 1 {
			t.Fatalf("line %d: %d adjustments applied, want 1", l.ContractServiceID, applied[l.ContractServiceID])
		}
		if u := env.UnitsToday(t, l.ContractServiceID); u != 21 {
			t.Fatalf("line %d holds %d units, want 21", l.ContractServiceID, u)
		}
	}
	if n := len(writes(t, env, seq)); n != len(lines) {
		t.Fatalf("the next apply wrote %d times, want only the %d adjustments (the claims are adopted, not made again): %v",
			n, len(lines), writes(t, env, seq))
	}
	assertEveryClaimRecorded(t, env, w, lines)
	if r := w.Run(nil, "plan", "-input=false", "-detailed-exitcode", "-no-color"); r.ExitCode != 0 {
		t.Fatalf("plan after the recovered apply is not empty (exit %d):\n%s", r.ExitCode, tail(r.Output(), 4000))
	}
}

// TestCtrlCMidClaimNextApplyAdopts: Ctrl-C while the claim notes are being
// created; the creates land after the run. The same configuration's next
// apply succeeds without any edit in Autotask.
func TestCtrlCMidClaimNextApplyAdopts(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	w, lines := interruptedMidClaim(t, env, 3, "billing-prod (github.com/acme/msp-billing)", false)
	assertNextApplyAdopts(t, env, w, lines)
}

// TestKill9MidClaimNextApplyAdoptsAndNoOtherConfigurationDoes: a CI timeout
// kills terraform (SIGKILL) while the claim notes are being created; the
// creates land after the run. Another configuration of the same API user
// mapping the same lines for the same tenant, with its own owner label,
// never adopts those claims: its apply fails on every line naming the
// owner, and posts nothing. A configuration with the default owner label
// (shared by every configuration of the API user) adopts nothing either. The
// interrupted configuration's next apply succeeds without any edit.
func TestKill9MidClaimNextApplyAdoptsAndNoOtherConfigurationDoes(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	const owner = "billing-prod (github.com/acme/msp-billing)"
	w, lines := interruptedMidClaim(t, env, 3, owner, true)

	main, err := os.ReadFile(filepath.Join(w.Dir, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, other := range []string{"billing-staging (github.com/acme/msp-billing)", ""} {
		o := NewWorkdir(t, string(main), billingEnvVars(env, other))
		seq := lastSeq(t, env)
		r := o.Run(nil, "apply", "-input=false", "-auto-approve", "-no-color")
		if r.ExitCode == 0 || strings.Count(r.Output(), "Service line claimed by another configuration") != len(lines) ||
			!hasText(r.Output(), fmt.Sprintf("is claimed by %q", owner)) {
			t.Fatalf("configuration %q applied over the interrupted configuration's claims (exit %d):\n%s", other,
				r.ExitCode, tail(r.Output(), 4000))
		}
		if ws := writes(t, env, seq); len(ws) != 0 {
			t.Fatalf("configuration %q wrote to Autotask: %v", other, ws)
		}
	}
	assertNextApplyAdopts(t, env, w, lines)
}

// TestConcurrentTakeOverNeverLetsBothPush: configuration A bills a line; B
// takes it over (take_over_claim) while A's apply is between its claim check
// and its post: A's apply is held at the read of its claim right before the
// post until B's take-over has finished (no timing: the sandbox holds the
// request until the test releases it). A then finds its claim gone and
// posts nothing; the line ends at B's target, billed once, with B's claim
// the only active one, and B's next plan is empty. Both configurations set
// take_over_claim, as in the issue.
func TestConcurrentTakeOverNeverLetsBothPush(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	ctx := context.Background()
	tenant := env.PetraTenant(t, 0).PetraTenantID
	b := env.NewBillingTarget(t, 10)
	header := fmt.Sprintf(terraformHeader, ProviderAddress) + "provider \"petra\" {}\n"
	withTakeOver := func(units string) string {
		return strings.Replace(mappingHCL(env, "m0", "", tenant, b, units), "  units         = "+units+"\n",
			"  units         = "+units+"\n  take_over_claim = true\n", 1)
	}
	a := NewWorkdir(t, header+withTakeOver("30"), billingEnvVars(env, "billing-a"))
	a.MustRun(nil, "apply", "-input=false", "-auto-approve")
	a.writeFile(t, "main.tf", header+withTakeOver("35"))
	a.MustRun(nil, "plan", "-input=false", "-out=a.tfplan")
	bw := NewWorkdir(t, header+withTakeOver("40"), billingEnvVars(env, "billing-b"))

	// A's apply reads the claims twice: in bulk before it claims, and the
	// line's claims right before it posts. Hold both; release the first.
	if _, err := env.Sandbox.Admin.InjectFault(ctx, sandbox.FaultRule{Method: "POST", Path: "/ATServicesRest/V1.0/ContractNotes/query",
		Action: sandbox.FaultHoldThenCommit, UntilReleased: true, Count: 2}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = env.Sandbox.Admin.ReleaseLateCommits(context.Background()) })
	seq := lastSeq(t, env)
	type result struct {
		r Result
	}
	done := make(chan result, 1)
	go func() { done <- result{a.Run(nil, "apply", "-input=false", "-no-color", "a.tfplan")} }()
	pending := func(want int) func() bool {
		return func() bool {
			p, err := env.Sandbox.Admin.PendingCommits(ctx)
			return err == nil && p == want
		}
	}
	waitFor(t, "A's bulk read of the claims", pending(1))
	if _, err := env.Sandbox.Admin.ReleaseLateCommits(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "A's check of its claim right before the post", func() bool {
		fs, err := env.Sandbox.Admin.Faults(ctx)
		return err == nil && len(fs) == 0 && pending(1)()
	})

	// B takes the line over meanwhile, and pushes.
	rb := bw.Run(nil, "apply", "-input=false", "-auto-approve", "-no-color")
	if rb.ExitCode != 0 || !hasText(rb.Output(), "Billing claim taken over") {
		t.Fatalf("B's take-over exited %d:\n%s", rb.ExitCode, tail(rb.Output(), 4000))
	}
	if _, err := env.Sandbox.Admin.ReleaseLateCommits(ctx); err != nil {
		t.Fatal(err)
	}
	ra := (<-done).r
	if ra.ExitCode == 0 || !hasText(ra.Output(), "Service line taken over during the apply") ||
		!hasText(ra.Output(), `"billing-b"`) {
		t.Fatalf("A's apply, whose claim was taken over before its post, exited %d:\n%s", ra.ExitCode, tail(ra.Output(), 4000))
	}
	applied, sent := appliedAdjustments(t, env, seq)
	if sent != 1 || applied[b.ContractServiceID] != 1 {
		t.Fatalf("%d adjustment posts (%d applied) to the line, want exactly B's one", sent, applied[b.ContractServiceID])
	}
	if u := env.UnitsToday(t, b.ContractServiceID); u != 40 {
		t.Fatalf("the line holds %d units, want B's 40 (billed once)", u)
	}
	assertEveryClaimRecorded(t, env, bw, []acctest.BillingTarget{b})
	if r := bw.Run(nil, "plan", "-input=false", "-detailed-exitcode", "-no-color"); r.ExitCode != 0 {
		t.Fatalf("B's plan after the take-over is not empty (exit %d):\n%s", r.ExitCode, tail(r.Output(), 4000))
	}
}

// TestLateClaimCreateLeavesNoUnrecordedClaim is the third finding:
// a claim note create whose answer is lost lands late, after the apply
// created the claim again and recorded the second note, so the line holds
// two active notes of this mapping. The next plan shows the apply that
// releases the late one, and that apply writes nothing else; the same
// scenario destroyed at once releases both, so another configuration can
// then bill the line (it was blocked on every line before).
func TestLateClaimCreateLeavesNoUnrecordedClaim(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	ctx := context.Background()
	tenant := env.PetraTenant(t, 0).PetraTenantID
	header := fmt.Sprintf(terraformHeader, ProviderAddress) + "provider \"petra\" {}\n"
	for _, destroy := range []bool{false, true} {
		b := env.NewBillingTarget(t, 10)
		lines := []acctest.BillingTarget{b}
		cfg := header + mappingHCL(env, "m0", "", tenant, b, "21")
		w := NewWorkdir(t, cfg, billingEnvVars(env, "billing-a"))
		if _, err := env.Sandbox.Admin.InjectFault(ctx, sandbox.FaultRule{Method: "POST",
			Path:   fmt.Sprintf("/ATServicesRest/V1.0/Contracts/%d/Notes", b.ContractID),
			Action: sandbox.FaultDropThenCommit, UntilReleased: true, Count: 1}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = env.Sandbox.Admin.ReleaseLateCommits(context.Background()) })
		seq := lastSeq(t, env)
		w.MustRun(nil, "apply", "-input=false", "-auto-approve")
		if _, err := env.Sandbox.Admin.ReleaseLateCommits(ctx); err != nil {
			t.Fatal(err)
		}
		waitForLog(t, env, seq, "the late claim note create", func(rs []sandbox.RequestRecord) bool {
			for _, r := range rs {
				if r.Outcome == sandbox.OutcomeCommittedLate && strings.HasSuffix(strings.ToLower(r.Path), "/notes") {
					return true
				}
			}
			return false
		})
		if got := activeClaimIDs(t, env, lines)[b.ContractServiceID]; len(got) != 2 {
			t.Fatalf("active claims %v after the late create, want the recorded one and the late one", got)
		}

		if destroy {
			w.MustRun(nil, "destroy", "-input=false", "-auto-approve")
			if got := activeClaimIDs(t, env, lines)[b.ContractServiceID]; len(got) != 0 {
				t.Fatalf("active claims %v after destroy, want none", got)
			}
			other := NewWorkdir(t, header+mappingHCL(env, "m0", "", tenant, b, "25"), billingEnvVars(env, "billing-b"))
			other.MustRun(nil, "apply", "-input=false", "-auto-approve")
			if u := env.UnitsToday(t, b.ContractServiceID); u != 25 {
				t.Fatalf("the line holds %d units after the other configuration's apply, want 25", u)
			}
			assertEveryClaimRecorded(t, env, other, lines)
			continue
		}
		if r := w.Run(nil, "plan", "-input=false", "-detailed-exitcode", "-no-color"); r.ExitCode != 2 {
			t.Fatalf("the plan with a duplicate claim exited %d, want 2 (an apply that releases it):\n%s", r.ExitCode,
				tail(r.Output(), 4000))
		}
		seq = lastSeq(t, env)
		w.MustRun(nil, "apply", "-input=false", "-auto-approve")
		if ws := writes(t, env, seq); len(ws) != 1 || !strings.HasPrefix(ws[0], "PATCH ") {
			t.Fatalf("the apply wrote %v, want only the release of the duplicate", ws)
		}
		if u := env.UnitsToday(t, b.ContractServiceID); u != 21 {
			t.Fatalf("the line holds %d units, want 21", u)
		}
		assertEveryClaimRecorded(t, env, w, lines)
		if r := w.Run(nil, "plan", "-input=false", "-detailed-exitcode", "-no-color"); r.ExitCode != 0 {
			t.Fatalf("plan after the duplicate's release is not empty (exit %d):\n%s", r.ExitCode, tail(r.Output(), 4000))
		}
	}
}

// TestKill9MidClaimWithTheDefaultOwnerLabel: with the default owner label
// (shared by every configuration of one API user) the claims an interrupted
// apply leaves are not adopted, since nothing tells them from another
// configuration's: the next apply fails every line, writes nothing, and says
// that the claim carries this configuration's own default label and to set
// billing_claim_owner (DESIGN.md: what tells configurations apart).
func TestKill9MidClaimWithTheDefaultOwnerLabel(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	w, lines := interruptedMidClaim(t, env, 2, "", true)
	seq := lastSeq(t, env)
	r := w.Run(nil, "apply", "-input=false", "-auto-approve", "-no-color")
	if r.ExitCode == 0 || strings.Count(r.Output(), "Service line claimed by another configuration") != len(lines) ||
		!hasText(r.Output(), "The claim carries this configuration's default owner label") ||
		!hasText(r.Output(), "Set billing_claim_owner (or PETRA_BILLING_CLAIM_OWNER)") {
		t.Fatalf("the next apply with the default label (exit %d):\n%s", r.ExitCode, tail(r.Output(), 4000))
	}
	if ws := writes(t, env, seq); len(ws) != 0 {
		t.Fatalf("the next apply wrote to Autotask: %v", ws)
	}
}

// inGitRepository makes dir the root of a git repository whose origin
// remote is origin (only its config: the provider reads no more).
func inGitRepository(t *testing.T, dir, origin string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf("[core]\n\trepositoryformatversion = 0\n[remote \"origin\"]\n\turl = %s\n", origin)
	if err := os.WriteFile(filepath.Join(dir, ".git", "config"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestKill9MidClaimInAGitRepositoryNeedsNoLabel: without billing_claim_owner,
// a configuration whose root module is in a git repository carries a default
// owner label of its own (its repository, path and workspace), so a CI
// timeout's claims are adopted by its next apply with no setting and no edit
// in Autotask; another configuration of the same API user (the same
// repository, another workspace) never adopts them. The remote's credentials
// never reach the claim notes.
func TestKill9MidClaimInAGitRepositoryNeedsNoLabel(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	const origin = "https://x-access-token:ghs_notarealtoken@github.com/acme/msp-billing.git"
	w, lines := interruptedMidClaimIn(t, env, 2, "", true, origin)

	main, err := os.ReadFile(filepath.Join(w.Dir, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	o := NewWorkdir(t, string(main), billingEnvVars(env, ""))
	inGitRepository(t, o.Dir, origin)
	o.MustRun(nil, "workspace", "new", "staging")
	seq := lastSeq(t, env)
	r := o.Run(nil, "apply", "-input=false", "-auto-approve", "-no-color")
	if r.ExitCode == 0 || strings.Count(r.Output(), "Service line claimed by another configuration") != len(lines) ||
		!hasText(r.Output(), `is claimed by "Terraform configuration github.com/acme/msp-billing"`) {
		t.Fatalf("the staging workspace applied over the interrupted configuration's claims (exit %d):\n%s",
			r.ExitCode, tail(r.Output(), 4000))
	}
	if ws := writes(t, env, seq); len(ws) != 0 {
		t.Fatalf("the staging workspace wrote to Autotask: %v", ws)
	}
	assertNextApplyAdopts(t, env, w, lines)
	for _, l := range lines {
		for _, n := range env.ClaimNotes(t, l.ContractID) {
			if strings.Contains(n.Description, "notarealtoken") || strings.Contains(n.Title, "notarealtoken") {
				t.Fatalf("a claim note carries the remote's token: %+v", n)
			}
		}
	}
}
