package autotask

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAuthHeadersOnEveryCall(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) { okThreshold(w) }, func(c *Config) {
		c.UserAgent = "petra-test/1.0"
	})
	if _, err := h.c.ThresholdInformation(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := h.reqs.all()[0]
	want := map[string]string{
		"ApiIntegrationCode": testCode, "UserName": testUser, "Secret": testSecret,
		"Content-Type": "application/json", "Accept": "application/json", "User-Agent": "petra-test/1.0",
	}
	for k, v := range want {
		if got.Header.Get(k) != v {
			t.Errorf("header %s = %q, want %q", k, got.Header.Get(k), v)
		}
	}
	if got.Header.Get("ImpersonationResourceId") != "" {
		t.Error("ImpersonationResourceId must never be sent")
	}
	if got.Path != "/ATServicesRest/V1.0/ThresholdInformation" {
		t.Errorf("path = %s", got.Path)
	}
}

func TestInvalidIntegrationCode(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) { writeErrors(w, 500, "IntegrationCode is invalid.") })
	_, err := h.c.ThresholdInformation(t.Context())
	var ierr *InvalidIntegrationCodeError
	if !errors.As(err, &ierr) {
		t.Fatalf("error = %T %v, want *InvalidIntegrationCodeError", err, err)
	}
	if !strings.Contains(err.Error(), "API tracking identifier") {
		t.Errorf("message does not say how to fix it: %s", err)
	}
	if len(h.reqs.all()) != 1 {
		t.Errorf("retried an invalid integration code: %d requests", len(h.reqs.all()))
	}
}

func TestPermissionErrorsNameEntityAndOperation(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/Contracts/query"):
			writeErrors(w, 500, "The logged in Resource does not have the adequate permissions to query this entity type.")
		case strings.HasSuffix(r.URL.Path, "/ContractServiceAdjustments"):
			writeErrors(w, 500, "The logged in Resource does not have the adequate permissions to create this entity type.")
		default:
			w.WriteHeader(http.StatusForbidden)
		}
	})
	cases := []struct {
		name   string
		call   func() error
		entity string
		op     Operation
		text   string
	}{
		{"query via 500 text", func() error {
			_, err := Query[Contract](t.Context(), h.c, EntityContracts, QuerySpec{})
			return err
		}, "Contracts", OpQuery, "adequate permissions to query"},
		{"create via 500 text", func() error {
			_, err := h.c.Create(t.Context(), EntityContractServiceAdjustments, ContractServiceAdjustment{ContractServiceID: 3, EffectiveDate: Date(2026, 1, 1), UnitChange: 2})
			return err
		}, "ContractServiceAdjustments", OpCreate, "adequate permissions to create"},
		{"update via 403", func() error {
			_, err := h.c.Update(t.Context(), EntityCompanies, map[string]any{"id": 5, "phone": "1"})
			return err
		}, "Companies", OpUpdate, "HTTP 403"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(h.reqs.all())
			err := tc.call()
			var perr *PermissionError
			if !errors.As(err, &perr) {
				t.Fatalf("error = %T %v, want *PermissionError", err, err)
			}
			if perr.Entity != tc.entity || perr.Operation != tc.op {
				t.Errorf("PermissionError{%s, %s}, want {%s, %s}", perr.Entity, perr.Operation, tc.entity, tc.op)
			}
			msg := err.Error()
			if !strings.Contains(msg, "not allowed to "+string(tc.op)+" "+tc.entity) || !strings.Contains(msg, tc.text) ||
				!strings.Contains(msg, "security level") {
				t.Errorf("message does not name the operation, entity, Autotask's text and the fix: %s", msg)
			}
			if errors.Is(err, ErrOutcomeUnknown) {
				t.Error("a permission refusal is a known outcome")
			}
			if n := len(h.reqs.all()) - before; n != 1 {
				t.Errorf("%d requests, want 1 (never retried)", n)
			}
		})
	}
}

