package billing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
)

// Pusher sets the units of contract service lines (push.go).
type Pusher struct {
	run       *run.Run
	contracts *Contracts
	// pushTiming says how pushes wait for unconfirmed adjustments.
	pushTiming PushTiming
}

// NewPusher returns the pusher of a run; zero fields of timing take the
// defaults.
func NewPusher(c *Contracts, timing PushTiming) *Pusher {
	return &Pusher{run: c.run, contracts: c, pushTiming: timing}
}

// PushTiming says how long a push waits for an adjustment whose outcome
// Autotask did not confirm. Zero fields take the defaults; tests shorten
// them.
type PushTiming struct {
	// ReadBackWaits are the pauses before each read of the units after a
	// post whose outcome is unknown. The read-back stops as soon as the
	// units show the adjustment. Default DefaultReadBackWaits.
	ReadBackWaits []time.Duration
	// ReadBackTimeout bounds the whole read-back, which runs on a context of
	// its own (Ctrl-C does not cut it short). Default 2 minutes.
	ReadBackTimeout time.Duration
	// SettleWindow is how long after an unconfirmed post Autotask may still
	// apply it. Until then, a later run leaves the line alone unless the
	// units show the adjustment landed. Default DefaultSettleWindow.
	SettleWindow time.Duration
	// Now is the wall clock for settle windows (default time.Now; the
	// service clock may be pinned to a business date).
	Now func() time.Time
	// Sleep waits d or until ctx ends (default: a timer). Tests inject it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultReadBackWaits are the pauses before each read of the units after a
// post whose outcome is unknown: an answer lost after the commit shows at
// once; a write that a proxy or a busy Autotask delays shows within seconds.
// About 30 seconds in all, 7 reads at most, and only for such posts.
var DefaultReadBackWaits = []time.Duration{0, 500 * time.Millisecond, time.Second, 2 * time.Second,
	4 * time.Second, 8 * time.Second, 15 * time.Second}

// DefaultSettleWindow is how long after an unconfirmed post the next run
// holds off its line: Autotask ends any request after 5 minutes (ref §6,
// VERIFIED 3rd-party) and the client waits 6 minutes for a write
// (autotask.DefaultWriteTimeout), so a post older than this can no longer be
// applied unless something between the provider and Autotask held it for
// more than 10 minutes. INFERRED (ref §6): the execution limit is a third
// party's observation.
const DefaultSettleWindow = 15 * time.Minute

// defaultReadBackTimeout bounds a read-back (the waits plus the reads).
const defaultReadBackTimeout = 2 * time.Minute

func (p PushTiming) withDefaults() PushTiming {
	if len(p.ReadBackWaits) == 0 {
		p.ReadBackWaits = DefaultReadBackWaits
	}
	if p.ReadBackTimeout <= 0 {
		p.ReadBackTimeout = defaultReadBackTimeout
	}
	if p.SettleWindow <= 0 {
		p.SettleWindow = DefaultSettleWindow
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Sleep == nil {
		p.Sleep = run.Wait
	}
	return p
}

func (s *Pusher) timing() PushTiming { return s.pushTiming.withDefaults() }

// ErrPushInterrupted matches (errors.Is) a PushUnits that stopped because its
// context ended. The result then tells what Autotask holds: nothing more is
// posted after an interruption.
var ErrPushInterrupted = errors.New("the unit push was interrupted")

// ErrUnconfirmed matches (errors.Is) a push that ends with an adjustment
// whose outcome Autotask did not confirm, or that leaves a line alone
// because such an adjustment from an earlier run may still land. The result's
// Unconfirmed must then be recorded.
var ErrUnconfirmed = errors.New("an adjustment's outcome is not confirmed")

// unconfirmedError is a push error that matches ErrUnconfirmed.
type unconfirmedError struct{ msg string }

func (e *unconfirmedError) Error() string        { return e.msg }
func (e *unconfirmedError) Is(target error) bool { return target == ErrUnconfirmed }

// Unconfirmed is an adjustment whose outcome Autotask never confirmed: the
// post may have been applied, may be applied later, or never.
type Unconfirmed struct {
	// UnitChange is the adjustment's unit change.
	UnitChange int
	// UnitsBefore is the unit count in effect when it was posted: the
	// adjustment has landed when the line holds UnitsBefore+UnitChange.
	UnitsBefore int
	// SentAt is when it was posted (wall clock, UTC).
	SentAt time.Time
	// EffectiveDate is its effective date (a database date); zero in state
	// written before it was recorded, read as the date it was sent.
	EffectiveDate time.Time
}

// day is the date whose units show whether the adjustment landed.
func (u Unconfirmed) day(today time.Time) time.Time {
	if u.EffectiveDate.IsZero() {
		return today
	}
	return dateOnly(u.EffectiveDate)
}

// settlesAt is when Autotask can no longer apply the adjustment.
func (u Unconfirmed) settlesAt(window time.Duration) time.Time { return u.SentAt.Add(window) }

// PushRequest asks for a contract service to hold Target units in every
// billing period from EffectiveDate (today when zero) on.
type PushRequest struct {
	ContractID        int64
	ContractServiceID int64
	ServiceID         int64
	// Target is the unit count wanted from the effective date on (0 or
	// more).
	Target int
	// EffectiveDate is the database date the change takes effect (a
	// calendar date); zero means today (run.Run.Today). A billing mapping
	// with effective = "next_period" gives the first day of the contract's
	// next billing period.
	EffectiveDate time.Time
	// Unconfirmed is an earlier adjustment of this line whose outcome was
	// never confirmed (from state), nil when there is none.
	Unconfirmed *Unconfirmed
	// Later asks the push to read and reconcile the line's later periods
	// too (LaterTimeline): the mapping is or was effective = "next_period",
	// or its last push did not finish. A push effective after today always
	// reads them.
	Later bool
	// Fresh reads the units before the push with a query of its own (never
	// the apply's snapshot): a push right after a take-over must see what
	// the former owner posted.
	Fresh bool
	// BeforePost, when set, runs right before the first adjustment is
	// posted; an error stops the push with nothing posted and is returned as
	// is. The caller checks there that the line is still its own (billing
	// does not know why).
	BeforePost func(context.Context) error
}

// PushResult says what a push did.
type PushResult struct {
	// Before is the units in effect on the effective date before the push,
	// After what Autotask holds on it after the push (as far as it is known).
	Before, After int
	// Delta is the change made on the effective date (After - Before); 0
	// when Autotask already held the target there.
	Delta int
	// Posted is how many adjustments Autotask confirmed or the units showed
	// (more than one when a later-dated adjustment was pending: every period
	// from the effective date on ends at the target).
	Posted int
	// AdjustmentID is the id of the last adjustment Autotask confirmed; 0
	// when nothing was posted or the confirmation was lost but the units show
	// the adjustment landed.
	AdjustmentID int64
	// At is when the push completed.
	At time.Time
	// Pushed is true when an adjustment is known to have changed the units.
	Pushed bool
	// Unconfirmed is the adjustment whose outcome is still unknown after
	// this push (a new one, or the request's that has not settled), nil
	// when there is none.
	Unconfirmed *Unconfirmed
	// Record is true when the caller must record the result in state even
	// though the push failed: Autotask changed, or an unconfirmed adjustment
	// must be remembered so that no later run posts it a second time.
	Record bool
}

// PushUnits makes a contract service hold req.Target units in every billing
// period from the effective date on, with as few ContractServiceAdjustments
// as the line's Timeline (units.go) needs: one for the difference on the
// effective date, and one more for each later period that an adjustment
// already posted for a later date would leave off target. The rows before
// the push come from the apply-time snapshot (one bulk read for the whole
// apply); Autotask's confirmation of each create is the proof of the new
// count. A day no unit row covers is never read as 0: nothing is pushed and
// the error says which day (a *NoRowError).
//
// A post whose outcome is unknown (timeout, reset, 5xx without Autotask's
// text, an answer lost after the commit) is never followed by a second post
// for the line in this run, whatever the read-back shows: the units are read
// back on a context of its own (Ctrl-C does not cut it short), waiting up to
// ReadBackWaits for a slow commit. When they show the adjustment and it was
// the last one, the push succeeded; otherwise the result carries Unconfirmed
// (with the adjustment's effective date) and the error matches
// ErrUnconfirmed, and the caller records both. A later run with that
// Unconfirmed leaves the line alone until the units show the adjustment or
// its settle window has passed, so a commit later than the read-back is
// never doubled. Read-your-writes for ContractServiceUnits is INFERRED
// (ref §8, §13).
//
// An Autotask refusal (a business-rule 500 such as a contract that has not
// started) is returned with Autotask's text. When ctx ends (Terraform cancels
// it on Ctrl-C) nothing more is posted and the error matches
// ErrPushInterrupted.
func (s *Pusher) PushUnits(ctx context.Context, req PushRequest) (PushResult, error) {
	var res PushResult
	at, err := s.run.Autotask()
	if err != nil {
		return res, err
	}
	if req.Target < 0 {
		return res, fmt.Errorf("cannot set contract service %d to %d units: unit counts are 0 or more", req.ContractServiceID, req.Target)
	}
	tm := s.timing()
	what := fmt.Sprintf("contract service %d (contract %d, service %d)", req.ContractServiceID, req.ContractID, req.ServiceID)

	s.contracts.book.remember(req.ContractServiceID, req.ContractID, req.ServiceID)
	today := s.run.Today()
	day := today
	if !req.EffectiveDate.IsZero() && dateOnly(req.EffectiveDate).After(today) {
		day = dateOnly(req.EffectiveDate)
	}
	later := req.Later || day.After(today) || (req.Unconfirmed != nil && req.Unconfirmed.day(today).After(today))
	var tl Timeline
	if u := req.Unconfirmed; u != nil {
		// An earlier run's post may still land: read the line with a query
		// of its own (never a snapshot from before now) and decide.
		tl, err = s.timelineAfterWrite(ctx, req.ContractServiceID, later)
		if err != nil {
			if ctx.Err() != nil {
				return res, interrupted(ctx, fmt.Sprintf("before anything was pushed to %s; nothing was posted", what))
			}
			return res, fmt.Errorf("reading the units of %s before pushing: %w", what, err)
		}
		res.Before, _ = tl.At(day)
		res.After = res.Before
		units, known := tl.At(u.day(today))
		landed := known && units == u.UnitsBefore+u.UnitChange
		if settles := u.settlesAt(tm.SettleWindow); !landed && tm.Now().Before(settles) {
			res.Unconfirmed, res.Record = u, true
			return res, &unconfirmedError{msg: fmt.Sprintf("The outcome of the adjustment of %+d units to %s%s "+
				"sent at %s is not confirmed yet, and Autotask may still apply it until %s; Autotask shows %d units%s "+
				"now (target %d). Nothing was posted, so that the adjustment cannot be applied twice. Run apply again "+
				"after %s: it reads the units first and pushes only what is missing", u.UnitChange, what,
				effectiveOn(u.day(today), today), stamp(u.SentAt), stamp(settles), units, onDay(u.day(today), today),
				req.Target, stamp(settles))}
		}
		// Landed, or too old to land any more: the units read are the truth.
		res.Record = true
	} else {
		switch {
		case req.Fresh:
			tl, err = s.timelineAfterWrite(ctx, req.ContractServiceID, later)
		case later:
			tl, err = s.contracts.LaterTimeline(ctx, req.ContractServiceID, req.ContractID, req.ServiceID, true)
		default:
			tl, err = s.contracts.LineTimeline(ctx, req.ContractServiceID, true)
		}
		if err != nil {
			if ctx.Err() != nil {
				return res, interrupted(ctx, fmt.Sprintf("before anything was pushed to %s; nothing was posted", what))
			}
			return res, fmt.Errorf("reading the units of %s before pushing: %w", what, err)
		}
		res.Before, _ = tl.At(day)
		res.After = res.Before
	}
	adjs, err := tl.Adjustments(day, req.Target)
	if err != nil {
		return res, fmt.Errorf("%w. Nothing was posted to %s: the provider never reads a day without a row as 0 "+
			"units. Autotask writes each billing period's row ahead of the period; run apply again once the line shows "+
			"a row for %s (the contract's Services, Units tab)", err, what, day.Format(time.DateOnly))
	}
	for i, a := range adjs {
		if i == 0 && req.BeforePost != nil && ctx.Err() == nil {
			if err := req.BeforePost(ctx); err != nil {
				return res, err
			}
		}
		if ctx.Err() != nil {
			// Never start a post after an interruption.
			return res, interrupted(ctx, fmt.Sprintf("before the adjustment of %+d units to %s effective %s was sent; "+
				"nothing more was posted (%d units on %s, target %d)", a.Change, what, a.Day.Format(time.DateOnly),
				res.After, day.Format(time.DateOnly), req.Target))
		}
		sentAt := tm.Now().UTC()
		id, err := at.Create(ctx, autotask.EntityContractServiceAdjustments, autotask.ContractServiceAdjustment{
			ContractID:        req.ContractID,
			ContractServiceID: req.ContractServiceID,
			ServiceID:         req.ServiceID,
			// Date only: Autotask ignores the time part (ref §7.6, VERIFIED).
			EffectiveDate: autotask.TimeOf(a.Day),
			UnitChange:    int32(a.Change),
		})
		switch {
		case err == nil:
			// A create Autotask confirmed (HTTP 200 with the adjustment's
			// itemId) is a committed adjustment, so the units are known
			// without another query: a per-mapping read-back would double
			// the requests of a billing run against a database-wide budget
			// of 10,000 an hour. Every refresh reads the units again, so a
			// concurrent hand edit shows as drift in the next plan.
			res.AdjustmentID, res.Pushed, res.Record = id, true, true
			res.Posted++
			res.After = unitsAfter(tl, adjs[:i+1], day)
			res.Delta, res.At = res.After-res.Before, s.run.Now()
			continue
		case !errors.Is(err, autotask.ErrOutcomeUnknown):
			if ctx.Err() != nil {
				// Cancelled before the post left (waiting for a slot or to
				// retry a rejection): Autotask did not process it.
				return res, interrupted(ctx, fmt.Sprintf("before the adjustment of %+d units to %s effective %s was "+
					"sent: Autotask holds %d units on %s (target %d)", a.Change, what, a.Day.Format(time.DateOnly),
					res.After, day.Format(time.DateOnly), req.Target))
			}
			return res, explainRefusal(fmt.Errorf("Autotask refused the adjustment of %+d units to %s effective %s (%d "+
				"units in effect then, target %d): %w", a.Change, what, a.Day.Format(time.DateOnly), a.Before, req.Target, err), a.Day)
		}

		// The outcome is unknown. Read back on a context of its own, so that
		// a Ctrl-C during the wait cannot cut it short: what landed must be
		// known and recorded before returning.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tm.ReadBackTimeout)
		deadline, _ := ctx.Deadline()
		now, known, rerr := s.readBack(rctx, req.ContractServiceID, a.Day, a.Before, tm, deadline)
		cancel()
		res.Record = true
		if known && now == a.Before+a.Change {
			// The units show the adjustment: it landed.
			res.Pushed, res.At = true, s.run.Now()
			res.Posted++
			res.After = unitsAfter(tl, adjs[:i+1], day)
			res.Delta = res.After - res.Before
			if i == len(adjs)-1 {
				return res, nil
			}
			uerr := &unconfirmedError{msg: fmt.Sprintf("The answer to the adjustment of %+d units to %s effective %s "+
				"was lost (%v); the units show that it landed, but nothing more was posted for this line in this run "+
				"(%d more adjustment(s) were needed for every period to hold %d). Run apply again: it reads the units "+
				"first and pushes only what is missing", a.Change, what, a.Day.Format(time.DateOnly), err, len(adjs)-i-1, req.Target)}
			return res, uerr
		}
		u := &Unconfirmed{UnitChange: a.Change, UnitsBefore: a.Before, SentAt: sentAt, EffectiveDate: a.Day}
		res.Unconfirmed = u
		on := onDay(a.Day, today)
		shows := fmt.Sprintf("Autotask shows %d units%s now", now, on)
		if !known {
			shows = fmt.Sprintf("the units could not be read back (%v); Autotask showed %d units%s before the "+
				"adjustment", rerr, a.Before, on)
		}
		settles := u.settlesAt(tm.SettleWindow)
		uerr := &unconfirmedError{msg: fmt.Sprintf("The outcome of the adjustment of %+d units to %s%s is not "+
			"confirmed (%v); %s (target %d). Nothing more was posted for this line. Run apply again later: it reads the "+
			"units first and pushes only what is missing (until %s, when Autotask can no longer apply this adjustment, "+
			"a run leaves this line alone unless the units show it landed)", a.Change, what, effectiveOn(a.Day, today),
			err, shows, req.Target, stamp(settles))}
		if ctx.Err() != nil {
			return res, fmt.Errorf("%w (%w): %w", ErrPushInterrupted, ctx.Err(), uerr)
		}
		return res, uerr
	}
	if len(adjs) == 0 {
		res.At = s.run.Now()
	}
	return res, nil
}

// onDay is " on <day>" for a day after today, "" for today (messages).
func onDay(day, today time.Time) string {
	if dateOnly(day).After(dateOnly(today)) {
		return " on " + day.Format(time.DateOnly)
	}
	return ""
}

// effectiveOn is " effective <day>" for a day after today, "" for today.
func effectiveOn(day, today time.Time) string {
	if dateOnly(day).After(dateOnly(today)) {
		return " effective " + day.Format(time.DateOnly)
	}
	return ""
}

// unitsAfter is the units on day once the adjustments posted have landed.
func unitsAfter(tl Timeline, posted []Adjustment, day time.Time) int {
	n, _ := tl.At(day)
	for _, a := range posted {
		if !a.Day.After(day) {
			n += a.Change
		}
	}
	return n
}

// interrupted builds the error for a push stopped by its context.
func interrupted(ctx context.Context, detail string) error {
	return fmt.Errorf("%w (%w) %s", ErrPushInterrupted, ctx.Err(), detail)
}

// stamp formats a wall-clock time for messages.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// readBack reads the units in effect today after a post on a line that held
// before, pausing tm.ReadBackWaits before each read, until the units change
// (the adjustment landed, or something else changed them: the caller tells
// which). known is false when no read succeeded; err is the last read error.
// A push's deadline (the resource's timeout; zero when none) is honoured:
// once it has passed, no further wait begins, but the first read always
// happens, so an answer lost after the commit is still recognised.
func (s *Pusher) readBack(ctx context.Context, contractServiceID int64, day time.Time, before int, tm PushTiming, deadline time.Time) (units int, known bool, err error) {
	for i, wait := range tm.ReadBackWaits {
		if i > 0 && !deadline.IsZero() && time.Now().Add(wait).After(deadline) {
			return units, known, err
		}
		if serr := tm.Sleep(ctx, wait); serr != nil {
			if err == nil {
				err = serr
			}
			return units, known, err
		}
		n, rerr := s.unitsAfterWrite(ctx, contractServiceID, day)
		if rerr != nil {
			err = rerr
			continue
		}
		units, known = n, true
		if n != before {
			return units, known, nil // landed, or changed by someone else
		}
	}
	return units, known, err
}

// unitsAfterWrite asks Autotask for the units in effect on day on one
// contract service with a query of its own. Reads after a post never go
// through the run's caches or shared batches: a snapshot or batch whose query
// was sent before the post landed would report the units from before it, and
// the push would then post the difference a second time.
func (s *Pusher) unitsAfterWrite(ctx context.Context, contractServiceID int64, day time.Time) (int, error) {
	tl, err := s.timelineAfterWrite(ctx, contractServiceID, dateOnly(day).After(s.run.Today()))
	if err != nil {
		return 0, err
	}
	n, ok := tl.At(day)
	if !ok {
		return 0, &NoRowError{Day: dateOnly(day)}
	}
	return n, nil
}

// timelineAfterWrite reads one line's rows covering today (with later,
// through TimelineHorizon) with a query of its own (see unitsAfterWrite).
func (s *Pusher) timelineAfterWrite(ctx context.Context, contractServiceID int64, later bool) (Timeline, error) {
	if _, err := s.run.Autotask(); err != nil {
		return Timeline{}, err
	}
	today := s.run.Today()
	to := today
	if later {
		to = today.Add(TimelineHorizon)
	}
	m, err := s.contracts.readTimelines(ctx, []int64{contractServiceID}, today, to)
	if err != nil {
		return Timeline{}, err
	}
	return m[contractServiceID], nil
}

// UnconfirmedSettled reports whether an unconfirmed adjustment no longer
// needs remembering: the line holds its result on its effective date (it
// landed), or its settle window has passed (it can no longer land).
func (s *Pusher) UnconfirmedSettled(u Unconfirmed, line Timeline) bool {
	tm := s.timing()
	n, ok := line.At(u.day(s.run.Today()))
	return (ok && n == u.UnitsBefore+u.UnitChange) || !tm.Now().Before(u.settlesAt(tm.SettleWindow))
}

// UnconfirmedSettlesAt is when an unconfirmed adjustment can no longer land.
func (s *Pusher) UnconfirmedSettlesAt(u Unconfirmed) time.Time {
	return u.settlesAt(s.timing().SettleWindow)
}

// WallNow is the wall clock used for settle windows.
func (s *Pusher) WallNow() time.Time { return s.timing().Now() }
