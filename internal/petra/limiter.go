package petra

import (
	"context"
	"sync"
	"time"
)

// rateWindow is the length of the rolling window Petra's limits are stated in.
const rateWindow = time.Minute

// routeLimiter allows at most limits[route] requests per route in any rolling
// rateWindow (a sliding-window log per route); each route has its own limit
// because Petra's differ (DefaultRouteLimits). It also holds a route back
// after Petra answers 429, until the advertised wait has passed. It is safe
// for concurrent use: a slot is recorded under the lock before the caller
// proceeds, so concurrent callers can never exceed the limit.
type routeLimiter struct {
	clock  Clock
	limits map[string]int // route -> requests per window; a route not listed gets 1

	mu     sync.Mutex
	sent   map[string][]time.Time // grant times inside the window, oldest first
	paused map[string]time.Time   // route -> no requests before this time
}

func newRouteLimiter(clock Clock, limits map[string]int) *routeLimiter {
	return &routeLimiter{
		clock:  clock,
		limits: limits,
		sent:   map[string][]time.Time{},
		paused: map[string]time.Time{},
	}
}

// wait blocks until route may be requested, records the request, and returns
// how long the caller was held back: zero when a slot was free at once (the
// microseconds spent taking the lock are not a wait, and must not be logged
// as one). It returns ctx.Err() if ctx ends first.
func (l *routeLimiter) wait(ctx context.Context, route string) (time.Duration, error) {
	start := l.clock.Now()
	slept := false
	held := func() time.Duration {
		if !slept {
			return 0
		}
		return l.clock.Now().Sub(start)
	}
	for {
		d := l.reserve(route)
		if d <= 0 {
			return held(), nil
		}
		slept = true
		if err := l.clock.Sleep(ctx, d); err != nil {
			return held(), err
		}
	}
}

// reserve records a request for route and returns 0, or returns how long to
// wait before trying again.
func (l *routeLimiter) reserve(route string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	if until, ok := l.paused[route]; ok {
		if now.Before(until) {
			return until.Sub(now)
		}
		delete(l.paused, route)
	}
	times := l.sent[route]
	// Drop grants that have left the window: a grant at t counts until t+window.
	i := 0
	for i < len(times) && !now.Before(times[i].Add(rateWindow)) {
		i++
	}
	times = times[i:]
	if len(times) >= l.limit(route) {
		l.sent[route] = times
		return times[0].Add(rateWindow).Sub(now)
	}
	l.sent[route] = append(times, now)
	return 0
}

// limit is route's requests per window. A route the limiter was not told
// about gets the strictest pace, one request per window.
func (l *routeLimiter) limit(route string) int {
	if n := l.limits[route]; n > 0 {
		return n
	}
	return 1
}

// pause holds route back until now+d (after a 429), so other callers of the
// same route wait instead of collecting 429s of their own.
func (l *routeLimiter) pause(route string, d time.Duration) {
	if d <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	until := l.clock.Now().Add(d)
	if until.After(l.paused[route]) {
		l.paused[route] = until
	}
}
