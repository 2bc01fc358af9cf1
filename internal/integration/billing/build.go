package billing

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/catalog"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
	"golang.org/x/sync/errgroup"
)

// Building contract views: a contract with its lines, their services' names
// and the units in effect today, read together on their own endpoints.

// viewBuilder reads what a ContractView needs, for the snapshot and for
// the contracts read by id.
type viewBuilder struct {
	run     *run.Run
	catalog *catalog.Catalog
	book    *lineBook
}

// contractFields are the Contracts fields the billing code reads.
var contractFields = []string{"id", "companyID", "contractName", "contractType", "status", "startDate", "endDate",
	"contractPeriodType"}

// loadContractsByID reads contracts by id (one `id in` query) with their
// lines; ids Autotask does not return map to nil.
func (s *viewBuilder) loadContractsByID(ctx context.Context, ids []int64) (map[int64]*ContractView, error) {
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
func (s *viewBuilder) buildViews(ctx context.Context, cs []autotask.Contract, scoped bool) (map[int64]*ContractView, error) {
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
			filters := unitWindow(today, today)
			if scoped {
				filters = append(filters, autotask.In("contractID", recurring...))
			}
			var err error
			rows, err = autotask.Query[autotask.ContractServiceUnit](gctx, at, autotask.EntityContractServiceUnits, autotask.QuerySpec{
				Filter: filters, IncludeFields: unitFields,
			})
			if err != nil {
				return fmt.Errorf("reading the units of Autotask contract services: %w", err)
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
		s.book.remember(l.ID, l.ContractID, l.ServiceID)
	}
	ids := make([]int64, len(lines))
	for i, l := range lines {
		ids[i] = l.ID
	}
	timelines := timelinesOf(rows, today, today, idx, ids)
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
			ContractServiceID: l.ID, ServiceID: l.ServiceID, ServiceName: svcNames[l.ServiceID],
			UnitsToday: unitsOrZero(timelines[l.ID], today), Units: timelines[l.ID],
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
func (s *viewBuilder) readServiceNames(ctx context.Context, lines []autotask.ContractService) (map[int64]string, error) {
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

// unitsOrZero is the units on day, 0 when no row covers it (for display).
func unitsOrZero(t Timeline, day time.Time) int {
	n, _ := t.At(day)
	return n
}
