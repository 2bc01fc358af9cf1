package integration

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
)

// Billing reads (ref §7.2-§7.5, §8).
//
// Strategy (a later performance pass may tune it): on first need in a
// provider run, load ALL Recurring Service contracts (contractType 7, any
// status) in full pages of 500, then their service lines (ContractServices
// with contractID in (...); the client splits lists over 500 values), then
// every ContractServiceUnits row in effect today (startDate <= today <=
// endDate, paged; per line the row with the latest startDate wins, ref §8),
// then the Services those lines reference (id in (...)). Every billing mapping
// of the run is checked against that one snapshot, so a plan of hundreds of
// mappings costs a handful of paged queries instead of several requests per
// mapping. A contract id not in the snapshot (a Time & Materials contract
// mapped by mistake, or one created after the snapshot was read) is fetched
// by id; misses that arrive together are batched into one `id in` query.
//
// Apply-time checks must see Autotask as it is now, not as it was at plan:
// the first apply-time caller reloads the snapshot (RefreshBillingForApply)
// and every later caller of the run shares that reload.

// Cache keys of the billing reads. Everything under billingKeyPrefix is
// dropped by InvalidateBilling.
const (
	billingKeyPrefix   = "autotask/billing/"
	billingSnapshotKey = billingKeyPrefix + "snapshot"
	billingMissesKey   = billingKeyPrefix + "misses"
	billingApplyKey    = billingKeyPrefix + "apply-refresh"
)

// missBatchWindow is how long the first contract-id miss waits for others
// to join its `id in` query. Terraform checks up to 10 resources at once, so
// misses from one plan usually arrive within a few milliseconds.
const missBatchWindow = 20 * time.Millisecond

// contractFields are the Contracts fields the billing code reads.
var contractFields = []string{"id", "companyID", "contractName", "contractType", "status", "startDate", "endDate"}

// ContractLine is one service line of a Recurring Service contract.
type ContractLine struct {
	ContractServiceID int64
	ServiceID         int64
	// ServiceName is the Service's name ("" when the API user cannot see it).
	ServiceName string
	// UnitsToday is the unit count in effect today (0 when no
	// ContractServiceUnits row covers today).
	UnitsToday int
}

// ContractView is a contract as the billing checks and the contracts data
// source see it. Views are shared by every caller of a run: treat them as
// read-only.
type ContractView struct {
	Contract autotask.Contract
	// CompanyName is the name of the contract's company ("" when unknown).
	CompanyName string
	// TypeLabel names the contract type, e.g. "Recurring Service" (from the
	// Contracts field metadata; "type N" when the picklist has no label).
	TypeLabel string
	// Lines are the contract's service lines ordered by contract service id.
	Lines []ContractLine
	// Occurrences maps a service id to how many lines carry it.
	Occurrences map[int64]int
}

// LineForService returns the contract's only line for serviceID. ok is false
// when the service is on no line or on more than one.
func (v *ContractView) LineForService(serviceID int64) (line ContractLine, ok bool) {
	if v == nil || v.Occurrences[serviceID] != 1 {
		return ContractLine{}, false
	}
	for _, l := range v.Lines {
		if l.ServiceID == serviceID {
			return l, true
		}
	}
	return ContractLine{}, false
}

// Line returns the line with the given contract service id.
func (v *ContractView) Line(contractServiceID int64) (ContractLine, bool) {
	if v == nil {
		return ContractLine{}, false
	}
	for _, l := range v.Lines {
		if l.ContractServiceID == contractServiceID {
			return l, true
		}
	}
	return ContractLine{}, false
}

// StatusLabel is "Active" or "Inactive" (ref §7.2).
func (v *ContractView) StatusLabel() string {
	if v.Contract.Status == ContractStatusActive {
		return "Active"
	}
	return "Inactive"
}

// Facts converts a view into what CheckBillingTarget needs; nil (contract not
// found) stays nil.
func Facts(v *ContractView) *ContractFacts {
	if v == nil {
		return nil
	}
	counts := make(map[int64]int, len(v.Occurrences))
	for k, n := range v.Occurrences {
		counts[k] = n
	}
	return &ContractFacts{
		ID:           v.Contract.ID,
		Name:         v.Contract.ContractName,
		CompanyID:    v.Contract.CompanyID,
		CompanyName:  v.CompanyName,
		Type:         v.Contract.ContractType,
		TypeLabel:    v.TypeLabel,
		Status:       v.Contract.Status,
		StartDate:    v.Contract.StartDate.Time,
		EndDate:      v.Contract.EndDate.Time,
		ServiceCount: counts,
	}
}

