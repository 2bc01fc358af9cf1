package provider

import (
	"context"
	"regexp"
	"strings"
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

// exactError matches an exact diagnostic text however Terraform wraps it
// across lines.
func exactError(text string) *regexp.Regexp {
	words := strings.Fields(text)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(strings.Join(words, `\s+`))
}

// exactParts matches several exact texts, in order, in one message.
func exactParts(parts ...string) *regexp.Regexp {
	res := make([]string, len(parts))
	for i, p := range parts {
		res[i] = exactError(p).String()
	}
	return regexp.MustCompile(`(?s)` + strings.Join(res, ".*"))
}
