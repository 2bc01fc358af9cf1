package autotask_test

// These tests put the client against the sandbox's independent emulator of
// the Autotask wire protocol, so client and emulator check each other: the
// sandbox enforces Autotask's limits and reports what it received.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/autotasksim"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/sandboxtest"
)

func sandboxClient(t *testing.T, sb *sandboxtest.Instance) *autotask.Client {
	t.Helper()
	c, err := autotask.New(autotask.Config{
		Username: sb.Username, Secret: sb.Secret, IntegrationCode: sb.IntegrationCode,
		ZoneLookupURL: sb.ZoneLookupURL, RetryWaitMin: 10 * time.Millisecond, RetryWaitMax: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func createCompany(ctx context.Context, c *autotask.Client, name string) (int64, error) {
	return c.Create(ctx, "Companies", map[string]any{
		"companyName": name, "companyType": 1, "isActive": true, "phone": "555-0100", "ownerResourceID": 29682885,
	})
}

// TestSandboxConcurrencyCap: ten goroutines sharing one client never put more
// than three requests in flight on one endpoint, so the sandbox (which rejects
// a fourth, like Autotask) never rejects one. A control run without the
// client's cap shows the sandbox would have rejected them.
func TestSandboxConcurrencyCap(t *testing.T) {
	sb := sandboxtest.StartWithOptions(t, sandbox.Options{Autotask: autotasksim.Config{RequestDelay: 30 * time.Millisecond}})
	ctx := context.Background()
	c := sandboxClient(t, sb)
	if _, err := createCompany(ctx, c, "Concurrency Co"); err != nil {
		t.Fatal(err)
	}
	if err := sb.Admin.ResetStats(ctx); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := autotask.Query[autotask.Company](ctx, c, "Companies", autotask.QuerySpec{Filter: []autotask.Filter{autotask.Exist("id")}})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a caller failed: %v", err)
		}
	}
	st, err := sb.Admin.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	key := sb.IntegrationCode + "|companies"
	if got := st.Autotask.MaxInFlight[key]; got != 3 {
		t.Fatalf("max in flight on companies = %d (stats %v); want exactly 3: the cap must hold and the callers must overlap", got, st.Autotask.MaxInFlight)
	}
	if st.Autotask.ThreadRejections != 0 {
		t.Fatalf("the sandbox rejected %d requests for the thread limit", st.Autotask.ThreadRejections)
	}

	// Control: the same load sent raw, with no cap, trips the sandbox's limit.
	if err := sb.Admin.ResetStats(ctx); err != nil {
		t.Fatal(err)
	}
	var cw sync.WaitGroup
	for i := 0; i < 10; i++ {
		cw.Add(1)
		go func() {
			defer cw.Done()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, sb.AutotaskBaseURL+"V1.0/Companies/query",
				strings.NewReader(`{"filter":[{"op":"exist","field":"id"}]}`))
			req.Header.Set("UserName", sb.Username)
			req.Header.Set("Secret", sb.Secret)
			req.Header.Set("ApiIntegrationCode", sb.IntegrationCode)
			req.Header.Set("Content-Type", "application/json")
			if resp, err := http.DefaultClient.Do(req); err == nil {
				_ = resp.Body.Close()
			}
		}()
	}
	cw.Wait()
	st, _ = sb.Admin.Stats(ctx)
	if st.Autotask.ThreadRejections == 0 {
		t.Fatal("control: 10 uncapped concurrent requests were not rejected; the concurrency test proves nothing")
	}
}

