package autotask

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/sync/singleflight"
)

// Zone is the answer of Autotask zone discovery (ref §1).
type Zone struct {
	// ZoneName such as "AE02".
	ZoneName string `json:"zoneName"`
	// URL is the REST base such as
	// "https://webservices14.autotask.net/ATServicesRest/" (trailing slash).
	URL string `json:"url"`
	// WebURL is the tenant's web UI base.
	WebURL string `json:"webUrl"`
	// CI is the numeric database id.
	CI int64 `json:"ci"`
}

// Zone returns the tenant's zone: the configured BaseURL (no request), or the
// discovered zone, looked up once and cached. Concurrent callers share one
// lookup.
func (c *Client) Zone(ctx context.Context) (Zone, error) {
	if c.baseURL != "" {
		return Zone{URL: c.baseURL}, nil
	}
	return c.fetchZone(ctx, "")
}

// serviceURL returns the REST base URL and whether it was discovered.
func (c *Client) serviceURL(ctx context.Context) (string, bool, error) {
	if c.baseURL != "" {
		return c.baseURL, false, nil
	}
	z, err := c.fetchZone(ctx, "")
	if err != nil {
		return "", false, err
	}
	return z.URL, true, nil
}

// rediscoverZone looks the zone up again unless another caller already
// replaced the stale URL.
func (c *Client) rediscoverZone(ctx context.Context, stale string) (Zone, error) {
	return c.fetchZone(ctx, stale)
}

// fetchZone returns the cached zone unless it is missing or its URL equals
// stale, in which case it looks it up (one lookup shared by all callers).
func (c *Client) fetchZone(ctx context.Context, stale string) (Zone, error) {
	return c.cachedLookup(ctx, "zone", &c.zone, stale, c.lookupZone)
}

// cachedLookup returns *slot unless it is missing or its URL equals stale;
// otherwise it runs lookup once for all concurrent callers of key and keeps
// the answer in *slot.
func (c *Client) cachedLookup(ctx context.Context, key string, slot **Zone, stale string, lookup func(context.Context) (Zone, error)) (Zone, error) {
	cached := func() (Zone, bool) {
		c.zoneMu.Lock()
		defer c.zoneMu.Unlock()
		if *slot != nil && (*slot).URL != stale {
			return **slot, true
		}
		return Zone{}, false
	}
	if z, ok := cached(); ok {
		return z, nil
	}
	v, err := shared(ctx, &c.zoneGroup, key, func(ctx context.Context) (any, error) {
		if z, ok := cached(); ok {
			return z, nil
		}
		z, err := lookup(ctx)
		if err != nil {
			return nil, err
		}
		c.zoneMu.Lock()
		*slot = &z
		c.zoneMu.Unlock()
		return z, nil
	})
	if err != nil {
		return Zone{}, err
	}
	z, _ := v.(Zone)
	return z, nil
}

// lookupZone performs the unauthenticated zone lookup (ref §1).
func (c *Client) lookupZone(ctx context.Context) (Zone, error) {
	return c.lookupZoneAt(ctx, c.zoneLookup, c.cfg.Username)
}

// lookupZoneAt asks the zone lookup at base (ending with "/") for user's
// zone. The lookup is unauthenticated and exempt from the thread limit
// (ref §1, VERIFIED): no credential header is sent.
func (c *Client) lookupZoneAt(ctx context.Context, base, user string) (Zone, error) {
	r := request{
		method: http.MethodGet,
		url:    base + "v1.0/zoneInformation?user=" + url.QueryEscape(user),
		read:   true,
		entity: "ZoneInformation",
		op:     OpQuery,
	}
	resp, err := c.doAbs(ctx, r)
	if err != nil {
		var unknownUser *ZoneNotFoundError
		if errors.As(err, &unknownUser) {
			return Zone{}, err
		}
		return Zone{}, fmt.Errorf("Autotask zone discovery at %s failed (set the zone lookup URL, or set the base URL "+
			"to skip discovery): %w", base, err)
	}
	var z Zone
	if err := json.Unmarshal(resp.body, &z); err != nil {
		return Zone{}, fmt.Errorf("Autotask zone discovery at %s returned a body that is not zone information: %w",
			base, err)
	}
	u, err := normaliseServiceURL("zone URL returned by zone discovery", z.URL, "https://webservices14.autotask.net/ATServicesRest/")
	if err != nil {
		return Zone{}, fmt.Errorf("refusing the zone returned by %s: %w", base, err)
	}
	z.URL = u
	c.log.Info("discovered Autotask zone", "zone", z.ZoneName, "url", z.URL)
	return z, nil
}

