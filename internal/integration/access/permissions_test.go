package access

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run/runtest"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/autotasksim"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/sandboxtest"
)

// Base fixture users (internal/sandbox/fixtures/README.md).
const (
	fxIntegrationCode    = "PETRASBX7DEMO4INTEGRATN2Q7K"
	fxRestrictedUser     = "petra-api-restricted@sandbox.example"
	fxRestrictedSecret   = "sandbox-restricted-secret-do-not-use"
	fxReadonlyUser       = "petra-api-readonly-contracts@sandbox.example"
	fxReadonlySecret     = "sandbox-readonly-contracts-secret-do-not-use"
	fxInactiveUser       = "petra-api-inactive@sandbox.example"
	fxInactiveSecret     = "sandbox-inactive-secret-do-not-use"
	fxAdminUser          = "admin@sandbox.example"
	fxAdminSecret        = "sandbox-admin-secret-do-not-use"
	allFeaturesCheckRuns = 2 + 14 // zone + authentication + every requirement
)

var bothFeatures = []string{FeatureTicketing, FeatureBilling}

// serviceFor returns the access checks of an API user of sb (runtest.ForUser).
func serviceFor(t *testing.T, sb *sandboxtest.Instance, username, secret, code string) *Access {
	t.Helper()
	return New(runtest.ForUser(t, sb, username, secret, code))
}

func TestVerifyPermissionsFullUser(t *testing.T) {
	sb := sandboxtest.Start(t, nil)
	svc := serviceFor(t, sb, sb.Username, sb.Secret, sb.IntegrationCode)
	ctx := context.Background()

	v, err := svc.VerifyPermissions(ctx, bothFeatures)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Passed() || len(v.Missing()) != 0 {
		t.Fatalf("full user should pass, missing %+v", v.Missing())
	}
	if _, _, failed := v.Problem(); failed {
		t.Fatal("Problem reported a failure for a passing verification")
	}
	if v.Zone.ZoneName != autotasksim.DefaultZoneName || v.Zone.CI != autotasksim.DefaultCI || v.Zone.URL != sb.AutotaskBaseURL {
		t.Fatalf("zone = %+v, want %s / %d / %s", v.Zone, autotasksim.DefaultZoneName, autotasksim.DefaultCI, sb.AutotaskBaseURL)
	}
	var names []string
	for _, c := range v.Checks {
		names = append(names, c.Name)
	}
	want := "zone discovery,authentication,Companies query,Tickets query,Tickets create,Tickets update,Tickets picklists," +
		"Contracts query,Contracts update,ContractServices query,ContractServiceUnits query,Services query," +
		"ContractServiceAdjustments create,ContractNotes query,ContractNotes create,ContractNotes update"
	if got := strings.Join(names, ","); got != want {
		t.Fatalf("checks = %s\nwant     %s", got, want)
	}
	if c := v.Checks[2]; strings.Join(c.Features, ",") != "billing,ticketing" {
		t.Fatalf("Companies query is needed by both features, got %v", c.Features)
	}

	// zone lookup, ThresholdInformation, 8 entityInformation, 7 probes, 1 fields.
	reqs := runtest.AutotaskRequests(t, sb)
	if len(reqs) != 18 {
		var paths []string
		for _, r := range reqs {
			paths = append(paths, r.Method+" "+r.Path)
		}
		t.Fatalf("verification made %d Autotask requests, want 18:\n%s", len(reqs), strings.Join(paths, "\n"))
	}
	for _, r := range reqs {
		if strings.Contains(r.Path, "ContractServiceAdjustments/query") {
			t.Fatal("ContractServiceAdjustments cannot be queried (ref §9); the check must use entityInformation only")
		}
		if strings.HasSuffix(r.Path, "/query") && !strings.Contains(r.Body, `"MaxRecords":1`) {
			t.Fatalf("probe %s did not ask for one record: %s", r.Path, r.Body)
		}
	}

	// Same features in another order: served from the run cache.
	if _, err := svc.VerifyPermissions(ctx, []string{FeatureBilling, FeatureTicketing}); err != nil {
		t.Fatal(err)
	}
	if n := len(runtest.AutotaskRequests(t, sb)); n != 18 {
		t.Fatalf("a second verification of the same features made %d more requests", n-18)
	}
}

