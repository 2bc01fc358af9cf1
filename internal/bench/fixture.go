package bench

import (
	"fmt"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/petrasim"
)

// Ids of the generated account. Tenant i (0-based) is Petra tenant
// TenantID(i), mapped to company CompanyID(i), billed on the Petra line of
// contract ContractID(i).
const (
	companyBase  = 100001
	contractBase = 200001
	lineBase     = 400001
	// LinesPerContract is how many service lines each contract carries.
	LinesPerContract = 3

	// ServicePetra is the service the billing mappings bill on; the other
	// two are on every contract as well, as in a real MSP's contracts.
	ServicePetra    = 300001
	serviceBackup   = 300002
	serviceEndpoint = 300003
)

// TenantID is the Petra tenant ID of tenant i.
func TenantID(i int) string { return fmt.Sprintf("bt%05d", i) }

// CompanyID is the Autotask company of tenant i.
func CompanyID(i int) int64 { return int64(companyBase + i) }

// ContractID is the Recurring Service contract of tenant i.
func ContractID(i int) int64 { return int64(contractBase + i) }

// PetraLineID is the contract service (line) of tenant i that carries
// ServicePetra.
func PetraLineID(i int) int64 { return int64(lineBase + i*LinesPerContract) }

// BillableUsers is what Petra reports for tenant i this month.
func BillableUsers(i int) int { return 10 + i%90 }

// SeededUnits is the unit count the Petra line of tenant i holds before the
// first apply: always different from BillableUsers, so that applying N
// mappings pushes exactly N adjustments.
func SeededUnits(i int) int { return BillableUsers(i) - 1 - i%3 }

// Fixture is the sandbox's base fixture (API users, picklists, Petra key)
// with an account of n tenants: n Petra tenants, n active customer
// companies, n active monthly Recurring Service contracts in effect today
// (from 200 days ago to 165 days ahead) with LinesPerContract lines each.
func Fixture(n int) *sandbox.Fixture {
	fx := sandbox.BaseFixture()
	at := &fx.Autotask
	at.Companies, at.Services, at.Contracts, at.ContractServices = nil, nil, nil, nil
	for _, s := range []struct {
		id    int64
		name  string
		price float64
	}{
		{ServicePetra, "Petra M365 Account Protection", 4},
		{serviceBackup, "Managed Backup for Microsoft 365", 3},
		{serviceEndpoint, "Managed Endpoint Protection", 6},
	} {
		at.Services = append(at.Services, map[string]any{
			"id": s.id, "name": s.name, "unitPrice": s.price, "periodType": 2,
			"billingCodeID": 29682801, "isActive": true,
		})
	}
	fx.Petra.Tenants = make([]petrasim.Tenant, 0, n)
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("Bench Customer %05d", i)
		at.Companies = append(at.Companies, map[string]any{
			"id": CompanyID(i), "companyName": name, "companyType": 1, "isActive": true,
			"phone": "555-0100", "ownerResourceID": 29682885,
		})
		at.Contracts = append(at.Contracts, map[string]any{
			"id": ContractID(i), "companyID": CompanyID(i), "contractName": name + " - Managed Services",
			"contractType": 7, "status": 1, "startDate": "today-200d", "endDate": "today+165d",
			"contractPeriodType": 2, "timeReportingRequiresStartAndStopTimes": 0,
		})
		for j, svc := range []int64{ServicePetra, serviceBackup, serviceEndpoint} {
			units := 5 + i%7
			if svc == ServicePetra {
				units = SeededUnits(i)
			}
			at.ContractServices = append(at.ContractServices, map[string]any{
				"id": PetraLineID(i) + int64(j), "contractID": ContractID(i), "serviceID": svc,
				"unitPrice": 4.0, "units": units,
			})
		}
		users := BillableUsers(i)
		fx.Petra.Tenants = append(fx.Petra.Tenants, petrasim.Tenant{
			PetraTenantID:                   TenantID(i),
			Name:                            name,
			MicrosoftTenantID:               fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
			OnboardingDate:                  "today-400d",
			FirstBillableDate:               "today-386d",
			TotalLicensedUsers:              users + 3,
			BillableUsersThisMonth:          users,
			ProratingPercentageThisMonth:    100,
			ProjectedBillableUnitsThisMonth: users,
		})
	}
	return fx
}
