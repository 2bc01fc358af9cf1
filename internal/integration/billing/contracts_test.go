package billing

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/catalog"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/problem"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run/runtest"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// billingEnv is a sandbox with a Service on it whose clock agrees with the
// sandbox's today.
type billingEnv struct {
	*acctest.Env
	svc *billingSvc
}

// billingSvc is a run's billing reads and pusher together.
type billingSvc struct {
	*Contracts
	*Pusher
	run *run.Run
}

// newBillingSvc returns the billing reads and pusher of a new run.
func newBillingSvc(at *autotask.Client, now func() time.Time, timing PushTiming) *billingSvc {
	r := run.New(at, nil, now)
	c := NewContracts(r, catalog.New(r))
	return &billingSvc{Contracts: c, Pusher: NewPusher(c, timing), run: r}
}

// withClock starts the run again on another clock (before any read).
func (s *billingSvc) withClock(now func() time.Time) {
	at, _ := s.run.Autotask()
	*s = *newBillingSvc(at, now, PushTiming{})
}

// withTiming gives the pusher other timing (the reads stay the same).
func (s *billingSvc) withTiming(tm PushTiming) { s.Pusher = NewPusher(s.Contracts, tm) }

// newBillingEnv starts a sandbox (these tests use its fault injection and
// request log) and a Service with fast client retries. retryMax < 0 turns the
// client's own retries off.
func newBillingEnv(t *testing.T, retryMax int) *billingEnv {
	t.Helper()
	env := acctest.New(t)
	env.RequireSandbox(t)
	at, err := autotask.New(autotask.Config{
		Username: env.Sandbox.Username, Secret: env.Sandbox.Secret, IntegrationCode: env.Sandbox.IntegrationCode,
		ZoneLookupURL: env.Sandbox.ZoneLookupURL, RetryMax: retryMax,
		RetryWaitMin: 5 * time.Millisecond, RetryWaitMax: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("autotask client: %v", err)
	}
	return &billingEnv{Env: env, svc: newBillingSvc(at, env.Now, PushTiming{})}
}

// lastSeq is the newest request-log sequence number.
func (e *billingEnv) lastSeq(t *testing.T) int64 { t.Helper(); return runtest.LastSeq(t, e.Sandbox) }

// requestsSince returns the logged requests after seq (runtest.RequestsSince).
func (e *billingEnv) requestsSince(t *testing.T, seq int64, method, suffix string) []sandbox.RequestRecord {
	t.Helper()
	return runtest.RequestsSince(t, e.Sandbox, seq, method, suffix)
}

// adjustmentPosts counts POSTs of ContractServiceAdjustments the client
// sent after seq (a late commit's second log record is not a post).
func (e *billingEnv) adjustmentPosts(t *testing.T, seq int64) int {
	t.Helper()
	n := 0
	for _, r := range e.requestsSince(t, seq, "POST", "/ContractServiceAdjustments") {
		if r.Outcome != sandbox.OutcomeCommittedLate {
			n++
		}
	}
	return n
}

// appliedAdjustments counts the adjustment posts after seq that Autotask
// applied: answered with 2xx, committed with the answer dropped, or
// committed late.
func (e *billingEnv) appliedAdjustments(t *testing.T, seq int64) int {
	t.Helper()
	n := 0
	for _, r := range e.requestsSince(t, seq, "POST", "/ContractServiceAdjustments") {
		switch {
		case r.Outcome == sandbox.OutcomeCommittedDropped,
			(r.Outcome == sandbox.OutcomeOK || r.Outcome == sandbox.OutcomeCommittedLate) && r.Status/100 == 2:
			n++
		}
	}
	return n
}

// injectFault makes the next count requests to path fail with action
// ("drop", "commit-then-drop" or "fail").
func (e *billingEnv) injectFault(t *testing.T, method, path, action string, count int) {
	t.Helper()
	e.inject(t, sandbox.FaultRule{Method: method, Path: path, Action: action, Count: count})
}

// inject adds a fault rule.
func (e *billingEnv) inject(t *testing.T, f sandbox.FaultRule) {
	t.Helper()
	runtest.InjectFault(t, e.Sandbox, f)
}

const (
	adjustmentsPath = "/ATServicesRest/V1.0/ContractServiceAdjustments"
	unitsPath       = "/ATServicesRest/V1.0/ContractServiceUnits"
)

func TestContractViewFromSnapshot(t *testing.T) {
	t.Parallel()
	e := newBillingEnv(t, 0)
	b := e.NewBillingTarget(t, 6)
	// A duplicated service and a second service on the same contract.
	dup := e.AddContractService(t, b.ContractID, b.ServiceID, 4.5)
	other := e.CreateService(t, e.Unique("Petra Email"), 2)
	otherLine := e.AddContractService(t, b.ContractID, other, 2)
	e.SetUnits(t, b.ContractID, otherLine, 3)
	ctx := context.Background()

	v, err := e.svc.Contract(ctx, b.ContractID)
	if err != nil || v == nil {
		t.Fatalf("Contract: %v, %v", v, err)
	}
	if v.Contract.ContractName != b.ContractName || v.CompanyName != b.CompanyName || v.TypeLabel != "Recurring Service" || v.StatusLabel() != "Active" {
		t.Fatalf("view = %+v", v)
	}
	if v.Contract.StartDate.DateString() != e.Date(-60) || v.Contract.EndDate.DateString() != e.Date(300) {
		t.Fatalf("dates %s..%s", v.Contract.StartDate.DateString(), v.Contract.EndDate.DateString())
	}
	want := []ContractLine{
		{ContractServiceID: b.ContractServiceID, ServiceID: b.ServiceID, ServiceName: b.ServiceName, UnitsToday: 6},
		{ContractServiceID: dup, ServiceID: b.ServiceID, ServiceName: b.ServiceName, UnitsToday: 0},
		{ContractServiceID: otherLine, ServiceID: other, ServiceName: v.Lines[2].ServiceName, UnitsToday: 3},
	}
	same := func(a, b ContractLine) bool {
		return a.ContractServiceID == b.ContractServiceID && a.ServiceID == b.ServiceID && a.ServiceName == b.ServiceName &&
			a.UnitsToday == b.UnitsToday
	}
	if len(v.Lines) != 3 || !same(v.Lines[0], want[0]) || !same(v.Lines[1], want[1]) || !same(v.Lines[2], want[2]) || v.Lines[2].ServiceName == "" {
		t.Fatalf("lines = %+v, want %+v", v.Lines, want)
	}
	if v.Occurrences[b.ServiceID] != 2 || v.Occurrences[other] != 1 {
		t.Fatalf("occurrences = %v", v.Occurrences)
	}
	if _, ok := v.LineForService(b.ServiceID); ok {
		t.Fatal("LineForService picked one of two duplicated lines")
	}
	if l, ok := v.LineForService(other); !ok || l.ContractServiceID != otherLine {
		t.Fatalf("LineForService(other) = %+v, %v", l, ok)
	}

	// The checks see the duplicate with the exact text.
	probs := CheckBillingTarget(e.Today, b.ContractID, b.CompanyID, "", b.ServiceID, "", Facts(v))
	if len(probs) != 1 || probs[0].Attribute != problem.AttrServiceID || !strings.Contains(probs[0].Detail, "appears 2 times") {
		t.Fatalf("problems = %+v", probs)
	}
	if p := CheckBillingTarget(e.Today, b.ContractID, b.CompanyID, "", other, "", Facts(v)); len(p) != 0 {
		t.Fatalf("healthy line produced %+v", p)
	}

	// Line lookups by contract service id.
	cv, line, err := e.svc.ContractLineByID(ctx, otherLine)
	if err != nil || cv != v || line == nil || line.ServiceID != other {
		t.Fatalf("ContractLineByID = %v, %+v, %v", cv, line, err)
	}
	if cv, line, err := e.svc.ContractLineByID(ctx, 987654); cv != nil || line != nil || err != nil {
		t.Fatalf("unknown line = %v, %v, %v", cv, line, err)
	}
	if n, err := e.svc.ServiceName(ctx, other); err != nil || n != v.Lines[2].ServiceName {
		t.Fatalf("ServiceName = %q, %v", n, err)
	}
}

func TestContractMissesAreBatchedAndNonRecurringHaveNoLines(t *testing.T) {
	t.Parallel()
	e := newBillingEnv(t, 0)
	company := e.CreateCompany(t, e.Unique("TM Co"), acctest.CompanyOpts{})
	var tm []int64
	for i := 0; i < 3; i++ {
		tm = append(tm, e.CreateContract(t, company, e.Unique("Hourly"), e.Date(-10), e.Date(100), acctest.ContractOpts{Type: 1}))
	}
	ctx := context.Background()
	if _, err := e.svc.Contract(ctx, 1); err != nil { // load the snapshot first
		t.Fatal(err)
	}
	seq := e.lastSeq(t)

	var wg sync.WaitGroup
	views := make([]*ContractView, len(tm)+1)
	errs := make([]error, len(tm)+1)
	for i, id := range append(append([]int64(nil), tm...), 424242) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			views[i], errs[i] = e.svc.Contract(ctx, id)
		}()
	}
	wg.Wait()
	for i := range tm {
		if errs[i] != nil || views[i] == nil || views[i].TypeLabel != "Time & Materials" || len(views[i].Lines) != 0 {
			t.Fatalf("contract %d: %+v, %v", tm[i], views[i], errs[i])
		}
	}
	if views[len(tm)] != nil || errs[len(tm)] != nil {
		t.Fatalf("an unknown contract id gave %+v, %v; want nil, nil", views[len(tm)], errs[len(tm)])
	}
	if n := len(e.requestsSince(t, seq, "POST", "/Contracts/query")); n != 1 {
		t.Fatalf("%d contract queries for 4 concurrent misses, want 1 (batched)", n)
	}
	// A miss is remembered for the run.
	seq = e.lastSeq(t)
	if v, err := e.svc.Contract(ctx, tm[0]); err != nil || v == nil {
		t.Fatal(v, err)
	}
	if n := len(e.requestsSince(t, seq, "", "")); n != 0 {
		t.Fatalf("a repeated miss cost %d requests", n)
	}

	// Facts of a T&M contract fail the type check with the label.
	probs := CheckBillingTarget(e.Today, tm[0], company, "", 1, "", Facts(views[0]))
	found := false
	for _, p := range probs {
		found = found || strings.Contains(p.Detail, "is a Time & Materials contract")
	}
	if !found {
		t.Fatalf("problems = %+v", probs)
	}
}

