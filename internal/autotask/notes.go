package autotask

// ContractNotes (VERIFIED official: swagger v1.json ContractNotes and
// ContractNotesChild operations, REST ContractNotes entity page): root
// GET /V1.0/ContractNotes/{id}, query and count; create and update only
// through the child route /V1.0/Contracts/{contractId}/Notes (POST, PATCH,
// PUT); no DELETE. title is a string(250), description a string(8000); the
// API returns the plain-text version of a description.
const (
	EntityContractNotes = "ContractNotes"
	// ChildNotes is the child route under Contracts: /V1.0/Contracts/{id}/Notes.
	ChildNotes = "Notes"
	// MaxNoteTitle and MaxNoteDescription are the field lengths (VERIFIED
	// official entity page).
	MaxNoteTitle       = 250
	MaxNoteDescription = 8000
)

// ContractNote is a ContractNotes record.
type ContractNote struct {
	ID                int64  `json:"id,omitempty"`
	ContractID        int64  `json:"contractID,omitempty"`
	Title             string `json:"title,omitempty"`
	Description       string `json:"description,omitempty"`
	CreateDateTime    Time   `json:"createDateTime,omitzero"`
	LastActivityDate  Time   `json:"lastActivityDate,omitzero"`
	CreatorResourceID int64  `json:"creatorResourceID,omitempty"`
}
