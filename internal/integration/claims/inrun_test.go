package claims

import (
	"context"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/integration/problem"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
)

// TestClaimLineInRunSameTenantTwice: a second mapping of a line in one run
// clashes, also when it bills the same tenant.
func TestClaimLineInRunSameTenantTwice(t *testing.T) {
	t.Parallel()
	s := NewInRun(run.New(nil, nil, nil), nil)
	who := RunClaimant{Tenant: "ZZk90t", Company: 1001, Contract: 2001}
	if o, err := s.ClaimLineInRun(context.Background(), 4001, who); o != nil || err != nil {
		t.Fatalf("first claim: %+v, %v", o, err)
	}
	o, err := s.ClaimLineInRun(context.Background(), 4001, who)
	if err != nil || o == nil || *o != who {
		t.Fatalf("the same tenant twice on one line: %+v, %v", o, err)
	}
	if o, _ := s.ClaimLineInRun(context.Background(), 4002, who); o != nil {
		t.Fatalf("another line clashed: %+v", o)
	}
	p := LineClaimedTwice(4001, "Petra", "Managed", *o)
	if p.Attribute != problem.AttrServiceID || !strings.Contains(p.Detail, `also mapped by the billing mapping of tenant "ZZk90t" (company 1001, contract 2001)`) {
		t.Fatalf("problem = %+v", p)
	}
}
