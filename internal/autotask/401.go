package autotask

// A 401 after the credentials were accepted (issue 11). The seed of the
// integration says: "If the API user's security level does not include
// these permissions, billing sync requests will fail with 401 Unauthorized."
// A 401 cannot say which it is, so the client decides by what it saw: before
// any authenticated request of this client succeeded (zone discovery, the
// first authenticated call) a 401 is a credentials error
// (*AuthenticationError); once one did, the credentials are known good and a
// 401 from an entity call is reported as the missing permission for that
// entity and operation (*PermissionError with Via401). A zone move is still
// ruled out first: do() re-runs zone discovery after any 401 (ref §1).

// permissionFrom401 is the permission error for a 401 on an authenticated
// call made after the credentials were accepted.
func permissionFrom401(r *request, api *APIError) error {
	op := r.op
	if op == "" {
		op = OpQuery
	}
	return &PermissionError{Entity: r.entity, Operation: op, API: api, Via401: true}
}

// CredentialsAccepted reports whether an authenticated request of this
// client has succeeded (after which a 401 means a missing permission).
func (c *Client) CredentialsAccepted() bool { return c.authOK.Load() }
