package petra

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Route paths, appended to the base URL (and any path prefix it has); the
// keys of Config.RouteLimits.
const (
	RouteTenants       = "/v1/tenants"
	RouteUsage         = "/v1/usage"
	RouteBillableUsers = "/v1/billable-users"
)

// Tenants lists the organization's tenants (GET /v1/tenants), sorted by
// name as Petra returns them. Removed tenants are excluded; paused tenants
// are included with IsPaused set.
func (c *Client) Tenants(ctx context.Context) ([]Tenant, error) {
	body, err := c.get(ctx, RouteTenants, url.Values{})
	if err != nil {
		return nil, err
	}
	out, err := decodeTenants(body)
	if err != nil {
		return nil, &DecodeError{Route: RouteTenants, Err: err}
	}
	return out, nil
}

// Usage returns the organization-wide billing snapshot (GET /v1/usage) for
// the date asOf, written YYYY-MM-DD; "" asks for today (Petra's today).
func (c *Client) Usage(ctx context.Context, asOf string) (*Usage, error) {
	q := url.Values{}
	if asOf = strings.TrimSpace(asOf); asOf != "" {
		if _, err := time.Parse(time.DateOnly, asOf); err != nil {
			return nil, fmt.Errorf("petra: usage date %q is not a valid date; write it as YYYY-MM-DD, for example 2025-01-31, or leave it empty for today", asOf)
		}
		q.Set("asOf", asOf)
	}
	body, err := c.get(ctx, RouteUsage, q)
	if err != nil {
		return nil, err
	}
	out, err := decodeUsage(body)
	if err != nil {
		return nil, &DecodeError{Route: RouteUsage, Err: err}
	}
	return out, nil
}

// BillableUsers returns one tenant's billable users and projected billable
// units for this month (GET /v1/billable-users). tenantID is the Petra tenant
// ID (for example "ZZk90t"). An unknown tenant yields a *TenantNotFoundError.
func (c *Client) BillableUsers(ctx context.Context, tenantID string) (*BillableUsers, error) {
	tenantID = strings.TrimSpace(tenantID)
	if tenantID == "" {
		return nil, errors.New("petra: a Petra tenant ID is required to read billable users; " +
			"use the short ID from app.petrasecurity.com/tenant/<id> or from the tenant list (GET /v1/tenants)")
	}
	body, err := c.get(ctx, RouteBillableUsers, url.Values{"tenantId": {tenantID}})
	if err != nil {
		return nil, err
	}
	out, err := decodeBillableUsers(body)
	if err != nil {
		return nil, &DecodeError{Route: RouteBillableUsers, Err: err}
	}
	return out, nil
}
