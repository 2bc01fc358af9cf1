package integration

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
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

// Claim note texts. Titles carry the state so that one query (title
// beginsWith claimTitleActive) reads every active claim of the account.
const (
	claimTitleActive   = "Petra billing claim: line "
	claimTitleReleased = "Petra billing claim released: line "
	claimStatusActive  = "active"
	claimStatusRelease = "released"
)

// claimRereadWindow is how long a claim's read-back waits for others to
// join its query: mappings created together (Terraform's parallelism) then
// share one query instead of one each. Only the first apply of a new
// mapping pays it.
const claimRereadWindow = 100 * time.Millisecond

// claimNoteFields are the ContractNotes fields the claim reads need.
var claimNoteFields = []string{"id", "contractID", "title", "description", "createDateTime"}

// claimNotesFilter selects active claim notes. INFERRED (ref §4, §13): that
// ContractNotes.title is queryable with beginsWith (the entity page lists
// title as a plain string field; string comparison is case-insensitive).
func claimNotesFilter(contractIDs ...int64) []autotask.Filter {
	f := []autotask.Filter{autotask.BeginsWith("title", strings.TrimSpace(claimTitleActive))}
	if len(contractIDs) > 0 {
		f = append(f, autotask.In("contractID", contractIDs...))
	}
	return f
}

// LineClaim is one active claim of a contract service line.
type LineClaim struct {
	NoteID     int64
	ContractID int64
	LineID     int64
	Owner      string
	Tenant     string
	Token      string
	ClaimedAt  string
}

// Describe names the claim for people.
func (c LineClaim) Describe() string {
	parts := []string{}
	if c.Tenant != "" {
		parts = append(parts, "tenant "+c.Tenant)
	}
	if c.ClaimedAt != "" {
		parts = append(parts, "claimed "+c.ClaimedAt)
	}
	parts = append(parts, fmt.Sprintf("contract note %d on contract %d", c.NoteID, c.ContractID))
	owner := c.Owner
	if owner == "" {
		owner = "an unnamed owner"
	}
	return fmt.Sprintf("%q (%s)", owner, strings.Join(parts, ", "))
}

// parseClaimNote reads a claim note; ok is false for notes that are not an
// active claim (another title, or released by hand: "Status: released").
func parseClaimNote(n autotask.ContractNote) (LineClaim, bool) {
	title := strings.TrimSpace(n.Title)
	prefix := strings.TrimSpace(claimTitleActive)
	if len(title) < len(prefix) || !strings.EqualFold(title[:len(prefix)], prefix) {
		return LineClaim{}, false
	}
	c := LineClaim{NoteID: n.ID, ContractID: n.ContractID}
	if id, err := strconv.ParseInt(strings.TrimSpace(title[len(prefix):]), 10, 64); err == nil && id > 0 {
		c.LineID = id
	}
	status := claimStatusActive
	for _, line := range strings.Split(n.Description, "\n") {
		k, v, found := strings.Cut(line, ":")
		if !found {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "status":
			status = strings.ToLower(v)
		case "owner":
			c.Owner = v
		case "tenant":
			c.Tenant = v
		case "token":
			c.Token = v
		case "claimed":
			c.ClaimedAt = v
		case "line":
			if c.LineID == 0 {
				num, _, _ := strings.Cut(v, " ")
				c.LineID, _ = strconv.ParseInt(num, 10, 64)
			}
		}
	}
	if status != claimStatusActive || c.LineID <= 0 {
		return LineClaim{}, false
	}
	if c.ClaimedAt == "" && !n.CreateDateTime.IsZero() {
		c.ClaimedAt = n.CreateDateTime.UTC().Format(time.RFC3339)
	}
	return c, true
}

// ClaimIdentity is who claims: the provider's owner label, the tenant and
// the line's service name (for the note's text).
type ClaimIdentity struct {
	Owner       string
	Tenant      string
	ServiceName string
}