// billingSnapshot is every Recurring Service contract with its lines.
type billingSnapshot struct {
	views     map[int64]*ContractView // by contract id
	byLine    map[int64]int64         // contract service id -> contract id
	byCompany map[int64][]int64       // company id -> contract ids, ascending
	services  map[int64]string        // service id -> name
}

// Contract returns a contract by id with its lines and today's units, or
// (nil, nil) when Autotask has no such contract (or the API user cannot see
// it).
func (s *Service) Contract(ctx context.Context, id int64) (*ContractView, error) {
	snap, err := s.billingSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	if v, ok := snap.views[id]; ok {
		return v, nil
	}
	if id <= 0 {
		return nil, nil
	}
	misses, err := cached(ctx, s, billingMissesKey, func(context.Context) (*missBatcher, error) {
		return &missBatcher{entries: map[int64]*missEntry{}}, nil
	})
	if err != nil {
		return nil, err
	}
	return misses.get(ctx, id, s.loadContractsByID)
}

// RefreshBillingForApply makes the billing snapshot current for apply-time
// checks: the first call of a run reloads it from Autotask and every later
// call shares that reload (InvalidateBilling starts over).
func (s *Service) RefreshBillingForApply(ctx context.Context) error {
	_, err := cached(ctx, s, billingApplyKey, func(ctx context.Context) (struct{}, error) {
		s.Invalidate(billingSnapshotKey, billingMissesKey)
		_, err := s.billingSnapshot(ctx)
		return struct{}{}, err
	})
	return err
}

// InvalidateBilling drops the billing snapshot (contracts, lines, units,
// services and contract-id misses), so the next read sees Autotask as it is
// now.
func (s *Service) InvalidateBilling() { s.Invalidate(billingKeyPrefix) }

