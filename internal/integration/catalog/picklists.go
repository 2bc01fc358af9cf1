package catalog

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
)

// PicklistKind names one of the ticket picklists ticket defaults use.
type PicklistKind string

// The ticket picklists (ref §7.7: Tickets fields queueID, status, priority).
const (
	PicklistQueue    PicklistKind = "queue"
	PicklistStatus   PicklistKind = "status"
	PicklistPriority PicklistKind = "priority"
)

// PicklistKinds lists every kind, in display order.
var PicklistKinds = []PicklistKind{PicklistQueue, PicklistStatus, PicklistPriority}

// Field is the Tickets field carrying the picklist.
func (k PicklistKind) Field() string {
	switch k {
	case PicklistQueue:
		return "queueID"
	case PicklistStatus:
		return "status"
	case PicklistPriority:
		return "priority"
	}
	return string(k)
}

// plural names the values in messages ("queues").
func (k PicklistKind) plural() string {
	switch k {
	case PicklistQueue:
		return "queues"
	case PicklistStatus:
		return "statuses"
	case PicklistPriority:
		return "priorities"
	}
	return string(k) + " values"
}

// PicklistValue is one ticket picklist entry. Autotask sends ids as strings
// (ref §7.0, VERIFIED); ticket picklist fields are integers, so ID is numeric.
type PicklistValue struct {
	ID        int64
	Label     string
	IsActive  bool
	IsDefault bool
	IsSystem  bool
	SortOrder int
}

// String renders `"Label" (id)`.
func (p PicklistValue) String() string { return fmt.Sprintf("%q (%d)", p.Label, p.ID) }

// TicketPicklists holds the Tickets queue, status and priority picklists,
// each sorted by Autotask's sort order, then id.
type TicketPicklists struct {
	Queues     []PicklistValue
	Statuses   []PicklistValue
	Priorities []PicklistValue
}

// Values returns the picklist of kind (nil for an unknown kind).
func (p *TicketPicklists) Values(kind PicklistKind) []PicklistValue {
	switch kind {
	case PicklistQueue:
		return p.Queues
	case PicklistStatus:
		return p.Statuses
	case PicklistPriority:
		return p.Priorities
	}
	return nil
}

// Lookup finds a value of kind by id, active or not.
func (p *TicketPicklists) Lookup(kind PicklistKind, id int64) (PicklistValue, bool) {
	for _, v := range p.Values(kind) {
		if v.ID == id {
			return v, true
		}
	}
	return PicklistValue{}, false
}

// PicklistError says why a ticket default could not be resolved and lists the
// active values to choose from.
type PicklistError struct {
	Kind  PicklistKind
	Input string
	// Inactive is set when Input names a value that exists but is inactive.
	Inactive *PicklistValue
	// Valid are the kind's active values.
	Valid []PicklistValue
}

// Error explains the problem and lists the valid labels.
func (e *PicklistError) Error() string {
	valid := make([]string, len(e.Valid))
	for i, v := range e.Valid {
		valid[i] = v.String()
	}
	list := "Valid " + e.Kind.plural() + ": " + strings.Join(valid, ", ") + "."
	if len(e.Valid) == 0 {
		list = "Autotask lists no active ticket " + e.Kind.plural() + "."
	}
	switch {
	case e.Inactive != nil:
		return fmt.Sprintf("The ticket %s %s exists in Autotask but is inactive, so tickets cannot use it. %s "+
			"Choose an active %s, or reactivate %q in Autotask.", e.Kind, e.Inactive.String(), list, e.Kind, e.Inactive.Label)
	case strings.TrimSpace(e.Input) == "":
		return fmt.Sprintf("The ticket %s is empty. %s Use one of these labels (case does not matter) or its numeric id.",
			e.Kind, list)
	default:
		return fmt.Sprintf("Autotask has no ticket %s %q. %s Use one of these labels (case does not matter) or its "+
			"numeric id; the petra_autotask_ticket_picklists data source lists them.", e.Kind, e.Input, list)
	}
}

