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
var unitFields = []string{"id", "contractID", "contractServiceID", "serviceID", "startDate", "endDate", "units"}

// TimelineHorizon is how far past today a line's later periods are read
// (Contracts.LaterTimeline): far enough to hold the next billing period of a
// yearly contract and the periods after the next one of monthly and
// quarterly contracts. A later-dated adjustment beyond it (made by hand) is
// not seen, so not reconciled.
const TimelineHorizon = 400 * 24 * time.Hour

// unitWindow selects every row that may cover a day from from to to,
// whichever way Autotask reads the filter values.
func unitWindow(from, to time.Time) []autotask.Filter {
	from, to = dateOnly(from), dateOnly(to)
	return []autotask.Filter{
		autotask.Lte("startDate", autotask.TimeOf(to.AddDate(0, 0, 1))),
		autotask.Gte("endDate", autotask.TimeOf(from.AddDate(0, 0, -1))),
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

// timelinesOf groups rows by line: every line in want gets a timeline
// covering from .. to (empty when no row matched it).
func timelinesOf(rows []autotask.ContractServiceUnit, from, to time.Time, idx *lineIndex, want []int64) map[int64]Timeline {
	from = dateOnly(from)
	byLine := map[int64][]unitRow{}
	for _, r := range rows {
		id, ok := idx.line(r)
		if !ok {
			continue
		}
		byLine[id] = append(byLine[id], unitRow{start: dateOnly(r.StartDate.Time), end: dateOnly(r.EndDate.Time), units: int(r.Units), id: r.ID})
	}
	out := make(map[int64]Timeline, len(want))
	for _, id := range want {
		out[id] = newTimeline(byLine[id], from, to)
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

// readTimelines reads the unit rows of contract service lines covering the
// days from .. to: one query per 500 contracts (plus one by
// contractServiceID for lines whose contract is not in book).
func readTimelines(ctx context.Context, at *autotask.Client, book *lineBook, ids []int64, from, to time.Time) (map[int64]Timeline, error) {
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
			Filter: append([]autotask.Filter{autotask.In("contractID", cids...)}, unitWindow(from, to)...), IncludeFields: unitFields,
		})
		if err != nil {
			return nil, unitsReadError(ids, err)
		}
		rows = append(rows, got...)
	}
	if len(unknown) > 0 {
		got, err := autotask.Query[autotask.ContractServiceUnit](ctx, at, autotask.EntityContractServiceUnits, autotask.QuerySpec{
			Filter: append([]autotask.Filter{autotask.In("contractServiceID", unknown...)}, unitWindow(from, to)...), IncludeFields: unitFields,
		})
		if err != nil {
			return nil, unitsReadError(ids, err)
		}
		rows = append(rows, got...)
	}
	return timelinesOf(rows, from, to, idx, ids), nil
}

func unitsReadError(ids []int64, err error) error {
	if len(ids) == 1 {
		return fmt.Errorf("reading the units of Autotask contract service %d: %w", ids[0], err)
	}
	return fmt.Errorf("reading the units of Autotask contract services %s: %w", contractIDList(ids), err)
}

// A line's units over time (issue 19): one model for every operation.
//
// Autotask holds a line's units as ContractServiceUnits rows: one per billing
// period, and a new one from the effective date of each adjustment to the end
// of its period (ref §7.5, VERIFIED). An adjustment changes the units from its
// effective date on, in every later row too (INFERRED: the sandbox's model,
// and the only reading under which a count set once keeps billing). The
// Timeline is those rows from a day on; the plan's diff, the push (today or
// from the next period), on_destroy = "zero", a switch of effective, refresh
// and the preview all derive from it:
//
//   - At(day): the row covering day with the latest start (ref §8 rule 2).
//     No row is not zero: a day no row covers has no known units, and
//     nothing is pushed on a guess.
//   - PeriodEnd(day): where the billing period containing day ends, read
//     from the rows (a row that ends on the day the next row starts was split
//     by an adjustment, ref §8 rule 2, INFERRED); the next period starts the
//     day after. Month arithmetic is only the fallback when no row covers
//     the day (periods.go), and the plan says so.
//   - Adjustments(from, target): the adjustments that make every period from
//     from on hold target, given a later-dated adjustment already pending;
//     negative ones first, so a run stopped between them leaves every period
//     at or below where it was or at or below target, never above both.

// unitRow is one ContractServiceUnits row of a line (date-only, both ends
// inclusive).
type unitRow struct {
	start, end time.Time
	units      int
	id         int64
}

// Timeline is a line's unit rows covering the days From .. To, as Autotask
// returned them: today only for the run's bulk read, or today through
// TimelineHorizon for a line whose later periods matter (LaterTimeline).
// The zero Timeline has no rows.
type Timeline struct {
	rows     []unitRow // by start, then id
	From, To time.Time
}

func newTimeline(rows []unitRow, from, to time.Time) Timeline {
	sorted := append([]unitRow(nil), rows...)
	sort.Slice(sorted, func(i, j int) bool {
		if !sorted[i].start.Equal(sorted[j].start) {
			return sorted[i].start.Before(sorted[j].start)
		}
		return sorted[i].id < sorted[j].id
	})
	return Timeline{rows: sorted, From: dateOnly(from), To: dateOnly(to)}
}

// covering is the index of the row covering day with the latest start (the
// higher id on a tie), or -1.
func (t Timeline) covering(day time.Time) int {
	day = dateOnly(day)
	best := -1
	for i, r := range t.rows {
		if r.start.After(day) || r.end.Before(day) {
			continue
		}
		best = i // sorted: a later match starts later, or has a higher id
	}
	return best
}

// At is the units in effect on day; ok is false when no row covers it.
func (t Timeline) At(day time.Time) (units int, ok bool) {
	if i := t.covering(day); i >= 0 {
		return t.rows[i].units, true
	}
	return 0, false
}

// HasRows reports whether any row was read.
func (t Timeline) HasRows() bool { return len(t.rows) > 0 }

// PeriodEnd is the last day of the billing period that contains day, read
// from the rows: the end of the row covering day, followed through rows that
// an adjustment split off (they start on the day the row before ends).
// ok is false when no row covers day.
func (t Timeline) PeriodEnd(day time.Time) (time.Time, bool) {
	i := t.covering(day)
	if i < 0 {
		return time.Time{}, false
	}
	end := t.rows[i].end
	for moved := true; moved; {
		moved = false
		for _, r := range t.rows {
			if r.start.Equal(end) && r.end.After(end) {
				end, moved = r.end, true
			}
		}
	}
	return end, true
}

// Step is the units a line holds from Day until the next step.
type Step struct {
	Day   time.Time
	Units int
}

// Steps are the units from from on: the first step on from, then one on
// every later day a row starts on (within the timeline). A day no row covers
// ends the steps: rows not written yet (Autotask writes a period's row ahead
// of it, when is not documented) carry no known units. ok is false when no
// row covers from.
func (t Timeline) Steps(from time.Time) ([]Step, bool) {
	from = dateOnly(from)
	n, ok := t.At(from)
	if !ok {
		return nil, false
	}
	steps := []Step{{Day: from, Units: n}}
	var days []time.Time
	for _, r := range t.rows {
		if r.start.After(from) && !r.start.After(t.To) {
			days = append(days, r.start)
		}
	}
	sort.Slice(days, func(i, j int) bool { return days[i].Before(days[j]) })
	for _, d := range days {
		if last := steps[len(steps)-1]; d.Equal(last.Day) {
			continue
		}
		n, ok := t.At(d)
		if !ok {
			break
		}
		if n != steps[len(steps)-1].Units {
			steps = append(steps, Step{Day: d, Units: n})
		}
	}
	return steps, true
}

// Holds reports whether every known period from from on holds target.
func (t Timeline) Holds(from time.Time, target int) bool {
	steps, ok := t.Steps(from)
	if !ok {
		return false
	}
	for _, s := range steps {
		if s.Units != target {
			return false
		}
	}
	return true
}

// Showing is the count refresh records for a mapping whose target is target
// from from on: the units on from, unless they are target and a later
// period differs; then that period's units, so that the next plan shows the
// difference and its apply fixes every period. ok is false when no row
// covers from.
func (t Timeline) Showing(from time.Time, target int) (units int, ok bool) {
	steps, ok := t.Steps(from)
	if !ok {
		return 0, false
	}
	if steps[0].Units != target {
		return steps[0].Units, true
	}
	for _, s := range steps[1:] {
		if s.Units != target {
			return s.Units, true
		}
	}
	return target, true
}

// Adjustment is one ContractServiceAdjustment to post.
type Adjustment struct {
	// Day is its effective date.
	Day time.Time
	// Change is its unit change (never 0).
	Change int
	// Before is the units in effect on Day when it is posted (after the
	// adjustments before it in the list): it has landed when the line holds
	// Before+Change on Day.
	Before int
}

// NoRowError says that no unit row covers a day: the units are not known,
// so nothing is pushed.
type NoRowError struct{ Day time.Time }

func (e *NoRowError) Error() string {
	return fmt.Sprintf("Autotask has no ContractServiceUnits row covering %s for this line, so the units in effect "+
		"that day are not known", e.Day.Format(time.DateOnly))
}

// Adjustments are the adjustments that make every known period from from on
// hold target: one on from for the difference there, and one on each later
// step that an adjustment already posted for a later date (pending) would
// otherwise leave off target. Negative changes come first (in date order),
// then positive ones: a run stopped between two posts leaves no period above
// both its old units and target. The error is a *NoRowError when no row
// covers from.
func (t Timeline) Adjustments(from time.Time, target int) ([]Adjustment, error) {
	steps, ok := t.Steps(from)
	if !ok {
		return nil, &NoRowError{Day: dateOnly(from)}
	}
	var adjs []Adjustment
	shift := 0
	for _, s := range steps {
		if d := target - (s.Units + shift); d != 0 {
			adjs = append(adjs, Adjustment{Day: s.Day, Change: d})
			shift += d
		}
	}
	sort.SliceStable(adjs, func(i, j int) bool { return adjs[i].Change < 0 && adjs[j].Change > 0 })
	// Units before each post, in posting order: an adjustment moves every
	// day from its date on.
	for i := range adjs {
		n, _ := t.At(adjs[i].Day)
		for _, p := range adjs[:i] {
			if !p.Day.After(adjs[i].Day) {
				n += p.Change
			}
		}
		adjs[i].Before = n
	}
	return adjs, nil
}
