package autotask

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/go-retryablehttp"
)

// The Logger can be plugged into go-retryablehttp as a LeveledLogger.
var _ retryablehttp.LeveledLogger = Logger(nil)

func TestLogsDescribeCallsButNeverCredentials(t *testing.T) {
	var failedOnce atomic.Bool
	h, _ := zoneServer(t, movingZone, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/zoneA/"):
			w.WriteHeader(http.StatusUnauthorized)
		case strings.HasSuffix(r.URL.Path, "/Companies"):
			writeErrors(w, 500, "Secret "+testSecret+" echoed by a misbehaving server")
		case strings.HasSuffix(r.URL.Path, "/query"):
			if !failedOnce.Swap(true) {
				badGateway(w, r)
				return
			}
			emptyPage(w)
		default:
			writeErrors(w, 500, "IntegrationCode is invalid.")
		}
	})
	_, _ = Query[Company](t.Context(), h.c, EntityCompanies, QuerySpec{Filter: []Filter{Eq("companyName", "Acme")}})
	_, createErr := h.c.Create(t.Context(), EntityCompanies, Company{CompanyName: "Body-Only-Value"})
	_, _ = h.c.ThresholdInformation(t.Context())

	logs := h.logs.text()
	for _, want := range []string{"method", "POST", "path", "/zoneB/ATServicesRest/V1.0/Companies/query", "status", "502",
		"attempt", "duration_ms", "entity", "Companies", "retrying Autotask request", "discovered Autotask zone"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "Body-Only-Value") || strings.Contains(logs, "Acme") {
		t.Errorf("a request body reached the log:\n%s", logs)
	}
	assertNoCredentials(t, logs) // also checked by the harness, stated here for clarity
	if createErr == nil || strings.Contains(createErr.Error(), testCode) {
		t.Errorf("create error = %v", createErr)
	}
}
