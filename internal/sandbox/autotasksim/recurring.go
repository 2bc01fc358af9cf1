package autotasksim

import (
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/simtime"
)

// period is one billing period of a recurring contract, both ends inclusive.
type period struct{ start, end time.Time }

// addMonths adds n months, clamping the day to the target month's length
// (Jan 31 + 1 month = Feb 28/29).
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	if last := first.AddDate(0, 1, -1).Day(); d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, 0, 0, 0, 0, time.UTC)
}

// contractPeriods lists the billing periods from startDate to endDate with
// the default anchor (periods start on the contract's start date).
func contractPeriods(c record) []period {
	return periodsOf(c, PeriodAnchorContractStart, MonthEndAnchored)
}

// periodsOf lists the billing periods from startDate to endDate, each
// contractPeriodType long (monthly when unknown); the last one is clipped.
// anchor says where periods begin: on the contract's start date and every
// period length after it, or (calendar months) on the first day of a
// month, the first period running from the start date to the end of its
// month (of its last month for longer periods). monthEnd says how a start
// on a day a shorter month lacks moves: anchored (each start is the
// contract's start plus k periods, clamped: 31 Jan, 28 Feb, 31 Mar) or
// chained (each start is the previous start plus one period, clamped: 31
// Jan, 28 Feb, 28 Mar). Which one a real database does is not documented
// (INFERRED, ref §7.5, §13): the sandbox can be set either way so that tests
// catch a client that assumes one.
func periodsOf(c record, anchor, monthEnd string) []period {
	start, end := simtime.Midnight(c.time("startDate")), simtime.Midnight(c.time("endDate"))
	if c.time("startDate").IsZero() || end.Before(start) {
		return nil
	}
	months := periodMonths[c.int("contractPeriodType")]
	if months == 0 {
		months = 1
	}
	var out []period
	add := func(ps, next time.Time) bool {
		if ps.After(end) {
			return false
		}
		pe := next.AddDate(0, 0, -1)
		if pe.After(end) {
			pe = end
		}
		out = append(out, period{ps, pe})
		return len(out) <= maxContractPeriods
	}
	switch {
	case anchor == PeriodAnchorCalendarMonth:
		first := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC)
		for i := 0; ; i++ {
			ps := first.AddDate(0, i*months, 0)
			if i == 0 {
				ps = start
			}
			if !add(ps, first.AddDate(0, (i+1)*months, 0)) {
				break
			}
		}
	case monthEnd == MonthEndChained:
		for ps := start; ; {
			next := addMonths(ps, months)
			if !add(ps, next) {
				break
			}
			ps = next
		}
	default:
		for i := 0; ; i++ {
			if !add(addMonths(start, i*months), addMonths(start, (i+1)*months)) {
				break
			}
		}
	}
	return out
}

// periods lists a contract's billing periods as the server's settings
// anchor them. Caller holds s.mu.
func (s *Server) periods(c record) []period {
	b, _ := s.beh.get()
	return periodsOf(c, b.PeriodAnchor, b.MonthEnd)
}

// unitRow builds a ContractServiceUnits row for cs.
func (s *Server) unitRow(contract, cs record, start, end time.Time, units int64) record {
	var vendor any
	if svc := s.tables[entServices].get(cs.int("serviceID")); svc != nil {
		vendor = svc["vendorCompanyID"]
	}
	return record{
		"contractID": contract.id(), "contractServiceID": cs.id(), "serviceID": cs["serviceID"],
		"startDate": start, "endDate": end, "units": units,
		"price": cs["unitPrice"], "cost": cs["unitCost"], "internalCurrencyPrice": cs["unitPrice"],
		"approveAndPostDate": nil, "organizationalLevelAssociationID": contract["organizationalLevelAssociationID"],
		"vendorCompanyID": vendor,
	}
}

