package provider

// provider::petra::billing_report: the results table of a billing run,
// rendered from the billing_results output by Terraform itself, anywhere
// the provider is installed (no clone, no network).

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/petrasecurity/terraform-provider-petra/internal/integration/billing"
)

// NewBillingReportFunction returns the billing_report function.
func NewBillingReportFunction() function.Function { return &billingReportFunction{} }

type billingReportFunction struct{}

var _ function.Function = (*billingReportFunction)(nil)

// Metadata names the function.
func (f *billingReportFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "billing_report"
}

// Definition describes the function's parameters and result.
func (f *billingReportFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "The results table of a billing run: totals, failed tenants first, then the rest",
		MarkdownDescription: "Renders the results of a billing run, one row per tenant, as the billing-sync guide's " +
			"`billing_results` output gives them, for a person or the audit trail. The first line is the totals " +
			"(`195 synced, 0 unchanged, 5 failed`); then the failed tenants, then the synced ones, then the unchanged " +
			"ones, each group ordered by tenant name (then key), so the same results always give the same text. In the " +
			"text, Markdown and summary forms a status longer than " + strconv.Itoa(billing.ReportReasonWidth) +
			" characters is cut at a word and ends with `…`; CSV keeps every status whole. The function reads only " +
			"its arguments: no request to Autotask or Petra. Needs Terraform 1.8 or later (OpenTofu 1.7 or later).",
		Parameters: []function.Parameter{
			function.DynamicParameter{
				Name: "results",
				MarkdownDescription: "The per-tenant results: a map or object keyed by Petra tenant ID (the " +
					"`billing_results` output), or a list. Each result is an object with `status` (`synced`, " +
					"`unchanged` or `failed: <reason>`) and optionally `tenant`, `company`, `line`, `last_push_at` " +
					"(strings) and `before`, `after` (whole numbers of units; null prints as `-`). A result without " +
					"`tenant` is named by its key. The `Last push` column (the mapping's `last_push_at`: when the " +
					"units shown were pushed) is printed when any result has one.",
			},
		},
		VariadicParameter: function.StringParameter{
			Name: "format",
			MarkdownDescription: "At most one: `\"text\"` (the default: the totals, then an aligned table), " +
				"`\"markdown\"` (the totals, then a GitHub table), `\"csv\"` (a header row and one row per tenant, in " +
				"the same order, no totals) or `\"summary\"` (the totals, then one line per failed tenant: the message " +
				"of a check block).",
		},
		Return: function.StringReturn{},
	}
}

// Run renders the report.
func (f *billingReportFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var results types.Dynamic
	var formats []string
	resp.Error = req.Arguments.Get(ctx, &results, &formats)
	if resp.Error != nil {
		return
	}
	format := billing.ReportText
	switch len(formats) {
	case 0:
	case 1:
		format = formats[0]
	default:
		resp.Error = function.NewArgumentFuncError(1, fmt.Sprintf("billing_report takes at most one format after the "+
			"results, got %d: pass one of %s", len(formats), strings.Join(quoteEach(billing.ReportFormats), ", ")))
		return
	}
	if !slices.Contains(billing.ReportFormats, format) {
		resp.Error = function.NewArgumentFuncError(1, fmt.Sprintf("Unknown format %q: use %s.", format,
			strings.Join(quoteEach(billing.ReportFormats), ", ")))
		return
	}
	if results.IsUnknown() || results.IsUnderlyingValueUnknown() {
		resp.Error = resp.Result.Set(ctx, types.StringUnknown())
		return
	}
	if results.IsNull() || results.IsUnderlyingValueNull() {
		resp.Error = function.NewArgumentFuncError(0, "results is null: pass the billing_results output's value "+
			"(a map of results by tenant)")
		return
	}
	tv, err := results.UnderlyingValue().ToTerraformValue(ctx)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, err.Error())
		return
	}
	if !tv.IsFullyKnown() {
		// Known only after apply (a plan that creates mappings).
		resp.Error = resp.Result.Set(ctx, types.StringUnknown())
		return
	}
	rows, err := reportRows(tv)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, err.Error())
		return
	}
	out, err := billing.Report(rows, format)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, err.Error())
		return
	}
	resp.Error = resp.Result.Set(ctx, types.StringValue(out))
}

