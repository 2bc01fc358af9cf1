package petra

import (
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	// headerRetryAfterPetra is the header petra-mcp says Petra uses to name
	// the wait on a 429. INFERRED (ref §A1, §A6): not confirmed in Petra's
	// docs, so the standard Retry-After header is read as a fallback.
	headerRetryAfterPetra = "Retry-After-public-api"
	headerRetryAfter      = "Retry-After"

	// defaultRateLimitWait is used when a 429 names no wait. INFERRED
	// (ref §A1): Petra's limits are per minute, so a full window is assumed.
	defaultRateLimitWait = 60 * time.Second

	// retryBaseDelay and retryMaxDelay bound the exponential backoff after a
	// 5xx or network failure: 1s, 2s, 4s, ... up to 30s.
	retryBaseDelay = 1 * time.Second
	retryMaxDelay  = 30 * time.Second

	// maxDetailLen caps the error text quoted from a response body.
	maxDetailLen = 500
)

// retryAfter returns the wait a 429 response advertises, preferring Petra's
// own header, and whether any usable value was found. Values may be seconds
// (integer or decimal) or an HTTP date, which is measured from now.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	for _, name := range []string{headerRetryAfterPetra, headerRetryAfter} {
		v := strings.TrimSpace(h.Get(name))
		if v == "" {
			continue
		}
		if secs, err := strconv.ParseFloat(v, 64); err == nil {
			if math.IsNaN(secs) || math.IsInf(secs, 0) {
				continue
			}
			if secs <= 0 {
				return 0, true
			}
			if secs > float64(24*time.Hour/time.Second) {
				return 24 * time.Hour, true
			}
			return time.Duration(secs * float64(time.Second)), true
		}
		if at, err := http.ParseTime(v); err == nil {
			d := at.Sub(now)
			if d < 0 {
				d = 0
			}
			return d, true
		}
	}
	return 0, false
}

// backoff is the wait before retry number n (1-based) after a 5xx or
// network failure.
func backoff(n int) time.Duration {
	d := retryBaseDelay
	for i := 1; i < n && d < retryMaxDelay; i++ {
		d *= 2
	}
	return min(d, retryMaxDelay)
}

// errorDetail extracts a readable message from an error body: the "error"
// and "message" fields of a JSON object, or the trimmed raw text. The API key
// is removed in case a server echoes it.
func errorDetail(body []byte, apiKey string) string {
	text := strings.TrimSpace(string(body))
	var obj map[string]any
	if json.Unmarshal(body, &obj) == nil {
		var parts []string
		for _, k := range []string{"error", "message", "detail"} {
			switch v := obj[k].(type) {
			case string:
				if v = strings.TrimSpace(v); v != "" && !slices.Contains(parts, v) {
					parts = append(parts, v)
				}
			case map[string]any:
				if m, ok := v["message"].(string); ok && strings.TrimSpace(m) != "" {
					parts = append(parts, strings.TrimSpace(m))
				}
			}
		}
		if len(parts) > 0 {
			text = strings.Join(parts, ": ")
		}
	}
	if apiKey != "" {
		text = strings.ReplaceAll(text, apiKey, "[redacted]")
	}
	text = strings.Join(strings.Fields(text), " ")
	if len(text) > maxDetailLen {
		cut := maxDetailLen
		for cut > 0 && !isRuneStart(text[cut]) {
			cut--
		}
		text = text[:cut] + "..."
	}
	return text
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
