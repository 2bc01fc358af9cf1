package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration"
	"github.com/petrasecurity/terraform-provider-petra/internal/petra"
)

// providerDataFrom converts the ProviderData handed to a resource or data
// source's Configure. nil (the provider is not configured yet, as during
// validation) is not an error: the caller keeps a nil *providerData and its
// ModifyPlan skips live checks.
func providerDataFrom(v any, diags *diag.Diagnostics) *providerData {
	if v == nil {
		return nil
	}
	d, ok := v.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", v))
		return nil
	}
	return d
}

// service returns the integration service, or adds a diagnostic explaining
// that the provider is not configured (which happens only when provider
// settings depend on values unknown until apply).
func (d *providerData) service(diags *diag.Diagnostics) *integration.Service {
	if d == nil || d.svc == nil {
		diags.AddError("Provider not configured",
			"The petra provider has no configuration yet: its settings depend on values that are not known until "+
				"apply. Set the provider's autotask and petra settings from known values or environment variables.")
		return nil
	}
	return d.svc
}

// addAPIError turns a client or domain error into one diagnostic that says
// what failed and how to fix it. Autotask's and Petra's own messages are kept
// verbatim inside the detail.
func addAPIError(diags *diag.Diagnostics, attr *path.Path, summary string, err error) {
	detail := explainError(err)
	if attr != nil {
		diags.AddAttributeError(*attr, summary, detail)
		return
	}
	diags.AddError(summary, detail)
}

// explainError adds the fix for the error kinds users meet most.
func explainError(err error) string {
	var (
		perm  *autotask.PermissionError
		auth  *autotask.AuthenticationError
		code  *autotask.InvalidIntegrationCodeError
		zone  *autotask.ZoneNotFoundError
		rate  *autotask.RateLimitError
		pauth *petra.AuthenticationError
		prate *petra.RateLimitError
	)
	switch {
	case errors.Is(err, integration.ErrAutotaskNotConfigured), errors.Is(err, integration.ErrPetraNotConfigured):
		return err.Error()
	case errors.As(err, &perm):
		return err.Error() + "\n\nThe Autotask API user's Security Level must be \"API User (system)\" and the user " +
			"must be active. Billing needs read and write on Contracts, read on Services, and read, create and update on " +
			"ContractNotes (the billing claims); ticketing needs Tickets."
	case errors.As(err, &auth), errors.As(err, &code), errors.As(err, &zone):
		return err.Error()
	case errors.As(err, &rate):
		return err.Error() + "\n\nAutotask allows 10,000 requests an hour for the whole database, shared by every " +
			"integration. Wait for the hourly window to drain, then retry."
	case errors.As(err, &pauth), errors.As(err, &prate):
		return err.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return err.Error() + "\n\nThe operation ran out of time; raise the resource's timeouts or retry."
	default:
		return err.Error()
	}
}

// checkConnectionID makes sure a mapping's connection_id names the Autotask
// user this provider is configured with, so a mapping is never silently
// applied through another connection.
func checkConnectionID(diags *diag.Diagnostics, svc *integration.Service, v types.String) {
	if svc == nil || v.IsUnknown() || v.IsNull() || svc.Username() == "" {
		return
	}
	if v.ValueString() != svc.Username() {
		diags.AddAttributeError(path.Root("connection_id"), "Connection does not match the provider",
			fmt.Sprintf("connection_id is %q, but this provider is configured for the Autotask API user %q. Reference "+
				"the petra_autotask_connection of this provider (connection_id = petra_autotask_connection.<name>.id).",
				v.ValueString(), svc.Username()))
	}
}

// addBudgetWarning shows, once per run, that the Autotask database's hourly
// request budget is nearly spent and the provider is slowing down.
func addBudgetWarning(diags *diag.Diagnostics, svc *integration.Service) {
	if summary, detail, ok := svc.BudgetWarning(); ok {
		diags.AddWarning(summary, detail)
	}
}

// addTimeZoneWarning shows, once per run, that billing dates follow UTC
// because no time_zone is configured.
func addTimeZoneWarning(diags *diag.Diagnostics, svc *integration.Service) {
	if summary, detail, ok := svc.TimeZoneWarning(); ok {
		diags.AddWarning(summary, detail)
	}
}
