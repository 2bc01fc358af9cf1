package billing

import (
	"context"
	"fmt"
	"sync"
)

// LineRef names a billing target the way a billing mapping does: a service
// on a contract.
type LineRef struct {
	ContractID, ServiceID int64
}

// LineState is what Autotask holds for a LineRef in this run's snapshot.
type LineState struct {
	// View is the contract (nil when Autotask has no such contract, or the
	// API user cannot see it).
	View *ContractView
	// Line is the service's line; Found is false when the contract does not
	// carry the service exactly once (then Problem says why).
	Line    ContractLine
	Found   bool
	Problem string
}

// Lines resolves many billing targets at once: contracts of the run's
// snapshot whose lines and units are not read yet are read together (one
// batch, so its queries name many contracts), and contracts not in the list
// of Recurring Service contracts are read by id in one shared query. The
// answer is what the billing mappings' plan-time checks of the same run see.
func (s *Contracts) Lines(ctx context.Context, refs []LineRef) (map[LineRef]LineState, error) {
	snap, err := s.billingSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	var listed, others []int64
	for _, r := range refs {
		if seen[r.ContractID] {
			continue
		}
		seen[r.ContractID] = true
		if _, ok := snap.contracts[r.ContractID]; ok {
			listed = append(listed, r.ContractID)
		} else if r.ContractID > 0 {
			others = append(others, r.ContractID)
		}
	}
	views := make(map[int64]*ContractView, len(seen))
	// The lines asked for are the configuration's, known in full: read
	// exactly those (one read, whatever batches the mappings' own calls make
	// meanwhile), not a batch that the batching heuristics would count or
	// widen to the rest of the account.
	want := make(map[int64]bool, len(listed))
	for _, id := range listed {
		want[id] = true
	}
	if err := snap.readViews(ctx, want); err != nil {
		return nil, err
	}
	vs, err := snap.detailed(ctx, listed...)
	if err != nil {
		return nil, err
	}
	for i, id := range listed {
		views[id] = vs[i]
	}
	// Contracts not in the list join one batch of `id in` reads.
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr error
	for _, id := range others {
		wg.Go(func() {
			v, err := snap.miss(ctx, id)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			views[id] = v
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	out := make(map[LineRef]LineState, len(refs))
	for _, r := range refs {
		v := views[r.ContractID]
		st := LineState{View: v}
		switch n := v.occurrences(r.ServiceID); {
		case v == nil:
			st.Problem = fmt.Sprintf("Autotask has no contract %d (or the API user cannot see it)", r.ContractID)
		case v.Contract.ContractType != ContractTypeRecurringService:
			st.Problem = fmt.Sprintf("contract %d is not a Recurring Service contract", r.ContractID)
		case n == 0:
			st.Problem = fmt.Sprintf("service %d is not on contract %d", r.ServiceID, r.ContractID)
		case n > 1:
			st.Problem = fmt.Sprintf("service %d is on contract %d %d times", r.ServiceID, r.ContractID, n)
		default:
			st.Line, st.Found = v.LineForService(r.ServiceID)
		}
		out[r] = st
	}
	return out, nil
}