func TestSnapshotIsOneLoadForManyCallers(t *testing.T) {
	t.Parallel()
	e := newBillingEnv(t, 0)
	var targets []acctest.BillingTarget
	for i := 0; i < 4; i++ {
		targets = append(targets, e.NewBillingTarget(t, i+1))
	}
	seq := e.lastSeq(t)
	var wg sync.WaitGroup
	for _, b := range targets {
		for j := 0; j < 3; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if v, err := e.svc.Contract(context.Background(), b.ContractID); err != nil || v == nil {
					t.Errorf("Contract(%d) = %v, %v", b.ContractID, v, err)
				}
			}()
		}
	}
	wg.Wait()
	for _, q := range []string{"/Contracts/query", "/ContractServices/query", "/ContractServiceUnits/query", "/Services/query"} {
		if n := len(e.requestsSince(t, seq, "POST", q)); n != 1 {
			t.Fatalf("%d %s requests for 12 concurrent callers, want 1", n, q)
		}
	}
}

func TestUnitsTodayFreshAndInvalidation(t *testing.T) {
	t.Parallel()
	e := newBillingEnv(t, 0)
	clock := &wallClock{now: e.Now()}
	e.svc.withClock(clock.Now)
	b := e.NewBillingTarget(t, 5)
	ctx := context.Background()
	if n, err := e.svc.UnitsToday(ctx, b.ContractServiceID, false); err != nil || n != 5 {
		t.Fatalf("snapshot units = %d, %v", n, err)
	}
	e.Adjust(t, b.ContractID, b.ContractServiceID, 4, e.Today)                   // by hand, after the snapshot
	e.Adjust(t, b.ContractID, b.ContractServiceID, 10, e.Today.AddDate(0, 0, 1)) // tomorrow: not in effect today
	if n, _ := e.svc.UnitsToday(ctx, b.ContractServiceID, false); n != 5 {
		t.Fatalf("snapshot units changed to %d without invalidation", n)
	}
	if n, err := e.svc.UnitsToday(ctx, b.ContractServiceID, true); err != nil || n != 9 {
		t.Fatalf("fresh units = %d, %v; want 9", n, err)
	}

	// The first apply-time refresh reloads a snapshot older than
	// run.ApplyReuseWindow; later ones share it.
	clock.Advance(run.ApplyReuseWindow + time.Second)
	seq := e.lastSeq(t)
	for i := 0; i < 3; i++ {
		if err := e.svc.RefreshBillingForApply(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(e.requestsSince(t, seq, "POST", "/Contracts/query")); n != 1 {
		t.Fatalf("%d snapshot reloads for 3 apply-time refreshes, want 1", n)
	}
	if n, _ := e.svc.UnitsToday(ctx, b.ContractServiceID, false); n != 9 {
		t.Fatalf("units after the apply-time refresh = %d, want 9", n)
	}
	e.Adjust(t, b.ContractID, b.ContractServiceID, -2, e.Today)
	e.svc.InvalidateBilling()
	if n, _ := e.svc.UnitsToday(ctx, b.ContractServiceID, false); n != 7 {
		t.Fatalf("units after InvalidateBilling = %d, want 7", n)
	}
}

func TestContractsForCompany(t *testing.T) {
	t.Parallel()
	e := newBillingEnv(t, 0)
	b := e.NewBillingTarget(t, 2)
	second := e.CreateContract(t, b.CompanyID, e.Unique("Second"), e.Date(-5), e.Date(30), acctest.ContractOpts{Inactive: true})
	tm := e.CreateContract(t, b.CompanyID, e.Unique("Hourly"), e.Date(-5), e.Date(30), acctest.ContractOpts{Type: 1})
	e.NewBillingTarget(t, 1) // another company's contract
	ctx := context.Background()

	ids := func(vs []*ContractView) []int64 {
		var out []int64
		for _, v := range vs {
			out = append(out, v.Contract.ID)
		}
		return out
	}
	vs, err := e.svc.ContractsForCompany(ctx, b.CompanyID, nil)
	if err != nil || len(vs) != 2 || vs[0].Contract.ID != b.ContractID || vs[1].Contract.ID != second || vs[1].StatusLabel() != "Inactive" {
		t.Fatalf("recurring contracts = %v, %v", ids(vs), err)
	}
	vs, err = e.svc.ContractsForCompany(ctx, b.CompanyID, []int{1, 7})
	if err != nil || len(vs) != 3 || vs[2].Contract.ID != tm || vs[2].TypeLabel != "Time & Materials" {
		t.Fatalf("T&M + recurring = %v, %v", ids(vs), err)
	}
	vs, err = e.svc.ContractsForCompany(ctx, b.CompanyID, []int{1})
	if err != nil || len(vs) != 1 || vs[0].Contract.ID != tm {
		t.Fatalf("T&M only = %v, %v", ids(vs), err)
	}
	if vs, err := e.svc.ContractsForCompany(ctx, 999999, nil); err != nil || len(vs) != 0 {
		t.Fatalf("unknown company = %v, %v", ids(vs), err)
	}
	labels, err := e.svc.catalog.ContractTypePicklist(ctx)
	if err != nil || labels[7] != "Recurring Service" || labels[1] != "Time & Materials" {
		t.Fatalf("picklist = %v, %v", labels, err)
	}
}

func TestBillingReadsNeedAutotask(t *testing.T) {
	t.Parallel()
	s := newBillingSvc(nil, nil, PushTiming{})
	if _, err := s.Contract(context.Background(), 1); !errors.Is(err, run.ErrAutotaskNotConfigured) {
		t.Fatalf("err = %v", err)
	}
	if _, err := s.PushUnits(context.Background(), PushRequest{ContractServiceID: 1, Target: 1}); !errors.Is(err, run.ErrAutotaskNotConfigured) {
		t.Fatalf("err = %v", err)
	}
}

func TestDetailReadsCoverAskedAndHintedContracts(t *testing.T) {
	t.Parallel()
	e := newBillingEnv(t, 0)
	t1, t2, t3 := e.NewBillingTarget(t, 1), e.NewBillingTarget(t, 2), e.NewBillingTarget(t, 3)
	ctx := context.Background()
	if _, err := e.svc.catalog.Company(ctx, t2.CompanyID); err != nil { // a tenant mapping's lookup
		t.Fatal(err)
	}
	seq := e.lastSeq(t)
	if v, err := e.svc.Contract(ctx, t1.ContractID); err != nil || len(v.Lines) != 1 || v.Lines[0].UnitsToday != 1 {
		t.Fatalf("Contract = %+v, %v", v, err)
	}
	lines := e.requestsSince(t, seq, "POST", "/ContractServices/query")
	if len(lines) != 1 {
		t.Fatalf("%d service-line queries, want 1", len(lines))
	}
	body := lines[0].Body
	for _, want := range []int64{t1.ContractID, t2.ContractID} {
		if !strings.Contains(body, strconv.FormatInt(want, 10)) {
			t.Errorf("the line query %s does not prefetch contract %d", body, want)
		}
	}
	if strings.Contains(body, strconv.FormatInt(t3.ContractID, 10)) {
		t.Errorf("the first line query %s read contract %d, which nothing asked or hinted", body, t3.ContractID)
	}
	// The hinted contract is answered without a request.
	seq = e.lastSeq(t)
	if v, err := e.svc.Contract(ctx, t2.ContractID); err != nil || v.Lines[0].UnitsToday != 2 {
		t.Fatalf("Contract(t2) = %+v, %v", v, err)
	}
	if rs := e.requestsSince(t, seq, "", ""); len(rs) != 0 {
		t.Fatalf("a prefetched contract cost %d requests", len(rs))
	}
	// From the maxDetailBatches-th batch on, the rest of the account is read.
	if v, err := e.svc.Contract(ctx, t3.ContractID); err != nil || v.Lines[0].UnitsToday != 3 {
		t.Fatalf("Contract(t3) = %+v, %v", v, err)
	}
}

func TestApplyRefreshAnswersOneFreshReadPerLine(t *testing.T) {
	t.Parallel()
	e := newBillingEnv(t, 0)
	clock := &wallClock{now: e.Now()}
	e.svc.withClock(clock.Now)
	b := e.NewBillingTarget(t, 5)
	ctx := context.Background()
	if _, err := e.svc.Contract(ctx, b.ContractID); err != nil { // the re-plan right before apply
		t.Fatal(err)
	}
	seq := e.lastSeq(t)
	if err := e.svc.RefreshBillingForApply(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := e.svc.UnitsToday(ctx, b.ContractServiceID, true); err != nil || n != 5 {
		t.Fatalf("first fresh read = %d, %v; want 5", n, err)
	}
	if rs := e.requestsSince(t, seq, "", ""); len(rs) != 0 {
		t.Fatalf("a refresh of a snapshot read moments ago, and the read before a push, cost %d requests", len(rs))
	}
	// Any later fresh read asks Autotask: it may follow a push.
	e.Adjust(t, b.ContractID, b.ContractServiceID, 2, e.Today)
	if n, err := e.svc.UnitsToday(ctx, b.ContractServiceID, true); err != nil || n != 7 {
		t.Fatalf("second fresh read = %d, %v; want 7 (what Autotask holds now)", n, err)
	}
	// A batch merged after a line was read fresh never answers for it.
	e.svc.InvalidateBilling()
	clock.Advance(run.ApplyReuseWindow + time.Second)
	if err := e.svc.RefreshBillingForApply(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UnitsToday(ctx, b.ContractServiceID, true); err != nil { // before the contract is read
		t.Fatal(err)
	}
	e.Adjust(t, b.ContractID, b.ContractServiceID, 1, e.Today)
	if _, err := e.svc.Contract(ctx, b.ContractID); err != nil {
		t.Fatal(err)
	}
	if n, err := e.svc.UnitsToday(ctx, b.ContractServiceID, true); err != nil || n != 8 {
		t.Fatalf("fresh read after a merge = %d, %v; want 8 from Autotask", n, err)
	}
}
