package run

import (
	"fmt"
	"sync"
	"time"
)

// The Autotask database's calendar (issue 11). Autotask stores contract
// dates, effectiveDate and ContractServiceUnits dates as calendar dates of
// the database, with no time-zone conversion (ref §7.6, VERIFIED), so
// "today" must be the database's date, not the UTC date: at 20:00 in New
// York on 30 November the UTC date is already 1 December.
//
// Autotask's REST API exposes no "database time zone". What it does expose
// (DESIGN.md, "The database's calendar"): InternalLocations.timeZone, the
// Microsoft Time Zone Index of each of the MSP's own locations, used for
// resources' time entries and schedules, and the zero company's default
// location (InternalLocationWithBusinessHours, which needs Admin access to
// "Your Organization"). Neither is documented as the calendar of contract
// dates, so the provider does not guess from them: the time_zone setting
// says which calendar to use, and without it the provider uses UTC and says
// so once per run.

// timeZone is the calendar a Run bills on.
type timeZone struct {
	mu         sync.Mutex
	loc        *time.Location
	configured bool
	warned     bool
}

// set records the time zone; configured is false when the provider fell
// back to UTC because time_zone was not set.
func (z *timeZone) set(loc *time.Location, configured bool) {
	if loc == nil {
		loc = time.UTC
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	z.loc, z.configured = loc, configured
}

// location is the time zone (UTC by default).
func (z *timeZone) location() *time.Location {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.loc == nil {
		return time.UTC
	}
	return z.loc
}

// warning returns, once, the warning shown when no time zone was configured
// and billing dates follow UTC; today is the UTC date.
func (z *timeZone) warning(today time.Time) (summary, detail string, ok bool) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.configured || z.warned {
		return "", "", false
	}
	z.warned = true
	return "Billing dates use UTC",
		fmt.Sprintf("time_zone is not set in the provider's autotask block (or AUTOTASK_TIME_ZONE), so \"today\" for "+
			"billing (contract start and end checks, the adjustments' effective date, the units in effect) is the "+
			"UTC date, %s. Autotask stores those dates in your database's own calendar, and its API does not say "+
			"which time zone that is: near midnight the UTC date can be a day off and push into the wrong billing "+
			"period. Set time_zone to the IANA name of your Autotask database's time zone, for example "+
			"\"America/New_York\" or \"Australia/Sydney\".", today.Format(time.DateOnly)), true
}
