package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/access"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
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

// service returns the integration's services, or adds a diagnostic explaining
// that the provider is not configured (which happens only when provider
// settings depend on values unknown until apply).
func (d *providerData) service(diags *diag.Diagnostics) *services {
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

// addAPIErrorOnce is addAPIError for an apply, where every resource that
// meets a cause must fail on its own: the first resource of the run that
// meets a persistent cause (a missing permission) gets the full
// explanation, every other one a single line that names the cause and
// refers to that first error (issue 21: 200 tenants, one cause, one full
// message). what says what the failure left undone for this resource.
func addAPIErrorOnce(diags *diag.Diagnostics, svc *services, attr *path.Path, summary string, err error, what string) {
	var perm *autotask.PermissionError
	if svc == nil || !errors.As(err, &perm) || svc.run.FirstReport(err) {
		addAPIError(diags, attr, summary, err)
		return
	}
	detail := fmt.Sprintf("The Autotask API user is not allowed to %s %s; %s. The one %q error of this run that "+
		"quotes Autotask explains the missing permission and how to fix it.", perm.Operation, perm.Entity, what, summary)
	if attr != nil {
		diags.AddAttributeError(*attr, summary, detail)
		return
	}
	diags.AddError(summary, detail)
}

// reportOnce is addAPIError for reads made while planning (data sources,
// ModifyPlan, refresh): a persistent failure (a rejected key, a refused or
// missing route) is shown by the first resource or data source of the run
// that meets it, and the others stay quiet, since the plan fails on that one
// error anyway: 60 tenants with a wrong Petra key give one error, not 60.
func reportOnce(diags *diag.Diagnostics, svc *services, attr *path.Path, summary string, err error) {
	if svc == nil || svc.run.FirstReport(err) {
		addAPIError(diags, attr, summary, err)
	}
}

// reportReadFailure reports a failed read on the attribute it concerns:
// while planning only the first time in the run for a persistent cause
// (reportOnce), at apply always, since each resource must fail on its own.
func reportReadFailure(diags *diag.Diagnostics, svc *services, planning bool, attr, summary string, err error) {
	if planning && svc != nil && !svc.run.FirstReport(err) {
		return
	}
	p := path.Root(attr)
	addAPIError(diags, &p, summary, err)
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
	case errors.Is(err, run.ErrAutotaskNotConfigured), errors.Is(err, run.ErrPetraNotConfigured):
		return err.Error()
	case errors.As(err, &perm):
		if strings.Contains(err.Error(), access.PermissionFix) {
			return err.Error() // the fix is in the error already (a refused push)
		}
		return err.Error() + "\n\n" + access.PermissionFix + " " + access.TicketingFix
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
// database this provider is connected to, so a mapping is never silently
// applied through another connection, and that a change of connection_id in
// state (a state written before version 1, whose ids were API usernames)
// stays within the same database. prior is null on create. A database
// mismatch is one cause for the whole run: it is reported once.
//
// planning is true in ModifyPlan, where a cause already reported in this run
// is not repeated (the plan fails on the first); at apply every resource
// reports it, since each must fail on its own.
func checkConnectionID(ctx context.Context, diags *diag.Diagnostics, svc *services, planned, prior types.String, planning bool) {
	if svc == nil || !svc.run.HasAutotask() || planned.IsUnknown() || planned.IsNull() {
		return
	}
	first := func(report bool) bool { return !planning || report }
	db, err := svc.access.DatabaseID(ctx)
	if err != nil {
		if first(svc.run.FirstReport(err)) {
			addAPIError(diags, nil, "Cannot identify the Autotask database", err)
		}
		return
	}
	if other := connectionDatabaseOf(ctx, svc, planned.ValueString(), db, false); other != db {
		if first(svc.run.FirstReportKey("connection_id mismatch")) {
			diags.AddAttributeError(path.Root("connection_id"), "Connection does not match the provider",
				fmt.Sprintf("connection_id is %q, but this provider's Autotask API user %q belongs to Autotask database "+
					"%d (connection id %q). Reference the petra_autotask_connection of this provider (connection_id = "+
					"petra_autotask_connection.<name>.id), or configure the provider for the database the mappings "+
					"belong to.", planned.ValueString(), svc.run.Username(), db, access.ConnectionID(db)))
		}
		return
	}
	if prior.IsNull() || prior.IsUnknown() || prior.Equal(planned) {
		return
	}
	if was := connectionDatabaseOf(ctx, svc, prior.ValueString(), db, true); was != db {
		if first(svc.run.FirstReportKey("database changed")) {
			diags.AddAttributeError(path.Root("connection_id"), "Autotask database changed",
				connectionDatabaseChanged(was, db, svc.run.Username()))
		}
	}
}

// connectionDatabaseOf says which database a connection id belongs to: the
// id itself when it is a database id; for an API username (the ids of
// states written before version 1), the provider's own database when it is
// the provider's user, else the database Autotask's zone lookup names for
// that user. When Autotask does not know the user (or cannot say), lenient
// (for a value recorded in state: a deleted, rotated user; the connection
// resource itself guards against another database) takes the provider's
// database, and strict (for a configured value) returns 0.
func connectionDatabaseOf(ctx context.Context, svc *services, id string, db int64, lenient bool) int64 {
	if n, ok := access.ParseConnectionID(id); ok {
		return n
	}
	if id == svc.run.Username() {
		return db
	}
	other, err := svc.access.DatabaseOfUser(ctx, id)
	if err != nil || other == 0 {
		if lenient {
			return db
		}
		return 0
	}
	return other
}

// refreshConnectionID is what a mapping's Read records as connection_id: the
// provider's database id when the recorded value is empty (an import) or an
// API username of the same database (a state written before version 1);
// otherwise the recorded value, which the next plan then reports.
func refreshConnectionID(ctx context.Context, svc *services, recorded types.String) types.String {
	if svc == nil || !svc.run.HasAutotask() {
		return recorded
	}
	db, err := svc.access.DatabaseID(ctx)
	if err != nil {
		return recorded
	}
	if recorded.IsNull() || recorded.IsUnknown() || recorded.ValueString() == "" {
		return types.StringValue(access.ConnectionID(db))
	}
	if _, ok := access.ParseConnectionID(recorded.ValueString()); ok {
		return recorded
	}
	if connectionDatabaseOf(ctx, svc, recorded.ValueString(), db, true) == db {
		return types.StringValue(access.ConnectionID(db))
	}
	return recorded
}

// addBudgetWarning shows, once per run, that the Autotask database's hourly
// request budget is nearly spent and the provider is slowing down.
func addBudgetWarning(diags *diag.Diagnostics, svc *services) {
	if svc == nil {
		return
	}
	if summary, detail, ok := svc.run.BudgetWarning(); ok {
		diags.AddWarning(summary, detail)
	}
}

// addTimeZoneWarning shows, once per run, that billing dates follow UTC
// because no time_zone is configured. Configure calls it, so the warning is
// the provider block's.
func addTimeZoneWarning(diags *diag.Diagnostics, svc *services) {
	if svc == nil {
		return
	}
	if summary, detail, ok := svc.run.TimeZoneWarning(); ok {
		diags.AddWarning(summary, detail)
	}
}

// nullIfEmpty is the one "empty string means null" conversion: an
// attribute Autotask or Petra leaves empty (a name the API user cannot see, a
// missing Microsoft tenant ID) is null in state, never "".
func nullIfEmpty(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// nullIfUnknown turns an unknown into null, for values written to state
// outside an apply (a refresh, an upgrade), which may not hold unknowns.
func nullIfUnknown(v types.String) types.String {
	if v.IsUnknown() {
		return types.StringNull()
	}
	return v
}

// fillUnknownString sets *dst to v when the plan left it unknown: Create and
// Update return exactly the planned known values and fill only the unknown
// ones (DESIGN.md, "Planned values").
func fillUnknownString(dst *types.String, v types.String) {
	if dst.IsUnknown() {
		*dst = v
	}
}

// fillUnknownInt64 is fillUnknownString for an int64.
func fillUnknownInt64(dst *types.Int64, v types.Int64) {
	if dst.IsUnknown() {
		*dst = v
	}
}
