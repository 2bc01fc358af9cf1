package autotask_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/autotasksim"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/sandboxtest"
)

// fakeClock is a clock whose Sleep advances Now, so pacing is observable
// without waiting.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeps = append(f.sleeps, d)
	f.now = f.now.Add(d)
	return ctx.Err()
}

func (f *fakeClock) Sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

// recLogger records messages by level.
type recLogger struct {
	mu   sync.Mutex
	msgs []string
}

func (l *recLogger) add(level, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, level+": "+msg)
}
func (l *recLogger) Debug(msg string, _ ...any) { l.add("DEBUG", msg) }
func (l *recLogger) Info(msg string, _ ...any)  { l.add("INFO", msg) }
func (l *recLogger) Warn(msg string, _ ...any)  { l.add("WARN", msg) }
func (l *recLogger) Error(msg string, _ ...any) { l.add("ERROR", msg) }

func (l *recLogger) find(prefix string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, m := range l.msgs {
		if strings.HasPrefix(m, prefix) {
			out = append(out, m)
		}
	}
	return out
}

// TestBudgetNearlySpentSlowsDownAndWarns: a database whose hourly budget
// (100 here) is 80 % spent by other integrations. The guarded client notices
// on its periodic ThresholdInformation read, warns, and spaces its requests
// by timeframe / remaining budget instead of running into 429s; once the
// window drains it stops pacing.
func TestBudgetNearlySpentSlowsDownAndWarns(t *testing.T) {
	sb := sandboxtest.StartWithOptions(t, sandbox.Options{Autotask: autotasksim.Config{HourlyThreshold: 100}})
	ctx := context.Background()

	// Another integration spends 80 requests of the budget.
	other, err := autotask.New(autotask.Config{Username: sb.Username, Secret: sb.Secret, IntegrationCode: sb.IntegrationCode,
		ZoneLookupURL: sb.ZoneLookupURL, BudgetSlowdownAt: -1})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 80; i++ {
		if _, err := other.Count(ctx, "Companies", autotask.Gte("id", 0)); err != nil {
			t.Fatalf("filler request %d: %v", i, err)
		}
	}

	clock := &fakeClock{now: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)}
	logs := &recLogger{}
	c, err := autotask.New(autotask.Config{Username: sb.Username, Secret: sb.Secret, IntegrationCode: sb.IntegrationCode,
		ZoneLookupURL: sb.ZoneLookupURL, BudgetCheckEvery: 5, Logger: logs, Now: clock.Now, Sleep: clock.Sleep})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ { // not yet due: no check, no pacing
		if _, err := c.Count(ctx, "Companies", autotask.Gte("id", 0)); err != nil {
			t.Fatal(err)
		}
	}
	if c.Budget().Known || len(clock.Sleeps()) != 0 {
		t.Fatalf("budget read before it was due: %+v, sleeps %v", c.Budget(), clock.Sleeps())
	}
	// The 6th request reads ThresholdInformation: 80 + 5 + 1 = 86 of 100.
	for i := 0; i < 4; i++ {
		if _, err := c.Count(ctx, "Companies", autotask.Gte("id", 0)); err != nil {
			t.Fatalf("paced request %d failed: %v", i, err)
		}
	}
	st := c.Budget()
	if !st.Known || !st.Pacing || st.Threshold != 100 || st.Timeframe != time.Hour || st.Used != 86 {
		t.Fatalf("budget = %+v, want pacing at 86 of 100 per hour", st)
	}
	// 14 requests left in the hour: one every 60m/14, capped at the
	// client's MaxRetryAfter (60 s by default).
	want := autotask.DefaultMaxRetryAfter
	if got := clock.Sleeps(); len(got) != 3 || got[0] != want || got[1] != want || got[2] != want {
		t.Fatalf("pacing waits = %v, want three waits of %s (the first paced request goes at once)", got, want)
	}
	warns := logs.find("WARN: Autotask API usage is at 86% of the database's request budget (86 of 100 requests in 1h0m0s")
	if len(warns) != 1 {
		t.Fatalf("want exactly one slow-down warning, got %q", logs.find("WARN"))
	}
	stats, err := sb.Admin.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Autotask.ThresholdRejections != 0 || stats.Autotask.RequestsInWindow > 100 {
		t.Fatalf("the budget was exhausted: %+v", stats.Autotask)
	}

	// The rolling window drains (the sandbox forgets it); the next paced
	// check sees low usage and the client stops slowing down.
	if err := sb.Admin.ResetStats(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 12; i++ {
		if _, err := c.Count(ctx, "Companies", autotask.Gte("id", 0)); err != nil {
			t.Fatal(err)
		}
	}
	if st := c.Budget(); st.Pacing || st.Used > 20 {
		t.Fatalf("budget after the window drained = %+v, want no pacing", st)
	}
	if len(logs.find("INFO: Autotask API usage is down to")) != 1 {
		t.Fatalf("no notice that pacing stopped: %q", logs.find("INFO"))
	}
}

// TestBudgetGuardNeverFailsACall: a ThresholdInformation the client cannot
// read (here refused with a 500) leaves requests unpaced and successful.
func TestBudgetGuardNeverFailsACall(t *testing.T) {
	sb := sandboxtest.Start(t, nil)
	ctx := context.Background()
	clock := &fakeClock{now: time.Now()}
	c, err := autotask.New(autotask.Config{Username: sb.Username, Secret: sb.Secret, IntegrationCode: sb.IntegrationCode,
		ZoneLookupURL: sb.ZoneLookupURL, BudgetCheckEvery: 1, RetryMax: -1, Now: clock.Now, Sleep: clock.Sleep})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Admin.InjectFault(ctx, sandbox.FaultRule{Path: "/ATServicesRest/V1.0/ThresholdInformation",
		Action: sandbox.FaultFail, Status: 500, Count: 100}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 6; i++ {
		if _, err := c.Count(ctx, "Companies", autotask.Gte("id", 0)); err != nil {
			t.Fatalf("request %d failed because of the budget guard: %v", i, err)
		}
	}
	if st := c.Budget(); st.Known || st.Pacing || len(clock.Sleeps()) != 0 {
		t.Fatalf("budget = %+v, sleeps %v; want unknown and unpaced", st, clock.Sleeps())
	}
	faults, err := sb.Admin.Faults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(faults) != 1 || faults[0].Count == 100 {
		t.Fatalf("the guard never asked for ThresholdInformation (faults %+v)", faults)
	}
}

func TestNewRejectsBadBudgetSettings(t *testing.T) {
	for _, cfg := range []autotask.Config{{BudgetSlowdownAt: 1.5}, {BudgetCheckEvery: -1}} {
		cfg.Username, cfg.Secret, cfg.IntegrationCode = "u@example.com", "s", "c"
		if _, err := autotask.New(cfg); err == nil || !strings.Contains(err.Error(), "BudgetSlowdownAt") {
			t.Errorf("New(%s) = %v, want an error naming the budget settings", fmt.Sprintf("%+v", cfg.BudgetSlowdownAt), err)
		}
	}
}
