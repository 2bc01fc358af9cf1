package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// TestEveryAttributeIsDescribed walks the schemas Terraform receives (the
// provider block, every resource and every data source, nested attributes and
// blocks included) and requires a description on each attribute and block,
// since the registry docs are generated from them, and the sensitive flag on
// every credential.
func TestEveryAttributeIsDescribed(t *testing.T) {
	srv, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.GetProviderSchema(ctx(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Errorf("schema diagnostic: %s: %s", d.Summary, d.Detail)
	}
	if len(resp.ResourceSchemas) < 4 || len(resp.DataSourceSchemas) < 6 {
		t.Fatalf("%d resources and %d data sources served; want at least 4 and 6", len(resp.ResourceSchemas), len(resp.DataSourceSchemas))
	}
	check := func(where string, s *tfprotov6.Schema) {
		if s.Block.Description == "" && where != "provider" {
			t.Errorf("%s has no description", where)
		}
		walkBlock(t, where, s.Block)
	}
	check("provider", resp.Provider)
	for name, s := range resp.ResourceSchemas {
		check("resource "+name, s)
	}
	for name, s := range resp.DataSourceSchemas {
		check("data source "+name, s)
	}

	sensitive := map[string]bool{}
	for _, b := range resp.Provider.Block.BlockTypes {
		for _, a := range b.Block.Attributes {
			sensitive[b.TypeName+"."+a.Name] = a.Sensitive
		}
	}
	for _, k := range []string{"autotask.secret", "autotask.integration_code", "petra.api_key"} {
		if !sensitive[k] {
			t.Errorf("provider setting %s is not marked sensitive", k)
		}
	}
}

func walkBlock(t *testing.T, where string, b *tfprotov6.SchemaBlock) {
	t.Helper()
	for _, a := range b.Attributes {
		walkAttribute(t, where+"."+a.Name, a)
	}
	for _, nb := range b.BlockTypes {
		if nb.Block.Description == "" && nb.TypeName != "timeouts" {
			t.Errorf("%s.%s (block) has no description", where, nb.TypeName)
		}
		walkBlock(t, where+"."+nb.TypeName, nb.Block)
	}
}

func walkAttribute(t *testing.T, where string, a *tfprotov6.SchemaAttribute) {
	t.Helper()
	if a.Description == "" {
		t.Errorf("%s has no description", where)
	}
	if a.NestedType != nil {
		for _, na := range a.NestedType.Attributes {
			walkAttribute(t, where+"."+na.Name, na)
		}
	}
}
