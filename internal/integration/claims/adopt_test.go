package claims

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// Issue 20, items 1–2 and 6: a configuration recognises its own claims
// whatever happened to its state writes (adoption by its own owner label),
// never another configuration's, and a take-over never lets both push.

// lateCreates makes the next count note creates on the contract land only
// when the test releases them, their answers lost (a create whose answer is
// lost and that lands late).
func (e *claimsEnv) lateCreates(t *testing.T, contractID int64, count int) {
	t.Helper()
	if _, err := e.Sandbox.Admin.InjectFault(context.Background(), sandbox.FaultRule{Method: "POST",
		Path: fmt.Sprintf("%s%d/Notes", notesPath, contractID), Action: sandbox.FaultDropThenCommit, UntilReleased: true,
		Count: count}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = e.Sandbox.Admin.ReleaseLateCommits(context.Background()) })
}

// landLate releases the late creates and waits until n of them landed.
func (e *claimsEnv) landLate(t *testing.T, seq int64, n int) {
	t.Helper()
	if _, err := e.Sandbox.Admin.ReleaseLateCommits(context.Background()); err != nil {
		t.Fatal(err)
	}
	for range 500 {
		landed := 0
		for _, r := range e.requestsSince(t, seq, "POST", "/Notes") {
			if r.Outcome == sandbox.OutcomeCommittedLate {
				landed++
			}
		}
		if landed >= n {
			return
		}
		sleepBriefly()
	}
	t.Fatalf("the late note creates did not land")
}

// TestUnrecordedClaimIsAdoptedByItsOwnConfigurationOnly: both creates of a
// claim are lost and land after the apply gave up, so two active notes hold
// the line and no state records either (as after Ctrl-C or kill -9 of
// terraform mid-claim). Another configuration of the same API user, with
// its own label, is refused (never adopts); so is one with the same label
// but another tenant, and one whose label is the default (shared, so not
// the configuration's own). The same configuration's next apply adopts the
// first note, releases the second, and leaves one active claim: its own.
func TestUnrecordedClaimIsAdoptedByItsOwnConfigurationOnly(t *testing.T) {
	t.Parallel()
	e := newClaimsEnv(t)
	ctx := context.Background()
	b := e.NewBillingTarget(t, 3)
	a := ClaimIdentity{Owner: "billing-a (github.com/acme/a)", Tenant: "ZZk90t", ServiceName: b.ServiceName}
	seq := e.lastSeq(t)
	e.lateCreates(t, b.ContractID, 2)
	_, err := e.svc.EnsureLineClaim(ctx, ClaimRequest{ContractID: b.ContractID, LineID: b.ContractServiceID, Identity: a, Adopt: true})
	if err == nil || !strings.Contains(err.Error(), "does not show in Autotask's answer") {
		t.Fatalf("claim whose creates are lost: %v", err)
	}
	e.landLate(t, seq, 2)
	landed := e.activeClaims(t, b.ContractID, b.ContractServiceID)
	if len(landed) != 2 {
		t.Fatalf("%d active claims after the late creates landed, want 2: %+v", len(landed), landed)
	}

	var conflict *ClaimConflictError
	for _, other := range []struct {
		what string
		id   ClaimIdentity
		own  bool
	}{
		{"another configuration of the same API user", ClaimIdentity{Owner: "billing-b (github.com/acme/b)", Tenant: a.Tenant}, true},
		{"the same label for another tenant", ClaimIdentity{Owner: a.Owner, Tenant: "OtherT"}, true},
		{"the same label as a default (shared) label", a, false},
	} {
		_, err := e.otherConfig(t).EnsureLineClaim(ctx, ClaimRequest{ContractID: b.ContractID, LineID: b.ContractServiceID,
			Identity: other.id, Adopt: other.own})
		if !errors.As(err, &conflict) || conflict.Holder.NoteID != landed[0].NoteID {
			t.Fatalf("%s: %v; want the line refused, held by note %d", other.what, err, landed[0].NoteID)
		}
	}
	if cs := e.activeClaims(t, b.ContractID, b.ContractServiceID); len(cs) != 2 {
		t.Fatalf("the refused configurations changed the claims: %+v", cs)
	}

	// The same configuration, next apply (no token in state).
	seq = e.lastSeq(t)
	res, err := e.otherConfig(t).EnsureLineClaim(ctx, ClaimRequest{ContractID: b.ContractID, LineID: b.ContractServiceID,
		Identity: a, Adopt: true})
	if err != nil || !res.Adopted || res.NoteID != landed[0].NoteID || res.Token != landed[0].Token {
		t.Fatalf("the owner's next apply: %+v, %v; want note %d adopted", res, err, landed[0].NoteID)
	}
	if n := e.noteWrites(t, seq, "POST"); n != 0 {
		t.Fatalf("adoption created %d notes, want 0", n)
	}
	if cs := e.activeClaims(t, b.ContractID, b.ContractServiceID); len(cs) != 1 || cs[0].NoteID != res.NoteID {
		t.Fatalf("after adoption, active claims = %+v; want only note %d", cs, res.NoteID)
	}
}

