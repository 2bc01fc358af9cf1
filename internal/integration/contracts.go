package integration

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
)

// Billing reads (ref §7.2-§7.5, §8).
//
// Strategy (DESIGN.md, "Performance"): on first need in a provider run, read
// the list of ALL Recurring Service contracts (contractType 7, any status,
// a few fields) in full pages of 500: cheap (2 requests per 1,000 contracts)
// and enough to answer "does this contract exist, whose is it, is it in
// effect". The expensive part, service lines (ContractServices) and the units
// in effect today (ContractServiceUnits, per line the row with the latest
// startDate wins, ref §8), is read only for the contracts asked for, in
// batches: concurrent callers within detailBatchWindow share one
// `contractID in (...)` query. Each batch also prefetches the contracts of
// the companies that tenant mappings looked up in this run (the billing
// mappings of those tenants come next), and after maxDetailBatches batches
// the rest of the account is read in one go. So a plan of 10 mappings reads
// the lines of about 10 contracts, and a plan of 1,000 reads every line in
// full pages, never one request per mapping. A contract id not in the list
// (a Time & Materials contract mapped by mistake, or one created after the
// list was read) is fetched by id; misses that arrive together share one
// `id in` query.
//
// Apply-time checks must see Autotask as it is now, not as it was at plan:
// the first apply-time caller starts a new snapshot (RefreshBillingForApply)
// and every later caller of the run shares it. The units that snapshot read
// also answer the first UnitsToday(fresh) of each line (the read before a
// push); every later fresh read goes to Autotask, batched.

// Cache keys of the billing reads. Everything under billingKeyPrefix is
// dropped by InvalidateBilling.
const (
	billingKeyPrefix   = "autotask/billing/"
	billingSnapshotKey = billingKeyPrefix + "snapshot"
	billingApplyKey    = billingKeyPrefix + "apply-refresh"
	billingFreshKey    = billingKeyPrefix + "fresh-units"
)

// batchWindow is how long the first caller of a batch waits for others to
// join its query. Terraform plans and applies up to -parallelism (default
// 10) resources at once, and their calls arrive within a few milliseconds.
const batchWindow = 20 * time.Millisecond

// maxDetailBatches is how many on-demand batches of service lines and units
// a snapshot reads before it reads the rest of the account at once: beyond
// that, the configuration is large and full pages are cheaper than batches
// bounded by Terraform's parallelism.
const maxDetailBatches = 2

// applyReuseWindow is how old a snapshot may be for RefreshBillingForApply
// to keep it rather than read Autotask again. Terraform re-plans every
// resource right before applying it (ModifyPlan runs again in the apply
// process), so the snapshot those checks read moments ago is as current as
// a reload would be; a plan the user approved minutes ago is not.
const applyReuseWindow = 30 * time.Second

// contractFields are the Contracts fields the billing code reads.
var contractFields = []string{"id", "companyID", "contractName", "contractType", "status", "startDate", "endDate",
	"contractPeriodType"}

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

// billingSnapshot is one provider run's (or one apply's) view of the billing
// data: every Recurring Service contract, and the lines and units of those
// read so far. Views, once built, are never changed.
type billingSnapshot struct {
	s *Service
	// forApply marks the snapshot RefreshBillingForApply started or kept:
	// its units were read during the apply.
	forApply bool
	// loadedAt is when the contract list was read.
	loadedAt time.Time

	contracts map[int64]autotask.Contract // every Recurring Service contract, by id
	byCompany map[int64][]int64           // company id -> contract ids, ascending

	details   *batcher[int64, struct{}]      // reads lines and units of contracts
	misses    *batcher[int64, *ContractView] // reads contracts not in the list
	lineOwner *batcher[int64, int64]         // contract service id -> contract id

	mu         sync.Mutex
	views      map[int64]*ContractView // contracts whose lines and units are read
	byLine     map[int64]int64         // contract service id -> contract id
	services   map[int64]string        // service id -> name
	missed     map[int64]*ContractView // contracts read by id (nil: none)
	owners     map[int64]int64         // line lookups (0: no such line)
	batches    int                     // detail batches read
	loading    map[int64]chan struct{} // contracts whose details a batch is reading (closed when done)
	unconsumed map[int64]bool          // forApply: lines whose units have not answered a fresh read yet
	freshSeen  map[int64]bool          // lines a fresh read asked for (maybe pushed since): never unconsumed
}

