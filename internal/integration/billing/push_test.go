package billing

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/autotasksim"
)

func pushReq(b acctest.BillingTarget, target int) PushRequest {
	return PushRequest{ContractID: b.ContractID, ContractServiceID: b.ContractServiceID, ServiceID: b.ServiceID, Target: target}
}

// wallClock is a settable clock: the wall clock of settle windows, or a
// run's clock (&wallClock{now: ...}).
type wallClock struct {
	mu  sync.Mutex
	now time.Time
}

func newWallClock() *wallClock { return &wallClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)} }

func (c *wallClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *wallClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fastTiming reads back within a fraction of a second and settles
// unconfirmed adjustments after 10 minutes of clock.
func fastTiming(clock *wallClock) PushTiming {
	return PushTiming{
		ReadBackWaits: []time.Duration{0, 10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond},
		SettleWindow:  10 * time.Minute,
		Now:           clock.Now,
	}
}

// waitUntil polls cond for up to 20 s (the sandbox applies late commits on
// its own goroutine).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// settledAdjustmentPosts counts adjustment posts after seq, waiting briefly
// for the count to reach want: the sandbox logs a dropped request only after
// it has reset the connection, so the client can be faster than the log.
func settledAdjustmentPosts(t *testing.T, e *billingEnv, seq int64, want int) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		n := e.adjustmentPosts(t, seq)
		if n >= want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPushUnitsPostsTheDifferenceOnce(t *testing.T) {
	t.Parallel()
	e := newBillingEnv(t, 0)
	b := e.NewBillingTarget(t, 5)
	seq := e.lastSeq(t)

	res, err := e.svc.PushUnits(context.Background(), pushReq(b, 12))
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	if res.Before != 5 || res.After != 12 || res.Delta != 7 || res.AdjustmentID == 0 || !res.Pushed || res.Unconfirmed != nil {
		t.Fatalf("result = %+v, want before 5, after 12, delta 7, a confirmed adjustment", res)
	}
	if !res.At.Equal(e.Now()) {
		t.Fatalf("At = %s, want the service clock %s", res.At, e.Now())
	}
	if got := e.UnitsToday(t, b.ContractServiceID); got != 12 {
		t.Fatalf("Autotask holds %d units, want 12", got)
	}
	if n := e.adjustmentPosts(t, seq); n != 1 {
		t.Fatalf("%d adjustments posted, want 1", n)
	}
	// The adjustment is effective today, date only, for the exact line.
	posts := e.requestsSince(t, seq, "POST", "/ContractServiceAdjustments")
	for _, want := range []string{`"effectiveDate":"` + e.Date(0) + `T00:00:00Z"`, `"unitChange":7`, `"contractServiceID":`} {
		if !strings.Contains(posts[0].Body, want) {
			t.Fatalf("adjustment body %s lacks %s", posts[0].Body, want)
		}
	}

	// Pushing the same target again changes nothing and posts nothing.
	seq = e.lastSeq(t)
	res, err = e.svc.PushUnits(context.Background(), pushReq(b, 12))
	if err != nil {
		t.Fatalf("second push: %v", err)
	}
	if res.Delta != 0 || res.Pushed || res.AdjustmentID != 0 || res.After != 12 {
		t.Fatalf("no-op push result = %+v", res)
	}
	if n := e.adjustmentPosts(t, seq); n != 0 {
		t.Fatalf("a push to the current units posted %d adjustments", n)
	}

	// Down to 0 works too (a tenant that no longer has billable users).
	if res, err = e.svc.PushUnits(context.Background(), pushReq(b, 0)); err != nil || res.After != 0 || res.Delta != -12 {
		t.Fatalf("push to 0: %+v, %v", res, err)
	}
}

func TestPushUnitsLostResponseThatLandedIsNotRepeated(t *testing.T) {
	t.Parallel()
	e := newBillingEnv(t, 0)
	e.svc.withTiming(fastTiming(newWallClock()))
	b := e.NewBillingTarget(t, 5)
	seq := e.lastSeq(t)
	e.injectFault(t, "POST", adjustmentsPath, "commit-then-drop", 1)

	res, err := e.svc.PushUnits(context.Background(), pushReq(b, 9))
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	if got := e.UnitsToday(t, b.ContractServiceID); got != 9 {
		t.Fatalf("Autotask holds %d units, want 9 (not doubled)", got)
	}
	if n := settledAdjustmentPosts(t, e, seq, 1); n != 1 {
		t.Fatalf("%d adjustments posted, want exactly 1 (the lost answer must not cause a second post)", n)
	}
	if res.After != 9 || res.Delta != 4 || !res.Pushed || res.AdjustmentID != 0 || res.Unconfirmed != nil {
		t.Fatalf("result = %+v, want after 9, delta 4, pushed without a confirmed id", res)
	}
}

// TestPushUnitsLostRequestIsNeverPostedTwice: the post is dropped before
// Autotask sees it. The client cannot tell that from a lost answer, so the
// push posts nothing more, reports the adjustment unconfirmed and asks for
// it to be recorded. A run within the settle window leaves the line alone;
// a run after it reads the units and pushes what is missing, once.
func TestPushUnitsLostRequestIsNeverPostedTwice(t *testing.T) {
	t.Parallel()
	e := newBillingEnv(t, 0)
	clock := newWallClock()
	e.svc.withTiming(fastTiming(clock))
	b := e.NewBillingTarget(t, 5)
	seq := e.lastSeq(t)
	e.injectFault(t, "POST", adjustmentsPath, "drop", 1)

	res, err := e.svc.PushUnits(context.Background(), pushReq(b, 2))
	if !errors.Is(err, ErrUnconfirmed) {
		t.Fatalf("err = %v, want ErrUnconfirmed", err)
	}
	for _, want := range []string{"The outcome of the adjustment of -3 units to contract service", "is not confirmed",
		"Autotask shows 5 units now (target 2)", "Run apply again later: it reads the units first and pushes only what is missing",
		"until 2026-11-23 09:10:00 UTC"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q lacks %q", err, want)
		}
	}
	u := res.Unconfirmed
	if u == nil || u.UnitChange != -3 || u.UnitsBefore != 5 || !u.SentAt.Equal(clock.Now()) || !res.Record || res.Pushed || res.After != 5 {
		t.Fatalf("result = %+v (unconfirmed %+v), want -3 from 5 unconfirmed, to be recorded, 5 units", res, u)
	}
	if n := settledAdjustmentPosts(t, e, seq, 1); n != 1 {
		t.Fatalf("%d adjustment posts, want exactly 1", n)
	}

	// The next run within the settle window posts nothing.
	clock.Advance(5 * time.Minute)
	seq = e.lastSeq(t)
	req := pushReq(b, 2)
	req.Unconfirmed = u
	res, err = e.svc.PushUnits(context.Background(), req)
	if !errors.Is(err, ErrUnconfirmed) || !strings.Contains(err.Error(), "Nothing was posted") ||
		!strings.Contains(err.Error(), "Run apply again after 2026-11-23 09:10:00 UTC") {
		t.Fatalf("err = %v, want the line left alone until the window ends", err)
	}
	if res.Unconfirmed != u || !res.Record || e.adjustmentPosts(t, seq) != 0 {
		t.Fatalf("within the window: %+v, %d posts", res, e.adjustmentPosts(t, seq))
	}

	// After the window the units are the truth: one post of the difference.
	clock.Advance(6 * time.Minute)
	res, err = e.svc.PushUnits(context.Background(), req)
	if err != nil || res.Unconfirmed != nil || res.Before != 5 || res.After != 2 || res.AdjustmentID == 0 {
		t.Fatalf("after the window: %+v, %v", res, err)
	}
	if got, n := e.UnitsToday(t, b.ContractServiceID), e.appliedAdjustments(t, 0); got != 2 || n != 2 {
		// 2 applied: the initial SetUnits(5) of the target and this push.
		t.Fatalf("Autotask holds %d units after %d applied adjustments, want 2 after 2", got, n)
	}
}

