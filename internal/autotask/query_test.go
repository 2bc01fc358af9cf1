package autotask

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFilterWireJSON(t *testing.T) {
	type ticketStatus int
	when := time.Date(2026, 11, 23, 8, 30, 0, 0, time.FixedZone("CET", 3600))
	cases := []struct {
		name string
		f    Filter
		want string
	}{
		{"eq int", Eq("companyID", 5), `{"op":"eq","field":"companyID","value":5}`},
		{"eq zero is still sent", Eq("status", 0), `{"op":"eq","field":"status","value":0}`},
		{"eq empty string is still sent", Eq("phone", ""), `{"op":"eq","field":"phone","value":""}`},
		{"eq named int type", Eq("status", ticketStatus(5)), `{"op":"eq","field":"status","value":5}`},
		{"noteq", NotEq("status", 5), `{"op":"noteq","field":"status","value":5}`},
		{"gt", Gt("id", int64(10)), `{"op":"gt","field":"id","value":10}`},
		{"gte", Gte("unitPrice", 1.5), `{"op":"gte","field":"unitPrice","value":1.5}`},
		{"lt", Lt("companyName", "M"), `{"op":"lt","field":"companyName","value":"M"}`},
		{"lte time in UTC", Lte("startDate", when), `{"op":"lte","field":"startDate","value":"2026-11-23T07:30:00Z"}`},
		{"eq Time", Eq("endDate", Date(2027, 1, 31)), `{"op":"eq","field":"endDate","value":"2027-01-31T00:00:00Z"}`},
		{"eq bool", Eq("isActive", false), `{"op":"eq","field":"isActive","value":false}`},
		{"beginsWith", BeginsWith("companyName", "Ac"), `{"op":"beginsWith","field":"companyName","value":"Ac"}`},
		{"endsWith", EndsWith("companyName", "Ltd"), `{"op":"endsWith","field":"companyName","value":"Ltd"}`},
		{"contains", Contains("companyName", "me"), `{"op":"contains","field":"companyName","value":"me"}`},
		{"exist has no value", Exist("id"), `{"op":"exist","field":"id"}`},
		{"notExist has no value", NotExist("endDate"), `{"op":"notExist","field":"endDate"}`},
		{"in", In("id", 1, 2, 3), `{"op":"in","field":"id","value":[1,2,3]}`},
		{"notIn strings", NotIn("name", "a", "b"), `{"op":"notIn","field":"name","value":["a","b"]}`},
		{"udf", UDF(Eq("CustomerRanking", "A")), `{"op":"eq","field":"CustomerRanking","value":"A","udf":true}`},
		{"or", Or(Eq("companyType", 1), Eq("companyType", 3)),
			`{"op":"or","items":[{"op":"eq","field":"companyType","value":1},{"op":"eq","field":"companyType","value":3}]}`},
		{"and nested in or", Or(And(Eq("a", 1), Exist("b")), NotExist("c")),
			`{"op":"or","items":[{"op":"and","items":[{"op":"eq","field":"a","value":1},{"op":"exist","field":"b"}]},{"op":"notExist","field":"c"}]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(tc.f)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if string(got) != tc.want {
				t.Errorf("wire JSON\n got: %s\nwant: %s", got, tc.want)
			}
		})
	}
}

func TestQuerySpecWireJSON(t *testing.T) {
	cases := []struct {
		name string
		q    QuerySpec
		want string
	}{
		{"empty filter becomes the match-all sentinel", QuerySpec{},
			`{"filter":[{"op":"gte","field":"id","value":0}]}`},
		{"include fields gain id, max records kept",
			QuerySpec{Filter: []Filter{Eq("isActive", true)}, IncludeFields: []string{"companyName"}, MaxRecords: 50},
			`{"filter":[{"op":"eq","field":"isActive","value":true}],"IncludeFields":["companyName","id"],"MaxRecords":50}`},
		{"id already included in another case", QuerySpec{IncludeFields: []string{"ID", "phone"}},
			`{"filter":[{"op":"gte","field":"id","value":0}],"IncludeFields":["ID","phone"]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustJSON(t, tc.q); got != tc.want {
				t.Errorf("wire JSON\n got: %s\nwant: %s", got, tc.want)
			}
		})
	}
}

func TestQueryValidation(t *testing.T) {
	cases := []struct {
		name    string
		q       QuerySpec
		wantErr string
	}{
		{"max records too large", QuerySpec{MaxRecords: 501}, "MaxRecords is 501; Autotask accepts 1 to 500"},
		{"max records negative", QuerySpec{MaxRecords: -1}, "MaxRecords is -1"},
		{"zero filter", QuerySpec{Filter: []Filter{{}}}, "filter 0 is empty"},
		{"empty group", QuerySpec{Filter: []Filter{Eq("a", 1), Or()}}, "filter 1: an or group needs at least one condition"},
		{"empty in", QuerySpec{Filter: []Filter{In[int64]("id")}}, `the in condition on "id" has no values`},
		{"missing field", QuerySpec{Filter: []Filter{Eq("", 1)}}, "has no field name"},
		{"two udfs", QuerySpec{Filter: []Filter{UDF(Eq("A", "x")), Or(UDF(Eq("B", "y")))}}, "Autotask allows only one per query"},
		{"udf on a group", QuerySpec{Filter: []Filter{UDF(Or(Eq("A", "x")))}}, "autotask.UDF applies to one condition"},
		{"blank include field", QuerySpec{IncludeFields: []string{" "}}, "IncludeFields[0] is empty"},
		{"oversized in inside a group", QuerySpec{Filter: []Filter{Or(In("id", seq(501)...), Eq("x", 1))}},
			"inside an and/or group has 501 values"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := queryBodies(tc.q)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
	for _, ok := range []int{0, 1, 500} {
		if _, err := queryBodies(QuerySpec{MaxRecords: ok}); err != nil {
			t.Errorf("MaxRecords %d rejected: %v", ok, err)
		}
	}
}

func seq(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i + 1)
	}
	return out
}