// claimDescription is an active claim's note text.
func claimDescription(line int64, id ClaimIdentity, token string, at time.Time) string {
	svc := ""
	if id.ServiceName != "" {
		svc = fmt.Sprintf(" (%s)", id.ServiceName)
	}
	return fmt.Sprintf("The Petra Terraform provider bills this contract service line: it sets the line's unit count "+
		"on each apply. While this claim is active, any other Terraform configuration that maps the line fails "+
		"instead of billing it a second time.\n\n"+
		"Status: %s\nLine: %d%s\nOwner: %s\nTenant: %s\nClaimed: %s\nToken: %s\n\n"+
		"To release this claim, destroy the billing mapping in the owner's configuration, or edit this note and change "+
		"\"Status: active\" to \"Status: released\". To move the line to another configuration on purpose, set "+
		"take_over_claim = true on its billing mapping.",
		claimStatusActive, line, svc, oneLine(id.Owner), oneLine(id.Tenant), at.UTC().Format(time.RFC3339), token)
}

// releasedDescription is a released claim's note text.
func releasedDescription(c LineClaim, reason string, at time.Time) string {
	return fmt.Sprintf("This billing claim of the Petra Terraform provider was released: the line may be claimed by "+
		"another configuration.\n\nStatus: %s\nLine: %d\nOwner: %s\nTenant: %s\nClaimed: %s\nToken: %s\nReleased: %s (%s)",
		claimStatusRelease, c.LineID, oneLine(c.Owner), oneLine(c.Tenant), c.ClaimedAt, c.Token,
		at.UTC().Format(time.RFC3339), oneLine(reason))
}

// oneLine keeps a value on one line of a note.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }), " ")
}

// NewClaimToken returns a fresh owner token.
func NewClaimToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// claimWinner is the claim that holds the line: the active claim with the
// lowest note id (the first created). INFERRED (ref §5): ids ascend with
// creation.
func claimWinner(claims []LineClaim) *LineClaim {
	if len(claims) == 0 {
		return nil
	}
	w := claims[0]
	for _, c := range claims[1:] {
		if c.NoteID < w.NoteID {
			w = c
		}
	}
	return &w
}

// ClaimState is what the claims say about one mapping's line.
type ClaimState int

const (
	// ClaimHeld: the mapping's own claim holds the line.
	ClaimHeld ClaimState = iota
	// ClaimFree: no active claim; the mapping claims the line when it pushes.
	ClaimFree
	// ClaimTaken: another owner's claim holds the line.
	ClaimTaken
)

