package autotasksim

import (
	"testing"
	"time"
)

// unitsOn reads the units of a contract service on day D the way ref §8
// prescribes: rows with startDate <= D <= endDate, latest startDate wins,
// no row => 0.
func unitsOn(e *env, csID int64, day string) int64 {
	e.t.Helper()
	r := e.api("POST", "ContractServiceUnits/query", filterBody(
		f("eq", "contractServiceID", csID), f("lte", "startDate", day+"T00:00:00"), f("gte", "endDate", day+"T00:00:00")))
	expectStatus(e.t, r, 200)
	var best map[string]any
	for _, it := range r.items() {
		if best == nil || it["startDate"].(string) > best["startDate"].(string) {
			best = it
		}
	}
	if best == nil {
		return 0
	}
	return num(best["units"])
}

func adjust(e *env, body map[string]any) result {
	e.t.Helper()
	return e.api("POST", "ContractServiceAdjustments", body)
}

func TestAdjustmentSplitsPeriodAndCarriesForward(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	if got := unitsOn(e, 4001, "2026-11-10"); got != 5 {
		t.Fatalf("initial units %d", got)
	}
	// The time part of the effective date is ignored.
	r := adjust(e, map[string]any{"contractServiceID": 4001, "effectiveDate": "2026-11-10T15:30:00", "unitChange": 3})
	expectStatus(t, r, 200)
	if r.itemID() < 29780000 {
		t.Fatalf("itemId %d", r.itemID())
	}
	for day, want := range map[string]int64{
		"2026-10-15": 5, "2026-11-01": 5, "2026-11-09": 5, "2026-11-10": 8, "2026-11-30": 8, "2026-12-15": 8, "2026-12-31": 8, "2027-01-05": 0,
	} {
		if got := unitsOn(e, 4001, day); got != want {
			t.Errorf("units on %s = %d, want %d", day, got, want)
		}
	}
	// November is split at the effective date; the boundary is in both rows.
	nov := e.api("POST", "ContractServiceUnits/query", filterBody(f("eq", "contractServiceID", 4001),
		f("gte", "startDate", "2026-11-01"), f("lte", "startDate", "2026-11-30")))
	items := nov.items()
	if len(items) != 2 {
		t.Fatalf("november rows %v", items)
	}
	first, second := items[0], items[1]
	if first["startDate"] != "2026-11-01T00:00:00Z" || first["endDate"] != "2026-11-10T00:00:00Z" || num(first["units"]) != 5 ||
		second["startDate"] != "2026-11-10T00:00:00Z" || second["endDate"] != "2026-11-30T00:00:00Z" || num(second["units"]) != 8 {
		t.Fatalf("split rows %v / %v", first, second)
	}
	// A second adjustment on the same day updates the new row in place,
	// an earlier one shifts every later row.
	expectStatus(t, adjust(e, map[string]any{"contractServiceID": 4001, "effectiveDate": "2026-11-10", "unitChange": -1}), 200)
	expectStatus(t, adjust(e, map[string]any{"contractServiceID": 4001, "effectiveDate": "2026-06-01", "unitChange": 2}), 200)
	for day, want := range map[string]int64{"2026-05-31": 5, "2026-06-01": 7, "2026-11-09": 7, "2026-11-10": 9, "2026-12-31": 9} {
		if got := unitsOn(e, 4001, day); got != want {
			t.Errorf("after more adjustments, units on %s = %d, want %d", day, got, want)
		}
	}
	// Adjustments cannot be read back.
	expectStatus(t, e.api("GET", "ContractServiceAdjustments/1", nil), 405)
}

func TestAdjustmentBusinessRules(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	expectErrorContains(t, adjust(e, map[string]any{"contractID": 2002, "serviceID": 3001, "effectiveDate": "2026-11-01", "unitChange": 1}),
		500, "not a Recurring Service contract")
	// Contract 2003 starts today+30d: generic failure like real Autotask.
	expectError(t, adjust(e, map[string]any{"contractID": 2003, "serviceID": 3001, "effectiveDate": "2027-01-01", "unitChange": 1}),
		500, errGeneric)
	expectErrorContains(t, adjust(e, map[string]any{"contractServiceID": 4001, "effectiveDate": "2027-01-15", "unitChange": 1}),
		500, "outside the contract's dates (2026-01-01 to 2026-12-31)")
	expectErrorContains(t, adjust(e, map[string]any{"contractServiceID": 4001, "effectiveDate": "2025-12-31", "unitChange": 1}),
		500, "outside the contract's dates")
	expectErrorContains(t, adjust(e, map[string]any{"contractServiceID": 4001, "effectiveDate": "2026-11-01", "unitChange": -6}),
		500, "cannot have fewer than 0 units")
	expectError(t, adjust(e, map[string]any{"contractServiceID": 4001, "unitChange": 1}),
		500, "Value does not exist for the required field effectiveDate.")
	expectError(t, adjust(e, map[string]any{"contractID": 2001, "effectiveDate": "2026-11-01", "unitChange": 1}), 500, errAdjTarget)
	expectErrorContains(t, adjust(e, map[string]any{"contractServiceID": 4001, "contractID": 2004, "effectiveDate": "2026-11-01", "unitChange": 1}),
		500, "belongs to contract 2001")
	expectErrorContains(t, adjust(e, map[string]any{"contractServiceID": 99, "effectiveDate": "2026-11-01", "unitChange": 1}),
		500, "Reference value on field: contractServiceID")
	expectError(t, adjust(e, map[string]any{"contractServiceID": 4001, "effectiveDate": "2026-11-01", "units": 1}),
		500, "Unable to find units in the ContractServiceAdjustment Entity.")
	// Nothing above changed the units.
	if got := unitsOn(e, 4001, "2026-11-15"); got != 5 {
		t.Fatalf("failed adjustments changed units: %d", got)
	}
	// Once the clock reaches the start date the future contract accepts it.
	e.clock.SetToday(testToday.AddDate(0, 0, 30))
	r := adjust(e, map[string]any{"contractID": 2003, "serviceID": 3001, "effectiveDate": testToday.AddDate(0, 0, 30).Format(time.DateOnly), "unitChange": 2})
	expectStatus(t, r, 200)
}

