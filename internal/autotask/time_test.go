package autotask

import (
	"encoding/json"
	"testing"
	"time"
)

func TestTimeParsesEveryAutotaskForm(t *testing.T) {
	cases := []struct {
		in   string
		want time.Time
	}{
		{`"2023-05-04T08:53:10Z"`, time.Date(2023, 5, 4, 8, 53, 10, 0, time.UTC)},
		{`"2019-11-25T15:47:59.167Z"`, time.Date(2019, 11, 25, 15, 47, 59, 167e6, time.UTC)},
		{`"2023-03-17T10:32:29.52Z"`, time.Date(2023, 3, 17, 10, 32, 29, 520e6, time.UTC)},
		{`"2016-03-30T13:10:35.563"`, time.Date(2016, 3, 30, 13, 10, 35, 563e6, time.UTC)},
		{`"2016-03-30T13:10:35"`, time.Date(2016, 3, 30, 13, 10, 35, 0, time.UTC)},
		{`"2024-01-02T03:04:05.1234567"`, time.Date(2024, 1, 2, 3, 4, 5, 123456700, time.UTC)},
		{`"2024-01-02T03:04:05.1234567Z"`, time.Date(2024, 1, 2, 3, 4, 5, 123456700, time.UTC)},
		{`"2024-01-02T03:04:05.5+02:00"`, time.Date(2024, 1, 2, 1, 4, 5, 500e6, time.UTC)},
		{`"2026-11-23"`, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)},
		{`null`, time.Time{}},
		{`""`, time.Time{}},
	}
	for _, tc := range cases {
		var got Time
		if err := json.Unmarshal([]byte(tc.in), &got); err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if !got.Equal(tc.want) || (!got.IsZero() && got.Location() != time.UTC) {
			t.Errorf("%s parsed as %v, want %v UTC", tc.in, got.Time, tc.want)
		}
	}
	for _, bad := range []string{`"yesterday"`, `"2024-13-01T00:00:00"`, `12345`, `true`} {
		var got Time
		if err := json.Unmarshal([]byte(bad), &got); err == nil {
			t.Errorf("%s was accepted as %v", bad, got)
		}
	}
}

func TestTimeMarshalsAsUTCSeconds(t *testing.T) {
	v := struct {
		A Time `json:"a"`
		B Time `json:"b"`
		C Time `json:"c,omitzero"`
	}{A: TimeOf(time.Date(2026, 1, 2, 10, 4, 5, 999e6, time.FixedZone("X", -5*3600)))}
	if got := mustJSON(t, v); got != `{"a":"2026-01-02T15:04:05Z","b":null}` {
		t.Errorf("marshal = %s", got)
	}
	d, err := ParseDate("2026-02-28")
	if err != nil || d.WireString() != "2026-02-28T00:00:00Z" || d.DateString() != "2026-02-28" {
		t.Errorf("ParseDate = %v %q %q", err, d.WireString(), d.DateString())
	}
	if _, err := ParseDate("28/02/2026"); err == nil {
		t.Error("ParseDate accepted a non-ISO date")
	}
	if Date(2026, 2, 28) != d {
		t.Errorf("Date() = %v, want %v", Date(2026, 2, 28), d)
	}
	if (Time{}).DateString() != "" || (Time{}).WireString() != "" {
		t.Error("zero Time should render as empty strings")
	}
}
