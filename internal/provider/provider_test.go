package provider

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
)

// providerBlockWithoutPetra is a provider block with Autotask but no Petra
// key. It skips the test when PETRA_API_KEY is set, since the provider would
// then pick the key up from the environment.
func providerBlockWithoutPetra(t *testing.T, env *acctest.Env) string {
	t.Helper()
	if os.Getenv(EnvPetraAPIKey) != "" {
		t.Skip("PETRA_API_KEY is set; this test needs a provider without a Petra key")
	}
	if env.Real {
		return "provider \"petra\" {}\n"
	}
	return fmt.Sprintf("provider \"petra\" {\n  autotask {\n    username         = %q\n    secret           = %q\n"+
		"    integration_code = %q\n    zone_lookup_url  = %q\n  }\n}\n",
		env.Sandbox.Username, env.Sandbox.Secret, env.Sandbox.IntegrationCode, env.Sandbox.ZoneLookupURL)
}

// TestProviderSchemasAreValid validates the provider block and every
// registered resource and data source schema without a Terraform CLI.
func TestProviderSchemasAreValid(t *testing.T) {
	if diags := providerSchema().ValidateImplementation(ctx()); diags.HasError() {
		t.Fatalf("provider schema: %v", diags)
	}
	srv, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.GetProviderSchema(ctx(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			t.Errorf("schema error: %s: %s", d.Summary, d.Detail)
		}
	}
	if _, ok := resp.ResourceSchemas["petra_autotask_tenant_mapping"]; !ok {
		t.Error("petra_autotask_tenant_mapping is not registered")
	}
	for _, n := range []string{"petra_autotask_companies", "petra_tenants", "petra_usage", "petra_billable_units"} {
		if _, ok := resp.DataSourceSchemas[n]; !ok {
			t.Errorf("data source %s is not registered", n)
		}
	}
}

// TestAccProviderConfigErrors: each malformed provider setting fails the
// first plan with a message naming the setting, its variable and the fix.
func TestAccProviderConfigErrors(t *testing.T) {
	env := newAccEnv(t)
	at := func(lines ...string) string {
		return "provider \"petra\" {\n  autotask {\n    " + strings.Join(lines, "\n    ") + "\n  }\n}\n"
	}
	user := fmt.Sprintf("username = %q", env.Sandbox.Username)
	secret := fmt.Sprintf("secret = %q", env.Sandbox.Secret)
	code := fmt.Sprintf("integration_code = %q", env.Sandbox.IntegrationCode)
	zone := fmt.Sprintf("zone_lookup_url = %q", env.Sandbox.ZoneLookupURL)
	cases := []struct {
		name, provider, want string
		skipEnv              string
	}{
		{"missing secret", at(user, code, zone),
			`Autotask API secret is required when Autotask is configured, but autotask.secret (or the AUTOTASK_SECRET environment variable) is not set.`,
			EnvAutotaskSecret},
		{"empty username", at(`username = ""`, secret, code, zone),
			`autotask.username (or the AUTOTASK_USERNAME environment variable) is set but empty. Use the username of the Autotask API user`, ""},
		{"plain http to a remote host", at(user, secret, code, `base_url = "http://webservices14.autotask.net/ATServicesRest/"`),
			`Insecure Autotask base URL`, ""},
		{"not a url", at(user, secret, code, `base_url = "not a url"`),
			`autotask.base_url (or the AUTOTASK_BASE_URL environment variable) is "not a url", which is not an absolute URL. Use a URL such as https://webservices14.autotask.net/ATServicesRest/.`, ""},
		{"bearer prefix on the Petra key", `provider "petra" {
  petra {
    api_key = "Bearer petra_0123456789"
  }
}
`, `The key in petra.api_key (or the PETRA_API_KEY environment variable) starts with "Bearer ". Set only the key itself; the provider adds the Authorization header.`, ""},
		{"invalid billing_check_failure", "provider \"petra\" {\n  billing_check_failure = \"sometimes\"\n}\n",
			`Attribute billing_check_failure value must be one of: ["error" "warn"], got: "sometimes"`, ""},
		{"claim owner that is the Autotask secret", fmt.Sprintf("provider \"petra\" {\n  billing_claim_owner = %q\n  autotask {\n    %s\n    %s\n    %s\n    %s\n  }\n}\n",
			env.Sandbox.Secret, user, secret, code, zone),
			`billing_claim_owner (or the PETRA_BILLING_CLAIM_OWNER environment variable) is the same as one of the ` +
				`provider's credentials (the Autotask secret, the API Tracking Identifier or the Petra API key). The owner ` +
				`label is written in clear text on every billing claim`, ""},
		{"time zone that is not one", at(`time_zone = "Mars/Olympus_Mons"`),
			`autotask.time_zone (or the AUTOTASK_TIME_ZONE environment variable) is "Mars/Olympus_Mons", which is not an ` +
				`IANA time zone name. Use the time zone of your Autotask database, such as "America/New_York"`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skipEnv != "" && os.Getenv(tc.skipEnv) != "" {
				t.Skipf("%s is set in the environment, so the setting is not missing", tc.skipEnv)
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6Factories(env),
				Steps: []resource.TestStep{{
					Config:      tc.provider + `data "petra_tenants" "all" {}`,
					ExpectError: exactError(tc.want),
				}},
			})
		})
	}
	// The insecure-URL message in full, since it is the one users must act on.
	t.Run("plain http message", func(t *testing.T) {
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: protoV6Factories(env),
			Steps: []resource.TestStep{{
				Config: at(user, secret, code, `base_url = "http://webservices14.autotask.net/ATServicesRest/"`) +
					`data "petra_autotask_companies" "all" {}`,
				ExpectError: exactError(`autotask.base_url (or the AUTOTASK_BASE_URL environment variable) is ` +
					`"http://webservices14.autotask.net/ATServicesRest/", which uses plain HTTP. Credentials must travel ` +
					`over HTTPS; plain HTTP is accepted only for loopback addresses such as the sandbox (127.0.0.1).`),
			}},
		})
	})
}

