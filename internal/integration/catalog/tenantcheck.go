package catalog

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/petrasecurity/terraform-provider-petra/internal/integration/problem"
	"github.com/petrasecurity/terraform-provider-petra/internal/petra"
)

// MaxTenantIDLength is the longest tenant_id accepted. Petra tenant IDs are
// short (ZZk90t, Y3mPqr); 64 leaves room for any future format while
// keeping a pasted document or a mistaken variable out of requests and
// state.
const MaxTenantIDLength = 64

// TenantIDFormProblem checks a tenant_id's form, offline: non-empty, at most
// MaxTenantIDLength characters, and only characters that may appear in
// Petra's tenant URLs (letters, digits, "-", "_", "." and "~"): no white
// space, control characters or "/". It returns "" when the form is fine,
// else the text of the diagnostic.
func TenantIDFormProblem(id string) string { return TenantIDFormProblemFor("tenant_id", id) }

// TenantIDFormProblemFor is TenantIDFormProblem naming the argument.
func TenantIDFormProblemFor(name, id string) string {
	const hint = "Use the Petra tenant ID: the short ID in app.petrasecurity.com/tenant/<id>, such as \"ZZk90t\" " +
		"(the petra_tenants data source lists them)."
	switch {
	case id == "":
		return fmt.Sprintf("%s \"\" is empty. %s", name, hint)
	case len(id) > MaxTenantIDLength:
		return fmt.Sprintf("%s is %d characters long; Petra tenant IDs are at most %d. %s", name, len(id), MaxTenantIDLength, hint)
	}
	for _, r := range id {
		switch {
		case unicode.IsSpace(r):
			return fmt.Sprintf("%s %s contains white space. %s", name, quoteShort(id), hint)
		case unicode.IsControl(r) || r == unicode.ReplacementChar:
			return fmt.Sprintf("%s %s contains a control character. %s", name, quoteShort(id), hint)
		case r == '/':
			return fmt.Sprintf("%s %s contains a slash (a URL or an import ID?). %s", name, quoteShort(id), hint)
		case r > unicode.MaxASCII || (!unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("-_.~", r)):
			return fmt.Sprintf("%s %s contains %q; Petra tenant IDs are letters, digits, \"-\" and \"_\". %s",
				name, quoteShort(id), r, hint)
		}
	}
	return ""
}

// quoteShort quotes a value for a message, cut to 40 characters.
func quoteShort(s string) string {
	if len(s) > 40 {
		return fmt.Sprintf("%q…", s[:40])
	}
	return fmt.Sprintf("%q", s)
}

// TenantCheck is what Petra says about a tenant_id.
type TenantCheck struct {
	// Tenant is the tenant (nil when not found or Petra is not configured).
	Tenant *petra.Tenant
	// Problem is set when the tenant cannot be billed: unknown to Petra (or
	// removed, which Petra hides), removed according to the usage report, or
	// a Microsoft tenant ID given instead of Petra's.
	Problem *problem.Problem
	// Warnings are allowed but noteworthy states: paused, in trial.
	Warnings []problem.Problem
}

// CheckPetraTenant checks a tenant_id against Petra (nothing when no Petra
// key is configured): the tenant must exist in this organization and not
// be removed; paused and trial tenants are allowed with a warning. One
// request per route per run (the tenant list, and the usage report for the
// billing status), shared with the data sources and the other mappings.
func (s *Catalog) CheckPetraTenant(ctx context.Context, id string) (TenantCheck, error) {
	var c TenantCheck
	if !s.run.HasPetra() {
		return c, nil
	}
	t, err := s.PetraTenant(ctx, id)
	if err != nil {
		return c, err
	}
	if t == nil {
		all, _ := s.PetraTenants(ctx) // loaded by PetraTenant
		c.Problem = &problem.Problem{Attribute: problem.AttrTenantID, Summary: "Petra tenant not found", Detail: UnknownTenantError(id, all).Error()}
		return c, nil
	}
	if t.PetraTenantID != id {
		c.Problem = &problem.Problem{Attribute: problem.AttrTenantID, Summary: "Microsoft tenant ID used as tenant_id",
			Detail: fmt.Sprintf("%q is the Microsoft tenant ID of Petra tenant %q. tenant_id takes the Petra tenant ID: set "+
				"tenant_id = %q.", id, t.Name, t.PetraTenantID)}
		return c, nil
	}
	c.Tenant = t
	status := ""
	if u, err := s.PetraUsage(ctx, ""); err == nil {
		for _, ut := range u.Tenants {
			if ut.PetraTenantID == id {
				status = ut.BillableStatus
			}
		}
	}
	switch {
	case strings.EqualFold(status, "Deleted"):
		c.Problem = &problem.Problem{Attribute: problem.AttrTenantID, Summary: "Petra tenant is removed",
			Detail: fmt.Sprintf("Petra reports tenant %q (%s) as removed (billable status Deleted), so it must not be billed. "+
				"Remove this mapping, or point tenant_id at the tenant's current ID.", t.Name, t.PetraTenantID)}
		return c, nil
	case t.IsPaused:
		c.Warnings = append(c.Warnings, problem.Problem{Attribute: problem.AttrTenantID, Summary: "Petra tenant is paused",
			Detail: fmt.Sprintf("Petra tenant %q (%s) is paused: Petra does not bill paused tenants, so its billable units "+
				"are 0 until it is resumed in Petra (Settings > Usage).", t.Name, t.PetraTenantID)})
	}
	if strings.EqualFold(status, "Trial") {
		c.Warnings = append(c.Warnings, problem.Problem{Attribute: problem.AttrTenantID, Summary: "Petra tenant is in trial",
			Detail: fmt.Sprintf("Petra tenant %q (%s) is in trial: Petra does not bill it yet. The mapping is applied; "+
				"check that its units are what the customer should pay during the trial.", t.Name, t.PetraTenantID)})
	}
	return c, nil
}
