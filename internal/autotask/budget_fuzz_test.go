package autotask

import (
	"testing"
	"time"
)

// FuzzDecodeThresholdInformation: any body either is refused or yields a
// budget the pace can be computed from: positive threshold and timeframe,
// and a pace between timeframe/threshold and MaxRetryAfter.
func FuzzDecodeThresholdInformation(f *testing.F) {
	for _, s := range []string{
		`{"externalRequestThreshold":10000,"requestThresholdTimeframe":60,"currentTimeframeRequestCount":8600}`,
		`{"externalRequestThreshold":100,"requestThresholdTimeframe":60,"currentTimeframeRequestCount":250}`,
		`{"externalRequestThreshold":0,"requestThresholdTimeframe":60,"currentTimeframeRequestCount":1}`,
		`{"externalRequestThreshold":1,"requestThresholdTimeframe":1,"currentTimeframeRequestCount":0}`,
		`{}`, `null`, `[]`, `{"externalRequestThreshold":"10000"}`, ``,
	} {
		f.Add([]byte(s))
	}
	c := &Client{cfg: Config{MaxRetryAfter: DefaultMaxRetryAfter}}
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := decodeThresholdInformation(b)
		if err != nil {
			return
		}
		if info.Threshold <= 0 || info.Timeframe <= 0 || info.Used < 0 {
			t.Fatalf("%q decoded to an unusable budget %+v", b, info)
		}
		d := c.paceInterval(info)
		floor := info.Timeframe / time.Duration(info.Threshold)
		if floor > DefaultMaxRetryAfter {
			floor = DefaultMaxRetryAfter
		}
		if d < floor || d > DefaultMaxRetryAfter {
			t.Fatalf("pace %s for %+v is outside [%s, %s]", d, info, floor, DefaultMaxRetryAfter)
		}
	})
}