func TestVerifyPermissionsListsEveryMissingPermission(t *testing.T) {
	sb := sandboxtest.Start(t, nil)
	cases := []struct {
		user, secret string
		missing      string
		line         string
	}{
		{fxRestrictedUser, fxRestrictedSecret, "Services query,ContractServiceAdjustments create,ContractNotes query,ContractNotes create,ContractNotes update",
			"  - billing: Services (query), ContractServiceAdjustments (create), ContractNotes (query), ContractNotes (create), ContractNotes (update) missing\n"},
		{fxReadonlyUser, fxReadonlySecret, "Contracts update,ContractServiceAdjustments create",
			"  - billing: Contracts (update), ContractServiceAdjustments (create) missing\n"},
	}
	for _, tc := range cases {
		t.Run(tc.user, func(t *testing.T) {
			svc := serviceFor(t, sb, tc.user, tc.secret, fxIntegrationCode)
			v, err := svc.VerifyPermissions(context.Background(), bothFeatures)
			if err != nil {
				t.Fatal(err)
			}
			if len(v.Checks) != allFeaturesCheckRuns {
				t.Fatalf("verification stopped early: %d checks", len(v.Checks))
			}
			var missing []string
			for _, c := range v.Missing() {
				missing = append(missing, c.Name)
				if !strings.HasPrefix(c.Message, "denied: ") {
					t.Errorf("%s: message %q does not say it was denied", c.Name, c.Message)
				}
			}
			if got := strings.Join(missing, ","); got != tc.missing {
				t.Fatalf("missing = %s, want %s", got, tc.missing)
			}
			summary, detail, failed := v.Problem()
			if !failed || summary != "Autotask API user lacks permissions" {
				t.Fatalf("Problem() = %q, %v", summary, failed)
			}
			for _, want := range []string{tc.line, PermissionFix, `"` + tc.user + `"`} {
				if !strings.Contains(detail, want) {
					t.Errorf("detail lacks %q:\n%s", want, detail)
				}
			}
			if strings.Contains(detail, "ticketing:") || strings.Contains(detail, TicketingFix) {
				t.Errorf("detail blames ticketing although every Tickets permission is granted:\n%s", detail)
			}

			// The same user is fine for ticketing alone.
			tv, err := svc.VerifyPermissions(context.Background(), []string{FeatureTicketing})
			if err != nil {
				t.Fatal(err)
			}
			if !tv.Passed() {
				t.Fatalf("ticketing-only verification failed: %+v", tv.Missing())
			}
			for _, c := range tv.Checks {
				if c.Entity == autotask.EntityServices || c.Entity == autotask.EntityContracts {
					t.Fatalf("ticketing-only verification checked %s", c.Name)
				}
			}
		})
	}
}

func TestVerifyPermissionsTicketingMissing(t *testing.T) {
	fx := sandbox.BaseFixture()
	fx.Autotask.APIUsers = append(fx.Autotask.APIUsers, autotasksim.APIUser{
		UserName: "petra-api-noticket@sandbox.example", Secret: "noticket-secret", IntegrationCode: fxIntegrationCode,
		SecurityLevel: autotasksim.SecurityLevelAPICustom,
		Permissions: map[string]autotasksim.EntityPermission{
			"Companies": {Query: "Restricted", Create: "None", Update: "None", Delete: "None"},
			"Tickets":   {Query: "All", Create: "None", Update: "None", Delete: "None"},
		},
	})
	sb := sandboxtest.Start(t, fx)
	svc := serviceFor(t, sb, "petra-api-noticket@sandbox.example", "noticket-secret", fxIntegrationCode)
	v, err := svc.VerifyPermissions(context.Background(), []string{FeatureTicketing})
	if err != nil {
		t.Fatal(err)
	}
	_, detail, failed := v.Problem()
	if !failed {
		t.Fatal("expected a failure")
	}
	for _, want := range []string{"  - ticketing: Tickets (create), Tickets (update) missing\n", TicketingFix, PermissionFix} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail lacks %q:\n%s", want, detail)
		}
	}
	notes := v.Notes()
	if len(notes) != 1 || !strings.HasPrefix(notes[0], "Companies (query): allowed with Restricted access") {
		t.Fatalf("notes = %q, want one Restricted note for Companies query", notes)
	}
}

