package claims

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
)

// Claims across configurations. Two Terraform configurations (two state
// files, two machines, two teams) that map the same contract service line
// would both push to it and bill it twice. Terraform state cannot see the
// other configuration, so the claim lives in Autotask, on the line's
// contract, as a ContractNote: notes never reach an invoice, every API user
// with contract access can read them, and people see them on the contract's
// Notes page. A billing mapping claims its line the first time it pushes
// (create, or the first apply after an import); every plan and every apply
// checks the claims of the whole account in one bulk read; destroying the
// mapping releases its claim; take_over_claim moves a claim on purpose.
//
// The owner of a claim is identified by a token (random, stored in the
// mapping's state) and described for people by the provider's
// billing_claim_owner label and the tenant. Two applies that claim the same
// line at the same moment both create a note, read the line's claims back,
// and the lowest note id wins; the other releases its note and fails
// without pushing. This relies on note ids increasing with creation and a
// created note being visible to the next query: INFERRED (ref §5 id-ordered
// keyset paging, §8 read-your-writes), kept in claimWinner.

// claimRereadWindow is how long a claim's read-back waits for others to
// join its query: mappings created together (Terraform's parallelism) then
// share one query instead of one each. Only the first apply of a new
// mapping pays it.
const claimRereadWindow = 100 * time.Millisecond

// Cache keys of the claim reads.
const (
	claimsKey       = "autotask/claims/all"
	claimsApplyKey  = "autotask/claims/apply-refresh"
	claimsRereadKey = "autotask/claims/reread"
)

// claimSnapshot is every active claim of the account, by line.
type claimSnapshot struct {
	loadedAt time.Time
	byLine   map[int64][]LineClaim
}

