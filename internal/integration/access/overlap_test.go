package access

import (
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
	at, user := runtest.LogInThrough(t, sb, rv.Wrap(sb.Handler()))
	v, err := New(run.New(at, nil, nil).WithUsername(user)).VerifyPermissions(t.Context(), []string{FeatureBilling})
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
