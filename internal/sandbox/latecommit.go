package sandbox

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Late commits: the faults that make a write land after the client stopped
// waiting for it. Real networks do this: a proxy resets the connection yet
// forwards the request a moment later, or a busy server answers after the
// client's deadline. Clients must never treat such a write as "not done".
//
//   - drop-then-commit resets the client connection at once and lets the
//     API handle the request later;
//   - hold-then-commit holds the request before the API handles it; a
//     client still waiting then gets the normal answer, a client that gave
//     up does not, and the write lands all the same.
//
// "Later" is DelayMs after the request arrived, or, with UntilReleased,
// when POST /_sandbox/faults/release is called (tests use it to decide
// exactly when a write lands). The request log holds a "commit-pending"
// record when the client is left without an answer and a "committed-late"
// record (PendingSeq naming the first) when the write lands.

// Log outcomes of late commits.
const (
	// OutcomeCommitPending marks a request the client got no answer to while
	// its write is still to land.
	OutcomeCommitPending = "commit-pending"
	// OutcomeCommittedLate marks the API handling a request after its client
	// stopped waiting (reset or deadline); Status is the API's answer, which
	// nobody received.
	OutcomeCommittedLate = "committed-late"
)

// normalizeLate checks the fields of the late-commit actions.
func (f *FaultRule) normalizeLate() error {
	late := f.Action == FaultDropThenCommit || f.Action == FaultHoldThenCommit
	if !late {
		if f.DelayMs != 0 || f.UntilReleased {
			return fmt.Errorf(`"delayMs" and "untilReleased" only apply to actions "drop-then-commit" and "hold-then-commit"`)
		}
		return nil
	}
	switch {
	case f.DelayMs < 0:
		return fmt.Errorf(`"delayMs" must not be negative`)
	case f.DelayMs > 0 && f.UntilReleased:
		return fmt.Errorf(`give either "delayMs" or "untilReleased": true, not both`)
	case f.DelayMs == 0 && !f.UntilReleased:
		return fmt.Errorf(`%q needs "delayMs" (how long after the request the write lands) or "untilReleased": true `+
			`(the write lands on POST /_sandbox/faults/release)`, f.Action)
	case time.Duration(f.DelayMs)*time.Millisecond > maxDelay:
		return fmt.Errorf(`"delayMs" must stay under %d ms`, maxDelay.Milliseconds())
	}
	return nil
}

// pendingCommit is one write waiting to land.
type pendingCommit struct {
	ready   chan struct{} // closed when the write may land
	discard chan struct{} // closed when the sandbox shuts down
	fire    func()
	timer   *time.Timer
}

// lateCommits tracks the writes waiting to land.
type lateCommits struct {
	mu      sync.Mutex
	pending map[*pendingCommit]bool
	closed  bool
	// apply lands late writes one at a time: released together, they would
	// otherwise meet the emulated thread limit (3 per endpoint) and be
	// refused, which no test of a late commit wants.
	apply sync.Mutex
}

func newLateCommits() *lateCommits { return &lateCommits{pending: map[*pendingCommit]bool{}} }

// add registers a write that lands after f's delay, or when released (at
// the latest after maxDelay).
func (l *lateCommits) add(f *FaultRule) *pendingCommit {
	pc := &pendingCommit{ready: make(chan struct{}), discard: make(chan struct{})}
	var once sync.Once
	pc.fire = func() {
		once.Do(func() {
			l.mu.Lock()
			delete(l.pending, pc)
			l.mu.Unlock()
			close(pc.ready)
		})
	}
	d := time.Duration(f.DelayMs) * time.Millisecond
	if f.UntilReleased {
		d = maxDelay
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		close(pc.discard)
		return pc
	}
	l.pending[pc] = true
	pc.timer = time.AfterFunc(d, pc.fire)
	return pc
}

// release lets every waiting write land now and returns how many there were.
func (l *lateCommits) release() int {
	l.mu.Lock()
	fire := make([]*pendingCommit, 0, len(l.pending))
	for pc := range l.pending {
		fire = append(fire, pc)
	}
	l.mu.Unlock()
	for _, pc := range fire {
		pc.timer.Stop()
		pc.fire()
	}
	return len(fire)
}

// count is the number of writes waiting to land.
func (l *lateCommits) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.pending)
}

// close drops every waiting write without handling it.
func (l *lateCommits) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.closed = true
	for pc := range l.pending {
		pc.timer.Stop()
		close(pc.discard)
	}
	l.pending = map[*pendingCommit]bool{}
}

// Close stops the sandbox's background work: writes waiting to land late
// are dropped without reaching the API. The handler keeps serving.
func (s *Sandbox) Close() { s.late.close() }

// serveLate runs a drop-then-commit or hold-then-commit fault. rec is the
// request's log record and logRecord logs it (once) and returns its
// sequence number.
func (s *Sandbox) serveLate(f *FaultRule, w http.ResponseWriter, r *http.Request, next http.Handler, rec *RequestRecord, logRecord func() int64) {
	pc := s.late.add(f)
	if f.Action == FaultHoldThenCommit {
		select {
		case <-pc.ready:
			// The client is still waiting: an ordinary, slow answer.
			sw := &statusWriter{ResponseWriter: w}
			next.ServeHTTP(sw, r)
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			rec.Status, rec.Outcome = sw.status, OutcomeOK
			return
		case <-pc.discard:
			rec.Outcome = OutcomeCanceled
			return
		case <-r.Context().Done():
			// The client gave up; the write still lands below.
		}
	}
	rec.Outcome = OutcomeCommitPending
	seq := logRecord() // before the reset: the client must find it in the log
	late := *rec
	r2 := r.Clone(context.WithoutCancel(r.Context()))
	go func() {
		select {
		case <-pc.ready:
		case <-pc.discard:
			return
		}
		dw := &discardWriter{header: http.Header{}}
		s.late.apply.Lock()
		start := time.Now()
		next.ServeHTTP(dw, r2)
		s.late.apply.Unlock()
		late.Status, late.Outcome, late.PendingSeq = dw.status, OutcomeCommittedLate, seq
		late.Time = formatLogTime(start)
		late.DurationMs = float64(time.Since(start).Microseconds()) / 1000
		s.log.add(late)
	}()
	if f.Action == FaultDropThenCommit {
		abortConnection(w)
	}
}