func TestPushUnitsBusinessErrorIsNotRetried(t *testing.T) {
	t.Parallel()
	e := newBillingEnv(t, 0)
	company := e.CreateCompany(t, e.Unique("Posted Co"), acctest.CompanyOpts{})
	service := e.CreateService(t, e.Unique("Petra"), 3)
	contract := e.CreateContract(t, company, e.Unique("Posted"), e.Date(-30), e.Date(400), acctest.ContractOpts{})
	line := e.AddContractService(t, contract, service, 3)
	// Autotask refuses an adjustment in a period already approved and posted
	// (ref §7.6): the sandbox posts the current period through its admin API.
	if _, err := e.Sandbox.Admin.PostPeriods(context.Background(), autotasksim.PostedPeriods{ContractID: contract, Through: e.Date(0)}); err != nil {
		t.Fatal(err)
	}
	seq := e.lastSeq(t)

	res, err := e.svc.PushUnits(context.Background(), PushRequest{ContractID: contract, ContractServiceID: line, ServiceID: service, Target: 4})
	var br *autotask.BusinessRuleError
	if !errors.As(err, &br) {
		t.Fatalf("err = %v, want Autotask's business-rule refusal", err)
	}
	if !strings.Contains(err.Error(), "already approved and posted contract period") {
		t.Fatalf("Autotask's own text is missing from %q", err)
	}
	if n := e.adjustmentPosts(t, seq); n != 1 {
		t.Fatalf("%d adjustment posts, want 1 (a refusal is never retried)", n)
	}
	if res.Record || res.Unconfirmed != nil {
		t.Fatalf("a refused adjustment asks to be recorded: %+v", res)
	}
}

