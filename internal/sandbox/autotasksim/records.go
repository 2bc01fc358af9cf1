package autotasksim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// writeMode selects how a body is applied to a record.
type writeMode int

const (
	modeCreate  writeMode = iota // API create: read-only fields ignored
	modePatch                    // only supplied fields change
	modePut                      // omitted writable fields become null
	modeFixture                  // fixture load: id and read-only fields allowed
)

// errList is several user-facing messages; each becomes one errors[] entry.
type errList []string

func (e errList) Error() string { return strings.Join(e, "; ") }

// decodeObject decodes a JSON object body, keeping numbers exact.
func decodeObject(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("The request body is not valid JSON (%w); send one JSON object with the entity's fields.", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("The request body must contain a single JSON object.")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("The request body must be a JSON object with the entity's fields.")
	}
	return obj, nil
}

// buildRecord applies body to base (nil on create) for def and returns the
// new record and the canonical names of the fields the body set. Required,
// picklist and reference checks follow in validateRecord.
func buildRecord(def *entityDef, body map[string]any, base record, mode writeMode, parseDate dateParser) (record, map[string]bool, error) {
	rec := record{}
	if base != nil {
		rec = base.clone()
	}
	if mode == modePut {
		for _, f := range def.Fields {
			if !f.ReadOnly && !f.CreateOnly {
				rec[f.Name] = nil
			}
		}
	}
	set := map[string]bool{}
	var errs errList
	for k, v := range body {
		if strings.EqualFold(k, udfKey) {
			udfs, err := parseUDFs(v)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			if mode == modePatch {
				old, _ := rec[udfKey].([]udfValue)
				udfs = mergeUDFs(old, udfs)
			}
			rec[udfKey] = udfs
			continue
		}
		f := def.field(k)
		if f == nil {
			errs = append(errs, errUnknownField(def, k).Error())
			continue
		}
		if f.Name == "id" && mode != modeFixture {
			continue // the id is assigned on create and identifies the row on update
		}
		// INFERRED: read-only fields in a body are ignored, not refused, so a
		// client may send back what it read.
		if f.ReadOnly && mode != modeFixture && f.Name != "id" {
			continue
		}
		if f.CreateOnly && (mode == modePatch || mode == modePut) {
			continue
		}
		cv, err := convertValue(f, v, parseDate)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		rec[f.Name] = cv
		set[f.Name] = true
	}
	if len(errs) > 0 {
		return nil, nil, errs
	}
	return rec, set, nil
}

// validateRecord checks required fields, and picklist values and references
// of the fields in set. Caller holds s.mu.
func (s *Server) validateRecord(def *entityDef, rec record, set map[string]bool) error {
	var errs errList
	for _, f := range def.Fields {
		if f.Required && f.Name != "id" && rec[f.Name] == nil {
			// Text form VERIFIED (ref §11 "Value does not exist for the
			// required field resourceID").
			errs = append(errs, fmt.Sprintf("Value does not exist for the required field %s.", f.Name))
		}
	}
	for _, f := range def.Fields {
		v, isSet := rec[f.Name], set[f.Name]
		if !isSet || v == nil {
			continue
		}
		if f.Picklist != "" {
			if msg := s.checkPicklist(f, v); msg != "" {
				errs = append(errs, msg)
			}
		}
		if f.RefEntity != "" {
			if msg := s.checkReference(f, v); msg != "" {
				errs = append(errs, msg)
			}
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// checkPicklist: the value must exist (VERIFIED text, ref §7.7) and be
// active (INFERRED).
func (s *Server) checkPicklist(f *fieldDef, v any) string {
	val := fmt.Sprint(v)
	for _, p := range s.picklists[f.Picklist] {
		if p.Value == val {
			if !p.IsActive {
				return fmt.Sprintf("Picklist value [%s] (%s) for %s is inactive; choose an active value.", val, p.Label, f.Name)
			}
			return ""
		}
	}
	return fmt.Sprintf("Picklist value [%s] does not exist for %s", val, f.Name)
}

// singularTables maps referenced entity names to the served tables; other
// references (resources, contacts) are not checked.
var singularTables = map[string]string{
	"Company": entCompanies, "Contract": entContracts, "Service": entServices,
	"ContractService": entContractServices,
}

// checkReference: a referenced row must exist. INFERRED (ref §11) text.
func (s *Server) checkReference(f *fieldDef, v any) string {
	name, ok := singularTables[f.RefEntity]
	if !ok {
		return ""
	}
	id, _ := v.(int64)
	if s.tables[name].get(id) == nil {
		return fmt.Sprintf("Reference value on field: %s of type: %s does not exist or is invalid (id %d).", f.Name, f.RefEntity, id)
	}
	return ""
}

// stamp is a creation/modification time as Autotask stores it (ms precision).
func (s *Server) stamp() time.Time { return s.cfg.Clock.Now().Truncate(time.Millisecond) }

// writeBody is the common start of every write: the caller's permission for
// verb on the entity, then the JSON object in the request body. A non-nil
// response is the error to answer with.
func writeBody(r *http.Request, u *user, def *entityDef, verb string) (map[string]any, *response) {
	if !u.can(def.Plural, verb) {
		resp := u.denied(verb)
		return nil, &resp
	}
	raw, err := readBody(r)
	if err != nil {
		resp := failErr(err)
		return nil, &resp
	}
	body, err := decodeObject(raw)
	if err != nil {
		resp := failErr(err)
		return nil, &resp
	}
	return body, nil
}