// DecideClaim says who holds a line given its active claims and the
// mapping's token ("" for a mapping that has none yet). winner is the
// holding claim (nil when free).
func DecideClaim(claims []LineClaim, token string) (ClaimState, *LineClaim) {
	w := claimWinner(claims)
	switch {
	case w == nil:
		return ClaimFree, nil
	case token != "" && w.Token == token:
		return ClaimHeld, w
	}
	return ClaimTaken, w
}

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
func (s *Service) loadClaims(ctx context.Context) (*claimSnapshot, error) {
	at, err := s.Autotask()
	if err != nil {
		return nil, err
	}
	snap := &claimSnapshot{loadedAt: s.now(), byLine: map[int64][]LineClaim{}}
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
func (s *Service) ClaimsOnLine(ctx context.Context, lineID int64) ([]LineClaim, error) {
	snap, err := cached(ctx, s, claimsKey, s.loadClaims)
	if err != nil {
		return nil, err
	}
	return snap.byLine[lineID], nil
}

// RefreshClaimsForApply makes the apply's claim checks see Autotask as it is
// now: the first apply-time caller reloads the claims unless the run read
// them moments ago (the apply's own re-plan), and the others share that.
func (s *Service) RefreshClaimsForApply(ctx context.Context) error {
	_, err := cached(ctx, s, claimsApplyKey, func(ctx context.Context) (struct{}, error) {
		if snap, ok := peek[*claimSnapshot](s, claimsKey); ok && s.now().Sub(snap.loadedAt) < applyReuseWindow {
			return struct{}{}, nil
		}
		s.Invalidate(claimsKey)
		_, err := cached(ctx, s, claimsKey, s.loadClaims)
		return struct{}{}, err
	})
	return err
}

// claimsOfContracts reads the active claims of contracts now (never from a
// snapshot), batched with concurrent callers that have not been sent yet.
func (s *Service) claimsOfContracts(ctx context.Context, contractID int64) ([]LineClaim, error) {
	b, err := cached(ctx, s, claimsRereadKey, func(context.Context) (*batcher[int64, []LineClaim], error) {
		return newBatcher(claimRereadWindow, false, s.readClaimsOf), nil
	})
	if err != nil {
		return nil, err
	}
	cs, _, err := b.get(ctx, contractID)
	return cs, err
}

func (s *Service) readClaimsOf(ctx context.Context, contractIDs []int64) (map[int64][]LineClaim, error) {
	at, err := s.Autotask()
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
}

// ClaimResult is the mapping's claim after EnsureLineClaim.
type ClaimResult struct {
	Token  string
	NoteID int64
	// TookOver lists the claims released by a take-over.
	TookOver []LineClaim
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
// answers); otherwise it creates a claim note, reads the line's claims back
// and keeps the line only if its note is the first active one. Another
// owner's claim is a *ClaimConflictError unless req.TakeOver, which
// releases it first.
func (s *Service) EnsureLineClaim(ctx context.Context, req ClaimRequest) (ClaimResult, error) {
	var res ClaimResult
	at, err := s.Autotask()
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
	state, holder := DecideClaim(claims, req.Token)
	switch state {
	case ClaimHeld:
		// A note of ours that landed late (its create's answer was lost) is
		// a duplicate: release it so that the line keeps one active claim.
		for _, c := range claims {
			if c.Token == req.Token && c.NoteID != holder.NoteID {
				_ = s.releaseNote(ctx, at, c, "a duplicate of this mapping's claim")
			}
		}
		return ClaimResult{Token: req.Token, NoteID: holder.NoteID}, nil
	case ClaimTaken:
		if !req.TakeOver {
			return res, &ClaimConflictError{LineID: req.LineID, Holder: *holder}
		}
		for _, c := range claims {
			if req.Token != "" && c.Token == req.Token {
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
		Description: claimDescription(req.LineID, req.Identity, token, s.Now()),
	}
	for attempt := 1; ; attempt++ {
		_, cerr := at.CreateChild(ctx, autotask.EntityContracts, req.ContractID, autotask.ChildNotes, body)
		if cerr != nil && !errors.Is(cerr, autotask.ErrOutcomeUnknown) {
			return res, fmt.Errorf("claiming contract service line %d (creating a note on contract %d): %w", req.LineID, req.ContractID, cerr)
		}
		// Read the line's claims back: the first active claim holds it.
		all, rerr := s.claimsOfContracts(ctx, req.ContractID)
		if rerr != nil {
			return res, fmt.Errorf("claiming contract service line %d: %w", req.LineID, rerr)
		}
		mine := onLine(all, req.LineID)
		state, holder = DecideClaim(mine, token)
		switch state {
		case ClaimHeld:
			res.NoteID = holder.NoteID
			// A create whose answer was lost and was sent again may have left
			// a second note of ours: keep the first, so that state names the
			// only active one.
			for _, c := range mine {
				if c.Token == token && c.NoteID != holder.NoteID {
					_ = s.releaseNote(ctx, at, c, "a duplicate of this mapping's claim")
				}
			}
			return res, nil
		case ClaimTaken:
			// Another owner claimed the line first: release every note of
			// ours on it, push nothing.
			for _, c := range mine {
				if c.Token == token {
					_ = s.releaseNote(ctx, at, c, fmt.Sprintf("claimed concurrently by %q, who was first", holder.Owner))
				}
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

// releaseNote marks a claim note released (PATCH through the contract's
// child route).
func (s *Service) releaseNote(ctx context.Context, at *autotask.Client, c LineClaim, reason string) error {
	_, err := at.UpdateChild(ctx, autotask.EntityContracts, c.ContractID, autotask.ChildNotes, map[string]any{
		"id":          c.NoteID,
		"title":       claimTitleReleased + strconv.FormatInt(c.LineID, 10),
		"description": releasedDescription(c, reason, s.Now()),
	})
	return err
}

// ReleaseLineClaim releases a mapping's claim (it is destroyed): one PATCH
// of its note, which EnsureLineClaim made the line's only active note with
// the mapping's token. A note that is already released (taken over, or by
// hand) is simply written again as released.
func (s *Service) ReleaseLineClaim(ctx context.Context, c LineClaim, reason string) error {
	at, err := s.Autotask()
	if err != nil {
		return err
	}
	if c.NoteID <= 0 || c.ContractID <= 0 {
		return nil
	}
	if err := s.releaseNote(ctx, at, c, reason); err != nil {
		return fmt.Errorf("releasing the claim %s: %w", c.Describe(), err)
	}
	return nil
}
