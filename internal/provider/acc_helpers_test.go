package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
)

// newAccEnv starts the acceptance-test world for t (see internal/acctest).
func newAccEnv(t *testing.T) *acctest.Env {
	t.Helper()
	return acctest.New(t)
}

// protoV6Factories serves the provider in-process with the environment's
// clock, so "today" is the same for the provider and the sandbox.
func protoV6Factories(env *acctest.Env) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"petra": providerserver.NewProtocol6WithError(NewWithOptions("test", Options{Now: env.Now})()),
	}
}

// ctx is a background context for test helpers.
func ctx() context.Context { return context.Background() }
