package autotask

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// zoneServer serves zone lookup at /atservicesrest/ and the API under
// /zoneA/ATServicesRest/ and /zoneB/ATServicesRest/. zoneFor decides which
// zone the n-th lookup (1-based) answers; api handles API calls.
func zoneServer(t *testing.T, zoneFor func(n int) string, api http.HandlerFunc) (*harness, *atomic.Int32) {
	t.Helper()
	var lookups atomic.Int32
	var base string
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.EqualFold(r.URL.Path, "/atservicesrest/v1.0/zoneInformation") {
			n := int(lookups.Add(1))
			if r.URL.Query().Get("user") != testUser {
				writeErrors(w, 500, "Zone information could not be determined")
				return
			}
			zone := zoneFor(n)
			writeJSON(w, 200, map[string]any{"zoneName": strings.ToUpper(zone), "url": base + "/" + zone + "/ATServicesRest/",
				"webUrl": "https://ww14.autotask.net/", "ci": 123456})
			return
		}
		api(w, r)
	}, func(c *Config) { c.BaseURL = "" })
	base = h.srv.URL
	c, err := New(Config{Username: testUser, Secret: testSecret, IntegrationCode: testCode,
		ZoneLookupURL: h.srv.URL + "/atservicesrest", Logger: h.logs, Sleep: h.sleeps.sleep})
	if err != nil {
		t.Fatal(err)
	}
	h.c = c
	return h, &lookups
}

// movingZone answers zoneA to the first lookup and zoneB afterwards.
func movingZone(n int) string {
	if n == 1 {
		return "zoneA"
	}
	return "zoneB"
}

func okThreshold(w http.ResponseWriter) {
	writeJSON(w, 200, map[string]any{"externalRequestThreshold": 10000, "requestThresholdTimeframe": 60, "currentTimeframeRequestCount": 12})
}

func TestZoneDiscoveryIsUnauthenticatedCachedAndUsed(t *testing.T) {
	h, lookups := zoneServer(t, func(int) string { return "zoneA" }, func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/zoneA/ATServicesRest/V1.0/") {
			t.Errorf("API call went to %s, not the discovered zone", r.URL.Path)
		}
		okThreshold(w)
	})
	z, err := h.c.Zone(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if z.ZoneName != "ZONEA" || z.URL != h.srv.URL+"/zoneA/ATServicesRest/" || z.CI != 123456 || z.WebURL == "" {
		t.Errorf("zone = %+v", z)
	}
	for range 2 {
		th, err := h.c.ThresholdInformation(t.Context())
		if err != nil || th.ExternalRequestThreshold != 10000 || th.CurrentTimeframeRequestCount != 12 {
			t.Fatalf("ThresholdInformation = %+v, %v", th, err)
		}
	}
	if lookups.Load() != 1 {
		t.Errorf("zone looked up %d times, want 1 (cached)", lookups.Load())
	}
	lookup := h.reqs.all()[0]
	if lookup.RawQuery != "user=api.user%40example.com" {
		t.Errorf("zone lookup query = %q, want the URL-escaped username", lookup.RawQuery)
	}
	for _, hdr := range []string{"Secret", "Apiintegrationcode", "Username"} {
		if lookup.Header.Get(hdr) != "" {
			t.Errorf("zone lookup sent the %s header; it must be unauthenticated", hdr)
		}
	}
}

func TestZoneDiscoveryUnknownUser(t *testing.T) {
	h, _ := zoneServer(t, func(int) string { return "zoneA" }, func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("no API call expected, got %s", r.URL.Path)
	})
	c, err := New(Config{Username: "nobody@example.com", Secret: testSecret, IntegrationCode: testCode,
		ZoneLookupURL: h.srv.URL + "/atservicesrest/", Sleep: h.sleeps.sleep})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Count(t.Context(), EntityCompanies)
	var zerr *ZoneNotFoundError
	if !errors.As(err, &zerr) {
		t.Fatalf("error = %T %v, want *ZoneNotFoundError", err, err)
	}
	if !strings.Contains(err.Error(), `"nobody@example.com"`) || !strings.Contains(err.Error(), "Check the username") {
		t.Errorf("message does not tell the user the username is unknown: %s", err)
	}
	if len(h.sleeps.all()) != 0 {
		t.Errorf("unknown user was retried: %v", h.sleeps.all())
	}
}

