package billing

import (
	"context"

	"github.com/petrasecurity/terraform-provider-petra/internal/integration/catalog"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
)

// Contracts reads the run's billing data: contracts, their lines and the
// units in effect, in bulk and cached for the run.
type Contracts struct {
	run     *run.Run
	catalog *catalog.Catalog

	// views reads contracts' lines, services and units (build.go).
	views *viewBuilder
	// book remembers where contract service lines live (units.go).
	book *lineBook
}

// NewContracts returns the billing reads of a run; the company names of the
// views come from cat.
func NewContracts(r *run.Run, cat *catalog.Catalog) *Contracts {
	book := &lineBook{lines: map[int64]lineRef{}}
	return &Contracts{run: r, catalog: cat, book: book, views: &viewBuilder{run: r, catalog: cat, book: book}}
}

// billingSnapshot returns the run's snapshot, loading the contract list on
// first need.
func (s *Contracts) billingSnapshot(ctx context.Context) (*billingSnapshot, error) {
	if _, err := s.run.Autotask(); err != nil {
		return nil, err
	}
	return run.Cached(ctx, s.run, billingSnapshotKey, func(ctx context.Context) (*billingSnapshot, error) {
		return newSnapshot(ctx, s.run, s.views, false)
	})
}

// RefreshBillingForApply makes the billing snapshot current for apply-time
// checks: the first call of a run starts a new snapshot, unless the run's
// snapshot was read less than run.ApplyReuseWindow ago (by the re-plan Terraform
// makes right before applying), and every later call shares that decision
// (InvalidateBilling starts over). The snapshot's units also answer the
// first LineTimeline(fresh) of each line, the read before a push.
func (s *Contracts) RefreshBillingForApply(ctx context.Context) error {
	_, err := run.Cached(ctx, s.run, billingApplyKey, func(ctx context.Context) (struct{}, error) {
		if snap, ok := run.Peek[*billingSnapshot](s.run, billingSnapshotKey); ok && s.run.Now().Sub(snap.loadedAt) < run.ApplyReuseWindow {
			snap.markForApply()
			return struct{}{}, nil
		}
		s.run.Invalidate(billingSnapshotKey)
		_, err := run.Cached(ctx, s.run, billingSnapshotKey, func(ctx context.Context) (*billingSnapshot, error) {
			return newSnapshot(ctx, s.run, s.views, true)
		})
		return struct{}{}, err
	})
	return err
}

// InvalidateBilling drops the billing snapshot (contracts, lines, units,
// services and contract-id misses), so the next read sees Autotask as it is
// now.
func (s *Contracts) InvalidateBilling() { s.run.Invalidate(billingKeyPrefix) }