// TestPushUnitsUnreadableAfterLostPostReportsWhatIsKnown: the answer is lost
// and every read-back fails. The push stops with what it knows; the next run
// finds the adjustment landed and posts nothing.
func TestPushUnitsUnreadableAfterLostPostReportsWhatIsKnown(t *testing.T) {
	t.Parallel()
	e := newBillingEnv(t, -1) // no client retries: the read-back loop is what is tested
	clock := newWallClock()
	tm := fastTiming(clock)
	var waits []time.Duration
	tm.Sleep = func(_ context.Context, d time.Duration) error {
		if len(waits) == 0 {
			// The post was lost; now make every read-back fail too.
			e.injectFault(t, "POST", unitsPath, "fail", len(tm.ReadBackWaits))
		}
		waits = append(waits, d)
		return nil
	}
	e.svc.withTiming(tm)
	b := e.NewBillingTarget(t, 5)
	e.injectFault(t, "POST", adjustmentsPath, "commit-then-drop", 1)

	res, err := e.svc.PushUnits(context.Background(), pushReq(b, 7))
	if !errors.Is(err, ErrUnconfirmed) {
		t.Fatalf("err = %v, want ErrUnconfirmed", err)
	}
	for _, want := range []string{"is not confirmed", "the units could not be read back", "Autotask showed 5 units before the adjustment (target 7)", "Run apply again later"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q lacks %q", err, want)
		}
	}
	if len(waits) != len(tm.ReadBackWaits) {
		t.Fatalf("read-back waits = %v, want %v", waits, tm.ReadBackWaits)
	}
	if res.Unconfirmed == nil || res.After != 5 || !res.Record {
		t.Fatalf("result = %+v", res)
	}
	// The lost post did land: the next run, still within the window, sees it
	// and pushes nothing more.
	seq := e.lastSeq(t)
	req := pushReq(b, 7)
	req.Unconfirmed = res.Unconfirmed
	res, err = e.svc.PushUnits(context.Background(), req)
	if err != nil || res.Delta != 0 || res.After != 7 || res.Unconfirmed != nil || !res.Record || e.adjustmentPosts(t, seq) != 0 {
		t.Fatalf("rerun after the uncertain push: %+v, %v", res, err)
	}
}

