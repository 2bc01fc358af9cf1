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

// Clock is the sandbox's source of time. Today is the current UTC date at
// midnight; it can be pinned independently of the wall clock so that contract
// periods and Petra's "this month" are deterministic in tests.
type Clock interface {
	Now() time.Time
	Today() time.Time
}

// Settable is a Clock whose "today" can be pinned (and unpinned).
type Settable struct {
	mu     sync.RWMutex
	pinned *time.Time
	now    func() time.Time
}

// NewSettable returns a clock that follows the wall clock until SetToday pins it.
func NewSettable() *Settable { return &Settable{now: time.Now} }

// Now is the wall-clock time in UTC. It is used for rate-limit windows and
// timestamps, never for business dates.
func (c *Settable) Now() time.Time { return c.now().UTC() }

// Today returns the pinned date, or the wall clock's UTC date.
func (c *Settable) Today() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.pinned != nil {
		return *c.pinned
	}
	return Midnight(c.now())
}

// SetToday pins today's date; a zero time unpins it.
func (c *Settable) SetToday(d time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d.IsZero() {
		c.pinned = nil
		return
	}
	m := Midnight(d)
	c.pinned = &m
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
