package billing

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
)

// The run's reads of contracts, lines, services and units, answered from
// the snapshot (snapshot.go) or read by id.

// contractFields are the Contracts fields the billing code reads.
var contractFields = []string{"id", "companyID", "contractName", "contractType", "status", "startDate", "endDate",
	"contractPeriodType"}

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
			m, err := s.buildViews(ctx, cs, true)
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

// UnitsToday returns the units in effect today on a contract service. With
// fresh false the run's snapshot answers (0 for a line Autotask does not
// have). With
// fresh true (apply time) the answer is read after the call began: the first
// fresh read of a line after RefreshBillingForApply comes from the units that
// refresh read during this apply, every other one from a ContractServiceUnits
// query that concurrent fresh reads share (`contractServiceID in (...)`).
func (s *Contracts) UnitsToday(ctx context.Context, contractServiceID int64, fresh bool) (int, error) {
	if !fresh {
		_, l, err := s.ContractLineByID(ctx, contractServiceID)
		if err != nil || l == nil {
			return 0, err // no such line: nothing is in effect
		}
		return l.UnitsToday, nil
	}
	if snap, ok := run.Peek[*billingSnapshot](s.run, billingSnapshotKey); ok {
		if n, ok := snap.consume(contractServiceID); ok {
			return n, nil
		}
	}
	b, err := run.Cached(ctx, s.run, billingFreshKey, func(context.Context) (*run.Batcher[int64, int], error) {
		return run.NewBatcher(batchWindow, false, s.readUnitsToday), nil
	})
	if err != nil {
		return 0, err
	}
	n, _, err := b.Get(ctx, contractServiceID)
	if err != nil {
		return 0, err
	}
	return n, nil
}

// readUnitsToday reads the units in effect today on contract services
// (units.go: a date window, the row chosen in code); a line with no row
// covering today holds 0 units.
func (s *Contracts) readUnitsToday(ctx context.Context, ids []int64) (map[int64]int, error) {
	return s.readUnitsOn(ctx, ids, s.run.Today())
}

// loadContractsByID reads contracts by id (one `id in` query) with their
// lines; ids Autotask does not return map to nil.
func (s *Contracts) loadContractsByID(ctx context.Context, ids []int64) (map[int64]*ContractView, error) {
	at, err := s.run.Autotask()
	if err != nil {
		return nil, err
	}
	cs, err := autotask.Query[autotask.Contract](ctx, at, autotask.EntityContracts, autotask.QuerySpec{
		Filter:        []autotask.Filter{autotask.In("id", ids...)},
		IncludeFields: contractFields,
	})
	if err != nil {
		return nil, fmt.Errorf("reading Autotask contracts %s: %w", contractIDList(ids), err)
	}
	return s.buildViews(ctx, cs, true)
}