// billingSnapshot returns the run's snapshot, loading the contract list on
// first need.
func (s *Service) billingSnapshot(ctx context.Context) (*billingSnapshot, error) {
	if _, err := s.Autotask(); err != nil {
		return nil, err
	}
	return cached(ctx, s, billingSnapshotKey, func(ctx context.Context) (*billingSnapshot, error) {
		return s.loadSnapshot(ctx, false)
	})
}

// loadSnapshot reads the list of Recurring Service contracts in full pages.
func (s *Service) loadSnapshot(ctx context.Context, forApply bool) (*billingSnapshot, error) {
	at, err := s.Autotask()
	if err != nil {
		return nil, err
	}
	// Every view needs the company names and contract type labels: read them
	// (once per run, shared with the tenant mappings) while the contract
	// list is read, on their own endpoints. A failure here is not this
	// load's: building views reads them again and reports it.
	var prefetch sync.WaitGroup
	prefetch.Go(func() { _, _ = s.Companies(ctx) })
	prefetch.Go(func() { s.contractTypeLabels(ctx) })
	cs, err := autotask.Query[autotask.Contract](ctx, at, autotask.EntityContracts, autotask.QuerySpec{
		Filter:        []autotask.Filter{autotask.Eq("contractType", ContractTypeRecurringService)},
		IncludeFields: contractFields,
	})
	prefetch.Wait()
	if err != nil {
		return nil, fmt.Errorf("reading Autotask Recurring Service contracts: %w", err)
	}
	snap := &billingSnapshot{
		s: s, forApply: forApply, loadedAt: s.now(),
		contracts: make(map[int64]autotask.Contract, len(cs)), byCompany: map[int64][]int64{},
		views: map[int64]*ContractView{}, byLine: map[int64]int64{}, services: map[int64]string{},
		missed: map[int64]*ContractView{}, owners: map[int64]int64{}, unconsumed: map[int64]bool{},
		loading: map[int64]chan struct{}{}, freshSeen: map[int64]bool{},
	}
	for _, c := range cs {
		snap.contracts[c.ID] = c
		snap.byCompany[c.CompanyID] = append(snap.byCompany[c.CompanyID], c.ID)
	}
	for _, ids := range snap.byCompany {
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	}
	snap.details = newBatcher(batchWindow, true, snap.loadDetails)
	snap.misses = newBatcher(batchWindow, true, snap.loadMisses)
	snap.lineOwner = newBatcher(batchWindow, true, snap.loadLineOwners)
	return snap, nil
}

