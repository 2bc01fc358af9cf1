package sandbox_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/sandboxtest"
)

// logOutcomes lists the outcomes of the logged requests to path, in order.
func logOutcomes(t *testing.T, in *sandboxtest.Instance, method, path string) []sandbox.RequestRecord {
	t.Helper()
	reqs, err := in.Admin.Requests(ctx(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []sandbox.RequestRecord
	for _, r := range reqs {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// waitFor polls cond until it holds or the test's context ends.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	c := ctx(t)
	for !cond() {
		select {
		case <-c.Done():
			t.Fatalf("gave up waiting for %s", what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestFaultDropThenCommit: the client sees its connection reset, nothing is
// written yet; once released, the write lands and the log ties the late
// commit to the pending request.
func TestFaultDropThenCommit(t *testing.T) {
	in := sandboxtest.Start(t, nil)
	const path = "/ATServicesRest/V1.0/Companies"
	if _, err := in.Admin.InjectFault(ctx(t), sandbox.FaultRule{Method: "POST", Path: path, Action: "drop-then-commit", UntilReleased: true}); err != nil {
		t.Fatal(err)
	}
	if r := autotask(t, in, http.MethodPost, "Companies", newCompany("Late Co")); r.err == nil {
		t.Fatalf("the client got an answer: %s", r)
	}
	if got := companiesNamed(t, in, "Late Co"); len(got) != 0 {
		t.Fatalf("the write landed before its release: %v", got)
	}
	if n, err := in.Admin.PendingCommits(ctx(t)); err != nil || n != 1 {
		t.Fatalf("pending commits = %d (%v), want 1", n, err)
	}
	if n, err := in.Admin.ReleaseLateCommits(ctx(t)); err != nil || n != 1 {
		t.Fatalf("released %d (%v), want 1", n, err)
	}
	waitFor(t, "the late commit", func() bool { return len(companiesNamed(t, in, "Late Co")) == 1 })
	var recs []sandbox.RequestRecord
	waitFor(t, "the committed-late record", func() bool {
		recs = logOutcomes(t, in, "POST", path)
		return len(recs) == 2
	})
	if recs[0].Outcome != sandbox.OutcomeCommitPending || recs[1].Outcome != sandbox.OutcomeCommittedLate ||
		recs[1].Status != 200 || recs[1].PendingSeq != recs[0].Seq || recs[1].Body == "" {
		t.Fatalf("log = %+v", recs)
	}
	if n, _ := in.Admin.PendingCommits(ctx(t)); n != 0 {
		t.Fatalf("%d commits still pending", n)
	}
}

// TestFaultDropThenCommitAfterDelay: with delayMs the write lands by itself.
func TestFaultDropThenCommitAfterDelay(t *testing.T) {
	in := sandboxtest.Start(t, nil)
	if _, err := in.Admin.InjectFault(ctx(t), sandbox.FaultRule{Method: "POST", Path: "/ATServicesRest/V1.0/Companies", Action: "drop-then-commit", DelayMs: 30}); err != nil {
		t.Fatal(err)
	}
	if r := autotask(t, in, http.MethodPost, "Companies", newCompany("Delayed Co")); r.err == nil {
		t.Fatalf("the client got an answer: %s", r)
	}
	waitFor(t, "the delayed commit", func() bool { return len(companiesNamed(t, in, "Delayed Co")) == 1 })
}

// TestFaultHoldThenCommit: a client whose deadline passes during the hold
// gets no answer, yet the write lands when released; a client that waits
// long enough gets the ordinary answer.
func TestFaultHoldThenCommit(t *testing.T) {
	in := sandboxtest.Start(t, nil)
	const path = "/ATServicesRest/V1.0/Companies"
	if _, err := in.Admin.InjectFault(ctx(t), sandbox.FaultRule{Method: "POST", Path: path, Action: "hold-then-commit", UntilReleased: true}); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(newCompany("Held Co"))
	req, err := http.NewRequestWithContext(ctx(t), http.MethodPost, in.AutotaskBaseURL+"V1.0/Companies", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("UserName", in.Username)
	req.Header.Set("Secret", in.Secret)
	req.Header.Set("ApiIntegrationCode", in.IntegrationCode)
	req.Header.Set("Content-Type", "application/json")
	impatient := freshClient()
	impatient.Timeout = 50 * time.Millisecond
	if r := do(impatient, req); r.err == nil {
		t.Fatalf("the impatient client got an answer: %s", r)
	}
	waitFor(t, "the client to give up", func() bool {
		recs := logOutcomes(t, in, "POST", path)
		return len(recs) == 1 && recs[0].Outcome == sandbox.OutcomeCommitPending
	})
	if got := companiesNamed(t, in, "Held Co"); len(got) != 0 {
		t.Fatalf("the held write landed before its release: %v", got)
	}
	if _, err := in.Admin.ReleaseLateCommits(ctx(t)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the held write", func() bool { return len(companiesNamed(t, in, "Held Co")) == 1 })

	// A patient client: the hold is only a slow answer.
	if _, err := in.Admin.InjectFault(ctx(t), sandbox.FaultRule{Method: "POST", Path: path, Action: "hold-then-commit", DelayMs: 20}); err != nil {
		t.Fatal(err)
	}
	decode(t, autotask(t, in, http.MethodPost, "Companies", newCompany("Slow Co")), &struct{}{})
	recs := logOutcomes(t, in, "POST", path)
	if last := recs[len(recs)-1]; last.Outcome != sandbox.OutcomeOK || last.Status != 200 {
		t.Fatalf("patient client's record = %+v", last)
	}
}

// TestFaultLateCommitValidation: the late actions need a delay or a release,
// and their fields belong to them only.
func TestFaultLateCommitValidation(t *testing.T) {
	in := sandboxtest.Start(t, nil)
	for _, tc := range []struct {
		rule sandbox.FaultRule
		want string
	}{
		{sandbox.FaultRule{Action: "drop-then-commit"}, `needs "delayMs"`},
		{sandbox.FaultRule{Action: "hold-then-commit", DelayMs: 5, UntilReleased: true}, "not both"},
		{sandbox.FaultRule{Action: "drop-then-commit", DelayMs: 200000}, "must stay under 120000 ms"},
		{sandbox.FaultRule{Action: "fail", DelayMs: 10}, `only apply to actions "drop-then-commit" and "hold-then-commit"`},
		{sandbox.FaultRule{Action: "later"}, `"drop-then-commit" or "hold-then-commit"`},
	} {
		_, err := in.Admin.InjectFault(ctx(t), tc.rule)
		if err == nil {
			t.Errorf("%+v accepted", tc.rule)
			continue
		}
		mustContain(t, err.Error(), tc.want)
	}
}

// TestSandboxCloseDropsHeldWrites: closing the sandbox drops writes waiting
// to land instead of applying them.
func TestSandboxCloseDropsHeldWrites(t *testing.T) {
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	ep := sandbox.EndpointsFor(srv.URL)
	cr := sb.Credentials()
	in := &sandboxtest.Instance{URL: ep.BaseURL, AutotaskBaseURL: ep.AutotaskBaseURL, Admin: &sandbox.AdminClient{BaseURL: srv.URL},
		Username: cr.Username, Secret: cr.Secret, IntegrationCode: cr.IntegrationCode}
	if _, err := in.Admin.InjectFault(ctx(t), sandbox.FaultRule{Method: "POST", Path: "/ATServicesRest/V1.0/Companies", Action: "drop-then-commit", UntilReleased: true}); err != nil {
		t.Fatal(err)
	}
	if r := autotask(t, in, http.MethodPost, "Companies", newCompany("Never Co")); r.err == nil {
		t.Fatalf("the client got an answer: %s", r)
	}
	sb.Close()
	sb.Close() // idempotent
	if n, err := in.Admin.ReleaseLateCommits(ctx(t)); err != nil || n != 0 {
		t.Fatalf("released %d (%v) after Close, want 0", n, err)
	}
	if got := companiesNamed(t, in, "Never Co"); len(got) != 0 {
		t.Fatalf("a write dropped by Close landed: %v", got)
	}
}

// TestLateCommitsReleasedTogetherAllLand: writes released at once land one
// after another, so the emulated thread limit (3 per endpoint) refuses none.
func TestLateCommitsReleasedTogetherAllLand(t *testing.T) {
	in := sandboxtest.Start(t, nil)
	const n = 6
	const path = "/ATServicesRest/V1.0/Companies"
	if _, err := in.Admin.InjectFault(ctx(t), sandbox.FaultRule{Method: "POST", Path: path, Action: "drop-then-commit", UntilReleased: true, Count: n}); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if r := autotask(t, in, http.MethodPost, "Companies", newCompany(fmt.Sprintf("Batch Co %d", i))); r.err == nil {
			t.Fatalf("post %d got an answer: %s", i, r)
		}
	}
	if got, err := in.Admin.ReleaseLateCommits(ctx(t)); err != nil || got != n {
		t.Fatalf("released %d (%v), want %d", got, err, n)
	}
	waitFor(t, "every late commit", func() bool {
		done := 0
		for _, r := range logOutcomes(t, in, "POST", path) {
			if r.Outcome == sandbox.OutcomeCommittedLate {
				done++
			}
		}
		return done == n
	})
	for _, r := range logOutcomes(t, in, "POST", path) {
		if r.Outcome == sandbox.OutcomeCommittedLate && r.Status != 200 {
			t.Errorf("a late commit was refused: %+v", r)
		}
	}
}
