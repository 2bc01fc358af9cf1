package autotasksim

import (
	"fmt"
	"strings"
	"testing"
)

// TestContractNotes follows the entity's route table: child create, update
// and list under /Contracts/{id}/Notes, root GET/query/count, no root
// writes, no DELETE, field limits and required fields.
func TestContractNotes(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	a := e.api("POST", "Contracts/2001/Notes", map[string]any{"title": "Petra billing claim: line 4001", "description": "Status: active"})
	expectStatus(t, a, 200)
	b := e.api("POST", "Contracts/2004/Notes", map[string]any{"contractID": 2004, "title": "Other", "description": "x"})
	expectStatus(t, b, 200)
	if a.itemID() >= b.itemID() {
		t.Fatalf("note ids %d, %d are not ascending", a.itemID(), b.itemID())
	}
	it := e.api("GET", fmt.Sprintf("ContractNotes/%d", a.itemID()), nil).item()
	if num(it["contractID"]) != 2001 || it["title"] != "Petra billing claim: line 4001" || it["createDateTime"] == nil {
		t.Fatalf("stored note: %v", it)
	}
	if got := e.api("GET", fmt.Sprintf("Contracts/2004/Notes/%d", a.itemID()), nil); got.item() != nil {
		t.Fatalf("a note of contract 2001 read through contract 2004: %s", got.raw)
	}
	// Query by title prefix across contracts, and the child list.
	q := e.api("POST", "ContractNotes/query", filterBody(f("beginsWith", "title", "petra billing claim:"), f("in", "contractID", []int{2001, 2004})))
	if items := q.items(); len(items) != 1 || num(items[0]["id"]) != a.itemID() {
		t.Fatalf("title query: %s", q.raw)
	}
	if items := e.api("GET", "Contracts/2004/Notes", nil).items(); len(items) != 1 || num(items[0]["id"]) != b.itemID() {
		t.Fatalf("child list of 2004: %v", items)
	}
	// PATCH through the child route; contractID is fixed after create.
	expectStatus(t, e.api("PATCH", "Contracts/2001/Notes", map[string]any{"id": a.itemID(), "title": "Petra billing claim released: line 4001", "contractID": 2004}), 200)
	it = e.api("GET", fmt.Sprintf("ContractNotes/%d", a.itemID()), nil).item()
	if it["title"] != "Petra billing claim released: line 4001" || num(it["contractID"]) != 2001 || it["description"] != "Status: active" {
		t.Fatalf("after PATCH: %v", it)
	}
	expectErrorContains(t, e.api("PATCH", "Contracts/2004/Notes", map[string]any{"id": a.itemID(), "title": "x"}), 500, "does not exist")
	expectError(t, e.api("POST", "Contracts/2001/Notes", map[string]any{"title": "no description"}), 500,
		"Value does not exist for the required field description.")
	expectErrorContains(t, e.api("POST", "Contracts/2001/Notes", map[string]any{"title": strings.Repeat("x", 251), "description": "d"}), 500, "title")
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"POST", "ContractNotes", 404},
		{"PATCH", "ContractNotes", 404},
		{"DELETE", fmt.Sprintf("ContractNotes/%d", a.itemID()), 405},
		{"DELETE", "Contracts/2001/Notes", 405},
		{"GET", "ContractNotes/entityInformation/fields", 200},
		{"GET", "Contracts/2001/Notes/entityInformation", 200},
	} {
		if r := e.api(tc.method, tc.path, nil); r.status != tc.status {
			t.Errorf("%s %s = %d, want %d (%s)", tc.method, tc.path, r.status, tc.status, r.raw)
		}
	}
	// A custom security level without ContractNotes access cannot read them.
	lim := creds{tLimited, tSecret, tCode}
	r := e.call(&lim, "POST", "/ATServicesRest/V1.0/ContractNotes/query", filterBody(f("exist", "id", nil)))
	expectErrorContains(t, r, 500, "adequate permissions to query")
}

// TestNotesCreatorOnly: with notesCreatorOnly, a user whose update access to
// ContractNotes is "Restricted" may update only the notes it created; the
// others answer with the permission text. Users with "All" are unaffected,
// and with the setting off (the default) anyone with update access updates
// any note. Notes carry their creator's resource id.
func TestNotesCreatorOnly(t *testing.T) {
	fx := testFixture()
	const tNotes = "notes-limited@sbx.example"
	fx.APIUsers = append(fx.APIUsers, APIUser{UserName: tNotes, Secret: tSecret, IntegrationCode: tCode,
		SecurityLevel: SecurityLevelAPICustom, Permissions: map[string]EntityPermission{
			"Contracts":     {Query: "All"},
			"ContractNotes": {Query: "All", Create: "All", Update: "Restricted"},
		}})
	e := newEnv(t, Config{}, fx)
	lim := creds{tNotes, tSecret, tCode}
	patch := func(c *creds, id int64) result {
		return e.call(c, "PATCH", "/ATServicesRest/V1.0/Contracts/2001/Notes", map[string]any{"id": id, "title": "edited"})
	}
	other := e.api("POST", "Contracts/2001/Notes", map[string]any{"title": "by the system user", "description": "d"}).itemID()
	own := e.call(&lim, "POST", "/ATServicesRest/V1.0/Contracts/2001/Notes", map[string]any{"title": "by the limited user", "description": "d"}).itemID()
	a := e.api("GET", fmt.Sprintf("ContractNotes/%d", other), nil).item()
	b := e.api("GET", fmt.Sprintf("ContractNotes/%d", own), nil).item()
	if num(a["creatorResourceID"]) == 0 || num(a["creatorResourceID"]) == num(b["creatorResourceID"]) {
		t.Fatalf("creatorResourceID of the two users' notes: %v, %v; want two different resources", a["creatorResourceID"], b["creatorResourceID"])
	}

	// Off (default): the restricted user updates another's note.
	expectStatus(t, patch(&lim, other), 200)

	on := true
	if _, err := e.srv.SetBehaviour(BehaviourUpdate{NotesCreatorOnly: &on}); err != nil {
		t.Fatal(err)
	}
	expectError(t, patch(&lim, other), 500, "The logged in Resource does not have the adequate permissions to update this entity type.")
	expectStatus(t, patch(&lim, own), 200)
	expectStatus(t, e.api("PATCH", "Contracts/2001/Notes", map[string]any{"id": own, "title": "edited by the system user"}), 200)
}
