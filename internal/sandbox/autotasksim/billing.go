package autotasksim

import (
	"fmt"
	"math"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/simtime"
)

// What Autotask does to billing when units change (issue 11):
//
//   - Every change to a Recurring Service contract's units that takes effect
//     inside a billing period creates a prorated billing item for the rest
//     of that period, which cannot be deleted; a +3 then -3 creates two
//     (official KB370000000540 and peers' practice of pushing on the first
//     day of a period; the amount formula is INFERRED). A change effective
//     on the first day of a period creates none: the period is billed at the
//     new count in full.
//   - Periods that were approved and posted (invoiced) cannot change: an
//     adjustment effective in one is refused with Autotask's UI text (ref
//     §7.6, KB370000000540; the API answering with the same text is
//     INFERRED).

// errPostedPeriod is Autotask's text for a change to an approved and posted
// contract period (official KB370000000540).
const errPostedPeriod = "Unable to make changes as it would result in the deletion/modification of an already approved and posted contract period"

// BillingItem is a prorated charge (or credit) created by one adjustment,
// as the admin API lists it (GET /_sandbox/autotask/billing-items).
type BillingItem struct {
	ID                int64   `json:"id"`
	AdjustmentID      int64   `json:"adjustmentID"`
	ContractID        int64   `json:"contractID"`
	ContractServiceID int64   `json:"contractServiceID"`
	ServiceID         int64   `json:"serviceID"`
	EffectiveDate     string  `json:"effectiveDate"`
	PeriodStart       string  `json:"periodStart"`
	PeriodEnd         string  `json:"periodEnd"`
	UnitChange        int64   `json:"unitChange"`
	UnitPrice         float64 `json:"unitPrice"`
	// Days is the number of days of the period from the effective date on,
	// PeriodDays the period's length; Amount = UnitChange x UnitPrice x
	// Days / PeriodDays, rounded to cents.
	Days       int     `json:"days"`
	PeriodDays int     `json:"periodDays"`
	Amount     float64 `json:"amount"`
}

// PostedPeriods approves and posts every billing period of a contract that
// starts on or before Through (YYYY-MM-DD; relative dates allowed in
// fixtures). An empty Through un-posts the contract (admin API only).
type PostedPeriods struct {
	ContractID int64  `json:"contractID"`
	Through    string `json:"through"`
	// PostedUntil is the end of the last posted period (responses only).
	PostedUntil string `json:"postedUntil,omitempty"`
}

// billingBook keeps the billing items and posted periods.
type billingBook struct {
	mu     sync.Mutex
	items  []BillingItem
	posted map[int64]time.Time // contract id -> end of the last posted period
}

// BillingItems lists the billing items, optionally of one contract service
// (0 lists all), in creation order.
func (s *Server) BillingItems(contractServiceID int64) []BillingItem {
	s.billing.mu.Lock()
	defer s.billing.mu.Unlock()
	out := []BillingItem{}
	for _, it := range s.billing.items {
		if contractServiceID == 0 || it.ContractServiceID == contractServiceID {
			out = append(out, it)
		}
	}
	return out
}

