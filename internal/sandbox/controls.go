package sandbox

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Fault actions.
const (
	// FaultFail answers with the rule's status/body without reaching the API.
	FaultFail = "fail"
	// FaultDrop closes the connection without reaching the API.
	FaultDrop = "drop"
	// FaultCommitThenDrop lets the API handle the request (the write
	// happens), discards the response and resets the client connection.
	FaultCommitThenDrop = "commit-then-drop"
	// FaultDropThenCommit resets the client connection at once and lets the
	// API handle the request later (after DelayMs, or when released): the
	// client sees a reset while the write lands afterwards (latecommit.go).
	FaultDropThenCommit = "drop-then-commit"
	// FaultHoldThenCommit holds the request (after DelayMs, or until
	// released) before the API handles it, so a client with a shorter
	// deadline gives up while the write still lands (latecommit.go).
	FaultHoldThenCommit = "hold-then-commit"
)

// faultActions lists every action, for error messages.
const faultActions = `"fail", "drop", "commit-then-drop", "drop-then-commit" or "hold-then-commit"`

// Limits on admin-configured delays, so a typo cannot hang a test run.
const maxDelay = 2 * time.Minute

// FaultRule makes the next Count API requests matching Method and Path fail.
type FaultRule struct {
	// ID is assigned by the sandbox.
	ID int `json:"id,omitempty"`
	// Method matches case-insensitively; empty matches every method.
	Method string `json:"method,omitempty"`
	// Path is a case-insensitive prefix of the request path, e.g.
	// "/ATServicesRest/V1.0/ContractServiceAdjustments" or "/petra/v1/usage";
	// empty matches every API request.
	Path string `json:"path,omitempty"`
	// Count is how many requests the rule affects (default 1). The remaining
	// count is reported by GET /_sandbox/faults.
	Count int `json:"count,omitempty"`
	// Action is "fail", "drop", "commit-then-drop", "drop-then-commit" or
	// "hold-then-commit".
	Action string `json:"action"`
	// Status (fail only) defaults to 503.
	Status int `json:"status,omitempty"`
	// Body (fail only) defaults to an error body in the addressed API's shape.
	Body string `json:"body,omitempty"`
	// Headers (fail only) are added to the response, e.g. {"Retry-After":"1"}.
	Headers map[string]string `json:"headers,omitempty"`
	// DelayMs (drop-then-commit, hold-then-commit) is how long after the
	// request arrived the API handles it.
	DelayMs int `json:"delayMs,omitempty"`
	// UntilReleased (drop-then-commit, hold-then-commit) makes the API
	// handle the request only when POST /_sandbox/faults/release is called
	// (or after the longest delay the sandbox allows, 2 minutes).
	UntilReleased bool `json:"untilReleased,omitempty"`
}

func (f *FaultRule) normalize() error {
	f.Action = strings.ToLower(strings.TrimSpace(f.Action))
	switch f.Action {
	case FaultFail, FaultDrop, FaultCommitThenDrop, FaultDropThenCommit, FaultHoldThenCommit:
	case "":
		return fmt.Errorf(`"action" is required: one of %s`, faultActions)
	default:
		return fmt.Errorf(`"action" %q is unknown; use %s`, f.Action, faultActions)
	}
	if err := f.normalizeLate(); err != nil {
		return err
	}
	if f.Count < 0 {
		return fmt.Errorf(`"count" is %d; use a positive number (default 1)`, f.Count)
	}
	if f.Count == 0 {
		f.Count = 1
	}
	if f.Action != FaultFail && (f.Status != 0 || f.Body != "" || len(f.Headers) > 0) {
		return fmt.Errorf(`"status", "body" and "headers" only apply to action "fail"; %q never sends a response`, f.Action)
	}
	if f.Action == FaultFail {
		if f.Status == 0 {
			f.Status = http.StatusServiceUnavailable
		}
		if f.Status < 100 || f.Status > 599 {
			return fmt.Errorf(`"status" %d is not an HTTP status code`, f.Status)
		}
	}
	if f.Path != "" && !strings.HasPrefix(f.Path, "/") {
		return fmt.Errorf(`"path" %q must start with "/" (e.g. "/ATServicesRest/V1.0/Companies" or "/petra/v1/usage")`, f.Path)
	}
	return nil
}

// LatencyRule delays API requests whose path starts with Path.
type LatencyRule struct {
	// Path is a case-insensitive prefix; empty matches every API request.
	Path string `json:"path"`
	// DelayMs is the fixed delay; JitterMs adds a uniform random 0..JitterMs.
	// Both zero removes the rule for Path.
	DelayMs  int `json:"delayMs"`
	JitterMs int `json:"jitterMs"`
}

