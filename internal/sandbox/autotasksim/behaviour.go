package autotasksim

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Behaviour holds the emulator settings where real Autotask databases differ
// from one another, or from what a client may assume, so that tests can make
// the emulator disagree with the client. Each is a fixture setting
// (autotask.settings) and can be changed at run time through the admin API
// (POST /_sandbox/autotask/settings).
type Behaviour struct {
	// TimeZone is the database's time zone (IANA name, "UTC" by default):
	// its calendar defines "today" (contract checks, adjustments). Date-only
	// values (contract dates, ContractServiceUnits dates, effectiveDate) are
	// stored as the calendar date with no conversion (VERIFIED, ref §7.6:
	// "date-only: time part is ignored/treated as midnight, no time-zone
	// conversion").
	TimeZone string `json:"timeZone"`
	// DateFilters says how a date-time filter value is compared with a
	// date-only column. "utc" (default): the value is read as a UTC instant
	// and compared with the stored date at midnight, so
	// "2026-11-30T00:00:00Z" means 30 November. "database": the value is
	// first converted to the database's time zone, so in New York
	// "2026-11-30T00:00:00Z" is 29 November 19:00 and a row starting on
	// 30 November does not satisfy startDate lte it. No public source settles
	// which one Autotask does: INFERRED (issue 11, ref §4, §8).
	DateFilters string `json:"dateFilters"`
	// UnitsWithoutContractServiceID returns ContractServiceUnits rows with a
	// null contractServiceID (generated entity metadata marks the field
	// optional; INFERRED that live rows can lack it). Filters on
	// contractServiceID then match no row, as on a real null.
	UnitsWithoutContractServiceID bool `json:"unitsWithoutContractServiceID"`
	// NotesTextOnly returns ContractNotes descriptions as text only, the way
	// Autotask's entity documentation says a note edited in the UI comes
	// back through the API: line breaks are lost (each run of white space
	// reads as one space). A client that reads structure from a note's lines
	// must cope (ref: ContractNotes entity page; the collapsing is INFERRED).
	NotesTextOnly bool `json:"notesTextOnly"`
	// UnitRows says when a billing period's ContractServiceUnits row
	// exists. "upfront" (default): every period's row from the day the line
	// is created. "ahead": a period's row shows (to queries and
	// adjustments) only from UnitRowsDaysAhead days before the period
	// starts (0: on its first day), as a scheduled job writing rows ahead
	// of each period would; a later row carries the units of the row before
	// it. Autotask documents one row per period but not when it is written
	// (INFERRED, ref §13).
	UnitRows string `json:"unitRows"`
	// UnitRowsDaysAhead is how many days before its period a row shows with
	// UnitRows "ahead".
	UnitRowsDaysAhead int `json:"unitRowsDaysAhead"`
	// PeriodAnchor says where billing periods begin, for contracts created
	// after it is set: "contract_start" (default: on the contract's start
	// date and every period length after it) or "calendar_month" (on the
	// first day of a month; the first period runs from the start date to the
	// end of its month). INFERRED (ref §7.5, §13).
	PeriodAnchor string `json:"periodAnchor"`
	// MonthEnd says how a period start on a day a shorter month lacks moves
	// (contract_start anchor): "anchored" (default: the contract's start plus
	// k periods, clamped: 31 Jan, 28 Feb, 31 Mar) or "chained" (the previous
	// start plus one period, clamped: 31 Jan, 28 Feb, 28 Mar). INFERRED.
	MonthEnd string `json:"monthEnd"`
	// NotesCreatorOnly lets a user whose security level grants only
	// "Restricted" update access to ContractNotes (limited contract access)
	// update only the notes it created; any other note's update is refused
	// with the permission text (Autotask's ContractNotes entity page says
	// such users may edit only notes they created; the answer's text and
	// status are INFERRED). Off by default: any user with update access
	// updates any note, as the emulator always did.
	NotesCreatorOnly bool `json:"notesCreatorOnly"`
}

// Unit row, period anchor and month-end settings (Behaviour).
const (
	UnitRowsUpfront           = "upfront"
	UnitRowsAhead             = "ahead"
	PeriodAnchorContractStart = "contract_start"
	PeriodAnchorCalendarMonth = "calendar_month"
	MonthEndAnchored          = "anchored"
	MonthEndChained           = "chained"
)

// Date filter interpretations (Behaviour.DateFilters).
const (
	DateFiltersUTC      = "utc"
	DateFiltersDatabase = "database"
)

