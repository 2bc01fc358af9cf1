package catalog

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run/runtest"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/sandboxtest"
)

func basePicklists(t *testing.T) (*TicketPicklists, *sandboxtest.Instance, *Catalog) {
	t.Helper()
	sb := sandboxtest.Start(t, nil)
	svc := New(runtest.ForUser(t, sb, sb.Username, sb.Secret, sb.IntegrationCode))
	p, err := svc.TicketPicklists(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return p, sb, svc
}

func TestTicketPicklistsFromAutotask(t *testing.T) {
	p, sb, svc := basePicklists(t)
	if len(p.Queues) != 6 || len(p.Statuses) != 6 || len(p.Priorities) != 4 {
		t.Fatalf("got %d queues, %d statuses, %d priorities", len(p.Queues), len(p.Statuses), len(p.Priorities))
	}
	q := p.Queues[3]
	if q.ID != 29683482 || q.Label != "Monitoring Alerts" || !q.IsActive || q.IsSystem || q.SortOrder != 4 {
		t.Fatalf("queue #4 = %+v", q)
	}
	if s := p.Statuses[0]; s.ID != 1 || s.Label != "New" || !s.IsDefault || !s.IsSystem {
		t.Fatalf("status #1 = %+v", s)
	}
	if v, ok := p.Lookup(PicklistQueue, 29683490); !ok || v.IsActive {
		t.Fatalf("inactive queue Legacy Helpdesk: %+v %v", v, ok)
	}
	// Cached for the run: one fields request however often it is asked.
	for range 3 {
		if _, err := svc.TicketPicklists(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for _, r := range runtest.AutotaskRequests(t, sb) {
		if strings.HasSuffix(r.Path, "Tickets/entityInformation/fields") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("fields were read %d times, want once", n)
	}
}

func TestResolveTicketPicklist(t *testing.T) {
	p, _, _ := basePicklists(t)
	ok := []struct {
		kind  PicklistKind
		in    string
		id    int64
		label string
	}{
		{PicklistQueue, "Monitoring Alerts", 29683482, "Monitoring Alerts"},
		{PicklistQueue, "  monitoring ALERTS ", 29683482, "Monitoring Alerts"},
		{PicklistQueue, "29683482", 29683482, "Monitoring Alerts"},
		{PicklistStatus, "waiting customer", 7, "Waiting Customer"},
		{PicklistStatus, "1", 1, "New"},
		{PicklistPriority, "Critical", 4, "Critical"},
	}
	for _, tc := range ok {
		id, label, err := p.Resolve(tc.kind, tc.in)
		if err != nil || id != tc.id || label != tc.label {
			t.Errorf("Resolve(%s, %q) = %d, %q, %v; want %d, %q", tc.kind, tc.in, id, label, err, tc.id, tc.label)
		}
	}

	_, _, err := p.Resolve(PicklistQueue, "Monitoring")
	var pe *PicklistError
	if !errors.As(err, &pe) || pe.Inactive != nil {
		t.Fatalf("unknown label: %v", err)
	}
	want := `Autotask has no ticket queue "Monitoring". Valid queues: "Client Portal" (5), "Post Sale" (6), ` +
		`"Level I Support" (8), "Monitoring Alerts" (29683482), "Security Incidents" (29683483). Use one of these ` +
		`labels (case does not matter) or its numeric id; the petra_autotask_ticket_picklists data source lists them.`
	if err.Error() != want {
		t.Fatalf("got  %s\nwant %s", err, want)
	}

	_, _, err = p.Resolve(PicklistQueue, "legacy helpdesk")
	if !errors.As(err, &pe) || pe.Inactive == nil || pe.Inactive.ID != 29683490 ||
		!strings.HasPrefix(err.Error(), `The ticket queue "Legacy Helpdesk" (29683490) exists in Autotask but is inactive`) ||
		strings.Contains(err.Error(), `"Legacy Helpdesk" (29683490),`) {
		t.Fatalf("inactive label: %v", err)
	}
	if _, _, err = p.Resolve(PicklistStatus, "13"); err == nil || !strings.Contains(err.Error(), `"Escalated (retired)" (13) exists in Autotask but is inactive`) {
		t.Fatalf("inactive id: %v", err)
	}
	if _, _, err = p.Resolve(PicklistPriority, "99"); err == nil || !strings.Contains(err.Error(), `Autotask has no ticket priority "99". Valid priorities: "High" (1)`) {
		t.Fatalf("unknown id: %v", err)
	}
	if _, _, err = p.Resolve(PicklistStatus, " "); err == nil || !strings.HasPrefix(err.Error(), "The ticket status is empty. Valid statuses:") {
		t.Fatalf("empty: %v", err)
	}
}

func TestParseTicketPicklistsRejectsBadMetadata(t *testing.T) {
	good := func() []autotask.Field {
		return []autotask.Field{
			{Name: "queueID", IsPickList: true, PicklistValues: []autotask.PicklistValue{{Value: "5", Label: "Client Portal", IsActive: true}}},
			{Name: "Status", IsPickList: true, PicklistValues: []autotask.PicklistValue{{Value: "1", Label: "New", IsActive: true}}},
			{Name: "priority", IsPickList: true},
		}
	}
	if _, err := ParseTicketPicklists(good()); err != nil {
		t.Fatalf("PascalCase field names must be accepted: %v", err)
	}
	f := good()[:2]
	if _, err := ParseTicketPicklists(f); err == nil || !strings.Contains(err.Error(), "no priority picklist") {
		t.Fatalf("missing field: %v", err)
	}
	f = good()
	f[0].PicklistValues[0].Value = "abc"
	if _, err := ParseTicketPicklists(f); err == nil || !strings.Contains(err.Error(), `value "abc" (label "Client Portal") that is not a number`) {
		t.Fatalf("non-numeric value: %v", err)
	}
}
