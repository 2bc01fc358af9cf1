package acctest

import "testing"

// TestBillingTargetThroughTheAPI proves the harness builds a billable
// recurring contract purely through Autotask API calls and reads units back
// the way ref §8 describes.
func TestBillingTargetThroughTheAPI(t *testing.T) {
	e := New(t)
	b := e.NewBillingTarget(t, 5)
	if got := e.UnitsToday(t, b.ContractServiceID); got != 5 {
		t.Fatalf("units today = %d, want 5 (%s)", got, b)
	}
	e.Adjust(t, b.ContractID, b.ContractServiceID, 3, e.Today.AddDate(0, 0, 1))
	if got := e.UnitsToday(t, b.ContractServiceID); got != 5 {
		t.Fatalf("an adjustment effective tomorrow changed today's units to %d", got)
	}
	if got := e.UnitsOn(t, b.ContractServiceID, e.Today.AddDate(0, 0, 1)); got != 8 {
		t.Fatalf("units tomorrow = %d, want 8", got)
	}
	if len(e.PetraTenants(t)) == 0 {
		t.Fatal("the base fixture has no Petra tenants")
	}
}
