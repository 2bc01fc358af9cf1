// Package claims keeps one contract service line billed by one billing
// mapping: inside a configuration (InRun, with the run registry across
// provider aliases) and across configurations (Notes: a claim note on the
// line's contract in Autotask). It reads and writes contract notes only;
// the push itself is billing's.
package claims

import (
	"sync"

	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
)

// Notes reads and writes the claim notes of one run (ownership.go).
type Notes struct {
	run *run.Run
	// adopted holds the tokens of claims a mapping of this run adopted
	// (ClaimResult.Adopted): a mapping destroyed in the same run whose state
	// records such a token (create_before_destroy) leaves the claim to the
	// mapping that adopted it.
	adopted sync.Map
	// check is the shared read behind CheckStillHeld.
	check checkRead
}

// AdoptedInRun reports whether a mapping of this run adopted the claim with
// token.
func (s *Notes) AdoptedInRun(token string) bool {
	_, ok := s.adopted.Load(token)
	return token != "" && ok
}

// NewNotes returns the claim notes of a run.
func NewNotes(r *run.Run) *Notes { return &Notes{run: r} }