// Database returns the zone lookup's answer for the configured user, whose CI
// is the numeric id of the Autotask database (ref §1, VERIFIED). Unlike Zone,
// it asks even when BaseURL is set (the lookup is unauthenticated and exempt
// from the limits, ref §1), so that the database is known whichever way the
// zone was configured. The answer is cached for the client's life.
func (c *Client) Database(ctx context.Context) (Zone, error) {
	if c.baseURL == "" {
		return c.fetchZone(ctx, "")
	}
	return c.cachedLookup(ctx, "identity", &c.identity, "", func(ctx context.Context) (Zone, error) {
		return c.lookupZoneAt(ctx, c.identityLookup, c.cfg.Username)
	})
}

// ZoneFor looks up another API user's zone (and with it the CI of that
// user's database) at the same lookup URL Database uses. Nothing is cached.
// It is how the provider checks that an API user recorded in an older state
// belongs to the configured database.
func (c *Client) ZoneFor(ctx context.Context, user string) (Zone, error) {
	return c.lookupZoneAt(ctx, c.identityLookup, user)
}

// VersionInformation lists the API versions Autotask offers
// ({"apiVersions":["V1.0"]}, unauthenticated, ref §1).
func (c *Client) VersionInformation(ctx context.Context) ([]string, error) {
	resp, err := c.doAbs(ctx, request{method: http.MethodGet, url: c.zoneLookup + "versioninformation",
		read: true, entity: "VersionInformation", op: OpQuery})
	if err != nil {
		return nil, err
	}
	var v struct {
		APIVersions []string `json:"apiVersions"`
	}
	if err := decodeBody(resp, &v); err != nil {
		return nil, err
	}
	return v.APIVersions, nil
}

// shared runs fn once for all concurrent callers of key. A caller whose own
// context is still alive does not inherit another caller's cancellation: it
// runs the work again.
func shared(ctx context.Context, g *singleflight.Group, key string, fn func(context.Context) (any, error)) (any, error) {
	for {
		ch := g.DoChan(key, func() (any, error) {
			v, err := fn(ctx)
			if err != nil && ctx.Err() != nil {
				return nil, &callerGone{err: err}
			}
			return v, err
		})
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case res := <-ch:
			var gone *callerGone
			if errors.As(res.Err, &gone) {
				if ctx.Err() == nil {
					continue // the caller that ran the work went away; run it again for us
				}
				return nil, gone.err
			}
			return res.Val, res.Err
		}
	}
}

// callerGone marks shared work that failed because its runner's context ended.
type callerGone struct{ err error }

func (e *callerGone) Error() string { return e.err.Error() }

// CheckAPIVersion checks that a version list (VersionInformation) offers
// the version this client speaks. Autotask lists "V2.0" beside "V1.0" since
// 2026 (KelvinTegelaar/AutotaskAPI PR #76), and V2.0 lacks V1.0's routes
// (zoneInformation answers 404 there): clients must pin V1.0, never take the
// last version listed.
func CheckAPIVersion(versions []string) error {
	for _, v := range versions {
		if strings.EqualFold(strings.TrimSpace(v)+"/", apiVersionSegment) {
			return nil
		}
	}
	return fmt.Errorf("Autotask's versioninformation lists %q but not %q, the REST API version this provider speaks",
		versions, strings.TrimSuffix(apiVersionSegment, "/"))
}
