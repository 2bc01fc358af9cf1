package billing

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
)

// Billing periods of Recurring Service contracts, for effective =
// "next_period" (issue 11).
//
// Every change to a contract's units inside a billing period creates a
// prorated billing item in Autotask that cannot be deleted; a change that
// takes effect on the first day of a period creates none. Where periods
// begin is read from Autotask's rows (one row per billing period, ref §7.5,
// VERIFIED): the next period starts the day after the row covering today
// ends (Timeline.PeriodEnd). Only when no row covers today is it computed:
// the period's length comes from the contract's contractPeriodType, read by
// label from the field metadata (the numeric codes differ between
// databases: live records show 2 Monthly and 5 Yearly), and periods are
// assumed to start on the contract's start date and every period length
// after it, clamped to the month's last day. INFERRED: databases may anchor
// on calendar months instead, which is why the rows come first and the plan
// warns when it had to compute.

// periodMonthsByLabel maps contractPeriodType labels to months.
var periodMonthsByLabel = map[string]int{
	"monthly": 1, "quarterly": 3, "semi-annual": 6, "semiannual": 6, "semi-annually": 6, "yearly": 12, "annual": 12,
	"annually": 12,
}

// periodMonths is the length in months of a contract's billing period.
func (s *Contracts) periodMonths(ctx context.Context, c autotask.Contract) (int, string, error) {
	at, err := s.run.Autotask()
	if err != nil {
		return 0, "", err
	}
	fields, err := at.Fields(ctx, autotask.EntityContracts)
	if err != nil {
		return 0, "", fmt.Errorf("reading the Autotask contract period types: %w", err)
	}
	label := ""
	if f, ok := autotask.FindField(fields, "contractPeriodType"); ok {
		for _, p := range f.PicklistValues {
			if n, err := strconv.Atoi(strings.TrimSpace(p.Value)); err == nil && n == c.ContractPeriodType {
				label = p.Label
			}
		}
	}
	months := periodMonthsByLabel[strings.ToLower(strings.TrimSpace(label))]
	if months == 0 {
		if label == "" {
			label = fmt.Sprintf("code %d", c.ContractPeriodType)
		}
		return 0, label, fmt.Errorf("contract %q (id %d) has the billing period %q, whose length the provider does not "+
			"know (it knows Monthly, Quarterly, Semi-Annual and Yearly), so it cannot tell when the next period begins. "+
			"Use effective = \"today\" for this mapping", c.ContractName, c.ID, label)
	}
	return months, label, nil
}

// NextPeriod is when a line's next billing period begins.
type NextPeriod struct {
	// Start is the first day of the period after the one containing today.
	Start time.Time
	// Computed is true when no unit row covers today, so Start comes from
	// month arithmetic on the contract's start date (an assumption about
	// how this database anchors its periods), not from Autotask's rows.
	Computed bool
}

// NextPeriodStart is the first day of the line's billing period after the
// one containing today (the database's date). It comes from Autotask's unit
// rows (line: its LaterTimeline, so that a row split off later in the
// period is followed): where the row covering today ends, the next period starts
// (Timeline.PeriodEnd). Only when no row covers today is it computed from the
// contract's start date and period length (INFERRED anchor, see above), and
// Computed says so.
func (s *Contracts) NextPeriodStart(ctx context.Context, v *ContractView, line Timeline) (NextPeriod, error) {
	if v == nil {
		return NextPeriod{}, fmt.Errorf("the contract was not found")
	}
	c := v.Contract
	today := s.run.Today()
	var next NextPeriod
	if end, ok := line.PeriodEnd(today); ok {
		next.Start = end.AddDate(0, 0, 1)
	}
	if next.Start.IsZero() {
		months, _, err := s.periodMonths(ctx, c)
		if err != nil {
			return NextPeriod{}, err
		}
		if c.StartDate.IsZero() {
			return NextPeriod{}, fmt.Errorf("contract %q (id %d) has no start date, so its billing periods are unknown", c.ContractName, c.ID)
		}
		start := dateOnly(c.StartDate.Time)
		n := start
		for i := 1; !n.After(today); i++ {
			n = addMonths(start, i*months)
			if i > 12*200 {
				return NextPeriod{}, fmt.Errorf("contract %q (id %d): no billing period after %s", c.ContractName, c.ID, today.Format(time.DateOnly))
			}
		}
		next = NextPeriod{Start: n, Computed: true}
	}
	if !c.EndDate.IsZero() && next.Start.After(dateOnly(c.EndDate.Time)) {
		return NextPeriod{}, fmt.Errorf("contract %q (id %d) ends on %s, before its next billing period would begin (%s): "+
			"with effective = \"next_period\" there is no period left to change. Extend the contract in Autotask, or use "+
			"effective = \"today\"", c.ContractName, c.ID, c.EndDate.DateString(), next.Start.Format(time.DateOnly))
	}
	return next, nil
}

// addMonths adds n months to a date, clamping the day to the month's length
// (31 January + 1 month = 28 or 29 February).
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	if last := first.AddDate(0, 1, -1).Day(); d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, 0, 0, 0, 0, time.UTC)
}
