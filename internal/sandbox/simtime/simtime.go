// Package simtime gives the sandbox one notion of "now" and "today" that tests
// can move, and parses the fixture's absolute and relative dates.
package simtime

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Clock is the sandbox's source of time. Today is the current date of the
// emulated Autotask database (its calendar, in its time zone) as midnight
// UTC; it can be pinned independently of the wall clock so that contract
// periods and Petra's "this month" are deterministic in tests.
type Clock interface {
	Now() time.Time
	Today() time.Time
}

// Settable is a Clock whose instant can be moved (SetNow), whose date can be
// pinned (SetToday), and whose calendar follows a time zone (SetLocation).
type Settable struct {
	mu     sync.RWMutex
	pinned *time.Time
	offset time.Duration
	loc    *time.Location
	now    func() time.Time
}

// NewSettable returns a clock that follows the wall clock (UTC calendar)
// until SetNow, SetToday or SetLocation change it.
func NewSettable() *Settable { return &Settable{now: time.Now, loc: time.UTC} }

// Now is the clock's instant in UTC: the wall clock, moved by SetNow or
// SetToday. It keeps running, so rate-limit windows drain as usual.
func (c *Settable) Now() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.now().Add(c.offset).UTC()
}

// Today returns the pinned date, or the date of Now in the clock's time zone,
// as midnight UTC (the way Autotask stores date-only values).
func (c *Settable) Today() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.pinned != nil {
		return *c.pinned
	}
	return DateIn(c.now().Add(c.offset), c.loc)
}

// SetToday pins today's date and moves the instant to noon of that date in
// the clock's time zone, so that Now and Today agree; a zero time unpins the
// date and returns the clock to the wall clock.
func (c *Settable) SetToday(d time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d.IsZero() {
		c.pinned, c.offset = nil, 0
		return
	}
	m := Midnight(d)
	c.pinned = &m
	noon := time.Date(m.Year(), m.Month(), m.Day(), 12, 0, 0, 0, c.loc)
	c.offset = noon.Sub(c.now())
}

// SetNow moves the clock so that it reads t now (it keeps running from
// there) and unpins the date: Today follows the instant.
func (c *Settable) SetNow(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pinned = nil
	c.offset = t.Sub(c.now())
}

// SetLocation sets the time zone whose calendar Today follows (nil is UTC).
func (c *Settable) SetLocation(loc *time.Location) {
	if loc == nil {
		loc = time.UTC
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.loc = loc
}

// Location is the time zone of the clock's calendar.
func (c *Settable) Location() *time.Location {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.loc
}

// Pinned reports whether the date is pinned.
func (c *Settable) Pinned() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.pinned != nil
}

// DateIn is the calendar date of t in loc, as midnight UTC.
func DateIn(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Midnight truncates t to 00:00 UTC of its UTC date.
func Midnight(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

var relRE = regexp.MustCompile(`^today\s*(?:([+-])\s*(\d+)\s*([dmy]))?$`)

// ParseDate reads a fixture date: "today", "today+30d", "today-2m", "today+1y",
// "2026-01-31", or an RFC 3339 / Autotask date-time such as
// "2026-01-31T00:00:00Z" or "2026-01-31T00:00:00". The result is UTC.
func ParseDate(s string, today time.Time) (time.Time, error) {
	v := strings.TrimSpace(strings.ToLower(s))
	if m := relRE.FindStringSubmatch(v); m != nil {
		base := Midnight(today)
		if m[1] == "" {
			return base, nil
		}
		n, err := strconv.Atoi(m[2])
		if err != nil {
			return time.Time{}, fmt.Errorf("date %q: %w", s, err)
		}
		if m[1] == "-" {
			n = -n
		}
		switch m[3] {
		case "d":
			return base.AddDate(0, 0, n), nil
		case "m":
			return base.AddDate(0, n, 0), nil
		default:
			return base.AddDate(n, 0, 0), nil
		}
	}
	return ParseAutotaskTime(strings.TrimSpace(s))
}

// ParseAutotaskTime parses the date and date-time forms Autotask sends and
// accepts: with or without a Z, with 0 to 7 fractional digits, or a bare date.
func ParseAutotaskTime(s string) (time.Time, error) {
	layouts := []string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05.9999999",
		"2006-01-02T15:04:05",
		"2006-01-02",
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q: use YYYY-MM-DD, an ISO-8601 date-time, or today[+-]N(d|m|y)", s)
}

// FormatAutotaskTime renders t the way current Autotask responses do: UTC with
// a Z and fractional seconds trimmed of trailing zeros.
func FormatAutotaskTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.999Z07:00")
}