// TestAccProviderLoopbackHTTPAccepted: plain HTTP to 127.0.0.1 (the sandbox)
// is accepted for both APIs, and the provider works through it.
func TestAccProviderLoopbackHTTPAccepted(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t)
	name := env.Unique("Loopback Co")
	id := env.CreateCompany(t, name, acctest.CompanyOpts{})
	cfg := fmt.Sprintf(`provider "petra" {
  autotask {
    username         = %q
    secret           = %q
    integration_code = %q
    base_url         = %q
  }
  petra {
    api_key = %q
    api_url = %q
  }
}
data "petra_autotask_companies" "one" {
  name_contains = %q
}
data "petra_tenants" "all" {}
`, env.Sandbox.Username, env.Sandbox.Secret, env.Sandbox.IntegrationCode, env.Sandbox.AutotaskBaseURL,
		env.Sandbox.PetraKey, env.Sandbox.PetraURL, name)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.petra_autotask_companies.one", tfjsonpath.New("companies").AtSliceIndex(0).AtMapKey("id"),
					knownvalue.Int64Exact(id)),
				statecheck.ExpectKnownValue("data.petra_tenants.all", tfjsonpath.New("tenants"),
					knownvalue.ListSizeExact(len(env.PetraTenants(t)))),
			},
		}},
	})
}

// providerTestUnsetEnv removes variables for one (non-parallel) test and restores them after.
func providerTestUnsetEnv(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		t.Setenv(n, "") // registers the restore
		if err := os.Unsetenv(n); err != nil {
			t.Fatal(err)
		}
	}
}

var providerTestAllEnv = []string{EnvAutotaskUsername, EnvAutotaskSecret, EnvAutotaskIntegrationCode, EnvAutotaskBaseURL,
	EnvAutotaskZoneLookupURL, EnvPetraAPIKey, EnvPetraAPIURL, EnvBillingCheckFailure, EnvBillingClaims}

