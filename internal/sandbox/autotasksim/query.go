package autotasksim

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/simtime"
)

// Query limits and texts (ref §4).
const (
	// maxPageSize bounds MaxRecords (VERIFIED, ref §4).
	maxPageSize = 500
	// maxOrConditions caps OR alternatives (or-group items plus in/notIn list
	// entries). INFERRED (ref §4): the SOAP cap, assumed to hold for REST.
	maxOrConditions = 500
	// maxFilterDepth stops pathological nesting.
	maxFilterDepth = 32
	// nullsMatchNegatedOps: whether a null field matches noteq/notIn.
	// INFERRED (ref §4): SQL semantics, nulls match only exist/notExist.
	nullsMatchNegatedOps = false

	errMaxRecords   = "maxCountOfRecordsToReturn must be between 1 and 500"
	errOrConditions = "Invalid query syntax. Queries are limited to 500 or fewer 'OR' conditions."
	// INFERRED (ref §4): a missing or empty filter is refused.
	errEmptyFilter = `The query needs at least one filter condition; to match every record use {"op":"exist","field":"id"} or {"op":"gte","field":"id","value":0}.`
	// INFERRED (ref §4, "You can only query by one user-defined field at a time").
	errTwoUDFs = "You can only query by one user-defined field at a time."
)

// ops maps lower-case operator names to their canonical spelling (ref §4).
// Operators are matched case-insensitively (INFERRED). Unknown operators are
// refused with 500 (INFERRED, ref §4: one tenant returned everything instead).
var ops = map[string]string{
	"eq": "eq", "noteq": "noteq", "gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte",
	"beginswith": "beginsWith", "endswith": "endsWith", "contains": "contains",
	"exist": "exist", "notexist": "notExist", "in": "in", "notin": "notIn",
	"and": "and", "or": "or",
}

// cond is one compiled filter node.
type cond struct {
	op     string
	field  *fieldDef // nil for groups and UDF conditions
	udf    string    // UDF name when the condition has udf:true
	value  any       // comparable value: float64, string, bool, time.Time or nil
	values []any     // for in / notIn
	items  []*cond   // for and / or
}

// text is the lower-cased operand of beginsWith, endsWith and contains, which
// parsing always stores as a string.
func (c *cond) text() string {
	s, _ := c.value.(string)
	return s
}

// query is a parsed query body.
type query struct {
	filter     []*cond // implicitly AND-ed
	include    []*fieldDef
	maxRecords int // 0 = not given
	filterHash string
}

// pageSize is MaxRecords or the default of 500.
func (q *query) pageSize() int {
	if q.maxRecords == 0 {
		return maxPageSize
	}
	return q.maxRecords
}

// parseQuery parses a query body (POST) or search parameter (GET) for the
// entity def. Errors carry the text to return in errors[].
func parseQuery(def *entityDef, raw []byte) (*query, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var top any
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("Unable to parse the query: it must be a JSON object such as {\"filter\":[{\"op\":\"exist\",\"field\":\"id\"}]} (%w).", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("Unable to parse the query: unexpected data after the JSON object.")
	}
	obj, ok := top.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("Unable to parse the query: it must be a JSON object such as {\"filter\":[{\"op\":\"exist\",\"field\":\"id\"}]}.")
	}
	q := &query{}
	var filterRaw any
	for k, v := range obj {
		switch strings.ToLower(k) {
		case "filter":
			filterRaw = v
		case "maxrecords":
			if v == nil {
				continue
			}
			n, ok := asNumber(v)
			if !ok || n != float64(int(n)) || n < 1 || n > maxPageSize {
				return nil, errors.New(errMaxRecords)
			}
			q.maxRecords = int(n)
		case "includefields":
			if v == nil {
				continue
			}
			arr, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("IncludeFields must be an array of field names.")
			}
			for _, it := range arr {
				name, _ := it.(string)
				f := def.field(name)
				if f == nil {
					return nil, errUnknownField(def, render(it))
				}
				q.include = append(q.include, f)
			}
		}
	}
	items, ok := filterRaw.([]any)
	if filterRaw != nil && !ok {
		return nil, fmt.Errorf("The filter must be an array of conditions, e.g. [{\"op\":\"eq\",\"field\":\"id\",\"value\":1}].")
	}
	if len(items) == 0 {
		return nil, errors.New(errEmptyFilter)
	}
	p := &condParser{def: def}
	for _, it := range items {
		c, err := p.parse(it, 1)
		if err != nil {
			return nil, err
		}
		q.filter = append(q.filter, c)
	}
	if p.udfs > 1 {
		return nil, errors.New(errTwoUDFs)
	}
	if p.ors > maxOrConditions {
		return nil, errors.New(errOrConditions)
	}
	canon, _ := json.Marshal(filterRaw)
	sum := sha256.Sum256(canon)
	q.filterHash = hex.EncodeToString(sum[:8])
	return q, nil
}

