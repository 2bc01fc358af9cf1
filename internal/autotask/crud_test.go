package autotask

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// pagedCompanies serves three pages of companies; page n links to n+1 via
// next, a function of the server base URL and the page number.
func pagedCompanies(base func() string, method string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method {
			w.WriteHeader(http.StatusMethodNotAllowed)
			_, _ = fmt.Fprintf(w, `{"message":"The requested resource does not support http method '%s'."}`, r.Method)
			return
		}
		page := 1
		if p := r.URL.Query().Get("paging"); p != "" {
			_, _ = fmt.Sscanf(p, "p%d", &page)
		}
		var next any
		if page < 3 {
			next = fmt.Sprintf("%s/ATServicesRest/V1.0/Companies/query/next?paging=p%d", base(), page+1)
		}
		items := []map[string]any{
			{"id": page*10 + 1, "companyName": fmt.Sprintf("Company %d-a", page), "userDefinedFields": []any{}},
			{"id": page*10 + 2, "companyName": fmt.Sprintf("Company %d-b", page), "userDefinedFields": []any{}},
		}
		writeJSON(w, 200, map[string]any{"items": items,
			"pageDetails": map[string]any{"count": 2, "requestCount": 2, "prevPageUrl": nil, "nextPageUrl": next}})
	}
}

func TestQueryFollowsPagesWithPOSTAndTheSameBody(t *testing.T) {
	var base string
	h := newHarness(t, pagedCompanies(func() string { return base }, http.MethodPost))
	base = h.srv.URL
	q := QuerySpec{Filter: []Filter{Eq("isActive", true)}, IncludeFields: []string{"companyName"}, MaxRecords: 2}
	got, err := Query[Company](t.Context(), h.c, EntityCompanies, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 6 || got[0].ID != 11 || got[5].ID != 32 || got[5].CompanyName != "Company 3-b" {
		t.Fatalf("records = %+v", got)
	}
	reqs := h.reqs.all()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3 pages", len(reqs))
	}
	want := `{"filter":[{"op":"eq","field":"isActive","value":true}],"IncludeFields":["companyName","id"],"MaxRecords":2}`
	for i, r := range reqs {
		if r.Method != http.MethodPost || string(r.Body) != want {
			t.Errorf("page %d: %s %s body %s; want POST with %s", i+1, r.Method, r.Path, r.Body, want)
		}
	}
	if reqs[0].Path != "/ATServicesRest/V1.0/Companies/query" || reqs[2].RawQuery != "paging=p3" {
		t.Errorf("paths: %s, %s?%s", reqs[0].Path, reqs[2].Path, reqs[2].RawQuery)
	}

	// The page callback sees each page as it arrives and can stop early.
	var pages int
	stop := errors.New("enough")
	err = QueryPages(t.Context(), h.c, EntityCompanies, q, func(page []Company) error {
		pages++
		if pages == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || pages != 2 {
		t.Errorf("QueryPages stopped with %v after %d pages", err, pages)
	}
}

func TestNextPageOnAnotherHostIsRefused(t *testing.T) {
	other, otherReqs := newServer(t, func(w http.ResponseWriter, r *http.Request) { emptyPage(w) })
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"items": []any{map[string]any{"id": 1}},
			"pageDetails": map[string]any{"nextPageUrl": other.URL + "/ATServicesRest/V1.0/Companies/query/next?paging=x"}})
	})
	_, err := Query[Company](t.Context(), h.c, EntityCompanies, QuerySpec{})
	if err == nil || !strings.Contains(err.Error(), "another host") {
		t.Fatalf("error = %v, want a refusal to follow a foreign nextPageUrl", err)
	}
	if n := len(otherReqs.all()); n != 0 {
		t.Errorf("the foreign host received %d requests (credentials leaked)", n)
	}
}

