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

// PushRequest asks for a contract service to hold Target units from today.
type PushRequest struct {
	ContractID        int64
	ContractServiceID int64
	ServiceID         int64
	// Target is the unit count wanted in effect from today (0 or more).
	Target int

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
// difference), and reads the units back.
//
// A post whose outcome is unknown (timeout, reset, 5xx without Autotask's
// text, or an answer lost after the commit) is never re-posted blindly: the
// units are read again and only what is still missing is pushed, at most
// maxPushAttempts posts in all. This relies on a committed adjustment being
// visible to the next ContractServiceUnits query (read-your-writes), which
// the reference does not state: INFERRED (ref §8, §13). An Autotask refusal (a business-rule 500 such
// as a contract that has not started) is returned with Autotask's text and
// not retried.
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
		sleep = pushWait
	}
	what := fmt.Sprintf("contract service %d (contract %d, service %d)", req.ContractServiceID, req.ContractID, req.ServiceID)

	before, err := s.UnitsToday(ctx, req.ContractServiceID, true)
	if err != nil {
		return res, fmt.Errorf("reading the units of %s before pushing: %w", what, err)
	}
	res.Before, res.After = before, before
	current := before
	var lastUnknown error
	for attempt := 1; current != req.Target; attempt++ {
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
			EffectiveDate: autotask.TimeOf(s.Today()),
			UnitChange:    int32(delta),
		})
		if err == nil {
			res.AdjustmentID, res.Pushed = id, true
			break
		}
		if !errors.Is(err, autotask.ErrOutcomeUnknown) {
			if res.Pushed {
				return res, fmt.Errorf("pushing the remaining %+d units to %s failed after an earlier adjustment landed "+
					"(%d units before, %d now, target %d): %w", delta, what, before, current, req.Target, err)
			}
			return res, fmt.Errorf("Autotask refused the adjustment of %+d units to %s (%d units in effect today, target "+
				"%d): %w", delta, what, current, req.Target, err)
		}
		lastUnknown = err
		now, rerr := s.readBack(ctx, req.ContractServiceID, sleep)
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
	}

	after, err := s.UnitsToday(ctx, req.ContractServiceID, true)
	if err != nil {
		res.After = current
		res.Delta = res.After - res.Before
		return res, fmt.Errorf("units were pushed to %s (target %d) but reading them back failed: %w", what, req.Target, err)
	}
	res.After, res.Delta, res.At = after, after-before, s.Now()
	if after != req.Target {
		return res, fmt.Errorf("after pushing, Autotask reports %d units in effect today on %s, not the target %d: "+
			"something else changed the units at the same time. Run apply again to push the difference", after, what, req.Target)
	}
	return res, nil
}

// readBack reads the units in effect today, retrying a failed read a few
// times with backoff.
func (s *Service) readBack(ctx context.Context, contractServiceID int64, sleep func(context.Context, time.Duration) error) (int, error) {
	var err error
	for _, wait := range readBackWaits {
		if serr := sleep(ctx, wait); serr != nil {
			return 0, serr
		}
		var n int
		if n, err = s.UnitsToday(ctx, contractServiceID, true); err == nil {
			return n, nil
		}
	}
	return 0, err
}

// pushWait waits d or until ctx ends.
func pushWait(ctx context.Context, d time.Duration) error {
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
