package integration

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
)

// maxPushAttempts bounds how many adjustments one PushUnits may post when
// earlier posts ended with an unknown outcome and did not land.
const maxPushAttempts = 3

// readBackWaits are the pauses before each read of the units after a post
// whose outcome is unknown (the client already retries transient read
// failures itself; these cover a read that still fails).
var readBackWaits = []time.Duration{0, 250 * time.Millisecond, time.Second}

// reconcileTimeout bounds the read-back made after the caller's context
// ended (Ctrl-C during apply) while a post was in flight: the units are read
// with a separate context so that the result, and what state records, says
// whether the interrupted adjustment landed.
const reconcileTimeout = 30 * time.Second

// ErrPushInterrupted matches (errors.Is) a PushUnits that stopped because its
// context ended. The result then tells what Autotask holds: nothing more is
// posted after an interruption.
var ErrPushInterrupted = errors.New("the unit push was interrupted")

// PushRequest asks for a contract service to hold Target units from today.
type PushRequest struct {
	ContractID        int64
	ContractServiceID int64
	ServiceID         int64
	// Target is the unit count wanted in effect from today (0 or more).
	Target int
	// EffectiveDate is the database date the change takes effect (a
	// calendar date); zero means today (Service.Today). A billing mapping
	// with effective = "next_period" gives the first day of the contract's
	// next billing period.
	EffectiveDate time.Time

	// sleep waits between read-backs; tests replace it.
	sleep func(context.Context, time.Duration) error
}

// PushResult says what a push did.
type PushResult struct {
	// Before is the units in effect today before the push, After what
	// Autotask reports after it.
	Before, After int
	// Delta is the change made (After - Before); 0 when Autotask already
	// held the target and nothing was posted.
	Delta int
	// AdjustmentID is the id of the adjustment Autotask confirmed; 0 when
	// nothing was posted or the confirmation was lost but the units show the
	// adjustment landed.
	AdjustmentID int64
	// At is when the push completed.
	At time.Time
	// Pushed is true when at least one adjustment is known to have changed
	// the units (also set on some failures: the caller must then record the
	// resource, since Autotask changed).
	Pushed bool
}

