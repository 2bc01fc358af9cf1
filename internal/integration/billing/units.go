package billing

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
)

// Reading the units in effect on a day without trusting Autotask's date
// filters (issue 11).
//
// ContractServiceUnits dates are date-only: stored as the database's
// calendar date with no time-zone conversion (ref §7.6). How Autotask
// compares a "...T00:00:00Z" filter value with such a column is not settled
// by any public source: read as a UTC instant, or converted to the
// database's zone first (an older client saw exactly this kind of query
// return no rows after a time-zone change). Under the second reading a
// filter "startDate lte D, endDate gte D" misses the row that starts on D
// west of UTC, or ends on D east of it, and the provider would read stale
// units and push the difference again. So the query asks for a window one
// day wider on each side, which holds every row covering D under either
// reading (no zone is more than 14 hours from UTC), and the row in effect is
// chosen here, in code: the row whose dates include D, the latest start
// winning (ref §8 rule 2). INFERRED (ref §8): the boundary convention.
//
// Rows may also lack contractServiceID (generated entity metadata marks it
// optional). Such a row is matched to its line by contractID + serviceID
// when the service is on the contract once; queries therefore select rows
// by contractID, not by contractServiceID.

// unitFields are the ContractServiceUnits fields the billing code reads.
var unitFields = []string{"contractID", "contractServiceID", "serviceID", "startDate", "endDate", "units"}

// unitWindow selects every row that may cover day, whichever way Autotask
// reads the filter values.
func unitWindow(day time.Time) []autotask.Filter {
	day = dateOnly(day)
	return []autotask.Filter{
		autotask.Lte("startDate", autotask.TimeOf(day.AddDate(0, 0, 1))),
		autotask.Gte("endDate", autotask.TimeOf(day.AddDate(0, 0, -1))),
	}
}

// lineRef is where a contract service line lives.
type lineRef struct{ contractID, serviceID int64 }

// lineIndex resolves unit rows to lines.
type lineIndex struct {
	byPair map[lineRef][]int64 // (contract, service) -> contract service ids
}

func newLineIndex() *lineIndex { return &lineIndex{byPair: map[lineRef][]int64{}} }

func (x *lineIndex) add(csID, contractID, serviceID int64) {
	k := lineRef{contractID, serviceID}
	for _, id := range x.byPair[k] {
		if id == csID {
			return
		}
	}
	x.byPair[k] = append(x.byPair[k], csID)
}

// line is the contract service a row belongs to: its contractServiceID, or
// the only line of its contract carrying its service.
func (x *lineIndex) line(r autotask.ContractServiceUnit) (int64, bool) {
	if r.ContractServiceID != 0 {
		return r.ContractServiceID, true
	}
	if ids := x.byPair[lineRef{r.ContractID, r.ServiceID}]; len(ids) == 1 {
		return ids[0], true
	}
	return 0, false
}

// unitsOn picks, per line, the row covering day with the latest start
// (ties: higher row id). Lines with no such row are absent (0 units).
func unitsOn(rows []autotask.ContractServiceUnit, day time.Time, idx *lineIndex) map[int64]int {
	day = dateOnly(day)
	best := map[int64]autotask.ContractServiceUnit{}
	for _, r := range rows {
		if dateOnly(r.StartDate.Time).After(day) || dateOnly(r.EndDate.Time).Before(day) {
			continue
		}
		id, ok := idx.line(r)
		if !ok {
			continue
		}
		b, seen := best[id]
		if !seen || r.StartDate.After(b.StartDate.Time) || (r.StartDate.Equal(b.StartDate.Time) && r.ID > b.ID) {
			best[id] = r
		}
	}
	out := make(map[int64]int, len(best))
	for id, r := range best {
		out[id] = int(r.Units)
	}
	return out
}

// lineBook remembers where contract service lines live, so that later unit
// reads can select them by contract and match rows that lack
// contractServiceID.
type lineBook struct {
	mu    sync.Mutex
	lines map[int64]lineRef
}

// remember records where a line lives.
func (k *lineBook) remember(csID, contractID, serviceID int64) {
	if csID <= 0 || contractID <= 0 {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.lines == nil {
		k.lines = map[int64]lineRef{}
	}
	k.lines[csID] = lineRef{contractID, serviceID}
}

// readUnitsOn reads the units in effect on day on contract service lines:
// one query per 500 contracts (plus one by contractServiceID for lines whose
// contract is not in book). Lines with no row on day hold 0.
func readUnitsOn(ctx context.Context, at *autotask.Client, book *lineBook, ids []int64, day time.Time) (map[int64]int, error) {
	idx := newLineIndex()
	contracts := map[int64]bool{}
	var unknown []int64
	book.mu.Lock()
	for _, id := range ids {
		if ref, ok := book.lines[id]; ok {
			contracts[ref.contractID] = true
			idx.add(id, ref.contractID, ref.serviceID)
		} else {
			unknown = append(unknown, id)
		}
	}
	// Every known line of those contracts takes part in matching, so that
	// a row without contractServiceID is never given to the wrong line.
	for id, ref := range book.lines {
		if contracts[ref.contractID] {
			idx.add(id, ref.contractID, ref.serviceID)
		}
	}
	book.mu.Unlock()
	var rows []autotask.ContractServiceUnit
	if len(contracts) > 0 {
		cids := make([]int64, 0, len(contracts))
		for id := range contracts {
			cids = append(cids, id)
		}
		sort.Slice(cids, func(i, j int) bool { return cids[i] < cids[j] })
		got, err := autotask.Query[autotask.ContractServiceUnit](ctx, at, autotask.EntityContractServiceUnits, autotask.QuerySpec{
			Filter: append([]autotask.Filter{autotask.In("contractID", cids...)}, unitWindow(day)...), IncludeFields: unitFields,
		})
		if err != nil {
			return nil, unitsReadError(ids, err)
		}
		rows = append(rows, got...)
	}
	if len(unknown) > 0 {
		got, err := autotask.Query[autotask.ContractServiceUnit](ctx, at, autotask.EntityContractServiceUnits, autotask.QuerySpec{
			Filter: append([]autotask.Filter{autotask.In("contractServiceID", unknown...)}, unitWindow(day)...), IncludeFields: unitFields,
		})
		if err != nil {
			return nil, unitsReadError(ids, err)
		}
		rows = append(rows, got...)
	}
	all := unitsOn(rows, day, idx)
	out := make(map[int64]int, len(ids))
	for _, id := range ids {
		out[id] = all[id]
	}
	return out, nil
}

func unitsReadError(ids []int64, err error) error {
	if len(ids) == 1 {
		return fmt.Errorf("reading the units of Autotask contract service %d: %w", ids[0], err)
	}
	return fmt.Errorf("reading the units of Autotask contract services %s: %w", contractIDList(ids), err)
}