// BehaviourUpdate is a partial change of Behaviour (nil fields stay).
type BehaviourUpdate struct {
	TimeZone                      *string `json:"timeZone,omitempty"`
	DateFilters                   *string `json:"dateFilters,omitempty"`
	UnitsWithoutContractServiceID *bool   `json:"unitsWithoutContractServiceID,omitempty"`
	NotesTextOnly                 *bool   `json:"notesTextOnly,omitempty"`
	NotesCreatorOnly              *bool   `json:"notesCreatorOnly,omitempty"`
	UnitRows                      *string `json:"unitRows,omitempty"`
	UnitRowsDaysAhead             *int    `json:"unitRowsDaysAhead,omitempty"`
	PeriodAnchor                  *string `json:"periodAnchor,omitempty"`
	MonthEnd                      *string `json:"monthEnd,omitempty"`
}

// oneOf returns v (trimmed, lower case; def when empty) when it is one of
// allowed, else an error naming the setting.
func oneOf(name, v, def string, allowed ...string) (string, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "" {
		return def, nil
	}
	for _, a := range allowed {
		if v == a {
			return v, nil
		}
	}
	return "", fmt.Errorf("%s %q is unknown; use one of %s", name, v, strings.Join(allowed, ", "))
}

// behaviour is the server's current Behaviour with its parsed zone.
type behaviour struct {
	mu  sync.RWMutex
	cur Behaviour
	loc *time.Location
}

// locationSetter is implemented by clocks whose calendar follows a time zone
// (simtime.Settable).
type locationSetter interface {
	SetLocation(*time.Location)
}

// apply validates u and applies it; nothing changes on error.
func (b *behaviour) apply(u BehaviourUpdate) (Behaviour, *time.Location, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	next, loc := b.cur, b.loc
	if loc == nil {
		loc = time.UTC
	}
	if u.TimeZone != nil {
		name := strings.TrimSpace(*u.TimeZone)
		if name == "" {
			name = "UTC"
		}
		l, err := time.LoadLocation(name)
		if err != nil || strings.EqualFold(name, "Local") {
			return b.cur, b.loc, fmt.Errorf("timeZone %q is not an IANA time zone name such as \"America/New_York\" or \"Australia/Sydney\"", *u.TimeZone)
		}
		next.TimeZone, loc = l.String(), l
	}
	if u.DateFilters != nil {
		switch v := strings.ToLower(strings.TrimSpace(*u.DateFilters)); v {
		case "", DateFiltersUTC:
			next.DateFilters = DateFiltersUTC
		case DateFiltersDatabase:
			next.DateFilters = v
		default:
			return b.cur, b.loc, fmt.Errorf("dateFilters %q is unknown; use %q (filter values are UTC instants) or %q (converted to the database's time zone)", *u.DateFilters, DateFiltersUTC, DateFiltersDatabase)
		}
	}
	if u.UnitsWithoutContractServiceID != nil {
		next.UnitsWithoutContractServiceID = *u.UnitsWithoutContractServiceID
	}
	if u.NotesTextOnly != nil {
		next.NotesTextOnly = *u.NotesTextOnly
	}
	var err error
	if u.UnitRows != nil {
		if next.UnitRows, err = oneOf("unitRows", *u.UnitRows, UnitRowsUpfront, UnitRowsUpfront, UnitRowsAhead); err != nil {
			return b.cur, b.loc, err
		}
	}
	if u.UnitRowsDaysAhead != nil {
		if *u.UnitRowsDaysAhead < 0 {
			return b.cur, b.loc, fmt.Errorf("unitRowsDaysAhead %d is negative; use 0 (a row shows on its period's first day) or more", *u.UnitRowsDaysAhead)
		}
		next.UnitRowsDaysAhead = *u.UnitRowsDaysAhead
	}
	if u.PeriodAnchor != nil {
		if next.PeriodAnchor, err = oneOf("periodAnchor", *u.PeriodAnchor, PeriodAnchorContractStart, PeriodAnchorContractStart, PeriodAnchorCalendarMonth); err != nil {
			return b.cur, b.loc, err
		}
	}
	if u.MonthEnd != nil {
		if next.MonthEnd, err = oneOf("monthEnd", *u.MonthEnd, MonthEndAnchored, MonthEndAnchored, MonthEndChained); err != nil {
			return b.cur, b.loc, err
		}
	}
	if next.UnitRows == "" {
		next.UnitRows = UnitRowsUpfront
	}
	if next.PeriodAnchor == "" {
		next.PeriodAnchor = PeriodAnchorContractStart
	}
	if next.MonthEnd == "" {
		next.MonthEnd = MonthEndAnchored
	}
	if u.NotesCreatorOnly != nil {
		next.NotesCreatorOnly = *u.NotesCreatorOnly
	}
	if next.TimeZone == "" {
		next.TimeZone = "UTC"
	}
	if next.DateFilters == "" {
		next.DateFilters = DateFiltersUTC
	}
	b.cur, b.loc = next, loc
	return next, loc, nil
}

func (b *behaviour) get() (Behaviour, *time.Location) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.loc == nil {
		return b.cur, time.UTC
	}
	return b.cur, b.loc
}

