// Package billing is a contract service line's units and the push that sets
// them: the run's view of Recurring Service contracts (snapshot.go,
// reads.go), the units in effect on a day (units.go), the seed texts'
// plan-time checks (checks.go), billing periods (periods.go), and the push
// with its read-back and settle rules (push.go), with Autotask's refusals
// explained (refusals.go). It writes to Autotask only in push.go, through
// the Autotask client.
//
// The billing path, for a newcomer: checks.go (the plan check) → push.go
// (the push and its read-back) → units.go (what the line holds on a day).
package billing

import (
	"sync"

	"github.com/petrasecurity/terraform-provider-petra/internal/integration/catalog"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
)

// Contracts reads the run's billing data: contracts, their lines and the
// units in effect, in bulk and cached for the run.
type Contracts struct {
	run     *run.Run
	catalog *catalog.Catalog

	mu sync.Mutex
	// lines remembers where contract service lines live (units.go).
	lines map[int64]lineRef
}

// NewContracts returns the billing reads of a run; the company names of the
// views come from cat.
func NewContracts(r *run.Run, cat *catalog.Catalog) *Contracts {
	return &Contracts{run: r, catalog: cat, lines: map[int64]lineRef{}}
}

// Pusher sets the units of contract service lines (push.go).
type Pusher struct {
	run       *run.Run
	contracts *Contracts
	// pushTiming says how pushes wait for unconfirmed adjustments.
	pushTiming PushTiming
}

// NewPusher returns the pusher of a run; zero fields of timing take the
// defaults.
func NewPusher(c *Contracts, timing PushTiming) *Pusher {
	return &Pusher{run: c.run, contracts: c, pushTiming: timing}
}