func TestAdjustmentCreatesMissingServiceLine(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	before := ids(t, e.api("GET", "Contracts/2001/Services", nil))
	r := e.api("POST", "Contracts/2001/ServiceAdjustments", map[string]any{"serviceID": 3002, "effectiveDate": "2026-11-01", "unitChange": 4, "adjustedUnitPrice": 2.75})
	expectStatus(t, r, 200)
	after := e.api("GET", "Contracts/2001/Services", nil).items()
	if len(after) != len(before)+1 {
		t.Fatalf("services before %v after %v", before, after)
	}
	line := after[len(after)-1]
	if num(line["serviceID"]) != 3002 || line["unitPrice"] != 2.75 {
		t.Fatalf("auto-created line %v", line)
	}
	csID := num(line["id"])
	if got, old := unitsOn(e, csID, "2026-11-15"), unitsOn(e, csID, "2026-10-15"); got != 4 || old != 0 {
		t.Fatalf("auto-created line units: on %d, before %d", got, old)
	}
	// A negative change cannot create a line.
	expectErrorContains(t, e.api("POST", "Contracts/2004/ServiceAdjustments", map[string]any{"serviceID": 3002, "effectiveDate": "2026-11-01", "unitChange": -1}),
		500, "fewer than 0")
	if n := len(e.api("GET", "Contracts/2004/Services", nil).items()); n != 2 {
		t.Fatalf("failed adjustment created a line: %d lines", n)
	}
}

func TestAdjustmentOnDuplicateServiceUsesLowestLine(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	expectStatus(t, adjust(e, map[string]any{"contractID": 2004, "serviceID": 3001, "effectiveDate": "2026-11-01", "unitChange": 1}), 200)
	if a, b := unitsOn(e, 4002, "2026-11-15"), unitsOn(e, 4003, "2026-11-15"); a != 3 || b != 3 {
		t.Fatalf("units 4002=%d (want 3) 4003=%d (want 3)", a, b)
	}
	// contractServiceID targets the second line directly.
	expectStatus(t, adjust(e, map[string]any{"contractServiceID": 4003, "effectiveDate": "2026-11-01", "unitChange": 2}), 200)
	if b := unitsOn(e, 4003, "2026-11-15"); b != 5 {
		t.Fatalf("4003 = %d", b)
	}
}

func TestContractDateChangesResyncUnits(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	expectStatus(t, adjust(e, map[string]any{"contractServiceID": 4001, "effectiveDate": "2026-12-01", "unitChange": 2}), 200)
	expectStatus(t, e.api("PATCH", "Contracts", map[string]any{"id": 2001, "endDate": "2027-03-31T00:00:00"}), 200)
	if got := unitsOn(e, 4001, "2027-03-15"); got != 7 {
		t.Fatalf("extended period units %d, want 7", got)
	}
	if got := unitsOn(e, 4001, "2027-04-01"); got != 0 {
		t.Fatalf("after the new end %d", got)
	}
	expectStatus(t, e.api("PATCH", "Contracts", map[string]any{"id": 2001, "endDate": "2026-10-15"}), 200)
	if got := unitsOn(e, 4001, "2026-11-15"); got != 0 {
		t.Fatalf("rows after a shortened end remain: %d", got)
	}
	r := e.api("POST", "ContractServiceUnits/query", filterBody(f("eq", "contractServiceID", 4001), f("gte", "endDate", "2026-10-01")))
	if items := r.items(); len(items) != 1 || items[0]["endDate"] != "2026-10-15T00:00:00Z" {
		t.Fatalf("clipped rows %v", items)
	}
}

func TestQuarterlyContractPeriods(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	c := e.api("POST", "Contracts", map[string]any{"companyID": 1001, "contractName": "Quarterly", "contractType": 7, "status": 1,
		"contractPeriodType": periodQuarterly, "startDate": "2026-01-31", "endDate": "2026-12-31"})
	expectStatus(t, c, 200)
	s := e.api("POST", "Contracts/"+itoa(c.itemID())+"/Services", map[string]any{"serviceID": 3001})
	expectStatus(t, s, 200)
	rows := e.api("GET", "Contracts/"+itoa(c.itemID())+"/ServiceUnits", nil).items()
	want := [][2]string{{"2026-01-31", "2026-04-29"}, {"2026-04-30", "2026-07-30"}, {"2026-07-31", "2026-10-30"}, {"2026-10-31", "2026-12-31"}}
	if len(rows) != len(want) {
		t.Fatalf("rows %v", rows)
	}
	for i, w := range want {
		if rows[i]["startDate"] != w[0]+"T00:00:00Z" || rows[i]["endDate"] != w[1]+"T00:00:00Z" {
			t.Fatalf("period %d = %v..%v, want %v", i, rows[i]["startDate"], rows[i]["endDate"], w)
		}
	}
}
