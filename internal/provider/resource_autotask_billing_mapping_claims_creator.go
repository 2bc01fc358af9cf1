package provider

// noteNotEditableSummary is the summary when Autotask refuses this API
// user's release or take-over of a claim note another user created
// (claims.NoteNotEditableError): a user with limited contract access may
// update only the notes it created.
const noteNotEditableSummary = "Billing claim note not editable by this API user"
