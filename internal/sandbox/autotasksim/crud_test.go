package autotasksim

import (
	"fmt"
	"testing"
)

func newCompany(name string) map[string]any {
	return map[string]any{"companyName": name, "companyType": 1, "phone": "555-0199", "ownerResourceID": 29682885}
}

func TestCreateGetPatchPut(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	body := newCompany("Northwind")
	body["city"] = "Delft"
	body["userDefinedFields"] = []any{map[string]any{"name": "Tier", "value": "Gold"}}
	r := e.api("POST", "Companies", body)
	expectStatus(t, r, 200)
	id := r.itemID()
	if id < 29680000 {
		t.Fatalf("itemId %d does not look like a tenant id", id)
	}
	if id2 := e.api("POST", "Companies", newCompany("Second")).itemID(); id2 != id+1 {
		t.Fatalf("ids not ascending: %d then %d", id, id2)
	}
	it := e.api("GET", fmt.Sprintf("Companies/%d", id), nil).item()
	if it["companyName"] != "Northwind" || it["city"] != "Delft" || it["isActive"] != true || it["postalCode"] != nil {
		t.Fatalf("item = %v", it)
	}
	if _, present := it["postalCode"]; !present {
		t.Fatal("absent values must be present as null")
	}
	udfs, _ := it["userDefinedFields"].([]any)
	if len(udfs) != 1 {
		t.Fatalf("userDefinedFields = %v", it["userDefinedFields"])
	}
	// PATCH changes only what is sent; read-only fields are ignored.
	r = e.api("PATCH", "Companies", map[string]any{"id": id, "phone": "555-0000", "createDate": "2000-01-01T00:00:00Z"})
	expectStatus(t, r, 200)
	if r.itemID() != id {
		t.Fatalf("PATCH itemId = %d", r.itemID())
	}
	it = e.api("GET", fmt.Sprintf("Companies/%d", id), nil).item()
	if it["phone"] != "555-0000" || it["city"] != "Delft" || it["createDate"] == "2000-01-01T00:00:00Z" {
		t.Fatalf("after PATCH: %v", it)
	}
	// PUT nulls omitted writable fields; required ones must then be sent.
	expectErrorContains(t, e.api("PUT", "Companies", map[string]any{"id": id, "companyName": "Northwind"}), 500,
		"Value does not exist for the required field companyType.")
	put := newCompany("Northwind BV")
	put["id"] = id
	expectStatus(t, e.api("PUT", "Companies", put), 200)
	it = e.api("GET", fmt.Sprintf("Companies/%d", id), nil).item()
	if it["companyName"] != "Northwind BV" || it["city"] != nil || it["isActive"] != nil {
		t.Fatalf("after PUT: %v", it)
	}
	// Errors.
	expectError(t, e.api("PATCH", "Companies", map[string]any{"id": id, "colour": "red"}), 500, "Unable to find colour in the Company Entity.")
	expectErrorContains(t, e.api("PATCH", "Companies", map[string]any{"phone": "1"}), 500, "must contain the id")
	expectErrorContains(t, e.api("PATCH", "Companies", map[string]any{"id": 999, "phone": "1"}), 500, "does not exist")
	expectErrorContains(t, e.api("PATCH", "Companies", map[string]any{"id": id, "companyType": 5}), 500, "Picklist value [5] does not exist for companyType")
	expectErrorContains(t, e.api("PATCH", "Companies", map[string]any{"id": id, "isActive": "yes"}), 500, "Unable to convert value 'yes' for field isActive")
}

func TestGetUnknownIDIsNullItem(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	for _, p := range []string{"Companies/424242", "Contracts/1", "ContractServices/1", "ContractServiceUnits/1", "Services/7", "Tickets/9"} {
		r := e.api("GET", p, nil)
		expectStatus(t, r, 200)
		if r.raw != `{"item":null}` {
			t.Fatalf("%s: %s", p, r.raw)
		}
	}
}

