package acctest

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/petra"
)

// The helpers below create test data through the Autotask REST API, the way a
// person or script would against a real database. Each fails the test with
// Autotask's own message when a call fails.

// CompanyOpts tune CreateCompany.
type CompanyOpts struct {
	// Type is the company type (default 1, Customer).
	Type int
	// Inactive creates the company inactive.
	Inactive bool
}

// CreateCompany creates a company and returns its id.
func (e *Env) CreateCompany(t testing.TB, name string, opts CompanyOpts) int64 {
	t.Helper()
	typ := opts.Type
	if typ == 0 {
		typ = autotask.CompanyTypeCustomer
	}
	body := map[string]any{
		"companyName": name, "companyType": typ, "isActive": !opts.Inactive,
		"phone": "555-0100", "ownerResourceID": e.ownerResourceID,
	}
	id, err := e.AT.Create(context.Background(), "Companies", body)
	if err != nil {
		t.Fatalf("creating company %q: %v", name, err)
	}
	return id
}

// SetCompanyActive changes a company's active flag (PATCH).
func (e *Env) SetCompanyActive(t testing.TB, id int64, active bool) {
	t.Helper()
	if _, err := e.AT.Update(context.Background(), "Companies", map[string]any{"id": id, "isActive": active}); err != nil {
		t.Fatalf("updating company %d: %v", id, err)
	}
}

// picklistValue finds a picklist value by label in an entity's field metadata.
func (e *Env) picklistValue(t testing.TB, entity, field, label string) int64 {
	t.Helper()
	fields, err := e.AT.Fields(context.Background(), entity)
	if err != nil {
		t.Fatalf("reading %s fields: %v", entity, err)
	}
	f, ok := autotask.FindField(fields, field)
	if !ok {
		t.Fatalf("%s has no field %s", entity, field)
	}
	v, ok := f.PicklistByLabel(label)
	if !ok {
		t.Fatalf("%s.%s has no picklist value %q", entity, field, label)
	}
	n, err := strconv.ParseInt(v.Value, 10, 64)
	if err != nil {
		t.Fatalf("%s.%s value %q: %v", entity, field, v.Value, err)
	}
	return n
}

// CreateService creates a monthly service and returns its id.
func (e *Env) CreateService(t testing.TB, name string, unitPrice float64) int64 {
	t.Helper()
	body := map[string]any{
		"name": name, "unitPrice": unitPrice, "isActive": true,
		"periodType":    e.picklistValue(t, "Services", "periodType", "Monthly"),
		"billingCodeID": e.billingCodeID,
	}
	id, err := e.AT.Create(context.Background(), "Services", body)
	if err != nil {
		t.Fatalf("creating service %q: %v", name, err)
	}
	return id
}

// ContractOpts tune CreateContract.
type ContractOpts struct {
	// Type is the contract type (default 7, Recurring Service).
	Type int
	// Inactive creates the contract with status 0.
	Inactive bool
}

// CreateContract creates a monthly contract running from start to end
// (YYYY-MM-DD) for a company and returns its id.
func (e *Env) CreateContract(t testing.TB, companyID int64, name, start, end string, opts ContractOpts) int64 {
	t.Helper()
	typ := opts.Type
	if typ == 0 {
		typ = 7
	}
	status := 1
	if opts.Inactive {
		status = 0
	}
	body := map[string]any{
		"companyID": companyID, "contractName": name, "contractType": typ, "status": status,
		"startDate": start + "T00:00:00Z", "endDate": end + "T00:00:00Z",
		"timeReportingRequiresStartAndStopTimes": 0,
	}
	if typ == 7 {
		body["contractPeriodType"] = e.picklistValue(t, "Contracts", "contractPeriodType", "Monthly")
	}
	id, err := e.AT.Create(context.Background(), "Contracts", body)
	if err != nil {
		t.Fatalf("creating contract %q: %v", name, err)
	}
	return id
}

// UpdateContract PATCHes fields of a contract (e.g. endDate).
func (e *Env) UpdateContract(t testing.TB, id int64, fields map[string]any) {
	t.Helper()
	body := map[string]any{"id": id}
	for k, v := range fields {
		body[k] = v
	}
	if _, err := e.AT.Update(context.Background(), "Contracts", body); err != nil {
		t.Fatalf("updating contract %d: %v", id, err)
	}
}

// AddContractService adds a service line to a recurring contract through the
// child route and returns the contract service id. The same service may be
// added twice, as happens in real tenants.
func (e *Env) AddContractService(t testing.TB, contractID, serviceID int64, unitPrice float64) int64 {
	t.Helper()
	id, err := e.AT.CreateChild(context.Background(), "Contracts", contractID, "Services",
		map[string]any{"contractID": contractID, "serviceID": serviceID, "unitPrice": unitPrice})
	if err != nil {
		t.Fatalf("adding service %d to contract %d: %v", serviceID, contractID, err)
	}
	return id
}

