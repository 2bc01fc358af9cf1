package billing

import "github.com/petrasecurity/terraform-provider-petra/internal/autotask"

// ContractLine is one service line of a Recurring Service contract.
type ContractLine struct {
	ContractServiceID int64
	ServiceID         int64
	// ServiceName is the Service's name ("" when the API user cannot see it).
	ServiceName string
	// UnitsToday is the unit count in effect today, from Units (0 when no
	// ContractServiceUnits row covers today: see Units.At).
	UnitsToday int
	// Units are the line's unit rows from today on (units.go).
	Units Timeline
}

// ContractView is a contract as the billing checks and the contracts data
// source see it. Views are shared by every caller of a run: treat them as
// read-only.
type ContractView struct {
	Contract autotask.Contract
	// CompanyName is the name of the contract's company ("" when unknown).
	CompanyName string
	// TypeLabel names the contract type, e.g. "Recurring Service" (from the
	// Contracts field metadata; "type N" when the picklist has no label).
	TypeLabel string
	// Lines are the contract's service lines ordered by contract service id.
	Lines []ContractLine
	// Occurrences maps a service id to how many lines carry it.
	Occurrences map[int64]int
}

// LineForService returns the contract's only line for serviceID. ok is false
// when the service is on no line or on more than one.
func (v *ContractView) LineForService(serviceID int64) (line ContractLine, ok bool) {
	if v == nil || v.Occurrences[serviceID] != 1 {
		return ContractLine{}, false
	}
	for _, l := range v.Lines {
		if l.ServiceID == serviceID {
			return l, true
		}
	}
	return ContractLine{}, false
}

// Line returns the line with the given contract service id.
func (v *ContractView) Line(contractServiceID int64) (ContractLine, bool) {
	if v == nil {
		return ContractLine{}, false
	}
	for _, l := range v.Lines {
		if l.ContractServiceID == contractServiceID {
			return l, true
		}
	}
	return ContractLine{}, false
}

// StatusLabel is "Active" or "Inactive" (ref §7.2).
func (v *ContractView) StatusLabel() string {
	if v.Contract.Status == ContractStatusActive {
		return "Active"
	}
	return "Inactive"
}

// Facts converts a view into what CheckBillingTarget needs; nil (contract not
// found) stays nil.
func Facts(v *ContractView) *ContractFacts {
	if v == nil {
		return nil
	}
	counts := make(map[int64]int, len(v.Occurrences))
	for k, n := range v.Occurrences {
		counts[k] = n
	}
	return &ContractFacts{
		ID:           v.Contract.ID,
		Name:         v.Contract.ContractName,
		CompanyID:    v.Contract.CompanyID,
		CompanyName:  v.CompanyName,
		Type:         v.Contract.ContractType,
		TypeLabel:    v.TypeLabel,
		Status:       v.Contract.Status,
		StartDate:    v.Contract.StartDate.Time,
		EndDate:      v.Contract.EndDate.Time,
		ServiceCount: counts,
	}
}

// occurrences is how many lines of the contract carry the service (0 for a
// nil view).
func (v *ContractView) occurrences(serviceID int64) int {
	if v == nil {
		return 0
	}
	return v.Occurrences[serviceID]
}
