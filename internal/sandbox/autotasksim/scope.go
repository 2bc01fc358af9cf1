package autotasksim

import (
	"fmt"
	"net/http"
	"strings"
)

// Restricted users (ref §9, VERIFIED): rows outside the user's security
// scope are silently omitted, not refused. The emulator models the scope as
// a list of companies (APIUser.CompanyScope): for every entity the user may
// query only with "Restricted" access, rows that belong to another company
// are left out of queries, counts, child lists and gets by id. Which rows a
// real security level hides (line of business, ownership, contract
// visibility) varies; a company list is the INFERRED stand-in.

// inScope reports whether the user sees rec. Caller holds s.mu (read).
func (s *Server) inScope(u *user, def *entityDef, rec record) bool {
	if u == nil || u.scope == nil || u.access(def.Plural, verbQuery) != AccessRestricted {
		return true
	}
	company, ok := s.companyOf(def, rec)
	if !ok {
		return true // not a company-owned entity (Services)
	}
	return u.scope[company]
}

// companyOf is the company a row belongs to. Caller holds s.mu (read).
func (s *Server) companyOf(def *entityDef, rec record) (int64, bool) {
	switch def.Plural {
	case entCompanies:
		return rec.id(), true
	case entContracts, entTickets:
		return rec.int("companyID"), true
	case entContractServices, entUnits, entAdjustments:
		c := s.tables[entContracts].get(rec.int("contractID"))
		if c == nil {
			return 0, true
		}
		return c.int("companyID"), true
	}
	return 0, false
}

// user returns the API user named name (case-insensitive), nil when none.
func (s *Server) user(name string) *user {
	s.usersMu.RLock()
	defer s.usersMu.RUnlock()
	return s.users[strings.ToLower(strings.TrimSpace(name))]
}

// SetUser adds an API user or replaces the one with the same userName
// (admin API: POST /_sandbox/autotask/users), e.g. to give a user
// missingPermissionStatus 401 or a companyScope.
func (s *Server) SetUser(in APIUser) error {
	prepared, err := prepareUsers([]APIUser{in})
	if err != nil {
		return err
	}
	s.usersMu.Lock()
	defer s.usersMu.Unlock()
	for k, v := range prepared {
		// A replaced user stays the same resource; a new one gets the next.
		if old, ok := s.users[k]; ok {
			v.resourceID = old.resourceID
		} else {
			v.resourceID = firstAPIResourceID
			for _, o := range s.users {
				v.resourceID = max(v.resourceID, o.resourceID+1)
			}
		}
		s.users[k] = v
	}
	return nil
}

// checkUserExtras validates the fields of issue 11 on a fixture user.
func checkUserExtras(where string, u APIUser) error {
	switch u.MissingPermissionStatus {
	case 0, http.StatusInternalServerError, http.StatusUnauthorized:
	default:
		return fmt.Errorf("%s (%s): missingPermissionStatus %d must be 500 (Autotask's \"adequate permissions\" text) or 401 (an empty 401)", where, u.UserName, u.MissingPermissionStatus)
	}
	for _, id := range u.CompanyScope {
		if id <= 0 {
			return fmt.Errorf("%s (%s): companyScope lists %d; company ids are positive", where, u.UserName, id)
		}
	}
	return nil
}

// noAccess reports whether the user may do nothing at all with the entity.
func (u *user) noAccess(entity string) bool {
	for _, v := range []string{verbQuery, verbCreate, verbUpdate, verbDelete} {
		if u.access(entity, v) != AccessNone {
			return false
		}
	}
	return true
}
