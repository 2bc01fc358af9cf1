package autotask

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzDecodeTime: any input either fails cleanly or yields a UTC time that
// survives a marshal/unmarshal round trip at second precision.
func FuzzDecodeTime(f *testing.F) {
	for _, s := range []string{
		`"2023-05-04T08:53:10Z"`, `"2019-11-25T15:47:59.167Z"`, `"2016-03-30T13:10:35.563"`,
		`"2024-01-02T03:04:05.1234567"`, `"2024-01-02T03:04:05+02:00"`, `"2026-11-23"`, `null`, `""`, `"x"`, `7`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var tm Time
		if err := json.Unmarshal(b, &tm); err != nil {
			return
		}
		if tm.IsZero() {
			return
		}
		if tm.Location() != time.UTC {
			t.Fatalf("%q decoded in %v, want UTC", b, tm.Location())
		}
		if tm.Year() < 0 || tm.Year() > 9999 {
			return // outside what the wire layout can express
		}
		out, err := json.Marshal(tm)
		if err != nil {
			t.Fatalf("marshal %v: %v", tm.Time, err)
		}
		var back Time
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("round trip of %s failed: %v", out, err)
		}
		if !back.Equal(tm.Truncate(time.Second)) {
			t.Fatalf("round trip %q -> %s -> %v, want %v", b, out, back.Time, tm.Truncate(time.Second))
		}
	})
}

// FuzzDecodeErrorResponse: any status/body pair classifies without panic;
// non-2xx always yields an error that reaches the *APIError and, when
// Autotask sent errors[] text, quotes it.
func FuzzDecodeErrorResponse(f *testing.F) {
	seeds := []struct {
		status int
		body   string
	}{
		{500, `{"errors":["Zone information could not be determined"]}`},
		{500, `{"errors":["IntegrationCode is invalid."]}`},
		{401, ``},
		{500, `{"errors":["The logged in Resource does not have the adequate permissions to query this entity type."]}`},
		{500, `{"errors":["Thread Threshold Exceeded (Itgenatr005)"]}`},
		{429, `{"errors":["threshold"]}`},
		{500, `{"errors":[{"message":"object"}]}`},
		{404, `<html>404</html>`},
		{400, `{"message":"x"}`},
		{200, `{}`},
		{503, `{"errors":null}`},
	}
	for _, s := range seeds {
		f.Add(s.status, []byte(s.body), false)
	}
	c := &Client{cfg: Config{Username: testUser, Now: time.Now}}
	f.Fuzz(func(t *testing.T, status int, body []byte, read bool) {
		if status < 100 || status > 599 {
			return
		}
		r := &request{method: http.MethodPost, read: read, entity: "Companies", op: OpCreate}
		err := c.classify(r, &response{status: status, header: http.Header{"Retry-After": {string(body)}}, body: body, path: "/x"})
		if status >= 200 && status < 300 {
			if err != nil {
				t.Fatalf("2xx classified as error: %v", err)
			}
			return
		}
		if err == nil {
			t.Fatalf("status %d produced no error", status)
		}
		var api *APIError
		if !errors.As(err, &api) || api.StatusCode != status {
			t.Fatalf("error %T does not reach the APIError: %v", err, err)
		}
		msg := err.Error()
		var perr *PermissionError
		if msgs, ok := parseErrorMessages(body); ok && !errors.As(err, &perr) {
			// Typed errors with fixed advice may paraphrase; the APIError keeps the text.
			if strings.Join(api.Messages, "\x00") != strings.Join(msgs, "\x00") {
				t.Fatalf("messages %q, want %q", api.Messages, msgs)
			}
		}
		if msg == "" {
			t.Fatal("empty error message")
		}
		_ = shouldRetryResponse(read, status, body)
	})
}

// FuzzDecodeEnvelopes: response envelopes and metadata never panic and
// picklist values always come out as text.
func FuzzDecodeEnvelopes(f *testing.F) {
	for _, s := range []string{
		`{"items":[{"id":1}],"pageDetails":{"count":1,"requestCount":500,"prevPageUrl":null,"nextPageUrl":null}}`,
		`{"items":[],"pageDetails":{"nextPageUrl":"https://x/ATServicesRest/V1.0/Companies/query/next?paging=1"}}`,
		`{"item":null}`, `{"item":{"id":5,"startDate":"2026-01-01T00:00:00"}}`, `{"itemId":7}`, `{"queryCount":3}`,
		`{"info":{"userAccessForQuery":"All","userAccessForCreate":2}}`,
		`{"fields":[{"name":"status","picklistValues":[{"value":"1","label":"New"},{"value":5,"label":"Complete"}]}]}`,
		`{"zoneName":"AE02","url":"https://webservices14.autotask.net/ATServicesRest/","webUrl":"https://ww14.autotask.net/","ci":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var page pageEnvelope
		_ = json.Unmarshal(b, &page)
		var unit struct {
			Item  *ContractServiceUnit  `json:"item"`
			Items []ContractServiceUnit `json:"items"`
		}
		_ = json.Unmarshal(b, &unit)
		var info struct {
			Info EntityInfo `json:"info"`
		}
		_ = json.Unmarshal(b, &info)
		var fields struct {
			Fields []Field `json:"fields"`
		}
		if json.Unmarshal(b, &fields) == nil {
			for _, fl := range fields.Fields {
				for _, pv := range fl.PicklistValues {
					if strings.HasPrefix(pv.Value, `"`) {
						t.Fatalf("picklist value kept its JSON quotes: %q", pv.Value)
					}
				}
			}
		}
		var z Zone
		if json.Unmarshal(b, &z) == nil && z.URL != "" {
			_, _ = normaliseServiceURL("zone URL", z.URL, "")
		}
		_, _ = parseErrorMessages(b)
	})
}
