package autotasksim

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// versionBody is the answer of GET /V1.0/Version. INFERRED (ref §11, §13):
// the real shape is not verified.
var versionBody = map[string]any{"version": "1.0"}

// contractChildren maps the emulated child segments under /Contracts/{id}/
// to their entity.
var contractChildren = map[string]string{
	"services":           entContractServices,
	"serviceunits":       entUnits,
	"serviceadjustments": entAdjustments,
	"notes":              entContractNotes,
}

func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id >= 0
}

// route dispatches an authenticated request. count is the number of
// requests in the threshold window including this one.
func (s *Server) route(r *http.Request, u *user, segs []string, count int) response {
	if len(segs) == 0 {
		return notFound(r.URL.Path)
	}
	low := make([]string, len(segs))
	for i, sg := range segs {
		low[i] = strings.ToLower(sg)
	}
	switch {
	case low[0] == "version" && len(low) == 1:
		if r.Method != http.MethodGet {
			return methodNotAllowed(r.Method, http.MethodGet)
		}
		return ok(versionBody)
	case low[0] == "thresholdinformation" && len(low) == 1:
		if r.Method != http.MethodGet {
			return methodNotAllowed(r.Method, http.MethodGet)
		}
		return ok(object{
			{"externalRequestThreshold", s.cfg.HourlyThreshold},
			{"requestThresholdTimeframe", int(s.cfg.ThresholdWindow / time.Minute)},
			{"currentTimeframeRequestCount", count},
		})
	}
	def := s.entities[low[0]]
	if def == nil {
		return notFound(r.URL.Path)
	}
	rest := low[1:]
	switch {
	case len(rest) == 0:
		return s.collectionRoute(r, u, def)
	case rest[0] == "query":
		return s.queryRoute(r, u, def, rest[1:])
	case rest[0] == "entityinformation":
		return s.infoRoute(r, u, def, rest[1:])
	}
	id, isID := parseID(rest[0])
	if def.Plural == entContracts && len(rest) >= 2 {
		if isID {
			return s.contractChildRoute(r, u, id, rest[1:])
		}
		if child := contractChildren[rest[0]]; child != "" && rest[1] == "entityinformation" {
			return s.infoRoute(r, u, s.entities[strings.ToLower(child)], rest[2:])
		}
	}
	if !isID || len(rest) != 1 {
		return notFound(r.URL.Path)
	}
	switch {
	case r.Method != http.MethodGet:
		// No DELETE anywhere here; PATCH/PUT/POST never take an id (ref §3).
		return methodNotAllowed(r.Method, http.MethodGet)
	case def.Plural == entAdjustments:
		// Adjustments cannot be read back (ref §3, §7.6).
		return methodNotAllowed(r.Method, http.MethodPost)
	}
	return s.getByID(r, u, def, id, 0)
}

// collectionRoute handles /{Entity}: create and update (ref §3 table).
func (s *Server) collectionRoute(r *http.Request, u *user, def *entityDef) response {
	switch def.Plural {
	case entContractServices, entContractNotes:
		// Writes exist only on the child route; the root route is absent
		// (ref §3, §11).
		return notFound(r.URL.Path)
	case entUnits:
		return methodNotAllowed(r.Method)
	case entAdjustments:
		if r.Method == http.MethodPost {
			return s.handleAdjustment(r, u, 0)
		}
		return methodNotAllowed(r.Method, http.MethodPost)
	}
	switch r.Method {
	case http.MethodPost:
		return s.handleCreate(r, u, def, 0)
	case http.MethodPatch:
		return s.handleUpdate(r, u, def, false, 0)
	case http.MethodPut:
		return s.handleUpdate(r, u, def, true, 0)
	}
	return methodNotAllowed(r.Method, http.MethodPost, http.MethodPatch, http.MethodPut)
}

// queryRoute handles /{Entity}/query[/count|/next].
func (s *Server) queryRoute(r *http.Request, u *user, def *entityDef, rest []string) response {
	if !def.CanQuery {
		return methodNotAllowed(r.Method)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return methodNotAllowed(r.Method, http.MethodGet, http.MethodPost)
	}
	switch {
	case len(rest) == 0:
		return s.handleQuery(r, u, def, false)
	case len(rest) == 1 && rest[0] == "count":
		return s.handleQuery(r, u, def, true)
	case len(rest) == 1 && rest[0] == "next":
		return s.handleNext(r, u, def)
	}
	return notFound(r.URL.Path)
}

// infoRoute handles /{Entity}/entityInformation[/fields|/userDefinedFields].
func (s *Server) infoRoute(r *http.Request, u *user, def *entityDef, rest []string) response {
	if r.Method != http.MethodGet {
		return methodNotAllowed(r.Method, http.MethodGet)
	}
	switch {
	case len(rest) == 0:
		return s.entityInformation(u, def)
	case len(rest) == 1 && rest[0] == "fields":
		return s.entityFields(def)
	case len(rest) == 1 && rest[0] == "userdefinedfields":
		return ok(map[string]any{"fields": []any{}})
	}
	return notFound(r.URL.Path)
}

// contractChildRoute handles /Contracts/{id}/{child}[...] (ref §3).
func (s *Server) contractChildRoute(r *http.Request, u *user, contractID int64, rest []string) response {
	child := contractChildren[rest[0]]
	if child == "" {
		return notFound(r.URL.Path)
	}
	def := s.entities[strings.ToLower(child)]
	if len(rest) >= 2 && rest[1] == "entityinformation" {
		return s.infoRoute(r, u, def, rest[2:])
	}
	if child == entAdjustments {
		if len(rest) == 1 && r.Method == http.MethodPost {
			return s.handleAdjustment(r, u, contractID)
		}
		return methodNotAllowed(r.Method, http.MethodPost)
	}
	if len(rest) == 2 {
		id, isID := parseID(rest[1])
		if !isID {
			return notFound(r.URL.Path)
		}
		if r.Method != http.MethodGet {
			return methodNotAllowed(r.Method, http.MethodGet)
		}
		return s.getByID(r, u, def, id, contractID)
	}
	if len(rest) != 1 {
		return notFound(r.URL.Path)
	}
	switch {
	case r.Method == http.MethodGet:
		return s.childList(r, u, def, contractID)
	case child == entUnits:
		return methodNotAllowed(r.Method, http.MethodGet)
	case r.Method == http.MethodPost:
		return s.handleCreate(r, u, def, contractID)
	case r.Method == http.MethodPatch:
		return s.handleUpdate(r, u, def, false, contractID)
	case r.Method == http.MethodPut:
		return s.handleUpdate(r, u, def, true, contractID)
	}
	return methodNotAllowed(r.Method, http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut)
}
