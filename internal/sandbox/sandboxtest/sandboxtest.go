// Package sandboxtest runs an in-process sandbox (Autotask + Petra emulators
// and the admin API) on an httptest server for the duration of a test.
package sandboxtest

import (
	"net/http/httptest"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// Instance is a running sandbox and the demo credentials to use with it.
type Instance struct {
	// URL is the listener's base URL ("http://127.0.0.1:NNNNN").
	URL string
	// ZoneLookupURL is the Autotask zone-lookup base ("{URL}/atservicesrest/");
	// clients append "v1.0/zoneInformation?user=...".
	ZoneLookupURL string
	// AutotaskBaseURL is the zone URL ("{URL}/ATServicesRest/").
	AutotaskBaseURL string
	// PetraURL is Petra's API base ("{URL}/petra"); clients append "/v1/...".
	PetraURL string
	// Admin drives the admin API over HTTP (faults, clock, request log...).
	Admin *sandbox.AdminClient

	// Username, Secret and IntegrationCode are the fixture's full-access
	// ("API User (system)") Autotask user; PetraKey is its first Petra key.
	Username        string
	Secret          string
	IntegrationCode string
	PetraKey        string
}

// Start runs a sandbox for fx (nil selects sandbox.BaseFixture()) and stops it
// when the test ends. Options other than the fixture keep their defaults.
func Start(t testing.TB, fx *sandbox.Fixture) *Instance {
	t.Helper()
	return StartWithOptions(t, sandbox.Options{Fixture: fx})
}

// StartWithOptions is Start with full control over the sandbox options.
func StartWithOptions(t testing.TB, opts sandbox.Options) *Instance {
	t.Helper()
	sb, err := sandbox.New(opts)
	if err != nil {
		t.Fatalf("sandboxtest: %v", err)
	}
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	// Runs before srv.Close (cleanups run last-in first-out): held writes
	// are dropped so no handler keeps the server from closing.
	t.Cleanup(sb.Close)
	ep := sandbox.EndpointsFor(srv.URL)
	creds := sb.Credentials()
	return &Instance{
		URL:             ep.BaseURL,
		ZoneLookupURL:   ep.AutotaskZoneLookupURL,
		AutotaskBaseURL: ep.AutotaskBaseURL,
		PetraURL:        ep.PetraBaseURL,
		Admin:           &sandbox.AdminClient{BaseURL: srv.URL, HTTP: srv.Client()},
		Username:        creds.Username,
		Secret:          creds.Secret,
		IntegrationCode: creds.IntegrationCode,
		PetraKey:        creds.PetraAPIKey,
	}
}