// createUnitRows adds one row per contract period for a new contract
// service. Every period's row is stored up front; with the unitRows setting
// "ahead" a row shows (to queries and adjustments) only from some days
// before its period starts (rowVisible), the way a scheduled job writing
// rows ahead of each period would look (INFERRED, ref §13).
func (s *Server) createUnitRows(cs record, units int64) {
	contract := s.tables[entContracts].get(cs.int("contractID"))
	if contract == nil {
		return
	}
	for _, p := range s.periods(contract) {
		s.tables[entUnits].insert(s.unitRow(contract, cs, p.start, p.end, units))
	}
}

// unitRows returns a contract service's rows ordered by startDate, then id.
func (s *Server) unitRows(csID int64) []record {
	var rows []record
	s.tables[entUnits].scan(-1<<62, func(r record) bool {
		if r.int("contractServiceID") == csID {
			rows = append(rows, r)
		}
		return true
	})
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].time("startDate").Before(rows[j].time("startDate")) })
	return rows
}

// rowAt is the row covering day with the latest startDate (ref §8 rule 2).
func rowAt(rows []record, day time.Time) record {
	var best record
	for _, r := range rows {
		if !r.time("startDate").After(day) && !r.time("endDate").Before(day) {
			best = r
		}
	}
	return best
}

// Adjustment texts. INFERRED (ref §7.6, §13): the real texts are unknown.
const (
	errAdjTarget   = "Give contractServiceID, or both contractID and serviceID, to say which contract service to adjust."
	errAdjRange    = "The effectiveDate %s is outside the contract's dates (%s to %s); use a date within the contract."
	errAdjNegative = "This adjustment would leave %d units on %s; a contract service cannot have fewer than 0 units."
)

