package provider

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
)

// cand is one expected candidate of a company match.
func cand(id int64, name string, score int64, reason string) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"company_id": knownvalue.Int64Exact(id), "company_name": knownvalue.StringExact(name),
		"score": knownvalue.Int64Exact(score), "reason": knownvalue.StringExact(reason),
	})
}

// matchRow is one expected tenant of petra_autotask_company_matches with no
// suggested company.
func matchRow(tenantID, tenantName string, mapped bool, confidence, note string, cands ...knownvalue.Check) knownvalue.Check {
	m := map[string]knownvalue.Check{
		"tenant_id": knownvalue.StringExact(tenantID), "tenant_name": knownvalue.StringExact(tenantName),
		"mapped": knownvalue.Bool(mapped), "confidence": knownvalue.StringExact(confidence),
		"note": knownvalue.StringExact(note), "candidates": knownvalue.ListExact(append([]knownvalue.Check{}, cands...)),
		"company_id": knownvalue.Null(), "company_name": knownvalue.Null(), "score": knownvalue.Null(), "reason": knownvalue.Null(),
	}
	return knownvalue.ObjectExact(m)
}

// suggested is matchRow for a tenant with a suggested company (the first
// candidate).
func suggested(tenantID, tenantName string, mapped bool, confidence string, id int64, company string, score int64, reason, note string, more ...knownvalue.Check) knownvalue.Check {
	m := map[string]knownvalue.Check{
		"tenant_id": knownvalue.StringExact(tenantID), "tenant_name": knownvalue.StringExact(tenantName),
		"mapped": knownvalue.Bool(mapped), "confidence": knownvalue.StringExact(confidence),
		"note":       knownvalue.StringExact(note),
		"company_id": knownvalue.Int64Exact(id), "company_name": knownvalue.StringExact(company),
		"score": knownvalue.Int64Exact(score), "reason": knownvalue.StringExact(reason),
		"candidates": knownvalue.ListExact(append([]knownvalue.Check{cand(id, company, score, reason)}, more...)),
	}
	return knownvalue.ObjectExact(m)
}

