package bench

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// Timeline says how a command's Autotask requests were spread over time, from
// the sandbox's request log (each record's start and duration).
type Timeline struct {
	// Requests is how many Autotask requests were logged.
	Requests int
	// Sum is the total of their durations: what the command would wait if
	// they ran one after another.
	Sum time.Duration
	// Busy is the time during which at least one was in flight: what the
	// command waited for Autotask, overlap counted once.
	Busy time.Duration
	// MaxConcurrent is the most requests in flight at once, every endpoint
	// together.
	MaxConcurrent int
	// Rounds is Busy in units of the injected latency.
	Rounds float64
	// Chain is the longest sequence of requests of which each started after
	// the previous one had ended: how many requests the command waited for
	// one after another, however long each took.
	Chain int
	// Adjustments is how many ContractServiceAdjustments were posted, and
	// AdjustmentSpan the time from the first one's start to the last one's
	// end: with 3 in flight at latency L, n posts need at least n × L / 3.
	Adjustments    int
	AdjustmentSpan time.Duration
}

// TimelineFrom summarises the Autotask requests of recs. latency (the
// injected delay of each request) turns Busy into Rounds; 0 leaves Rounds 0.
func TimelineFrom(recs []sandbox.RequestRecord, latency time.Duration) (Timeline, error) {
	type span struct{ start, end time.Time }
	var spans []span
	var t Timeline
	var adjFirst, adjLast time.Time
	for _, r := range recs {
		if r.API != "autotask" {
			continue
		}
		start, err := time.Parse(time.RFC3339Nano, r.Time)
		if err != nil {
			return t, fmt.Errorf("the sandbox logged request %d with an unreadable time %q: %w", r.Seq, r.Time, err)
		}
		d := time.Duration(r.DurationMs * float64(time.Millisecond))
		spans = append(spans, span{start, start.Add(d)})
		if r.Method == "POST" && strings.HasSuffix(strings.ToLower(r.Path), "/contractserviceadjustments") {
			t.Adjustments++
			if adjFirst.IsZero() || start.Before(adjFirst) {
				adjFirst = start
			}
			if end := start.Add(d); end.After(adjLast) {
				adjLast = end
			}
		}
		t.Requests++
		t.Sum += d
	}
	if len(spans) == 0 {
		return t, nil
	}
	if t.Adjustments > 0 {
		t.AdjustmentSpan = adjLast.Sub(adjFirst)
	}
	type edge struct {
		at    time.Time
		delta int
	}
	edges := make([]edge, 0, 2*len(spans))
	for _, s := range spans {
		edges = append(edges, edge{s.start, +1}, edge{s.end, -1})
	}
	// Ends before starts at the same instant: back-to-back requests do not
	// overlap.
	sort.Slice(edges, func(i, j int) bool {
		if !edges[i].at.Equal(edges[j].at) {
			return edges[i].at.Before(edges[j].at)
		}
		return edges[i].delta < edges[j].delta
	})
	open := 0
	var since time.Time
	for _, e := range edges {
		if open == 0 && e.delta > 0 {
			since = e.at
		}
		open += e.delta
		t.MaxConcurrent = max(t.MaxConcurrent, open)
		if open == 0 {
			t.Busy += e.at.Sub(since)
		}
	}
	if latency > 0 {
		t.Rounds = float64(t.Busy) / float64(latency)
	}
	// Longest chain in the interval order: by start time, each request
	// extends the longest chain among those that ended before it started.
	sort.Slice(spans, func(i, j int) bool { return spans[i].start.Before(spans[j].start) })
	chain := make([]int, len(spans))
	for i := range spans {
		chain[i] = 1
		for j := 0; j < i; j++ {
			if !spans[j].end.After(spans[i].start) && chain[j]+1 > chain[i] {
				chain[i] = chain[j] + 1
			}
		}
		t.Chain = max(t.Chain, chain[i])
	}
	return t, nil
}

// Describe lists the requests of recs in start order with their offset from
// the first, for a log that explains a timeline.
func Describe(recs []sandbox.RequestRecord) string {
	recs = append([]sandbox.RequestRecord(nil), recs...)
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].Time < recs[j].Time })
	var b strings.Builder
	var first time.Time
	for i, r := range recs {
		if r.API != "autotask" {
			continue
		}
		start, err := time.Parse(time.RFC3339Nano, r.Time)
		if err != nil {
			continue
		}
		if first.IsZero() {
			first = start
		}
		fmt.Fprintf(&b, "  %3d %8.0f ms +%6.0f ms  %-4s %s\n", i, float64(start.Sub(first).Microseconds())/1000,
			r.DurationMs, r.Method, r.Path)
	}
	return b.String()
}
