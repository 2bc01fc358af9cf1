package billing

import (
	"fmt"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/integration/problem"
)

// ContractFacts is what the billing checks need to know about a contract, as
// read from Autotask.
type ContractFacts struct {
	ID          int64
	Name        string
	CompanyID   int64
	CompanyName string // of the contract's company, when known
	Type        int
	TypeLabel   string // e.g. "Time & Materials"; empty when unknown
	Status      int
	StartDate   time.Time
	EndDate     time.Time
	// ServiceCount maps a service id to how many lines of the contract carry it.
	ServiceCount map[int64]int
}

// InactiveKeepsBilling is added to the inactive-contract problem: Autotask
// goes on billing an inactive Recurring Service contract (ref §7.2,
// official KB370000000540).
const InactiveKeepsBilling = "Note that inactivating a Recurring Service contract does not stop its billing: Autotask " +
	"keeps invoicing it at the units it holds now, and this mapping can no longer change them. To stop billing the " +
	"tenant, make the contract Active again and set units = 0 (or end the contract with an end date); to keep " +
	"billing it, map the tenant to an active contract."

// Contract types and statuses the checks rely on (ref §7.2, VERIFIED).
const (
	ContractTypeRecurringService = 7
	ContractStatusActive         = 1
)

// CheckBillingTarget runs every plan-time billing check for one mapping and
// returns all the problems found (none means the push may proceed). contract is
// nil when the contract does not exist (or the API user cannot see it).
func CheckBillingTarget(today time.Time, contractID, companyID int64, companyName string, serviceID int64, serviceName string, contract *ContractFacts) []problem.Problem {
	day := func(t time.Time) string { return t.UTC().Format("2006-01-02") }
	today = dateOnly(today)
	if contract == nil {
		return []problem.Problem{{
			Attribute: problem.AttrContractID,
			Summary:   "Contract not found",
			Detail: fmt.Sprintf("Autotask has no contract with id %d, or the API user cannot see it. Check contract_id "+
				"(the petra_autotask_contracts data source lists the company's contracts), and that the API user's "+
				"security level allows contract access.", contractID),
		}}
	}
	var out []problem.Problem
	if contract.CompanyID != companyID {
		owner := fmt.Sprintf("company %d", contract.CompanyID)
		if contract.CompanyName != "" {
			owner = fmt.Sprintf("company %q (id %d)", contract.CompanyName, contract.CompanyID)
		}
		mapped := fmt.Sprintf("company %d", companyID)
		if companyName != "" {
			mapped = fmt.Sprintf("company %q (id %d)", companyName, companyID)
		}
		out = append(out, problem.Problem{
			Attribute: problem.AttrContractID,
			Summary:   "Contract belongs to another company",
			Detail: fmt.Sprintf("Contract %q (id %d) belongs to %s, not to %s that this tenant is mapped to. Map the "+
				"tenant to a contract of its own company, or fix company_id.", contract.Name, contract.ID, owner, mapped),
		})
	}
	if contract.Type != ContractTypeRecurringService {
		kind := contract.TypeLabel
		if kind == "" {
			kind = fmt.Sprintf("type %d", contract.Type)
		}
		out = append(out, problem.Problem{
			Attribute: problem.AttrContractID,
			Summary:   "Not a Recurring Service contract",
			Detail: fmt.Sprintf("Contract %q (id %d) is a %s contract. Unit counts can only be pushed to Recurring "+
				"Service contracts: choose a Recurring Service contract for this tenant.", contract.Name, contract.ID, kind),
		})
	}
	if contract.Status != ContractStatusActive {
		out = append(out, problem.Problem{
			Attribute: problem.AttrContractID,
			Summary:   "Contract is inactive",
			Detail: fmt.Sprintf("Contract %q (id %d) is inactive in Autotask. Billing cannot be synced to an inactive "+
				"contract: set the contract's status to Active in Autotask or map this tenant to an active contract.",
				contract.Name, contract.ID) + " " + InactiveKeepsBilling,
		})
	}
	if !contract.StartDate.IsZero() && dateOnly(contract.StartDate).After(today) {
		out = append(out, problem.Problem{
			Attribute: problem.AttrContractID,
			Summary:   "Contract has not started",
			Detail: fmt.Sprintf("Contract %q has a start date of %s, which is in the future. Billing cannot be synced "+
				"until the contract period has begun — update the contract start date in Autotask or wait until the "+
				"contract is active.", contract.Name, day(contract.StartDate)),
		})
	}
	if !contract.EndDate.IsZero() && dateOnly(contract.EndDate).Before(today) {
		out = append(out, problem.Problem{
			Attribute: problem.AttrContractID,
			Summary:   "Contract has ended",
			Detail: fmt.Sprintf("Contract %q ended on %s. Billing cannot be synced to an expired contract — extend the "+
				"contract end date in Autotask or map this tenant to an active contract.", contract.Name, day(contract.EndDate)),
		})
	}
	// Service lines exist only on Recurring Service contracts (and are not
	// loaded for others): for any other type, "not a Recurring Service
	// contract" is the one problem to fix, not a missing line as well.
	switch n := contract.ServiceCount[serviceID]; {
	case contract.Type != ContractTypeRecurringService:
	case n == 0:
		svc := fmt.Sprintf("Service %d", serviceID)
		if serviceName != "" {
			svc = fmt.Sprintf("Service %q (id %d)", serviceName, serviceID)
		}
		out = append(out, problem.Problem{
			Attribute: problem.AttrServiceID,
			Summary:   "Service is not on the contract",
			Detail: fmt.Sprintf("%s is not on contract %q (id %d). Pushing units would silently add a new service line "+
				"to the contract, so nothing is pushed: add the service to the contract in Autotask, or choose one of "+
				"the contract's services (the petra_autotask_contracts data source lists them).", svc, contract.Name, contract.ID),
		})
	case n > 1:
		out = append(out, problem.Problem{
			Attribute: problem.AttrServiceID,
			Summary:   "Duplicate service on the contract",
			Detail: fmt.Sprintf("Duplicate service found — the mapped Autotask Service appears %d times on this contract. "+
				"Remove the duplicate in Autotask by deleting it (if not yet invoiced) or setting its units to 0 with a "+
				"past-dated removal, then retry.", n),
		})
	}
	return out
}

func dateOnly(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
