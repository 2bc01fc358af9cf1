// Package access is what the Autotask API user may do and which database it
// is: the one-pass permission verification behind the connection resource,
// the connection's identity (the database id), and whether restricted access
// may hide billing rows. It reads Autotask only.
package access

import "github.com/petrasecurity/terraform-provider-petra/internal/integration/run"

// Access verifies the API user of one run.
type Access struct {
	run *run.Run
}

// New returns the access checks of a run.
func New(r *run.Run) *Access { return &Access{run: r} }