// reportRows reads the results argument: a map or object of results by key,
// or a list, tuple or set of results.
func reportRows(tv tftypes.Value) ([]billing.ReportRow, error) {
	typ := tv.Type()
	keyed := map[string]tftypes.Value{}
	switch {
	case typ.Is(tftypes.Map{}) || typ.Is(tftypes.Object{}):
		if err := tv.As(&keyed); err != nil {
			return nil, err
		}
	case typ.Is(tftypes.List{}) || typ.Is(tftypes.Tuple{}) || typ.Is(tftypes.Set{}):
		var list []tftypes.Value
		if err := tv.As(&list); err != nil {
			return nil, err
		}
		for i, v := range list {
			keyed[strconv.Itoa(i)] = v
		}
	default:
		return nil, fmt.Errorf("results must be a map of results by tenant (the billing_results output), not a %s",
			friendlyType(typ))
	}
	keys := make([]string, 0, len(keyed))
	for k := range keyed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	rows := make([]billing.ReportRow, 0, len(keys))
	for _, k := range keys {
		r, err := reportRow(k, keyed[k])
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func reportRow(key string, v tftypes.Value) (billing.ReportRow, error) {
	row := billing.ReportRow{Key: key}
	if v.IsNull() || (!v.Type().Is(tftypes.Object{}) && !v.Type().Is(tftypes.Map{})) {
		return row, fmt.Errorf("the result of %q must be an object with status, tenant, company, line, before and "+
			"after, not a %s", key, friendlyType(v.Type()))
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		return row, err
	}
	str := func(name string, dst *string, required bool) error {
		a, ok := attrs[name]
		if !ok || a.IsNull() {
			if required {
				return fmt.Errorf("the result of %q has no %s: want \"synced\", \"unchanged\" or \"failed: <reason>\"",
					key, name)
			}
			return nil
		}
		if !a.Type().Is(tftypes.String) {
			return fmt.Errorf("the result of %q has a %s that is a %s, not a string", key, name, friendlyType(a.Type()))
		}
		return a.As(dst)
	}
	num := func(name string, dst **int64) error {
		a, ok := attrs[name]
		if !ok || a.IsNull() {
			return nil
		}
		if !a.Type().Is(tftypes.Number) {
			return fmt.Errorf("the result of %q has a %s that is a %s, not a number of units", key, name, friendlyType(a.Type()))
		}
		var f big.Float
		if err := a.As(&f); err != nil {
			return err
		}
		n, acc := f.Int64()
		if acc != big.Exact {
			return fmt.Errorf("the result of %q has %s = %s, not a whole number of units", key, name, f.Text('g', 10))
		}
		*dst = &n
		return nil
	}
	for _, err := range []error{
		str("status", &row.Status, true), str("tenant", &row.Tenant, false), str("company", &row.Company, false),
		str("line", &row.Line, false), str("last_push_at", &row.LastPushAt, false),
		num("before", &row.Before), num("after", &row.After),
	} {
		if err != nil {
			return row, err
		}
	}
	return row, nil
}

// friendlyType names a Terraform type as the language does.
func friendlyType(t tftypes.Type) string {
	switch {
	case t.Is(tftypes.String):
		return "string"
	case t.Is(tftypes.Number):
		return "number"
	case t.Is(tftypes.Bool):
		return "bool"
	case t.Is(tftypes.List{}), t.Is(tftypes.Tuple{}), t.Is(tftypes.Set{}):
		return "list"
	case t.Is(tftypes.Map{}), t.Is(tftypes.Object{}):
		return "map"
	}
	return t.String()
}

func quoteEach(s []string) []string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = strconv.Quote(x)
	}
	return q
}