// TestLateDuplicateOfARecordedClaimIsReleased: the first create's answer is
// lost and it lands after the second create succeeded, so the line holds
// two active notes of the same token, and state records the second. The
// holder's next apply releases the late one (with no create); and a destroy
// releases both.
func TestLateDuplicateOfARecordedClaimIsReleased(t *testing.T) {
	t.Parallel()
	e := newClaimsEnv(t)
	ctx := context.Background()
	for _, destroy := range []bool{false, true} {
		b := e.NewBillingTarget(t, 3)
		id := ClaimIdentity{Owner: "billing-a", Tenant: "ZZk90t"}
		seq := e.lastSeq(t)
		e.lateCreates(t, b.ContractID, 1)
		res, err := e.svc.EnsureLineClaim(ctx, ClaimRequest{ContractID: b.ContractID, LineID: b.ContractServiceID, Identity: id, Adopt: true})
		if err != nil {
			t.Fatal(err)
		}
		e.landLate(t, seq, 1)
		cs := e.activeClaims(t, b.ContractID, b.ContractServiceID)
		if len(cs) != 2 || cs[0].NoteID != res.NoteID || cs[1].Token != res.Token {
			t.Fatalf("want the recorded note %d and its late duplicate, got %+v", res.NoteID, cs)
		}
		next := e.otherConfig(t)
		if destroy {
			recorded := LineClaim{NoteID: res.NoteID, ContractID: b.ContractID, LineID: b.ContractServiceID, Owner: id.Owner,
				Tenant: id.Tenant, Token: res.Token}
			if err := next.ReleaseLineClaim(ctx, recorded, "destroyed"); err != nil {
				t.Fatal(err)
			}
			if err := next.ReleaseDuplicates(ctx, cs, Mine{Token: res.Token}, recorded, "destroyed"); err != nil {
				t.Fatal(err)
			}
			if left := e.activeClaims(t, b.ContractID, b.ContractServiceID); len(left) != 0 {
				t.Fatalf("after destroy, active claims = %+v; want none", left)
			}
			continue
		}
		seq = e.lastSeq(t)
		again, err := next.EnsureLineClaim(ctx, ClaimRequest{ContractID: b.ContractID, LineID: b.ContractServiceID, Identity: id,
			Token: res.Token, Adopt: true})
		if err != nil || again.NoteID != res.NoteID || again.Adopted {
			t.Fatalf("holder's next apply: %+v, %v", again, err)
		}
		if n := e.noteWrites(t, seq, "POST"); n != 0 {
			t.Fatalf("%d note creates, want 0", n)
		}
		if left := e.activeClaims(t, b.ContractID, b.ContractServiceID); len(left) != 1 || left[0].NoteID != res.NoteID {
			t.Fatalf("active claims = %+v; want only the recorded note %d", left, res.NoteID)
		}
	}
}