// errUnknownField is the VERIFIED unknown-field text (ref §4).
func errUnknownField(def *entityDef, name string) error {
	return fmt.Errorf("Unable to find %s in the %s Entity.", name, def.Singular)
}

type condParser struct {
	def  *entityDef
	udfs int
	ors  int
}

func (p *condParser) parse(v any, depth int) (*cond, error) {
	if depth > maxFilterDepth {
		return nil, fmt.Errorf("Invalid query syntax: filter groups are nested more than %d levels deep.", maxFilterDepth)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("Invalid query syntax: each filter condition must be an object like {\"op\":\"eq\",\"field\":\"id\",\"value\":1}.")
	}
	var opRaw, fieldRaw, value, itemsRaw any
	hasValue, udf := false, false
	for k, x := range obj {
		switch strings.ToLower(k) {
		case "op":
			opRaw = x
		case "field":
			fieldRaw = x
		case "value":
			value, hasValue = x, true
		case "items":
			itemsRaw = x
		case "udf":
			b, isBool := x.(bool)
			if !isBool && x != nil {
				return nil, fmt.Errorf("Invalid query syntax: udf must be true or false.")
			}
			udf = b
		}
	}
	opName, _ := opRaw.(string)
	op, known := ops[strings.ToLower(opName)]
	if !known {
		return nil, fmt.Errorf("Invalid query syntax: unknown operator '%s'. Use one of eq, noteq, gt, gte, lt, lte, beginsWith, endsWith, contains, exist, notExist, in, notIn, and, or.", render(opRaw))
	}
	c := &cond{op: op}
	if op == "and" || op == "or" {
		arr, _ := itemsRaw.([]any)
		if len(arr) == 0 {
			return nil, fmt.Errorf("Invalid query syntax: the '%s' group needs a non-empty items array.", op)
		}
		if op == "or" {
			p.ors += len(arr)
		}
		for _, it := range arr {
			sub, err := p.parse(it, depth+1)
			if err != nil {
				return nil, err
			}
			c.items = append(c.items, sub)
		}
		return c, nil
	}
	name, _ := fieldRaw.(string)
	if name == "" {
		return nil, fmt.Errorf("Invalid query syntax: the '%s' condition needs a field.", op)
	}
	kind := typeString
	if udf {
		p.udfs++
		c.udf = name
	} else {
		c.field = p.def.field(name)
		if c.field == nil {
			return nil, errUnknownField(p.def, name)
		}
		kind = c.field.DataType
	}
	switch op {
	case "exist", "notExist":
		return c, nil
	case "in", "notIn":
		arr, ok := value.([]any)
		if !ok || len(arr) == 0 {
			return nil, fmt.Errorf("Invalid query syntax: '%s' on %s needs a non-empty array value.", op, name)
		}
		p.ors += len(arr)
		for _, it := range arr {
			cv, err := queryValue(kind, name, it)
			if err != nil {
				return nil, err
			}
			c.values = append(c.values, cv)
		}
		return c, nil
	case "beginsWith", "endsWith", "contains":
		if !hasValue || value == nil {
			return nil, fmt.Errorf("Invalid query syntax: '%s' on %s needs a value.", op, name)
		}
		c.value = strings.ToLower(render(value))
		return c, nil
	}
	if !hasValue || value == nil {
		if op == "eq" || op == "noteq" {
			// INFERRED: eq/noteq null behave like notExist/exist.
			return c, nil
		}
		return nil, fmt.Errorf("Invalid query syntax: '%s' on %s needs a value.", op, name)
	}
	cv, err := queryValue(kind, name, value)
	if err != nil {
		return nil, err
	}
	c.value = cv
	return c, nil
}

