package autotasksim

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// queryFixture has companies with varied fields for operator tests.
func queryFixture() *Fixture {
	fx := testFixture()
	fx.Companies = []map[string]any{
		{"id": 1.0, "companyName": "Alpha Corp", "companyType": 1.0, "phone": "1", "ownerResourceID": 10.0, "city": "Amsterdam",
			"userDefinedFields": []any{map[string]any{"name": "Tier", "value": "Gold"}, map[string]any{"name": "Seats", "value": "40"}}},
		{"id": 2.0, "companyName": "Beta BV", "companyType": 3.0, "phone": "2", "ownerResourceID": 20.0, "city": "Berlin",
			"userDefinedFields": []any{map[string]any{"name": "Tier", "value": "Silver"}, map[string]any{"name": "Seats", "value": "120"}}},
		{"id": 3.0, "companyName": "Gamma Alpha", "companyType": 7.0, "phone": "3", "ownerResourceID": 30.0, "isActive": false},
		{"id": 4.0, "companyName": "delta ltd", "companyType": 1.0, "phone": "4", "ownerResourceID": 40.0, "city": "Amsterdam",
			"createDate": "2025-06-01T10:00:00Z"},
	}
	fx.Contracts, fx.ContractServices = nil, nil
	return fx
}

func ids(t *testing.T, r result) []int64 {
	t.Helper()
	expectStatus(t, r, 200)
	var out []int64
	for _, it := range r.items() {
		out = append(out, num(it["id"]))
	}
	return out
}

