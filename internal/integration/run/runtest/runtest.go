// Package runtest builds a run.Run for the integration packages' tests: an
// Autotask client that logs in to a sandbox as a given API user.
package runtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/sandboxtest"
)

// ForUser returns a Run whose Autotask client logs in to sb as
// username/secret/code, without client-side retries (tests stay fast).
func ForUser(t *testing.T, sb *sandboxtest.Instance, username, secret, code string) *run.Run {
	t.Helper()
	at, err := autotask.New(autotask.Config{
		Username: username, Secret: secret, IntegrationCode: code,
		ZoneLookupURL: sb.ZoneLookupURL, RetryMax: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return run.New(at, nil, nil).WithUsername(username)
}

// AutotaskRequests is sb's request log of the Autotask API.
func AutotaskRequests(t *testing.T, sb *sandboxtest.Instance) []sandbox.RequestRecord {
	t.Helper()
	recs, err := sb.Admin.Requests(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []sandbox.RequestRecord
	for _, r := range recs {
		if r.API == "autotask" {
			out = append(out, r)
		}
	}
	return out
}

// LastSeq is the newest sequence number of sb's request log.
func LastSeq(t *testing.T, sb *sandboxtest.Instance) int64 {
	t.Helper()
	rs, err := sb.Admin.Requests(context.Background(), 0)
	if err != nil {
		t.Fatalf("request log: %v", err)
	}
	if len(rs) == 0 {
		return 0
	}
	return rs[len(rs)-1].Seq
}

// RequestsSince returns sb's logged requests after seq whose method matches
// ("" matches any) and whose path ends with suffix (case-insensitively).
func RequestsSince(t *testing.T, sb *sandboxtest.Instance, seq int64, method, suffix string) []sandbox.RequestRecord {
	t.Helper()
	rs, err := sb.Admin.Requests(context.Background(), seq)
	if err != nil {
		t.Fatalf("request log: %v", err)
	}
	var out []sandbox.RequestRecord
	for _, r := range rs {
		if (method == "" || strings.EqualFold(r.Method, method)) && strings.HasSuffix(strings.ToLower(r.Path), strings.ToLower(suffix)) {
			out = append(out, r)
		}
	}
	return out
}

// InjectFault adds a fault rule to sb.
func InjectFault(t *testing.T, sb *sandboxtest.Instance, f sandbox.FaultRule) {
	t.Helper()
	if _, err := sb.Admin.InjectFault(context.Background(), f); err != nil {
		t.Fatalf("injecting fault: %v", err)
	}
}

// LogInThrough serves h (sb's handler, usually wrapped to watch or hold
// requests) on a test server and returns an Autotask client logged in to it
// as sb's API user, with that user's name.
func LogInThrough(t *testing.T, sb *sandbox.Sandbox, h http.Handler) (*autotask.Client, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	creds := sb.Credentials()
	at, err := autotask.New(autotask.Config{
		Username: creds.Username, Secret: creds.Secret, IntegrationCode: creds.IntegrationCode,
		ZoneLookupURL: sandbox.EndpointsFor(srv.URL).AutotaskZoneLookupURL,
	})
	if err != nil {
		t.Fatal(err)
	}
	return at, creds.Username
}
