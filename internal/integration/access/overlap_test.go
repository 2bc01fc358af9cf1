package access

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/bench"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run/runtest"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// TestConnectionCheckReadsEveryEntityAtOnce: the permission check of the
// billing feature asks each entity's metadata at the same time; with the
// checks in small groups, the first would be answered before the last was
// sent.
func TestConnectionCheckReadsEveryEntityAtOnce(t *testing.T) {
	sb, err := sandbox.New(sandbox.Options{Fixture: bench.Fixture(1)})
	if err != nil {
		t.Fatal(err)
	}
	var group []string
	for _, e := range []string{autotask.EntityCompanies, autotask.EntityContracts, autotask.EntityContractServices,
		autotask.EntityContractServiceUnits, autotask.EntityServices, autotask.EntityContractServiceAdjustments} {
		group = append(group, "/"+strings.ToLower(e)+"/entityinformation")
	}
	rv := runtest.NewRendezvous(group)
	srv := httptest.NewServer(rv.Wrap(sb.Handler()))
	t.Cleanup(srv.Close)
	creds := sb.Credentials()
	at, err := autotask.New(autotask.Config{
		Username: creds.Username, Secret: creds.Secret, IntegrationCode: creds.IntegrationCode,
		ZoneLookupURL: sandbox.EndpointsFor(srv.URL).AutotaskZoneLookupURL,
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(run.New(at, nil, nil).WithUsername(creds.Username)).VerifyPermissions(t.Context(), []string{FeatureBilling})
	if err != nil {
		t.Fatal(err)
	}
	if !v.Passed() {
		t.Fatalf("the full-access user failed the billing checks: %+v", v.Checks)
	}
	for _, p := range rv.Problems() {
		t.Error(p + ": the entity checks were not all sent together")
	}
}
