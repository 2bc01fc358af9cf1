package petra

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestIdenticalConcurrentGETsShareOneRequest(t *testing.T) {
	clk := newFakeClock(true)
	release := make(chan struct{})
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) {
		<-release
		jsonReply(w, 200, billableUsersJSON)
	})
	c := newTestClient(t, ts, clk, nil, nil)

	const callers = 5
	var wg sync.WaitGroup
	results := make([]*BillableUsers, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Go(func() { results[i], errs[i] = c.BillableUsers(context.Background(), "ZZk90t") })
	}
	waitFor(t, "all callers to join one request", func() bool {
		return c.flights.waiting(RouteBillableUsers+"?tenantId=ZZk90t") == callers && ts.Count() == 1
	})
	close(release)
	wg.Wait()
	for i := range callers {
		if errs[i] != nil || results[i] == nil || *results[i].ProjectedBillableUnitsThisMonth != 37 {
			t.Fatalf("caller %d: %v, %+v", i, errs[i], results[i])
		}
	}
	if results[0] == results[1] {
		t.Error("callers share one decoded struct; each must get its own copy")
	}
	if ts.Count() != 1 {
		t.Errorf("requests = %d, want 1 shared request", ts.Count())
	}
	// Sharing is only for concurrent calls: a later call asks Petra again.
	if _, err := c.BillableUsers(context.Background(), "ZZk90t"); err != nil || ts.Count() != 2 {
		t.Errorf("later call: err %v, requests %d (want a fresh request)", err, ts.Count())
	}
}

func TestSharedRequestSurvivesOneCallerGivingUp(t *testing.T) {
	clk := newFakeClock(true)
	release := make(chan struct{})
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) {
		<-release
		jsonReply(w, 200, tenantsJSON)
	})
	c := newTestClient(t, ts, clk, nil, nil)

	ctx1, cancel1 := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { _, err := c.Tenants(ctx1); first <- err }()
	waitFor(t, "the first request", func() bool { return ts.Count() == 1 })
	second := make(chan []Tenant, 1)
	go func() { got, _ := c.Tenants(context.Background()); second <- got }()
	waitFor(t, "the second caller to join", func() bool { return c.flights.waiting(RouteTenants+"?") == 2 })

	cancel1()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller err = %v", err)
	}
	close(release)
	if got := <-second; len(got) != 2 {
		t.Errorf("remaining caller got %d tenants, want 2: the shared request must not die with the first caller", len(got))
	}
	if ts.Count() != 1 {
		t.Errorf("requests = %d, want 1", ts.Count())
	}
}

func TestSharedRequestCancelledWhenEveryCallerGivesUp(t *testing.T) {
	clk := newFakeClock(true)
	aborted := make(chan struct{})
	ts := newTestServer(t, clk, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			close(aborted)
		case <-time.After(time.Minute):
		}
	})
	c := newTestClient(t, ts, clk, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := c.Tenants(ctx); done <- err }()
	waitFor(t, "the request", func() bool { return ts.Count() == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	select {
	case <-aborted:
	case <-time.After(30 * time.Second):
		t.Fatal("upstream request kept running after every caller gave up")
	}
}
