package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
)

func TestAccContractsDataSource(t *testing.T) {
	env := newAccEnv(t)
	b := env.NewBillingTarget(t, 4)
	dupLine := env.AddContractService(t, b.ContractID, b.ServiceID, 4.5) // the same service twice
	emailName := env.Unique("Petra Email Security")
	email := env.CreateService(t, emailName, 2)
	emailLine := env.AddContractService(t, b.ContractID, email, 2)
	env.SetUnits(t, b.ContractID, emailLine, 7)
	laterName := env.Unique("Next Year")
	later := env.CreateContract(t, b.CompanyID, laterName, env.Date(30), env.Date(400), acctest.ContractOpts{Inactive: true})
	tmName := env.Unique("Hourly")
	tm := env.CreateContract(t, b.CompanyID, tmName, env.Date(-10), env.Date(100), acctest.ContractOpts{Type: 1})
	env.NewBillingTarget(t, 1) // another company: never listed

	line := func(cs, svc int64, name string, units, occ int64) knownvalue.Check {
		return knownvalue.ObjectExact(map[string]knownvalue.Check{
			"contract_service_id": knownvalue.Int64Exact(cs),
			"service_id":          knownvalue.Int64Exact(svc),
			"service_name":        knownvalue.StringExact(name),
			"units":               knownvalue.Int64Exact(units),
			"occurrences":         knownvalue.Int64Exact(occ),
		})
	}
	contract := func(id int64, name, typ string, typeID int64, status, start, end string, services ...knownvalue.Check) knownvalue.Check {
		if services == nil {
			services = []knownvalue.Check{}
		}
		return knownvalue.ObjectExact(map[string]knownvalue.Check{
			"id": knownvalue.Int64Exact(id), "name": knownvalue.StringExact(name), "company_id": knownvalue.Int64Exact(b.CompanyID),
			"type": knownvalue.StringExact(typ), "type_id": knownvalue.Int64Exact(typeID), "status": knownvalue.StringExact(status),
			"start_date": knownvalue.StringExact(start), "end_date": knownvalue.StringExact(end),
			"services": knownvalue.ListExact(services),
		})
	}
	recurring := contract(b.ContractID, b.ContractName, "Recurring Service", 7, "Active", env.Date(-60), env.Date(300),
		line(b.ContractServiceID, b.ServiceID, b.ServiceName, 4, 2),
		line(dupLine, b.ServiceID, b.ServiceName, 0, 2),
		line(emailLine, email, emailName, 7, 1))
	upcoming := contract(later, laterName, "Recurring Service", 7, "Inactive", env.Date(30), env.Date(400))
	hourly := contract(tm, tmName, "Time & Materials", 1, "Active", env.Date(-10), env.Date(100))

	cfg := env.ProviderConfig() + fmt.Sprintf(`
data "petra_autotask_contracts" "recurring" {
  company_id = %d
}

data "petra_autotask_contracts" "mixed" {
  company_id     = %d
  contract_types = ["time & materials", 7]
}
`, b.CompanyID, b.CompanyID)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.petra_autotask_contracts.recurring", tfjsonpath.New("contracts"),
						knownvalue.ListExact([]knownvalue.Check{recurring, upcoming})),
					statecheck.ExpectKnownValue("data.petra_autotask_contracts.mixed", tfjsonpath.New("contracts"),
						knownvalue.ListExact([]knownvalue.Check{recurring, upcoming, hourly})),
				},
			},
			{
				Config: env.ProviderConfig() + fmt.Sprintf(`
data "petra_autotask_contracts" "bad" {
  company_id     = %d
  contract_types = ["Recurring Services"]
}
`, b.CompanyID),
				ExpectError: exactError(`Autotask has no contract type "Recurring Services". Use one of the labels or ids Autotask lists:`),
			},
		},
	})
}
