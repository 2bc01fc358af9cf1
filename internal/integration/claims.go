package integration

import "fmt"

// ClaimLine records, for this provider run, that the billing mapping of
// tenantID pushes units to the contract service line contractServiceID. It
// reports the other tenant when a mapping of a different tenant already
// claimed the same line: two mappings pushing to one line overwrite each
// other's count (or, from the same snapshot, add up), so one must go. The
// same tenant may claim a line again (Terraform plans a resource again just
// before applying it, in the same run).
func (s *Service) ClaimLine(contractServiceID int64, tenantID string) (other string, clash bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.claims == nil {
		s.claims = map[int64]string{}
	}
	if prev, ok := s.claims[contractServiceID]; ok && prev != tenantID {
		return prev, true
	}
	s.claims[contractServiceID] = tenantID
	return "", false
}

// LineClaimedTwice is the problem reported for a line two tenants map to.
func LineClaimedTwice(contractServiceID int64, serviceName, contractName, otherTenant string) Problem {
	return Problem{
		Attribute: AttrServiceID,
		Summary:   "Service line mapped twice",
		Detail: fmt.Sprintf("The service line %d (%q on contract %q) is also mapped by the billing mapping of tenant %q. "+
			"Two mappings pushing to one line overwrite each other's unit count, so nothing is pushed for this one. "+
			"Keep one mapping per line; when several tenants are billed on one line, map one of them and set its units "+
			"to the total (for example units = a + b).", contractServiceID, serviceName, contractName, otherTenant),
	}
}
