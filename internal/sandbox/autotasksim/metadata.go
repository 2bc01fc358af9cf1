package autotasksim

import (
	"fmt"
	"strconv"
	"strings"
)

// entityInformation answers /{Entity}/entityInformation (ref §7.0): can*
// reflect the API, userAccessFor* the caller, as strings (ref §13).
func (s *Server) entityInformation(u *user, def *entityDef) response {
	if u.MissingPermissionStatus == 401 && u.noAccess(def.Plural) {
		// INFERRED (issue 11): a user whose missing permissions answer 401
		// gets a 401 for an entity it has no access to at all, also on
		// entityInformation (an entity probe).
		return u.denied(verbQuery)
	}
	return ok(map[string]any{"info": object{
		{"name", def.Singular},
		{"canCreate", def.CanCreate},
		{"canDelete", false},
		{"canQuery", def.CanQuery},
		{"canUpdate", def.CanUpdate},
		{"userAccessForCreate", u.access(def.Plural, verbCreate)},
		{"userAccessForDelete", u.access(def.Plural, verbDelete)},
		{"userAccessForQuery", u.access(def.Plural, verbQuery)},
		{"userAccessForUpdate", u.access(def.Plural, verbUpdate)},
		{"hasUserDefinedFields", def.HasUDFs},
		{"supportsWebhookCallouts", def.Webhooks},
	}})
}

// entityFields answers /{Entity}/entityInformation/fields (ref §7.0).
func (s *Server) entityFields(def *entityDef) response {
	fields := make([]object, 0, len(def.Fields))
	for _, f := range def.Fields {
		var values any
		if f.Picklist != "" {
			list := make([]object, 0, len(s.picklists[f.Picklist]))
			for _, p := range s.picklists[f.Picklist] {
				list = append(list, object{
					{"value", p.Value}, {"label", p.Label}, {"isDefaultValue", p.IsDefaultValue},
					{"sortOrder", p.SortOrder}, {"parentValue", ""}, {"isActive", p.IsActive}, {"isSystem", p.IsSystem},
				})
			}
			values = list
		}
		fields = append(fields, object{
			{"name", f.Name},
			{"dataType", f.DataType},
			{"length", f.Length},
			{"isRequired", f.Required},
			{"isReadOnly", f.ReadOnly},
			{"isQueryable", def.CanQuery},
			{"isReference", f.RefEntity != ""},
			{"referenceEntityType", f.RefEntity},
			{"isPickList", f.Picklist != ""},
			{"picklistValues", values},
			{"picklistParentValueField", ""},
			{"isSupportedWebhookField", def.Webhooks},
		})
	}
	return ok(map[string]any{"fields": fields})
}

// loadTicketPicklists installs the fixture's ticket picklists (keys
// queueID, status, priority), falling back to defaults for missing keys.
func (s *Server) loadTicketPicklists(in map[string][]PicklistValue) error {
	for k, v := range defaultTicketPicklists {
		s.picklists[k] = v
	}
	for key, values := range in {
		var name string
		for _, known := range []string{plTicketQueue, plTicketStatus, plTicketPriority} {
			if strings.EqualFold(key, known) {
				name = known
			}
		}
		if name == "" {
			return fmt.Errorf("ticketPicklists: unknown key %q; use queueID, status or priority", key)
		}
		seen := map[string]bool{}
		for i, p := range values {
			if _, err := strconv.ParseInt(p.Value, 10, 32); err != nil {
				return fmt.Errorf("ticketPicklists.%s[%d]: value %q must be an integer written as a string, e.g. \"5\"", key, i, p.Value)
			}
			if seen[p.Value] {
				return fmt.Errorf("ticketPicklists.%s[%d]: value %q is listed twice", key, i, p.Value)
			}
			if strings.TrimSpace(p.Label) == "" {
				return fmt.Errorf("ticketPicklists.%s[%d]: value %q needs a label", key, i, p.Value)
			}
			seen[p.Value] = true
		}
		s.picklists[name] = append([]PicklistValue(nil), values...)
	}
	return nil
}
