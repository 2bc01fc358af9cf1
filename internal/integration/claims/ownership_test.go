package claims

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run/runtest"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/autotasksim"
)

const notesPath = "/ATServicesRest/V1.0/Contracts/"

// claimsEnv is a sandbox with a run's claim notes on it whose clock agrees
// with the sandbox's today.
type claimsEnv struct {
	*acctest.Env
	svc *Notes
}

// newClaimsEnv starts a sandbox and the claim notes of a run on it.
func newClaimsEnv(t *testing.T) *claimsEnv {
	t.Helper()
	env := acctest.New(t)
	env.RequireSandbox(t)
	e := &claimsEnv{Env: env}
	e.svc = e.otherConfig(t)
	return e
}

// lastSeq is the newest request-log sequence number.
func (e *claimsEnv) lastSeq(t *testing.T) int64 { t.Helper(); return runtest.LastSeq(t, e.Sandbox) }

// requestsSince returns the logged requests after seq (runtest.RequestsSince).
func (e *claimsEnv) requestsSince(t *testing.T, seq int64, method, suffix string) []sandbox.RequestRecord {
	t.Helper()
	return runtest.RequestsSince(t, e.Sandbox, seq, method, suffix)
}

// injectFault adds a fault rule for count requests.
func (e *claimsEnv) injectFault(t *testing.T, method, path, action string, count int) {
	t.Helper()
	runtest.InjectFault(t, e.Sandbox, sandbox.FaultRule{Method: method, Path: path, Action: action, Count: count})
}