// UnitsOn reads a contract service's units in effect on day, the way ref §8
// says: the ContractServiceUnits row covering the day with the latest start.
// It asks for a window one day wider on each side and picks the row here,
// so the answer does not depend on how the database compares date filters
// with date-only columns (the sandbox can do it either way).
func (e *Env) UnitsOn(t testing.TB, contractServiceID int64, day time.Time) int {
	t.Helper()
	d := midnight(day)
	rows, err := autotask.Query[autotask.ContractServiceUnit](context.Background(), e.AT, "ContractServiceUnits", autotask.QuerySpec{
		Filter: []autotask.Filter{
			autotask.Eq("contractServiceID", contractServiceID),
			autotask.Lte("startDate", autotask.TimeOf(d.AddDate(0, 0, 1)).WireString()),
			autotask.Gte("endDate", autotask.TimeOf(d.AddDate(0, 0, -1)).WireString()),
		},
	})
	if err != nil {
		t.Fatalf("reading units of contract service %d: %v", contractServiceID, err)
	}
	var covering []autotask.ContractServiceUnit
	for _, r := range rows {
		if !midnight(r.StartDate.Time).After(d) && !midnight(r.EndDate.Time).Before(d) {
			covering = append(covering, r)
		}
	}
	if len(covering) == 0 {
		return 0
	}
	sort.Slice(covering, func(i, j int) bool {
		if covering[i].StartDate.Equal(covering[j].StartDate.Time) {
			return covering[i].ID < covering[j].ID
		}
		return covering[i].StartDate.Before(covering[j].StartDate.Time)
	})
	return int(covering[len(covering)-1].Units)
}

// UnitsToday is UnitsOn(Today).
func (e *Env) UnitsToday(t testing.TB, contractServiceID int64) int {
	t.Helper()
	return e.UnitsOn(t, contractServiceID, e.Today)
}

// Adjust posts a ContractServiceAdjustment of delta units effective on day,
// as someone editing the contract by hand (or another tool) would.
func (e *Env) Adjust(t testing.TB, contractID, contractServiceID int64, delta int, day time.Time) {
	t.Helper()
	body := map[string]any{
		"contractID": contractID, "contractServiceID": contractServiceID,
		"effectiveDate": autotask.TimeOf(midnight(day)).WireString(), "unitChange": delta,
	}
	if _, err := e.AT.Create(context.Background(), "ContractServiceAdjustments", body); err != nil {
		t.Fatalf("adjusting contract service %d by %d: %v", contractServiceID, delta, err)
	}
}

// SetUnits brings a contract service to units effective today.
func (e *Env) SetUnits(t testing.TB, contractID, contractServiceID int64, units int) {
	t.Helper()
	if d := units - e.UnitsToday(t, contractServiceID); d != 0 {
		e.Adjust(t, contractID, contractServiceID, d, e.Today)
	}
}

// BillingTarget is a ready-to-map recurring contract with one service line.
type BillingTarget struct {
	CompanyID, ContractID, ServiceID, ContractServiceID int64
	CompanyName, ContractName, ServiceName              string
}

// NewBillingTarget creates a company, a service and an active monthly
// Recurring Service contract running from 60 days ago to 300 days ahead with
// the service on it, holding units units today.
func (e *Env) NewBillingTarget(t testing.TB, units int) BillingTarget {
	t.Helper()
	var b BillingTarget
	b.CompanyName = e.Unique("Acc Company")
	b.CompanyID = e.CreateCompany(t, b.CompanyName, CompanyOpts{})
	b.ServiceName = e.Unique("Petra M365 Protection")
	b.ServiceID = e.CreateService(t, b.ServiceName, 4.5)
	b.ContractName = e.Unique("Managed Security")
	b.ContractID = e.CreateContract(t, b.CompanyID, b.ContractName, e.Date(-60), e.Date(300), ContractOpts{})
	b.ContractServiceID = e.AddContractService(t, b.ContractID, b.ServiceID, 4.5)
	if units != 0 {
		e.SetUnits(t, b.ContractID, b.ContractServiceID, units)
	}
	return b
}

// PetraTenants lists the sandbox's Petra tenants (paused included).
func (e *Env) PetraTenants(t testing.TB) []petra.Tenant {
	t.Helper()
	ts, err := e.Petra.Tenants(context.Background())
	if err != nil {
		t.Fatalf("listing Petra tenants: %v", err)
	}
	return ts
}

// PetraTenant returns the i-th active (not paused) Petra tenant.
func (e *Env) PetraTenant(t testing.TB, i int) petra.Tenant {
	t.Helper()
	var active []petra.Tenant
	for _, x := range e.PetraTenants(t) {
		if !x.IsPaused {
			active = append(active, x)
		}
	}
	if i >= len(active) {
		t.Fatalf("the fixture has %d active Petra tenants; test wants #%d", len(active), i)
	}
	return active[i]
}

// String describes the target for failure messages.
func (b BillingTarget) String() string {
	return fmt.Sprintf("company %d / contract %d / service %d / line %d", b.CompanyID, b.ContractID, b.ServiceID, b.ContractServiceID)
}
