package provider

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Environment variables each provider setting falls back to.
const (
	EnvAutotaskUsername        = "AUTOTASK_USERNAME"
	EnvAutotaskSecret          = "AUTOTASK_SECRET"
	EnvAutotaskIntegrationCode = "AUTOTASK_INTEGRATION_CODE"
	EnvAutotaskBaseURL         = "AUTOTASK_BASE_URL"
	EnvAutotaskZoneLookupURL   = "AUTOTASK_ZONE_LOOKUP_URL"
	EnvAutotaskTimeZone        = "AUTOTASK_TIME_ZONE"
	EnvPetraAPIKey             = "PETRA_API_KEY"
	EnvPetraAPIURL             = "PETRA_API_URL"
	EnvBillingCheckFailure     = "PETRA_BILLING_CHECK_FAILURE"
	EnvBillingClaimOwner       = "PETRA_BILLING_CLAIM_OWNER"
	EnvBillingClaims           = "PETRA_BILLING_CLAIMS"
)

// Billing check failure modes.
const (
	BillingCheckError = "error"
	BillingCheckWarn  = "warn"
)

// Billing claim modes (billing_claims).
const (
	BillingClaimsNotes = "notes"
	BillingClaimsOff   = "off"
)

// setting is one resolved provider setting: its value, where it came from, and
// the attribute path and variable to name in a diagnostic.
type setting struct {
	value   string
	set     bool // given in configuration or environment
	unknown bool // configured from a value not known until apply
	path    path.Path
	env     string
}

func (s setting) where() string {
	return fmt.Sprintf("%s (or the %s environment variable)", s.path, s.env)
}

// resolvedConfig is the provider configuration after environment fallbacks.
type resolvedConfig struct {
	autotaskUsername, autotaskSecret, autotaskIntegrationCode setting
	autotaskBaseURL, autotaskZoneLookupURL                    setting
	autotaskTimeZone                                          setting
	petraAPIKey, petraAPIURL                                  setting
	billingCheckFailure                                       setting
	billingClaimOwner                                         setting
	billingClaims                                             setting
}

// resolve reads one attribute, falling back to its environment variable.
func resolve(v types.String, p path.Path, env string) setting {
	s := setting{path: p, env: env}
	switch {
	case v.IsUnknown():
		s.unknown = true
	case !v.IsNull():
		s.value, s.set = v.ValueString(), true
	default:
		if e, ok := os.LookupEnv(env); ok {
			s.value, s.set = e, true
		}
	}
	return s
}

func resolveConfig(m providerModel) resolvedConfig {
	at := autotaskBlockModel{
		Username: types.StringNull(), Secret: types.StringNull(), IntegrationCode: types.StringNull(),
		BaseURL: types.StringNull(), ZoneLookupURL: types.StringNull(), TimeZone: types.StringNull(),
	}
	if m.Autotask != nil {
		at = *m.Autotask
	}
	pt := petraBlockModel{APIKey: types.StringNull(), APIURL: types.StringNull()}
	if m.Petra != nil {
		pt = *m.Petra
	}
	atPath, ptPath := path.Root("autotask"), path.Root("petra")
	return resolvedConfig{
		autotaskUsername:        resolve(at.Username, atPath.AtName("username"), EnvAutotaskUsername),
		autotaskSecret:          resolve(at.Secret, atPath.AtName("secret"), EnvAutotaskSecret),
		autotaskIntegrationCode: resolve(at.IntegrationCode, atPath.AtName("integration_code"), EnvAutotaskIntegrationCode),
		autotaskBaseURL:         resolve(at.BaseURL, atPath.AtName("base_url"), EnvAutotaskBaseURL),
		autotaskZoneLookupURL:   resolve(at.ZoneLookupURL, atPath.AtName("zone_lookup_url"), EnvAutotaskZoneLookupURL),
		autotaskTimeZone:        resolve(at.TimeZone, atPath.AtName("time_zone"), EnvAutotaskTimeZone),
		petraAPIKey:             resolve(pt.APIKey, ptPath.AtName("api_key"), EnvPetraAPIKey),
		petraAPIURL:             resolve(pt.APIURL, ptPath.AtName("api_url"), EnvPetraAPIURL),
		billingCheckFailure:     resolve(m.BillingCheckFailure, path.Root("billing_check_failure"), EnvBillingCheckFailure),
		billingClaimOwner:       resolve(m.BillingClaimOwner, path.Root("billing_claim_owner"), EnvBillingClaimOwner),
		billingClaims:           resolve(m.BillingClaims, path.Root("billing_claims"), EnvBillingClaims),
	}
}