// PostedPeriodList lists the contracts with posted periods.
func (s *Server) PostedPeriodList() []PostedPeriods {
	s.billing.mu.Lock()
	defer s.billing.mu.Unlock()
	out := []PostedPeriods{}
	for id, end := range s.billing.posted {
		out = append(out, PostedPeriods{ContractID: id, PostedUntil: end.Format(time.DateOnly)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ContractID < out[j].ContractID })
	return out
}

// PostPeriods approves and posts a contract's periods through p.Through (see
// PostedPeriods) and marks their ContractServiceUnits rows
// (approveAndPostDate = today).
func (s *Server) PostPeriods(p PostedPeriods) (PostedPeriods, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.postPeriods(p, s.Today())
}

// postPeriods is PostPeriods with s.mu held; relative dates resolve
// against today.
func (s *Server) postPeriods(p PostedPeriods, today time.Time) (PostedPeriods, error) {
	contract := s.tables[entContracts].get(p.ContractID)
	if contract == nil {
		return p, fmt.Errorf("contract %d does not exist", p.ContractID)
	}
	if contract.int("contractType") != contractTypeRecurring {
		return p, fmt.Errorf("contract %d is not a Recurring Service contract; only those have billing periods", p.ContractID)
	}
	s.billing.mu.Lock()
	defer s.billing.mu.Unlock()
	if s.billing.posted == nil {
		s.billing.posted = map[int64]time.Time{}
	}
	if p.Through == "" {
		delete(s.billing.posted, p.ContractID)
		s.markPosted(contract, time.Time{}, time.Time{})
		return p, nil
	}
	through, err := simtime.ParseDate(p.Through, today)
	if err != nil {
		return p, fmt.Errorf("through: %w", err)
	}
	through = simtime.Midnight(through)
	var until time.Time
	for _, per := range s.periods(contract) {
		if !per.start.After(through) {
			until = per.end
		}
	}
	if until.IsZero() {
		return p, fmt.Errorf("contract %d has no billing period starting on or before %s", p.ContractID, through.Format(time.DateOnly))
	}
	s.billing.posted[p.ContractID] = until
	s.markPosted(contract, until, today)
	p.PostedUntil = until.Format(time.DateOnly)
	return p, nil
}

// markPosted sets approveAndPostDate on the contract's unit rows that end on
// or before until (clears it on the others). Caller holds s.mu.
func (s *Server) markPosted(contract record, until, today time.Time) {
	s.tables[entUnits].scan(-1<<62, func(r record) bool {
		if r.int("contractID") != contract.id() {
			return true
		}
		if !until.IsZero() && !r.time("endDate").After(until) {
			r["approveAndPostDate"] = today
		} else {
			r["approveAndPostDate"] = nil
		}
		return true
	})
}

// postedRefusal refuses an adjustment effective in a posted period.
// Caller holds s.mu.
func (s *Server) postedRefusal(contractID int64, eff time.Time) *response {
	s.billing.mu.Lock()
	until, ok := s.billing.posted[contractID]
	s.billing.mu.Unlock()
	if ok && !eff.After(until) {
		resp := fail(http.StatusInternalServerError, "%s", errPostedPeriod)
		return &resp
	}
	return nil
}

// recordBillingItem adds the prorated item of an applied adjustment, unless
// it takes effect on the first day of a period. Caller holds s.mu.
func (s *Server) recordBillingItem(contract, cs record, adjID int64, eff time.Time, delta int64, price any) {
	if delta == 0 {
		return
	}
	var per period
	found := false
	for _, p := range s.periods(contract) {
		if !eff.Before(p.start) && !eff.After(p.end) {
			per, found = p, true
			break
		}
	}
	if !found || eff.Equal(per.start) {
		return
	}
	unitPrice, _ := asNumber(price)
	if price == nil {
		if row := rowAt(s.unitRows(cs.id()), eff); row != nil {
			unitPrice, _ = asNumber(row["price"])
		}
	}
	days := int(per.end.Sub(eff).Hours()/24) + 1
	periodDays := int(per.end.Sub(per.start).Hours()/24) + 1
	amount := math.Round(float64(delta)*unitPrice*float64(days)/float64(periodDays)*100) / 100
	s.billing.mu.Lock()
	defer s.billing.mu.Unlock()
	s.billing.items = append(s.billing.items, BillingItem{
		ID: int64(len(s.billing.items) + 1), AdjustmentID: adjID, ContractID: contract.id(), ContractServiceID: cs.id(),
		ServiceID: cs.int("serviceID"), EffectiveDate: eff.Format(time.DateOnly),
		PeriodStart: per.start.Format(time.DateOnly), PeriodEnd: per.end.Format(time.DateOnly),
		UnitChange: delta, UnitPrice: unitPrice, Days: days, PeriodDays: periodDays, Amount: amount,
	})
}