func TestVerifyPermissionsCredentialFailures(t *testing.T) {
	sb := sandboxtest.Start(t, nil)
	cases := []struct {
		name, user, secret, code string
		summary, text            string
		checks                   int
	}{
		{"unknown user", "nobody@sandbox.example", "x", fxIntegrationCode, "Unknown Autotask API user",
			`Autotask does not know the API user "nobody@sandbox.example"`, 1},
		{"wrong secret", sb.Username, "wrong-secret", sb.IntegrationCode, "Autotask rejected the API credentials",
			"Autotask rejected the API credentials. Check that the username and secret are correct", 2},
		{"invalid integration code", sb.Username, sb.Secret, "NOTAVALIDCODE0000000000000X", "Invalid Autotask API Tracking Identifier",
			`Autotask says the API integration code is invalid ("IntegrationCode is invalid.")`, 2},
		{"inactive user", fxInactiveUser, fxInactiveSecret, fxIntegrationCode, "Autotask rejected the API credentials",
			`security level is "API User (system)"`, 2},
		{"not an API user", fxAdminUser, fxAdminSecret, fxIntegrationCode, "Autotask rejected the API credentials",
			"a normal user passes zone lookup but is refused on every API call", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			svc := serviceFor(t, sb, tc.user, tc.secret, tc.code)
			v, err := svc.VerifyPermissions(context.Background(), bothFeatures)
			if err != nil {
				t.Fatal(err)
			}
			if !v.CredentialsFailed() || len(v.Checks) != tc.checks {
				t.Fatalf("want the run to end after %d checks with a credential failure, got %+v", tc.checks, v.Checks)
			}
			summary, detail, failed := v.Problem()
			if !failed || summary != tc.summary || !strings.Contains(detail, tc.text) {
				t.Fatalf("Problem() = %q / %q, want %q containing %q", summary, detail, tc.summary, tc.text)
			}
			if strings.Contains(detail, "HTTP 401 on") {
				t.Fatalf("detail keeps the request path: %q", detail)
			}
		})
	}
}

func TestVerifyPermissionsProbeRefused(t *testing.T) {
	sb := sandboxtest.Start(t, nil)
	// entityInformation says All, but the query itself is refused.
	if _, err := sb.Admin.InjectFault(context.Background(), sandbox.FaultRule{
		Method: "POST", Path: "/ATServicesRest/V1.0/Companies/query", Action: sandbox.FaultFail, Status: 500,
		Body: `{"errors":["The logged in Resource does not have the adequate permissions to query this entity type."]}`,
	}); err != nil {
		t.Fatal(err)
	}
	svc := serviceFor(t, sb, sb.Username, sb.Secret, sb.IntegrationCode)
	v, err := svc.VerifyPermissions(context.Background(), []string{FeatureBilling})
	if err != nil {
		t.Fatal(err)
	}
	m := v.Missing()
	if len(m) != 1 || m[0].Name != "Companies query" || !strings.Contains(m[0].Message, "a one-record query was refused") ||
		!strings.Contains(m[0].Message, "adequate permissions to query") {
		t.Fatalf("missing = %+v", m)
	}
	_, detail, _ := v.Problem()
	if !strings.Contains(detail, "  - billing: Companies (query) missing\n") {
		t.Fatalf("detail:\n%s", detail)
	}
}