// anyUnknown reports whether the configuration depends on values that are not
// known yet; the provider then stays unconfigured for this run's plan.
func (c resolvedConfig) anyUnknown() bool {
	for _, s := range []setting{c.autotaskUsername, c.autotaskSecret, c.autotaskIntegrationCode, c.autotaskBaseURL,
		c.autotaskZoneLookupURL, c.autotaskTimeZone, c.petraAPIKey, c.petraAPIURL, c.billingCheckFailure,
		c.billingClaimOwner, c.billingClaims} {
		if s.unknown {
			return true
		}
	}
	return false
}

// autotaskWanted reports whether any Autotask credential was given. With none
// at all, the provider still serves the Petra data sources, and anything that
// needs Autotask fails with a message naming the settings.
func (c resolvedConfig) autotaskWanted() bool {
	return c.autotaskUsername.set || c.autotaskSecret.set || c.autotaskIntegrationCode.set
}

// validate checks the settings' form, offline. Each problem is one diagnostic on
// the attribute, naming its environment variable and how to fix it.
func (c resolvedConfig) validate() diag.Diagnostics {
	var diags diag.Diagnostics
	if c.autotaskWanted() {
		requireNonEmpty(&diags, c.autotaskUsername, "Autotask API username",
			"Use the username of the Autotask API user (an e-mail address) created for this integration.")
		requireNonEmpty(&diags, c.autotaskSecret, "Autotask API secret",
			"Use the secret (password) generated for the Autotask API user.")
		requireNonEmpty(&diags, c.autotaskIntegrationCode, "Autotask API Tracking Identifier",
			"Copy the API Tracking Identifier from the API user's page in Autotask (Custom (Internal Integration)).")
		if c.autotaskUsername.set && strings.ContainsAny(strings.TrimSpace(c.autotaskUsername.value), " \t\r\n") {
			diags.AddAttributeError(c.autotaskUsername.path, "Malformed Autotask API username",
				fmt.Sprintf("The username set in %s contains white space. Autotask API usernames are e-mail addresses "+
					"such as petra-api@example.com; check for a stray space or a line break.", c.autotaskUsername.where()))
		}
		if c.autotaskIntegrationCode.set && strings.ContainsAny(strings.TrimSpace(c.autotaskIntegrationCode.value), " \t\r\n") {
			diags.AddAttributeError(c.autotaskIntegrationCode.path, "Malformed Autotask API Tracking Identifier",
				fmt.Sprintf("The value set in %s contains white space. Copy the identifier exactly as Autotask shows it.",
					c.autotaskIntegrationCode.where()))
		}
	}
	checkURL(&diags, c.autotaskBaseURL, "Autotask base URL", "https://webservices14.autotask.net/ATServicesRest/")
	checkURL(&diags, c.autotaskZoneLookupURL, "Autotask zone lookup URL", "https://webservices.autotask.net/atservicesrest/")
	if c.petraAPIKey.set {
		k := c.petraAPIKey.value
		switch {
		case strings.TrimSpace(k) == "":
			diags.AddAttributeError(c.petraAPIKey.path, "Empty Petra API key",
				fmt.Sprintf("%s is set but empty. Create a key in Petra under Settings > API Keys (Admins only) and set "+
					"it, or unset the variable to run without Petra checks.", c.petraAPIKey.where()))
		case strings.HasPrefix(strings.ToLower(strings.TrimSpace(k)), "bearer "):
			diags.AddAttributeError(c.petraAPIKey.path, "Malformed Petra API key",
				fmt.Sprintf("The key in %s starts with \"Bearer \". Set only the key itself; the provider adds the "+
					"Authorization header.", c.petraAPIKey.where()))
		case strings.ContainsAny(strings.TrimSpace(k), " \t\r\n"):
			diags.AddAttributeError(c.petraAPIKey.path, "Malformed Petra API key",
				fmt.Sprintf("The key in %s contains white space. Copy the key exactly as Petra showed it.", c.petraAPIKey.where()))
		}
	}
	checkURL(&diags, c.petraAPIURL, "Petra API URL", "https://api.petrasecurity.com")
	if _, _, err := c.timeZone(); err != nil {
		diags.AddAttributeError(c.autotaskTimeZone.path, "Invalid time_zone", err.Error()+".")
	}
	diags.Append(checkBillingCheckFailure(c.billingCheckFailure)...)
	diags.Append(checkBillingClaims(c.billingClaims)...)
	if c.billingClaimOwner.set {
		v := c.billingClaimOwner.value
		switch {
		case strings.TrimSpace(v) == "":
			diags.AddAttributeError(c.billingClaimOwner.path, "Empty billing_claim_owner",
				fmt.Sprintf("%s is set but empty. Name this configuration in words people recognise, for example "+
					"\"billing-prod (github.com/acme/msp-billing)\", or unset it to use the default.", c.billingClaimOwner.where()))
		case len(v) > maxClaimOwnerLength:
			diags.AddAttributeError(c.billingClaimOwner.path, "Invalid billing_claim_owner",
				fmt.Sprintf("%s is %d characters long; keep it to %d (it is written on every billing claim in Autotask).",
					c.billingClaimOwner.where(), len(v), maxClaimOwnerLength))
		case strings.ContainsFunc(v, unicode.IsControl):
			diags.AddAttributeError(c.billingClaimOwner.path, "Invalid billing_claim_owner",
				fmt.Sprintf("%s contains a line break or another control character; use one line of text.",
					c.billingClaimOwner.where()))
		case c.isCredential(v):
			// The value is never repeated: it is a secret.
			diags.AddAttributeError(c.billingClaimOwner.path, "Invalid billing_claim_owner",
				fmt.Sprintf("%s is the same as one of the provider's credentials (the Autotask secret, the API Tracking "+
					"Identifier or the Petra API key). The owner label is written in clear text on every billing claim, a "+
					"contract note that anyone with contract access reads and that the API cannot delete: set a label "+
					"naming this configuration instead, for example \"billing-prod (github.com/acme/msp-billing)\".",
					c.billingClaimOwner.where()))
		}
	}
	return diags
}

