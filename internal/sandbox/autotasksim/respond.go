package autotasksim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// Common error texts.
const (
	errZone        = "Zone information could not be determined"                                              // VERIFIED (ref §1, §2)
	errIntegration = "IntegrationCode is invalid."                                                           // VERIFIED (ref §2)
	errPermission  = "The logged in Resource does not have the adequate permissions to %s this entity type." // VERIFIED (ref §9)
	// errGeneric is what Autotask answers for some business-rule failures.
	// INFERRED (ref §7.6, §13): text of the contract-not-started failure.
	errGeneric = "An unexpected error has occurred. Please contact Autotask Support."
)

// response is what a route handler produces.
type response struct {
	status  int
	body    any // nil with empty=true sends no body
	empty   bool
	headers map[string]string
}

func ok(body any) response { return response{status: http.StatusOK, body: body} }

// fail builds a {"errors":[...]} response.
func fail(status int, msg string, args ...any) response {
	if len(args) > 0 {
		msg = fmt.Sprintf(msg, args...)
	}
	return response{status: status, body: map[string]any{"errors": []string{msg}}}
}

// failErr turns an error into a 500 errors[] response (Autotask reports
// validation and business-rule failures as 500, ref §11).
func failErr(err error) response {
	var list errList
	if errors.As(err, &list) {
		return response{status: http.StatusInternalServerError, body: map[string]any{"errors": []string(list)}}
	}
	return fail(http.StatusInternalServerError, "%s", err.Error())
}

// methodNotAllowed mimics the ASP.NET 405. INFERRED (ref §2, §3): the body
// shape is not verified; the text is.
func methodNotAllowed(method string, allow ...string) response {
	resp := fail(http.StatusMethodNotAllowed, "The requested resource does not support http method '%s'.", method)
	if len(allow) > 0 {
		allowed := ""
		for i, a := range allow {
			if i > 0 {
				allowed += ", "
			}
			allowed += a
		}
		resp.headers = map[string]string{"Allow": allowed}
	}
	return resp
}

func notFound(path string) response {
	return fail(http.StatusNotFound, "No HTTP resource was found that matches the request URI '%s'.", path)
}

func (resp response) write(w http.ResponseWriter) {
	for k, v := range resp.headers {
		w.Header().Set(k, v)
	}
	if resp.empty {
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(resp.status)
		return
	}
	b, err := marshal(resp.body)
	if err != nil {
		resp = fail(http.StatusInternalServerError, "the emulator could not encode its response: %v", err)
		b, _ = marshal(resp.body)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(resp.status)
	_, _ = w.Write(b)
}

// object is a JSON object that keeps its key order.
type object []kv

type kv struct {
	k string
	v any
}

// MarshalJSON writes the pairs in order.
func (o object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, p := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := marshal(p.k)
		buf.Write(k)
		buf.WriteByte(':')
		v, err := marshal(p.v)
		if err != nil {
			return nil, err
		}
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// renderRecord is the wire form of a row: every field (absent ones null)
// or, with include, only id + the included fields, then userDefinedFields.
func renderRecord(def *entityDef, r record, include []*fieldDef) object {
	out := make(object, 0, len(def.Fields)+1)
	wanted := func(f *fieldDef) bool {
		if include == nil || f.Name == "id" {
			return true
		}
		for _, x := range include {
			if x == f {
				return true
			}
		}
		return false
	}
	for _, f := range def.Fields {
		if wanted(f) {
			out = append(out, kv{f.Name, wireValue(r[f.Name])})
		}
	}
	udfs, _ := r[udfKey].([]udfValue)
	return append(out, kv{udfKey, wireValue(udfs)})
}

// marshal encodes v without HTML escaping, as ASP.NET does ("&" stays "&"
// in nextPageUrl).
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