// ThrottleRule answers a random share of API requests with 429.
type ThrottleRule struct {
	// Path is a case-insensitive prefix; empty matches every API request.
	Path string `json:"path"`
	// Probability in [0,1]; 0 turns throttling off.
	Probability float64 `json:"probability"`
	// RetryAfterSeconds is sent in Retry-After (default 1).
	RetryAfterSeconds int `json:"retryAfterSeconds"`
	// Seed makes the random sequence reproducible.
	Seed uint64 `json:"seed"`
}

// controls holds the admin-configured faults, latency and throttling.
type controls struct {
	mu        sync.Mutex
	nextID    int
	faults    []*FaultRule
	latency   []LatencyRule
	jitterRnd *rand.Rand
	throttle  *ThrottleRule
	throtRnd  *rand.Rand
}

func newControls() *controls {
	return &controls{jitterRnd: rand.New(rand.NewPCG(1, 2))}
}

func hasPrefixFold(path, prefix string) bool {
	return len(path) >= len(prefix) && strings.EqualFold(path[:len(prefix)], prefix)
}

func (c *controls) addFault(f FaultRule) (FaultRule, error) {
	if err := f.normalize(); err != nil {
		return FaultRule{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextID++
	f.ID = c.nextID
	c.faults = append(c.faults, &f)
	return f, nil
}

func (c *controls) listFaults() []FaultRule {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]FaultRule, 0, len(c.faults))
	for _, f := range c.faults {
		out = append(out, *f)
	}
	return out
}

func (c *controls) clearFaults() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.faults = nil
}

// takeFault consumes one use of the first rule matching the request.
func (c *controls) takeFault(method, path string) *FaultRule {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, f := range c.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, method) {
			continue
		}
		if !hasPrefixFold(path, f.Path) {
			continue
		}
		hit := *f
		f.Count--
		if f.Count <= 0 {
			c.faults = append(c.faults[:i], c.faults[i+1:]...)
		}
		return &hit
	}
	return nil
}

func (c *controls) setLatency(r LatencyRule) error {
	if r.DelayMs < 0 || r.JitterMs < 0 {
		return fmt.Errorf(`"delayMs" and "jitterMs" must not be negative`)
	}
	if time.Duration(r.DelayMs+r.JitterMs)*time.Millisecond > maxDelay {
		return fmt.Errorf(`"delayMs"+"jitterMs" must stay under %d ms`, maxDelay.Milliseconds())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	kept := c.latency[:0]
	for _, l := range c.latency {
		if !strings.EqualFold(l.Path, r.Path) {
			kept = append(kept, l)
		}
	}
	c.latency = kept
	if r.DelayMs > 0 || r.JitterMs > 0 {
		c.latency = append(c.latency, r)
	}
	return nil
}

func (c *controls) listLatency() []LatencyRule {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]LatencyRule{}, c.latency...)
}

func (c *controls) clearLatency() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.latency = nil
}

// delayFor sums every latency rule matching path.
func (c *controls) delayFor(path string) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var d time.Duration
	for _, l := range c.latency {
		if !hasPrefixFold(path, l.Path) {
			continue
		}
		d += time.Duration(l.DelayMs) * time.Millisecond
		if l.JitterMs > 0 {
			d += time.Duration(c.jitterRnd.IntN(l.JitterMs+1)) * time.Millisecond
		}
	}
	return d
}

func (c *controls) setThrottle(t ThrottleRule) error {
	if t.Probability < 0 || t.Probability > 1 {
		return fmt.Errorf(`"probability" %v must be between 0 and 1`, t.Probability)
	}
	if t.RetryAfterSeconds < 0 {
		return fmt.Errorf(`"retryAfterSeconds" must not be negative`)
	}
	if t.RetryAfterSeconds == 0 {
		t.RetryAfterSeconds = 1
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.Probability == 0 {
		c.throttle, c.throtRnd = nil, nil
		return nil
	}
	c.throttle = &t
	c.throtRnd = rand.New(rand.NewPCG(t.Seed, t.Seed^0x9e3779b97f4a7c15))
	return nil
}

func (c *controls) getThrottle() ThrottleRule {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.throttle == nil {
		return ThrottleRule{}
	}
	return *c.throttle
}

// throttled decides whether this request gets a random 429 and, if so, the
// Retry-After seconds.
func (c *controls) throttled(path string) (bool, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.throttle
	if t == nil || !hasPrefixFold(path, t.Path) {
		return false, 0
	}
	if c.throtRnd.Float64() < t.Probability {
		return true, t.RetryAfterSeconds
	}
	return false, 0
}
