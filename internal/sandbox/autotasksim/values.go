package autotasksim

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/simtime"
)

// record is one stored entity row keyed by canonical field name. Values are
// int64, float64, string, bool, time.Time or nil; "userDefinedFields" holds
// []udfValue.
type record map[string]any

// udfKey is the record key of the user-defined field values.
const udfKey = "userDefinedFields"

// udfValue is one user-defined field value; values are strings on the wire.
type udfValue struct {
	Name  string  `json:"name"`
	Value *string `json:"value"`
}

func (r record) id() int64 { v, _ := r["id"].(int64); return v }

func (r record) int(name string) int64 { v, _ := r[name].(int64); return v }

func (r record) time(name string) time.Time { v, _ := r[name].(time.Time); return v }

func (r record) clone() record {
	c := make(record, len(r))
	for k, v := range r {
		if u, ok := v.([]udfValue); ok {
			v = append([]udfValue(nil), u...)
		}
		c[k] = v
	}
	return c
}

// dateParser turns an input date string into a time; the API uses
// simtime.ParseAutotaskTime, fixtures also accept relative dates.
type dateParser func(string) (time.Time, error)

// convertValue converts a decoded JSON value to the stored form of field f.
// Errors are user-facing texts. INFERRED (ref §11): Autotask's exact
// conversion error texts are not documented.
func convertValue(f *fieldDef, v any, parseDate dateParser) (any, error) {
	if v == nil {
		return nil, nil
	}
	bad := func() error {
		return fmt.Errorf("Unable to convert value '%s' for field %s to type %s.", render(v), f.Name, f.DataType)
	}
	switch f.DataType {
	case typeInteger, typeLong, typeShort:
		n, ok := asNumber(v)
		if !ok || n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return nil, bad()
		}
		if f.DataType == typeInteger && (n > math.MaxInt32 || n < math.MinInt32) ||
			f.DataType == typeShort && (n > math.MaxInt16 || n < math.MinInt16) {
			return nil, bad()
		}
		return int64(n), nil
	case typeDecimal, typeDouble:
		n, ok := asNumber(v)
		if !ok {
			return nil, bad()
		}
		return n, nil
	case typeBoolean:
		// Booleans must be real JSON booleans (ref §4, §11).
		b, ok := v.(bool)
		if !ok {
			return nil, bad()
		}
		return b, nil
	case typeDateTime:
		s, ok := v.(string)
		if !ok {
			return nil, bad()
		}
		t, err := parseDate(s)
		if err != nil {
			return nil, fmt.Errorf("Unable to convert value '%s' for field %s to a date: use yyyy-MM-ddTHH:mm:ss.", s, f.Name)
		}
		return t, nil
	default:
		switch x := v.(type) {
		case string:
			if f.Length > 0 && len([]rune(x)) > f.Length {
				return nil, fmt.Errorf("The value for field %s exceeds the maximum length of %d characters.", f.Name, f.Length)
			}
			return x, nil
		case json.Number:
			return x.String(), nil
		case bool:
			return strconv.FormatBool(x), nil
		}
		return nil, bad()
	}
}

// asNumber reads a JSON number or a numeric string (some clients send
// decimals as strings and Autotask accepts them, ref §11).
func asNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
	}
	return 0, false
}

// render turns a value into short text for error messages.
func render(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case time.Time:
		return simtime.FormatAutotaskTime(x)
	case nil:
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// wireValue is the JSON form of a stored value.
func wireValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return simtime.FormatAutotaskTime(x)
	case []udfValue:
		if x == nil {
			return []udfValue{}
		}
		return x
	}
	return v
}

// parseUDFs reads a userDefinedFields array from a request body.
func parseUDFs(v any) ([]udfValue, error) {
	arr, ok := v.([]any)
	if v == nil {
		return nil, nil
	}
	if !ok {
		return nil, fmt.Errorf("userDefinedFields must be an array of {\"name\",\"value\"} objects.")
	}
	out := make([]udfValue, 0, len(arr))
	for _, it := range arr {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("userDefinedFields must be an array of {\"name\",\"value\"} objects.")
		}
		var u udfValue
		for k, val := range m {
			switch strings.ToLower(k) {
			case "name":
				s, _ := val.(string)
				u.Name = s
			case "value":
				if val != nil {
					s := render(val)
					u.Value = &s
				}
			}
		}
		if u.Name == "" {
			return nil, fmt.Errorf("Each userDefinedFields entry needs a name.")
		}
		out = append(out, u)
	}
	return out, nil
}

// mergeUDFs overlays upd on base by name (case-insensitive).
func mergeUDFs(base, upd []udfValue) []udfValue {
	out := append([]udfValue(nil), base...)
	for _, u := range upd {
		found := false
		for i := range out {
			if strings.EqualFold(out[i].Name, u.Name) {
				out[i].Value = u.Value
				found = true
			}
		}
		if !found {
			out = append(out, u)
		}
	}
	return out
}
