// Package claims keeps one contract service line billed by one billing
// mapping: inside a configuration (InRun, with the run registry across
// provider aliases) and across configurations (Notes: a claim note on the
// line's contract in Autotask). It reads and writes contract notes only;
// the push itself is billing's.
package claims

import "github.com/petrasecurity/terraform-provider-petra/internal/integration/run"

// Notes reads and writes the claim notes of one run (ownership.go).
type Notes struct {
	run *run.Run
}

// NewNotes returns the claim notes of a run.
func NewNotes(r *run.Run) *Notes { return &Notes{run: r} }
