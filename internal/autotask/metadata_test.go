package autotask

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestEntityInformationAcceptsBothAccessEncodingsAndIsCached(t *testing.T) {
	var calls atomic.Int32
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		time.Sleep(10 * time.Millisecond) // let concurrent callers pile up
		switch {
		case strings.HasSuffix(r.URL.Path, "/Companies/entityInformation"):
			_, _ = w.Write([]byte(`{"info":{"name":"Company","canCreate":true,"canDelete":false,"canQuery":true,"canUpdate":true,
				"userAccessForCreate":"All","userAccessForDelete":"None","userAccessForQuery":"Restricted","userAccessForUpdate":"all",
				"hasUserDefinedFields":true,"supportsWebhookCallouts":true}}`))
		case strings.HasSuffix(r.URL.Path, "/ContractServiceAdjustments/entityInformation"):
			_, _ = w.Write([]byte(`{"info":{"name":"ContractServiceAdjustment","canCreate":true,"canQuery":false,
				"userAccessForCreate":0,"userAccessForDelete":null,"userAccessForQuery":2,"userAccessForUpdate":1}}`))
		default:
			writeErrors(w, 500, "unexpected")
		}
	})
	var wg sync.WaitGroup
	infos := make([]EntityInfo, 5)
	for i := range infos {
		wg.Go(func() {
			info, err := h.c.EntityInformation(t.Context(), "Companies")
			if err != nil {
				t.Error(err)
			}
			infos[i] = info
		})
	}
	wg.Wait()
	if _, err := h.c.EntityInformation(t.Context(), "companies"); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 {
		t.Errorf("%d entityInformation requests for one entity, want 1 (shared and cached)", calls.Load())
	}
	ci := infos[4]
	if !ci.CanCreate || ci.CanDelete || ci.UserAccessForCreate != AccessAll || ci.UserAccessForDelete != AccessNone ||
		ci.UserAccessForQuery != AccessRestricted || ci.UserAccessForUpdate != AccessAll || ci.Name != "Company" {
		t.Errorf("Companies info = %+v", ci)
	}
	adj, err := h.c.EntityInformation(t.Context(), EntityContractServiceAdjustments)
	if err != nil {
		t.Fatal(err)
	}
	if adj.UserAccessForCreate != AccessNone || adj.UserAccessForDelete != AccessNone || adj.UserAccessForQuery != AccessRestricted ||
		adj.UserAccessForUpdate != AccessAll {
		t.Errorf("numeric access levels decoded as %+v", adj)
	}
	if adj.UserAccessForQuery.String() != "Restricted" {
		t.Errorf("String() = %s", adj.UserAccessForQuery)
	}
}

func TestEntityInformationErrorsAreNotCached(t *testing.T) {
	h := newHarness(t, failFirst(1, func(w http.ResponseWriter, _ *http.Request) { writeErrors(w, 500, "IntegrationCode is invalid.") },
		func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"info":{"name":"Ticket","canQuery":true,"userAccessForQuery":"All"}}`))
		}))
	if _, err := h.c.EntityInformation(t.Context(), EntityTickets); err == nil {
		t.Fatal("first call should fail")
	}
	info, err := h.c.EntityInformation(t.Context(), EntityTickets)
	if err != nil || !info.CanQuery {
		t.Fatalf("second call = %+v, %v", info, err)
	}
}

func TestAccessRejectsUnknownValues(t *testing.T) {
	var a Access
	for _, bad := range []string{`"Some"`, `3`, `-1`, `true`} {
		if err := a.UnmarshalJSON([]byte(bad)); err == nil {
			t.Errorf("%s accepted as %v", bad, a)
		}
	}
}

func TestFieldsPicklistsAsStrings(t *testing.T) {
	var calls atomic.Int32
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path != "/ATServicesRest/V1.0/Tickets/entityInformation/fields" {
			t.Errorf("path = %s", r.URL.Path)
		}
		_, _ = w.Write([]byte(`{"fields":[
			{"name":"queueID","dataType":"integer","length":0,"isRequired":false,"isReadOnly":false,"isQueryable":true,
			 "isReference":false,"referenceEntityType":"","isPickList":true,"picklistParentValueField":"","isSupportedWebhookField":true,
			 "picklistValues":[
			   {"value":"5","label":"Client Portal","isDefaultValue":false,"sortOrder":0,"parentValue":"","isActive":true,"isSystem":true},
			   {"value":"29683482","label":"Security Alerts","isDefaultValue":true,"sortOrder":1,"parentValue":null,"isActive":true,"isSystem":false}]},
			{"name":"Priority","dataType":"integer","isRequired":true,"isPickList":true,
			 "picklistValues":[{"value":4,"label":"Critical","parentValue":7,"isActive":true}]},
			{"name":"title","dataType":"string","length":255,"isRequired":true,"isPickList":false,"picklistValues":null}]}`))
	})
	fields, err := h.c.Fields(t.Context(), EntityTickets)
	if err != nil {
		t.Fatal(err)
	}
	q, ok := FindField(fields, "QUEUEID")
	if !ok || !q.IsPickList || len(q.PicklistValues) != 2 {
		t.Fatalf("queueID = %+v, %v", q, ok)
	}
	if pv, ok := q.PicklistByLabel(" security alerts "); !ok || pv.Value != "29683482" || !pv.IsDefaultValue || pv.ParentValue != "" {
		t.Errorf("PicklistByLabel = %+v, %v", pv, ok)
	}
	if pv, ok := q.PicklistByValue("5"); !ok || pv.Label != "Client Portal" || !pv.IsSystem {
		t.Errorf("PicklistByValue = %+v, %v", pv, ok)
	}
	p, ok := FindField(fields, "priority")
	if !ok || p.PicklistValues[0].Value != "4" || p.PicklistValues[0].ParentValue != "7" {
		t.Errorf("numeric picklist values not kept as text: %+v", p)
	}
	if title, ok := FindField(fields, "title"); !ok || title.PicklistValues != nil || title.Length != 255 {
		t.Errorf("title = %+v", title)
	}
	if _, ok := FindField(fields, "nope"); ok {
		t.Error("found a field that does not exist")
	}
	// Cached, and the caller's copy is its own.
	fields[0].PicklistValues[0].Label = "changed"
	again, err := h.c.Fields(t.Context(), "tickets")
	if err != nil || again[0].PicklistValues[0].Label != "Client Portal" || calls.Load() != 1 {
		t.Errorf("second Fields: %v, label %q, %d requests", err, again[0].PicklistValues[0].Label, calls.Load())
	}
}
