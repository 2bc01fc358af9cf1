package provider

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/billing"
)

// newAccEnv starts the acceptance-test world for t (see internal/acctest).
func newAccEnv(t *testing.T) *acctest.Env {
	t.Helper()
	return acctest.New(t)
}

// protoV6Factories serves the provider in-process with the environment's
// clock, so "today" is the same for the provider and the sandbox. Pushes
// read back within a fraction of a second after a lost answer, and an
// unconfirmed adjustment settles after a millisecond (tests that need a
// real settle window use protoV6FactoriesWith). The run registry is off:
// every in-process provider server shares the test binary's process (the
// e2e tests run the real binary with it).
func protoV6Factories(env *acctest.Env) map[string]func() (tfprotov6.ProviderServer, error) {
	return protoV6FactoriesWith(env, testPushTiming(nil, time.Millisecond))
}

// protoV6FactoriesWith is protoV6Factories with the given push timing.
func protoV6FactoriesWith(env *acctest.Env, tm billing.PushTiming) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"petra": func() (tfprotov6.ProviderServer, error) {
			return NewServer(NewWithOptions("test", Options{
				Now: env.Now, DisableRunRegistry: true, PushTiming: &tm, PetraRequestsPerMinute: env.PetraPerMinute, NoConfigName: true,
			})())(), nil
		},
	}
}

// testPushTiming reads back quickly; now (nil: time.Now) is the wall clock
// of settle windows.
func testPushTiming(now func() time.Time, settle time.Duration) billing.PushTiming {
	return billing.PushTiming{
		ReadBackWaits: []time.Duration{0, 25 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond},
		SettleWindow:  settle,
		Now:           now,
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
