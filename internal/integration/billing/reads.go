package billing

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
)

// The run's reads of contracts, lines, services and units, answered from
// the snapshot (snapshot.go) or read by id.

// Contract returns a contract by id with its lines and today's units, or
// (nil, nil) when Autotask has no such contract (or the API user cannot see
// it).
func (s *Contracts) Contract(ctx context.Context, id int64) (*ContractView, error) {
	snap, err := s.billingSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	if _, ok := snap.contracts[id]; ok {
		vs, err := snap.detailed(ctx, id)
		if err != nil {
			return nil, err
		}
		return vs[0], nil
	}
	if id <= 0 {
		return nil, nil
	}
	return snap.miss(ctx, id)
}

// ContractsForCompany lists a company's contracts of the given types (nil or
// empty means Recurring Service only), ordered by id. Recurring Service
// contracts come from the run's snapshot; other types are queried once per
// company and type list.
func (s *Contracts) ContractsForCompany(ctx context.Context, companyID int64, types []int) ([]*ContractView, error) {
	if len(types) == 0 {
		types = []int{ContractTypeRecurringService}
	}
	want := map[int]bool{}
	var others []int
	for _, t := range types {
		if !want[t] {
			want[t] = true
			if t != ContractTypeRecurringService {
				others = append(others, t)
			}
		}
	}
	var out []*ContractView
	if want[ContractTypeRecurringService] {
		snap, err := s.billingSnapshot(ctx)
		if err != nil {
			return nil, err
		}
		vs, err := snap.detailed(ctx, snap.byCompany[companyID]...)
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	if len(others) > 0 {
		sort.Ints(others)
		parts := make([]string, len(others))
		for i, t := range others {
			parts[i] = strconv.Itoa(t)
		}
		key := fmt.Sprintf("%scompany/%d/types/%s", billingKeyPrefix, companyID, strings.Join(parts, ","))
		views, err := run.Cached(ctx, s.run, key, func(ctx context.Context) ([]*ContractView, error) {
			at, err := s.run.Autotask()
			if err != nil {
				return nil, err
			}
			cs, err := autotask.Query[autotask.Contract](ctx, at, autotask.EntityContracts, autotask.QuerySpec{
				Filter:        []autotask.Filter{autotask.Eq("companyID", companyID), autotask.In("contractType", others...)},
				IncludeFields: contractFields,
			})
			if err != nil {
				return nil, fmt.Errorf("reading the contracts of Autotask company %d: %w", companyID, err)
			}
			m, err := s.views.buildViews(ctx, cs, true)
			if err != nil {
				return nil, err
			}
			vs := make([]*ContractView, 0, len(m))
			for _, v := range m {
				vs = append(vs, v)
			}
			return vs, nil
		})
		if err != nil {
			return nil, err
		}
		out = append(out, views...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Contract.ID < out[j].Contract.ID })
	return out, nil
}

// ContractLineByID finds a contract service (a line) by id and returns its
// contract and the line; (nil, nil, nil) when Autotask has no such line.
// Callers that know the line's contract should ask Contract first: this
// lookup costs a (batched) query when the line is not read yet.
func (s *Contracts) ContractLineByID(ctx context.Context, contractServiceID int64) (*ContractView, *ContractLine, error) {
	snap, err := s.billingSnapshot(ctx)
	if err != nil {
		return nil, nil, err
	}
	snap.mu.Lock()
	contractID, ok := snap.byLine[contractServiceID]
	if !ok {
		contractID, ok = snap.owners[contractServiceID]
	}
	snap.mu.Unlock()
	if !ok {
		if contractID, _, err = snap.lineOwner.Get(ctx, contractServiceID); err != nil {
			return nil, nil, err
		}
	}
	if contractID == 0 {
		return nil, nil, nil
	}
	v, err := s.Contract(ctx, contractID)
	if err != nil || v == nil {
		return nil, nil, err
	}
	l, ok := v.Line(contractServiceID)
	if !ok {
		return v, nil, nil
	}
	return v, &l, nil
}

// ServiceName returns an Autotask Service's name, "" when Autotask has none
// with that id (or the API user cannot see it).
func (s *Contracts) ServiceName(ctx context.Context, serviceID int64) (string, error) {
	snap, err := s.billingSnapshot(ctx)
	if err != nil {
		return "", err
	}
	snap.mu.Lock()
	n, ok := snap.services[serviceID]
	snap.mu.Unlock()
	if ok {
		return n, nil
	}
	if serviceID <= 0 {
		return "", nil
	}
	return run.Cached(ctx, s.run, fmt.Sprintf("%sservice/%d", billingKeyPrefix, serviceID), func(ctx context.Context) (string, error) {
		at, err := s.run.Autotask()
		if err != nil {
			return "", err
		}
		svcs, err := autotask.Query[autotask.Service](ctx, at, autotask.EntityServices, autotask.QuerySpec{
			Filter:        []autotask.Filter{autotask.Eq("id", serviceID)},
			IncludeFields: []string{"id", "name"},
		})
		if err != nil {
			return "", fmt.Errorf("reading Autotask service %d: %w", serviceID, err)
		}
		if len(svcs) == 0 {
			return "", nil
		}
		return svcs[0].Name, nil
	})
}

// LineTimeline returns a contract service's unit rows covering today (the
// Timeline model, units.go; LaterTimeline reads later periods too). With fresh false the run's snapshot answers
// (an empty timeline for a line Autotask does not have). With fresh true
// (apply time) the answer is read after the call began: the first fresh read
// of a line after RefreshBillingForApply comes from the rows that refresh
// read during this apply, every other one from a ContractServiceUnits query
// that concurrent fresh reads share (`contractID in (...)`).
func (s *Contracts) LineTimeline(ctx context.Context, contractServiceID int64, fresh bool) (Timeline, error) {
	if !fresh {
		_, l, err := s.ContractLineByID(ctx, contractServiceID)
		if err != nil || l == nil {
			return Timeline{}, err
		}
		return l.Units, nil
	}
	if snap, ok := run.Peek[*billingSnapshot](s.run, billingSnapshotKey); ok {
		if tl, ok := snap.consume(contractServiceID); ok {
			return tl, nil
		}
	}
	b, err := run.Cached(ctx, s.run, billingFreshKey, func(context.Context) (*run.Batcher[int64, Timeline], error) {
		return run.NewBatcher(batchWindow, false, s.readTimelinesToday), nil
	})
	if err != nil {
		return Timeline{}, err
	}
	tl, _, err := b.Get(ctx, contractServiceID)
	return tl, err
}

// UnitsToday is the units in effect today on a contract service, from
// LineTimeline (0 when no row covers today).
func (s *Contracts) UnitsToday(ctx context.Context, contractServiceID int64, fresh bool) (int, error) {
	tl, err := s.LineTimeline(ctx, contractServiceID, fresh)
	if err != nil {
		return 0, err
	}
	n, _ := tl.At(s.run.Today())
	return n, nil
}

// LaterTimeline returns a contract service's unit rows from today through
// TimelineHorizon: what a line holds in later periods, for a mapping whose
// later periods matter (effective = "next_period" now or before, or a push
// that did not finish). Reading them for every line would multiply a large
// configuration's reads, so the run's bulk read covers today only. With
// fresh false the answer is read once per run and line (concurrent callers
// share one `contractID in` query); with fresh true (apply time) it is read
// after the call began, batched with concurrent fresh reads.
func (s *Contracts) LaterTimeline(ctx context.Context, contractServiceID, contractID, serviceID int64, fresh bool) (Timeline, error) {
	s.book.remember(contractServiceID, contractID, serviceID)
	batcher := func(key string, share bool) (*run.Batcher[int64, Timeline], error) {
		return run.Cached(ctx, s.run, key, func(context.Context) (*run.Batcher[int64, Timeline], error) {
			return run.NewBatcher(batchWindow, share, s.readLaterTimelines), nil
		})
	}
	if fresh {
		b, err := batcher(billingLaterFreshKey, false)
		if err != nil {
			return Timeline{}, err
		}
		tl, _, err := b.Get(ctx, contractServiceID)
		return tl, err
	}
	return run.Cached(ctx, s.run, fmt.Sprintf("%s/%d", billingLaterKey, contractServiceID), func(ctx context.Context) (Timeline, error) {
		b, err := batcher(billingLaterKey, true)
		if err != nil {
			return Timeline{}, err
		}
		tl, _, err := b.Get(ctx, contractServiceID)
		return tl, err
	})
}

// readTimelinesToday reads the unit rows of contract services covering today.
func (s *Contracts) readTimelinesToday(ctx context.Context, ids []int64) (map[int64]Timeline, error) {
	today := s.run.Today()
	return s.readTimelines(ctx, ids, today, today)
}

// readLaterTimelines reads the unit rows of contract services from today
// through TimelineHorizon.
func (s *Contracts) readLaterTimelines(ctx context.Context, ids []int64) (map[int64]Timeline, error) {
	today := s.run.Today()
	return s.readTimelines(ctx, ids, today, today.Add(TimelineHorizon))
}

// readTimelines reads the unit rows of lines covering from .. to (units.go),
// with a query of its own.
func (s *Contracts) readTimelines(ctx context.Context, ids []int64, from, to time.Time) (map[int64]Timeline, error) {
	at, err := s.run.Autotask()
	if err != nil {
		return nil, err
	}
	return readTimelines(ctx, at, s.book, ids, from, to)
}
