package autotask

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Texts Autotask sends in errors[] (ref §1, §2, §9). VERIFIED.
const (
	zoneUnknownText            = "Zone information could not be determined"
	integrationCodeInvalidText = "IntegrationCode is invalid."
)

// permissionRe matches "...does not have the adequate permissions to <verb>
// this entity type." and its variants ("...to delete this entity
// timeEntryType"). VERIFIED (ref §9).
var permissionRe = regexp.MustCompile(`(?i)adequate permissions to (\w+) this entity`)

// threadLimitMarkers identify a thread-threshold rejection, whatever its
// status. VERIFIED that the text is the signal (ref §6); the exact status and
// body are NOT VERIFIED, hence the loose, case-insensitive match.
var threadLimitMarkers = []string{"thread threshold", "itgenatr005"}

// maxErrorBody caps how much of a non-JSON error body is kept.
const maxErrorBody = 4096

// parseErrorMessages extracts Autotask's errors[] text. It accepts the
// documented {"errors":["..."]}, the tolerated {"errors":[{"message":".."}]},
// and an ASP.NET-style {"message":".."}. ok is false when the body is not such
// a JSON envelope.
func parseErrorMessages(body []byte) (msgs []string, ok bool) {
	var env struct {
		Errors  []json.RawMessage `json:"errors"`
		Message *string           `json:"message"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, false
	}
	for _, raw := range env.Errors {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			msgs = append(msgs, s)
			continue
		}
		var obj struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(raw, &obj) == nil && obj.Message != "" {
			msgs = append(msgs, obj.Message)
		}
	}
	if len(msgs) == 0 && env.Message != nil && *env.Message != "" {
		msgs = append(msgs, *env.Message)
	}
	return msgs, len(msgs) > 0
}

func containsFold(msgs []string, needle string) bool {
	needle = strings.ToLower(needle)
	for _, m := range msgs {
		if strings.Contains(strings.ToLower(m), needle) {
			return true
		}
	}
	return false
}

func isThreadLimit(msgs []string) bool {
	for _, marker := range threadLimitMarkers {
		if containsFold(msgs, marker) {
			return true
		}
	}
	return false
}

// responseKind is the retry-relevant class of a response.
type responseKind int

const (
	kindSuccess   responseKind = iota
	kindRateLimit              // 429 or thread threshold: rejected before processing, safe to retry
	kindTransient              // 5xx without business text: retry reads only
	kindFinal                  // anything else: never retry
)

// kindOf classifies a response for the retry policy.
func kindOf(status int, body []byte) responseKind {
	if status >= 200 && status < 300 {
		return kindSuccess
	}
	msgs, _ := parseErrorMessages(body)
	if status == http.StatusTooManyRequests || isThreadLimit(msgs) {
		return kindRateLimit
	}
	if status >= 500 && (status != http.StatusInternalServerError || len(msgs) == 0) {
		return kindTransient
	}
	return kindFinal
}

// classify turns a final non-2xx response into a typed error. It returns nil
// for 2xx.
func (c *Client) classify(r *request, resp *response) error {
	if resp.status >= 200 && resp.status < 300 {
		if r.auth {
			c.authOK.Store(true)
		}
		return nil
	}
	msgs, isJSON := parseErrorMessages(resp.body)
	api := &APIError{StatusCode: resp.status, Method: r.method, Path: resp.path, Messages: msgs}
	if !isJSON {
		api.Body = shorten(string(resp.body), maxErrorBody)
	}
	switch {
	case isThreadLimit(msgs):
		return &ThreadLimitError{API: api}
	case resp.status == http.StatusTooManyRequests:
		d, _ := parseRetryAfter(resp.header.Get("Retry-After"), c.now())
		return &RateLimitError{RetryAfter: d, API: api}
	case resp.status == http.StatusUnauthorized && r.auth && c.authOK.Load():
		return permissionFrom401(r, api)
	case resp.status == http.StatusUnauthorized:
		return &AuthenticationError{API: api}
	case resp.status == http.StatusForbidden:
		return &PermissionError{Entity: r.entity, Operation: r.op, API: api}
	case containsFold(msgs, zoneUnknownText):
		return &ZoneNotFoundError{Username: c.cfg.Username, API: api}
	case containsFold(msgs, integrationCodeInvalidText):
		return &InvalidIntegrationCodeError{API: api}
	}
	for _, m := range msgs {
		if sub := permissionRe.FindStringSubmatch(m); sub != nil {
			return &PermissionError{Entity: r.entity, Operation: Operation(strings.ToLower(sub[1])), API: api}
		}
	}
	if resp.status == http.StatusInternalServerError && len(msgs) > 0 {
		return &BusinessRuleError{API: api}
	}
	if resp.status >= 500 && !r.read {
		return &OutcomeUnknownError{Method: r.method, Path: resp.path, Cause: api}
	}
	return api
}

// parseRetryAfter reads a Retry-After header given in seconds or as an HTTP
// date. ok is false when the header is absent or unreadable.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	var secs int64
	digits := true
	for _, ch := range v {
		if ch < '0' || ch > '9' {
			digits = false
			break
		}
		secs = secs*10 + int64(ch-'0')
		if secs > 1<<31 {
			secs = 1 << 31
		}
	}
	if digits {
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d < 0 {
		d = 0
	}
	return d, true
}