// buildViews reads the lines, today's units and service names of contracts.
// scoped limits the units query to these contracts (otherwise every row in
// effect today is read, which is what the full snapshot wants).
//
// The reads that do not depend on one another run at the same time, each on
// its own endpoint: the company names and contract type labels, the lines,
// and the units (whose query names the contracts, not the lines). Only the
// service names wait, for the service ids the lines carry. So a batch waits
// for the longest of these chains, not for their sum.
func (s *Contracts) buildViews(ctx context.Context, cs []autotask.Contract, scoped bool) (map[int64]*ContractView, error) {
	at, err := s.run.Autotask()
	if err != nil {
		return nil, err
	}
	views := make(map[int64]*ContractView, len(cs))
	var recurring []int64
	for _, c := range cs {
		views[c.ID] = &ContractView{Contract: c, Occurrences: map[int64]int{}}
		if c.ContractType == ContractTypeRecurringService {
			recurring = append(recurring, c.ID)
		}
	}
	if len(cs) == 0 {
		return views, nil
	}
	g, gctx := errgroup.WithContext(ctx)
	var companies []autotask.Company
	var labels map[int]string
	g.Go(func() error {
		var err error
		companies, err = s.catalog.Companies(gctx)
		return err
	})
	g.Go(func() error {
		labels = s.catalog.ContractTypeLabels(gctx)
		return nil
	})
	// Only Recurring Service contracts carry service lines (ref §7.3).
	var lines []autotask.ContractService
	var svcNames map[int64]string
	var rows []autotask.ContractServiceUnit
	today := s.run.Today()
	if len(recurring) > 0 {
		g.Go(func() error {
			var err error
			lines, err = autotask.Query[autotask.ContractService](gctx, at, autotask.EntityContractServices, autotask.QuerySpec{
				Filter:        []autotask.Filter{autotask.In("contractID", recurring...)},
				IncludeFields: []string{"id", "contractID", "serviceID"},
			})
			if err != nil {
				return fmt.Errorf("reading the service lines of Autotask contracts: %w", err)
			}
			svcNames, err = s.readServiceNames(gctx, lines)
			return err
		})
		g.Go(func() error {
			// The window's rows name their contract, so this query needs
			// nothing from the lines; matching rows to lines waits for both.
			filters := unitWindow(today)
			if scoped {
				filters = append(filters, autotask.In("contractID", recurring...))
			}
			var err error
			rows, err = autotask.Query[autotask.ContractServiceUnit](gctx, at, autotask.EntityContractServiceUnits, autotask.QuerySpec{
				Filter: filters, IncludeFields: unitFields,
			})
			if err != nil {
				return fmt.Errorf("reading today's units of Autotask contract services: %w", err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	idx := newLineIndex()
	for _, l := range lines {
		idx.add(l.ID, l.ContractID, l.ServiceID)
		s.rememberLine(l.ID, l.ContractID, l.ServiceID)
	}
	units := unitsOn(rows, today, idx)
	names := make(map[int64]string, len(companies))
	for _, c := range companies {
		names[c.ID] = c.CompanyName
	}
	for _, v := range views {
		v.CompanyName = names[v.Contract.CompanyID]
		v.TypeLabel = labels[v.Contract.ContractType]
		if v.TypeLabel == "" {
			v.TypeLabel = fmt.Sprintf("type %d", v.Contract.ContractType)
		}
	}
	for _, l := range lines {
		v := views[l.ContractID]
		if v == nil {
			continue
		}
		v.Lines = append(v.Lines, ContractLine{
			ContractServiceID: l.ID, ServiceID: l.ServiceID, ServiceName: svcNames[l.ServiceID], UnitsToday: units[l.ID],
		})
		v.Occurrences[l.ServiceID]++
	}
	for _, v := range views {
		sort.Slice(v.Lines, func(i, j int) bool { return v.Lines[i].ContractServiceID < v.Lines[j].ContractServiceID })
	}
	return views, nil
}

// readServiceNames reads the names of the services the lines carry (one
// `id in` query); none when there are no lines.
func (s *Contracts) readServiceNames(ctx context.Context, lines []autotask.ContractService) (map[int64]string, error) {
	if len(lines) == 0 {
		return nil, nil
	}
	at, err := s.run.Autotask()
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	var serviceIDs []int64
	for _, l := range lines {
		if !seen[l.ServiceID] {
			seen[l.ServiceID] = true
			serviceIDs = append(serviceIDs, l.ServiceID)
		}
	}
	svcs, err := autotask.Query[autotask.Service](ctx, at, autotask.EntityServices, autotask.QuerySpec{
		Filter:        []autotask.Filter{autotask.In("id", serviceIDs...)},
		IncludeFields: []string{"id", "name"},
	})
	if err != nil {
		return nil, fmt.Errorf("reading the Autotask services on contracts: %w", err)
	}
	out := make(map[int64]string, len(svcs))
	for _, sv := range svcs {
		out[sv.ID] = sv.Name
	}
	return out, nil
}

func contractIDList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ", ")
}