// Behaviour returns the current settings.
func (s *Server) Behaviour() Behaviour {
	b, _ := s.beh.get()
	return b
}

// SetBehaviour changes settings; the database's time zone also moves the
// calendar of the sandbox clock.
func (s *Server) SetBehaviour(u BehaviourUpdate) (Behaviour, error) {
	b, loc, err := s.beh.apply(u)
	if err != nil {
		return b, err
	}
	if ls, ok := s.cfg.Clock.(locationSetter); ok {
		ls.SetLocation(loc)
	}
	return b, nil
}

// dateOnlyFields are the date-only columns per entity: stored as a calendar
// date with no time-zone conversion (ref §7.2, §7.5, §7.6).
var dateOnlyFields = map[string]map[string]bool{
	entContracts:   {"startDate": true, "endDate": true},
	entUnits:       {"startDate": true, "endDate": true, "approveAndPostDate": true},
	entAdjustments: {"effectiveDate": true},
}

// adjustDateFilters applies the DateFilters interpretation to the filter's
// date-time values on date-only columns (INFERRED, see Behaviour.DateFilters).
func (s *Server) adjustDateFilters(def *entityDef, conds []*cond) {
	b, loc := s.beh.get()
	if b.DateFilters != DateFiltersDatabase {
		return
	}
	cols := dateOnlyFields[def.Plural]
	var walk func([]*cond)
	walk = func(cs []*cond) {
		for _, c := range cs {
			walk(c.items)
			if c.field == nil || !cols[c.field.Name] {
				continue
			}
			if t, ok := c.value.(time.Time); ok {
				c.value = wallClock(t, loc)
			}
			for i, v := range c.values {
				if t, ok := v.(time.Time); ok {
					c.values[i] = wallClock(t, loc)
				}
			}
		}
	}
	walk(conds)
}

// wallClock is t's wall-clock reading in loc, as a UTC time, so that it
// compares with date-only values stored at midnight UTC.
func wallClock(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
}

// present returns the row as the user sees it, and whether the user sees it
// at all: Restricted users with a company scope see only rows of their
// companies (scope.go), with UnitsWithoutContractServiceID unit rows carry
// no contractServiceID, and with NotesTextOnly a note's description comes
// back as one line of text. Caller holds s.mu (read).
func (s *Server) present(u *user, def *entityDef, rec record) (record, bool) {
	if !s.inScope(u, def, rec) {
		return nil, false
	}
	if def.Plural == entUnits && !s.rowVisible(rec) {
		return nil, false
	}
	if def.Plural == entUnits {
		if b, _ := s.beh.get(); b.UnitsWithoutContractServiceID {
			rec = rec.clone()
			rec["contractServiceID"] = nil
		}
	}
	if def.Plural == entContractNotes {
		if d, ok := rec["description"].(string); ok {
			if b, _ := s.beh.get(); b.NotesTextOnly {
				rec = rec.clone()
				rec["description"] = strings.Join(strings.Fields(d), " ")
			}
		}
	}
	return rec, true
}

// rowVisible reports whether a ContractServiceUnits row is written yet
// (UnitRows "ahead": from UnitRowsDaysAhead days before its start).
func (s *Server) rowVisible(row record) bool {
	b, _ := s.beh.get()
	if b.UnitRows != UnitRowsAhead {
		return true
	}
	return !row.time("startDate").After(s.Today().AddDate(0, 0, b.UnitRowsDaysAhead))
}

// denied is the permission failure for the user: Autotask's VERIFIED 500
// "adequate permissions" text (ref §2, §9), or, for users configured with
// missingPermissionStatus 401, an empty-bodied 401 as the seed describes
// ("billing sync requests will fail with 401 Unauthorized").
func (u *user) denied(verb string) response {
	if u != nil && u.MissingPermissionStatus == http.StatusUnauthorized {
		return response{status: http.StatusUnauthorized, empty: true}
	}
	return fail(http.StatusInternalServerError, errPermission, verb)
}

// apiVersions is the answer of /atservicesrest/versioninformation. Public
// reports (KelvinTegelaar/AutotaskAPI PR #76, 2026) say Autotask now lists
// V2.0 beside V1.0 while V2.0 has no zoneInformation route (404): clients
// must use V1.0 and never "the last version listed". The emulator lists
// both and serves only V1.0.
var apiVersions = []string{"V1.0", "V2.0"}

// collapseSlashes turns every run of slashes in a path into one.
func collapseSlashes(p string) string {
	if !strings.Contains(p, "//") {
		return p
	}
	var b strings.Builder
	prev := byte(0)
	for i := 0; i < len(p); i++ {
		if p[i] == '/' && prev == '/' {
			continue
		}
		prev = p[i]
		b.WriteByte(p[i])
	}
	return b.String()
}
