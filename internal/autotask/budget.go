package autotask

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// The hourly budget guard. Autotask allows 10,000 requests per rolling hour
// per database, shared by every integration, and GET ThresholdInformation
// reports the threshold, the timeframe and the requests made in it (ref §6,
// VERIFIED). Spending the budget suspends every integration of the tenant,
// so the client reads ThresholdInformation every BudgetCheckEvery requests
// and, once usage reaches BudgetSlowdownAt of the threshold, warns and spaces
// its requests so that the remaining budget lasts the whole timeframe,
// instead of running into 429s and failing half-way through a billing run.

const (
	// DefaultBudgetSlowdownAt is the share of the hourly threshold at which
	// the client starts pacing. INFERRED (ref §6): Autotask itself adds
	// latency from about 50 %; 80 % leaves other integrations room.
	DefaultBudgetSlowdownAt = 0.8
	// DefaultBudgetCheckEvery is how many requests pass between two reads of
	// ThresholdInformation (the read itself counts against the threshold, so
	// this costs 1 % of the budget). INFERRED (ref §6): a sensible default.
	DefaultBudgetCheckEvery = 200
	// budgetPacedCheckEvery is how often usage is re-read while pacing, so
	// the pace relaxes as the rolling window drains. INFERRED (ref §6).
	budgetPacedCheckEvery = 10
)

// BudgetStatus is the client's latest view of the database's request budget.
type BudgetStatus struct {
	// Known is false until ThresholdInformation was read successfully.
	Known bool
	// Threshold is the requests allowed per Timeframe (externalRequestThreshold).
	Threshold int
	// Timeframe is the rolling window (requestThresholdTimeframe).
	Timeframe time.Duration
	// Used is the requests made in the current window
	// (currentTimeframeRequestCount) when last read.
	Used int
	// Pacing is true while the client spaces its requests.
	Pacing bool
	// Interval is the spacing between requests while pacing.
	Interval time.Duration
}

// budget is the guard's state, shared by every goroutine using the client.
type budget struct {
	mu       sync.Mutex
	since    int  // requests since the last check (or since start)
	checking bool // a check is under way
	status   BudgetStatus
	next     time.Time // earliest start of the next paced request
}

// Budget returns the latest known request budget of the Autotask database.
func (c *Client) Budget() BudgetStatus {
	c.budget.mu.Lock()
	defer c.budget.mu.Unlock()
	return c.budget.status
}

// spendBudget runs before every authenticated call: it re-reads the budget
// when due and, while pacing, waits for the call's turn.
func (c *Client) spendBudget(ctx context.Context, r *request) error {
	if c.cfg.BudgetSlowdownAt < 0 || !r.auth || r.budgetCheck {
		return nil
	}
	b := &c.budget
	b.mu.Lock()
	b.since++
	every := c.cfg.BudgetCheckEvery
	if b.status.Pacing && every > budgetPacedCheckEvery {
		every = budgetPacedCheckEvery
	}
	due := !b.checking && b.since > every
	if due {
		b.checking, b.since = true, 0
	}
	b.mu.Unlock()
	if due {
		c.checkBudget(ctx)
	}
	return c.pace(ctx)
}

// pace waits until the call's turn when the client is pacing.
func (c *Client) pace(ctx context.Context) error {
	b := &c.budget
	b.mu.Lock()
	if !b.status.Pacing {
		b.mu.Unlock()
		return nil
	}
	now := c.now()
	start := b.next
	if start.Before(now) {
		start = now
	}
	b.next = start.Add(b.status.Interval)
	b.mu.Unlock()
	if wait := start.Sub(now); wait > 0 {
		return c.cfg.Sleep(ctx, wait)
	}
	return nil
}

// checkBudget reads ThresholdInformation and updates the pace. A failed read
// keeps the previous state: the guard must never fail a call by itself.
func (c *Client) checkBudget(ctx context.Context) {
	b := &c.budget
	defer func() {
		b.mu.Lock()
		b.checking = false
		b.mu.Unlock()
	}()
	info, err := c.thresholdInformation(ctx)
	if err != nil {
		c.log.Debug("reading Autotask ThresholdInformation failed; keeping the current pace", "error", logSafeError(err))
		return
	}
	c.observeBudget(info)
}