func TestVerifyPermissionsRetryWhileUnreachable(t *testing.T) {
	sb := sandboxtest.Start(t, nil)
	ctx := context.Background()
	if _, err := sb.Admin.InjectFault(ctx, sandbox.FaultRule{
		Path: "/ATServicesRest/V1.0/ThresholdInformation", Action: sandbox.FaultFail, Status: 503, Count: 2,
	}); err != nil {
		t.Fatal(err)
	}
	svc := serviceFor(t, sb, sb.Username, sb.Secret, sb.IntegrationCode)
	var waits []time.Duration
	p := RetryPolicy{Initial: time.Second, Max: 90 * time.Second, Sleep: func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		return nil
	}}
	v, err := svc.VerifyPermissionsRetry(ctx, bothFeatures, p)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Passed() {
		t.Fatalf("missing %+v", v.Missing())
	}
	if len(waits) != 2 || waits[0] != time.Second || waits[1] != 2*time.Second {
		t.Fatalf("waits = %v, want [1s 2s]", waits)
	}

	// Moments later (the Create after its own re-plan), the passed checks of
	// this run are reused: not one more request.
	before, err := sb.Admin.Requests(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.VerifyPermissionsRetry(ctx, bothFeatures, p); err != nil {
		t.Fatal(err)
	}
	after, err := sb.Admin.Requests(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("a second verification within %v made %d requests; want the run's passed checks reused", verifyReuseWindow, len(after)-len(before))
	}

	// Out of time: the last Autotask error is returned, saying so.
	svc.run.Invalidate(permissionsKeyPrefix)
	if _, err := sb.Admin.InjectFault(ctx, sandbox.FaultRule{
		Path: "/ATServicesRest/V1.0/ThresholdInformation", Action: sandbox.FaultFail, Status: 503, Count: 100,
	}); err != nil {
		t.Fatal(err)
	}
	p.Sleep = func(context.Context, time.Duration) error { return context.DeadlineExceeded }
	_, err = svc.VerifyPermissionsRetry(ctx, bothFeatures, p)
	var apiErr *autotask.APIError
	if err == nil || !strings.Contains(err.Error(), "did not finish in time after 1 attempt(s)") || !errors.As(err, &apiErr) {
		t.Fatalf("err = %v", err)
	}

	// A credential failure is not retried.
	if err := sb.Admin.ClearFaults(ctx); err != nil {
		t.Fatal(err)
	}
	bad := serviceFor(t, sb, sb.Username, "wrong", sb.IntegrationCode)
	p.Sleep = func(context.Context, time.Duration) error { t.Fatal("a rejected secret was retried"); return nil }
	v, err = bad.VerifyPermissionsRetry(ctx, bothFeatures, p)
	if err != nil || !v.CredentialsFailed() {
		t.Fatalf("v=%+v err=%v", v, err)
	}
}

func TestSameOutcome(t *testing.T) {
	a := &Verification{Zone: autotask.Zone{ZoneName: "Z"}, Checks: []Check{{Name: "x", Passed: true, Message: "allowed"}}}
	b := &Verification{Zone: autotask.Zone{ZoneName: "Z"}, Checks: []Check{{Name: "x", Passed: true, Message: "allowed"}}}
	if !a.SameOutcome(b) {
		t.Fatal("equal verifications differ")
	}
	b.Checks[0].Passed = false
	if a.SameOutcome(b) {
		t.Fatal("a lost permission went unnoticed")
	}
	b.Checks[0].Passed, b.Zone.ZoneName = true, "Y"
	if a.SameOutcome(b) {
		t.Fatal("a zone move went unnoticed")
	}
}

func TestNormalizeFeatures(t *testing.T) {
	got, err := NormalizeFeatures([]string{"ticketing", "billing", "ticketing"})
	if err != nil || strings.Join(got, ",") != "billing,ticketing" {
		t.Fatalf("got %v, %v", got, err)
	}
	if _, err := NormalizeFeatures([]string{"billing", "invoicing"}); err == nil ||
		!strings.Contains(err.Error(), `"invoicing" is not a feature of the integration; valid features are "billing"`) {
		t.Fatalf("err = %v", err)
	}
	if _, err := NormalizeFeatures(nil); err == nil || !strings.Contains(err.Error(), "no feature chosen") {
		t.Fatalf("err = %v", err)
	}
}

func TestIsTransient(t *testing.T) {
	api := func(status int, msgs ...string) *autotask.APIError {
		return &autotask.APIError{StatusCode: status, Method: "GET", Path: "/x", Messages: msgs}
	}
	cases := []struct {
		err  error
		want bool
	}{
		{api(503), true},
		{&autotask.RateLimitError{API: api(429)}, true},
		{&autotask.TransportError{Method: "GET", Err: errors.New("reset")}, true},
		{&autotask.PermissionError{Entity: "Services", Operation: autotask.OpQuery, API: api(500, "x")}, false},
		{&autotask.AuthenticationError{API: api(401)}, false},
		{&autotask.BusinessRuleError{API: api(500, "bad")}, false},
		{api(404), false},
		{errors.New("plain"), false},
	}
	for _, tc := range cases {
		if got := IsTransient(tc.err); got != tc.want {
			t.Errorf("IsTransient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
