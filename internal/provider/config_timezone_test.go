package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
)

// TestTimeZoneSetting: time_zone takes IANA names, refuses anything else
// offline with one diagnostic naming the attribute and its variable, and
// falls back to UTC (not configured) when unset.
func TestTimeZoneSetting(t *testing.T) {
	tz := func(v string, set bool) resolvedConfig {
		return resolvedConfig{autotaskTimeZone: setting{value: v, set: set, path: path.Root("autotask").AtName("time_zone"), env: EnvAutotaskTimeZone}}
	}
	if loc, configured, err := tz("", false).timeZone(); err != nil || configured || loc.String() != "UTC" {
		t.Fatalf("unset: %v %v %v, want UTC, not configured", loc, configured, err)
	}
	if loc, configured, err := tz("America/New_York", true).timeZone(); err != nil || !configured || loc.String() != "America/New_York" {
		t.Fatalf("New York: %v %v %v", loc, configured, err)
	}
	for _, bad := range []string{"", "Local", "EST5EDT/Nowhere", "New York"} {
		diags := tz(bad, true).validate()
		if len(diags) != 1 || diags[0].Summary() != "Invalid time_zone" ||
			!strings.Contains(diags[0].Detail(), "AUTOTASK_TIME_ZONE") || !strings.Contains(diags[0].Detail(), "IANA time zone name") {
			t.Fatalf("%q: diagnostics %v, want one Invalid time_zone naming the variable", bad, diags)
		}
	}
}
