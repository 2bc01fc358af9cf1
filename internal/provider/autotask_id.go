package provider

import (
	"context"
	"fmt"
	"math/big"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// autotaskIDType is the type of the Autotask id arguments (company_id,
// contract_id, service_id). It is an int64 whose values convert to
// types.Int64, except that a number that is not a whole number, or does not
// fit in 64 bits, yields one plain diagnostic on the attribute instead of
// the framework's two, one of them garbled ("Value %!s(*big.Float=1.5) is
// not an integer.").
type autotaskIDType struct {
	basetypes.Int64Type
}

var (
	_ basetypes.Int64Typable      = autotaskIDType{}
	_ xattr.ValidateableAttribute = invalidIDValue{}
)

// Equal reports whether o is this type or the plain int64 type: valid
// values are plain types.Int64 values, so models keep types.Int64 fields.
func (t autotaskIDType) Equal(o attr.Type) bool {
	switch o.(type) {
	case autotaskIDType, basetypes.Int64Type:
		return true
	}
	return false
}

// String names the type.
func (t autotaskIDType) String() string { return "provider.autotaskIDType" }

// Validate is a no-op: ValueFromTerraform turns every bad number into an
// invalidIDValue, which reports it once.
func (t autotaskIDType) Validate(context.Context, tftypes.Value, path.Path) diag.Diagnostics {
	return nil
}

// ValueFromTerraform converts whole numbers to a types.Int64 value and
// anything else to an invalidIDValue.
func (t autotaskIDType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	if !in.IsKnown() || in.IsNull() {
		return t.Int64Type.ValueFromTerraform(ctx, in)
	}
	var f *big.Float
	if err := in.As(&f); err != nil {
		return nil, err
	}
	if f.IsInt() {
		if i, acc := f.Int64(); acc == big.Exact {
			return basetypes.NewInt64Value(i), nil
		}
	}
	return invalidIDValue{Int64Value: basetypes.NewInt64Unknown(), number: f.Text('g', 20)}, nil
}

// ValueType is the Go type of a valid value.
func (t autotaskIDType) ValueType(context.Context) attr.Value { return basetypes.Int64Value{} }

// invalidIDValue is a configured id that is not an int64. It exists only
// during validation, which it fails.
type invalidIDValue struct {
	basetypes.Int64Value
	number string
}

// Type is the id type.
func (v invalidIDValue) Type(context.Context) attr.Type { return autotaskIDType{} }

// Equal compares invalid values by their number.
func (v invalidIDValue) Equal(o attr.Value) bool {
	other, ok := o.(invalidIDValue)
	return ok && other.number == v.number
}

// ValidateAttribute reports the one diagnostic.
func (v invalidIDValue) ValidateAttribute(_ context.Context, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid Autotask id",
		fmt.Sprintf("%s is %s, but Autotask ids are whole numbers from 1 to 9223372036854775807. Use the id exactly as "+
			"Autotask shows it (the petra_autotask_companies and petra_autotask_contracts data sources list them).",
			req.Path, v.number))
}