func TestInListsAreSplitAt500(t *testing.T) {
	ids := append(seq(1200), 7, 8) // duplicates are dropped
	bodies, err := queryBodies(QuerySpec{Filter: []Filter{Eq("isActive", true), In("id", ids...)}, IncludeFields: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 3 {
		t.Fatalf("got %d request bodies, want 3", len(bodies))
	}
	seen := map[float64]bool{}
	for i, b := range bodies {
		var w struct {
			Filter []struct {
				Op    string `json:"op"`
				Value any    `json:"value"`
			} `json:"filter"`
			IncludeFields []string
		}
		if err := json.Unmarshal(b, &w); err != nil {
			t.Fatal(err)
		}
		if len(w.Filter) != 2 || w.Filter[0].Op != "eq" || w.Filter[1].Op != "in" {
			t.Fatalf("body %d lost the other conditions: %s", i, b)
		}
		vals, _ := w.Filter[1].Value.([]any)
		if len(vals) > MaxListValues {
			t.Errorf("body %d has %d in values", i, len(vals))
		}
		for _, v := range vals {
			seen[v.(float64)] = true
		}
		if len(w.IncludeFields) != 1 {
			t.Errorf("body %d IncludeFields = %v", i, w.IncludeFields)
		}
	}
	if len(seen) != 1200 {
		t.Errorf("split lists cover %d distinct ids, want 1200", len(seen))
	}

	// notIn: one request, AND of lists of at most 500.
	bodies, err = queryBodies(QuerySpec{Filter: []Filter{NotIn("id", seq(1001)...)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 1 {
		t.Fatalf("notIn produced %d bodies, want 1", len(bodies))
	}
	var w struct {
		Filter []struct {
			Op    string `json:"op"`
			Items []struct {
				Op    string `json:"op"`
				Value []any  `json:"value"`
			} `json:"items"`
		} `json:"filter"`
	}
	if err := json.Unmarshal(bodies[0], &w); err != nil {
		t.Fatal(err)
	}
	if w.Filter[0].Op != "and" || len(w.Filter[0].Items) != 3 || w.Filter[0].Items[2].Op != "notIn" || len(w.Filter[0].Items[2].Value) != 1 {
		t.Errorf("notIn split = %s", bodies[0])
	}
}

func TestQueryWithLongInListSendsSeveralRequestsAndMergesResults(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Filter []struct {
				Value []int64 `json:"value"`
			} `json:"filter"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		if strings.HasSuffix(r.URL.Path, "/count") {
			writeJSON(w, 200, map[string]any{"queryCount": len(body.Filter[0].Value)})
			return
		}
		items := []map[string]any{}
		for _, id := range body.Filter[0].Value {
			if id%100 == 0 { // the server "has" every hundredth company
				items = append(items, map[string]any{"id": id, "companyName": "C"})
			}
		}
		writeJSON(w, 200, map[string]any{"items": items, "pageDetails": map[string]any{"count": len(items), "nextPageUrl": nil}})
	})
	got, err := Query[Company](t.Context(), h.c, EntityCompanies, QuerySpec{Filter: []Filter{In("id", seq(1001)...)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 10 || got[0].ID != 100 || got[9].ID != 1000 {
		t.Errorf("merged results = %+v", got)
	}
	if n := h.reqs.count("POST", "/V1.0/Companies/query"); n != 3 {
		t.Errorf("sent %d query requests, want 3", n)
	}
	n, err := h.c.Count(t.Context(), EntityCompanies, In("id", seq(1001)...))
	if err != nil || n != 1001 {
		t.Errorf("Count = %d, %v; want 1001 summed over split requests", n, err)
	}
}

// TestQueryWithLongInListOverlapsItsRequests proves that the requests of a
// split in list are in flight together: the server answers the first only
// after it has answered the second, which a client sending them one after
// another could never get past (it fails after waiting). The results still
// come back in the order of the list.
func TestQueryWithLongInListOverlapsItsRequests(t *testing.T) {
	secondDone := make(chan struct{})
	var once sync.Once
	stalled := make(chan struct{}, 1)
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Filter []struct {
				Value []int64 `json:"value"`
			} `json:"filter"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		ids := body.Filter[0].Value
		if ids[0] == 1 { // the first part of the list
			select {
			case <-secondDone:
			case <-time.After(10 * time.Second):
				stalled <- struct{}{}
			}
		}
		items := []map[string]any{}
		for _, id := range ids {
			if id%250 == 0 {
				items = append(items, map[string]any{"id": id, "companyName": "C"})
			}
		}
		writeJSON(w, 200, map[string]any{"items": items, "pageDetails": map[string]any{"count": len(items), "nextPageUrl": nil}})
		if ids[0] != 1 {
			once.Do(func() { close(secondDone) })
		}
	})
	got, err := Query[Company](t.Context(), h.c, EntityCompanies, QuerySpec{Filter: []Filter{In("id", seq(1000)...)}})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-stalled:
		t.Fatal("the first request of the split query was answered only after a long wait for the second: the client sends them one after another")
	default:
	}
	var ids []int64
	for _, c := range got {
		ids = append(ids, c.ID)
	}
	if want := []int64{250, 500, 750, 1000}; !slices.Equal(ids, want) {
		t.Errorf("merged results = %v, want %v (in the order of the list)", ids, want)
	}
}
