package billing

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/bench"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run/runtest"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// TestBillingReadsOverlapAcrossEndpoints: loading the billing data of a
// contract reads the contract list while the company names are read, and the
// contract's lines while their units are read, each pair on two endpoints at
// once. Sent one after another, every pair would cost two round trips of
// real Autotask latency instead of one.
func TestBillingReadsOverlapAcrossEndpoints(t *testing.T) {
	sb, err := sandbox.New(sandbox.Options{Fixture: bench.Fixture(3)})
	if err != nil {
		t.Fatal(err)
	}
	rv := runtest.NewRendezvous(
		[]string{"/contracts/query", "/companies/query"},
		[]string{"/contractservices/query", "/contractserviceunits/query"},
	)
	at, _ := runtest.LogInThrough(t, sb, rv.Wrap(sb.Handler()))
	svc := newBillingSvc(at, nil, PushTiming{})
	v, err := svc.Contract(t.Context(), bench.ContractID(1))
	if err != nil {
		t.Fatal(err)
	}
	if v == nil || len(v.Lines) != bench.LinesPerContract || v.CompanyName != "Bench Customer 00001" {
		t.Fatalf("contract view = %+v, want the contract of Bench Customer 00001 with %d lines", v, bench.LinesPerContract)
	}
	if l, ok := v.LineForService(bench.ServicePetra); !ok || l.UnitsToday != bench.SeededUnits(1) || l.ServiceName == "" {
		t.Errorf("Petra line = %+v (found %v), want %d units and the service's name", l, ok, bench.SeededUnits(1))
	}
	for _, p := range rv.Problems() {
		t.Error(p + ": the reads were sent one after another")
	}
}

// TestPreviewReadsExactlyTheConfiguredLines: the preview asks for every
// configured line at once, between the mappings' own batches; its read is
// exact, so it never counts as the mappings' second batch, which reads every
// contract of the account.
func TestPreviewReadsExactlyTheConfiguredLines(t *testing.T) {
	const account, configured = 60, 20
	sb, err := sandbox.New(sandbox.Options{Fixture: bench.Fixture(account)})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	read := map[int64]int{} // contract id -> times its lines were queried
	at, _ := runtest.LogInThrough(t, sb, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(strings.ToLower(r.URL.Path), "/contractservices/query") {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var q struct {
				Filter []struct {
					Field string  `json:"field"`
					Value []int64 `json:"value"`
				} `json:"filter"`
			}
			_ = json.Unmarshal(body, &q)
			mu.Lock()
			for _, f := range q.Filter {
				if strings.EqualFold(f.Field, "contractID") {
					for _, id := range f.Value {
						read[id]++
					}
				}
			}
			mu.Unlock()
		}
		sb.Handler().ServeHTTP(w, r)
	}))
	svc := newBillingSvc(at, nil, PushTiming{})
	refs := make([]LineRef, configured)
	for i := range refs {
		refs[i] = LineRef{ContractID: bench.ContractID(i), ServiceID: bench.ServicePetra}
	}
	// Terraform plans a first handful of mappings (one batch), then reads
	// the preview, then plans the rest.
	contracts := func(from, to int) {
		var wg sync.WaitGroup
		errs := make(chan error, to-from)
		for i := from; i < to; i++ {
			wg.Go(func() {
				_, err := svc.Contract(t.Context(), bench.ContractID(i))
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	contracts(0, 5)
	states, err := svc.Lines(t.Context(), refs)
	if err != nil {
		t.Fatal(err)
	}
	if st := states[refs[12]]; !st.Found || st.Line.UnitsToday != bench.SeededUnits(12) {
		t.Errorf("preview of line 12 = %+v, want the Petra line with %d units", st, bench.SeededUnits(12))
	}
	contracts(0, configured)
	mu.Lock()
	defer mu.Unlock()
	for id, n := range read {
		if id >= bench.ContractID(configured) {
			t.Errorf("the lines of contract %d, which no mapping names, were read: the reads widened to the account", id)
		}
		if n > 1 {
			t.Errorf("the lines of contract %d were read %d times", id, n)
		}
	}
}