func TestResolveConfigFallsBackToEnvironment(t *testing.T) {
	providerTestUnsetEnv(t, providerTestAllEnv...)
	t.Setenv(EnvAutotaskUsername, "api@example.com")
	t.Setenv(EnvAutotaskSecret, "s3cret")
	t.Setenv(EnvAutotaskIntegrationCode, "CODE123")
	t.Setenv(EnvPetraAPIKey, "petra_abc")
	t.Setenv(EnvBillingCheckFailure, "warn")
	t.Setenv(EnvBillingClaims, "off")

	c := resolveConfig(providerModel{BillingCheckFailure: types.StringNull()})
	if c.autotaskUsername.value != "api@example.com" || !c.autotaskSecret.set || c.petraAPIKey.value != "petra_abc" ||
		c.billingCheckFailure.value != "warn" || !c.claimsOff() {
		t.Fatalf("environment not used: %+v", c)
	}
	if c.autotaskBaseURL.set || c.petraAPIURL.set {
		t.Fatal("unset variables reported as set")
	}
	if diags := c.validate(); diags.HasError() {
		t.Fatalf("valid environment rejected: %v", diags)
	}

	// A configured value wins over the environment.
	c = resolveConfig(providerModel{
		Autotask: &autotaskBlockModel{
			Username: types.StringValue("other@example.com"), Secret: types.StringNull(), IntegrationCode: types.StringNull(),
			BaseURL: types.StringNull(), ZoneLookupURL: types.StringNull(),
		},
		BillingCheckFailure: types.StringValue("error"),
	})
	if c.autotaskUsername.value != "other@example.com" || c.autotaskSecret.value != "s3cret" || c.billingCheckFailure.value != "error" {
		t.Fatalf("configuration did not win over the environment: %+v", c)
	}
}

func TestValidateNamesTheVariable(t *testing.T) {
	providerTestUnsetEnv(t, providerTestAllEnv...)
	t.Setenv(EnvAutotaskUsername, "api@example.com")
	t.Setenv(EnvAutotaskSecret, "   ")
	t.Setenv(EnvAutotaskBaseURL, "http://10.0.0.5/ATServicesRest/")
	t.Setenv(EnvPetraAPIURL, "http://localhost:8089/petra")
	t.Setenv(EnvBillingCheckFailure, "warning")
	t.Setenv(EnvBillingClaims, "none")
	t.Setenv(EnvAutotaskTimeZone, "Mars/Olympus_Mons")

	diags := resolveConfig(providerModel{BillingCheckFailure: types.StringNull()}).validate()
	got := map[string]string{}
	for _, d := range diags.Errors() {
		p := ""
		if wp, ok := d.(interface{ Path() path.Path }); ok {
			p = wp.Path().String()
		}
		got[p] = d.Summary() + ": " + d.Detail()
	}
	want := map[string]string{
		"autotask.secret":           "Empty Autotask API secret: autotask.secret (or the AUTOTASK_SECRET environment variable) is set but empty.",
		"autotask.integration_code": "Missing Autotask API Tracking Identifier",
		"autotask.base_url":         "Insecure Autotask base URL",
		"billing_check_failure": `Invalid billing_check_failure: billing_check_failure (or the PETRA_BILLING_CHECK_FAILURE ` +
			`environment variable) is "warning"; value must be one of: ["error" "warn"].`,
		"billing_claims": `Invalid billing_claims: billing_claims (or the PETRA_BILLING_CLAIMS environment variable) is ` +
			`"none"; value must be one of: ["notes" "off"]. "notes" (the default) claims each billed line with a contract ` +
			`note, so that another configuration cannot bill it too; "off" writes no notes, for a single configuration ` +
			`per Autotask database.`,
		"autotask.time_zone": `Invalid time_zone: autotask.time_zone (or the AUTOTASK_TIME_ZONE environment variable) is ` +
			`"Mars/Olympus_Mons", which is not an IANA time zone name.`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %d errors %v; want %d (loopback Petra URL must be accepted)", len(got), got, len(want))
	}
	for p, w := range want {
		if !strings.HasPrefix(got[p], w) {
			t.Errorf("%s: got %q, want prefix %q", p, got[p], w)
		}
	}
}

func TestNoAutotaskSettingsIsNotAnError(t *testing.T) {
	providerTestUnsetEnv(t, providerTestAllEnv...)
	c := resolveConfig(providerModel{BillingCheckFailure: types.StringNull()})
	if c.autotaskWanted() {
		t.Fatal("Autotask wanted without any credential")
	}
	if diags := c.validate(); diags.HasError() {
		t.Fatalf("an empty provider block must be valid (Petra-only use): %v", diags)
	}
	c = resolveConfig(providerModel{BillingCheckFailure: types.StringUnknown()})
	if !c.anyUnknown() {
		t.Fatal("an unknown setting was not reported")
	}
}