// isCredential reports whether v is one of the configured secrets.
func (c resolvedConfig) isCredential(v string) bool {
	v = strings.TrimSpace(v)
	for _, s := range []setting{c.autotaskSecret, c.autotaskIntegrationCode, c.petraAPIKey} {
		if s.set && v != "" && strings.TrimSpace(s.value) == v {
			return true
		}
	}
	return false
}

// maxClaimOwnerLength bounds billing_claim_owner.
const maxClaimOwnerLength = 200

func requireNonEmpty(diags *diag.Diagnostics, s setting, what, fix string) {
	if s.set && strings.TrimSpace(s.value) != "" {
		return
	}
	summary := "Missing " + what
	detail := fmt.Sprintf("%s is required when Autotask is configured, but %s is not set. %s", what, s.where(), fix)
	if s.set {
		summary = "Empty " + what
		detail = fmt.Sprintf("%s is set but empty. %s", s.where(), fix)
	}
	diags.AddAttributeError(s.path, summary, detail)
}

// checkURL accepts an absolute HTTPS URL, or plain HTTP to a loopback host
// (the sandbox). Anything else is rejected before a request is made.
func checkURL(diags *diag.Diagnostics, s setting, what, example string) {
	if !s.set {
		return
	}
	if summary, problem := urlProblem(s.value, what, example); summary != "" {
		diags.AddAttributeError(s.path, summary, fmt.Sprintf("%s is %q, %s", s.where(), s.value, problem))
	}
}

// urlProblem says what is wrong with a configured URL: a summary and the
// rest of a sentence that starts with where the value is set ("" when the
// URL is fine).
func urlProblem(raw, what, example string) (summary, problem string) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "Invalid " + what, fmt.Sprintf("which is not an absolute URL. Use a URL such as %s.", example)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !IsLoopbackHost(u.Hostname()) {
			return "Insecure " + what, fmt.Sprintf("which uses plain HTTP. Credentials must travel over HTTPS; plain "+
				"HTTP is accepted only for loopback addresses such as the sandbox (127.0.0.1). Use %s.", example)
		}
	default:
		return "Invalid " + what, fmt.Sprintf("which is not an https URL; only https URLs are accepted (http for "+
			"loopback addresses). Use a URL such as %s.", example)
	}
	if u.User != nil {
		return "Invalid " + what, fmt.Sprintf("which contains credentials (user:password@). Credentials go in their "+
			"own settings; use a URL such as %s.", example)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "Invalid " + what, fmt.Sprintf("which has a query string or fragment. Use a URL such as %s.", example)
	}
	return "", ""
}

