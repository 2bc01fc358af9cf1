package claims

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
)

// A claim as a contract note: its title, its text, and how both are read
// back (ownership.go says why claims live in notes).

// Claim note texts. Titles carry the state so that one query (title
// beginsWith claimTitleActive) reads every active claim of the account.
const (
	claimTitleActive   = "Petra billing claim: line "
	claimTitleReleased = "Petra billing claim released: line "
	claimStatusActive  = "active"
	claimStatusRelease = "released"
)

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
