package autotask

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// MaxRecordsLimit is the largest page size Autotask accepts (ref §4, VERIFIED).
const MaxRecordsLimit = 500

// MaxListValues is the most values one in/notIn list may carry in a single
// query. INFERRED (ref §4): the SOAP cap of 500 OR conditions is assumed to
// apply to REST as well.
const MaxListValues = 500

// matchAll is sent when a query has no filter: a filter is effectively
// required and every client sends this sentinel. INFERRED (ref §4) that an
// empty filter would be refused.
var matchAll = Gte("id", 0)

// QuerySpec is the body of POST /V1.0/{Entity}/query. (It is not called
// Query because the generic function Query runs it.)
type QuerySpec struct {
	// Filter conditions, implicitly AND-ed. Empty means all records.
	Filter []Filter
	// IncludeFields limits the returned fields (plus id and
	// userDefinedFields). "id" is added when missing, because paging past 500
	// records needs it (ref §4).
	IncludeFields []string
	// MaxRecords is the page size, 1..500; 0 leaves Autotask's default (500).
	MaxRecords int
}

// wireQuery is the JSON form, keys as in the official examples (ref §4).
type wireQuery struct {
	Filter        []Filter `json:"filter"`
	IncludeFields []string `json:"IncludeFields,omitempty"`
	MaxRecords    int      `json:"MaxRecords,omitempty"`
}

// MarshalJSON renders {"filter":[...],"IncludeFields":[...],"MaxRecords":N}.
func (q QuerySpec) MarshalJSON() ([]byte, error) {
	if err := q.validate(); err != nil {
		return nil, err
	}
	return json.Marshal(q.wire())
}

func (q QuerySpec) wire() wireQuery {
	w := wireQuery{Filter: q.Filter, MaxRecords: q.MaxRecords}
	if len(w.Filter) == 0 {
		w.Filter = []Filter{matchAll}
	}
	if len(q.IncludeFields) > 0 {
		w.IncludeFields = append([]string(nil), q.IncludeFields...)
		hasID := false
		for _, f := range q.IncludeFields {
			hasID = hasID || strings.EqualFold(f, "id")
		}
		if !hasID {
			w.IncludeFields = append(w.IncludeFields, "id")
		}
	}
	return w
}

// validate checks everything Autotask would refuse, before any request.
func (q QuerySpec) validate() error {
	if q.MaxRecords != 0 && (q.MaxRecords < 1 || q.MaxRecords > MaxRecordsLimit) {
		return fmt.Errorf("MaxRecords is %d; Autotask accepts 1 to %d (0 uses the default of %d)",
			q.MaxRecords, MaxRecordsLimit, MaxRecordsLimit)
	}
	for i, f := range q.IncludeFields {
		if strings.TrimSpace(f) == "" {
			return fmt.Errorf("IncludeFields[%d] is empty; list field names such as %q", i, "companyName")
		}
	}
	return validateFilters(q.Filter)
}

func validateFilters(filters []Filter) error {
	udf := 0
	for i, f := range filters {
		if err := f.validate(fmt.Sprintf("filter %d", i)); err != nil {
			return err
		}
		udf += f.countUDF()
	}
	if udf > 1 {
		return fmt.Errorf("the query has %d user-defined-field conditions; Autotask allows only one per query", udf)
	}
	return nil
}

// splitFilters rewrites filters so that no in/notIn list exceeds
// MaxListValues, returning one filter set per request to send. A top-level
// in list is split across requests (results are disjoint, so they can be
// concatenated); a notIn list anywhere becomes an AND of smaller notIn lists
// in the same request. An oversized in list inside a group cannot be split
// transparently and is refused with an explanation.
func splitFilters(filters []Filter) ([][]Filter, error) {
	rewritten := make([]Filter, len(filters))
	for i, f := range filters {
		nf, err := splitNotIn(f, false)
		if err != nil {
			return nil, err
		}
		rewritten[i] = nf
	}
	for i, f := range rewritten {
		list, _ := f.value.([]any)
		if f.op != opIn || len(list) <= MaxListValues {
			continue
		}
		var out [][]Filter
		for _, chunk := range chunkValues(dedupe(list)) {
			next := append(append([]Filter(nil), rewritten[:i]...), Filter{op: opIn, field: f.field, value: chunk, udf: f.udf})
			next = append(next, rewritten[i+1:]...)
			more, err := splitFilters(next)
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
		}
		return out, nil
	}
	return [][]Filter{rewritten}, nil
}

// splitNotIn rewrites oversized notIn lists into AND groups and refuses
// oversized in lists below the top level.
func splitNotIn(f Filter, nested bool) (Filter, error) {
	if f.isGroup() {
		items := make([]Filter, len(f.items))
		for i, it := range f.items {
			nf, err := splitNotIn(it, true)
			if err != nil {
				return Filter{}, err
			}
			items[i] = nf
		}
		f.items = items
		return f, nil
	}
	list, _ := f.value.([]any)
	if len(list) <= MaxListValues {
		return f, nil
	}
	switch {
	case f.op == opNotIn:
		var parts []Filter
		for _, chunk := range chunkValues(dedupe(list)) {
			parts = append(parts, Filter{op: opNotIn, field: f.field, value: chunk, udf: f.udf})
		}
		return Filter{op: opAnd, items: parts}, nil
	case f.op == opIn && nested:
		return Filter{}, fmt.Errorf("an in condition on %q inside an and/or group has %d values; Autotask accepts at most %d "+
			"per query. Put it at the top level of QuerySpec.Filter so the client can split it, or shorten the list",
			f.field, len(list), MaxListValues)
	}
	return f, nil
}

func dedupe(list []any) []any {
	seen := make(map[string]bool, len(list))
	out := make([]any, 0, len(list))
	for _, v := range list {
		k := fmt.Sprintf("%T:%v", v, v)
		if !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out
}

func chunkValues(list []any) [][]any {
	var out [][]any
	for len(list) > MaxListValues {
		out = append(out, list[:MaxListValues:MaxListValues])
		list = list[MaxListValues:]
	}
	return append(out, list)
}

// queryBodies validates q and returns the JSON bodies to send (several when
// a long in list was split).
func queryBodies(q QuerySpec) ([][]byte, error) {
	if err := q.validate(); err != nil {
		return nil, err
	}
	sets, err := splitFilters(q.Filter)
	if err != nil {
		return nil, err
	}
	bodies := make([][]byte, 0, len(sets))
	for _, set := range sets {
		part := q
		part.Filter = set
		b, err := json.Marshal(part.wire())
		if err != nil {
			return nil, fmt.Errorf("encoding the query: %w", err)
		}
		bodies = append(bodies, b)
	}
	return bodies, nil
}

// countBodies returns the bodies for POST .../query/count.
func countBodies(filters []Filter) ([][]byte, error) {
	if err := validateFilters(filters); err != nil {
		return nil, err
	}
	sets, err := splitFilters(filters)
	if err != nil {
		return nil, err
	}
	bodies := make([][]byte, 0, len(sets))
	for _, set := range sets {
		if len(set) == 0 {
			set = []Filter{matchAll}
		}
		b, err := json.Marshal(struct {
			Filter []Filter `json:"filter"`
		}{set})
		if err != nil {
			return nil, fmt.Errorf("encoding the count query: %w", err)
		}
		bodies = append(bodies, b)
	}
	if len(bodies) == 0 {
		return nil, errors.New("internal error: no count query built")
	}
	return bodies, nil
}