func TestCreateValidation(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	r := e.api("POST", "Companies", map[string]any{"companyName": "x"})
	expectStatus(t, r, 500)
	want := []string{
		"Value does not exist for the required field companyType.",
		"Value does not exist for the required field phone.",
		"Value does not exist for the required field ownerResourceID.",
	}
	if got := r.errors(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("errors = %q", got)
	}
	for _, field := range []string{"companyID", "contractName", "contractType", "status", "startDate", "endDate"} {
		expectErrorContains(t, e.api("POST", "Contracts", map[string]any{}), 500, "required field "+field+".")
	}
	for _, field := range []string{"name", "unitPrice", "periodType", "billingCodeID"} {
		expectErrorContains(t, e.api("POST", "Services", map[string]any{}), 500, "required field "+field+".")
	}
	expectErrorContains(t, e.api("POST", "Contracts", map[string]any{"companyID": 777, "contractName": "c", "contractType": 7, "status": 1,
		"startDate": "2026-01-01", "endDate": "2026-12-31"}), 500, "Reference value on field: companyID of type: Company")
	expectErrorContains(t, e.api("POST", "Contracts", map[string]any{"companyID": 1001, "contractName": "c", "contractType": 7, "status": 1,
		"startDate": "2026-06-01", "endDate": "2026-01-01"}), 500, "before its startDate")
	expectError(t, e.api("POST", "Companies", `{"companyName":"x","units":1}`), 500, "Unable to find units in the Company Entity.")
	expectErrorContains(t, e.api("POST", "Companies", `[1]`), 500, "JSON object")
	r = e.api("POST", "Services", map[string]any{"name": "Svc", "unitPrice": "4.25", "periodType": 2, "billingCodeID": 1})
	expectStatus(t, r, 200)
	if it := e.api("GET", fmt.Sprintf("Services/%d", r.itemID()), nil).item(); it["unitPrice"] != 4.25 {
		t.Fatalf("decimal sent as string: %v", it["unitPrice"])
	}
}

func TestContractServicesCreateAndUpdate(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	// Only recurring contracts take services (ref §7.3).
	expectErrorContains(t, e.api("POST", "Contracts/2002/Services", map[string]any{"serviceID": 3001}), 500, "not a Recurring Service contract")
	// The same service may be added twice.
	a := e.api("POST", "Contracts/2001/Services", map[string]any{"serviceID": 3001})
	expectStatus(t, a, 200)
	b := e.api("POST", "Contracts/2001/Services", map[string]any{"contractID": 2001, "serviceID": 3001, "unitPrice": 9.5})
	expectStatus(t, b, 200)
	if got := ids(t, e.api("GET", "Contracts/2001/Services", nil)); len(got) != 3 {
		t.Fatalf("services on contract: %v", got)
	}
	it := e.api("GET", fmt.Sprintf("ContractServices/%d", a.itemID()), nil).item()
	if it["unitPrice"] != 3.5 || num(it["contractID"]) != 2001 {
		t.Fatalf("defaults from the service: %v", it)
	}
	// New lines start at 0 units in every period.
	r := e.api("POST", "ContractServiceUnits/query", filterBody(f("eq", "contractServiceID", a.itemID()), f("gt", "units", 0)))
	if n := len(r.items()); n != 0 {
		t.Fatalf("%d rows with units on a new line", n)
	}
	expectErrorContains(t, e.api("POST", "Contracts/2001/Services", map[string]any{"contractID": 2004, "serviceID": 3001}), 500, "does not match contract 2001")
	// Update via the child route: price changes, contractID/serviceID do not.
	expectStatus(t, e.api("PATCH", "Contracts/2001/Services", map[string]any{"id": b.itemID(), "unitPrice": 8.0, "serviceID": 3002}), 200)
	it = e.api("GET", fmt.Sprintf("ContractServices/%d", b.itemID()), nil).item()
	if it["unitPrice"] != 8.0 || num(it["serviceID"]) != 3001 {
		t.Fatalf("after child PATCH: %v", it)
	}
	expectErrorContains(t, e.api("PATCH", "Contracts/2004/Services", map[string]any{"id": b.itemID(), "unitPrice": 1}), 500, "does not exist")
}