// TestAccCompanyMatchesDataSource: the base fixture's Petra tenants against
// companies created through the Autotask API with the names real PSAs
// hold: an exact name, a legal suffix, an abbreviation, a typo, two
// duplicates of one customer, a partial name, no company at all (and an
// inactive company of the same name, which a mapping cannot use). Every
// tenant's suggestion, score, reason and candidates are exact.
func TestAccCompanyMatchesDataSource(t *testing.T) {
	env := newAccEnv(t)
	// The outputs are exact only in a database holding these companies
	// alone; a real Autotask database holds others.
	env.RequireSandbox(t)
	harbor := env.CreateCompany(t, "Harbor Dental Group", acctest.CompanyOpts{})
	harborClinic := env.CreateCompany(t, "Harbor Dental Clinic", acctest.CompanyOpts{})
	northwind := env.CreateCompany(t, "Northwind Logistics, Inc.", acctest.CompanyOpts{})
	cedar := env.CreateCompany(t, "Cedar Ridge Acounting", acctest.CompanyOpts{})
	summitLLC := env.CreateCompany(t, "Summit Legal Partners LLC", acctest.CompanyOpts{})
	summitInc := env.CreateCompany(t, "Summit Legal Partners, Inc.", acctest.CompanyOpts{})
	oakline := env.CreateCompany(t, "Oakline Mfg", acctest.CompanyOpts{})
	pinecrest := env.CreateCompany(t, "Pinecrest Design Architects", acctest.CompanyOpts{})
	env.CreateCompany(t, "Lakeview Property Management", acctest.CompanyOpts{Inactive: true})
	env.CreateCompany(t, "Load Co 0089", acctest.CompanyOpts{})

	const exactNote = "One company has the same name."
	matches := tfjsonpath.New("matches")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				Config: env.ProviderConfig() + `
data "petra_autotask_company_matches" "typo" {
  tenant_ids = ["ZZk90t", "ZZk9Ot"]
}
`,
				ExpectError: exactParts("Error: Petra tenant not found",
					`Petra has no tenant "ZZk9Ot" in this organization (it may have been removed, or the ID is mistyped; tenant IDs are the short IDs in app.petrasecurity.com/tenant/<id>). Known tenants: Bq7Lx2 (Cedar Ridge Accounting), Fj5Dz1 (Lakeview Property Management), Kp4Wn8 (Bluebird Veterinary Clinic), Mv2Rt6 (Summit Legal Partners), Tx9Hc3 (Oakline Manufacturing), Wr8Qs4 (Pinecrest Architects), Y3mPqr (Northwind Logistics), ZZk90t (Harbor Dental Group).`),
			},
			{
				Config: env.ProviderConfig() + `
data "petra_autotask_company_matches" "bad" {
  max_candidates = 0
}
`,
				ExpectError: regexp.MustCompile(`Attribute max_candidates value must be between 1 and 20, got: 0`),
			},
			{
				Config: env.ProviderConfig() + `
data "petra_autotask_company_matches" "all" {
  mapped_tenant_ids = ["ZZk90t"]
}

data "petra_autotask_company_matches" "some" {
  tenant_ids     = ["Mv2Rt6", "Y3mPqr"]
  max_candidates = 1
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					// Petra's order: by tenant name.
					statecheck.ExpectKnownValue("data.petra_autotask_company_matches.all", matches, knownvalue.ListExact([]knownvalue.Check{
						// Unmatched: no company shares enough of the name.
						matchRow("Kp4Wn8", "Bluebird Veterinary Clinic", false, "none",
							"No company shares enough of the name (a candidate needs a score of 40)."),
						// Misspelt in Autotask.
						suggested("Bq7Lx2", "Cedar Ridge Accounting", false, "high", cedar, "Cedar Ridge Acounting", 88,
							"one word differs by a typo (accounting ≈ acounting)",
							"One company clearly matches: one word differs by a typo (accounting ≈ acounting)."),
						// Exact, and already mapped; a company sharing two words is a candidate.
						suggested("ZZk90t", "Harbor Dental Group", true, "exact", harbor, "Harbor Dental Group", 100, "same name",
							exactNote, cand(harborClinic, "Harbor Dental Clinic", 50, "2 of 3 words in common (harbor, dental)")),
						// Its only company of that name is inactive: nothing to map to.
						matchRow("Fj5Dz1", "Lakeview Property Management", false, "none",
							"No company shares enough of the name (a candidate needs a score of 40)."),
						// Suffix only.
						suggested("Y3mPqr", "Northwind Logistics", false, "high", northwind, "Northwind Logistics, Inc.", 96,
							"same words after removing legal suffixes (Inc)",
							"One company clearly matches: same words after removing legal suffixes (Inc)."),
						// Abbreviated.
						suggested("Tx9Hc3", "Oakline Manufacturing", false, "high", oakline, "Oakline Mfg", 93,
							"same words after expanding abbreviations (mfg → manufacturing)",
							"One company clearly matches: same words after expanding abbreviations (mfg → manufacturing)."),
						// Part of the name only: low, to review.
						suggested("Wr8Qs4", "Pinecrest Architects", false, "low", pinecrest, "Pinecrest Design Architects", 60,
							"2 of 3 words in common (pinecrest, architects)",
							"The best company shares only part of the name (2 of 3 words in common (pinecrest, architects)): review it before mapping."),
						// Ambiguous: two duplicates of one customer, none suggested.
						matchRow("Mv2Rt6", "Summit Legal Partners", false, "ambiguous",
							`2 companies match about equally: "Summit Legal Partners LLC" (`+itoa(summitLLC)+`, score 96), "Summit Legal Partners, Inc." (`+itoa(summitInc)+`, score 96). Choose one in Autotask's records (merge duplicates if they are the same customer).`,
							cand(summitLLC, "Summit Legal Partners LLC", 96, "same words after removing legal suffixes (LLC)"),
							cand(summitInc, "Summit Legal Partners, Inc.", 96, "same words after removing legal suffixes (Inc)")),
					})),
					// The tenants asked for, in that order; an ambiguous tenant
					// lists every tied company even beyond max_candidates.
					statecheck.ExpectKnownValue("data.petra_autotask_company_matches.some", matches, knownvalue.ListExact([]knownvalue.Check{
						matchRow("Mv2Rt6", "Summit Legal Partners", false, "ambiguous",
							`2 companies match about equally: "Summit Legal Partners LLC" (`+itoa(summitLLC)+`, score 96), "Summit Legal Partners, Inc." (`+itoa(summitInc)+`, score 96). Choose one in Autotask's records (merge duplicates if they are the same customer).`,
							cand(summitLLC, "Summit Legal Partners LLC", 96, "same words after removing legal suffixes (LLC)"),
							cand(summitInc, "Summit Legal Partners, Inc.", 96, "same words after removing legal suffixes (Inc)")),
						suggested("Y3mPqr", "Northwind Logistics", false, "high", northwind, "Northwind Logistics, Inc.", 96,
							"same words after removing legal suffixes (Inc)",
							"One company clearly matches: same words after removing legal suffixes (Inc)."),
					})),
				},
			},
		},
	})
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
