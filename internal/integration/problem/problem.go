// Package problem is what a failed check tells the user: what is wrong, on
// which argument of the Terraform type, and how to fix it. Every concept of
// the integration (catalog, billing, claims) reports its findings as
// Problems; the Terraform layer turns them into diagnostics on the right
// attribute. It imports nothing of the project.
package problem

// Attribute names the argument a problem belongs to, so the Terraform layer
// can attach the diagnostic to the right line.
type Attribute string

// The arguments that checks point at.
const (
	AttrContractID Attribute = "contract_id"
	AttrServiceID  Attribute = "service_id"
	AttrCompanyID  Attribute = "company_id"
	AttrTenantID   Attribute = "tenant_id"
	AttrUnits      Attribute = "units"
)

// Problem is one failed check: what is wrong, on which argument, and how to
// fix it. Detail is the exact text users see (and CI logs grep for).
type Problem struct {
	Attribute Attribute
	Summary   string
	Detail    string
}

// Error makes a Problem usable as an error (at apply time).
func (p Problem) Error() string { return p.Detail }