// TestPushUnitsResetThenLateCommitIsSeenByTheReadBack: the connection is
// reset at once while Autotask applies the write a moment later (a proxy
// forwarding late). The read-back waits long enough to see it: success, one
// adjustment.
func TestPushUnitsResetThenLateCommitIsSeenByTheReadBack(t *testing.T) {
	t.Parallel()
	e := newBillingEnv(t, 0)
	tm := fastTiming(newWallClock())
	tm.ReadBackWaits = []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond,
		800 * time.Millisecond, 2 * time.Second, 4 * time.Second, 8 * time.Second}
	e.svc.withTiming(tm)
	b := e.NewBillingTarget(t, 10)
	seq := e.lastSeq(t)
	e.inject(t, sandbox.FaultRule{Method: "POST", Path: adjustmentsPath, Action: sandbox.FaultDropThenCommit, DelayMs: 150})

	res, err := e.svc.PushUnits(context.Background(), pushReq(b, 21))
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	if res.After != 21 || !res.Pushed || res.Unconfirmed != nil {
		t.Fatalf("result = %+v, want 21 units, landed", res)
	}
	if got, n, sent := e.UnitsToday(t, b.ContractServiceID), e.appliedAdjustments(t, seq), e.adjustmentPosts(t, seq); got != 21 || n != 1 || sent != 1 {
		t.Fatalf("Autotask holds %d units after %d applied adjustments (%d posts), want 21 after exactly 1", got, n, sent)
	}
}

