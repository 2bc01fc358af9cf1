package petrasim

import (
	"crypto/sha256"
	"sync"
	"time"
)

// rateWindow is Petra's rate-limit window ("10 req/min", ref §A1).
const rateWindow = time.Minute

// limiter enforces N requests per rolling minute per (route, API key).
type limiter struct {
	mu     sync.Mutex
	limit  int
	events map[limitKey][]time.Time
}

type limitKey struct {
	route string
	key   [sha256.Size]byte // never keep the raw key around
}

func newLimiter(limit int) *limiter {
	if limit <= 0 {
		limit = DefaultRateLimitPerMinute
	}
	return &limiter{limit: limit, events: map[limitKey][]time.Time{}}
}

// setLimit changes the limit and starts every window afresh.
func (l *limiter) setLimit(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.limit = n
	l.events = map[limitKey][]time.Time{}
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
	if len(ev) >= l.limit {
		l.events[k] = ev
		return false, ev[0].Add(rateWindow).Sub(now)
	}
	l.events[k] = append(ev, now)
	return true, 0
}
