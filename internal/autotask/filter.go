package autotask

import (
	"encoding/json"
	"fmt"
	"time"
)

// op is a query operator; only the constructors below produce Filters, so
// an invalid operator cannot be sent (ref §4, VERIFIED op strings).
type op string

const (
	opEq         op = "eq"
	opNotEq      op = "noteq"
	opGt         op = "gt"
	opGte        op = "gte"
	opLt         op = "lt"
	opLte        op = "lte"
	opBeginsWith op = "beginsWith"
	opEndsWith   op = "endsWith"
	opContains   op = "contains"
	opExist      op = "exist"
	opNotExist   op = "notExist"
	opIn         op = "in"
	opNotIn      op = "notIn"
	opAnd        op = "and"
	opOr         op = "or"
)

// Value is what a filter condition may compare against: numbers, strings,
// booleans and times (sent as "2006-01-02T15:04:05Z", UTC).
type Value interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64 |
		~float32 | ~float64 | ~string | ~bool | time.Time | Time
}

// Filter is one query condition or an and/or group. Build it with Eq, In,
// Or, UDF and the other constructors; the zero Filter is invalid.
type Filter struct {
	op    op
	field string
	value any  // scalar, or []any for in/notIn; nil for exist/notExist and groups
	udf   bool // field is a user-defined field label
	items []Filter
}

func leaf[T Value](o op, field string, v T) Filter {
	return Filter{op: o, field: field, value: wireValue(v)}
}

// wireValue converts times to Autotask's format; other values pass through.
func wireValue(v any) any {
	switch t := v.(type) {
	case time.Time:
		return formatTime(t)
	case Time:
		return formatTime(t.Time)
	}
	return v
}

// Eq matches records whose field equals v.
func Eq[T Value](field string, v T) Filter { return leaf(opEq, field, v) }

// NotEq matches records whose field differs from v.
func NotEq[T Value](field string, v T) Filter { return leaf(opNotEq, field, v) }

// Gt matches records whose field is greater than v.
func Gt[T Value](field string, v T) Filter { return leaf(opGt, field, v) }

// Gte matches records whose field is greater than or equal to v.
func Gte[T Value](field string, v T) Filter { return leaf(opGte, field, v) }

// Lt matches records whose field is less than v.
func Lt[T Value](field string, v T) Filter { return leaf(opLt, field, v) }

// Lte matches records whose field is less than or equal to v.
func Lte[T Value](field string, v T) Filter { return leaf(opLte, field, v) }

// BeginsWith matches string fields starting with prefix.
func BeginsWith(field, prefix string) Filter { return leaf(opBeginsWith, field, prefix) }

// EndsWith matches string fields ending with suffix.
func EndsWith(field, suffix string) Filter { return leaf(opEndsWith, field, suffix) }

// Contains matches string fields containing s.
func Contains(field, s string) Filter { return leaf(opContains, field, s) }

// Exist matches records whose field is not null.
func Exist(field string) Filter { return Filter{op: opExist, field: field} }

// NotExist matches records whose field is null.
func NotExist(field string) Filter { return Filter{op: opNotExist, field: field} }

// In matches records whose field equals one of values. Lists longer than
// MaxListValues at the top level of a query are split into several requests
// by the client.
func In[T Value](field string, values ...T) Filter {
	return Filter{op: opIn, field: field, value: listValue(values)}
}

// NotIn matches records whose field equals none of values.
func NotIn[T Value](field string, values ...T) Filter {
	return Filter{op: opNotIn, field: field, value: listValue(values)}
}

func listValue[T Value](values []T) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = wireValue(v)
	}
	return out
}

// And groups conditions that must all hold.
func And(items ...Filter) Filter { return Filter{op: opAnd, items: append([]Filter(nil), items...)} }

// Or groups conditions of which at least one must hold.
func Or(items ...Filter) Filter { return Filter{op: opOr, items: append([]Filter(nil), items...)} }

// UDF marks a condition as applying to a user-defined field, named by its
// label. Autotask allows one UDF condition per query.
func UDF(f Filter) Filter {
	f.udf = true
	return f
}

// isGroup reports whether f is an and/or group.
func (f Filter) isGroup() bool { return f.op == opAnd || f.op == opOr }

// String renders f as its wire JSON, for messages and tests.
func (f Filter) String() string {
	b, err := json.Marshal(f)
	if err != nil {
		return fmt.Sprintf("invalid filter: %v", err)
	}
	return string(b)
}

// wireFilter is the JSON form of a Filter (ref §4 Filter model).
type wireFilter struct {
	Op    string       `json:"op"`
	Field string       `json:"field,omitempty"`
	Value any          `json:"value,omitempty"`
	UDF   bool         `json:"udf,omitempty"`
	Items []wireFilter `json:"items,omitempty"`
}

func (f Filter) wire() wireFilter {
	w := wireFilter{Op: string(f.op), Field: f.field, Value: f.value, UDF: f.udf}
	if f.isGroup() {
		w.Field, w.Value = "", nil
		w.Items = make([]wireFilter, len(f.items))
		for i, it := range f.items {
			w.Items[i] = it.wire()
		}
	}
	return w
}

// MarshalJSON renders the Autotask wire form, e.g.
// {"op":"in","field":"id","value":[1,2,3]} or {"op":"or","items":[...]}.
func (f Filter) MarshalJSON() ([]byte, error) {
	if err := f.validate("filter"); err != nil {
		return nil, err
	}
	return json.Marshal(f.wire())
}

// validate checks a filter tree; where names its position for messages.
func (f Filter) validate(where string) error {
	switch f.op {
	case "":
		return fmt.Errorf("%s is empty; build filters with autotask.Eq, autotask.In, autotask.Or and the other constructors", where)
	case opAnd, opOr:
		if f.udf {
			return fmt.Errorf("%s: autotask.UDF applies to one condition, not to an %s group", where, f.op)
		}
		if len(f.items) == 0 {
			return fmt.Errorf("%s: an %s group needs at least one condition", where, f.op)
		}
		for i, it := range f.items {
			if err := it.validate(fmt.Sprintf("%s item %d", where, i)); err != nil {
				return err
			}
		}
		return nil
	}
	if f.field == "" {
		return fmt.Errorf("%s: the %s condition has no field name", where, f.op)
	}
	if list, ok := f.value.([]any); ok && len(list) == 0 {
		return fmt.Errorf("%s: the %s condition on %q has no values; skip the query or the condition instead", where, f.op, f.field)
	}
	return nil
}

// countUDF counts UDF conditions in f.
func (f Filter) countUDF() int {
	n := 0
	if f.udf {
		n++
	}
	for _, it := range f.items {
		n += it.countUDF()
	}
	return n
}