func TestRouteTable(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	cases := []struct {
		method, path string
		status       int
	}{
		{"DELETE", "Companies/1001", 405},
		{"DELETE", "Tickets/1", 405},
		{"PATCH", "Companies/1001", 405},
		{"PUT", "Contracts/2001", 405},
		{"GET", "Companies", 405},
		{"DELETE", "Companies", 405},
		{"POST", "ContractServices", 404},
		{"PATCH", "ContractServices", 404},
		{"GET", "ContractServiceAdjustments/1", 405},
		{"POST", "ContractServiceAdjustments/query", 405},
		{"GET", "ContractServiceAdjustments/query?search=x", 405},
		{"PATCH", "ContractServiceAdjustments", 405},
		{"POST", "ContractServiceUnits", 405},
		{"PATCH", "ContractServiceUnits", 405},
		{"PUT", "ContractServiceUnits", 405},
		{"POST", "Contracts/2001/ServiceUnits", 405},
		{"GET", "Contracts/2001/ServiceAdjustments", 405},
		{"DELETE", "Contracts/2001/Services", 405},
		{"GET", "Widgets/1", 404},
		{"GET", "Companies/abc", 404},
		{"GET", "Contracts/2001/Milestones", 404},
		{"GET", "companies/1001", 200},
		{"GET", "CONTRACTSERVICEUNITS/query/count?search=%7B%22filter%22%3A%5B%7B%22op%22%3A%22exist%22%2C%22field%22%3A%22id%22%7D%5D%7D", 200},
		{"GET", "ContractServiceAdjustments/entityInformation", 200},
		{"GET", "Contracts/2001/ServiceAdjustments/entityInformation/fields", 200},
		{"GET", "Contracts/Services/entityInformation", 200},
		{"GET", "Tickets/entityInformation/userDefinedFields", 200},
	}
	for _, tc := range cases {
		r := e.api(tc.method, tc.path, nil)
		if r.status != tc.status {
			t.Errorf("%s %s = %d, want %d (%s)", tc.method, tc.path, r.status, tc.status, r.raw)
		}
		if tc.status == 405 && len(r.errors()) != 1 {
			t.Errorf("%s %s: 405 without an errors text: %s", tc.method, tc.path, r.raw)
		}
	}
	if r := e.api("GET", "Tickets/entityInformation/userDefinedFields", nil); r.raw != `{"fields":[]}` {
		t.Fatalf("udf metadata %s", r.raw)
	}
}

func TestTicketsStoreAndPicklists(t *testing.T) {
	fx := testFixture()
	fx.TicketPicklists = map[string][]PicklistValue{
		"queueID":  {{Value: "5", Label: "Client Portal", IsActive: true, IsSystem: true}, {Value: "29683482", Label: "Monitoring Alerts", IsActive: true}, {Value: "9", Label: "Old", IsActive: false}},
		"priority": {{Value: "1", Label: "High", IsActive: true}, {Value: "2", Label: "Medium", IsActive: true, IsDefaultValue: true}},
	}
	e := newEnv(t, Config{}, fx)
	r := e.api("GET", "Tickets/entityInformation/fields", nil)
	expectStatus(t, r, 200)
	rows := map[string]map[string]any{}
	for _, it := range r.body["fields"].([]any) {
		m := it.(map[string]any)
		rows[m["name"].(string)] = m
	}
	q := rows["queueID"]
	vals, _ := q["picklistValues"].([]any)
	if q["isPickList"] != true || len(vals) != 3 || vals[1].(map[string]any)["value"] != "29683482" {
		t.Fatalf("queueID row %v", q)
	}
	if rows["status"]["isRequired"] != true || len(rows["status"]["picklistValues"].([]any)) == 0 {
		t.Fatalf("status row (defaults) %v", rows["status"])
	}
	if rows["title"]["picklistValues"] != nil || rows["title"]["isPickList"] != false {
		t.Fatalf("non-picklist row %v", rows["title"])
	}
	ticket := map[string]any{"title": "Billing sync failed", "companyID": 1001, "status": 1, "priority": 2, "queueID": 29683482}
	c := e.api("POST", "Tickets", ticket)
	expectStatus(t, c, 200)
	it := e.api("GET", fmt.Sprintf("Tickets/%d", c.itemID()), nil).item()
	if it["title"] != "Billing sync failed" || num(it["queueID"]) != 29683482 || it["ticketNumber"] == nil {
		t.Fatalf("ticket %v", it)
	}
	ticket["priority"] = 3
	expectError(t, e.api("POST", "Tickets", ticket), 500, "Picklist value [3] does not exist for priority")
	ticket["priority"], ticket["queueID"] = 1, 9
	expectErrorContains(t, e.api("POST", "Tickets", ticket), 500, "is inactive")
	// Contract metadata picklists.
	r = e.api("GET", "Contracts/entityInformation/fields", nil)
	for _, it := range r.body["fields"].([]any) {
		m := it.(map[string]any)
		if m["name"] == "contractType" {
			found := false
			for _, v := range m["picklistValues"].([]any) {
				pv := v.(map[string]any)
				if pv["value"] == "7" && pv["label"] == "Recurring Service" {
					found = true
				}
			}
			if !found {
				t.Fatalf("contractType picklist %v", m["picklistValues"])
			}
		}
	}
}

