package claims

import (
	"errors"
	"fmt"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
)

// NoteNotEditableError says Autotask refused this API user's update of a
// claim note (a release or a take-over). Autotask lets a user whose
// security level gives it limited access to contracts update only the notes
// it created (ContractNotes entity page), so a claim made by another API
// user (a rotated or CI user, another configuration's) cannot be released
// by it. That Autotask answers it with its permission text is INFERRED;
// the sandbox's notesCreatorOnly setting answers so.
type NoteNotEditableError struct {
	Claim LineClaim
	// Autotask is Autotask's own answer.
	Autotask string
}

func (e *NoteNotEditableError) Error() string {
	return fmt.Sprintf("Autotask refused this API user's update of the billing claim of %s on contract service line %d "+
		"(Autotask said: %s). Autotask lets an API user whose security level gives it limited access to contracts "+
		"update only the notes it created, and this claim note was created by another API user (the user of an "+
		"earlier run, such as a rotated or CI user, or another configuration's). The claim stays active. To release "+
		"or take it over, run with the API user that created the note, give this API user's security level full "+
		"access to contracts (Admin > Account Settings & Users > Security Levels), or edit the note in Autotask and "+
		"change \"Status: active\" to \"Status: released\"", e.Claim.Describe(), e.Claim.LineID, e.Autotask)
}

// noteUpdateRefused turns Autotask's refusal to update a claim note into a
// *NoteNotEditableError; other errors are returned as they are.
func noteUpdateRefused(err error, c LineClaim) error {
	var perm *autotask.PermissionError
	if !errors.As(err, &perm) || perm.Operation != autotask.OpUpdate {
		return err
	}
	said := fmt.Sprintf("HTTP %d", perm.API.StatusCode)
	if len(perm.API.Messages) > 0 {
		said = fmt.Sprintf("%q", perm.API.Messages[0])
	}
	return &NoteNotEditableError{Claim: c, Autotask: said}
}
