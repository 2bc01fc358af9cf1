package petra

import (
	"encoding/json"
	"reflect"
	"testing"
)

// Each fuzz target checks that decoding never panics and that whatever
// decodes survives a round trip: re-encoding the result with its wire field
// names and decoding again gives the same value, so no field is silently
// lost or altered by the tolerant decoders.

func addSeeds(f *testing.F, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
}

func roundTrip[T any](t *testing.T, got T, decode func([]byte) (T, error)) {
	t.Helper()
	b, err := json.Marshal(got)
	if err != nil {
		// time.Time cannot encode years beyond 9999; decode refuses those,
		// so any failure here is a real bug.
		t.Fatalf("re-encoding decoded value: %v", err)
	}
	again, err := decode(b)
	if err != nil {
		t.Fatalf("decoding re-encoded %s: %v", b, err)
	}
	if !reflect.DeepEqual(got, again) {
		t.Fatalf("round trip changed the value:\n first %#v\nsecond %#v", got, again)
	}
}

func FuzzDecodeTenants(f *testing.F) {
	addSeeds(f, tenantsJSON, `{}`, `{"tenants":null}`, `{"totalTenants":"1","tenants":[{"onboardingDate":"2025-01-15"}]}`,
		`{"tenants":[{"onboardingDate":"9999-12-31T23:59:59-01:00"}]}`, `[]`, `{"tenants":[{"name":1}]}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := decodeTenants(body)
		if err != nil {
			return
		}
		roundTrip(t, got, func(b []byte) ([]Tenant, error) {
			// Tenants re-encode as a bare list; wrap it like Petra does.
			return decodeTenants(append(append([]byte(`{"tenants":`), b...), '}'))
		})
	})
}

func FuzzDecodeUsage(f *testing.F) {
	addSeeds(f, usageJSON, `{"asOf":null}`, `{"totalTenants":1e1,"tenants":[{"proratingPercentageThisMonth":"12.5"}]}`,
		`{"tenants":[{"totalLicensedUsers":-0.0,"firstBillableDate":"2025-01-01 10:00:00"}]}`, `{"totalTenants":2147483648}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := decodeUsage(body)
		if err != nil {
			return
		}
		roundTrip(t, got, decodeUsage)
	})
}

func FuzzDecodeBillableUsers(f *testing.F) {
	addSeeds(f, billableUsersJSON, `{"projectedBillableUnitsThisMonth":null}`, `{"projectedBillableUnitsThisMonth":"0"}`,
		`{"users":[{"assignedLicenseSkuIds":null}]}`, `{"reportGeneratedAt":"0001-01-01T00:00:00Z"}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := decodeBillableUsers(body)
		if err != nil {
			return
		}
		roundTrip(t, got, decodeBillableUsers)
	})
}