func TestPermissions(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	lim := &creds{tLimited, tSecret, tCode}
	const queryDenied = "The logged in Resource does not have the adequate permissions to query this entity type."
	expectError(t, e.call(lim, "POST", "/ATServicesRest/V1.0/Services/query", filterBody(f("exist", "id", nil))), 500, queryDenied)
	expectError(t, e.call(lim, "GET", "/ATServicesRest/V1.0/Services/3001", nil), 500, queryDenied)
	expectError(t, e.call(lim, "GET", "/ATServicesRest/V1.0/Contracts/2001/Services", nil), 500, queryDenied)
	expectError(t, e.call(lim, "POST", "/ATServicesRest/V1.0/Companies", newCompany("x")), 500,
		"The logged in Resource does not have the adequate permissions to create this entity type.")
	expectError(t, e.call(lim, "PATCH", "/ATServicesRest/V1.0/Contracts", map[string]any{"id": 2001, "contractName": "x"}), 500,
		"The logged in Resource does not have the adequate permissions to update this entity type.")
	expectError(t, e.call(lim, "POST", "/ATServicesRest/V1.0/ContractServiceAdjustments", map[string]any{"contractServiceID": 4001, "effectiveDate": "2026-11-01", "unitChange": 1}), 500,
		"The logged in Resource does not have the adequate permissions to create this entity type.")
	// Impersonation on a read is refused like a missing permission (ref §9).
	req := httpGet(t, e.http.URL+"/ATServicesRest/V1.0/Companies/1001")
	req.Header.Set("UserName", tUser)
	req.Header.Set("Secret", tSecret)
	req.Header.Set("ApiIntegrationCode", tCode)
	req.Header.Set("ImpersonationResourceId", "29682885")
	expectError(t, recordRequest(e.srv, req), 500, queryDenied)
	// Allowed operations work; Restricted counts as allowed.
	expectStatus(t, e.call(lim, "POST", "/ATServicesRest/V1.0/Companies/query", filterBody(f("exist", "id", nil))), 200)
	expectStatus(t, e.call(lim, "PATCH", "/ATServicesRest/V1.0/Companies", map[string]any{"id": 1001, "phone": "1"}), 200)

	info := func(c *creds, entity string) map[string]any {
		r := e.call(c, "GET", "/ATServicesRest/V1.0/"+entity+"/entityInformation", nil)
		expectStatus(t, r, 200)
		return r.body["info"].(map[string]any)
	}
	got := info(lim, "Companies")
	want := map[string]any{"name": "Company", "canCreate": true, "canDelete": false, "canQuery": true, "canUpdate": true,
		"userAccessForCreate": "None", "userAccessForDelete": "None", "userAccessForQuery": "All", "userAccessForUpdate": "Restricted",
		"hasUserDefinedFields": true, "supportsWebhookCallouts": true}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Companies info %s = %v, want %v", k, got[k], v)
		}
	}
	if got := info(lim, "Services"); got["userAccessForQuery"] != "None" {
		t.Errorf("Services userAccessForQuery = %v", got["userAccessForQuery"])
	}
	if got := info(lim, "ContractServiceAdjustments"); got["userAccessForCreate"] != "None" || got["canQuery"] != false || got["canCreate"] != true {
		t.Errorf("adjustments info %v", got)
	}
	if got := info(&full, "ContractServiceAdjustments"); got["userAccessForCreate"] != "All" {
		t.Errorf("system user adjustments info %v", got)
	}
	if got := info(&full, "ContractServiceUnits"); got["canCreate"] != false || got["canUpdate"] != false || got["canQuery"] != true {
		t.Errorf("units info %v", got)
	}
}