// ContractsForCompany lists a company's contracts of the given types (nil or
// empty means Recurring Service only), ordered by id. Recurring Service
// contracts come from the run's snapshot; other types are queried once per
// company and type list.
func (s *Service) ContractsForCompany(ctx context.Context, companyID int64, types []int) ([]*ContractView, error) {
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
		for _, id := range snap.byCompany[companyID] {
			out = append(out, snap.views[id])
		}
	}
	if len(others) > 0 {
		sort.Ints(others)
		parts := make([]string, len(others))
		for i, t := range others {
			parts[i] = strconv.Itoa(t)
		}
		key := fmt.Sprintf("%scompany/%d/types/%s", billingKeyPrefix, companyID, strings.Join(parts, ","))
		views, err := cached(ctx, s, key, func(ctx context.Context) ([]*ContractView, error) {
			at, err := s.Autotask()
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
func (s *Service) ContractLineByID(ctx context.Context, contractServiceID int64) (*ContractView, *ContractLine, error) {
	snap, err := s.billingSnapshot(ctx)
	if err != nil {
		return nil, nil, err
	}
	contractID, ok := snap.byLine[contractServiceID]
	if !ok {
		at, err := s.Autotask()
		if err != nil {
			return nil, nil, err
		}
		lines, err := autotask.Query[autotask.ContractService](ctx, at, autotask.EntityContractServices, autotask.QuerySpec{
			Filter:        []autotask.Filter{autotask.Eq("id", contractServiceID)},
			IncludeFields: []string{"id", "contractID", "serviceID"},
		})
		if err != nil {
			return nil, nil, fmt.Errorf("reading Autotask contract service %d: %w", contractServiceID, err)
		}
		if len(lines) == 0 {
			return nil, nil, nil
		}
		contractID = lines[0].ContractID
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
func (s *Service) ServiceName(ctx context.Context, serviceID int64) (string, error) {
	snap, err := s.billingSnapshot(ctx)
	if err != nil {
		return "", err
	}
	if n, ok := snap.services[serviceID]; ok {
		return n, nil
	}
	if serviceID <= 0 {
		return "", nil
	}
	return cached(ctx, s, fmt.Sprintf("%sservice/%d", billingKeyPrefix, serviceID), func(ctx context.Context) (string, error) {
		at, err := s.Autotask()
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
// fresh false the run's snapshot answers when it knows the line; with fresh
// true (apply time) one query asks Autotask now.
func (s *Service) UnitsToday(ctx context.Context, contractServiceID int64, fresh bool) (int, error) {
	if !fresh {
		snap, err := s.billingSnapshot(ctx)
		if err != nil {
			return 0, err
		}
		if cid, ok := snap.byLine[contractServiceID]; ok {
			if l, ok := snap.views[cid].Line(contractServiceID); ok {
				return l.UnitsToday, nil
			}
		}
	}
	at, err := s.Autotask()
	if err != nil {
		return 0, err
	}
	rows, err := autotask.Query[autotask.ContractServiceUnit](ctx, at, autotask.EntityContractServiceUnits, autotask.QuerySpec{
		Filter:        append([]autotask.Filter{autotask.Eq("contractServiceID", contractServiceID)}, s.todayFilters()...),
		IncludeFields: unitFields,
	})
	if err != nil {
		return 0, fmt.Errorf("reading the units of Autotask contract service %d: %w", contractServiceID, err)
	}
	return unitsInEffect(rows)[contractServiceID], nil
}

// unitFields are the ContractServiceUnits fields the billing code reads.
var unitFields = []string{"contractServiceID", "startDate", "endDate", "units"}

// todayFilters select the ContractServiceUnits rows covering today (ref §8).
func (s *Service) todayFilters() []autotask.Filter {
	d := autotask.TimeOf(s.Today())
	return []autotask.Filter{autotask.Lte("startDate", d), autotask.Gte("endDate", d)}
}

// unitsInEffect picks, per contract service, the row with the latest
// startDate (ref §8 rule 2). INFERRED (ref §8): at an adjustment boundary the
// day may be in two rows (end date inclusive); the later row is the one in
// effect. Ties go to the higher row id.
func unitsInEffect(rows []autotask.ContractServiceUnit) map[int64]int {
	best := map[int64]autotask.ContractServiceUnit{}
	for _, r := range rows {
		b, ok := best[r.ContractServiceID]
		if !ok || r.StartDate.After(b.StartDate.Time) || (r.StartDate.Equal(b.StartDate.Time) && r.ID > b.ID) {
			best[r.ContractServiceID] = r
		}
	}
	out := make(map[int64]int, len(best))
	for id, r := range best {
		out[id] = int(r.Units)
	}
	return out
}

// billingSnapshot returns the run's snapshot, loading it on first need.
func (s *Service) billingSnapshot(ctx context.Context) (*billingSnapshot, error) {
	at, err := s.Autotask()
	if err != nil {
		return nil, err
	}
	return cached(ctx, s, billingSnapshotKey, func(ctx context.Context) (*billingSnapshot, error) {
		cs, err := autotask.Query[autotask.Contract](ctx, at, autotask.EntityContracts, autotask.QuerySpec{
			Filter:        []autotask.Filter{autotask.Eq("contractType", ContractTypeRecurringService)},
			IncludeFields: contractFields,
		})
		if err != nil {
			return nil, fmt.Errorf("reading Autotask Recurring Service contracts: %w", err)
		}
		views, err := s.buildViews(ctx, cs, false)
		if err != nil {
			return nil, err
		}
		snap := &billingSnapshot{
			views:     views,
			byLine:    map[int64]int64{},
			byCompany: map[int64][]int64{},
			services:  map[int64]string{},
		}
		for id, v := range views {
			snap.byCompany[v.Contract.CompanyID] = append(snap.byCompany[v.Contract.CompanyID], id)
			for _, l := range v.Lines {
				snap.byLine[l.ContractServiceID] = id
				if l.ServiceName != "" {
					snap.services[l.ServiceID] = l.ServiceName
				}
			}
		}
		for _, ids := range snap.byCompany {
			sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		}
		return snap, nil
	})
}

// loadContractsByID reads contracts by id (one `id in` query) with their
// lines; ids Autotask does not return map to nil.
func (s *Service) loadContractsByID(ctx context.Context, ids []int64) (map[int64]*ContractView, error) {
	at, err := s.Autotask()
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
func (s *Service) buildViews(ctx context.Context, cs []autotask.Contract, scoped bool) (map[int64]*ContractView, error) {
	at, err := s.Autotask()
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
	companies, err := s.Companies(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(companies))
	for _, c := range companies {
		names[c.ID] = c.CompanyName
	}
	labels := s.contractTypeLabels(ctx)
	for _, v := range views {
		v.CompanyName = names[v.Contract.CompanyID]
		v.TypeLabel = labels[v.Contract.ContractType]
		if v.TypeLabel == "" {
			v.TypeLabel = fmt.Sprintf("type %d", v.Contract.ContractType)
		}
	}
	// Only Recurring Service contracts carry service lines (ref §7.3).
	if len(recurring) == 0 {
		return views, nil
	}
	lines, err := autotask.Query[autotask.ContractService](ctx, at, autotask.EntityContractServices, autotask.QuerySpec{
		Filter:        []autotask.Filter{autotask.In("contractID", recurring...)},
		IncludeFields: []string{"id", "contractID", "serviceID"},
	})
	if err != nil {
		return nil, fmt.Errorf("reading the service lines of Autotask contracts: %w", err)
	}
	if len(lines) == 0 {
		return views, nil
	}
	filters := s.todayFilters()
	if scoped {
		filters = append(filters, autotask.In("contractID", recurring...))
	}
	rows, err := autotask.Query[autotask.ContractServiceUnit](ctx, at, autotask.EntityContractServiceUnits, autotask.QuerySpec{
		Filter: filters, IncludeFields: unitFields,
	})
	if err != nil {
		return nil, fmt.Errorf("reading today's units of Autotask contract services: %w", err)
	}
	units := unitsInEffect(rows)
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
	svcNames := make(map[int64]string, len(svcs))
	for _, sv := range svcs {
		svcNames[sv.ID] = sv.Name
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

// contractTypeLabels reads the contractType picklist labels from the
// Contracts field metadata (the client caches it per run). A failure only
// costs the labels: callers fall back to "type N".
func (s *Service) contractTypeLabels(ctx context.Context) map[int]string {
	out := map[int]string{}
	at, err := s.Autotask()
	if err != nil {
		return out
	}
	fields, err := at.Fields(ctx, autotask.EntityContracts)
	if err != nil {
		return out
	}
	f, ok := autotask.FindField(fields, "contractType")
	if !ok {
		return out
	}
	for _, p := range f.PicklistValues {
		if n, err := strconv.Atoi(strings.TrimSpace(p.Value)); err == nil {
			out[n] = p.Label
		}
	}
	return out
}

// ContractTypePicklist returns the contract types Autotask knows, by value,
// with their labels (from the Contracts field metadata).
func (s *Service) ContractTypePicklist(ctx context.Context) (map[int]string, error) {
	at, err := s.Autotask()
	if err != nil {
		return nil, err
	}
	fields, err := at.Fields(ctx, autotask.EntityContracts)
	if err != nil {
		return nil, fmt.Errorf("reading the Autotask contract types: %w", err)
	}
	out := map[int]string{}
	if f, ok := autotask.FindField(fields, "contractType"); ok {
		for _, p := range f.PicklistValues {
			if n, err := strconv.Atoi(strings.TrimSpace(p.Value)); err == nil {
				out[n] = p.Label
			}
		}
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

// missBatcher gathers contract ids missing from the snapshot and reads them
// with one `id in` query per batch window. Results (found or not) are kept for
// the run; a failed read is forgotten so the next caller retries.
type missBatcher struct {
	mu      sync.Mutex
	entries map[int64]*missEntry
	pending []int64
}

type missEntry struct {
	done chan struct{}
	view *ContractView
	err  error
}

// get returns the contract for id, joining (or starting) the current batch.
func (b *missBatcher) get(ctx context.Context, id int64, load func(context.Context, []int64) (map[int64]*ContractView, error)) (*ContractView, error) {
	b.mu.Lock()
	e, ok := b.entries[id]
	if !ok {
		e = &missEntry{done: make(chan struct{})}
		b.entries[id] = e
		b.pending = append(b.pending, id)
		if len(b.pending) == 1 {
			// The batch outlives any one caller's cancellation: its result
			// belongs to every waiter.
			loadCtx := context.WithoutCancel(ctx)
			time.AfterFunc(missBatchWindow, func() { b.flush(loadCtx, load) })
		}
	}
	b.mu.Unlock()
	select {
	case <-e.done:
		return e.view, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (b *missBatcher) flush(ctx context.Context, load func(context.Context, []int64) (map[int64]*ContractView, error)) {
	b.mu.Lock()
	ids := b.pending
	b.pending = nil
	b.mu.Unlock()
	views, err := load(ctx, ids)
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, id := range ids {
		e := b.entries[id]
		e.view, e.err = views[id], err
		if err != nil {
			delete(b.entries, id)
		}
		close(e.done)
	}
}
