package sandbox

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Outcomes recorded in the request log.
const (
	OutcomeOK               = "ok"
	OutcomeFault            = "fault"
	OutcomeDropped          = "dropped"
	OutcomeCommittedDropped = "committed-dropped"
	OutcomeThrottled        = "throttled"
	// OutcomeCanceled marks a request whose client went away during an
	// injected delay.
	OutcomeCanceled = "canceled"
)

// API names used in the log and statistics.
const (
	apiAutotask = "autotask"
	apiPetra    = "petra"
)

const (
	// maxLoggedBody is how much of an Autotask request body the log keeps.
	maxLoggedBody = 4 << 10
	// defaultLogLimit is how many requests the log keeps (oldest dropped).
	defaultLogLimit = 10000
)

// RequestRecord is one API request in the log. It never holds headers, so
// credentials cannot appear in it; bodies and queries are also scrubbed of
// every fixture secret and key.
type RequestRecord struct {
	Seq        int64   `json:"seq"`
	Time       string  `json:"time"`
	API        string  `json:"api"`
	Method     string  `json:"method"`
	Path       string  `json:"path"`
	Query      string  `json:"query,omitempty"`
	Status     int     `json:"status"`
	Entity     string  `json:"entity,omitempty"`
	Outcome    string  `json:"outcome"`
	DurationMs float64 `json:"durationMs"`
	// Body is the request body of non-GET Autotask requests, truncated to 4 KiB.
	Body string `json:"body,omitempty"`
	// PendingSeq (outcome "committed-late") is the seq of the request's
	// "commit-pending" record: the same request, handled late.
	PendingSeq int64 `json:"pendingSeq,omitempty"`

	template string
}

// AutotaskStats mirrors autotasksim.Stats in the admin API's JSON.
type AutotaskStats struct {
	MaxInFlight         map[string]int `json:"maxInFlight"`
	ThreadRejections    int            `json:"threadRejections"`
	ThresholdRejections int            `json:"thresholdRejections"`
	RequestsInWindow    int            `json:"requestsInWindow"`
}

// Stats counts API requests since the last reset.
type Stats struct {
	// Requests per API ("autotask", "petra").
	Requests map[string]int `json:"requests"`
	// Routes per "METHOD path-template", e.g.
	// "POST /ATServicesRest/V1.0/ContractServiceAdjustments".
	Routes map[string]int `json:"routes"`
	// Outcomes per outcome ("ok", "fault", ...).
	Outcomes map[string]int `json:"outcomes"`
	// Autotask holds the emulator's limit counters.
	Autotask AutotaskStats `json:"autotask"`
}

// requestLog keeps the recent requests and the counters.
type requestLog struct {
	mu      sync.Mutex
	seq     int64
	limit   int
	entries []RequestRecord
	stats   Stats
	out     io.Writer
}

func newRequestLog(limit int, out io.Writer) *requestLog {
	if limit <= 0 {
		limit = defaultLogLimit
	}
	l := &requestLog{limit: limit, out: out}
	l.resetStatsLocked()
	return l
}

func (l *requestLog) resetStatsLocked() {
	l.stats = Stats{Requests: map[string]int{}, Routes: map[string]int{}, Outcomes: map[string]int{}}
}

func (l *requestLog) add(r RequestRecord) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	r.Seq = l.seq
	l.entries = append(l.entries, r)
	if over := len(l.entries) - l.limit; over > 0 {
		l.entries = append(l.entries[:0:0], l.entries[over:]...)
	}
	l.stats.Requests[r.API]++
	l.stats.Routes[r.Method+" "+r.template]++
	l.stats.Outcomes[r.Outcome]++
	if l.out != nil {
		fmt.Fprintf(l.out, "%s %-8s %-6s %s -> %d %s (%.1fms)\n",
			r.Time, r.API, r.Method, r.Path, r.Status, r.Outcome, r.DurationMs)
	}
	return r.Seq
}

func (l *requestLog) since(seq int64) []RequestRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := []RequestRecord{}
	for _, e := range l.entries {
		if e.Seq > seq {
			out = append(out, e)
		}
	}
	return out
}

// clear empties the log; sequence numbers keep increasing.
func (l *requestLog) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = nil
}

func (l *requestLog) snapshot() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	cp := Stats{Requests: map[string]int{}, Routes: map[string]int{}, Outcomes: map[string]int{}}
	for k, v := range l.stats.Requests {
		cp.Requests[k] = v
	}
	for k, v := range l.stats.Routes {
		cp.Routes[k] = v
	}
	for k, v := range l.stats.Outcomes {
		cp.Outcomes[k] = v
	}
	return cp
}

func (l *requestLog) resetStats() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.resetStatsLocked()
}

func formatLogTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