func TestConcurrentCallersShareOneZoneDiscovery(t *testing.T) {
	release := make(chan struct{})
	var lookups atomic.Int32
	var base string
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "zoneInformation") {
			lookups.Add(1)
			<-release
			writeJSON(w, 200, map[string]any{"zoneName": "A", "url": base + "/ATServicesRest/", "webUrl": "", "ci": 1})
			return
		}
		okThreshold(w)
	})
	base = h.srv.URL
	c, err := New(Config{Username: testUser, Secret: testSecret, IntegrationCode: testCode, ZoneLookupURL: base + "/atservicesrest/"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for range 10 {
		wg.Go(func() {
			_, err := c.ThresholdInformation(t.Context())
			errs <- err
		})
	}
	time.Sleep(20 * time.Millisecond) // let every caller reach discovery
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if lookups.Load() != 1 {
		t.Errorf("%d zone lookups for 10 concurrent callers, want 1", lookups.Load())
	}
}

func TestZoneWithPlainHTTPIsRefused(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"zoneName": "A", "url": "http://webservices14.autotask.net/ATServicesRest/"})
	})
	c, err := New(Config{Username: testUser, Secret: testSecret, IntegrationCode: testCode, ZoneLookupURL: h.srv.URL + "/atservicesrest/"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Zone(t.Context())
	if err == nil || !strings.Contains(err.Error(), "plain http") {
		t.Errorf("error = %v, want a refusal of the plain-http zone URL", err)
	}
}

func TestUnauthorizedRediscoversZoneOnceAndRetries(t *testing.T) {
	h, lookups := zoneServer(t, movingZone, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/zoneA/") {
			w.WriteHeader(http.StatusUnauthorized) // the tenant moved
			return
		}
		writeJSON(w, 200, map[string]any{"itemId": 77})
	})
	id, err := h.c.Create(t.Context(), EntityCompanies, Company{CompanyName: "Acme"})
	if err != nil || id != 77 {
		t.Fatalf("Create = %d, %v; want 77 after moving to the new zone", id, err)
	}
	if lookups.Load() != 2 || h.reqs.count("POST", "/zoneA/ATServicesRest/V1.0/Companies") != 1 ||
		h.reqs.count("POST", "/zoneB/ATServicesRest/V1.0/Companies") != 1 {
		t.Errorf("lookups=%d requests=%+v", lookups.Load(), h.reqs.all())
	}
	// The new zone is cached.
	if z, _ := h.c.Zone(t.Context()); !strings.HasSuffix(z.URL, "/zoneB/ATServicesRest/") {
		t.Errorf("cached zone = %s", z.URL)
	}
}

func TestUnauthorizedAfterRediscoveryIsAuthenticationError(t *testing.T) {
	t.Run("new zone refuses too", func(t *testing.T) {
		h, lookups := zoneServer(t, movingZone, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusUnauthorized) })
		_, err := h.c.Count(t.Context(), EntityCompanies)
		var aerr *AuthenticationError
		if !errors.As(err, &aerr) || !aerr.Rediscovered {
			t.Fatalf("error = %T %v, want *AuthenticationError after rediscovery", err, err)
		}
		if lookups.Load() != 2 || h.reqs.count("POST", "/query/count") != 2 {
			t.Errorf("lookups=%d count calls=%d, want 2 and 2", lookups.Load(), h.reqs.count("POST", "/query/count"))
		}
	})
	t.Run("zone unchanged: no second call", func(t *testing.T) {
		h, lookups := zoneServer(t, func(int) string { return "zoneA" },
			func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusUnauthorized) })
		_, err := h.c.Count(t.Context(), EntityCompanies)
		var aerr *AuthenticationError
		if !errors.As(err, &aerr) {
			t.Fatalf("error = %T %v, want *AuthenticationError", err, err)
		}
		if lookups.Load() != 2 || h.reqs.count("POST", "/query/count") != 1 {
			t.Errorf("lookups=%d count calls=%d, want 2 and 1", lookups.Load(), h.reqs.count("POST", "/query/count"))
		}
	})
}

func TestUnauthorizedWithBaseURLOverrideDoesNotDiscover(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusUnauthorized) })
	_, err := h.c.Count(t.Context(), EntityCompanies)
	var aerr *AuthenticationError
	if !errors.As(err, &aerr) || aerr.Rediscovered {
		t.Fatalf("error = %T %v, want a plain *AuthenticationError", err, err)
	}
	for _, want := range []string{"username and secret", `"API User (system)"`, "HTTP 401"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not mention %q", err, want)
		}
	}
	if n := len(h.reqs.all()); n != 1 {
		t.Errorf("%d requests, want exactly 1 (401 is not retried, no zone lookup)", n)
	}
}

// TestDatabaseWithBaseURLAsksTheBaseURLsHost: with only a base URL
// configured, the database id still comes from an unauthenticated zone
// lookup, asked on the base URL's host (any zone host answers, ref §1), once.
// ZoneFor asks the same host about another user.
func TestDatabaseWithBaseURLAsksTheBaseURLsHost(t *testing.T) {
	var lookups atomic.Int32
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.URL.Path, "/atservicesrest/v1.0/zoneInformation") {
			t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
			return
		}
		lookups.Add(1)
		if r.Header.Get("Secret") != "" || r.Header.Get("ApiIntegrationCode") != "" {
			t.Errorf("the zone lookup carried credential headers")
		}
		switch r.URL.Query().Get("user") {
		case testUser:
			writeJSON(w, 200, map[string]any{"zoneName": "AE02", "url": "https://webservices14.autotask.net/ATServicesRest/", "ci": 4242})
		case "other@example.com":
			writeJSON(w, 200, map[string]any{"zoneName": "AE03", "url": "https://webservices15.autotask.net/ATServicesRest/", "ci": 7})
		default:
			writeErrors(w, 500, "Zone information could not be determined")
		}
	})
	for range 2 {
		z, err := h.c.Database(t.Context())
		if err != nil || z.CI != 4242 {
			t.Fatalf("Database = %+v, %v", z, err)
		}
	}
	if n := lookups.Load(); n != 1 {
		t.Errorf("%d lookups for the configured user, want 1 (cached)", n)
	}
	z, err := h.c.ZoneFor(t.Context(), "other@example.com")
	if err != nil || z.CI != 7 {
		t.Fatalf("ZoneFor = %+v, %v", z, err)
	}
	_, err = h.c.ZoneFor(t.Context(), "gone@example.com")
	var nf *ZoneNotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("ZoneFor(unknown user) = %v, want a ZoneNotFoundError", err)
	}
	// The API itself still goes to the configured base URL, not the lookup's.
	if zz, _ := h.c.Zone(t.Context()); zz.URL != h.srv.URL+"/ATServicesRest/" {
		t.Errorf("Zone().URL = %s, want the base URL", zz.URL)
	}
}
