package autotasksim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// cursor is the state carried by the opaque paging token (ref §5: id-based
// keyset paging). It is stateless: base64url JSON.
type cursor struct {
	V      int      `json:"v"`
	Entity string   `json:"e"`
	Method string   `json:"m"` // method of the original query
	After  int64    `json:"a"` // last id returned
	Size   int      `json:"n"`
	Fields []string `json:"f,omitempty"` // IncludeFields, persisted across pages
	Hash   string   `json:"h,omitempty"` // filter hash of the original query
	Parent int64    `json:"c,omitempty"` // contract scope of a child collection
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(tok string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.V != 1 || c.Size < 1 || c.Size > maxPageSize {
		return cursor{}, fmt.Errorf("The paging token is invalid; follow pageDetails.nextPageUrl exactly as returned.")
	}
	return c, nil
}

// queryParam reads a query-string parameter case-insensitively.
// An absent parameter reads as "".
func queryParam(r *http.Request, name string) string {
	for k, v := range r.URL.Query() {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// queryText is the JSON query of a GET (?search=) or POST (body) request.
func queryText(r *http.Request) ([]byte, error) {
	if r.Method == http.MethodGet {
		search := queryParam(r, "search")
		if search == "" {
			return nil, fmt.Errorf("%s", errEmptyFilter)
		}
		return []byte(search), nil
	}
	b, err := readBody(r)
	if err == nil && len(strings.TrimSpace(string(b))) == 0 {
		err = fmt.Errorf("%s", errEmptyFilter)
	}
	return b, err
}

// handleQuery answers /{Entity}/query and /{Entity}/query/count.
func (s *Server) handleQuery(r *http.Request, u *user, def *entityDef, count bool) response {
	if !canQuery(r, u, def.Plural) {
		return u.denied(verbQuery)
	}
	raw, err := queryText(r)
	if err != nil {
		return failErr(err)
	}
	q, err := parseQuery(def, raw)
	if err != nil {
		return failErr(err)
	}
	s.adjustDateFilters(def, q.filter)
	if count {
		n := 0
		s.mu.RLock()
		s.tables[def.Plural].scan(-1<<62, func(rec record) bool {
			if rec, seen := s.present(u, def, rec); seen && matchAll(q.filter, rec) {
				n++
			}
			return true
		})
		s.mu.RUnlock()
		return ok(map[string]any{"queryCount": n})
	}
	cur := cursor{V: 1, Entity: def.Plural, Method: r.Method, After: -1 << 62, Size: q.pageSize(), Hash: q.filterHash}
	for _, f := range q.include {
		cur.Fields = append(cur.Fields, f.Name)
	}
	return s.page(r, u, def, q.filter, q.include, cur, string(raw))
}

// handleNext answers /{Entity}/query/next?paging=... POST cursors need a
// POST with the original body, GET cursors a GET (ref §5).
func (s *Server) handleNext(r *http.Request, u *user, def *entityDef) response {
	if !canQuery(r, u, def.Plural) {
		return u.denied(verbQuery)
	}
	tok := queryParam(r, "paging")
	cur, err := decodeCursor(tok)
	if err != nil {
		return failErr(err)
	}
	if !strings.EqualFold(cur.Entity, def.Plural) {
		return fail(http.StatusInternalServerError, "The paging token belongs to %s, not %s; follow pageDetails.nextPageUrl exactly as returned.", cur.Entity, def.Plural)
	}
	if r.Method != cur.Method {
		// VERIFIED (ref §5) for GET on a POST cursor; the reverse is
		// INFERRED by symmetry.
		return methodNotAllowed(r.Method, cur.Method)
	}
	var filter []*cond
	var include []*fieldDef
	search := ""
	if cur.Parent > 0 {
		filter = []*cond{parentCond(def, cur.Parent)}
	} else {
		raw, err := queryText(r)
		if err != nil {
			return fail(http.StatusInternalServerError, "This page continues a %s query: send the original query again (%s). %s", cur.Method, map[string]string{http.MethodPost: "same JSON body", http.MethodGet: "search parameter"}[cur.Method], err.Error())
		}
		q, err := parseQuery(def, raw)
		if err != nil {
			return failErr(err)
		}
		// INFERRED (ref §5): Autotask re-applies the sent filter; the sandbox
		// refuses a different one so client paging bugs surface.
		if q.filterHash != cur.Hash {
			return fail(http.StatusInternalServerError, "The query sent with this page does not match the query that created the paging token; resend the original query unchanged.")
		}
		s.adjustDateFilters(def, q.filter)
		filter, include, search = q.filter, q.include, string(raw)
	}
	if include == nil {
		for _, name := range cur.Fields {
			if f := def.field(name); f != nil {
				include = append(include, f)
			}
		}
	}
	return s.page(r, u, def, filter, include, cur, search)
}

// parentCond scopes a child collection to one contract.
func parentCond(def *entityDef, contractID int64) *cond {
	return &cond{op: "eq", field: def.field("contractID"), value: float64(contractID)}
}

// childList answers GET /Contracts/{id}/Services and /ServiceUnits with the
// collection envelope and paging (ref §3).
func (s *Server) childList(r *http.Request, u *user, def *entityDef, contractID int64) response {
	if !canQuery(r, u, def.Plural) {
		return u.denied(verbQuery)
	}
	cur := cursor{V: 1, Entity: def.Plural, Method: http.MethodGet, After: -1 << 62, Size: maxPageSize, Parent: contractID}
	return s.page(r, u, def, []*cond{parentCond(def, contractID)}, nil, cur, "")
}

// page returns the rows after cur.After matching filter, in id order, with
// pageDetails and a nextPageUrl when more rows exist.
func (s *Server) page(r *http.Request, u *user, def *entityDef, filter []*cond, include []*fieldDef, cur cursor, search string) response {
	items := make([]object, 0)
	more := false
	var last int64
	s.mu.RLock()
	s.tables[def.Plural].scan(cur.After, func(rec record) bool {
		rec, seen := s.present(u, def, rec)
		if !seen || !matchAll(filter, rec) {
			return true
		}
		if len(items) == cur.Size {
			more = true
			return false
		}
		items = append(items, renderRecord(def, rec, include))
		last = rec.id()
		return true
	})
	s.mu.RUnlock()
	var next any
	if more {
		cur.After = last
		link := baseURL(r) + zonePath + "V1.0/" + def.Plural + "/query/next?paging=" + cur.encode()
		if cur.Method == http.MethodGet && cur.Parent == 0 {
			link += "&search=" + url.QueryEscape(search)
		}
		next = link
	}
	return ok(object{
		{"items", items},
		{"pageDetails", object{{"count", len(items)}, {"requestCount", cur.Size}, {"prevPageUrl", nil}, {"nextPageUrl", next}}},
	})
}
