package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/petrasecurity/terraform-provider-petra/internal/integration"
)

var (
	_ validator.String = petraTenantIDValidator{}
	_ validator.String = picklistArgumentValidator{}
)

// petraTenantIDValidator checks the form of a Petra tenant ID offline, so
// `terraform validate` catches a stray space, a pasted URL or document: 1 to
// 64 letters, digits, "-", "_", "." or "~" (integration.TenantIDFormProblem,
// the same rule for both mappings and petra_usage). Whether the tenant
// exists is checked at plan time, against Petra.
type petraTenantIDValidator struct{}

func (petraTenantIDValidator) Description(context.Context) string {
	return "must be a Petra tenant ID such as ZZk90t: letters, digits, - or _, no spaces or slashes"
}

func (v petraTenantIDValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (petraTenantIDValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if p := integration.TenantIDFormProblemFor(req.Path.String(), req.ConfigValue.ValueString()); p != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Petra tenant ID", p)
	}
}

// picklistArgumentValidator checks the form of a ticket defaults value
// (a picklist label or numeric id) offline: whether Autotask knows it is
// checked at plan time.
type picklistArgumentValidator struct{}

func (picklistArgumentValidator) Description(context.Context) string {
	return "must be a picklist label or numeric id, without leading or trailing spaces"
}

func (v picklistArgumentValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (picklistArgumentValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	v := req.ConfigValue.ValueString()
	var problem string
	switch {
	case strings.TrimSpace(v) == "":
		problem = "is empty"
	case strings.TrimSpace(v) != v:
		problem = "has leading or trailing spaces"
	case strings.ContainsAny(v, "\r\n\t"):
		problem = "contains a line break or tab"
	default:
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid ticket picklist value",
		fmt.Sprintf("%s %q %s. Give the label as Autotask shows it (such as \"New\") or its numeric id as a string "+
			"(such as \"8\"); the petra_autotask_ticket_picklists data source lists them.", req.Path, v, problem))
}

// onDestroyOneOf is on_destroy's validator: the framework's stock OneOf, so
// that every enumeration of the provider (billing_check_failure, effective,
// on_destroy) is refused with the same "value must be one of" message, which
// the docs generator also renders.
func onDestroyOneOf() validator.String { return stringvalidator.OneOf(OnDestroyKeep, OnDestroyZero) }