// observeBudget takes a ThresholdInformation answer (the guard's own, or one
// a caller asked for) as the current state of the budget and sets the pace.
func (c *Client) observeBudget(info thresholdInfo) {
	if c.cfg.BudgetSlowdownAt < 0 || info.Threshold <= 0 {
		return
	}
	b := &c.budget
	st := BudgetStatus{Known: true, Threshold: info.Threshold, Timeframe: info.Timeframe, Used: info.Used}
	if float64(info.Used) >= c.cfg.BudgetSlowdownAt*float64(info.Threshold) {
		st.Pacing, st.Interval = true, c.paceInterval(info)
	}
	b.mu.Lock()
	was := b.status.Pacing
	b.status = st
	b.mu.Unlock()
	pct := 100 * info.Used / info.Threshold
	switch {
	case st.Pacing && !was:
		c.log.Warn(fmt.Sprintf("Autotask API usage is at %d%% of the database's request budget (%d of %d requests in %s, "+
			"shared by every integration). Slowing down to one request every %s so the budget is not exhausted; the "+
			"run takes longer but does not fail.", pct, info.Used, info.Threshold, info.Timeframe, st.Interval),
			"used", info.Used, "threshold", info.Threshold, "interval", st.Interval.String())
	case st.Pacing:
		c.log.Debug("Autotask request budget still high; pacing", "used", info.Used, "threshold", info.Threshold,
			"interval", st.Interval.String())
	case was:
		c.log.Info(fmt.Sprintf("Autotask API usage is down to %d%% of the request budget; no longer slowing down.", pct),
			"used", info.Used, "threshold", info.Threshold)
	}
}

// paceInterval spreads the requests left in the budget over the timeframe,
// so that even if nothing drained from the rolling window the budget would
// last it out: timeframe / remaining, at least timeframe / threshold and at
// most MaxRetryAfter. INFERRED (ref §6): the window's drain rate is unknown.
func (c *Client) paceInterval(info thresholdInfo) time.Duration {
	remaining := info.Threshold - info.Used
	if remaining < 1 {
		remaining = 1
	}
	d := info.Timeframe / time.Duration(remaining)
	if floor := info.Timeframe / time.Duration(info.Threshold); d < floor {
		d = floor
	}
	if d > c.cfg.MaxRetryAfter {
		d = c.cfg.MaxRetryAfter
	}
	return d
}

// thresholdInfo is a decoded ThresholdInformation answer.
type thresholdInfo struct {
	Threshold int
	Timeframe time.Duration
	Used      int
}

// thresholdInformation reads GET /V1.0/ThresholdInformation (ref §6).
func (c *Client) thresholdInformation(ctx context.Context) (thresholdInfo, error) {
	base, _, err := c.serviceURL(ctx)
	if err != nil {
		return thresholdInfo{}, err
	}
	r := request{method: http.MethodGet, url: base + apiVersionSegment + "ThresholdInformation", read: true, auth: true,
		entity: "ThresholdInformation", op: OpQuery, budgetCheck: true}
	resp, err := c.send(ctx, &r)
	if err != nil {
		return thresholdInfo{}, err
	}
	if err := c.classify(&r, resp); err != nil {
		return thresholdInfo{}, err
	}
	return decodeThresholdInformation(resp.body)
}

// decodeThresholdInformation reads the ThresholdInformation body, rejecting
// values the guard cannot use.
func decodeThresholdInformation(body []byte) (thresholdInfo, error) {
	var v struct {
		Threshold *int `json:"externalRequestThreshold"`
		Minutes   *int `json:"requestThresholdTimeframe"`
		Used      *int `json:"currentTimeframeRequestCount"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return thresholdInfo{}, fmt.Errorf("ThresholdInformation is not JSON: %w", err)
	}
	if v.Threshold == nil || v.Minutes == nil || v.Used == nil || *v.Threshold <= 0 || *v.Minutes <= 0 ||
		*v.Minutes > 7*24*60 || *v.Used < 0 {
		return thresholdInfo{}, fmt.Errorf("ThresholdInformation lacks usable externalRequestThreshold, " +
			"requestThresholdTimeframe and currentTimeframeRequestCount")
	}
	return thresholdInfo{Threshold: *v.Threshold, Timeframe: time.Duration(*v.Minutes) * time.Minute, Used: *v.Used}, nil
}