func TestQueryOperators(t *testing.T) {
	e := newEnv(t, Config{}, queryFixture())
	cases := []struct {
		name   string
		filter []map[string]any
		want   []int64
	}{
		{"eq number", []map[string]any{f("eq", "companyType", 1)}, []int64{1, 4}},
		{"eq string case-insensitive", []map[string]any{f("eq", "companyName", "ALPHA CORP")}, []int64{1}},
		{"noteq", []map[string]any{f("noteq", "companyType", 1)}, []int64{2, 3}},
		{"noteq skips nulls", []map[string]any{f("noteq", "city", "Berlin")}, []int64{1, 4}},
		{"gt", []map[string]any{f("gt", "ownerResourceID", 20)}, []int64{3, 4}},
		{"gte", []map[string]any{f("gte", "ownerResourceID", 20)}, []int64{2, 3, 4}},
		{"lt", []map[string]any{f("lt", "ownerResourceID", 20)}, []int64{1}},
		{"lte", []map[string]any{f("lte", "ownerResourceID", 20)}, []int64{1, 2}},
		{"lt string", []map[string]any{f("lt", "companyName", "c")}, []int64{1, 2}},
		{"beginsWith", []map[string]any{f("beginsWith", "companyName", "alpha")}, []int64{1}},
		{"endsWith", []map[string]any{f("endsWith", "companyName", "ALPHA")}, []int64{3}},
		{"contains", []map[string]any{f("contains", "companyName", "ta")}, []int64{2, 4}},
		{"exist", []map[string]any{f("exist", "city", nil)}, []int64{1, 2, 4}},
		{"notExist", []map[string]any{f("notExist", "city", nil)}, []int64{3}},
		{"in", []map[string]any{f("in", "companyType", []any{3, 7})}, []int64{2, 3}},
		{"notIn", []map[string]any{f("notIn", "id", []any{1, 2})}, []int64{3, 4}},
		{"boolean", []map[string]any{f("eq", "isActive", false)}, []int64{3}},
		{"date gte", []map[string]any{f("lte", "createDate", "2025-12-31T00:00:00")}, []int64{4}},
		{"implicit AND", []map[string]any{f("eq", "city", "amsterdam"), f("eq", "companyType", 1)}, []int64{1, 4}},
		{"implicit AND narrows", []map[string]any{f("eq", "city", "amsterdam"), f("gt", "id", 1)}, []int64{4}},
		{"or group", []map[string]any{{"op": "or", "items": []any{f("eq", "id", 1), f("eq", "id", 3)}}}, []int64{1, 3}},
		{"or inside and", []map[string]any{{"op": "and", "items": []any{
			f("eq", "companyType", 1),
			map[string]any{"op": "or", "items": []any{f("eq", "city", "Berlin"), f("beginsWith", "companyName", "delta")}},
		}}}, []int64{4}},
		{"and inside or", []map[string]any{{"op": "or", "items": []any{
			map[string]any{"op": "and", "items": []any{f("eq", "companyType", 1), f("eq", "id", 1)}},
			f("eq", "companyType", 7),
		}}}, []int64{1, 3}},
		{"field name case-insensitive", []map[string]any{f("eq", "CompanyType", 3)}, []int64{2}},
		{"id casing", []map[string]any{f("eq", "Id", 2)}, []int64{2}},
		{"udf eq", []map[string]any{{"op": "eq", "field": "tier", "value": "gold", "udf": true}}, []int64{1}},
		{"udf numeric gt", []map[string]any{{"op": "gt", "field": "Seats", "value": "100", "udf": true}}, []int64{2}},
		{"udf exist", []map[string]any{{"op": "exist", "field": "Tier", "udf": true}}, []int64{1, 2}},
		{"match all sentinel", []map[string]any{f("gte", "id", 0)}, []int64{1, 2, 3, 4}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := ids(t, e.api("POST", "Companies/query", filterBody(tc.filter...)))
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ids = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestQueryTopLevelKeysCaseInsensitive(t *testing.T) {
	e := newEnv(t, Config{}, queryFixture())
	for _, body := range []string{
		`{"Filter":[{"op":"in","field":"id","value":[1,2,3]}],"MaxRecords":2,"IncludeFields":["companyName"]}`,
		`{"filter":[{"Op":"IN","Field":"ID","Value":[1,2,3]}],"maxRecords":2,"includeFields":["CompanyName"]}`,
		`{"FILTER":[{"op":"in","field":"id","value":[1,2,3]}],"maxrecords":2,"includefields":["companyname"]}`,
	} {
		r := e.api("POST", "Companies/query", body)
		got := ids(t, r)
		if !reflect.DeepEqual(got, []int64{1, 2}) {
			t.Fatalf("%s: ids %v", body, got)
		}
		it := r.items()[0]
		if len(it) != 3 || it["companyName"] != "Alpha Corp" {
			t.Fatalf("%s: projection %v", body, it)
		}
	}
}

func TestQueryErrors(t *testing.T) {
	e := newEnv(t, Config{}, queryFixture())
	cases := []struct {
		name, body, text string
	}{
		{"MaxRecords 0", `{"MaxRecords":0,"filter":[{"op":"exist","field":"id"}]}`, errMaxRecords},
		{"MaxRecords 501", `{"MaxRecords":501,"filter":[{"op":"exist","field":"id"}]}`, errMaxRecords},
		{"MaxRecords fraction", `{"MaxRecords":1.5,"filter":[{"op":"exist","field":"id"}]}`, errMaxRecords},
		{"unknown field", `{"filter":[{"op":"eq","field":"colour","value":1}]}`, "Unable to find colour in the Company Entity."},
		{"unknown include field", `{"IncludeFields":["colour"],"filter":[{"op":"exist","field":"id"}]}`, "Unable to find colour in the Company Entity."},
		{"two udfs", `{"filter":[{"op":"eq","field":"Tier","value":"x","udf":true},{"op":"eq","field":"Seats","value":"1","udf":true}]}`, errTwoUDFs},
		{"empty filter", `{"filter":[]}`, errEmptyFilter},
		{"missing filter", `{"MaxRecords":5}`, errEmptyFilter},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectError(t, e.api("POST", "Companies/query", tc.body), 500, tc.text)
		})
	}
	expectErrorContains(t, e.api("POST", "Companies/query", `{"filter":[{"op":"noteExist","field":"id"}]}`), 500, "unknown operator 'noteExist'")
	expectErrorContains(t, e.api("POST", "Companies/query", `{"filter":[{"op":"eq","field":"companyType","value":"abc"}]}`), 500, "not a number")
	expectErrorContains(t, e.api("POST", "Companies/query", `not json`), 500, "Unable to parse the query")
	expectError(t, e.api("GET", "Companies/query", nil), 500, errEmptyFilter)
	// OR cap: 501 alternatives in an in-list.
	vals := make([]string, 501)
	for i := range vals {
		vals[i] = fmt.Sprint(i)
	}
	expectError(t, e.api("POST", "Companies/query", `{"filter":[{"op":"in","field":"id","value":[`+strings.Join(vals, ",")+`]}]}`), 500, errOrConditions)
	expectStatus(t, e.api("POST", "Companies/query", `{"filter":[{"op":"in","field":"id","value":[`+strings.Join(vals[:500], ",")+`]}]}`), 200)
	// Bounds that are allowed.
	for _, n := range []int{1, 500} {
		r := e.api("POST", "Companies/query", map[string]any{"MaxRecords": n, "filter": []any{f("exist", "id", nil)}})
		expectStatus(t, r, 200)
		if pd := r.body["pageDetails"].(map[string]any); num(pd["requestCount"]) != int64(n) {
			t.Fatalf("requestCount = %v, want %d", pd["requestCount"], n)
		}
	}
}

func TestQueryCountAndGETSearch(t *testing.T) {
	e := newEnv(t, Config{}, queryFixture())
	search := url.QueryEscape(`{"filter":[{"op":"eq","field":"city","value":"Amsterdam"}]}`)
	r := e.api("GET", "Companies/query/count?search="+search, nil)
	expectStatus(t, r, 200)
	if r.raw != `{"queryCount":2}` {
		t.Fatalf("count = %s", r.raw)
	}
	r = e.api("POST", "Companies/query/count", filterBody(f("exist", "id", nil)))
	if num(r.body["queryCount"]) != 4 {
		t.Fatalf("count = %s", r.raw)
	}
	if got := ids(t, e.api("GET", "Companies/query?search="+search, nil)); !reflect.DeepEqual(got, []int64{1, 4}) {
		t.Fatalf("GET query ids %v", got)
	}
	r = e.api("GET", "Companies/query?search="+search, nil)
	pd := r.body["pageDetails"].(map[string]any)
	if num(pd["count"]) != 2 || num(pd["requestCount"]) != 500 || pd["prevPageUrl"] != nil || pd["nextPageUrl"] != nil {
		t.Fatalf("pageDetails = %v", pd)
	}
}

// pagingEnv has 7 companies named "Page N" besides the fixture ones.
func pagingEnv(t *testing.T) *env {
	e := newEnv(t, Config{}, nil)
	for i := 0; i < 7; i++ {
		r := e.api("POST", "Companies", map[string]any{"companyName": fmt.Sprintf("Page %d", i), "companyType": 1, "phone": "1", "ownerResourceID": 1, "city": "Utrecht"})
		expectStatus(t, r, 200)
	}
	return e
}

func TestPagingPOST(t *testing.T) {
	e := pagingEnv(t)
	body := `{"MaxRecords":3,"IncludeFields":["companyName"],"filter":[{"op":"beginsWith","field":"companyName","value":"page"}]}`
	r := e.api("POST", "Companies/query", body)
	var all []int64
	pages := 0
	for {
		expectStatus(t, r, 200)
		pages++
		for _, it := range r.items() {
			if len(it) != 3 {
				t.Fatalf("page %d: IncludeFields not applied: %v", pages, it)
			}
			all = append(all, num(it["id"]))
		}
		next := r.nextPageURL()
		if next == "" {
			break
		}
		if !strings.HasPrefix(next, e.http.URL+"/ATServicesRest/V1.0/Companies/query/next?paging=") || strings.Contains(next, "search=") {
			t.Fatalf("nextPageUrl = %s", next)
		}
		// A GET on a POST cursor is refused (ref §5).
		g := e.call(&full, "GET", next, nil)
		expectErrorContains(t, g, http.StatusMethodNotAllowed, "does not support http method 'GET'")
		// A different body is refused.
		expectErrorContains(t, e.call(&full, "POST", next, `{"filter":[{"op":"exist","field":"id"}]}`), 500, "does not match")
		r = e.call(&full, "POST", next, body)
	}
	if pages != 3 || len(all) != 7 || !sort.SliceIsSorted(all, func(i, j int) bool { return all[i] < all[j] }) {
		t.Fatalf("pages %d ids %v", pages, all)
	}
	seen := map[int64]bool{}
	for _, id := range all {
		if seen[id] || id < 29680000 {
			t.Fatalf("duplicate or unexpected id %d in %v", id, all)
		}
		seen[id] = true
	}
}

func TestPagingGETKeepsSearchAndIncludeFields(t *testing.T) {
	e := pagingEnv(t)
	search := `{"MaxRecords":2,"IncludeFields":["city"],"filter":[{"op":"eq","field":"city","value":"utrecht"}]}`
	r := e.api("GET", "Companies/query?search="+url.QueryEscape(search), nil)
	var all []int64
	pages := 0
	for {
		expectStatus(t, r, 200)
		pages++
		for _, it := range r.items() {
			if _, has := it["companyName"]; has || it["city"] != "Utrecht" {
				t.Fatalf("projection lost on page %d: %v", pages, it)
			}
			all = append(all, num(it["id"]))
		}
		next := r.nextPageURL()
		if next == "" {
			break
		}
		u, err := url.Parse(next)
		if err != nil || u.Query().Get("search") != search || u.Query().Get("paging") == "" {
			t.Fatalf("nextPageUrl %s does not echo the search", next)
		}
		expectStatus(t, e.call(&full, "POST", next, search), http.StatusMethodNotAllowed)
		r = e.call(&full, "GET", next, nil)
	}
	if pages != 4 || len(all) != 7 {
		t.Fatalf("pages %d ids %v", pages, all)
	}
	expectErrorContains(t, e.api("GET", "Companies/query/next?paging=garbage", nil), 500, "paging token is invalid")
}

func TestChildCollectionGET(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	r := e.api("GET", "Contracts/2004/Services", nil)
	got := ids(t, r)
	if !reflect.DeepEqual(got, []int64{4002, 4003}) {
		t.Fatalf("child services %v", got)
	}
	if _, has := r.body["pageDetails"]; !has {
		t.Fatal("no pageDetails")
	}
	if it := e.api("GET", "Contracts/2004/Services/4002", nil).item(); num(it["id"]) != 4002 {
		t.Fatalf("child get %v", it)
	}
	if e.api("GET", "Contracts/2001/Services/4002", nil).body["item"] != nil {
		t.Fatal("child get of another contract's service returned it")
	}
	units := e.api("GET", "Contracts/2001/ServiceUnits", nil)
	if n := len(units.items()); n != 12 {
		t.Fatalf("12 monthly unit rows expected, got %d", n)
	}
	uid := num(units.items()[0]["id"])
	if it := e.api("GET", fmt.Sprintf("Contracts/2001/ServiceUnits/%d", uid), nil).item(); num(it["units"]) != 5 {
		t.Fatalf("unit row %v", it)
	}
}

func FuzzParseQuery(f *testing.F) {
	seeds := []string{
		`{"filter":[{"op":"exist","field":"id"}]}`,
		`{"MaxRecords":10,"IncludeFields":["companyName"],"filter":[{"op":"gte","field":"id","value":0}]}`,
		`{"Filter":[{"op":"or","items":[{"op":"eq","field":"companyType","value":1},{"op":"and","items":[{"op":"in","field":"id","value":[1,2]},{"op":"contains","field":"companyName","value":"a"}]}]}]}`,
		`{"filter":[{"op":"eq","field":"Tier","value":"Gold","udf":true}]}`,
		`{"filter":[{"op":"lte","field":"createDate","value":"2026-01-01T00:00:00Z"}]}`,
		`{"filter":[{"op":"notIn","field":"isActive","value":[true]}]}`,
		`{"filter":[]}`, `{"MaxRecords":0}`, `[]`, `null`, `{"filter":{"op":"eq"}}`, `{"filter":[{"op":"and","items":[]}]}`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	def := buildEntities()["companies"]
	rec := record{"id": int64(5), "companyName": "Alpha", "companyType": int64(1), "isActive": true,
		udfKey: []udfValue{{Name: "Tier", Value: strPtr("Gold")}}}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := parseQuery(def, []byte(s))
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error text")
			}
			return
		}
		if len(q.filter) == 0 || q.pageSize() < 1 || q.pageSize() > maxPageSize {
			t.Fatalf("accepted an invalid query %q", s)
		}
		_ = matchAll(q.filter, rec) // must not panic
	})
}

func strPtr(s string) *string { return &s }