// queryValue converts a filter value to a comparable form for a field type.
func queryValue(kind, field string, v any) (any, error) {
	switch kind {
	case typeInteger, typeLong, typeShort, typeDecimal, typeDouble:
		n, ok := asNumber(v)
		if !ok {
			return nil, fmt.Errorf("Invalid query: value '%s' for field %s is not a number.", render(v), field)
		}
		return n, nil
	case typeBoolean:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("Invalid query: value '%s' for field %s must be true or false.", render(v), field)
		}
		return b, nil
	case typeDateTime:
		s, _ := v.(string)
		t, err := simtime.ParseAutotaskTime(s)
		if err != nil {
			return nil, fmt.Errorf("Invalid query: value '%s' for field %s is not a date; use yyyy-MM-ddTHH:mm:ss.", render(v), field)
		}
		return t, nil
	}
	return render(v), nil
}

// matchAll reports whether r satisfies every condition (implicit AND).
func matchAll(conds []*cond, r record) bool {
	for _, c := range conds {
		if !c.match(r) {
			return false
		}
	}
	return true
}

func (c *cond) match(r record) bool {
	switch c.op {
	case "and":
		return matchAll(c.items, r)
	case "or":
		for _, it := range c.items {
			if it.match(r) {
				return true
			}
		}
		return false
	}
	actual := c.actual(r)
	switch c.op {
	case "exist":
		return actual != nil
	case "notExist":
		return actual == nil
	}
	if actual == nil {
		switch c.op {
		case "eq":
			return c.value == nil
		case "noteq":
			return c.value != nil && nullsMatchNegatedOps
		case "notIn":
			return nullsMatchNegatedOps
		}
		return false
	}
	cmp := compare
	if c.field == nil {
		cmp = compareUDF
	}
	switch c.op {
	case "eq":
		return c.value != nil && cmp(actual, c.value) == 0
	case "noteq":
		return c.value == nil || cmp(actual, c.value) != 0
	case "gt":
		return cmp(actual, c.value) > 0
	case "gte":
		return cmp(actual, c.value) >= 0
	case "lt":
		return cmp(actual, c.value) < 0
	case "lte":
		return cmp(actual, c.value) <= 0
	case "beginsWith":
		return strings.HasPrefix(textOf(actual), c.text())
	case "endsWith":
		return strings.HasSuffix(textOf(actual), c.text())
	case "contains":
		return strings.Contains(textOf(actual), c.text())
	case "in", "notIn":
		in := false
		for _, v := range c.values {
			if cmp(actual, v) == 0 {
				in = true
				break
			}
		}
		return in == (c.op == "in")
	}
	return false
}

// actual is the record's comparable value for the condition's field.
func (c *cond) actual(r record) any {
	if c.field == nil {
		udfs, _ := r[udfKey].([]udfValue)
		for _, u := range udfs {
			if strings.EqualFold(u.Name, c.udf) && u.Value != nil {
				return *u.Value
			}
		}
		return nil
	}
	switch v := r[c.field.Name].(type) {
	case int64:
		return float64(v)
	case nil:
		return nil
	default:
		return v
	}
}

// textOf is the lower-case text of a stored value for string operators.
func textOf(v any) string {
	if f, ok := v.(float64); ok {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strings.ToLower(render(v))
}

// compare orders two comparable values. Strings compare case-insensitively
// (INFERRED, ref §4); mismatched kinds compare by their text.
func compare(a, b any) int {
	switch x := a.(type) {
	case float64:
		if y, ok := asNumber(b); ok {
			return cmpFloat(x, y)
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y)
		}
	case bool:
		if y, ok := b.(bool); ok {
			if x == y {
				return 0
			}
			if !x {
				return -1
			}
			return 1
		}
	}
	return strings.Compare(textOf(a), textOf(b))
}

// compareUDF compares a UDF value (always a string on the wire, ref §5)
// numerically when both sides are numbers, else as case-insensitive text.
func compareUDF(a, b any) int {
	x, y := textOf(a), textOf(b)
	if fx, okx := asNumber(x); okx {
		if fy, oky := asNumber(y); oky {
			return cmpFloat(fx, fy)
		}
	}
	return strings.Compare(x, y)
}

func cmpFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}