func TestRepeatedNextPageURLStops(t *testing.T) {
	var base string
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"items": []any{}, "pageDetails": map[string]any{
			"nextPageUrl": base + "/ATServicesRest/V1.0/Companies/query/next?paging=same"}})
	})
	base = h.srv.URL
	_, err := Query[Company](t.Context(), h.c, EntityCompanies, QuerySpec{})
	if err == nil || !strings.Contains(err.Error(), "same nextPageUrl twice") {
		t.Fatalf("error = %v", err)
	}
	if n := len(h.reqs.all()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestQueryChildFollowsPagesWithGET(t *testing.T) {
	var base string
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || len(bytes.TrimSpace(mustRead(r))) != 0 {
			t.Errorf("child page request %s with a body", r.Method)
		}
		next := any(nil)
		if r.URL.Query().Get("paging") == "" {
			next = base + "/ATServicesRest/V1.0/Contracts/42/Services/next?paging=2"
		}
		id := 1
		if next == nil {
			id = 2
		}
		writeJSON(w, 200, map[string]any{"items": []any{map[string]any{"id": id, "contractID": 42, "serviceID": 9, "unitPrice": 12.5}},
			"pageDetails": map[string]any{"nextPageUrl": next}})
	})
	base = h.srv.URL
	got, err := QueryChild[ContractService](t.Context(), h.c, EntityContracts, 42, ChildServices)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].ID != 2 || got[0].UnitPrice != 12.5 || got[0].ContractID != 42 {
		t.Errorf("records = %+v", got)
	}
	if r := h.reqs.all()[0]; r.Path != "/ATServicesRest/V1.0/Contracts/42/Services" {
		t.Errorf("path = %s", r.Path)
	}
}

func mustRead(r *http.Request) []byte {
	var b bytes.Buffer
	_, _ = b.ReadFrom(r.Body)
	return b.Bytes()
}

func TestGetByID(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ATServicesRest/V1.0/Contracts/7":
			writeJSON(w, 200, map[string]any{"item": map[string]any{"id": 7, "companyID": 3, "contractName": "Managed",
				"contractType": 7, "status": 1, "startDate": "2026-01-01T00:00:00Z", "endDate": "2026-12-31T00:00:00",
				"contractNumber": nil, "userDefinedFields": []any{}}})
		case "/ATServicesRest/V1.0/Contracts/8":
			writeJSON(w, 200, map[string]any{"item": nil})
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte("<html>404 - File or directory not found.</html>"))
		}
	})
	c, err := Get[Contract](t.Context(), h.c, EntityContracts, 7)
	if err != nil {
		t.Fatal(err)
	}
	if c.ContractType != ContractTypeRecurringService || c.Status != ContractStatusActive || c.EndDate.DateString() != "2026-12-31" {
		t.Errorf("contract = %+v", c)
	}
	for _, id := range []int64{8, 9} {
		_, err := Get[Contract](t.Context(), h.c, EntityContracts, id)
		var nf *NotFoundError
		if !errors.Is(err, ErrNotFound) || !errors.As(err, &nf) || nf.ID != id || nf.Entity != "Contracts" {
			t.Errorf("id %d: error = %T %v, want a NotFoundError matching ErrNotFound", id, err, err)
		}
		if !strings.Contains(fmt.Sprint(err), fmt.Sprintf("Contracts %d was not found", id)) {
			t.Errorf("message = %v", err)
		}
	}
	if len(h.sleeps.all()) != 0 {
		t.Error("not-found was retried")
	}
	if _, err := Get[Contract](t.Context(), h.c, EntityContracts, 0); err == nil {
		t.Error("id 0 accepted")
	}
	if _, err := Get[Contract](t.Context(), h.c, "Contracts/../Companies", 1); err == nil {
		t.Error("entity with slashes accepted")
	}
}