// otherConfig is a second configuration's claim notes on the same Autotask.
func (e *claimsEnv) otherConfig(t *testing.T) *Notes {
	t.Helper()
	at, err := autotask.New(autotask.Config{
		Username: e.Sandbox.Username, Secret: e.Sandbox.Secret, IntegrationCode: e.Sandbox.IntegrationCode,
		ZoneLookupURL: e.Sandbox.ZoneLookupURL, RetryWaitMin: 5 * time.Millisecond, RetryWaitMax: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return NewNotes(run.New(at, nil, e.Now))
}

// activeClaims reads the line's active claims through the API, now.
func (e *claimsEnv) activeClaims(t *testing.T, contractID, lineID int64) []LineClaim {
	t.Helper()
	all, err := e.otherConfig(t).readClaimsOf(context.Background(), []int64{contractID})
	if err != nil {
		t.Fatal(err)
	}
	return onLine(all[contractID], lineID)
}

// noteWrites counts the claim note writes (POST/PATCH .../Notes) after seq.
func (e *claimsEnv) noteWrites(t *testing.T, seq int64, method string) int {
	t.Helper()
	n := 0
	for _, r := range e.requestsSince(t, seq, method, "/Notes") {
		if r.Outcome != sandbox.OutcomeCommittedLate {
			n++
		}
	}
	return n
}

func TestClaimNoteTextRoundTrips(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	id := ClaimIdentity{Owner: "billing-prod\n(ci)", Tenant: "ZZk90t", ServiceName: "Petra M365"}
	desc := claimDescription(4001, id, "tok123", at)
	if len(desc) > autotask.MaxNoteDescription {
		t.Fatalf("description is %d characters, over Autotask's %d", len(desc), autotask.MaxNoteDescription)
	}
	for _, want := range []string{"Status: active", "Line: 4001 (Petra M365)", "Owner: billing-prod (ci)", "Tenant: ZZk90t",
		"Claimed: 2026-11-23T10:00:00Z", "Token: tok123", `change "Status: active" to "Status: released"`, "take_over_claim = true"} {
		if !strings.Contains(desc, want) {
			t.Fatalf("description lacks %q:\n%s", want, desc)
		}
	}
	c, ok := parseClaimNote(autotask.ContractNote{ID: 9, ContractID: 2001, Title: claimTitleActive + "4001", Description: desc})
	if !ok || c != (LineClaim{NoteID: 9, ContractID: 2001, LineID: 4001, Owner: "billing-prod (ci)", Tenant: "ZZk90t", Token: "tok123", ClaimedAt: "2026-11-23T10:00:00Z"}) {
		t.Fatalf("parsed %+v, %v", c, ok)
	}
	// Released by hand in Autotask, released by the provider, or another note.
	for _, n := range []autotask.ContractNote{
		{ID: 9, Title: claimTitleActive + "4001", Description: strings.Replace(desc, "Status: active", "Status: Released", 1)},
		{ID: 9, Title: claimTitleReleased + "4001", Description: releasedDescription(c, "destroyed", at)},
		{ID: 9, Title: "Units changed", Description: "Token: tok123"},
	} {
		if _, ok := parseClaimNote(n); ok {
			t.Errorf("note %q is read as an active claim", n.Title)
		}
	}
	if len(claimTitleReleased+"29684012") > autotask.MaxNoteTitle {
		t.Fatal("title too long")
	}
}

func TestDecideClaim(t *testing.T) {
	t.Parallel()
	a := LineClaim{NoteID: 5, Token: "a"}
	b := LineClaim{NoteID: 3, Token: "b"}
	for _, tc := range []struct {
		claims []LineClaim
		token  string
		want   ClaimState
		holder int64
	}{
		{nil, "", ClaimFree, 0},
		{nil, "a", ClaimFree, 0},
		{[]LineClaim{a}, "a", ClaimHeld, 5},
		{[]LineClaim{a}, "", ClaimTaken, 5},
		{[]LineClaim{a, b}, "a", ClaimTaken, 3}, // the first claim holds the line
		{[]LineClaim{a, b}, "b", ClaimHeld, 3},
	} {
		st, h := DecideClaim(tc.claims, tc.token)
		if st != tc.want || (h == nil) != (tc.holder == 0) || (h != nil && h.NoteID != tc.holder) {
			t.Errorf("DecideClaim(%v, %q) = %v, %+v; want %v held by %d", tc.claims, tc.token, st, h, tc.want, tc.holder)
		}
	}
}

// TestEnsureLineClaimLifecycle: a first claim creates one note; a mapping
// that holds its line costs no request; another configuration is refused
// with the owner named; a take-over moves the claim; a release frees it.
func TestEnsureLineClaimLifecycle(t *testing.T) {
	t.Parallel()
	e := newClaimsEnv(t)
	b := e.NewBillingTarget(t, 3)
	ctx := context.Background()
	seq := e.lastSeq(t)
	alice := ClaimIdentity{Owner: "billing-prod", Tenant: "ZZk90t", ServiceName: b.ServiceName}
	res, err := e.svc.EnsureLineClaim(ctx, ClaimRequest{ContractID: b.ContractID, LineID: b.ContractServiceID, Identity: alice})
	if err != nil || res.Token == "" || res.NoteID == 0 {
		t.Fatalf("first claim: %+v, %v", res, err)
	}
	if n := e.noteWrites(t, seq, "POST"); n != 1 {
		t.Fatalf("%d note creates, want 1", n)
	}
	if cs := e.activeClaims(t, b.ContractID, b.ContractServiceID); len(cs) != 1 || cs[0].Token != res.Token || cs[0].Owner != "billing-prod" {
		t.Fatalf("active claims = %+v", cs)
	}

	// The holder's next apply: the bulk read answers, no request of its own.
	e.svc.run.Invalidate("autotask/claims/")
	if err := e.svc.RefreshClaimsForApply(ctx); err != nil {
		t.Fatal(err)
	}
	seq = e.lastSeq(t)
	again, err := e.svc.EnsureLineClaim(ctx, ClaimRequest{ContractID: b.ContractID, LineID: b.ContractServiceID, Identity: alice, Token: res.Token})
	if err != nil || again.Token != res.Token || again.NoteID != res.NoteID || len(again.TookOver) != 0 {
		t.Fatalf("held claim: %+v, %v", again, err)
	}
	if rs := e.requestsSince(t, seq, "", ""); len(rs) != 0 {
		t.Fatalf("a held claim cost %d requests: %+v", len(rs), rs)
	}

	// Another configuration is refused, naming the owner.
	other := e.otherConfig(t)
	bob := ClaimIdentity{Owner: "billing-staging", Tenant: "ZZk90t"}
	_, err = other.EnsureLineClaim(ctx, ClaimRequest{ContractID: b.ContractID, LineID: b.ContractServiceID, Identity: bob})
	var conflict *ClaimConflictError
	if !errors.As(err, &conflict) || conflict.Concurrent || conflict.Holder.Token != res.Token ||
		!strings.Contains(err.Error(), `is claimed by "billing-prod" (tenant ZZk90t, claimed `) {
		t.Fatalf("other configuration: %v", err)
	}

	// A deliberate take-over releases the holder's claim.
	taken, err := other.EnsureLineClaim(ctx, ClaimRequest{ContractID: b.ContractID, LineID: b.ContractServiceID, Identity: bob, TakeOver: true})
	if err != nil || len(taken.TookOver) != 1 || taken.TookOver[0].Token != res.Token {
		t.Fatalf("take-over: %+v, %v", taken, err)
	}
	if cs := e.activeClaims(t, b.ContractID, b.ContractServiceID); len(cs) != 1 || cs[0].Token != taken.Token {
		t.Fatalf("after the take-over, active claims = %+v", cs)
	}
	e.svc.run.Invalidate("autotask/claims/")
	_, err = e.svc.EnsureLineClaim(ctx, ClaimRequest{ContractID: b.ContractID, LineID: b.ContractServiceID, Identity: alice, Token: res.Token})
	if !errors.As(err, &conflict) || !strings.Contains(err.Error(), `"billing-staging"`) {
		t.Fatalf("the former holder after the take-over: %v", err)
	}

	// Release frees the line.
	if err := other.ReleaseLineClaim(ctx, LineClaim{NoteID: taken.NoteID, ContractID: b.ContractID, LineID: b.ContractServiceID,
		Token: taken.Token, Owner: "billing-staging"}, "billing mapping destroyed"); err != nil {
		t.Fatalf("release: %v", err)
	}
	if cs := e.activeClaims(t, b.ContractID, b.ContractServiceID); len(cs) != 0 {
		t.Fatalf("after release, active claims = %+v", cs)
	}
}

// TestEnsureLineClaimRaceHasOneWinner: two configurations claim the same
// lines at the same moment (latency widens the window). For every line
// exactly one wins; the other gets a conflict and leaves no active claim.
func TestEnsureLineClaimRaceHasOneWinner(t *testing.T) {
	t.Parallel()
	e := newClaimsEnv(t)
	if err := e.Sandbox.Admin.SetLatency(context.Background(), sandbox.LatencyRule{Path: "/ATServicesRest/V1.0/Contracts/", DelayMs: 40, JitterMs: 40}); err != nil {
		t.Fatal(err)
	}
	const lines = 4
	var targets []struct{ contract, line int64 }
	for range lines {
		b := e.NewBillingTarget(t, 0)
		targets = append(targets, struct{ contract, line int64 }{b.ContractID, b.ContractServiceID})
	}
	configs := []*Notes{e.svc, e.otherConfig(t)}
	for i, svc := range configs {
		// Both configurations read the (empty) claims before either claims.
		if _, err := svc.ClaimsOnLine(context.Background(), targets[0].line); err != nil {
			t.Fatalf("config %d: %v", i, err)
		}
	}
	type outcome struct {
		res ClaimResult
		err error
	}
	results := make([][]outcome, len(configs))
	var wg sync.WaitGroup
	for i, svc := range configs {
		results[i] = make([]outcome, lines)
		for j, tg := range targets {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := svc.EnsureLineClaim(context.Background(), ClaimRequest{ContractID: tg.contract, LineID: tg.line,
					Identity: ClaimIdentity{Owner: fmt.Sprintf("config-%d", i), Tenant: "T"}})
				results[i][j] = outcome{r, err}
			}()
		}
	}
	wg.Wait()
	for j, tg := range targets {
		winners := 0
		var winner ClaimResult
		for i := range configs {
			o := results[i][j]
			var conflict *ClaimConflictError
			switch {
			case o.err == nil:
				winners++
				winner = o.res
			case errors.As(o.err, &conflict):
			default:
				t.Fatalf("line %d, config %d: %v", tg.line, i, o.err)
			}
		}
		if winners != 1 {
			t.Fatalf("line %d: %d configurations won the claim, want exactly 1", tg.line, winners)
		}
		if cs := e.activeClaims(t, tg.contract, tg.line); len(cs) != 1 || cs[0].Token != winner.Token || cs[0].NoteID != winner.NoteID {
			t.Fatalf("line %d: active claims %+v, want only the winner's %+v", tg.line, cs, winner)
		}
	}
}

// TestEnsureLineClaimSurvivesALostAnswer: the note's create is committed but
// its answer lost; the claim is found by its token, with one create.
func TestEnsureLineClaimSurvivesALostAnswer(t *testing.T) {
	t.Parallel()
	e := newClaimsEnv(t)
	b := e.NewBillingTarget(t, 0)
	seq := e.lastSeq(t)
	e.injectFault(t, "POST", fmt.Sprintf("%s%d/Notes", notesPath, b.ContractID), "commit-then-drop", 1)
	res, err := e.svc.EnsureLineClaim(context.Background(), ClaimRequest{ContractID: b.ContractID, LineID: b.ContractServiceID,
		Identity: ClaimIdentity{Owner: "o", Tenant: "T"}})
	if err != nil || res.NoteID == 0 {
		t.Fatalf("claim after a lost answer: %+v, %v", res, err)
	}
	if n := e.noteWrites(t, seq, "POST"); n != 1 {
		t.Fatalf("%d note creates, want 1", n)
	}
	// A create dropped before Autotask saw it is sent once more.
	b2 := e.NewBillingTarget(t, 0)
	seq = e.lastSeq(t)
	e.injectFault(t, "POST", fmt.Sprintf("%s%d/Notes", notesPath, b2.ContractID), "drop", 1)
	if res, err = e.svc.EnsureLineClaim(context.Background(), ClaimRequest{ContractID: b2.ContractID, LineID: b2.ContractServiceID,
		Identity: ClaimIdentity{Owner: "o", Tenant: "T"}}); err != nil || res.NoteID == 0 {
		t.Fatalf("claim after a dropped create: %+v, %v", res, err)
	}
	if n := e.noteWrites(t, seq, "POST"); n != 2 {
		t.Fatalf("%d note creates, want 2", n)
	}
}

// TestClaimNoteTextWithoutLineBreaks: Autotask returns a note edited in its
// UI as text only, its line breaks lost. The note's fields still parse, and
// the owner's token is found.
func TestClaimNoteTextWithoutLineBreaks(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	desc := claimDescription(4001, ClaimIdentity{Owner: "billing-prod (ci)", Tenant: "ZZk90t", ServiceName: "Petra M365"}, "tok123", at)
	flat := strings.Join(strings.Fields(desc), " ")
	want := LineClaim{NoteID: 9, ContractID: 2001, LineID: 4001, Owner: "billing-prod (ci)", Tenant: "ZZk90t", Token: "tok123", ClaimedAt: "2026-11-23T10:00:00Z"}
	for name, d := range map[string]string{"lines kept": desc, "text only": flat, "CRLF": strings.ReplaceAll(desc, "\n", "\r\n")} {
		c, ok := parseClaimNote(autotask.ContractNote{ID: 9, ContractID: 2001, Title: claimTitleActive + "4001", Description: d})
		if !ok || c != want {
			t.Errorf("%s: parsed %+v, %v; want %+v", name, c, ok, want)
		}
	}
	// Released by hand in the UI, then returned as text only.
	released := strings.Join(strings.Fields(strings.Replace(desc, "Status: active", "Status: released", 1)), " ")
	if c, ok := parseClaimNote(autotask.ContractNote{ID: 9, ContractID: 2001, Title: claimTitleActive + "4001", Description: released}); ok {
		t.Errorf("a note released by hand and returned as text only reads as active: %+v", c)
	}
}

// TestClaimsWhenTheSandboxReturnsNotesAsTextOnly: both ways, against the
// sandbox, whose notesTextOnly setting returns descriptions as Autotask
// returns a note edited in its UI. A configuration's claim holds its line
// either way, and its next apply spends no request on it.
func TestClaimsWhenTheSandboxReturnsNotesAsTextOnly(t *testing.T) {
	t.Parallel()
	for _, textOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("textOnly=%v", textOnly), func(t *testing.T) {
			t.Parallel()
			e := newClaimsEnv(t)
			ctx := context.Background()
			if _, err := e.Sandbox.Admin.SetAutotaskSettings(ctx, autotasksim.BehaviourUpdate{NotesTextOnly: &textOnly}); err != nil {
				t.Fatal(err)
			}
			b := e.NewBillingTarget(t, 3)
			id := ClaimIdentity{Owner: "billing-prod (ci)", Tenant: "ZZk90t", ServiceName: b.ServiceName}
			res, err := e.svc.EnsureLineClaim(ctx, ClaimRequest{ContractID: b.ContractID, LineID: b.ContractServiceID, Identity: id})
			if err != nil || res.Token == "" {
				t.Fatalf("claim: %+v, %v", res, err)
			}
			notes := e.ClaimNotes(t, b.ContractID)
			if len(notes) != 1 || strings.Contains(notes[0].Description, "\n") != !textOnly {
				t.Fatalf("the sandbox returned %d notes; line breaks kept = %v, want %v", len(notes),
					len(notes) == 1 && strings.Contains(notes[0].Description, "\n"), !textOnly)
			}
			next := e.otherConfig(t) // the same configuration's next run
			seq := e.lastSeq(t)
			again, err := next.EnsureLineClaim(ctx, ClaimRequest{ContractID: b.ContractID, LineID: b.ContractServiceID, Identity: id, Token: res.Token})
			if err != nil || again.NoteID != res.NoteID {
				t.Fatalf("the owner's next run did not find its claim: %+v, %v", again, err)
			}
			if n := e.noteWrites(t, seq, "POST") + e.noteWrites(t, seq, "PATCH"); n != 0 {
				t.Fatalf("the owner's next run wrote %d notes, want 0", n)
			}
			other, err := e.otherConfig(t).EnsureLineClaim(ctx, ClaimRequest{ContractID: b.ContractID, LineID: b.ContractServiceID,
				Identity: ClaimIdentity{Owner: "billing-staging", Tenant: "Y3mPqr"}})
			var conflict *ClaimConflictError
			if !errors.As(err, &conflict) || conflict.Holder.Owner != "billing-prod (ci)" || conflict.Holder.Tenant != "ZZk90t" {
				t.Fatalf("another configuration: %+v, %v; want refused, naming the owner and tenant", other, err)
			}
		})
	}
}

