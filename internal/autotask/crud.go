package autotask

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"golang.org/x/sync/errgroup"
)

// pageEnvelope is the query/collection response (ref §5).
type pageEnvelope struct {
	Items       []json.RawMessage `json:"items"`
	PageDetails struct {
		Count       int     `json:"count"`
		NextPageURL *string `json:"nextPageUrl"`
	} `json:"pageDetails"`
}

// Query runs q against entity (e.g. "Companies") and returns every matching
// record, following nextPageUrl paging. Results arrive in Autotask's order
// (id ascending, INFERRED ref §5) per request; when a long in list was split
// into several requests, those run concurrently (the endpoint's thread limit
// still applies: at most MaxInFlightPerEndpoint at once) and their results
// are concatenated in the order of the list.
func Query[T any](ctx context.Context, c *Client, entity string, q QuerySpec) ([]T, error) {
	if err := checkEntity(entity); err != nil {
		return nil, err
	}
	bodies, err := queryBodies(q)
	if err != nil {
		return nil, fmt.Errorf("invalid %s query: %w", entity, err)
	}
	parts := make([][]T, len(bodies))
	collect := func(i int) func([]T) error {
		return func(page []T) error {
			parts[i] = append(parts[i], page...)
			return nil
		}
	}
	if len(bodies) == 1 {
		if err := queryBody(ctx, c, entity, bodies[0], collect(0)); err != nil {
			return nil, err
		}
		return parts[0], nil
	}
	// Each body's pages follow one another (nextPageUrl), but the bodies are
	// independent: waiting for one before sending the next would make a
	// split query take the sum of their round trips instead of the longest.
	g, gctx := errgroup.WithContext(ctx)
	for i, body := range bodies {
		g.Go(func() error { return queryBody(gctx, c, entity, body, collect(i)) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	all := make([]T, 0, n)
	for _, p := range parts {
		all = append(all, p...)
	}
	return all, nil
}

// QueryPages runs q like Query but hands each page to fn as it arrives. An
// error from fn stops paging and is returned.
func QueryPages[T any](ctx context.Context, c *Client, entity string, q QuerySpec, fn func(page []T) error) error {
	if err := checkEntity(entity); err != nil {
		return err
	}
	bodies, err := queryBodies(q)
	if err != nil {
		return fmt.Errorf("invalid %s query: %w", entity, err)
	}
	for _, body := range bodies {
		if err := queryBody(ctx, c, entity, body, fn); err != nil {
			return err
		}
	}
	return nil
}

// queryBody sends one query body and hands each page of its answer to fn.
func queryBody[T any](ctx context.Context, c *Client, entity string, body []byte, fn func(page []T) error) error {
	r := request{method: http.MethodPost, body: body, read: true, auth: true, entity: entity, op: OpQuery}
	resp, err := c.do(ctx, r, entity+"/query")
	if err != nil {
		return err
	}
	return c.followPages(ctx, r, resp, decodePage(entity, fn))
}

// QueryChild lists a child collection with GET, e.g.
// QueryChild[ContractService](ctx, c, "Contracts", 42, "Services") for
// GET /V1.0/Contracts/42/Services, following nextPageUrl with GET.
func QueryChild[T any](ctx context.Context, c *Client, parentEntity string, parentID int64, child string) ([]T, error) {
	rel, err := childPath(parentEntity, parentID, child)
	if err != nil {
		return nil, err
	}
	var all []T
	r := request{method: http.MethodGet, read: true, auth: true, entity: parentEntity + "/" + child, op: OpQuery}
	resp, err := c.do(ctx, r, rel)
	if err != nil {
		return nil, err
	}
	err = c.followPages(ctx, r, resp, decodePage(r.entity, func(page []T) error {
		all = append(all, page...)
		return nil
	}))
	if err != nil {
		return nil, err
	}
	return all, nil
}

func decodePage[T any](entity string, fn func([]T) error) func([]json.RawMessage) error {
	return func(items []json.RawMessage) error {
		page := make([]T, len(items))
		for i, raw := range items {
			if err := json.Unmarshal(raw, &page[i]); err != nil {
				return fmt.Errorf("Autotask returned a %s record this client cannot read: %w", entity, err)
			}
		}
		return fn(page)
	}
}

// followPages hands the first page to fn, then fetches each nextPageUrl with
// the same method and body as the first request (POST + same body for POST
// queries, ref §5 VERIFIED), only on the origin of the first request.
func (c *Client) followPages(ctx context.Context, r request, resp *response, fn func([]json.RawMessage) error) error {
	origin := resp.url
	seen := map[string]bool{}
	for {
		var env pageEnvelope
		if err := decodeBody(resp, &env); err != nil {
			return err
		}
		if err := fn(env.Items); err != nil {
			return err
		}
		if env.PageDetails.NextPageURL == nil || *env.PageDetails.NextPageURL == "" {
			return nil
		}
		next, err := resp.url.Parse(*env.PageDetails.NextPageURL)
		if err != nil {
			return fmt.Errorf("Autotask returned an unreadable nextPageUrl for %s: %w", r.entity, err)
		}
		if !sameOrigin(origin, next) {
			return fmt.Errorf("Autotask returned a nextPageUrl for %s on another host (%s, expected %s); "+
				"the client does not send credentials there", r.entity, next.Host, origin.Host)
		}
		if seen[next.String()] {
			return fmt.Errorf("Autotask returned the same nextPageUrl twice for %s; stopping to avoid an endless loop", r.entity)
		}
		seen[next.String()] = true
		r.url = next.String()
		if resp, err = c.doAbs(ctx, r); err != nil {
			return err
		}
	}
}

// Count returns how many entity records match filters (all records when
// none), via POST /V1.0/{Entity}/query/count.
func (c *Client) Count(ctx context.Context, entity string, filters ...Filter) (int64, error) {
	if err := checkEntity(entity); err != nil {
		return 0, err
	}
	bodies, err := countBodies(filters)
	if err != nil {
		return 0, fmt.Errorf("invalid %s count query: %w", entity, err)
	}
	var total int64
	for _, body := range bodies {
		resp, err := c.do(ctx, request{method: http.MethodPost, body: body, read: true, auth: true, entity: entity, op: OpQuery},
			entity+"/query/count")
		if err != nil {
			return 0, err
		}
		var v struct {
			QueryCount *int64 `json:"queryCount"`
		}
		if err := decodeBody(resp, &v); err != nil {
			return 0, err
		}
		if v.QueryCount == nil {
			return 0, fmt.Errorf("Autotask's %s count answer has no queryCount: %s", entity, shorten(string(resp.body), 200))
		}
		total += *v.QueryCount
	}
	return total, nil
}

// Get fetches one record by id (GET /V1.0/{Entity}/{id}). A missing record,
// whether answered {"item":null} or HTTP 404, is a *NotFoundError matching
// ErrNotFound.
func Get[T any](ctx context.Context, c *Client, entity string, id int64) (T, error) {
	var zero T
	if err := checkEntity(entity); err != nil {
		return zero, err
	}
	if id <= 0 {
		return zero, fmt.Errorf("%s id %d is not valid; Autotask ids are positive", entity, id)
	}
	resp, err := c.do(ctx, request{method: http.MethodGet, read: true, auth: true, entity: entity, op: OpQuery},
		entity+"/"+strconv.FormatInt(id, 10))
	if err != nil {
		var api *APIError
		if errors.As(err, &api) && api.StatusCode == http.StatusNotFound {
			return zero, &NotFoundError{Entity: entity, ID: id, API: api}
		}
		return zero, err
	}
	var env struct {
		Item json.RawMessage `json:"item"`
	}
	if err := decodeBody(resp, &env); err != nil {
		return zero, err
	}
	if len(env.Item) == 0 || bytes.Equal(bytes.TrimSpace(env.Item), []byte("null")) {
		return zero, &NotFoundError{Entity: entity, ID: id}
	}
	var v T
	if err := json.Unmarshal(env.Item, &v); err != nil {
		return zero, fmt.Errorf("Autotask returned a %s record this client cannot read: %w", entity, err)
	}
	return v, nil
}

// Create posts body to the entity's root (POST /V1.0/{Entity}) and returns
// the new record's id.
func (c *Client) Create(ctx context.Context, entity string, body any) (int64, error) {
	if err := checkEntity(entity); err != nil {
		return 0, err
	}
	return c.write(ctx, http.MethodPost, entity, entity, OpCreate, body, false)
}

// Update patches the record whose id is in body (PATCH /V1.0/{Entity}); only
// the fields present change. It returns the record's id.
func (c *Client) Update(ctx context.Context, entity string, body any) (int64, error) {
	if err := checkEntity(entity); err != nil {
		return 0, err
	}
	return c.write(ctx, http.MethodPatch, entity, entity, OpUpdate, body, true)
}

// CreateChild posts body to a child route, e.g.
// CreateChild(ctx, "Contracts", 42, "ServiceAdjustments", adj) for
// POST /V1.0/Contracts/42/ServiceAdjustments. It returns the new id.
func (c *Client) CreateChild(ctx context.Context, parentEntity string, parentID int64, child string, body any) (int64, error) {
	rel, err := childPath(parentEntity, parentID, child)
	if err != nil {
		return 0, err
	}
	return c.write(ctx, http.MethodPost, rel, parentEntity+"/"+child, OpCreate, body, false)
}

// UpdateChild patches a child record through its parent route, e.g.
// PATCH /V1.0/Contracts/42/Services with the ContractService id in body.
func (c *Client) UpdateChild(ctx context.Context, parentEntity string, parentID int64, child string, body any) (int64, error) {
	rel, err := childPath(parentEntity, parentID, child)
	if err != nil {
		return 0, err
	}
	return c.write(ctx, http.MethodPatch, rel, parentEntity+"/"+child, OpUpdate, body, true)
}

func childPath(parentEntity string, parentID int64, child string) (string, error) {
	if err := checkEntity(parentEntity); err != nil {
		return "", err
	}
	if err := checkEntity(child); err != nil {
		return "", err
	}
	if parentID <= 0 {
		return "", fmt.Errorf("%s id %d is not valid; Autotask ids are positive", parentEntity, parentID)
	}
	return parentEntity + "/" + strconv.FormatInt(parentID, 10) + "/" + url.PathEscape(child), nil
}

// write sends a create or update and reads {"itemId":N}. Writes are never
// retried after they may have reached Autotask.
func (c *Client) write(ctx context.Context, method, rel, entity string, op Operation, body any, needID bool) (int64, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return 0, fmt.Errorf("encoding the %s %s body: %w", entity, op, err)
	}
	if needID {
		var probe struct {
			ID json.Number `json:"id"`
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&probe); err != nil || probe.ID == "" || probe.ID == "0" {
			return 0, fmt.Errorf("the %s update body must be a JSON object with the record's non-zero \"id\"", entity)
		}
	}
	resp, err := c.do(ctx, request{method: method, body: b, auth: true, entity: entity, op: op}, rel)
	if err != nil {
		return 0, err
	}
	var v struct {
		ItemID *int64 `json:"itemId"`
	}
	if err := json.Unmarshal(resp.body, &v); err != nil || v.ItemID == nil {
		return 0, &OutcomeUnknownError{Method: method, Path: resp.path,
			Cause: fmt.Errorf("Autotask answered HTTP %d without an itemId (body %q)", resp.status, shorten(string(resp.body), 200))}
	}
	return *v.ItemID, nil
}

// decodeBody decodes a successful response's JSON body.
func decodeBody(resp *response, v any) error {
	if err := json.Unmarshal(resp.body, v); err != nil {
		return fmt.Errorf("Autotask %s answered HTTP %d with a body this client cannot read (%w): %q",
			resp.path, resp.status, err, shorten(string(resp.body), 200))
	}
	return nil
}
