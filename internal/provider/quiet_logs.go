package provider

import (
	"os"
	"strings"
)

// Terraform shows a provider's logs only when TF_LOG or TF_LOG_PROVIDER asks
// for them; otherwise it reads and discards every line. The plugin SDK logs at
// TRACE unless told otherwise, which for each resource call means dozens of
// JSON lines formatted by the provider and read by Terraform: at a thousand
// mappings, a large share of both processes' work and of the provider's
// allocations. quietLogEnv lists the settings that turn those logs off, and
// none when the user asked for logs or set any of the levels.
var quietLogEnv = []string{
	"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK",
	// The provider's own logger (tf6server names it after the provider type).
	"TF_LOG_PROVIDER_PETRA",
}

// QuietUncollectedLogs turns the provider's logging off, before the server
// starts, when Terraform would discard it (neither TF_LOG nor
// TF_LOG_PROVIDER is set). A level set explicitly by a developer is kept, and
// then nothing is changed. It returns the variables it set.
func QuietUncollectedLogs() []string {
	return quietLogs(os.Getenv, os.Setenv)
}

func quietLogs(getenv func(string) string, setenv func(string, string) error) []string {
	for _, k := range append([]string{"TF_LOG", "TF_LOG_PROVIDER"}, quietLogEnv...) {
		if strings.TrimSpace(getenv(k)) != "" {
			return nil
		}
	}
	var set []string
	for _, k := range quietLogEnv {
		if setenv(k, "off") == nil {
			set = append(set, k)
		}
	}
	return set
}
