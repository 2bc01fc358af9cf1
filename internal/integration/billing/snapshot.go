package billing

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
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
// also answer the first LineTimeline(fresh) of each line (the read before a
// push); every later fresh read goes to Autotask, batched.

// Cache keys of the billing reads. Everything under billingKeyPrefix is
// dropped by InvalidateBilling.
const (
	billingKeyPrefix   = "autotask/billing/"
	billingSnapshotKey = billingKeyPrefix + "snapshot"
	billingApplyKey    = billingKeyPrefix + "apply-refresh"
	billingFreshKey    = billingKeyPrefix + "fresh-units"
	// LaterTimeline's per-run reads and its fresh (apply-time) batches.
	billingLaterKey      = billingKeyPrefix + "later-units"
	billingLaterFreshKey = billingKeyPrefix + "later-units-fresh"
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

// billingSnapshot is one provider run's (or one apply's) view of the billing
// data: every Recurring Service contract, and the lines and units of those
// read so far. Views, once built, are never changed.
type billingSnapshot struct {
	run     *run.Run
	builder *viewBuilder
	// forApply marks the snapshot RefreshBillingForApply started or kept:
	// its units were read during the apply.
	forApply bool
	// loadedAt is when the contract list was read.
	loadedAt time.Time

	contracts map[int64]autotask.Contract // every Recurring Service contract, by id
	byCompany map[int64][]int64           // company id -> contract ids, ascending

	details   *run.Batcher[int64, struct{}]      // reads lines and units of contracts
	misses    *run.Batcher[int64, *ContractView] // reads contracts not in the list
	lineOwner *run.Batcher[int64, int64]         // contract service id -> contract id

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

// newSnapshot reads the list of Recurring Service contracts in full pages.
func newSnapshot(ctx context.Context, r *run.Run, vb *viewBuilder, forApply bool) (*billingSnapshot, error) {
	at, err := r.Autotask()
	if err != nil {
		return nil, err
	}
	// Every view needs the company names and contract type labels: read them
	// (once per run, shared with the tenant mappings) while the contract
	// list is read, on their own endpoints. A failure here is not this
	// load's: building views reads them again and reports it.
	var prefetch sync.WaitGroup
	prefetch.Go(func() { _, _ = vb.catalog.Companies(ctx) })
	prefetch.Go(func() { vb.catalog.ContractTypeLabels(ctx) })
	cs, err := autotask.Query[autotask.Contract](ctx, at, autotask.EntityContracts, autotask.QuerySpec{
		Filter:        []autotask.Filter{autotask.Eq("contractType", ContractTypeRecurringService)},
		IncludeFields: contractFields,
	})
	prefetch.Wait()
	if err != nil {
		return nil, fmt.Errorf("reading Autotask Recurring Service contracts: %w", err)
	}
	snap := &billingSnapshot{
		run: r, builder: vb, forApply: forApply, loadedAt: r.Now(),
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
	snap.details = run.NewBatcher(batchWindow, true, snap.loadDetails)
	snap.misses = run.NewBatcher(batchWindow, true, snap.loadMisses)
	snap.lineOwner = run.NewBatcher(batchWindow, true, snap.loadLineOwners)
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
			if err := b.details.GetAll(ctx, missing); err != nil {
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
		for _, company := range b.run.CompanyHints() {
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
	views, err := b.builder.buildViews(ctx, cs, true)
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
	v, _, err := b.misses.Get(ctx, id)
	return v, err
}

func (b *billingSnapshot) loadMisses(ctx context.Context, ids []int64) (map[int64]*ContractView, error) {
	views, err := b.builder.loadContractsByID(ctx, ids)
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
	at, err := b.run.Autotask()
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
func (b *billingSnapshot) consume(contractServiceID int64) (Timeline, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	// A line read fresh once may have been pushed since: units a batch read
	// before that push must never answer for it.
	b.freshSeen[contractServiceID] = true
	if !b.forApply || !b.unconsumed[contractServiceID] {
		return Timeline{}, false
	}
	delete(b.unconsumed, contractServiceID)
	v := b.views[b.byLine[contractServiceID]]
	l, ok := v.Line(contractServiceID)
	return l.Units, ok
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