// urlValidator runs urlProblem on a literal value at `terraform validate`;
// values from environment variables are checked when the provider is
// configured.
type urlValidator struct{ what, example, env string }

func (v urlValidator) Description(context.Context) string {
	return "must be an absolute https URL (http only for loopback addresses)"
}

func (v urlValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v urlValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	raw := req.ConfigValue.ValueString()
	if summary, problem := urlProblem(raw, v.what, v.example); summary != "" {
		where := setting{path: req.Path, env: v.env}.where()
		resp.Diagnostics.AddAttributeError(req.Path, summary, fmt.Sprintf("%s is %q, %s", where, raw, problem))
	}
}

// timeZoneValidator checks time_zone offline, so that `terraform validate`
// rejects a name that is not an IANA time zone, with the same message a value
// from AUTOTASK_TIME_ZONE gets when the provider is configured. The zone
// database is embedded in the binary (time/tzdata in main.go), so the answer
// does not depend on the machine running Terraform.
type timeZoneValidator struct{}

func (timeZoneValidator) Description(context.Context) string {
	return "must be an IANA time zone name, such as America/New_York"
}

func (v timeZoneValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (timeZoneValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := setting{value: req.ConfigValue.ValueString(), set: true, path: req.Path, env: EnvAutotaskTimeZone}
	if _, _, err := (resolvedConfig{autotaskTimeZone: s}).timeZone(); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid time_zone", err.Error()+".")
	}
}

// checkBillingCheckFailure checks the billing_check_failure setting.
func checkBillingCheckFailure(s setting) diag.Diagnostics {
	var diags diag.Diagnostics
	if !s.set {
		return diags
	}
	switch s.value {
	case BillingCheckError, BillingCheckWarn:
	default:
		// A configured value is refused earlier, at validate, by the stock
		// stringvalidator.OneOf; this catches the environment variable, in
		// the same words.
		diags.AddAttributeError(s.path, "Invalid billing_check_failure",
			fmt.Sprintf("%s is %q; value must be one of: [\"error\" \"warn\"]. \"error\" (the default) fails the plan; "+
				"\"warn\" warns at plan, records only the affected tenant's mappings as failed at apply and syncs every "+
				"other tenant.", s.where(), s.value))
	}
	return diags
}

// checkBillingClaims checks the billing_claims setting.
func checkBillingClaims(s setting) diag.Diagnostics {
	var diags diag.Diagnostics
	if !s.set {
		return diags
	}
	switch s.value {
	case BillingClaimsNotes, BillingClaimsOff:
	default:
		// A configured value is refused earlier, at validate, by the stock
		// stringvalidator.OneOf; this catches the environment variable, in
		// the same words.
		diags.AddAttributeError(s.path, "Invalid billing_claims",
			fmt.Sprintf("%s is %q; value must be one of: [\"notes\" \"off\"]. \"notes\" (the default) claims each "+
				"billed line with a contract note, so that another configuration cannot bill it too; \"off\" writes "+
				"no notes, for a single configuration per Autotask database.", s.where(), s.value))
	}
	return diags
}

// claimsOff reports whether billing_claims is "off".
func (c resolvedConfig) claimsOff() bool {
	return c.billingClaims.set && c.billingClaims.value == BillingClaimsOff
}

// IsLoopbackHost reports whether host is localhost or a loopback IP address.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// timeZone is the Autotask database's time zone: the time_zone setting, or
// UTC when it is not set (configured false). The name must be an IANA time
// zone name; "Local" is refused, as it would depend on the machine running
// Terraform.
func (c resolvedConfig) timeZone() (loc *time.Location, configured bool, err error) {
	s := c.autotaskTimeZone
	if !s.set {
		return time.UTC, false, nil
	}
	name := strings.TrimSpace(s.value)
	l, lerr := time.LoadLocation(name)
	if name == "" || strings.EqualFold(name, "Local") || lerr != nil {
		return nil, false, fmt.Errorf("%s is %q, which is not an IANA time zone name. Use the time zone of your Autotask "+
			"database, such as \"America/New_York\", \"Europe/London\" or \"Australia/Sydney\" (the calendar whose "+
			"date Autotask stores contract dates in), or \"UTC\"", s.where(), s.value)
	}
	return l, true, nil
}
