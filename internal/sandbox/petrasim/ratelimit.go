package petrasim

import (
	"crypto/sha256"
	"sync"
	"time"
)

// rateWindow is Petra's rate-limit window ("10 req/min", ref §A1).
const rateWindow = time.Minute

// limiter enforces each route's requests per rolling minute per API key.
type limiter struct {
	mu     sync.Mutex
	limits map[string]int // route -> requests per window
	events map[limitKey][]time.Time
}

type limitKey struct {
	route string
	key   [sha256.Size]byte // never keep the raw key around
}

func newLimiter(limits map[string]int) *limiter {
	return &limiter{limits: limits, events: map[limitKey][]time.Time{}}
}

// setLimit changes the limit of route, or of every route when route is "",
// and starts every window afresh.
func (l *limiter) setLimit(route string, n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if route == "" {
		for r := range l.limits {
			l.limits[r] = n
		}
	} else {
		l.limits[route] = n
	}
	l.events = map[limitKey][]time.Time{}
}

// snapshot returns each route's limit.
func (l *limiter) snapshot() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]int, len(l.limits))
	for r, n := range l.limits {
		out[r] = n
	}
	return out
}

// allow records a request at now, or reports how long until a slot frees.
func (l *limiter) allow(route, apiKey string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := limitKey{route: route, key: sha256.Sum256([]byte(apiKey))}
	ev := l.events[k]
	cut := 0
	for cut < len(ev) && !ev[cut].After(now.Add(-rateWindow)) {
		cut++
	}
	ev = ev[cut:]
	limit := l.limits[route]
	if limit < 1 {
		limit = 1
	}
	if len(ev) >= limit {
		l.events[k] = ev
		return false, ev[0].Add(rateWindow).Sub(now)
	}
	l.events[k] = append(ev, now)
	return true, 0
}