// Resolve finds the active value of kind that labelOrID names: an all-digits
// input matches a value id, anything else a label (case-insensitively, ignoring
// surrounding spaces). It returns the value's id and its label as Autotask
// spells it; the error is a *PicklistError listing the valid active labels.
func (p *TicketPicklists) Resolve(kind PicklistKind, labelOrID string) (int64, string, error) {
	values := p.Values(kind)
	var active []PicklistValue
	for _, v := range values {
		if v.IsActive {
			active = append(active, v)
		}
	}
	fail := func(inactive *PicklistValue) (int64, string, error) {
		return 0, "", &PicklistError{Kind: kind, Input: labelOrID, Inactive: inactive, Valid: active}
	}
	in := strings.TrimSpace(labelOrID)
	if in == "" {
		return fail(nil)
	}
	var match *PicklistValue
	if id, err := strconv.ParseInt(in, 10, 64); err == nil && isDigits(in) {
		for i := range values {
			if values[i].ID == id {
				match = &values[i]
				break
			}
		}
	}
	if match == nil {
		// An active value wins over an inactive one of the same label.
		for i := range values {
			if strings.EqualFold(strings.TrimSpace(values[i].Label), in) && (match == nil || (!match.IsActive && values[i].IsActive)) {
				match = &values[i]
			}
		}
	}
	switch {
	case match == nil:
		return fail(nil)
	case !match.IsActive:
		v := *match
		return fail(&v)
	}
	return match.ID, match.Label, nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// ticketPicklistsKey is the run-wide cache key of the ticket picklists.
const ticketPicklistsKey = "autotask/picklists/tickets"

// TicketPicklists reads the Tickets queue, status and priority picklists from
// Tickets/entityInformation/fields, once per provider run.
func (s *Catalog) TicketPicklists(ctx context.Context) (*TicketPicklists, error) {
	at, err := s.run.Autotask()
	if err != nil {
		return nil, err
	}
	return run.Cached(ctx, s.run, ticketPicklistsKey, func(ctx context.Context) (*TicketPicklists, error) {
		fields, err := at.Fields(ctx, autotask.EntityTickets)
		if err != nil {
			return nil, fmt.Errorf("reading the Autotask ticket picklists (Tickets/entityInformation/fields): %w", err)
		}
		return ParseTicketPicklists(fields)
	})
}

// ParseTicketPicklists extracts the queue, status and priority picklists from
// Tickets field metadata.
func ParseTicketPicklists(fields []autotask.Field) (*TicketPicklists, error) {
	out := &TicketPicklists{}
	for _, kind := range PicklistKinds {
		f, ok := autotask.FindField(fields, kind.Field())
		if !ok || !f.IsPickList {
			return nil, fmt.Errorf("Autotask's Tickets field metadata has no %s picklist; the API user may lack access "+
				"to Tickets (check with the petra_autotask_connection resource)", kind.Field())
		}
		values := make([]PicklistValue, 0, len(f.PicklistValues))
		for _, pv := range f.PicklistValues {
			id, err := strconv.ParseInt(strings.TrimSpace(pv.Value), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("Autotask's Tickets %s picklist has a value %q (label %q) that is not a number; "+
					"ticket %s ids are integers", kind.Field(), pv.Value, pv.Label, kind)
			}
			values = append(values, PicklistValue{ID: id, Label: pv.Label, IsActive: pv.IsActive,
				IsDefault: pv.IsDefaultValue, IsSystem: pv.IsSystem, SortOrder: pv.SortOrder})
		}
		sort.SliceStable(values, func(i, j int) bool {
			if values[i].SortOrder != values[j].SortOrder {
				return values[i].SortOrder < values[j].SortOrder
			}
			return values[i].ID < values[j].ID
		})
		switch kind {
		case PicklistQueue:
			out.Queues = values
		case PicklistStatus:
			out.Statuses = values
		case PicklistPriority:
			out.Priorities = values
		}
	}
	return out, nil
}