// loadClaims reads every active claim note of the account (full pages).
func (s *Notes) loadClaims(ctx context.Context) (*claimSnapshot, error) {
	at, err := s.run.Autotask()
	if err != nil {
		return nil, err
	}
	snap := &claimSnapshot{loadedAt: s.run.Now(), byLine: map[int64][]LineClaim{}}
	err = autotask.QueryPages(ctx, at, autotask.EntityContractNotes, autotask.QuerySpec{
		Filter: claimNotesFilter(), IncludeFields: claimNoteFields,
	}, func(page []autotask.ContractNote) error {
		for _, n := range page {
			if c, ok := parseClaimNote(n); ok {
				snap.byLine[c.LineID] = append(snap.byLine[c.LineID], c)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the billing claims (Autotask contract notes): %w", err)
	}
	return snap, nil
}

// ClaimsOnLine returns the active claims of a line from the run's bulk read
// of every claim (one paged query per run, shared by every mapping).
func (s *Notes) ClaimsOnLine(ctx context.Context, lineID int64) ([]LineClaim, error) {
	snap, err := run.Cached(ctx, s.run, claimsKey, s.loadClaims)
	if err != nil {
		return nil, err
	}
	return snap.byLine[lineID], nil
}

// RefreshClaimsForApply makes the apply's claim checks see Autotask as it is
// now: the first apply-time caller reloads the claims unless the run read
// them moments ago (the apply's own re-plan), and the others share that.
func (s *Notes) RefreshClaimsForApply(ctx context.Context) error {
	_, err := run.Cached(ctx, s.run, claimsApplyKey, func(ctx context.Context) (struct{}, error) {
		if snap, ok := run.Peek[*claimSnapshot](s.run, claimsKey); ok && s.run.Now().Sub(snap.loadedAt) < run.ApplyReuseWindow {
			return struct{}{}, nil
		}
		s.run.Invalidate(claimsKey)
		_, err := run.Cached(ctx, s.run, claimsKey, s.loadClaims)
		return struct{}{}, err
	})
	return err
}

// ClaimsOnLineNow reads the active claims of one line now, with a query of
// its own (batched with concurrent callers, never from the run's bulk read):
// what a destroy checks before it touches the line.
func (s *Notes) ClaimsOnLineNow(ctx context.Context, contractID, lineID int64) ([]LineClaim, error) {
	all, err := s.claimsOfContracts(ctx, contractID)
	if err != nil {
		return nil, err
	}
	return onLine(all, lineID), nil
}

// claimsOfContracts reads the active claims of contracts now (never from a
// snapshot), batched with concurrent callers that have not been sent yet.
func (s *Notes) claimsOfContracts(ctx context.Context, contractID int64) ([]LineClaim, error) {
	b, err := run.Cached(ctx, s.run, claimsRereadKey, func(context.Context) (*run.Batcher[int64, []LineClaim], error) {
		return run.NewBatcher(claimRereadWindow, false, s.readClaimsOf), nil
	})
	if err != nil {
		return nil, err
	}
	cs, _, err := b.Get(ctx, contractID)
	return cs, err
}

func (s *Notes) readClaimsOf(ctx context.Context, contractIDs []int64) (map[int64][]LineClaim, error) {
	at, err := s.run.Autotask()
	if err != nil {
		return nil, err
	}
	notes, err := autotask.Query[autotask.ContractNote](ctx, at, autotask.EntityContractNotes, autotask.QuerySpec{
		Filter: claimNotesFilter(contractIDs...), IncludeFields: claimNoteFields,
	})
	if err != nil {
		return nil, fmt.Errorf("reading the billing claims of contract(s) %v: %w", contractIDs, err)
	}
	out := map[int64][]LineClaim{}
	for _, n := range notes {
		if c, ok := parseClaimNote(n); ok {
			out[c.ContractID] = append(out[c.ContractID], c)
		}
	}
	return out, nil
}

// onLine keeps the claims of one line.
func onLine(claims []LineClaim, lineID int64) []LineClaim {
	var out []LineClaim
	for _, c := range claims {
		if c.LineID == lineID {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].NoteID < out[j].NoteID })
	return out
}

// ClaimRequest asks for a line to be claimed for a mapping.
type ClaimRequest struct {
	ContractID, LineID int64
	Identity           ClaimIdentity
	// Token is the mapping's token from state ("" when it has none).
	Token string
	// TakeOver releases another owner's claim instead of failing.
	TakeOver bool
	// Adopt makes every active claim of the line with Identity's owner and
	// tenant the mapping's own (Mine): the configuration's owner label names
	// it alone.
	Adopt bool
}

// mine is what the request counts as the mapping's own claims.
func (req ClaimRequest) mine(token string) Mine {
	return Mine{Token: token, Owner: req.Identity.Owner, Tenant: req.Identity.Tenant, Adopt: req.Adopt}
}

// ClaimResult is the mapping's claim after EnsureLineClaim.
type ClaimResult struct {
	Token  string
	NoteID int64
	// TookOver lists the claims released by a take-over.
	TookOver []LineClaim
	// Adopted is true when the claim holding the line is one that the
	// mapping's state did not record (left by an interrupted apply, or a
	// note create that landed late): the mapping records it from now on.
	Adopted bool
}

// ClaimConflictError says another owner holds the line.
type ClaimConflictError struct {
	LineID int64
	Holder LineClaim
	// Concurrent is true when the other owner claimed the line during this
	// apply (both created a claim; the other's was first).
	Concurrent bool
}

func (e *ClaimConflictError) Error() string {
	if e.Concurrent {
		return fmt.Sprintf("while this apply claimed contract service line %d, %s claimed it too and was first; this "+
			"mapping's claim was released and nothing was pushed", e.LineID, e.Holder.Describe())
	}
	return fmt.Sprintf("contract service line %d is claimed by %s", e.LineID, e.Holder.Describe())
}

// EnsureLineClaim makes the mapping's claim hold the line before a push:
// nothing to do when it already does (no request: the apply's bulk read
// answers) but release its duplicates; otherwise it creates a claim note,
// reads the line's claims back and keeps the line only if its own note (or,
// with req.Adopt, an unrecorded claim of the same owner and tenant) is the
// first active one. Another owner's claim is a *ClaimConflictError unless
// req.TakeOver, which releases it first.
func (s *Notes) EnsureLineClaim(ctx context.Context, req ClaimRequest) (ClaimResult, error) {
	var res ClaimResult
	at, err := s.run.Autotask()
	if err != nil {
		return res, err
	}
	if err := s.RefreshClaimsForApply(ctx); err != nil {
		return res, err
	}
	claims, err := s.ClaimsOnLine(ctx, req.LineID)
	if err != nil {
		return res, err
	}
	mine := req.mine(req.Token)
	state, holder := DecideClaimOf(claims, mine)
	switch state {
	case ClaimHeld:
		// A note of ours that landed late (its create's answer was lost), or
		// one an interrupted apply left unrecorded, is a duplicate: release
		// it so that the line keeps one active claim, the one state records.
		s.releaseDuplicates(ctx, at, Duplicates(claims, mine, holder))
		if holder.Token != req.Token {
			s.adopted.Store(holder.Token, true)
		}
		return ClaimResult{Token: holder.Token, NoteID: holder.NoteID, Adopted: holder.Token != req.Token}, nil
	case ClaimTaken:
		if !req.TakeOver {
			return res, &ClaimConflictError{LineID: req.LineID, Holder: *holder}
		}
		for _, c := range claims {
			if mine.Owns(c) {
				continue
			}
			reason := fmt.Sprintf("taken over by %q for tenant %s", req.Identity.Owner, req.Identity.Tenant)
			if err := s.releaseNote(ctx, at, c, reason); err != nil {
				return res, fmt.Errorf("taking over the claim %s: %w", c.Describe(), err)
			}
			res.TookOver = append(res.TookOver, c)
		}
	}

	token := req.Token
	if token == "" {
		token = NewClaimToken()
	}
	res.Token = token
	body := autotask.ContractNote{
		ContractID:  req.ContractID,
		Title:       claimTitleActive + strconv.FormatInt(req.LineID, 10),
		Description: claimDescription(req.LineID, req.Identity, token, s.run.Now()),
	}
	for attempt := 1; ; attempt++ {
		_, cerr := at.CreateChild(ctx, autotask.EntityContracts, req.ContractID, autotask.ChildNotes, body)
		if cerr != nil && !errors.Is(cerr, autotask.ErrOutcomeUnknown) {
			return res, fmt.Errorf("claiming contract service line %d (creating a note on contract %d): %w", req.LineID, req.ContractID, cerr)
		}
		// Read the line's claims back: the first active claim holds it.
		all, rerr := s.claimsOfContracts(ctx, req.ContractID)
		if rerr != nil {
			if ctx.Err() != nil {
				// Interrupted (Ctrl-C) between the create and its read-back:
				// nothing will record this claim, so release what landed.
				s.releaseInterrupted(ctx, at, req, token)
			}
			return res, fmt.Errorf("claiming contract service line %d: %w", req.LineID, rerr)
		}
		line := onLine(all, req.LineID)
		ours := req.mine(token)
		state, holder = DecideClaimOf(line, ours)
		switch state {
		case ClaimHeld:
			res.NoteID, res.Token, res.Adopted = holder.NoteID, holder.Token, holder.Token != req.Token && holder.Token != token
			if res.Adopted {
				s.adopted.Store(holder.Token, true)
			}
			// A create whose answer was lost and was sent again may have left
			// a second note of ours, and an unrecorded claim of ours may hold
			// the line already: keep the first, so that state names the only
			// active one.
			s.releaseDuplicates(ctx, at, Duplicates(line, ours, holder))
			return res, nil
		case ClaimTaken:
			// Another owner claimed the line first: release every note of
			// ours on it, push nothing.
			for _, c := range Duplicates(line, ours, nil) {
				_ = s.releaseNote(ctx, at, c, fmt.Sprintf("claimed concurrently by %q, who was first", holder.Owner))
			}
			return ClaimResult{}, &ClaimConflictError{LineID: req.LineID, Holder: *holder, Concurrent: true}
		}
		// Our note is not there: its create was lost (outcome unknown) or is
		// not visible yet. A duplicate note of ours is harmless (same
		// token), so create once more, then give up.
		if attempt == 2 {
			return res, fmt.Errorf("claiming contract service line %d: the claim note created on contract %d does not "+
				"show in Autotask's answer (last create: %v); nothing was pushed. Run apply again", req.LineID,
				req.ContractID, cerr)
		}
	}
}

// releaseInterrupted releases, on a context of its own (bounded), the notes
// with token that an interrupted claim left on the line: no state will
// record them. A create that lands even later is found by the next apply
// (adoption, with an owner label of the configuration's own).
func (s *Notes) releaseInterrupted(ctx context.Context, at *autotask.Client, req ClaimRequest, token string) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	now, err := s.readClaimsOf(rctx, []int64{req.ContractID})
	if err != nil {
		return
	}
	for _, c := range onLine(now[req.ContractID], req.LineID) {
		if c.Token == token {
			_ = s.releaseNote(rctx, at, c, "the apply that made it was interrupted before it recorded it")
		}
	}
}

// releaseDuplicates releases the mapping's duplicate claims. A failure is
// only logged: the next apply finds the duplicate again and releases it.
func (s *Notes) releaseDuplicates(ctx context.Context, at *autotask.Client, dups []LineClaim) {
	for _, c := range dups {
		_ = s.releaseNote(ctx, at, c, "a duplicate of this configuration's claim on the line")
	}
}

// releaseNote marks a claim note released (PATCH through the contract's
// child route).
func (s *Notes) releaseNote(ctx context.Context, at *autotask.Client, c LineClaim, reason string) error {
	_, err := at.UpdateChild(ctx, autotask.EntityContracts, c.ContractID, autotask.ChildNotes, map[string]any{
		"id":          c.NoteID,
		"title":       claimTitleReleased + strconv.FormatInt(c.LineID, 10),
		"description": releasedDescription(c, reason, s.run.Now()),
	})
	if err != nil {
		return noteUpdateRefused(err, c)
	}
	return nil
}

// ReleaseLineClaim releases a mapping's claim (it is destroyed): one PATCH
// of its note, which EnsureLineClaim made the line's only active note with
// the mapping's token. A note that is already released (taken over, or by
// hand) is simply written again as released.
func (s *Notes) ReleaseLineClaim(ctx context.Context, c LineClaim, reason string) error {
	at, err := s.run.Autotask()
	if err != nil {
		return err
	}
	if c.NoteID <= 0 || c.ContractID <= 0 {
		return nil
	}
	err = s.releaseNote(ctx, at, c, reason)
	if err == nil {
		s.forgetClaims()
		return nil
	}
	var refused *NoteNotEditableError
	if errors.As(err, &refused) {
		return err // says which claim, that it stays active, and how to release it
	}
	if !errors.Is(err, autotask.ErrOutcomeUnknown) {
		return fmt.Errorf("releasing the claim %s: %w; the claim is still active", c.Describe(), err)
	}
	// The answer was lost: read the note back (never from a snapshot) before
	// saying anything about it.
	now, rerr := s.readClaimsOf(context.WithoutCancel(ctx), []int64{c.ContractID})
	if rerr != nil {
		return fmt.Errorf("releasing the claim %s: %w; reading the claims back failed too (%w), so whether the "+
			"claim is still active is not known", c.Describe(), err, rerr)
	}
	for _, active := range now[c.ContractID] {
		if active.NoteID == c.NoteID {
			return fmt.Errorf("releasing the claim %s: %w; read back, the claim is still active", c.Describe(), err)
		}
	}
	s.forgetClaims()
	return nil // the release landed; only its answer was lost
}

// forgetClaims drops the run's read of the claims after this run released
// one, so that a later check (the create of a replaced mapping on the same
// line) reads the line as it is now, not as it was before the release.
func (s *Notes) forgetClaims() { s.run.Invalidate(claimsKey, claimsApplyKey) }

// ReleaseDuplicates releases, when a mapping is destroyed, the claims of its
// own on the line other than the one its state records (a note create that
// landed after the apply that recorded the first): destroy then leaves no
// active claim of this configuration that no state records. onLine is the
// line's claims read now.
func (s *Notes) ReleaseDuplicates(ctx context.Context, onLine []LineClaim, mine Mine, recorded LineClaim, reason string) error {
	at, err := s.run.Autotask()
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range Duplicates(onLine, mine, &recorded) {
		if err := s.releaseNote(ctx, at, c, reason); err != nil {
			errs = append(errs, fmt.Errorf("releasing the duplicate claim %s: %w", c.Describe(), err))
		}
	}
	return errors.Join(errs...)
}

// ClaimLostError says that the mapping's claim stopped holding its line
// during the apply, after it was checked and before the push: another
// configuration took the line over (take_over_claim) or the note was
// released by hand.
type ClaimLostError struct {
	LineID int64
	// Holder is the claim holding the line now (nil when none does).
	Holder *LineClaim
}

func (e *ClaimLostError) Error() string {
	if e.Holder == nil {
		return fmt.Sprintf("this mapping's claim on contract service line %d was released during this apply", e.LineID)
	}
	return fmt.Sprintf("contract service line %d was claimed by %s during this apply", e.LineID, e.Holder.Describe())
}

// CheckStillHeld reads the line's claims (from a read of every claim sent
// less than checkFreshness ago and after heldAt, when the mapping last knew
// its claim held the line; shared by every check of the run, never the
// apply's snapshot) and returns a *ClaimLostError unless the mapping's
// claim, note noteID, still holds the line. The push calls it
// right before it posts, so that a configuration whose claim was taken over
// mid-apply posts nothing (a take-over never lets two configurations push).
func (s *Notes) CheckStillHeld(ctx context.Context, contractID, lineID int64, mine Mine, noteID int64, heldAt time.Time) error {
	if !heldAt.IsZero() && time.Since(heldAt) < checkFreshness {
		// The claim was made or adopted in this apply and its own read-back
		// showed it holding the line less than checkFreshness ago: that read
		// is as fresh as a shared one would be, so no other read is sent
		// (one per new mapping would double the first apply's requests).
		return nil
	}
	onLine, err := s.claimsForCheck(ctx, lineID, heldAt)
	if err != nil {
		return fmt.Errorf("checking the billing claim of contract service line %d before the push: %w", lineID, err)
	}
	st, holder := DecideClaimOf(onLine, mine)
	if st == ClaimHeld && holder.NoteID == noteID {
		return nil
	}
	if st == ClaimFree {
		holder = nil
	}
	return &ClaimLostError{LineID: lineID, Holder: holder}
}

// TakeOverSettle is how long a take-over waits, after it released the
// former owner's claim, before it pushes: the former owner checks its claim
// right before each post (CheckStillHeld), so a post of its that passed the
// check before the release is sent within this time, and the taker's push,
// reading the units afresh after the wait, sees it. A variable so that
// tests may shorten it.
var TakeOverSettle = 5 * time.Second

// checkFreshness is how old the read of the claims that CheckStillHeld
// answers from may be. The checks of an apply share it: about one paged
// query of the claims per second of pushing, whatever the number of lines
// (a query per line would double the requests of a billing run).
// TakeOverSettle covers it and the post that follows the check.
const checkFreshness = time.Second

// checkRead is the shared read of the claims behind CheckStillHeld.
type checkRead struct {
	mu     sync.Mutex
	sentAt time.Time
	snap   *claimSnapshot
}

// claimsForCheck returns the line's active claims from a read of every claim
// sent after notBefore and less than checkFreshness ago (wall clock), reading
// them again when there is none; concurrent callers wait for one read. A
// read sent before notBefore may not show a claim made since (a new
// mapping's), so it is never used for that claim.
func (s *Notes) claimsForCheck(ctx context.Context, lineID int64, notBefore time.Time) ([]LineClaim, error) {
	s.check.mu.Lock()
	defer s.check.mu.Unlock()
	if s.check.snap != nil && s.check.sentAt.After(notBefore) && time.Since(s.check.sentAt) < checkFreshness {
		return s.check.snap.byLine[lineID], nil
	}
	sent := time.Now()
	snap, err := s.loadClaims(ctx)
	if err != nil {
		return nil, err
	}
	s.check.snap, s.check.sentAt = snap, sent
	return snap.byLine[lineID], nil
}
