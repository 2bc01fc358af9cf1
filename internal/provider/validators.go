package provider

import (
	"context"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/access"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/catalog"
)

var (
	_ validator.String = petraTenantIDValidator{}
	_ validator.String = picklistArgumentValidator{}
)

// petraTenantIDValidator checks the form of a Petra tenant ID offline, so
// `terraform validate` catches a stray space, a pasted URL or document: 1 to
// 64 letters, digits, "-", "_", "." or "~" (catalog.TenantIDFormProblem,
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
	if p := catalog.TenantIDFormProblemFor(req.Path.String(), req.ConfigValue.ValueString()); p != "" {
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

// billingInt renders an id for messages ("unknown" when absent).
func billingInt(v types.Int64) string {
	if v.IsNull() || v.IsUnknown() {
		return "(unknown)"
	}
	return strconv.FormatInt(v.ValueInt64(), 10)
}

// billingDate renders an Autotask date as YYYY-MM-DD, null when absent.
func billingDate(t autotask.Time) types.String {
	if t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(t.DateString())
}

// unitsValidator keeps units within 0..maxBillingUnits.
type unitsValidator struct{}

func (unitsValidator) Description(context.Context) string {
	return "must be a whole number from 0 to 1,000,000"
}

func (v unitsValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

// ValidateNumber accepts whole numbers from 0 to maxBillingUnits. The
// attribute is a number, not an int64, so that a fraction (a prorated count
// someone forgot to round) gets this message instead of a conversion error.
func (unitsValidator) ValidateNumber(_ context.Context, req validator.NumberRequest, resp *validator.NumberResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	f := req.ConfigValue.ValueBigFloat()
	if !f.IsInt() {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid unit count",
			fmt.Sprintf("units is %s, but Autotask counts whole units. Round the value in the configuration, for "+
				"example with ceil() or floor() (a count computed from a percentage is often fractional; the count to "+
				"bill, petra_usage's billable_users_this_month, is a whole number).", f.Text('g', -1)))
		return
	}
	if f.Sign() < 0 || f.Cmp(big.NewFloat(maxBillingUnits)) > 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid unit count",
			fmt.Sprintf("units is %s, but it must be between 0 and 1,000,000: the number of units (for example billable "+
				"users) the contract service should hold from today. Use 0 to stop billing the tenant without removing "+
				"the service from the contract.", f.Text('f', 0)))
	}
}

// unitsOf reads a validated units value.
func unitsOf(v types.Number) int {
	n, _ := v.ValueBigFloat().Int64()
	return int(n)
}

// unitsValue is a unit count as the attribute's value.
func unitsValue(n int) types.Number { return types.NumberValue(big.NewFloat(float64(n))) }

// positiveIDValidator rejects ids that cannot be Autotask ids.
type positiveIDValidator struct{ what, hint string }

func (v positiveIDValidator) Description(context.Context) string {
	return "must be a positive Autotask id"
}

func (v positiveIDValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v positiveIDValidator) ValidateInt64(_ context.Context, req validator.Int64Request, resp *validator.Int64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if n := req.ConfigValue.ValueInt64(); n <= 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Autotask id",
			fmt.Sprintf("%s is %d, but Autotask ids are positive whole numbers (%s).", v.what, n, v.hint))
	}
}

// connectionFeaturesValidator accepts only the integration's features.
type connectionFeaturesValidator struct{}

func (connectionFeaturesValidator) Description(context.Context) string {
	return `each feature must be "billing" or "ticketing", and at least one must be chosen`
}

func (v connectionFeaturesValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (connectionFeaturesValidator) ValidateSet(ctx context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var known []string
	for _, e := range req.ConfigValue.Elements() {
		s, ok := e.(types.String)
		if !ok || s.IsUnknown() {
			return
		}
		if s.IsNull() {
			resp.Diagnostics.AddAttributeError(req.Path, "Invalid feature",
				`features contains null. Use "billing", "ticketing" or both.`)
			return
		}
		known = append(known, s.ValueString())
	}
	if _, err := access.NormalizeFeatures(known); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid feature", "features: "+err.Error()+".")
	}
}