// PushUnits makes a contract service hold req.Target units in effect today,
// exactly once: it reads the units in effect now, posts one
// ContractServiceAdjustment of the difference (none when there is no
// difference). The units before come from the apply-time snapshot (one bulk
// read for the whole apply); Autotask's confirmation of the create is the
// proof of the new count.
//
// A post whose outcome is unknown (timeout, reset, 5xx without Autotask's
// text, or an answer lost after the commit) is never re-posted blindly: the
// units are read again and only what is still missing is pushed, at most
// maxPushAttempts posts in all. This relies on a committed adjustment being
// visible to the next ContractServiceUnits query (read-your-writes), which
// the reference does not state: INFERRED (ref §8, §13). An Autotask refusal (a business-rule 500 such
// as a contract that has not started) is returned with Autotask's text and
// not retried.
//
// When ctx ends (Terraform cancels it on Ctrl-C) while a post is in flight,
// the post's outcome is reconciled with a separate, short-lived context
// before returning, so the result says what Autotask holds; nothing more is
// posted after an interruption, and the error matches ErrPushInterrupted.
func (s *Service) PushUnits(ctx context.Context, req PushRequest) (PushResult, error) {
	var res PushResult
	at, err := s.Autotask()
	if err != nil {
		return res, err
	}
	if req.Target < 0 {
		return res, fmt.Errorf("cannot set contract service %d to %d units: unit counts are 0 or more", req.ContractServiceID, req.Target)
	}
	sleep := req.sleep
	if sleep == nil {
		sleep = waitCtx
	}
	what := fmt.Sprintf("contract service %d (contract %d, service %d)", req.ContractServiceID, req.ContractID, req.ServiceID)

	s.rememberLine(req.ContractServiceID, req.ContractID, req.ServiceID)
	day := s.Today()
	var before int
	if !req.EffectiveDate.IsZero() && !dateOnly(req.EffectiveDate).Equal(day) {
		day = dateOnly(req.EffectiveDate)
		before, err = s.UnitsOn(ctx, req.ContractServiceID, req.ContractID, req.ServiceID, day)
	} else {
		before, err = s.UnitsToday(ctx, req.ContractServiceID, true)
	}
	if err != nil {
		if ctx.Err() != nil {
			return res, interrupted(ctx, fmt.Sprintf("before anything was pushed to %s; nothing was posted", what))
		}
		return res, fmt.Errorf("reading the units of %s before pushing: %w", what, err)
	}
	res.Before, res.After = before, before
	current := before
	var lastUnknown error
	for attempt := 1; current != req.Target; attempt++ {
		if ctx.Err() != nil {
			// Never start a post after an interruption.
			return res, interrupted(ctx, fmt.Sprintf("while pushing units to %s: Autotask holds %d units in effect "+
				"today (%d before this run, target %d)", what, current, before, req.Target))
		}
		if attempt > maxPushAttempts {
			return res, fmt.Errorf("gave up pushing units to %s after %d adjustments whose outcome Autotask did not confirm "+
				"(last: %v). Autotask now reports %d units in effect today (%d before this run, target %d). Check the "+
				"contract in Autotask, then run apply again: the provider reads the units first and pushes only what is "+
				"missing", what, maxPushAttempts, lastUnknown, current, before, req.Target)
		}
		delta := req.Target - current
		id, err := at.Create(ctx, autotask.EntityContractServiceAdjustments, autotask.ContractServiceAdjustment{
			ContractID:        req.ContractID,
			ContractServiceID: req.ContractServiceID,
			ServiceID:         req.ServiceID,
			// Date only: Autotask ignores the time part (ref §7.6, VERIFIED).
			EffectiveDate: autotask.TimeOf(day),
			UnitChange:    int32(delta),
		})
		if err == nil {
			res.AdjustmentID, res.Pushed = id, true
			res.After = req.Target
			break
		}
		if !errors.Is(err, autotask.ErrOutcomeUnknown) {
			if ctx.Err() != nil {
				// Cancelled before the post left (waiting for a slot or to
				// retry a rejection): Autotask did not process it.
				return res, interrupted(ctx, fmt.Sprintf("before the adjustment of %+d units to %s was sent: Autotask "+
					"holds %d units in effect today (%d before this run, target %d)", delta, what, current, before, req.Target))
			}
			if res.Pushed {
				return res, fmt.Errorf("pushing the remaining %+d units to %s failed after an earlier adjustment landed "+
					"(%d units before, %d now, target %d): %w", delta, what, before, current, req.Target, err)
			}
			return res, explainRefusal(fmt.Errorf("Autotask refused the adjustment of %+d units to %s effective %s (%d "+
				"units in effect then, target %d): %w", delta, what, day.Format(time.DateOnly), current, req.Target, err), day)
		}
		lastUnknown = err
		// The answer was lost. Read what Autotask holds now, with a separate
		// context when the caller's has ended (Ctrl-C): the outcome must be
		// known before returning, so state records what was pushed.
		rctx, cancel := reconcileContext(ctx)
		now, rerr := s.readBack(rctx, req.ContractServiceID, day, sleep)
		cancel()
		if rerr != nil {
			return res, fmt.Errorf("the adjustment of %+d units to %s may or may not have been applied (%v), and reading "+
				"the units back failed (%v). Before this run it had %d units, the target is %d. Check the contract in "+
				"Autotask, then run apply again: the provider reads the units first and pushes only what is missing",
				delta, what, err, rerr, before, req.Target)
		}
		if now != current {
			res.Pushed = true
		}
		current, res.After = now, now
		if ctx.Err() != nil {
			res.Delta = res.After - res.Before
			landed := "did not land"
			if now != before {
				landed = "landed"
			}
			return res, interrupted(ctx, fmt.Sprintf("while the adjustment of %+d units to %s was in flight; it was "+
				"reconciled: it %s, and Autotask holds %d units in effect today (%d before this run, target %d). Run "+
				"apply again to push what is still missing", delta, what, landed, now, before, req.Target))
		}
	}

	// A create Autotask confirmed (HTTP 200 with the adjustment's itemId) is
	// a committed adjustment, so the units are before + delta without another
	// query: a per-mapping read-back would double the requests of a billing
	// run (2,000 instead of 1,000 for 1,000 changed mappings) against a
	// database-wide budget of 10,000 an hour. Reads happen where the outcome
	// is unknown (above), and every refresh reads the units again, so a
	// concurrent hand edit shows as drift in the next plan.
	res.Delta, res.At = res.After-res.Before, s.Now()
	return res, nil
}

// reconcileContext returns ctx while it is alive, or, once it has ended, a
// context detached from it that allows reconcileTimeout for the read-back.
func reconcileContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx.Err() == nil {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(context.WithoutCancel(ctx), reconcileTimeout)
}

// interrupted builds the error for a push stopped by its context.
func interrupted(ctx context.Context, detail string) error {
	return fmt.Errorf("%w (%w) %s", ErrPushInterrupted, ctx.Err(), detail)
}

// readBack reads the units in effect today, retrying a failed read a few
// times with backoff.
func (s *Service) readBack(ctx context.Context, contractServiceID int64, day time.Time, sleep func(context.Context, time.Duration) error) (int, error) {
	var err error
	for _, wait := range readBackWaits {
		if serr := sleep(ctx, wait); serr != nil {
			return 0, serr
		}
		var n int
		if n, err = s.unitsAfterWrite(ctx, contractServiceID, day); err == nil {
			return n, nil
		}
	}
	return 0, err
}

// unitsAfterWrite asks Autotask for the units in effect today on one
// contract service with a query of its own. Reads after a post never go
// through the run's caches or shared batches: a snapshot or batch whose query
// was sent before the post landed would report the units from before it, and
// the push would then post the difference a second time.
func (s *Service) unitsAfterWrite(ctx context.Context, contractServiceID int64, day time.Time) (int, error) {
	if _, err := s.Autotask(); err != nil {
		return 0, err
	}
	m, err := s.readUnitsOn(ctx, []int64{contractServiceID}, day)
	if err != nil {
		return 0, err
	}
	return m[contractServiceID], nil
}

// waitCtx waits d or until ctx ends, returning ctx's error then. Pushes and
// the connection check's retries both wait with it.
func waitCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