func TestWrites(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/ATServicesRest/V1.0/Companies":
			writeJSON(w, 200, map[string]any{"itemId": 29680001})
		case r.Method == http.MethodPatch && r.URL.Path == "/ATServicesRest/V1.0/Companies":
			writeJSON(w, 200, map[string]any{"itemId": 29680001})
		case r.Method == http.MethodPost && r.URL.Path == "/ATServicesRest/V1.0/Contracts/42/Services":
			writeJSON(w, 200, map[string]any{"itemId": 501})
		case r.Method == http.MethodPatch && r.URL.Path == "/ATServicesRest/V1.0/Contracts/42/Services":
			writeJSON(w, 200, map[string]any{"itemId": 501})
		case r.Method == http.MethodPost && r.URL.Path == "/ATServicesRest/V1.0/Contracts/42/ServiceAdjustments":
			writeJSON(w, 200, map[string]any{"itemId": 0, "note": "accepted"}) // itemId may be 0 for adjustments
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	})
	ctx := t.Context()
	id, err := h.c.Create(ctx, EntityCompanies, Company{CompanyName: "Acme", CompanyType: CompanyTypeCustomer, IsActive: true,
		Phone: "555", OwnerResourceID: 29682885})
	if err != nil || id != 29680001 {
		t.Fatalf("Create = %d, %v", id, err)
	}
	body := decodeReqBody(t, h.reqs.all()[0].Body)
	if _, hasID := body["id"]; hasID || body["companyName"] != "Acme" || body["companyType"] != float64(1) || body["isActive"] != true {
		t.Errorf("create body = %v", body)
	}

	if id, err = h.c.Update(ctx, EntityCompanies, map[string]any{"id": 29680001, "phone": "556"}); err != nil || id != 29680001 {
		t.Fatalf("Update = %d, %v", id, err)
	}
	if got := string(h.reqs.all()[1].Body); got != `{"id":29680001,"phone":"556"}` {
		t.Errorf("update body = %s", got)
	}
	before := len(h.reqs.all())
	if _, err := h.c.Update(ctx, EntityCompanies, map[string]any{"phone": "556"}); err == nil || !strings.Contains(err.Error(), `non-zero "id"`) {
		t.Errorf("update without id: %v", err)
	}
	if len(h.reqs.all()) != before {
		t.Error("an update without id was sent")
	}

	if id, err = h.c.CreateChild(ctx, EntityContracts, 42, ChildServices, ContractService{ContractID: 42, ServiceID: 9, UnitPrice: 10}); err != nil || id != 501 {
		t.Fatalf("CreateChild = %d, %v", id, err)
	}
	if id, err = h.c.UpdateChild(ctx, EntityContracts, 42, ChildServices, map[string]any{"id": 501, "unitPrice": 11}); err != nil || id != 501 {
		t.Fatalf("UpdateChild = %d, %v", id, err)
	}
	price := 12.5
	if _, err = h.c.CreateChild(ctx, EntityContracts, 42, ChildServiceAdjustments, ContractServiceAdjustment{
		ContractID: 42, ServiceID: 9, EffectiveDate: Date(2026, 12, 1), UnitChange: -3, AdjustedUnitPrice: &price}); err != nil {
		t.Fatalf("CreateChild adjustment: %v", err)
	}
	last := h.reqs.all()[len(h.reqs.all())-1]
	if got := string(last.Body); got != `{"contractID":42,"serviceID":9,"effectiveDate":"2026-12-01T00:00:00Z","unitChange":-3,"adjustedUnitPrice":12.5}` {
		t.Errorf("adjustment body = %s", got)
	}
}

func TestCreateAnsweredWithoutItemIDIsOutcomeUnknown(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]any{}) })
	_, err := h.c.Create(t.Context(), EntityCompanies, Company{CompanyName: "A"})
	if !errors.Is(err, ErrOutcomeUnknown) || !strings.Contains(err.Error(), "without an itemId") {
		t.Fatalf("error = %v", err)
	}
}

func TestCount(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]any{"queryCount": 42}) })
	n, err := h.c.Count(t.Context(), EntityTickets, NotEq("status", 5))
	if err != nil || n != 42 {
		t.Fatalf("Count = %d, %v", n, err)
	}
	r := h.reqs.all()[0]
	if r.Method != http.MethodPost || r.Path != "/ATServicesRest/V1.0/Tickets/query/count" ||
		string(r.Body) != `{"filter":[{"op":"noteq","field":"status","value":5}]}` {
		t.Errorf("count request = %s %s %s", r.Method, r.Path, r.Body)
	}
	if _, err := h.c.Count(t.Context(), EntityTickets); err != nil {
		t.Fatal(err)
	}
	if got := string(h.reqs.all()[1].Body); got != `{"filter":[{"op":"gte","field":"id","value":0}]}` {
		t.Errorf("count without filters sent %s, want the match-all sentinel", got)
	}
}
