package acctest

import (
	"context"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
)

// ClaimNoteTitle starts the title of an active billing claim (a contract
// note the provider writes on a billed line's contract).
const ClaimNoteTitle = "Petra billing claim: line "

// ClaimNotes lists the contract's notes that are active billing claims, read
// through the Autotask API, in id order.
func (e *Env) ClaimNotes(t testing.TB, contractID int64) []autotask.ContractNote {
	t.Helper()
	notes, err := autotask.Query[autotask.ContractNote](context.Background(), e.AT, autotask.EntityContractNotes, autotask.QuerySpec{
		Filter: []autotask.Filter{autotask.Eq("contractID", contractID), autotask.BeginsWith("title", strings.TrimSpace(ClaimNoteTitle))},
	})
	if err != nil {
		t.Fatalf("reading the claim notes of contract %d: %v", contractID, err)
	}
	var out []autotask.ContractNote
	for _, n := range notes {
		released := false
		for _, line := range strings.Split(n.Description, "\n") {
			if strings.EqualFold(strings.TrimSpace(line), "Status: released") {
				released = true
			}
		}
		if !released {
			out = append(out, n)
		}
	}
	return out
}
