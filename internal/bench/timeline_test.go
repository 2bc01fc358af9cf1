package bench

import (
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

func TestTimelineCountsOverlapOnce(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	rec := func(startMs, durMs int, api string) sandbox.RequestRecord {
		return sandbox.RequestRecord{API: api, Time: t0.Add(time.Duration(startMs) * time.Millisecond).Format(time.RFC3339Nano),
			DurationMs: float64(durMs)}
	}
	// Two rounds of 150 ms: three requests together, then one right after
	// (back to back, not overlapping); a Petra request does not count.
	recs := []sandbox.RequestRecord{
		rec(0, 150, "autotask"), rec(0, 150, "autotask"), rec(10, 150, "autotask"),
		rec(160, 150, "autotask"), rec(0, 900, "petra"),
	}
	tl, err := TimelineFrom(recs, 150*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if tl.Requests != 4 || tl.Sum != 600*time.Millisecond || tl.Busy != 310*time.Millisecond || tl.MaxConcurrent != 3 {
		t.Fatalf("timeline = %+v, want 4 requests, sum 600ms, busy 310ms, 3 at once", tl)
	}
	if tl.Rounds < 2.06 || tl.Rounds > 2.07 {
		t.Errorf("rounds = %.3f, want 310/150", tl.Rounds)
	}
	if tl.Chain != 2 {
		t.Errorf("chain = %d, want 2 (three together, then one)", tl.Chain)
	}
	serial := []sandbox.RequestRecord{rec(0, 150, "autotask"), rec(150, 150, "autotask"), rec(300, 200, "autotask"), rec(500, 10, "autotask")}
	if tl, _ := TimelineFrom(serial, 150*time.Millisecond); tl.Chain != 4 {
		t.Errorf("chain of four requests one after another = %d, want 4", tl.Chain)
	}
}

func TestTimelineAdjustmentSpan(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	post := func(startMs int, path string) sandbox.RequestRecord {
		return sandbox.RequestRecord{API: "autotask", Method: "POST", Path: path,
			Time: t0.Add(time.Duration(startMs) * time.Millisecond).Format(time.RFC3339Nano), DurationMs: 150}
	}
	recs := []sandbox.RequestRecord{
		post(0, "/ATServicesRest/V1.0/Contracts/query"),
		post(200, "/ATServicesRest/V1.0/ContractServiceAdjustments"),
		post(250, "/ATServicesRest/V1.0/ContractServiceAdjustments"),
		post(400, "/ATServicesRest/V1.0/ContractServiceAdjustments"),
	}
	tl, err := TimelineFrom(recs, 150*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if tl.Adjustments != 3 || tl.AdjustmentSpan != 350*time.Millisecond {
		t.Fatalf("adjustments %d over %s, want 3 over 350ms", tl.Adjustments, tl.AdjustmentSpan)
	}
}

func TestPlanChainOfTheBenchAccount(t *testing.T) {
	// Connection check 4; 2 pages of companies; 2 pages of contracts, 3
	// pages of lines (1,500 per list of 500 contracts), services.
	if got := planChain(1000); got != 12 {
		t.Errorf("planChain(1000) = %d, want 12", got)
	}
	if got := planChain(60); got != 8 {
		t.Errorf("planChain(60) = %d, want 8", got)
	}
}

func TestPlanChanges(t *testing.T) {
	if got := planChanges("...\nPlan: 0 to add, 1000 to change, 0 to destroy.\n"); got != 1000 {
		t.Errorf("planChanges = %d", got)
	}
	if got := planChanges("No changes."); got != -1 {
		t.Errorf("planChanges without a summary = %d, want -1", got)
	}
}
