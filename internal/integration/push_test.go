package integration

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
)

func pushReq(b acctest.BillingTarget, target int) PushRequest {
	return PushRequest{ContractID: b.ContractID, ContractServiceID: b.ContractServiceID, ServiceID: b.ServiceID, Target: target}
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
	if res.Before != 5 || res.After != 12 || res.Delta != 7 || res.AdjustmentID == 0 || !res.Pushed {
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
	if res.After != 9 || res.Delta != 4 || !res.Pushed || res.AdjustmentID != 0 {
		t.Fatalf("result = %+v, want after 9, delta 4, pushed without a confirmed id", res)
	}
}

func TestPushUnitsLostRequestThatDidNotLandIsSentOnceMore(t *testing.T) {
	t.Parallel()
	e := newBillingEnv(t, 0)
	b := e.NewBillingTarget(t, 5)
	seq := e.lastSeq(t)
	e.injectFault(t, "POST", adjustmentsPath, "drop", 1)

	res, err := e.svc.PushUnits(context.Background(), pushReq(b, 2))
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	if got := e.UnitsToday(t, b.ContractServiceID); got != 2 {
		t.Fatalf("Autotask holds %d units, want 2", got)
	}
	if n := settledAdjustmentPosts(t, e, seq, 2); n != 2 {
		t.Fatalf("%d adjustment posts, want 2 (the dropped one and exactly one more)", n)
	}
	if res.Before != 5 || res.After != 2 || res.Delta != -3 || res.AdjustmentID == 0 {
		t.Fatalf("result = %+v", res)
	}
}

func TestPushUnitsBusinessErrorIsNotRetried(t *testing.T) {
	t.Parallel()
	e := newBillingEnv(t, 0)
	company := e.CreateCompany(t, e.Unique("Future Co"), acctest.CompanyOpts{})
	service := e.CreateService(t, e.Unique("Petra"), 3)
	contract := e.CreateContract(t, company, e.Unique("Starts Later"), e.Date(30), e.Date(400), acctest.ContractOpts{})
	line := e.AddContractService(t, contract, service, 3)
	seq := e.lastSeq(t)

	_, err := e.svc.PushUnits(context.Background(), PushRequest{ContractID: contract, ContractServiceID: line, ServiceID: service, Target: 4})
	var br *autotask.BusinessRuleError
	if !errors.As(err, &br) {
		t.Fatalf("err = %v, want Autotask's business-rule refusal", err)
	}
	if !strings.Contains(err.Error(), "An unexpected error has occurred. Please contact Autotask Support.") {
		t.Fatalf("Autotask's own text is missing from %q", err)
	}
	if n := e.adjustmentPosts(t, seq); n != 1 {
		t.Fatalf("%d adjustment posts, want 1 (a refusal is never retried)", n)
	}
}

func TestPushUnitsGivesUpAfterBoundedAttempts(t *testing.T) {
	t.Parallel()
	e := newBillingEnv(t, 0)
	b := e.NewBillingTarget(t, 5)
	seq := e.lastSeq(t)
	e.injectFault(t, "POST", adjustmentsPath, "drop", 10)

	var waits []time.Duration
	req := pushReq(b, 8)
	req.sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	res, err := e.svc.PushUnits(context.Background(), req)
	if err == nil {
		t.Fatal("push succeeded although every post was lost")
	}
	for _, want := range []string{"gave up pushing units to contract service", "Autotask now reports 5 units", "target 8"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q lacks %q", err, want)
		}
	}
	if n := settledAdjustmentPosts(t, e, seq, maxPushAttempts); n != maxPushAttempts {
		t.Fatalf("%d adjustment posts, want %d", n, maxPushAttempts)
	}
	if res.Pushed || e.UnitsToday(t, b.ContractServiceID) != 5 {
		t.Fatalf("units changed although no post landed: %+v", res)
	}
	if len(waits) != maxPushAttempts || waits[0] != 0 {
		t.Fatalf("read-back waits = %v, want one immediate read-back per lost post", waits)
	}
}

func TestPushUnitsUnreadableAfterLostPostReportsWhatIsKnown(t *testing.T) {
	t.Parallel()
	e := newBillingEnv(t, -1) // no client retries: the read-back loop is what is tested
	b := e.NewBillingTarget(t, 5)
	e.injectFault(t, "POST", adjustmentsPath, "commit-then-drop", 1)

	var waits []time.Duration
	req := pushReq(b, 7)
	req.sleep = func(_ context.Context, d time.Duration) error {
		if len(waits) == 0 {
			// The post was lost; now make every read-back fail too.
			e.injectFault(t, "POST", unitsPath, "fail", len(readBackWaits))
		}
		waits = append(waits, d)
		return nil
	}
	_, err := e.svc.PushUnits(context.Background(), req)
	if err == nil {
		t.Fatal("push succeeded although its outcome could not be read")
	}
	for _, want := range []string{"may or may not have been applied", "reading the units back failed", "had 5 units, the target is 7", "run apply again"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q lacks %q", err, want)
		}
	}
	if len(waits) != len(readBackWaits) || waits[1] != readBackWaits[1] || waits[2] != readBackWaits[2] {
		t.Fatalf("read-back waits = %v, want %v (backoff)", waits, readBackWaits)
	}
	// The lost post did land: the next run's fresh read sees it and pushes nothing more.
	seq := e.lastSeq(t)
	res, err := e.svc.PushUnits(context.Background(), pushReq(b, 7))
	if err != nil || res.Delta != 0 || e.adjustmentPosts(t, seq) != 0 {
		t.Fatalf("rerun after the uncertain push: %+v, %v", res, err)
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
	e.svc = New(at, nil, e.Now)
	return e
}

// TestPushUnitsInterruptedAfterCommitIsReconciled is Ctrl-C during apply
// while an adjustment is in flight: Autotask commits it, the provider's
// context is cancelled before the answer arrives. The push must read the
// units back with a separate context, report that the adjustment landed (so
// state records it), and post nothing more.
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
	if !errors.Is(err, ErrPushInterrupted) {
		t.Fatalf("err = %v, want ErrPushInterrupted", err)
	}
	for _, want := range []string{"it landed", "holds 9 units", "5 before this run, target 9"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q lacks %q", err, want)
		}
	}
	if !res.Pushed || res.Before != 5 || res.After != 9 || res.Delta != 4 {
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
// landed; the push stops (no second post) and reports nothing pushed.
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
	if !errors.Is(err, ErrPushInterrupted) || !strings.Contains(err.Error(), "did not land") {
		t.Fatalf("err = %v, want an interruption saying the adjustment did not land", err)
	}
	if res.Pushed || res.After != 5 {
		t.Fatalf("result = %+v, want nothing pushed, 5 units", res)
	}
	if posts != 1 {
		t.Fatalf("%d adjustment posts attempted, want 1 (nothing is posted after an interruption)", posts)
	}
	if got := e.UnitsToday(t, b.ContractServiceID); got != 5 {
		t.Fatalf("Autotask holds %d units, want 5", got)
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
	if !errors.Is(err, ErrPushInterrupted) || res.Pushed {
		t.Fatalf("push with a cancelled context: %+v, %v", res, err)
	}
	if n := e.adjustmentPosts(t, seq); n != 0 {
		t.Fatalf("%d adjustment posts after cancellation, want 0", n)
	}
}
