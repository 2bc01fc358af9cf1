package billing

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// d is a date in December 2026 and after (day 1 = 2026-12-01, 32 = 2027-01-01).
func d(n int) time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n-1) }

func row(start, end, units int) unitRow {
	return unitRow{start: d(start), end: d(end), units: units, id: int64(start*1000 + end)}
}

// monthly rows: December (1..31), January (32..62), February (63..90).
func timeline(rows ...unitRow) Timeline { return newTimeline(rows, d(6), d(6).Add(TimelineHorizon)) }

func TestTimelineAtIsNeverAGuess(t *testing.T) {
	tl := timeline(row(1, 6, 10), row(6, 31, 12), row(32, 62, 12))
	for _, c := range []struct {
		day   int
		units int
		ok    bool
	}{{1, 10, true}, {5, 10, true}, {6, 12, true}, {31, 12, true}, {32, 12, true}, {63, 0, false}} {
		n, ok := tl.At(d(c.day))
		if n != c.units || ok != c.ok {
			t.Errorf("At(%s) = %d, %v; want %d, %v", d(c.day).Format(time.DateOnly), n, ok, c.units, c.ok)
		}
	}
}

func TestTimelinePeriodEndFollowsSplitsNotMonthArithmetic(t *testing.T) {
	cases := []struct {
		name string
		tl   Timeline
		day  int
		want int
		ok   bool
	}{
		{"one row per period", timeline(row(1, 31, 5), row(32, 62, 5)), 6, 31, true},
		{"split today (boundary day in both rows)", timeline(row(1, 6, 5), row(6, 31, 7), row(32, 62, 7)), 6, 31, true},
		{"split later in the period", timeline(row(1, 20, 5), row(20, 31, 7)), 6, 31, true},
		{"calendar period shorter than a month", timeline(row(1, 14, 5), row(15, 45, 5)), 6, 14, true},
		{"next row not written yet", timeline(row(1, 31, 5)), 6, 31, true},
		{"no row today", timeline(row(32, 62, 5)), 6, 0, false},
	}
	for _, c := range cases {
		got, ok := c.tl.PeriodEnd(d(c.day))
		if ok != c.ok || (ok && !got.Equal(d(c.want))) {
			t.Errorf("%s: PeriodEnd = %s, %v; want %s, %v", c.name, got.Format(time.DateOnly), ok, d(c.want).Format(time.DateOnly), c.ok)
		}
	}
}

func describe(adjs []Adjustment) string {
	s := ""
	for _, a := range adjs {
		s += fmt.Sprintf("%+d@%s(before %d) ", a.Change, a.Day.Format("01-02"), a.Before)
	}
	return s
}

func TestTimelineAdjustmentsLeaveEveryPeriodAtTarget(t *testing.T) {
	cases := []struct {
		name   string
		tl     Timeline
		from   int
		target int
		want   string
	}{
		{"flat line, up", timeline(row(1, 31, 10), row(32, 62, 10)), 6, 30, "+20@12-06(before 10) "},
		{"flat line, no change", timeline(row(1, 31, 10), row(32, 62, 10)), 6, 10, ""},
		// next_period pending (+20 from January), switched to today: the
		// pending rise is reversed first, then today's rise.
		{"switch next_period to today", timeline(row(1, 31, 10), row(32, 62, 30)), 6, 30,
			"-20@01-01(before 30) +20@12-06(before 10) "},
		// zero from the next period (on_destroy zero with next_period).
		{"zero next period", timeline(row(1, 31, 10), row(32, 62, 30)), 32, 0, "-30@01-01(before 30) "},
		{"down today with a higher pending period", timeline(row(1, 31, 10), row(32, 62, 30)), 6, 5,
			"-5@12-06(before 10) -20@01-01(before 25) "},
		{"rows not written past December", timeline(row(1, 31, 10)), 6, 12, "+2@12-06(before 10) "},
	}
	for _, c := range cases {
		adjs, err := c.tl.Adjustments(d(c.from), c.target)
		if err != nil || describe(adjs) != c.want {
			t.Errorf("%s: Adjustments = %q, %v; want %q", c.name, describe(adjs), err, c.want)
			continue
		}
		// Applying them (each moves every day from its date on) leaves every
		// period from `from` on at the target, and no step ever above both
		// the start and the target.
		for _, day := range []int{c.from, 32, 62} {
			if day < c.from {
				continue
			}
			n, ok := c.tl.At(d(day))
			if !ok {
				continue
			}
			peak := n
			for _, a := range adjs {
				if !a.Day.After(d(day)) {
					n += a.Change
				}
				if n > peak && n > c.target {
					t.Errorf("%s: day %d goes to %d between posts, above both %d and %d", c.name, day, n, peak, c.target)
				}
			}
			if n != c.target {
				t.Errorf("%s: day %d ends at %d, want %d", c.name, day, n, c.target)
			}
		}
	}
}

func TestTimelineNoRowIsNotZero(t *testing.T) {
	tl := timeline(row(1, 31, 10))
	_, err := tl.Adjustments(d(32), 0)
	var nr *NoRowError
	if !errors.As(err, &nr) || !nr.Day.Equal(d(32)) {
		t.Fatalf("Adjustments on a day without a row = %v, want a NoRowError for 2027-01-01", err)
	}
	if _, ok := tl.Showing(d(32), 5); ok {
		t.Fatal("Showing reported units for a day without a row")
	}
}

func TestTimelineShowingRevealsALaterPeriodOffTarget(t *testing.T) {
	tl := timeline(row(1, 31, 30), row(32, 62, 50))
	if n, ok := tl.Showing(d(6), 30); !ok || n != 50 {
		t.Fatalf("Showing = %d, %v; want 50 (January holds 50 while today holds the target 30)", n, ok)
	}
	if n, _ := tl.Showing(d(6), 20); n != 30 {
		t.Fatalf("Showing = %d, want today's 30 when today is off target", n)
	}
	if n, _ := timeline(row(1, 31, 30), row(32, 62, 30)).Showing(d(6), 30); n != 30 {
		t.Fatalf("Showing = %d, want 30 when every period holds it", n)
	}
}
