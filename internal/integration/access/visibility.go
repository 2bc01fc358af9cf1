package access

import (
	"context"
	"errors"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
)

// ContractRowsMayBeHidden reports whether the API user reads the billing
// entities (Contracts, ContractServices, ContractServiceUnits) with
// "Restricted" access. Autotask silently omits the rows outside a restricted
// user's scope (ref §9, VERIFIED), so a contract line such a user cannot find
// may still exist and bill: callers must not treat it as deleted.
func (s *Access) ContractRowsMayBeHidden(ctx context.Context) (bool, error) {
	at, err := s.run.Autotask()
	if err != nil {
		return false, err
	}
	for _, e := range []string{autotask.EntityContracts, autotask.EntityContractServices, autotask.EntityContractServiceUnits} {
		info, err := at.EntityInformation(ctx, e)
		if err != nil {
			var perm *autotask.PermissionError
			if errors.As(err, &perm) {
				return true, nil
			}
			return false, err
		}
		if info.UserAccessForQuery == autotask.AccessRestricted {
			return true, nil
		}
	}
	return false, nil
}
