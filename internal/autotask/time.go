package autotask

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// wireTimeLayout is how the client sends times (UTC, "Z", no fraction).
const wireTimeLayout = "2006-01-02T15:04:05Z"

// dateLayout is a date without time.
const dateLayout = "2006-01-02"

// Time is an Autotask date-time, always UTC (ref §11). It reads every form
// Autotask returns — with or without "Z" or an offset, with 0 to 7 (or more)
// fractional digits, date-only, or null (the zero Time) — and writes
// "2006-01-02T15:04:05Z", or null when zero.
type Time struct{ time.Time }

// TimeOf converts t to a Time in UTC.
func TimeOf(t time.Time) Time { return Time{t.UTC()} }

// Date returns midnight UTC of the given day.
func Date(year int, month time.Month, day int) Time {
	return Time{time.Date(year, month, day, 0, 0, 0, 0, time.UTC)}
}

// ParseTime reads an Autotask time string.
func ParseTime(s string) (Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", dateLayout} {
		// Without a zone, Autotask means UTC; time.Parse assumes UTC too.
		if t, err := time.Parse(layout, s); err == nil {
			return Time{t.UTC()}, nil
		}
	}
	return Time{}, fmt.Errorf("%q is not an Autotask date-time (expected e.g. %q)", shorten(s, 60), "2023-03-17T10:32:29.52Z")
}

// ParseDate reads "2006-01-02" as midnight UTC.
func ParseDate(s string) (Time, error) {
	t, err := time.Parse(dateLayout, strings.TrimSpace(s))
	if err != nil {
		return Time{}, fmt.Errorf("%q is not a date in the form YYYY-MM-DD", shorten(s, 60))
	}
	return Time{t}, nil
}

// DateString returns the UTC date as "2006-01-02" ("" for the zero Time).
func (t Time) DateString() string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(dateLayout)
}

// WireString returns the form sent to Autotask ("" for the zero Time).
func (t Time) WireString() string {
	if t.IsZero() {
		return ""
	}
	return formatTime(t.Time)
}

// MarshalJSON writes "2006-01-02T15:04:05Z" (UTC), or null when zero.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(formatTime(t.Time))
}

// UnmarshalJSON reads any Autotask time form or null.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*t = Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("an Autotask date-time must be a JSON string or null, got %s", shorten(string(b), 40))
	}
	v, err := ParseTime(s)
	if err != nil {
		return err
	}
	*t = v
	return nil
}

func formatTime(t time.Time) string { return t.UTC().Format(wireTimeLayout) }
