package autotasksim

import (
	"fmt"
	"net/http"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/simtime"
)

// Defaults applied on create.
const (
	// defaultTimeReporting: INFERRED (ref §7.2) 0/1 flag; 1 when omitted.
	defaultTimeReporting = int64(1)
	// maxContractPeriods bounds the unit rows generated per contract service
	// (an emulator safeguard, not an Autotask rule).
	maxContractPeriods = 1200
)

// getByID answers GET /{Entity}/{id}: {"item":{...}} or {"item":null}
// (ref §5). parentContract > 0 scopes a child GET to that contract.
func (s *Server) getByID(r *http.Request, u *user, def *entityDef, id, parentContract int64) response {
	if !canQuery(r, u, def.Plural) {
		return u.denied(verbQuery)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	rec := s.tables[def.Plural].get(id)
	if rec == nil || (parentContract > 0 && rec.int("contractID") != parentContract) {
		return ok(map[string]any{"item": nil})
	}
	rec, seen := s.present(u, def, rec)
	if !seen {
		return ok(map[string]any{"item": nil}) // hidden rows read as missing (ref §9)
	}
	return ok(map[string]any{"item": renderRecord(def, rec, nil)})
}

// handleCreate answers POST /{Entity} and POST /Contracts/{id}/Services.
func (s *Server) handleCreate(r *http.Request, u *user, def *entityDef, parentContract int64) response {
	body, bad := writeBody(r, u, def, verbCreate)
	if bad != nil {
		return *bad
	}
	rec, set, err := buildRecord(def, body, nil, modeCreate, simtime.ParseAutotaskTime)
	if err != nil {
		return failErr(err)
	}
	if def.Plural == entContractNotes && u != nil {
		rec["creatorResourceID"] = u.resourceID
	}
	if parentContract > 0 {
		if c, given := rec["contractID"].(int64); given && c != parentContract {
			return fail(http.StatusInternalServerError, "The contractID %d in the body does not match contract %d in the URL.", c, parentContract)
		}
		rec["contractID"] = parentContract
		set["contractID"] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, err := s.insertRecord(def, rec, set, 0)
	if err != nil {
		return failErr(err)
	}
	return ok(map[string]any{"itemId": id})
}

// insertRecord validates and stores a new record (API or fixture); units
// seeds the unit rows of a new contract service. Caller holds s.mu.
func (s *Server) insertRecord(def *entityDef, rec record, set map[string]bool, units int64) (int64, error) {
	now := s.stamp()
	s.applyCreateDefaults(def, rec, now)
	if err := s.validateRecord(def, rec, set); err != nil {
		return 0, err
	}
	if err := s.checkCreateRules(def, rec); err != nil {
		return 0, err
	}
	if id := rec.id(); id != 0 && s.tables[def.Plural].get(id) != nil {
		return 0, fmt.Errorf("%s id %d is used twice", def.Singular, id)
	}
	id := s.tables[def.Plural].insert(rec)
	if def.Plural == entTickets && rec["ticketNumber"] == nil {
		rec["ticketNumber"] = fmt.Sprintf("T%s.%04d", s.Today().Format("20060102"), id%10000)
	}
	if def.Plural == entContractServices {
		s.createUnitRows(rec, units)
	}
	return id, nil
}

func setDefault(rec record, name string, v any) {
	if rec[name] == nil {
		rec[name] = v
	}
}

func (s *Server) applyCreateDefaults(def *entityDef, rec record, now time.Time) {
	switch def.Plural {
	case entCompanies:
		setDefault(rec, "isActive", true)
		setDefault(rec, "createDate", now)
		setDefault(rec, "lastActivityDate", now)
		setDefault(rec, "lastTrackedModifiedDateTime", now)
	case entContracts:
		setDefault(rec, "contractPeriodType", int64(periodMonthly))
		setDefault(rec, "timeReportingRequiresStartAndStopTimes", defaultTimeReporting)
		setDefault(rec, "lastModifiedDateTime", now)
		normalizeContractDates(rec)
	case entServices:
		setDefault(rec, "isActive", true)
		setDefault(rec, "createDate", now)
		setDefault(rec, "lastModifiedDate", now)
	case entContractServices:
		if svc := s.tables[entServices].get(rec.int("serviceID")); svc != nil {
			setDefault(rec, "unitPrice", svc["unitPrice"])
			setDefault(rec, "unitCost", svc["unitCost"])
		}
		rec["internalCurrencyUnitPrice"] = rec["unitPrice"]
		rec["internalCurrencyAdjustedPrice"] = rec["unitPrice"]
	case entTickets:
		setDefault(rec, "createDate", now)
		setDefault(rec, "lastActivityDate", now)
	case entContractNotes:
		noteCreateDefaults(rec, now)
	}
}

// normalizeContractDates keeps contract dates date-only (midnight UTC).
func normalizeContractDates(rec record) {
	for _, k := range []string{"startDate", "endDate"} {
		if t, isTime := rec[k].(time.Time); isTime {
			rec[k] = simtime.Midnight(t)
		}
	}
}

// checkCreateRules applies entity business rules after field validation.
func (s *Server) checkCreateRules(def *entityDef, rec record) error {
	switch def.Plural {
	case entContracts:
		return checkContractDates(rec)
	case entContractServices:
		c := s.tables[entContracts].get(rec.int("contractID"))
		if c != nil && c.int("contractType") != contractTypeRecurring {
			// Rule VERIFIED (ref §7.3); text INFERRED.
			return fmt.Errorf("Contract %d is not a Recurring Service contract (contractType 7); services can only be added to Recurring Service contracts.", c.id())
		}
	}
	return nil
}

func checkContractDates(rec record) error {
	start, end := rec.time("startDate"), rec.time("endDate")
	if start.IsZero() || end.IsZero() {
		return nil
	}
	if end.Before(start) {
		return fmt.Errorf("The contract endDate %s is before its startDate %s; the end date must be on or after the start date.", end.Format(time.DateOnly), start.Format(time.DateOnly))
	}
	if n := len(contractPeriods(rec)); n > maxContractPeriods {
		return fmt.Errorf("The contract spans %d billing periods; the sandbox supports at most %d. Use a nearer endDate.", n, maxContractPeriods)
	}
	return nil
}

// handleUpdate answers PATCH/PUT /{Entity} (and the ContractServices child
// route) with the id in the body (ref §3).
func (s *Server) handleUpdate(r *http.Request, u *user, def *entityDef, put bool, parentContract int64) response {
	body, bad := writeBody(r, u, def, verbUpdate)
	if bad != nil {
		return *bad
	}
	var id int64
	for k, v := range body {
		if k == "id" || k == "Id" || k == "ID" {
			n, isNum := asNumber(v)
			if isNum && n > 0 && n == float64(int64(n)) {
				id = int64(n)
			}
		}
	}
	if id == 0 {
		return fail(http.StatusInternalServerError, "The request body must contain the id of the %s to update (send it in the body of %s %s, not in the URL).", def.Singular, r.Method, r.URL.Path)
	}
	mode := modePatch
	if put {
		mode = modePut
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	base := s.tables[def.Plural].get(id)
	if base == nil || (parentContract > 0 && base.int("contractID") != parentContract) {
		// INFERRED (ref §5): text for an update of a missing row.
		return fail(http.StatusInternalServerError, "%s with id %d does not exist or you cannot see it.", def.Singular, id)
	}
	if s.noteNotOwn(u, def, base) {
		return u.denied(verbUpdate)
	}
	rec, set, err := buildRecord(def, body, base, mode, simtime.ParseAutotaskTime)
	if err != nil {
		return failErr(err)
	}
	s.applyUpdateDefaults(def, rec)
	if err := s.validateRecord(def, rec, set); err != nil {
		return failErr(err)
	}
	if def.Plural == entContracts {
		if err := checkContractDates(rec); err != nil {
			return failErr(err)
		}
	}
	s.tables[def.Plural].rows[id] = rec
	if def.Plural == entContracts && (!rec.time("startDate").Equal(base.time("startDate")) || !rec.time("endDate").Equal(base.time("endDate"))) {
		s.resyncContractUnits(rec)
	}
	return ok(map[string]any{"itemId": id})
}

func (s *Server) applyUpdateDefaults(def *entityDef, rec record) {
	now := s.stamp()
	switch def.Plural {
	case entCompanies:
		rec["lastTrackedModifiedDateTime"] = now
	case entContracts:
		rec["lastModifiedDateTime"] = now
		normalizeContractDates(rec)
	case entServices:
		rec["lastModifiedDate"] = now
	case entContractServices:
		rec["internalCurrencyAdjustedPrice"] = rec["unitPrice"]
	case entTickets:
		rec["lastActivityDate"] = now
	case entContractNotes:
		noteUpdateDefaults(rec, now)
	}
}
