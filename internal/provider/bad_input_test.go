package provider

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
)

// badInput is one invalid configuration and the single diagnostic it must
// produce.
type badInput struct {
	name string
	// hcl is the configuration without the provider block; provider
	// overrides the provider block's settings (block.attribute = raw HCL).
	hcl      string
	provider map[string]string
	// attr is the attribute the diagnostic must point at (its line is shown
	// in Terraform's snippet), summary the diagnostic's title.
	attr, summary string
}

// badInputProvider is a sandbox provider block with some settings replaced by
// raw HCL values ("autotask.secret" = `""`).
func badInputProvider(env *acctest.Env, overrides map[string]string) string {
	blocks := map[string]map[string]string{
		"autotask": {
			"username": fmt.Sprintf("%q", env.Username()), "secret": fmt.Sprintf("%q", env.Secrets()[0]),
			"integration_code": fmt.Sprintf("%q", env.Secrets()[1]), "zone_lookup_url": fmt.Sprintf("%q", env.Sandbox.ZoneLookupURL),
		},
		"petra": {"api_key": fmt.Sprintf("%q", env.Sandbox.PetraKey), "api_url": fmt.Sprintf("%q", env.Sandbox.PetraURL)},
		"":      {},
	}
	for k, v := range overrides {
		block, attr, ok := strings.Cut(k, ".")
		if !ok {
			block, attr = "", k
		}
		blocks[block][attr] = v
	}
	var b strings.Builder
	b.WriteString("provider \"petra\" {\n")
	write := func(indent string, m map[string]string) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "%s%s = %s\n", indent, k, m[k])
		}
	}
	write("  ", blocks[""])
	for _, name := range []string{"autotask", "petra"} {
		fmt.Fprintf(&b, "  %s {\n", name)
		write("    ", blocks[name])
		b.WriteString("  }\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// billingHCL is a billing mapping with attributes as raw HCL, overriding the
// healthy target's values.
func billingHCL(env *acctest.Env, tenant string, b acctest.BillingTarget, overrides map[string]string) string {
	attrs := map[string]string{
		"connection_id": fmt.Sprintf("%q", env.ConnectionID()), "tenant_id": fmt.Sprintf("%q", tenant),
		"company_id": fmt.Sprint(b.CompanyID), "contract_id": fmt.Sprint(b.ContractID),
		"service_id": fmt.Sprint(b.ServiceID), "units": "5",
	}
	for k, v := range overrides {
		attrs[k] = v
	}
	var s strings.Builder
	s.WriteString("resource \"petra_autotask_billing_mapping\" \"x\" {\n")
	keys := []string{"connection_id", "tenant_id", "company_id", "contract_id", "service_id", "units"}
	for _, k := range slices.Sorted(maps.Keys(overrides)) { // optional arguments, such as on_destroy
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		fmt.Fprintf(&s, "  %s = %s\n", k, attrs[k])
	}
	s.WriteString("}\n")
	return s.String()
}

var (
	errorHeadingRe = regexp.MustCompile(`(?m)^[│\s]*Error: `)
	panicRe        = regexp.MustCompile(`(?i)panic:|plugin did not respond|crash`)
)

// TestAccBadInputIsRejectedWithOneDiagnostic plans more than 30 invalid
// configurations. Each must fail with exactly one error diagnostic, with the
// expected title, pointing at the offending attribute; no plan may panic,
// and nothing may be written to Autotask.
func TestAccBadInputIsRejectedWithOneDiagnostic(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t) // the write check reads the sandbox's request log
	tenant := env.PetraTenant(t, 0)
	b := env.NewBillingTarget(t, 5)
	other := env.NewBillingTarget(t, 1)
	future := env.CreateContract(t, b.CompanyID, env.Unique("Starts Later"), env.Date(30), env.Date(400), acctest.ContractOpts{})
	env.AddContractService(t, future, b.ServiceID, 4.5)
	ended := env.CreateContract(t, b.CompanyID, env.Unique("Old Deal"), env.Date(-400), env.Date(-30), acctest.ContractOpts{})
	env.AddContractService(t, ended, b.ServiceID, 4.5)
	inactive := env.CreateContract(t, b.CompanyID, env.Unique("Paused Deal"), env.Date(-60), env.Date(300), acctest.ContractOpts{Inactive: true})
	env.AddContractService(t, inactive, b.ServiceID, 4.5)
	timeAndMaterials := env.CreateContract(t, b.CompanyID, env.Unique("Hourly Work"), env.Date(-60), env.Date(300), acctest.ContractOpts{Type: 1})
	dup := env.NewBillingTarget(t, 2)
	env.AddContractService(t, dup.ContractID, dup.ServiceID, 4.5)
	stray := env.CreateService(t, env.Unique("Not On Contract"), 1)
	inactiveCompany := env.CreateCompany(t, env.Unique("Gone Co"), acctest.CompanyOpts{Inactive: true})

	bm := func(o map[string]string) string { return billingHCL(env, tenant.PetraTenantID, b, o) }
	tm := func(tenantID string, company string) string {
		return fmt.Sprintf("resource \"petra_autotask_tenant_mapping\" \"x\" {\n  connection_id = %q\n  tenant_id = %s\n  company_id = %s\n}\n",
			env.ConnectionID(), tenantID, company)
	}
	td := func(o map[string]string) string {
		attrs := map[string]string{"queue": `"Monitoring Alerts"`, "creation_status": `"New"`, "update_status": `"In Progress"`, "priority": `"High"`}
		for k, v := range o {
			attrs[k] = v
		}
		return fmt.Sprintf("resource \"petra_autotask_ticket_defaults\" \"x\" {\n  connection_id = %q\n  queue = %s\n  creation_status = %s\n  update_status = %s\n  priority = %s\n}\n",
			env.ConnectionID(), attrs["queue"], attrs["creation_status"], attrs["update_status"], attrs["priority"])
	}
	const uses = "data \"petra_autotask_companies\" \"x\" {}\n"
	const usesPetra = "data \"petra_tenants\" \"x\" {}\n"
	quoted := func(v any) string { return fmt.Sprintf("%q", fmt.Sprint(v)) }

	cases := []badInput{
		// Billing mapping: static checks.
		{name: "negative units", hcl: bm(map[string]string{"units": "-1"}), attr: "units", summary: "Invalid unit count"},
		{name: "units above the cap", hcl: bm(map[string]string{"units": "1000001"}), attr: "units", summary: "Invalid unit count"},
		{name: "huge units", hcl: bm(map[string]string{"units": "99999999999999"}), attr: "units", summary: "Invalid unit count"},
		{name: "fractional units", hcl: bm(map[string]string{"units": "2.5"}), attr: "units", summary: "Invalid unit count"},
		{name: "non-numeric units", hcl: bm(map[string]string{"units": `"lots"`}), attr: "units", summary: "Incorrect attribute value type"},
		{name: "unknown on_destroy", hcl: bm(map[string]string{"on_destroy": `"delete"`}), attr: "on_destroy", summary: "Invalid Attribute Value Match"},
		{name: "unknown effective", hcl: bm(map[string]string{"effective": `"tomorrow"`}), attr: "effective", summary: "Invalid Attribute Value Match"},
		{name: "zero company id", hcl: bm(map[string]string{"company_id": "0"}), attr: "company_id", summary: "Invalid Autotask id"},
		{name: "negative company id", hcl: bm(map[string]string{"company_id": "-7"}), attr: "company_id", summary: "Invalid Autotask id"},
		{name: "zero contract id", hcl: bm(map[string]string{"contract_id": "0"}), attr: "contract_id", summary: "Invalid Autotask id"},
		{name: "zero service id", hcl: bm(map[string]string{"service_id": "0"}), attr: "service_id", summary: "Invalid Autotask id"},
		{name: "non-numeric contract id", hcl: bm(map[string]string{"contract_id": `"C-100"`}), attr: "contract_id", summary: "Incorrect attribute value type"},
		{name: "non-numeric service id", hcl: bm(map[string]string{"service_id": `"petra"`}), attr: "service_id", summary: "Incorrect attribute value type"},
		{name: "other connection", hcl: bm(map[string]string{"connection_id": `"someone-else@example.com"`}), attr: "connection_id", summary: "Connection does not match the provider"},
		// Billing mapping: tenant_id, offline (one diagnostic, nothing written).
		{name: "empty tenant id on billing mapping", hcl: bm(map[string]string{"tenant_id": `""`}), attr: "tenant_id", summary: "Invalid Petra tenant ID"},
		{name: "whitespace tenant id", hcl: bm(map[string]string{"tenant_id": `" ZZk90t"`}), attr: "tenant_id", summary: "Invalid Petra tenant ID"},
		{name: "blank tenant id", hcl: bm(map[string]string{"tenant_id": `"   "`}), attr: "tenant_id", summary: "Invalid Petra tenant ID"},
		{name: "NUL in tenant id", hcl: bm(map[string]string{"tenant_id": `"ZZk\u000090t"`}), attr: "tenant_id", summary: "Invalid Petra tenant ID"},
		{name: "newline in tenant id", hcl: bm(map[string]string{"tenant_id": `"ZZk90t\n"`}), attr: "tenant_id", summary: "Invalid Petra tenant ID"},
		{name: "slash in tenant id", hcl: bm(map[string]string{"tenant_id": `"ZZk90t/1"`}), attr: "tenant_id", summary: "Invalid Petra tenant ID"},
		{name: "100,000-character tenant id", hcl: bm(map[string]string{"tenant_id": `"` + strings.Repeat("Z", 100000) + `"`}), attr: "tenant_id", summary: "Invalid Petra tenant ID"},
		// Billing mapping: tenant_id against Petra.
		{name: "tenant unknown to Petra", hcl: bm(map[string]string{"tenant_id": `"NoSuchTenant"`}), attr: "tenant_id", summary: "Petra tenant not found"},
		{name: "removed tenant", hcl: bm(map[string]string{"tenant_id": `"Om1Bk7"`}), attr: "tenant_id", summary: "Petra tenant not found"},
		{name: "another organization's tenant", hcl: bm(map[string]string{"tenant_id": `"Xo7Org"`}), attr: "tenant_id", summary: "Petra tenant not found"},
		{name: "Microsoft tenant GUID on billing mapping", hcl: bm(map[string]string{"tenant_id": quoted(tenant.MicrosoftTenantID)}), attr: "tenant_id", summary: "Microsoft tenant ID used as tenant_id"},
		// Ids that are not whole numbers or do not fit.
		{name: "fractional company id", hcl: bm(map[string]string{"company_id": "1.5"}), attr: "company_id", summary: "Invalid Autotask id"},
		{name: "fractional contract id", hcl: bm(map[string]string{"contract_id": "29700001.25"}), attr: "contract_id", summary: "Invalid Autotask id"},
		{name: "service id above int64", hcl: bm(map[string]string{"service_id": "9223372036854775808"}), attr: "service_id", summary: "Invalid Autotask id"},
		{name: "huge contract id", hcl: bm(map[string]string{"contract_id": "1e30"}), attr: "contract_id", summary: "Invalid Autotask id"},
		{name: "fractional company id on tenant mapping", hcl: tm(quoted(tenant.PetraTenantID), "1001.5"), attr: "company_id", summary: "Invalid Autotask id"},
		// Billing mapping: live checks.
		{name: "unknown contract", hcl: bm(map[string]string{"contract_id": "987654"}), attr: "contract_id", summary: "Contract not found"},
		{name: "contract of another company", hcl: bm(map[string]string{"company_id": fmt.Sprint(other.CompanyID)}), attr: "contract_id", summary: "Contract belongs to another company"},
		{name: "non-recurring contract", hcl: bm(map[string]string{"contract_id": fmt.Sprint(timeAndMaterials)}), attr: "contract_id", summary: "Not a Recurring Service contract"},
		{name: "inactive contract", hcl: bm(map[string]string{"contract_id": fmt.Sprint(inactive)}), attr: "contract_id", summary: "Contract is inactive"},
		{name: "contract not started", hcl: bm(map[string]string{"contract_id": fmt.Sprint(future)}), attr: "contract_id", summary: "Contract has not started"},
		{name: "contract ended", hcl: bm(map[string]string{"contract_id": fmt.Sprint(ended)}), attr: "contract_id", summary: "Contract has ended"},
		{name: "service not on the contract", hcl: bm(map[string]string{"service_id": fmt.Sprint(stray)}), attr: "service_id", summary: ""},
		{name: "service twice on the contract", hcl: billingHCL(env, tenant.PetraTenantID, dup, nil), attr: "service_id", summary: ""},
		// Tenant mapping.
		{name: "unknown tenant", hcl: tm(`"NoSuchTenant"`, fmt.Sprint(b.CompanyID)), attr: "tenant_id", summary: "Petra tenant not found"},
		{name: "Microsoft tenant GUID as tenant", hcl: tm(quoted(tenant.MicrosoftTenantID), fmt.Sprint(b.CompanyID)), attr: "tenant_id", summary: "Microsoft tenant ID used as tenant_id"},
		{name: "unknown company", hcl: tm(quoted(tenant.PetraTenantID), "987654"), attr: "company_id", summary: "Autotask company not found"},
		{name: "inactive company", hcl: tm(quoted(tenant.PetraTenantID), fmt.Sprint(inactiveCompany)), attr: "company_id", summary: "Autotask company is inactive"},
		{name: "zero company id on tenant mapping", hcl: tm(quoted(tenant.PetraTenantID), "0"), attr: "company_id", summary: ""},
		{name: "empty tenant id", hcl: tm(`""`, fmt.Sprint(b.CompanyID)), attr: "tenant_id", summary: "Invalid Petra tenant ID"},
		{name: "tenant id with a line break on tenant mapping", hcl: tm(`"ZZk90t\n"`, fmt.Sprint(b.CompanyID)), attr: "tenant_id", summary: "Invalid Petra tenant ID"},
		// Ticket defaults.
		{name: "unknown queue", hcl: td(map[string]string{"queue": `"No Such Queue"`}), attr: "queue", summary: "Invalid ticket queue"},
		{name: "unknown creation status", hcl: td(map[string]string{"creation_status": `"Bogus"`}), attr: "creation_status", summary: ""},
		{name: "unknown update status", hcl: td(map[string]string{"update_status": `"Nope"`}), attr: "update_status", summary: ""},
		{name: "unknown priority", hcl: td(map[string]string{"priority": `"Urgentest"`}), attr: "priority", summary: ""},
		// Connection.
		{name: "unknown feature", hcl: `resource "petra_autotask_connection" "x" {
  features = ["billing", "invoicing"]
}
`, attr: "features", summary: "Invalid feature"},
		// Provider settings.
		{name: "empty secret", hcl: uses, provider: map[string]string{"autotask.secret": `""`}, attr: "secret", summary: "Empty Autotask API secret"},
		{name: "username with a space", hcl: uses, provider: map[string]string{"autotask.username": `"api user@example.com"`}, attr: "username", summary: "Malformed Autotask API username"},
		{name: "integration code with a line break", hcl: uses, provider: map[string]string{"autotask.integration_code": `"ABC\nDEF"`}, attr: "integration_code", summary: "Malformed Autotask API Tracking Identifier"},
		{name: "base URL not a URL", hcl: uses, provider: map[string]string{"autotask.base_url": `"webservices14 autotask"`}, attr: "base_url", summary: "Invalid Autotask base URL"},
		{name: "base URL plain http", hcl: uses, provider: map[string]string{"autotask.base_url": `"http://webservices14.autotask.net/ATServicesRest/"`}, attr: "base_url", summary: "Insecure Autotask base URL"},
		{name: "zone lookup URL ftp", hcl: uses, provider: map[string]string{"autotask.zone_lookup_url": `"ftp://webservices.autotask.net/atservicesrest/"`}, attr: "zone_lookup_url", summary: "Invalid Autotask zone lookup URL"},
		{name: "empty Petra key", hcl: usesPetra, provider: map[string]string{"petra.api_key": `""`}, attr: "api_key", summary: "Empty Petra API key"},
		{name: "Petra key with Bearer", hcl: usesPetra, provider: map[string]string{"petra.api_key": `"Bearer petra_abc123"`}, attr: "api_key", summary: "Malformed Petra API key"},
		{name: "Petra URL plain http", hcl: usesPetra, provider: map[string]string{"petra.api_url": `"http://api.petrasecurity.com"`}, attr: "api_url", summary: "Insecure Petra API URL"},
		{name: "unknown billing_check_failure", hcl: uses, provider: map[string]string{"billing_check_failure": `"ignore"`}, attr: "billing_check_failure", summary: "Invalid Attribute Value Match"},
		{name: "time zone not in the IANA database", hcl: uses, provider: map[string]string{"autotask.time_zone": `"Mars/Olympus_Mons"`}, attr: "time_zone", summary: "Invalid time_zone"},
		// Data sources.
		{name: "unknown contract type", hcl: fmt.Sprintf("data \"petra_autotask_contracts\" \"x\" {\n  company_id = %d\n  contract_types = [\"Bogus\"]\n}\n", b.CompanyID), attr: "contract_types", summary: "Unknown contract type"},
		{name: "unknown company type", hcl: "data \"petra_autotask_companies\" \"x\" {\n  company_type = \"Alien\"\n}\n", attr: "company_type", summary: "Invalid company_type"},
		{name: "malformed usage date", hcl: "data \"petra_usage\" \"x\" {\n  as_of = \"yesterday\"\n}\n", attr: "as_of", summary: "Invalid date"},
	}
	if len(cases) < 30 {
		t.Fatalf("only %d invalid configurations; the issue asks for at least 30", len(cases))
	}

	seq := lastRequestSeq(t, env)
	t.Run("cases", func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				var got error
				resource.Test(t, resource.TestCase{
					ProtoV6ProviderFactories: protoV6Factories(env),
					ErrorCheck: func(err error) error {
						got = err
						return checkOneDiagnostic(err, c.attr, c.summary)
					},
					Steps: []resource.TestStep{{
						Config:             badInputProvider(env, c.provider) + c.hcl,
						PlanOnly:           true,
						ExpectNonEmptyPlan: true,
					}},
				})
				if got == nil {
					t.Fatalf("the plan succeeded; want one error on %s", c.attr)
				}
			})
		}
	})
	if w := writesSince(t, env, seq); len(w) != 0 {
		t.Fatalf("plans of invalid configurations wrote to Autotask: %v", w)
	}
}

// checkOneDiagnostic accepts Terraform's error output when it holds exactly
// one error diagnostic, titled summary (when given), whose source snippet is
// the line of attr, and no sign of a crash.
func checkOneDiagnostic(err error, attr, summary string) error {
	out := err.Error()
	if panicRe.MatchString(out) {
		return fmt.Errorf("the provider crashed:\n%s", out)
	}
	if n := len(errorHeadingRe.FindAllString(out, -1)); n != 1 {
		return fmt.Errorf("%d error diagnostics, want exactly 1:\n%s", n, out)
	}
	if summary != "" && !strings.Contains(out, "Error: "+summary) {
		return fmt.Errorf("the diagnostic is not %q:\n%s", summary, out)
	}
	if !regexp.MustCompile(`(?m)^[│\s]*\d+:\s+` + regexp.QuoteMeta(attr) + `\s*=`).MatchString(out) {
		return fmt.Errorf("the diagnostic does not point at %s:\n%s", attr, out)
	}
	return nil
}
