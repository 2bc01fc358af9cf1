package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// functionFactories serves the provider with no settings: a function call
// needs no connection.
func functionFactories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"petra": func() (tfprotov6.ProviderServer, error) { return NewServer(New("test")())(), nil },
	}
}

// reportResultsHCL is a billing_results value of a run with a synced, an
// unchanged and a failed tenant (the failed one's reason longer than the
// width the table prints).
const reportResultsHCL = `
locals {
  results = {
    ZZk90t = { tenant = "Harbor Dental Group (ZZk90t)", company = "Harbor Dental Group", line = "Harbor - MS / M365", before = 118, after = 121, status = "synced" }
    Y3mPqr = { tenant = "Northwind Logistics (Y3mPqr)", company = "Northwind Logistics", line = "Northwind - MS / M365", before = 42, after = 42, status = "unchanged" }
    Mv2Rt6 = { tenant = "Summit Legal Partners (Mv2Rt6)", company = "Summit Legal", line = "Summit - MS / M365", before = null, after = null, status = "failed: Contract has ended: Contract \"Summit Legal - Managed Services\" ended on 2026-10-31. Billing cannot be synced to an expired contract." }
  }
}
`

// TestAccFunctionBillingReport calls provider::petra::billing_report from a
// configuration, in each format, and checks the exact text.
func TestAccFunctionBillingReport(t *testing.T) {
	text := "1 synced, 1 unchanged, 1 failed\n" +
		"\n" +
		"Tenant                          Company              Line                   Before  After  Status\n" +
		"------------------------------  -------------------  ---------------------  ------  -----  " + strings.Repeat("-", 92) + "\n" +
		"Summit Legal Partners (Mv2Rt6)  Summit Legal         Summit - MS / M365          -      -  failed: Contract has ended: Contract \"Summit Legal - Managed Services\" ended on 2026-10-31.…\n" +
		"Harbor Dental Group (ZZk90t)    Harbor Dental Group  Harbor - MS / M365        118    121  synced\n" +
		"Northwind Logistics (Y3mPqr)    Northwind Logistics  Northwind - MS / M365      42     42  unchanged\n"
	csv := "Tenant,Company,Line,Before,After,Status\n" +
		"Summit Legal Partners (Mv2Rt6),Summit Legal,Summit - MS / M365,-,-,\"failed: Contract has ended: Contract \"\"Summit Legal - Managed Services\"\" ended on 2026-10-31. Billing cannot be synced to an expired contract.\"\n" +
		"Harbor Dental Group (ZZk90t),Harbor Dental Group,Harbor - MS / M365,118,121,synced\n" +
		"Northwind Logistics (Y3mPqr),Northwind Logistics,Northwind - MS / M365,42,42,unchanged\n"
	md := "1 synced, 1 unchanged, 1 failed\n" +
		"\n" +
		"| Tenant | Company | Line | Before | After | Status |\n" +
		"|---|---|---|---:|---:|---|\n" +
		"| Summit Legal Partners (Mv2Rt6) | Summit Legal | Summit - MS / M365 | - | - | failed: Contract has ended: Contract \"Summit Legal - Managed Services\" ended on 2026-10-31.… |\n" +
		"| Harbor Dental Group (ZZk90t) | Harbor Dental Group | Harbor - MS / M365 | 118 | 121 | synced |\n" +
		"| Northwind Logistics (Y3mPqr) | Northwind Logistics | Northwind - MS / M365 | 42 | 42 | unchanged |\n"
	summary := "1 synced, 1 unchanged, 1 failed\n" +
		"- Summit Legal Partners (Mv2Rt6): Contract has ended: Contract \"Summit Legal - Managed Services\" ended on 2026-10-31. Billing cannot…\n"
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		ProtoV6ProviderFactories: functionFactories(),
		Steps: []resource.TestStep{
			{
				Config: reportResultsHCL + `
output "text" {
  value = provider::petra::billing_report(local.results)
}
output "csv" {
  value = provider::petra::billing_report(local.results, "csv")
}
output "markdown" {
  value = provider::petra::billing_report(local.results, "markdown")
}
output "summary" {
  value = provider::petra::billing_report(local.results, "summary")
}
output "list" {
  value = provider::petra::billing_report([local.results.ZZk90t, { status = "unchanged" }], "csv")
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("text", knownvalue.StringExact(text)),
					statecheck.ExpectKnownOutputValue("csv", knownvalue.StringExact(csv)),
					statecheck.ExpectKnownOutputValue("markdown", knownvalue.StringExact(md)),
					statecheck.ExpectKnownOutputValue("summary", knownvalue.StringExact(summary)),
					statecheck.ExpectKnownOutputValue("list", knownvalue.StringExact("Tenant,Company,Line,Before,After,Status\n"+
						"Harbor Dental Group (ZZk90t),Harbor Dental Group,Harbor - MS / M365,118,121,synced\n"+
						"1,,,-,-,unchanged\n")),
				},
			},
		},
	})
}

// TestAccFunctionBillingReportErrors: a wrong format or a result that is
// not one of billing_results' rows fails with what to pass instead.
func TestAccFunctionBillingReportErrors(t *testing.T) {
	step := func(call, want string) resource.TestStep {
		return resource.TestStep{
			Config:      reportResultsHCL + "output \"x\" {\n  value = " + call + "\n}\n",
			ExpectError: exactError(want),
		}
	}
	for name, s := range map[string]resource.TestStep{
		"format": step(`provider::petra::billing_report(local.results, "html")`,
			`Unknown format "html": use "text", "csv", "markdown", "summary".`),
		"two formats": step(`provider::petra::billing_report(local.results, "csv", "text")`,
			`billing_report takes at most one format after the results, got 2`),
		"status": step(`provider::petra::billing_report({ ZZk90t = { status = "done" } })`,
			`the result of "ZZk90t" has status "done": want "synced", "unchanged" or "failed: <reason>"`),
		"not a map": step(`provider::petra::billing_report("synced")`,
			`results must be a map of results by tenant (the billing_results output), not a string`),
		"units": step(`provider::petra::billing_report({ ZZk90t = { status = "synced", after = 1.5 } })`,
			`the result of "ZZk90t" has after = 1.5, not a whole number of units`),
	} {
		t.Run(name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
				ProtoV6ProviderFactories: functionFactories(),
				Steps:                    []resource.TestStep{s},
			})
		})
	}
}
