package autotasksim

import "time"

// ContractNotes: notes on a contract (ref: Autotask REST entity
// ContractNotes, VERIFIED official swagger v1.json and the ContractNotes
// entity page). The root route serves GET by id, query and count; creates
// and updates go through the child route /Contracts/{id}/Notes (POST, PATCH,
// PUT, GET); there is no DELETE. title is a string(250), description a
// string(8000). Notes never reach an invoice, which is why the provider
// records its billing claims on them.
const entContractNotes = "ContractNotes"

// contractNotesDef describes the ContractNotes entity. Required flags follow
// the entity page and anteris' non-nullable properties (contractID, title,
// description); INFERRED (ref §7.0) that Autotask answers a missing one
// with the usual "Value does not exist for the required field" text.
func contractNotesDef() *entityDef {
	return &entityDef{
		Plural: entContractNotes, Singular: "ContractNote", CanCreate: true, CanUpdate: true, CanQuery: true,
		IDBase: 29820000,
		Fields: []*fieldDef{
			idField(),
			req(createOnly(ref(typed("contractID", typeInteger), "Contract"))),
			req(str("title", 250)),
			req(str("description", 8000)),
			ro(typed("createDateTime", typeDateTime)),
			ro(typed("creatorResourceID", typeInteger)),
			ro(typed("lastActivityDate", typeDateTime)),
			ro(typed("impersonatorCreatorResourceID", typeInteger)),
			ro(typed("impersonatorUpdaterResourceID", typeInteger)),
		},
	}
}

// noteCreateDefaults stamps a new note.
func noteCreateDefaults(rec record, now time.Time) {
	setDefault(rec, "createDateTime", now)
	setDefault(rec, "lastActivityDate", now)
}

// noteNotOwn reports whether, with NotesCreatorOnly, u may not update the
// note base: its update access to ContractNotes is "Restricted" (limited
// contract access) and another resource created the note. Caller holds s.mu.
func (s *Server) noteNotOwn(u *user, def *entityDef, base record) bool {
	if def.Plural != entContractNotes || u == nil {
		return false
	}
	if b, _ := s.beh.get(); !b.NotesCreatorOnly {
		return false
	}
	return u.access(entContractNotes, verbUpdate) == AccessRestricted && base.int("creatorResourceID") != u.resourceID
}

// noteUpdateDefaults stamps an updated note.
func noteUpdateDefaults(rec record, now time.Time) { rec["lastActivityDate"] = now }