// handleAdjustment answers POST /ContractServiceAdjustments and
// POST /Contracts/{id}/ServiceAdjustments (ref §7.6, §8).
func (s *Server) handleAdjustment(r *http.Request, u *user, parentContract int64) response {
	def := s.entities["contractserviceadjustments"]
	body, bad := writeBody(r, u, def, verbCreate)
	if bad != nil {
		return *bad
	}
	adj, set, err := buildRecord(def, body, nil, modeCreate, simtime.ParseAutotaskTime)
	if err != nil {
		return failErr(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.validateRecord(def, adj, set); err != nil {
		return failErr(err)
	}
	resp, id := s.applyAdjustment(adj, parentContract)
	if id == 0 {
		return resp
	}
	return ok(map[string]any{"itemId": id})
}

// applyAdjustment validates and applies an adjustment; caller holds s.mu.
// It returns the new adjustment id, or 0 and the failure response.
func (s *Server) applyAdjustment(adj record, parentContract int64) (response, int64) {
	// The effective date is date-only: the time part is ignored (ref §7.6).
	eff := simtime.Midnight(adj.time("effectiveDate"))
	adj["effectiveDate"] = eff
	delta := adj.int("unitChange")
	contractID, serviceID := adj.int("contractID"), adj.int("serviceID")
	if parentContract > 0 {
		if contractID != 0 && contractID != parentContract {
			return fail(http.StatusInternalServerError, "The contractID %d in the body does not match contract %d in the URL.", contractID, parentContract), 0
		}
		contractID = parentContract
	}
	var cs record
	if csID := adj.int("contractServiceID"); csID != 0 {
		cs = s.tables[entContractServices].get(csID)
		if contractID != 0 && cs.int("contractID") != contractID {
			return fail(http.StatusInternalServerError, "ContractService %d belongs to contract %d, not contract %d.", csID, cs.int("contractID"), contractID), 0
		}
		if serviceID != 0 && cs.int("serviceID") != serviceID {
			return fail(http.StatusInternalServerError, "ContractService %d is for service %d, not service %d.", csID, cs.int("serviceID"), serviceID), 0
		}
		contractID, serviceID = cs.int("contractID"), cs.int("serviceID")
	} else if contractID == 0 || serviceID == 0 {
		return fail(http.StatusInternalServerError, errAdjTarget), 0
	}
	contract := s.tables[entContracts].get(contractID)
	if contract == nil {
		return fail(http.StatusInternalServerError, "Contract %d does not exist or you cannot see it.", contractID), 0
	}
	if contract.int("contractType") != contractTypeRecurring {
		// INFERRED (ref §7.6) rule and text.
		return fail(http.StatusInternalServerError, "Contract %d is not a Recurring Service contract (contractType 7); service adjustments apply only to Recurring Service contracts.", contractID), 0
	}
	start, end := contract.time("startDate"), contract.time("endDate")
	if s.Today().Before(start) {
		// Real Autotask answers a contract that has not started yet with a
		// generic failure. INFERRED (ref §7.6).
		return fail(http.StatusInternalServerError, errGeneric), 0
	}
	if eff.Before(start) || eff.After(end) {
		return fail(http.StatusInternalServerError, errAdjRange, eff.Format(time.DateOnly), start.Format(time.DateOnly), end.Format(time.DateOnly)), 0
	}
	if refused := s.postedRefusal(contractID, eff); refused != nil {
		return *refused, 0
	}
	if cs == nil {
		// INFERRED (ref §7.6): allowRepeatService adds a second line for the
		// same service; otherwise the lowest contractServiceID is adjusted.
		if repeat, _ := adj["allowRepeatService"].(bool); !repeat {
			s.tables[entContractServices].scan(-1<<62, func(r record) bool {
				if r.int("contractID") == contractID && r.int("serviceID") == serviceID {
					cs = r
					return false
				}
				return true
			})
		}
	}
	var rows []record
	var target record
	if cs != nil {
		rows = s.unitRows(cs.id())
		target = rowAt(rows, eff)
		if target != nil && !s.rowVisible(target) {
			// The period's row is not written yet (unitRows "ahead"):
			// Autotask's answer is unknown; the sandbox refuses.
			target = nil
		}
		if target == nil {
			return fail(http.StatusInternalServerError, errGeneric), 0
		}
		for _, row := range rows {
			if row.time("startDate").After(eff) || row.id() == target.id() {
				if n := row.int("units") + delta; n < 0 {
					return fail(http.StatusInternalServerError, errAdjNegative, n, maxTime(eff, row.time("startDate")).Format(time.DateOnly)), 0
				}
			}
		}
	} else if delta < 0 {
		return fail(http.StatusInternalServerError, errAdjNegative, delta, eff.Format(time.DateOnly)), 0
	}
	if cs == nil {
		// The API creates the missing contract service (ref §7.6).
		cs = record{"contractID": contractID, "serviceID": serviceID, "unitPrice": adj["adjustedUnitPrice"], "unitCost": adj["adjustedUnitCost"]}
		if _, err := s.insertRecord(s.entities["contractservices"], cs, map[string]bool{"contractID": true, "serviceID": true}, 0); err != nil {
			return failErr(err), 0
		}
		rows = s.unitRows(cs.id())
		target = rowAt(rows, eff)
	}
	s.splitAndShift(contract, cs, rows, target, eff, delta, adj["adjustedUnitPrice"])
	adj["contractID"], adj["serviceID"], adj["contractServiceID"] = contractID, serviceID, cs.id()
	id := s.tables[entAdjustments].insert(adj)
	s.recordBillingItem(contract, cs, id, eff, delta, adj["adjustedUnitPrice"])
	return response{}, id
}

// splitAndShift applies delta from eff on: the row covering eff is split at
// eff (the earlier part ends ON eff, so the boundary day is in both rows;
// INFERRED, ref §8 rule 2) and every later row changes by delta.
func (s *Server) splitAndShift(contract, cs record, rows []record, target record, eff time.Time, delta int64, price any) {
	for _, row := range rows {
		if row.time("startDate").After(eff) {
			row["units"] = row.int("units") + delta
			if price != nil {
				row["price"], row["internalCurrencyPrice"] = price, price
			}
		}
	}
	if target == nil {
		return
	}
	if target.time("startDate").Before(eff) {
		tail := s.unitRow(contract, cs, eff, target.time("endDate"), target.int("units")+delta)
		tail["price"], tail["cost"], tail["internalCurrencyPrice"] = target["price"], target["cost"], target["internalCurrencyPrice"]
		if price != nil {
			tail["price"], tail["internalCurrencyPrice"] = price, price
		}
		target["endDate"] = eff
		s.tables[entUnits].insert(tail)
		return
	}
	target["units"] = target.int("units") + delta
	if price != nil {
		target["price"], target["internalCurrencyPrice"] = price, price
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// resyncContractUnits fits the unit rows of every service on a contract to
// new contract dates: rows outside are dropped, rows across the edges are
// clipped, and new periods carry the nearest row's units forward/backward.
func (s *Server) resyncContractUnits(contract record) {
	start, end := contract.time("startDate"), contract.time("endDate")
	periods := s.periods(contract)
	var services []record
	s.tables[entContractServices].scan(-1<<62, func(r record) bool {
		if r.int("contractID") == contract.id() {
			services = append(services, r)
		}
		return true
	})
	for _, cs := range services {
		var kept []record
		for _, row := range s.unitRows(cs.id()) {
			if row.time("startDate").After(end) || row.time("endDate").Before(start) {
				s.tables[entUnits].remove(row.id())
				continue
			}
			if row.time("startDate").Before(start) {
				row["startDate"] = start
			}
			if row.time("endDate").After(end) {
				row["endDate"] = end
			}
			kept = append(kept, row)
		}
		if len(kept) == 0 {
			s.createUnitRows(cs, 0)
			continue
		}
		first, last := kept[0], kept[len(kept)-1]
		firstStart, lastEnd := first.time("startDate"), last.time("endDate")
		for _, p := range periods {
			if p.start.Before(firstStart) {
				s.tables[entUnits].insert(s.unitRow(contract, cs, p.start, minTime(p.end, firstStart.AddDate(0, 0, -1)), first.int("units")))
			}
			if p.end.After(lastEnd) {
				s.tables[entUnits].insert(s.unitRow(contract, cs, maxTime(p.start, lastEnd.AddDate(0, 0, 1)), p.end, last.int("units")))
			}
		}
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// fixtureLists are the fixture's entity lists in load order.
func fixtureLists(fx *Fixture) []struct {
	name   string
	entity string
	rows   []map[string]any
} {
	return []struct {
		name   string
		entity string
		rows   []map[string]any
	}{
		{"companies", entCompanies, fx.Companies},
		{"services", entServices, fx.Services},
		{"contracts", entContracts, fx.Contracts},
		{"contractServices", entContractServices, fx.ContractServices},
	}
}

// loadFixture inserts the fixture's entities through the same validation as
// the API, resolving relative dates against today.
func (s *Server) loadFixture(fx *Fixture, today time.Time) error {
	parse := func(v string) (time.Time, error) { return simtime.ParseDate(v, today) }
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, list := range fixtureLists(fx) {
		def := s.entities[lower(list.entity)]
		for i, row := range list.rows {
			where := fmt.Sprintf("%s[%d]", list.name, i)
			body := make(map[string]any, len(row))
			var units int64
			for k, v := range row {
				if list.entity == entContractServices && lower(k) == "units" {
					n, isNum := asNumber(v)
					if !isNum || n < 0 || n != float64(int64(n)) {
						return fmt.Errorf("%s: units %s must be a whole number of 0 or more", where, render(v))
					}
					units = int64(n)
					continue
				}
				body[k] = v
			}
			rec, set, err := buildRecord(def, body, nil, modeFixture, parse)
			if err == nil {
				if id, given := rec["id"].(int64); given && id <= 0 {
					err = fmt.Errorf("id %d must be positive", id)
				}
			}
			if err == nil {
				_, err = s.insertRecord(def, rec, set, units)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		}
	}
	return nil
}