// TestReleaseWhoseAnswerIsLostIsReadBack: the release's PATCH lands but its
// answer is lost: the claim is read back, found released, and the release
// succeeds. When the PATCH never arrives, the read-back finds the claim
// still active and the error says so.
func TestReleaseWhoseAnswerIsLostIsReadBack(t *testing.T) {
	t.Parallel()
	e := newClaimsEnv(t)
	ctx := context.Background()
	b := e.NewBillingTarget(t, 3)
	id := ClaimIdentity{Owner: "billing-prod", Tenant: "ZZk90t", ServiceName: b.ServiceName}
	res, err := e.svc.EnsureLineClaim(ctx, ClaimRequest{ContractID: b.ContractID, LineID: b.ContractServiceID, Identity: id})
	if err != nil {
		t.Fatal(err)
	}
	claim := LineClaim{NoteID: res.NoteID, ContractID: b.ContractID, LineID: b.ContractServiceID, Owner: id.Owner, Tenant: id.Tenant, Token: res.Token}

	// Lost before it arrives (every attempt): still active, and said so.
	e.injectFault(t, "PATCH", notesPath, sandbox.FaultDrop, 5)
	err = e.otherConfig(t).ReleaseLineClaim(ctx, claim, "destroyed")
	if err == nil || !strings.Contains(err.Error(), "read back, the claim is still active") {
		t.Fatalf("release lost before it arrived: %v; want an error saying the claim is still active", err)
	}
	if cs := e.activeClaims(t, b.ContractID, b.ContractServiceID); len(cs) != 1 {
		t.Fatalf("%d active claims after a lost release, want 1", len(cs))
	}
	if err := e.Sandbox.Admin.ClearFaults(ctx); err != nil {
		t.Fatal(err)
	}

	// Applied, answer lost: released, no error.
	e.injectFault(t, "PATCH", notesPath, sandbox.FaultCommitThenDrop, 1)
	if err := e.otherConfig(t).ReleaseLineClaim(ctx, claim, "destroyed"); err != nil {
		t.Fatalf("a release that landed with its answer lost failed: %v", err)
	}
	if cs := e.activeClaims(t, b.ContractID, b.ContractServiceID); len(cs) != 0 {
		t.Fatalf("%d active claims after the release landed, want 0", len(cs))
	}
}
