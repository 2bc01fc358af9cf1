package provider

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/configid"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/billing"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/claims"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
	"github.com/petrasecurity/terraform-provider-petra/internal/petra"
)

// providerData is what Configure hands every resource and data source.
type providerData struct {
	autotask *autotask.Client
	petra    *petra.Client
	svc      *services

	// billingCheckFailure is BillingCheckError or BillingCheckWarn.
	billingCheckFailure string
	// claimOwner names this configuration on its billing claims.
	claimOwner string
	// noClaims is billing_claims = "off": no claim notes are written or read.
	noClaims bool
	// claimOwnerOwn is true when billing_claim_owner was set: the label
	// then names this configuration alone, and an active claim of the line
	// with that label and the mapping's tenant that no state records is
	// this configuration's own (claims.Mine). The default label is shared
	// by every configuration of one API user and adopts nothing.
	claimOwnerOwn bool
	now           func() time.Time
	secrets       []string
}

// maskCtx makes every log line written with ctx hide the configured secrets,
// in messages and in field values alike.
func (d *providerData) maskCtx(ctx context.Context) context.Context {
	return maskSecrets(ctx, d.secrets)
}

func maskSecrets(ctx context.Context, secrets []string) context.Context {
	if len(secrets) == 0 {
		return ctx
	}
	ctx = tflog.MaskAllFieldValuesStrings(ctx, secrets...)
	ctx = tflog.MaskMessageStrings(ctx, secrets...)
	return ctx
}

// Configure builds the Autotask and Petra clients from the provider block and
// environment. It only checks the settings' form; credentials are checked by
// the connection resource and on first use, so `terraform validate` and plans
// that need no API stay offline.
func (p *PetraProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cfg := resolveConfig(m)
	if cfg.anyUnknown() {
		// Some setting comes from a value known only after apply. Leave the
		// provider unconfigured: plan-time checks are skipped and run at apply.
		tflog.Warn(ctx, "provider configuration depends on values not yet known; live checks are deferred to apply")
		resp.Diagnostics.AddWarning("Live checks deferred to apply",
			"A setting of the petra provider (an autotask or petra setting, billing_check_failure, "+
				"billing_claim_owner or billing_claims) comes from a value that is not known until apply, so this plan checked nothing "+
				"against Autotask or Petra: the billing checks (contract exists, belongs to the company, is an active "+
				"Recurring Service contract in effect today, carries the service once), the tenant and company checks, "+
				"the claims and the connection's permissions all run at apply, before anything is pushed, and a problem "+
				"then fails the apply instead of this plan. To have a CI plan catch them, set the provider's settings "+
				"from known values: variables or the environment variables (AUTOTASK_USERNAME, AUTOTASK_SECRET, ...).")
		return
	}
	resp.Diagnostics.Append(cfg.validate()...)
	if resp.Diagnostics.HasError() {
		return
	}

	data := &providerData{now: p.opts.Now, billingCheckFailure: BillingCheckError}
	if cfg.billingCheckFailure.set {
		data.billingCheckFailure = cfg.billingCheckFailure.value
	}
	for _, s := range []setting{cfg.autotaskSecret, cfg.autotaskIntegrationCode, cfg.petraAPIKey} {
		if v := strings.TrimSpace(s.value); v != "" {
			data.secrets = append(data.secrets, v)
		}
	}
	ctx = data.maskCtx(ctx)
	userAgent := fmt.Sprintf("terraform-provider-petra/%s (+https://registry.terraform.io/providers/petrasecurity/petra)", p.version)

	if cfg.autotaskWanted() {
		c, err := autotask.New(autotask.Config{
			Username:        strings.TrimSpace(cfg.autotaskUsername.value),
			Secret:          strings.TrimSpace(cfg.autotaskSecret.value),
			IntegrationCode: strings.TrimSpace(cfg.autotaskIntegrationCode.value),
			BaseURL:         strings.TrimSpace(cfg.autotaskBaseURL.value),
			ZoneLookupURL:   strings.TrimSpace(cfg.autotaskZoneLookupURL.value),
			UserAgent:       userAgent,
			Logger:          newLogAdapter(ctx, "autotask"),
			WriteTimeout:    p.opts.AutotaskWriteTimeout,
		})
		if err != nil {
			resp.Diagnostics.AddAttributeError(cfg.autotaskUsername.path.ParentPath(), "Invalid Autotask configuration", err.Error())
			return
		}
		data.autotask = c
	}
	if cfg.petraAPIKey.set {
		c, err := petra.New(petra.Config{
			APIKey:    strings.TrimSpace(cfg.petraAPIKey.value),
			BaseURL:   strings.TrimSpace(cfg.petraAPIURL.value),
			UserAgent: userAgent,
			Logger:    newLogAdapter(ctx, "petra"),
			// Petra's per-route limits (petra.DefaultRouteLimits) unless a
			// test raised them.
			RequestsPerMinute: p.opts.PetraRequestsPerMinute,
		})
		if err != nil {
			resp.Diagnostics.AddAttributeError(cfg.petraAPIKey.path.ParentPath(), "Invalid Petra configuration", err.Error())
			return
		}
		data.petra = c
	}
	loc, tzConfigured, _ := cfg.timeZone() // validated above
	r := run.New(data.autotask, data.petra, data.now).WithTimeZone(loc, tzConfigured)
	if data.autotask != nil {
		r.WithUsername(strings.TrimSpace(cfg.autotaskUsername.value))
	}
	configName, named := "", false
	if wd, err := os.Getwd(); err == nil && !p.opts.NoConfigName {
		configName, named = configid.Derive(wd, os.Getenv)
	}
	data.claimOwner = claimOwnerLabel(cfg.billingClaimOwner.value, configName, r.Username())
	data.noClaims = cfg.claimsOff()
	if data.noClaims {
		addClaimsOffWarning(&resp.Diagnostics, cfg.billingClaims)
	}
	// The label is this configuration's own when it was set, or derived from
	// the configuration's repository, path and workspace (configid): then an
	// unrecorded claim carrying it is adopted.
	data.claimOwnerOwn = (cfg.billingClaimOwner.set && strings.TrimSpace(cfg.billingClaimOwner.value) != "") || named
	var timing billing.PushTiming
	if p.opts.PushTiming != nil {
		timing = *p.opts.PushTiming
	}
	data.svc = newServices(r, timing, p.openRunRegistry(ctx))
	// Without time_zone, billing dates follow UTC: say so once per run, on
	// the provider block whose setting fixes it (not on whichever billing
	// mapping happened to be planned first).
	addTimeZoneWarning(&resp.Diagnostics, data.svc)
	resp.ResourceData = data
	resp.DataSourceData = data
}

// openRunRegistry joins the registry the provider processes of this
// Terraform run share (integration/claims/runregistry.go), so that two
// billing mappings on one line fail the plan even across provider aliases.
// Its failure (nil) only leaves the check to this process.
func (p *PetraProvider) openRunRegistry(ctx context.Context) *claims.RunRegistry {
	if p.opts.DisableRunRegistry {
		return nil
	}
	base := p.opts.RunRegistryDir
	if base == "" {
		base = claims.DefaultRunRegistryBase()
	}
	reg, err := claims.OpenRunRegistry(base)
	if err != nil {
		tflog.Warn(ctx, "the run registry of billing mappings is unavailable; duplicates across provider aliases are "+
			"caught at apply by the claims in Autotask", map[string]any{"error": err.Error()})
		return nil
	}
	return reg
}