// TestPushUnitsCommitLaterThanTheReadBack: Autotask applies the write after
// the read-back gave up. The push fails unconfirmed with nothing more
// posted; a run before the commit lands leaves the line alone; once it
// lands, the next run finds the target and posts nothing. One adjustment in
// all, and the line holds the target.
func TestPushUnitsCommitLaterThanTheReadBack(t *testing.T) {
	t.Parallel()
	e := newBillingEnv(t, 0)
	clock := newWallClock()
	e.svc.withTiming(fastTiming(clock))
	b := e.NewBillingTarget(t, 10)
	seq := e.lastSeq(t)
	e.inject(t, sandbox.FaultRule{Method: "POST", Path: adjustmentsPath, Action: sandbox.FaultDropThenCommit, UntilReleased: true})

	res, err := e.svc.PushUnits(context.Background(), pushReq(b, 21))
	if !errors.Is(err, ErrUnconfirmed) || !strings.Contains(err.Error(), "Autotask shows 10 units now (target 21)") {
		t.Fatalf("err = %v, want unconfirmed with 10 units shown", err)
	}
	u := res.Unconfirmed
	if u == nil || u.UnitChange != 11 || u.UnitsBefore != 10 || res.After != 10 {
		t.Fatalf("result = %+v", res)
	}
	// A run before the write lands posts nothing.
	req := pushReq(b, 21)
	req.Unconfirmed = u
	if _, err := e.svc.PushUnits(context.Background(), req); !errors.Is(err, ErrUnconfirmed) {
		t.Fatalf("run before the late commit: %v", err)
	}
	if n := e.adjustmentPosts(t, seq); n != 1 {
		t.Fatalf("%d posts before the late commit, want 1", n)
	}
	// The write lands.
	if _, err := e.Sandbox.Admin.ReleaseLateCommits(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the late commit", func() bool { return e.appliedAdjustments(t, seq) == 1 })
	res, err = e.svc.PushUnits(context.Background(), req)
	if err != nil || res.Before != 21 || res.After != 21 || res.Unconfirmed != nil || !res.Record {
		t.Fatalf("run after the late commit: %+v, %v", res, err)
	}
	if got, n, sent := e.UnitsToday(t, b.ContractServiceID), e.appliedAdjustments(t, seq), e.adjustmentPosts(t, seq); got != 21 || n != 1 || sent != 1 {
		t.Fatalf("Autotask holds %d units after %d applied adjustments (%d posts), want 21 after exactly 1", got, n, sent)
	}
}

// TestPushUnitsWriteHeldPastTheClientDeadline: Autotask holds the post longer
// than the client's write timeout and applies it afterwards. Same guarantee:
// one post, the line left alone until the truth is known, the target in the
// end.
func TestPushUnitsWriteHeldPastTheClientDeadline(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	env.RequireSandbox(t)
	at, err := autotask.New(autotask.Config{
		Username: env.Sandbox.Username, Secret: env.Sandbox.Secret, IntegrationCode: env.Sandbox.IntegrationCode,
		ZoneLookupURL: env.Sandbox.ZoneLookupURL, RetryWaitMin: 5 * time.Millisecond, RetryWaitMax: 20 * time.Millisecond,
		WriteTimeout: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	clock := newWallClock()
	e := &billingEnv{Env: env, svc: newBillingSvc(at, env.Now, fastTiming(clock))}
	b := e.NewBillingTarget(t, 30)
	seq := e.lastSeq(t)
	e.inject(t, sandbox.FaultRule{Method: "POST", Path: adjustmentsPath, Action: sandbox.FaultHoldThenCommit, UntilReleased: true})

	res, err := e.svc.PushUnits(context.Background(), pushReq(b, 50))
	if !errors.Is(err, ErrUnconfirmed) || !strings.Contains(err.Error(), "300ms") {
		t.Fatalf("err = %v, want unconfirmed after the 300ms write timeout", err)
	}
	if _, err := e.Sandbox.Admin.ReleaseLateCommits(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the held write", func() bool { return e.appliedAdjustments(t, seq) == 1 })
	req := pushReq(b, 50)
	req.Unconfirmed = res.Unconfirmed
	res, err = e.svc.PushUnits(context.Background(), req)
	if err != nil || res.After != 50 || res.Delta != 0 {
		t.Fatalf("run after the held write landed: %+v, %v", res, err)
	}
	if got, n := e.UnitsToday(t, b.ContractServiceID), e.appliedAdjustments(t, seq); got != 50 || n != 1 {
		t.Fatalf("Autotask holds %d units after %d applied adjustments, want 50 after exactly 1", got, n)
	}
}

// TestPushUnitsDeadlineBoundsTheReadBack: the push's context carries the
// resource's timeout, and Autotask holds the post past it. The post is cut
// at the deadline and never sent again; the read-back reads once (an answer
// lost after the commit would show there) and starts no wait after the
// deadline, however long ReadBackWaits is; the adjustment is recorded as
// unconfirmed. Once it lands, the next run posts nothing.
func TestPushUnitsDeadlineBoundsTheReadBack(t *testing.T) {
	t.Parallel()
	e := newBillingEnv(t, 0)
	clock := newWallClock()
	long := PushTiming{ReadBackWaits: []time.Duration{0, 5 * time.Second, 10 * time.Second, 20 * time.Second},
		SettleWindow: 10 * time.Minute, Now: clock.Now}
	e.svc.withTiming(long)
	b := e.NewBillingTarget(t, 30)
	seq := e.lastSeq(t)
	e.inject(t, sandbox.FaultRule{Method: "POST", Path: adjustmentsPath, Action: sandbox.FaultHoldThenCommit, UntilReleased: true})

	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	started := time.Now()
	res, err := e.svc.PushUnits(ctx, pushReq(b, 50))
	took := time.Since(started)
	if !errors.Is(err, ErrUnconfirmed) || res.Unconfirmed == nil || res.Unconfirmed.UnitChange != 20 || !res.Record {
		t.Fatalf("PushUnits past its deadline = %+v, %v; want the +20 adjustment recorded as unconfirmed", res, err)
	}
	if took > 4*time.Second {
		t.Errorf("the push took %s: a read-back wait began after the 400ms deadline", took)
	}
	posts := e.requestsSince(t, seq, "POST", "/ContractServiceAdjustments")
	if len(posts) == 0 {
		t.Fatal("no adjustment post in the request log")
	}
	if n := len(e.requestsSince(t, posts[0].Seq, "POST", "/ContractServiceUnits/query")); n != 1 {
		t.Errorf("%d unit reads after the post, want exactly 1 (the read-back's first, at the deadline)", n)
	}
	if _, err := e.Sandbox.Admin.ReleaseLateCommits(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the held write", func() bool { return e.appliedAdjustments(t, seq) == 1 })
	req := pushReq(b, 50)
	req.Unconfirmed = res.Unconfirmed
	if res, err = e.svc.PushUnits(context.Background(), req); err != nil || res.After != 50 || res.Delta != 0 {
		t.Fatalf("run after the held write landed: %+v, %v", res, err)
	}
	if got, n := e.UnitsToday(t, b.ContractServiceID), e.adjustmentPosts(t, seq); got != 50 || n != 1 {
		t.Fatalf("Autotask holds %d units after %d adjustment posts, want 50 after exactly 1", got, n)
	}
}

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// newInterruptibleEnv is a billing environment whose Autotask client sends
// adjustment posts through onAdjust (other requests go straight through).
func newInterruptibleEnv(t *testing.T, onAdjust func(base http.RoundTripper, r *http.Request) (*http.Response, error)) *billingEnv {
	t.Helper()
	e := newBillingEnv(t, 0)
	base := http.DefaultTransport
	at, err := autotask.New(autotask.Config{
		Username: e.Sandbox.Username, Secret: e.Sandbox.Secret, IntegrationCode: e.Sandbox.IntegrationCode,
		ZoneLookupURL: e.Sandbox.ZoneLookupURL, RetryWaitMin: 5 * time.Millisecond, RetryWaitMax: 20 * time.Millisecond,
		HTTPClient: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method == http.MethodPost && strings.HasSuffix(strings.ToLower(r.URL.Path), "/contractserviceadjustments") {
				return onAdjust(base, r)
			}
			return base.RoundTrip(r)
		})},
	})
	if err != nil {
		t.Fatalf("autotask client: %v", err)
	}
	e.svc = newBillingSvc(at, e.Now, fastTiming(newWallClock()))
	return e
}

// TestPushUnitsInterruptedAfterCommitIsReconciled is Ctrl-C during apply
// while an adjustment is in flight: Autotask commits it, the provider's
// context is cancelled before the answer arrives. The push reads the units
// back with a context of its own, finds the adjustment, and reports it (so
// state records it); nothing more is posted.
func TestPushUnitsInterruptedAfterCommitIsReconciled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := newInterruptibleEnv(t, func(base http.RoundTripper, r *http.Request) (*http.Response, error) {
		resp, err := base.RoundTrip(r) // Autotask applies the adjustment...
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
		cancel() // ...and the user presses Ctrl-C before the answer is read.
		return nil, context.Canceled
	})
	b := e.NewBillingTarget(t, 5)
	seq := e.lastSeq(t)

	res, err := e.svc.PushUnits(ctx, pushReq(b, 9))
	if err != nil {
		t.Fatalf("err = %v, want success: the read-back shows the adjustment", err)
	}
	if !res.Pushed || !res.Record || res.Before != 5 || res.After != 9 || res.Delta != 4 || res.Unconfirmed != nil {
		t.Fatalf("result = %+v, want pushed, 5 -> 9 (state must record the landed adjustment)", res)
	}
	if n := settledAdjustmentPosts(t, e, seq, 1); n != 1 {
		t.Fatalf("%d adjustment posts, want exactly 1", n)
	}
	if got := e.UnitsToday(t, b.ContractServiceID); got != 9 {
		t.Fatalf("Autotask holds %d units, want 9", got)
	}
}

// TestPushUnitsInterruptedBeforeCommitPostsNothingMore: the post is
// cancelled before Autotask processed it. The read-back shows nothing
// landed; the push stops (no second post) with the adjustment unconfirmed,
// to be recorded.
func TestPushUnitsInterruptedBeforeCommitPostsNothingMore(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var posts int
	e := newInterruptibleEnv(t, func(_ http.RoundTripper, r *http.Request) (*http.Response, error) {
		posts++
		cancel()
		return nil, context.Canceled
	})
	b := e.NewBillingTarget(t, 5)

	res, err := e.svc.PushUnits(ctx, pushReq(b, 9))
	if !errors.Is(err, ErrPushInterrupted) || !errors.Is(err, ErrUnconfirmed) || !strings.Contains(err.Error(), "Autotask shows 5 units now") {
		t.Fatalf("err = %v, want an interruption with the adjustment unconfirmed and 5 units shown", err)
	}
	if res.Pushed || res.After != 5 || res.Unconfirmed == nil || !res.Record {
		t.Fatalf("result = %+v, want nothing known pushed, 5 units, unconfirmed, to be recorded", res)
	}
	if posts != 1 {
		t.Fatalf("%d adjustment posts attempted, want 1 (nothing is posted after an interruption)", posts)
	}
	if got := e.UnitsToday(t, b.ContractServiceID); got != 5 {
		t.Fatalf("Autotask holds %d units, want 5", got)
	}
}

// TestPushUnitsCtrlCDuringTheReadBackDoesNotCutItShort: the answer is lost,
// the write lands a moment later, and the user presses Ctrl-C while the
// read-back waits. The read-back runs on its own context, sees the write and
// reports it.
func TestPushUnitsCtrlCDuringTheReadBackDoesNotCutItShort(t *testing.T) {
	t.Parallel()
	e := newBillingEnv(t, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tm := fastTiming(newWallClock())
	tm.ReadBackWaits = []time.Duration{0, 50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond,
		400 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}
	tm.Sleep = func(rctx context.Context, d time.Duration) error {
		cancel() // Ctrl-C arrives while the read-back waits
		return run.Wait(rctx, d)
	}
	e.svc.withTiming(tm)
	b := e.NewBillingTarget(t, 5)
	seq := e.lastSeq(t)
	e.inject(t, sandbox.FaultRule{Method: "POST", Path: adjustmentsPath, Action: sandbox.FaultDropThenCommit, DelayMs: 150})

	res, err := e.svc.PushUnits(ctx, pushReq(b, 9))
	if err != nil || ctx.Err() == nil {
		t.Fatalf("err = %v (ctx %v), want success after Ctrl-C: the read-back saw the late write", err, ctx.Err())
	}
	if !res.Pushed || res.After != 9 || !res.Record {
		t.Fatalf("result = %+v, want the landed adjustment recorded", res)
	}
	if got, n := e.UnitsToday(t, b.ContractServiceID), e.appliedAdjustments(t, seq); got != 9 || n != 1 {
		t.Fatalf("Autotask holds %d units after %d applied adjustments, want 9 after 1", got, n)
	}
}

// TestPushUnitsAlreadyCancelledSendsNoWrite: a push whose context has
// already ended posts nothing.
func TestPushUnitsAlreadyCancelledSendsNoWrite(t *testing.T) {
	t.Parallel()
	e := newBillingEnv(t, 0)
	b := e.NewBillingTarget(t, 5)
	seq := e.lastSeq(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := e.svc.PushUnits(ctx, pushReq(b, 9))
	if !errors.Is(err, ErrPushInterrupted) || res.Pushed || res.Record {
		t.Fatalf("push with a cancelled context: %+v, %v", res, err)
	}
	if n := e.adjustmentPosts(t, seq); n != 0 {
		t.Fatalf("%d adjustment posts after cancellation, want 0", n)
	}
}
