package autotasksim

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
)

// Operations checked against a security level (ref §9).
const (
	verbQuery  = "query"
	verbCreate = "create"
	verbUpdate = "update"
	verbDelete = "delete"
)

// user is an APIUser prepared for lookups.
type user struct {
	APIUser
	active bool
	api    bool // an API security level (system or custom)
	system bool
	perms  map[string]EntityPermission // lower-case plural entity => access
	scope  map[int64]bool              // CompanyScope as a set; nil when empty
	// resourceID is the user's Autotask resource: notes it creates carry it
	// as creatorResourceID.
	resourceID int64
}

// firstAPIResourceID is the resource id of the fixture's first API user;
// the others follow in fixture order.
const firstAPIResourceID = 29683101

// prepareUsers validates fixture users and indexes them by lower-case name.
// INFERRED: user names match case-insensitively (they are e-mail addresses).
func prepareUsers(in []APIUser) (map[string]*user, error) {
	out := make(map[string]*user, len(in))
	for i, u := range in {
		where := fmt.Sprintf("apiUsers[%d]", i)
		if strings.TrimSpace(u.UserName) == "" {
			return nil, fmt.Errorf("%s: userName is empty; give the API user's username (e-mail form)", where)
		}
		if u.Secret == "" {
			return nil, fmt.Errorf("%s (%s): secret is empty; every API user needs a secret", where, u.UserName)
		}
		key := strings.ToLower(u.UserName)
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("%s: userName %q is listed twice; user names must be unique", where, u.UserName)
		}
		if err := checkUserExtras(where, u); err != nil {
			return nil, err
		}
		p := &user{APIUser: u, active: u.Active == nil || *u.Active, perms: map[string]EntityPermission{},
			resourceID: firstAPIResourceID + int64(i)}
		if len(u.CompanyScope) > 0 {
			p.scope = map[int64]bool{}
			for _, id := range u.CompanyScope {
				p.scope[id] = true
			}
		}
		switch {
		case u.SecurityLevel == "" || strings.EqualFold(u.SecurityLevel, SecurityLevelAPISystem):
			p.api, p.system = true, true
		case strings.EqualFold(u.SecurityLevel, SecurityLevelAPICustom):
			p.api = true
		}
		for ent, perm := range u.Permissions {
			norm := EntityPermission{}
			for _, f := range []struct {
				name string
				in   string
				out  *string
			}{{"query", perm.Query, &norm.Query}, {"create", perm.Create, &norm.Create},
				{"update", perm.Update, &norm.Update}, {"delete", perm.Delete, &norm.Delete}} {
				v, err := normAccess(f.in)
				if err != nil {
					return nil, fmt.Errorf("%s (%s): permissions[%q].%s: %w", where, u.UserName, ent, f.name, err)
				}
				*f.out = v
			}
			p.perms[strings.ToLower(ent)] = norm
		}
		out[key] = p
	}
	return out, nil
}

func normAccess(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "none":
		return AccessNone, nil
	case "all":
		return AccessAll, nil
	case "restricted":
		return AccessRestricted, nil
	}
	return "", fmt.Errorf("%q is not an access level; use \"All\", \"Restricted\" or \"None\"", s)
}

// access is the user's level for verb on the entity (plural name).
func (u *user) access(entity, verb string) string {
	if u.system {
		return AccessAll
	}
	p, ok := u.perms[strings.ToLower(entity)]
	if !ok {
		return AccessNone
	}
	switch verb {
	case verbQuery:
		return p.Query
	case verbCreate:
		return p.Create
	case verbUpdate:
		return p.Update
	}
	return p.Delete
}

// can reports whether the user may perform verb; Restricted counts as
// allowed (rows the user cannot see would be omitted, ref §9).
func (u *user) can(entity, verb string) bool { return u.access(entity, verb) != AccessNone }

// authenticate applies the credential checks of ref §2 in order: user name,
// secret, integration code, then active/API level.
func (s *Server) authenticate(r *http.Request) (*user, *response) {
	name := r.Header.Get("UserName")
	u := s.user(name)
	if u == nil {
		resp := fail(http.StatusInternalServerError, errZone)
		return nil, &resp
	}
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("Secret")), []byte(u.Secret)) != 1 {
		resp := response{status: http.StatusUnauthorized, empty: true}
		return nil, &resp
	}
	code := r.Header.Get("ApiIntegrationCode")
	// An API user without a configured integration code accepts any
	// non-empty code.
	if code == "" || (u.IntegrationCode != "" && code != u.IntegrationCode) {
		resp := fail(http.StatusInternalServerError, errIntegration)
		return nil, &resp
	}
	if !u.active || !u.api {
		resp := response{status: http.StatusUnauthorized, empty: true}
		return nil, &resp
	}
	return u, nil
}

// canQuery reports whether a read (GET by id, query, child list) may run.
// Reads carrying ImpersonationResourceId fail with the query-permission
// error, as Autotask evaluates the impersonated resource (VERIFIED
// 3rd-party, ref §9).
func canQuery(r *http.Request, u *user, entity string) bool {
	return r.Header.Get("ImpersonationResourceId") == "" && u.can(entity, verbQuery)
}
