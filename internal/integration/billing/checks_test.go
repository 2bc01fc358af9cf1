package billing

import (
	"strings"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/integration/problem"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func healthy() *ContractFacts {
	return &ContractFacts{
		ID: 100, Name: "Contoso Managed Security", CompanyID: 10, Type: 7, Status: 1,
		StartDate: day("2026-01-01"), EndDate: day("2026-12-31"),
		ServiceCount: map[int64]int{500: 1},
	}
}

func TestCheckBillingTargetHealthy(t *testing.T) {
	if p := CheckBillingTarget(day("2026-11-23"), 100, 10, "", 500, "", healthy()); len(p) != 0 {
		t.Fatalf("healthy contract produced problems: %+v", p)
	}
}

func TestCheckBillingTargetExactTexts(t *testing.T) {
	today := day("2026-11-23")
	cases := []struct {
		name   string
		mutate func(*ContractFacts)
		attr   problem.Attribute
		want   string
	}{
		{"future start", func(c *ContractFacts) { c.StartDate = day("2026-12-23") }, problem.AttrContractID,
			`Contract "Contoso Managed Security" has a start date of 2026-12-23, which is in the future. Billing cannot be synced until the contract period has begun — update the contract start date in Autotask or wait until the contract is active.`},
		{"ended", func(c *ContractFacts) { c.EndDate = day("2026-10-24") }, problem.AttrContractID,
			`Contract "Contoso Managed Security" ended on 2026-10-24. Billing cannot be synced to an expired contract — extend the contract end date in Autotask or map this tenant to an active contract.`},
		{"duplicate", func(c *ContractFacts) { c.ServiceCount[500] = 2 }, problem.AttrServiceID,
			`Duplicate service found — the mapped Autotask Service appears 2 times on this contract. Remove the duplicate in Autotask by deleting it (if not yet invoiced) or setting its units to 0 with a past-dated removal, then retry.`},
		{"missing service", func(c *ContractFacts) { delete(c.ServiceCount, 500) }, problem.AttrServiceID, "is not on contract"},
		{"other company", func(c *ContractFacts) { c.CompanyID = 11 }, problem.AttrContractID, "belongs to company 11, not to company 10"},
		{"not recurring", func(c *ContractFacts) { c.Type = 1; c.TypeLabel = "Time & Materials" }, problem.AttrContractID, "is a Time & Materials contract"},
		{"inactive", func(c *ContractFacts) { c.Status = 0 }, problem.AttrContractID, "is inactive in Autotask"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := healthy()
			tc.mutate(c)
			got := CheckBillingTarget(today, 100, 10, "", 500, "", c)
			if len(got) != 1 {
				t.Fatalf("want exactly one problem, got %+v", got)
			}
			if got[0].Attribute != tc.attr || !strings.Contains(got[0].Detail, tc.want) {
				t.Fatalf("got %s: %q\nwant %s containing %q", got[0].Attribute, got[0].Detail, tc.attr, tc.want)
			}
		})
	}
}

func TestCheckBillingTargetBoundaries(t *testing.T) {
	c := healthy()
	c.StartDate, c.EndDate = day("2026-11-23"), day("2026-11-23")
	if p := CheckBillingTarget(day("2026-11-23"), 100, 10, "", 500, "", c); len(p) != 0 {
		t.Fatalf("a contract starting and ending today is in effect today, got %+v", p)
	}
	if p := CheckBillingTarget(day("2026-11-23"), 100, 10, "", 500, "", nil); len(p) != 1 || p[0].Attribute != problem.AttrContractID {
		t.Fatalf("missing contract: %+v", p)
	}
}
