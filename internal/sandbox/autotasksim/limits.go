package autotasksim

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Limit texts. INFERRED (ref §6, §13): exact bodies are not verified; the
// thread text carries the Itgenatr005 code clients detect.
const (
	threadLimitText = "Thread Threshold Exceeded: the Autotask API thread threshold of %d threads has been exceeded for this integration and endpoint (Itgenatr005)."
	thresholdText   = "The API request threshold of %d requests per %d minutes has been exceeded for this Autotask database. Requests are refused until usage drops; retry after %d seconds."
)

// Usage-latency breakpoints. INFERRED (ref §6): 50% → 0.5 s, 75% → 1 s.
const (
	latencyLowFraction  = 0.50
	latencyLowDelay     = 500 * time.Millisecond
	latencyHighFraction = 0.75
	latencyHighDelay    = time.Second
)

// threadEndpoint is the thread-limit bucket of a request: the entity segment
// after V1.0/, lower-cased; child routes count against the parent entity.
// INFERRED (ref §6).
func threadEndpoint(segments []string) string {
	if len(segments) == 0 {
		return ""
	}
	return strings.ToLower(segments[0])
}

// limiter implements the rolling request threshold and the thread limit.
type limiter struct {
	mu       sync.Mutex
	window   []time.Time // request times inside the window, oldest first
	inFlight map[string]int
	maxIn    map[string]int
	threadRj int
	threshRj int
}

func newLimiter() *limiter {
	return &limiter{inFlight: map[string]int{}, maxIn: map[string]int{}}
}

// prune drops requests older than the window.
func (l *limiter) prune(now time.Time, window time.Duration) {
	cut := 0
	for cut < len(l.window) && !l.window[cut].After(now.Add(-window)) {
		cut++
	}
	if cut > 0 {
		l.window = append(l.window[:0], l.window[cut:]...)
	}
}

// admit counts a request against the threshold. It returns the count in
// the window after admission, or ok=false and the seconds until a slot
// frees when the threshold is reached.
func (l *limiter) admit(now time.Time, window time.Duration, threshold int) (count int, retryAfter int, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prune(now, window)
	if len(l.window) >= threshold {
		l.threshRj++
		wait := l.window[0].Add(window).Sub(now)
		secs := int((wait + time.Second - 1) / time.Second)
		if secs < 1 {
			secs = 1
		}
		return len(l.window), secs, false
	}
	l.window = append(l.window, now)
	return len(l.window), 0, true
}

// count is the number of requests inside the window.
func (l *limiter) count(now time.Time, window time.Duration) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prune(now, window)
	return len(l.window)
}

// acquire takes a thread slot for key; false when limit slots are in use.
// A limit below 1 disables thread limiting.
func (l *limiter) acquire(key string, limit int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if limit > 0 && l.inFlight[key] >= limit {
		l.threadRj++
		return false
	}
	l.inFlight[key]++
	if l.inFlight[key] > l.maxIn[key] {
		l.maxIn[key] = l.inFlight[key]
	}
	return true
}

func (l *limiter) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inFlight[key]--
	if l.inFlight[key] <= 0 {
		delete(l.inFlight, key)
	}
}

func (l *limiter) stats(now time.Time, window time.Duration) Stats {
	n := l.count(now, window)
	l.mu.Lock()
	defer l.mu.Unlock()
	st := Stats{MaxInFlight: make(map[string]int, len(l.maxIn)), ThreadRejections: l.threadRj,
		ThresholdRejections: l.threshRj, RequestsInWindow: n}
	for k, v := range l.maxIn {
		st.MaxInFlight[k] = v
	}
	return st
}

// reset clears the counters and the threshold window; requests in flight
// keep their slots.
func (l *limiter) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.window = nil
	l.maxIn = map[string]int{}
	for k, v := range l.inFlight {
		l.maxIn[k] = v
	}
	l.threadRj, l.threshRj = 0, 0
}

// usageDelay is the artificial latency at count requests of threshold.
func usageDelay(count, threshold int) time.Duration {
	frac := float64(count) / float64(threshold)
	switch {
	case frac > latencyHighFraction:
		return latencyHighDelay
	case frac > latencyLowFraction:
		return latencyLowDelay
	}
	return 0
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func threadMessage(limit int) string { return fmt.Sprintf(threadLimitText, limit) }

// threadKey is the Stats.MaxInFlight key: "integrationcode|endpoint".
func threadKey(code, ep string) string { return code + "|" + ep }