// TestSandboxCommitThenDrop: a create whose write happened but whose response
// was lost is reported as an unknown outcome and never sent again.
func TestSandboxCommitThenDrop(t *testing.T) {
	sb := sandboxtest.Start(t, nil)
	ctx := context.Background()
	c := sandboxClient(t, sb)
	if _, err := c.Zone(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Admin.InjectFault(ctx, sandbox.FaultRule{Method: "POST", Path: "/ATServicesRest/V1.0/Companies", Action: "commit-then-drop", Count: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := createCompany(ctx, c, "Dropped Response Co")
	if !errors.Is(err, autotask.ErrOutcomeUnknown) {
		t.Fatalf("create with a lost response: err = %v, want ErrOutcomeUnknown", err)
	}
	got, err := autotask.Query[autotask.Company](ctx, c, "Companies", autotask.QuerySpec{
		Filter: []autotask.Filter{autotask.Eq("companyName", "Dropped Response Co")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d companies exist after one create with a lost response; want exactly 1 (the write happened once and was not resent)", len(got))
	}
}

// TestSandboxRetryAfter: a 429 with Retry-After is waited out and the query
// then succeeds; the wait is at least what the server asked for.
func TestSandboxRetryAfter(t *testing.T) {
	sb := sandboxtest.Start(t, nil)
	ctx := context.Background()
	var slept []time.Duration
	c, err := autotask.New(autotask.Config{
		Username: sb.Username, Secret: sb.Secret, IntegrationCode: sb.IntegrationCode, ZoneLookupURL: sb.ZoneLookupURL,
		Sleep: func(ctx context.Context, d time.Duration) error { slept = append(slept, d); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Admin.InjectFault(ctx, sandbox.FaultRule{
		Path: "/ATServicesRest/V1.0/Companies/query", Action: "fail", Count: 2, Status: 429,
		Body: `{"errors":["Request threshold exceeded"]}`, Headers: map[string]string{"Retry-After": "7"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := autotask.Query[autotask.Company](ctx, c, "Companies", autotask.QuerySpec{}); err != nil {
		t.Fatalf("query after two 429s: %v", err)
	}
	if len(slept) != 2 || slept[0] < 7*time.Second || slept[1] < 7*time.Second {
		t.Fatalf("waits = %v, want two waits of at least the advertised 7s", slept)
	}
	reqs, err := sb.Admin.Requests(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range reqs {
		if strings.HasSuffix(r.Path, "/Companies/query") {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("the sandbox saw %d company queries, want 3 (two throttled, one served)", n)
	}
}

// TestSandboxAuthFailures: each authentication failure reaches the caller as
// its own typed error with a message that says what to fix.
func TestSandboxAuthFailures(t *testing.T) {
	sb := sandboxtest.Start(t, nil)
	ctx := context.Background()
	cases := []struct {
		name, user, secret, code string
		check                    func(error) bool
		want                     string
	}{
		{"unknown user", "nobody@sandbox.example", sb.Secret, sb.IntegrationCode,
			func(err error) bool { var e *autotask.ZoneNotFoundError; return errors.As(err, &e) }, "username"},
		{"wrong secret", sb.Username, "wrong-secret", sb.IntegrationCode,
			func(err error) bool { var e *autotask.AuthenticationError; return errors.As(err, &e) }, "secret"},
		{"bad integration code", sb.Username, sb.Secret, "NOT-THE-CODE",
			func(err error) bool { var e *autotask.InvalidIntegrationCodeError; return errors.As(err, &e) }, "IntegrationCode is invalid."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := autotask.New(autotask.Config{Username: tc.user, Secret: tc.secret, IntegrationCode: tc.code, ZoneLookupURL: sb.ZoneLookupURL})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.ThresholdInformation(ctx)
			if err == nil || !tc.check(err) {
				t.Fatalf("err = %v (%T)", err, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
			if strings.Contains(err.Error(), sb.Secret) {
				t.Fatal("the error text contains the secret")
			}
		})
	}
}

// TestSandboxPagingAndOperators: a query spanning three pages returns every
// matching record once, in id order, and grouped filters select exactly what
// they say.
func TestSandboxPagingAndOperators(t *testing.T) {
	sb := sandboxtest.Start(t, nil)
	ctx := context.Background()
	c := sandboxClient(t, sb)
	for i := 0; i < 7; i++ {
		if _, err := createCompany(ctx, c, fmt.Sprintf("Paging Co %02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	var pages, total int
	err := autotask.QueryPages[autotask.Company](ctx, c, "Companies", autotask.QuerySpec{
		Filter: []autotask.Filter{autotask.BeginsWith("companyName", "paging co")}, MaxRecords: 3,
	}, func(p []autotask.Company) error { pages++; total += len(p); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if pages != 3 || total != 7 {
		t.Fatalf("pages=%d total=%d, want 3 pages and 7 records", pages, total)
	}
	got, err := autotask.Query[autotask.Company](ctx, c, "Companies", autotask.QuerySpec{Filter: []autotask.Filter{
		autotask.BeginsWith("companyName", "Paging Co"),
		autotask.Or(autotask.EndsWith("companyName", "01"), autotask.And(autotask.Contains("companyName", "co 0"), autotask.In("companyName", "Paging Co 05", "Paging Co 06"))),
	}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, co := range got {
		names = append(names, co.CompanyName)
	}
	if strings.Join(names, ",") != "Paging Co 01,Paging Co 05,Paging Co 06" {
		t.Fatalf("grouped filter selected %v", names)
	}
}