// TestCheckStillHeldAfterATakeOver: the holder checks its claim right
// before it posts; once another configuration took the line over, the check
// fails naming the new holder, and a released claim fails it too.
func TestCheckStillHeldAfterATakeOver(t *testing.T) {
	t.Parallel()
	e := newClaimsEnv(t)
	ctx := context.Background()
	b := e.NewBillingTarget(t, 3)
	a := ClaimIdentity{Owner: "billing-a", Tenant: "T"}
	res, err := e.svc.EnsureLineClaim(ctx, ClaimRequest{ContractID: b.ContractID, LineID: b.ContractServiceID, Identity: a})
	if err != nil {
		t.Fatal(err)
	}
	mine := Mine{Token: res.Token, Owner: a.Owner, Tenant: a.Tenant}
	if err := e.otherConfig(t).CheckStillHeld(ctx, b.ContractID, b.ContractServiceID, mine, res.NoteID, time.Now()); err != nil {
		t.Fatalf("held claim: %v", err)
	}
	taker := e.otherConfig(t)
	took, err := taker.EnsureLineClaim(ctx, ClaimRequest{ContractID: b.ContractID, LineID: b.ContractServiceID,
		Identity: ClaimIdentity{Owner: "billing-b", Tenant: "T"}, TakeOver: true})
	if err != nil || len(took.TookOver) != 1 {
		t.Fatalf("take-over: %+v, %v", took, err)
	}
	var lost *ClaimLostError
	// A claim the holder made in an earlier apply (zero heldAt): the check
	// reads the claims.
	err = e.otherConfig(t).CheckStillHeld(ctx, b.ContractID, b.ContractServiceID, mine, res.NoteID, time.Time{})
	if !errors.As(err, &lost) || lost.Holder == nil || lost.Holder.NoteID != took.NoteID || !strings.Contains(err.Error(), `"billing-b"`) {
		t.Fatalf("after the take-over: %v; want the claim lost to billing-b", err)
	}
	if err := taker.ReleaseLineClaim(ctx, LineClaim{NoteID: took.NoteID, ContractID: b.ContractID, LineID: b.ContractServiceID,
		Token: took.Token}, "destroyed"); err != nil {
		t.Fatal(err)
	}
	err = e.otherConfig(t).CheckStillHeld(ctx, b.ContractID, b.ContractServiceID, mine, res.NoteID, time.Time{})
	if !errors.As(err, &lost) || lost.Holder != nil {
		t.Fatalf("after the release: %v; want the claim lost, no holder", err)
	}
}

func TestMineOwnsByTokenOrOwnLabel(t *testing.T) {
	t.Parallel()
	c := LineClaim{NoteID: 1, Token: "t1", Owner: "billing-a (ci)", Tenant: "T"}
	for _, tc := range []struct {
		mine Mine
		want bool
	}{
		{Mine{Token: "t1"}, true},
		{Mine{Token: "t2", Owner: "billing-a (ci)", Tenant: "T"}, false},             // label without Adopt
		{Mine{Token: "t2", Owner: "billing-a (ci)", Tenant: "T", Adopt: true}, true}, // own label, same tenant
		{Mine{Owner: "billing-a  (ci)\n", Tenant: "T", Adopt: true}, true},           // white space does not count
		{Mine{Owner: "Billing-A (ci)", Tenant: "T", Adopt: true}, false},             // case does
		{Mine{Owner: "billing-a (ci)", Tenant: "U", Adopt: true}, false},
		{Mine{Owner: "billing-b", Tenant: "T", Adopt: true}, false},
		{Mine{Owner: "", Tenant: "", Adopt: true}, false},
	} {
		if got := tc.mine.Owns(c); got != tc.want {
			t.Errorf("%+v owns %+v = %v, want %v", tc.mine, c, got, tc.want)
		}
	}
}

// sleepBriefly paces a poll of the request log.
func sleepBriefly() { time.Sleep(20 * time.Millisecond) }

// TestCheckStillHeldSeesAClaimMadeAfterTheSharedRead: the checks of a run
// share one read of the claims for a second; a claim made after that read
// (a new mapping's) is checked with a read of its own, not found missing.
func TestCheckStillHeldSeesAClaimMadeAfterTheSharedRead(t *testing.T) {
	t.Parallel()
	e := newClaimsEnv(t)
	ctx := context.Background()
	first, second := e.NewBillingTarget(t, 3), e.NewBillingTarget(t, 3)
	id := ClaimIdentity{Owner: "billing-a", Tenant: "T"}
	checker := e.otherConfig(t)
	held, err := checker.EnsureLineClaim(ctx, ClaimRequest{ContractID: first.ContractID, LineID: first.ContractServiceID, Identity: id})
	if err != nil {
		t.Fatal(err)
	}
	if err := checker.CheckStillHeld(ctx, first.ContractID, first.ContractServiceID, Mine{Token: held.Token}, held.NoteID, time.Time{}); err != nil {
		t.Fatalf("first line: %v", err)
	}
	made, err := checker.EnsureLineClaim(ctx, ClaimRequest{ContractID: second.ContractID, LineID: second.ContractServiceID, Identity: id})
	if err != nil {
		t.Fatal(err)
	}
	if err := checker.CheckStillHeld(ctx, second.ContractID, second.ContractServiceID, Mine{Token: made.Token}, made.NoteID, time.Now()); err != nil {
		t.Fatalf("a claim made after the shared read: %v", err)
	}
}
