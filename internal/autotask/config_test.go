package autotask

import (
	"crypto/tls"
	"net/http"
	"strings"
	"testing"
)

func TestNewValidatesConfig(t *testing.T) {
	valid := Config{Username: testUser, Secret: testSecret, IntegrationCode: testCode}
	cases := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"missing username", func(c *Config) { c.Username = "" }, "the Autotask username is missing"},
		{"missing secret", func(c *Config) { c.Secret = " " }, "the Autotask secret is missing"},
		{"missing integration code", func(c *Config) { c.IntegrationCode = "" }, "the Autotask integration code is missing"},
		{"padded secret", func(c *Config) { c.Secret = testSecret + "\n" }, "leading or trailing spaces"},
		{"plain http zone", func(c *Config) { c.BaseURL = "http://webservices14.autotask.net/ATServicesRest/" }, "uses plain http"},
		{"not a URL", func(c *Config) { c.BaseURL = "webservices14.autotask.net" }, "is not an absolute http(s) URL"},
		{"version segment", func(c *Config) { c.BaseURL = "https://webservices14.autotask.net/ATServicesRest/V1.0/" }, "drop the trailing"},
		{"credentials in URL", func(c *Config) { c.ZoneLookupURL = "https://u:p@webservices.autotask.net/atservicesrest/" }, "must not contain credentials"},
		{"query string", func(c *Config) { c.BaseURL = "https://webservices14.autotask.net/ATServicesRest/?x=1" }, "query string"},
		{"ftp", func(c *Config) { c.ZoneLookupURL = "ftp://webservices.autotask.net/" }, "not an absolute http(s) URL"},
		{"insecure TLS", func(c *Config) {
			c.HTTPClient = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // the test proves it is refused
		}, "InsecureSkipVerify"},
		{"wait bounds", func(c *Config) { c.RetryWaitMin, c.RetryWaitMax = 10, 5 }, "RetryWaitMin"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := valid
			tc.mod(&cfg)
			_, err := New(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New error = %v, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("the secret appears in the config error: %v", err)
			}
		})
	}
	t.Run("all problems reported at once", func(t *testing.T) {
		_, err := New(Config{})
		for _, want := range []string{"username", "secret", "integration code"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("error %v does not mention the %s", err, want)
			}
		}
	})
}

func TestNewAcceptsHTTPSAndLoopbackHTTP(t *testing.T) {
	for _, u := range []string{
		"https://webservices14.autotask.net/ATServicesRest",
		"http://127.0.0.1:8080/ATServicesRest/",
		"http://127.1.2.3/ATServicesRest/",
		"http://localhost:9/ATServicesRest/",
		"http://[::1]:9/ATServicesRest/",
	} {
		c, err := New(Config{Username: testUser, Secret: testSecret, IntegrationCode: testCode, BaseURL: u, ZoneLookupURL: u})
		if err != nil {
			t.Errorf("%s rejected: %v", u, err)
			continue
		}
		z, err := c.Zone(t.Context())
		if err != nil || !strings.HasSuffix(z.URL, "/ATServicesRest/") {
			t.Errorf("%s: zone URL %q, %v (want the override with a trailing slash)", u, z.URL, err)
		}
	}
	c, err := New(Config{Username: testUser, Secret: testSecret, IntegrationCode: testCode})
	if err != nil {
		t.Fatal(err)
	}
	if c.zoneLookup != DefaultZoneLookupURL || c.cfg.MaxInFlightPerEndpoint != 3 || c.cfg.MaxRetryAfter != DefaultMaxRetryAfter ||
		c.cfg.RequestTimeout != DefaultRequestTimeout || c.cfg.RetryMax != DefaultRetryMax {
		t.Errorf("defaults not applied: %+v", c.cfg)
	}
}