func TestBusinessRuleTextIsVerbatimAndNotRetriedForCreate(t *testing.T) {
	const text = "When assigning a Resource, you must assign both a assignedResourceID and assignedResourceRoleID."
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) { writeErrors(w, 500, text, "queueID is required") })
	_, err := h.c.Create(t.Context(), EntityTickets, Ticket{Title: "x"})
	var berr *BusinessRuleError
	if !errors.As(err, &berr) {
		t.Fatalf("error = %T %v, want *BusinessRuleError", err, err)
	}
	if len(berr.Messages()) != 2 || berr.Messages()[0] != text || !strings.Contains(err.Error(), `"`+text+`"`) {
		t.Errorf("text not kept verbatim: %v / %s", berr.Messages(), err)
	}
	var api *APIError
	if !errors.As(err, &api) || api.StatusCode != 500 || api.Method != "POST" || api.Path != "/ATServicesRest/V1.0/Tickets" {
		t.Errorf("APIError = %+v", api)
	}
	if errors.Is(err, ErrOutcomeUnknown) {
		t.Error("a business-rule refusal is a known outcome")
	}
	if n := h.reqs.count("POST", "/V1.0/Tickets"); n != 1 || len(h.sleeps.all()) != 0 {
		t.Errorf("create sent %d times (waits %v); a 500 with errors[] must not be retried", n, h.sleeps.all())
	}
}

func TestNonJSONErrorBodyIsKept(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusMethodNotAllowed)
		_, _ = w.Write([]byte("<html><body>The requested resource does not support http method 'PATCH'.</body></html>"))
	})
	_, err := h.c.Update(t.Context(), EntityCompanies, map[string]any{"id": 9})
	var api *APIError
	if !errors.As(err, &api) || api.StatusCode != 405 || !strings.Contains(api.Body, "does not support http method") || len(api.Messages) != 0 {
		t.Fatalf("error = %T %+v", err, err)
	}
	if !strings.Contains(err.Error(), "HTTP 405") || !strings.Contains(err.Error(), "does not support http method") {
		t.Errorf("message = %s", err)
	}
}

func TestClassifyFallbacks(t *testing.T) {
	c := &Client{cfg: Config{Username: testUser, Now: time.Now}}
	cases := []struct {
		status int
		body   string
		read   bool
		check  func(error) bool
		name   string
	}{
		{500, `{"errors":[{"message":"object form"}]}`, true, func(e error) bool {
			var b *BusinessRuleError
			return errors.As(e, &b) && b.Messages()[0] == "object form"
		}, "errors as objects"},
		{400, `{"message":"asp.net style"}`, true, func(e error) bool {
			var a *APIError
			return errors.As(e, &a) && a.Messages[0] == "asp.net style"
		}, "message field"},
		{503, `Service Unavailable`, false, func(e error) bool { return errors.Is(e, ErrOutcomeUnknown) }, "write 503"},
		{503, `Service Unavailable`, true, func(e error) bool { return !errors.Is(e, ErrOutcomeUnknown) }, "read 503"},
		{502, `{"errors":["Thread Threshold Exceeded (Itgenatr005)"]}`, true, func(e error) bool {
			var th *ThreadLimitError
			return errors.As(e, &th)
		}, "thread text on 502"},
		{404, ``, true, func(e error) bool { return errors.Is(e, ErrNotFound) }, "404 matches ErrNotFound"},
		{500, `{"errors":["The logged in Resource does not have the adequate permissions to delete this entity timeEntryType."]}`, true,
			func(e error) bool {
				var p *PermissionError
				return errors.As(e, &p) && p.Operation == OpDelete
			}, "delete verb"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &request{method: "POST", read: tc.read, entity: "Companies", op: OpCreate}
			err := c.classify(r, &response{status: tc.status, header: http.Header{}, body: []byte(tc.body), path: "/p"})
			if err == nil || !tc.check(err) {
				t.Errorf("classify(%d, %s) = %T %v", tc.status, tc.body, err, err)
			}
		})
	}
}