// detailed returns the views of Recurring Service contracts of the list,
// reading the lines and units of those not read yet in one batch (or
// waiting for the batch already reading them).
func (b *billingSnapshot) detailed(ctx context.Context, ids ...int64) ([]*ContractView, error) {
	for {
		b.mu.Lock()
		var missing []int64
		var waits []chan struct{}
		for _, id := range ids {
			if b.views[id] != nil {
				continue
			}
			if ch := b.loading[id]; ch != nil {
				waits = append(waits, ch)
			} else {
				missing = append(missing, id)
			}
		}
		b.mu.Unlock()
		if len(missing) == 0 && len(waits) == 0 {
			break
		}
		for _, ch := range waits {
			select {
			case <-ch:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if len(missing) > 0 {
			if err := b.details.getAll(ctx, missing); err != nil {
				return nil, err
			}
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]*ContractView, len(ids))
	for i, id := range ids {
		out[i] = b.views[id]
		if out[i] == nil {
			// Unreachable: a successful batch holds every id it was given.
			return nil, fmt.Errorf("the service lines of Autotask contract %d were not read; run the command again", id)
		}
	}
	return out, nil
}

// loadDetails reads the lines, today's units and service names of the asked
// contracts, plus the prefetch: the contracts of the companies looked up in
// this run, or, from the maxDetailBatches-th batch on, every contract not
// read yet.
func (b *billingSnapshot) loadDetails(ctx context.Context, asked []int64) (map[int64]struct{}, error) {
	b.mu.Lock()
	b.batches++
	want := map[int64]bool{}
	for _, id := range asked {
		if b.views[id] == nil {
			want[id] = true
		}
	}
	if b.batches >= maxDetailBatches {
		for id := range b.contracts {
			if b.views[id] == nil {
				want[id] = true
			}
		}
	} else {
		for _, company := range b.s.companyHints() {
			for _, id := range b.byCompany[company] {
				if b.views[id] == nil {
					want[id] = true
				}
			}
		}
	}
	b.mu.Unlock()
	return nil, b.readViews(ctx, want)
}

// readViews reads the lines, today's units and service names of the wanted
// contracts of the list, except those already read or being read by another
// batch, and stores their views.
func (b *billingSnapshot) readViews(ctx context.Context, want map[int64]bool) error {
	b.mu.Lock()
	cs := make([]autotask.Contract, 0, len(want))
	done := make(chan struct{})
	for id := range want {
		if b.views[id] != nil || b.loading[id] != nil {
			continue // read already, or another batch is reading it
		}
		cs = append(cs, b.contracts[id])
		b.loading[id] = done
	}
	b.mu.Unlock()
	sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
	views, err := b.s.buildViews(ctx, cs, true)
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range cs {
		delete(b.loading, c.ID)
	}
	close(done)
	if err != nil {
		return err
	}
	for id, v := range views {
		b.views[id] = v
		for _, l := range v.Lines {
			b.byLine[l.ContractServiceID] = id
			if l.ServiceName != "" {
				b.services[l.ServiceID] = l.ServiceName
			}
			if b.forApply && !b.freshSeen[l.ContractServiceID] {
				b.unconsumed[l.ContractServiceID] = true
			}
		}
	}
	return nil
}

// miss returns a contract that is not in the list (another type, or created
// since), read by id and remembered for the run; nil when Autotask has none.
func (b *billingSnapshot) miss(ctx context.Context, id int64) (*ContractView, error) {
	b.mu.Lock()
	v, known := b.missed[id]
	b.mu.Unlock()
	if known {
		return v, nil
	}
	v, _, err := b.misses.get(ctx, id)
	return v, err
}

func (b *billingSnapshot) loadMisses(ctx context.Context, ids []int64) (map[int64]*ContractView, error) {
	views, err := b.s.loadContractsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, id := range ids {
		b.missed[id] = views[id]
	}
	return views, nil
}

// loadLineOwners finds the contracts of contract services by id.
func (b *billingSnapshot) loadLineOwners(ctx context.Context, ids []int64) (map[int64]int64, error) {
	at, err := b.s.Autotask()
	if err != nil {
		return nil, err
	}
	lines, err := autotask.Query[autotask.ContractService](ctx, at, autotask.EntityContractServices, autotask.QuerySpec{
		Filter:        []autotask.Filter{autotask.In("id", ids...)},
		IncludeFields: []string{"id", "contractID", "serviceID"},
	})
	if err != nil {
		return nil, fmt.Errorf("reading Autotask contract services %s: %w", contractIDList(ids), err)
	}
	out := make(map[int64]int64, len(lines))
	for _, l := range lines {
		out[l.ID] = l.ContractID
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, id := range ids {
		b.owners[id] = out[id]
	}
	return out, nil
}

// consume returns the units the apply snapshot read for a line, once: the
// read before a push. Later fresh reads of the line go to Autotask, and a
// batch that merges afterwards never makes the line answerable again.
func (b *billingSnapshot) consume(contractServiceID int64) (int, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	// A line read fresh once may have been pushed since: units a batch read
	// before that push must never answer for it.
	b.freshSeen[contractServiceID] = true
	if !b.forApply || !b.unconsumed[contractServiceID] {
		return 0, false
	}
	delete(b.unconsumed, contractServiceID)
	v := b.views[b.byLine[contractServiceID]]
	l, ok := v.Line(contractServiceID)
	return l.UnitsToday, ok
}

// Contract returns a contract by id with its lines and today's units, or
// (nil, nil) when Autotask has no such contract (or the API user cannot see
// it).
func (s *Service) Contract(ctx context.Context, id int64) (*ContractView, error) {
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

// RefreshBillingForApply makes the billing snapshot current for apply-time
// checks: the first call of a run starts a new snapshot, unless the run's
// snapshot was read less than applyReuseWindow ago (by the re-plan Terraform
// makes right before applying), and every later call shares that decision
// (InvalidateBilling starts over). The snapshot's units also answer the
// first UnitsToday(fresh) of each line, the read before a push.
func (s *Service) RefreshBillingForApply(ctx context.Context) error {
	_, err := cached(ctx, s, billingApplyKey, func(ctx context.Context) (struct{}, error) {
		if snap, ok := peek[*billingSnapshot](s, billingSnapshotKey); ok && s.now().Sub(snap.loadedAt) < applyReuseWindow {
			snap.markForApply()
			return struct{}{}, nil
		}
		s.Invalidate(billingSnapshotKey)
		_, err := cached(ctx, s, billingSnapshotKey, func(ctx context.Context) (*billingSnapshot, error) {
			return s.loadSnapshot(ctx, true)
		})
		return struct{}{}, err
	})
	return err
}

// markForApply makes a young snapshot the apply's: the units it has read,
// and those it reads from now on, answer one fresh read per line.
func (b *billingSnapshot) markForApply() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.forApply = true
	for id := range b.byLine {
		if !b.freshSeen[id] {
			b.unconsumed[id] = true
		}
	}
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
// Callers that know the line's contract should ask Contract first: this
// lookup costs a (batched) query when the line is not read yet.
func (s *Service) ContractLineByID(ctx context.Context, contractServiceID int64) (*ContractView, *ContractLine, error) {
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
		if contractID, _, err = snap.lineOwner.get(ctx, contractServiceID); err != nil {
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
func (s *Service) ServiceName(ctx context.Context, serviceID int64) (string, error) {
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
// fresh false the run's snapshot answers (0 for a line Autotask does not
// have). With
// fresh true (apply time) the answer is read after the call began: the first
// fresh read of a line after RefreshBillingForApply comes from the units that
// refresh read during this apply, every other one from a ContractServiceUnits
// query that concurrent fresh reads share (`contractServiceID in (...)`).
func (s *Service) UnitsToday(ctx context.Context, contractServiceID int64, fresh bool) (int, error) {
	if !fresh {
		_, l, err := s.ContractLineByID(ctx, contractServiceID)
		if err != nil || l == nil {
			return 0, err // no such line: nothing is in effect
		}
		return l.UnitsToday, nil
	}
	if snap, ok := peek[*billingSnapshot](s, billingSnapshotKey); ok {
		if n, ok := snap.consume(contractServiceID); ok {
			return n, nil
		}
	}
	b, err := cached(ctx, s, billingFreshKey, func(context.Context) (*batcher[int64, int], error) {
		return newBatcher(batchWindow, false, s.readUnitsToday), nil
	})
	if err != nil {
		return 0, err
	}
	n, _, err := b.get(ctx, contractServiceID)
	if err != nil {
		return 0, err
	}
	return n, nil
}

// readUnitsToday reads the units in effect today on contract services
// (units.go: a date window, the row chosen in code); a line with no row
// covering today holds 0 units.
func (s *Service) readUnitsToday(ctx context.Context, ids []int64) (map[int64]int, error) {
	return s.readUnitsOn(ctx, ids, s.Today())
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
//
// The reads that do not depend on one another run at the same time, each on
// its own endpoint: the company names and contract type labels, the lines,
// and the units (whose query names the contracts, not the lines). Only the
// service names wait, for the service ids the lines carry. So a batch waits
// for the longest of these chains, not for their sum.
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
	g, gctx := errgroup.WithContext(ctx)
	var companies []autotask.Company
	var labels map[int]string
	g.Go(func() error {
		var err error
		companies, err = s.Companies(gctx)
		return err
	})
	g.Go(func() error {
		labels = s.contractTypeLabels(gctx)
		return nil
	})
	// Only Recurring Service contracts carry service lines (ref §7.3).
	var lines []autotask.ContractService
	var svcNames map[int64]string
	var rows []autotask.ContractServiceUnit
	today := s.Today()
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
func (s *Service) readServiceNames(ctx context.Context, lines []autotask.ContractService) (map[int64]string, error) {
	if len(lines) == 0 {
		return nil, nil
	}
	at, err := s.Autotask()
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
