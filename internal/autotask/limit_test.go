package autotask

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"
)

// inFlight tracks concurrent requests per endpoint key on the server side.
type inFlight struct {
	mu       sync.Mutex
	now, max map[string]int
}

func (f *inFlight) enter(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now[key]++
	if f.now[key] > f.max[key] {
		f.max[key] = f.now[key]
	}
}

// holdUntil keeps a request in the handler until at least n requests of its
// endpoint have been in flight together (or a generous limit passes, which
// only happens when the client never lets n through): the overlap the test
// needs comes from this barrier, not from how fast the machine is.
func (f *inFlight) holdUntil(key string, n int) {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		f.mu.Lock()
		reached := f.max[key] >= n
		f.mu.Unlock()
		if reached {
			return
		}
	}
}

func (f *inFlight) leave(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now[key]--
}

func TestNoMoreThanThreeInFlightPerEndpoint(t *testing.T) {
	fl := &inFlight{now: map[string]int{}, max: map[string]int{}}
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		key := endpointKey(r.URL.Path)
		fl.enter(key)
		fl.holdUntil(key, DefaultMaxInFlightPerEndpoint) // force overlap
		fl.leave(key)
		if r.Method == http.MethodGet {
			writeJSON(w, 200, map[string]any{"items": []any{}, "pageDetails": map[string]any{}})
			return
		}
		emptyPage(w)
	})
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			if _, err := Query[Company](t.Context(), h.c, EntityCompanies, QuerySpec{}); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() {
			var err error
			if i%2 == 0 {
				_, err = Query[Contract](t.Context(), h.c, EntityContracts, QuerySpec{})
			} else { // child routes count against "contracts"
				_, err = QueryChild[ContractService](t.Context(), h.c, EntityContracts, int64(i+1), ChildServices)
			}
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, key := range []string{"companies", "contracts"} {
		if got := fl.max[key]; got != DefaultMaxInFlightPerEndpoint {
			t.Errorf("max in flight for %s = %d, want exactly %d (never more, and the test must overlap)", key, got, DefaultMaxInFlightPerEndpoint)
		}
	}
}

func TestEndpointSlotIsReleasedDuringRetryWaits(t *testing.T) {
	// One slot. The first query gets a 429; while it waits, a second query on
	// the same endpoint must be able to run to completion.
	secondDone := make(chan struct{})
	var once sync.Once
	h := newHarness(t, failFirst(1, func(w http.ResponseWriter, _ *http.Request) {
		writeErrors(w, http.StatusTooManyRequests, "threshold")
	}, func(w http.ResponseWriter, r *http.Request) { emptyPage(w) }), func(c *Config) {
		c.MaxInFlightPerEndpoint = 1
	})
	h.c.cfg.Sleep = func(ctx context.Context, _ time.Duration) error {
		once.Do(func() {
			go func() {
				defer close(secondDone)
				if _, err := Query[Company](ctx, h.c, EntityCompanies, QuerySpec{}); err != nil {
					t.Error(err)
				}
			}()
		})
		select {
		case <-secondDone:
			return nil
		case <-time.After(30 * time.Second):
			t.Error("the second query could not run while the first waited to retry: the slot was held")
			return nil
		}
	}
	if _, err := Query[Company](t.Context(), h.c, EntityCompanies, QuerySpec{}); err != nil {
		t.Fatal(err)
	}
}

func TestEndpointKey(t *testing.T) {
	cases := map[string]string{
		"/ATServicesRest/V1.0/Companies/query":                  "companies",
		"/atservicesrest/v1.0/companies/query/count":            "companies",
		"/ATServicesRest/V1.0/Contracts/42/Services":            "contracts",
		"/ATServicesRest/V1.0/Contracts/42/ServiceAdjustments":  "contracts",
		"/ATServicesRest/V1.0/Tickets/entityInformation/fields": "tickets",
		"/ATServicesRest/V1.0/Companies/query/next":             "companies",
		"/ATServicesRest/V1.0/ThresholdInformation":             "thresholdinformation",
		"/atservicesrest/v1.0/zoneInformation":                  "",
		"/atservicesrest/versioninformation":                    "",
	}
	for path, want := range cases {
		if got := endpointKey(path); got != want {
			t.Errorf("endpointKey(%s) = %q, want %q", path, got, want)
		}
	}
}
