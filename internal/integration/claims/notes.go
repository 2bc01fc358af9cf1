package claims

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
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
// The note's fields are read wherever they stand: Autotask returns a note
// edited in its UI as text only, with its line breaks lost (the ContractNotes
// entity page), and the owner's own claim must still be recognised then.
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
	f := claimFields(n.Description)
	status := claimStatusActive
	if v, ok := f["status"]; ok {
		status = strings.ToLower(firstWord(v))
	}
	c.Owner, c.Tenant = f["owner"], f["tenant"]
	c.Token, c.ClaimedAt = firstWord(f["token"]), firstWord(f["claimed"])
	if c.LineID == 0 {
		c.LineID, _ = strconv.ParseInt(firstWord(f["line"]), 10, 64)
	}
	if status != claimStatusActive || c.LineID <= 0 {
		return LineClaim{}, false
	}
	if c.ClaimedAt == "" && !n.CreateDateTime.IsZero() {
		c.ClaimedAt = n.CreateDateTime.UTC().Format(time.RFC3339)
	}
	return c, true
}

// claimFieldKey finds a field of a claim note: a key at the start of a line
// (any case, as people may type it), or a capitalised key after white space
// (as the provider writes it, when the line breaks are gone). A key in
// quotes, like the instructions' "Status: active", is not a field.
var claimFieldKey = regexp.MustCompile(`(?m)(?:^[ \t]*(?i:(status|line|owner|tenant|claimed|token))|\s(Status|Line|Owner|Tenant|Claimed|Token)):`)

// claimFields reads a note's fields: each value runs to the end of its line
// or to the next field, whichever comes first; the first occurrence of a
// field counts.
func claimFields(desc string) map[string]string {
	out := map[string]string{}
	locs := claimFieldKey.FindAllStringSubmatchIndex(desc, -1)
	for i, m := range locs {
		var key string
		if m[2] >= 0 {
			key = desc[m[2]:m[3]]
		} else {
			key = desc[m[4]:m[5]]
		}
		key = strings.ToLower(key)
		end := len(desc)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		v := desc[m[1]:end]
		if j := strings.IndexAny(v, "\r\n"); j >= 0 {
			v = v[:j]
		}
		if _, seen := out[key]; !seen {
			out[key] = strings.TrimSpace(v)
		}
	}
	return out
}

// firstWord is the first white-space separated word of s ("" for none).
func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
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
	return DecideClaimOf(claims, Mine{Token: token})
}

// Mine says which claims are a mapping's own: the claim its state records
// (Token), and, when the configuration has an owner label of its own
// (Adopt), every claim with that owner label and the mapping's tenant. The
// second kind are claims no state records: made by an apply that was
// interrupted (Ctrl-C, kill -9 of terraform, a CI timeout) or whose note
// create landed late. They are the configuration's own because the label
// names this configuration only (billing_claim_owner set explicitly; the
// default label is shared by every configuration of one API user, so it
// adopts nothing). DESIGN.md, "Claims across configurations".
type Mine struct {
	Token  string
	Owner  string
	Tenant string
	Adopt  bool
}

// Owns reports whether c is the mapping's own claim.
func (m Mine) Owns(c LineClaim) bool {
	if m.Token != "" && c.Token == m.Token {
		return true
	}
	return m.Adopt && m.Owner != "" && m.Tenant != "" && sameLabel(c.Owner, m.Owner) && sameLabel(c.Tenant, m.Tenant)
}

// sameLabel compares labels as a note returns them: white space (line
// breaks lost in a text-only round trip) does not count, case does.
func sameLabel(a, b string) bool {
	return strings.Join(strings.Fields(a), " ") == strings.Join(strings.Fields(b), " ")
}

// DecideClaimOf says who holds a line given its active claims and what is
// the mapping's own. The first claim holds the line; when it is the
// mapping's own, the line is held (by the claim returned, whose token the
// mapping records from then on).
func DecideClaimOf(claims []LineClaim, mine Mine) (ClaimState, *LineClaim) {
	w := claimWinner(claims)
	switch {
	case w == nil:
		return ClaimFree, nil
	case mine.Owns(*w):
		return ClaimHeld, w
	}
	return ClaimTaken, w
}

// Duplicates are the mapping's own active claims other than the holding
// one: each must be released, so that no active claim is left that no state
// records.
func Duplicates(claims []LineClaim, mine Mine, holder *LineClaim) []LineClaim {
	var out []LineClaim
	for _, c := range claims {
		if mine.Owns(c) && (holder == nil || c.NoteID != holder.NoteID) {
			out = append(out, c)
		}
	}
	return out
}
