package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/petrasecurity/terraform-provider-petra/internal/integration"
)

// tenantIDValidator checks the form of a Petra tenant ID offline (the same
// rule for tenant and billing mappings): non-empty, at most 64 characters,
// letters, digits, "-", "_", "." or "~" only. Whether Petra knows the
// tenant is checked at plan time (integration.CheckPetraTenant).
type tenantIDValidator struct{}

var _ validator.String = tenantIDValidator{}

func (tenantIDValidator) Description(context.Context) string {
	return "must be a Petra tenant ID such as ZZk90t"
}

func (v tenantIDValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

// ValidateString reports one diagnostic for a malformed tenant ID.
func (tenantIDValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if p := integration.TenantIDFormProblem(req.ConfigValue.ValueString()); p != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Petra tenant ID", p)
	}
}
