package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/bench"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/sandboxtest"
)

// shortPlanTenants is the size of the configuration whose update plan is
// measured.
const shortPlanTenants = 20

// planBlock returns the lines Terraform prints for one resource in a plan:
// from its "# <addr> will be ..." line to the closing brace of its block.
func planBlock(t *testing.T, out, addr string) []string {
	t.Helper()
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(strings.TrimSpace(l), "# "+addr+" ") {
			continue
		}
		for j := i + 1; j < len(lines); j++ {
			if lines[j] == "    }" {
				return lines[i : j+1]
			}
		}
		t.Fatalf("the plan's block of %s has no end:\n%s", addr, tail(out, 4000))
	}
	t.Fatalf("the plan does not show %s:\n%s", addr, tail(out, 4000))
	return nil
}

// TestUpdatePlanIsShort applies the 20-tenant main job (bench.MappingsConfig,
// the billing guide's configuration at scale), changes one mapping's units
// and plans. The plan shows that mapping only, in at most 10 lines: the
// units, the name and the two last_push_* the push changes, not five
// "(known after apply)" around them (issue 21). The saved plan then applies
// (no "Provider produced inconsistent result") and the next plan is empty.
// In warn mode the apply may record the pushed mapping as failed, so
// sync_status, sync_error and unconfirmed_adjustment stay unknown there: that
// plan is three lines longer, and says exactly those.
func TestUpdatePlanIsShort(t *testing.T) {
	for _, mode := range []string{"error", "warn"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			sb := sandboxtest.Start(t, bench.Fixture(shortPlanTenants))
			w := NewWorkdir(t, bench.MappingsConfig(shortPlanTenants, ""), map[string]string{
				"AUTOTASK_USERNAME":           sb.Username,
				"AUTOTASK_SECRET":             sb.Secret,
				"AUTOTASK_INTEGRATION_CODE":   sb.IntegrationCode,
				"AUTOTASK_ZONE_LOOKUP_URL":    sb.ZoneLookupURL,
				"PETRA_API_KEY":               sb.PetraKey,
				"PETRA_API_URL":               sb.PetraURL,
				"PETRA_BILLING_CHECK_FAILURE": mode,
			})
			w.MustRun(nil, "apply", "-auto-approve", "-input=false", "-no-color")

			changed := bench.TenantID(3)
			override := fmt.Sprintf(`resource "petra_autotask_billing_mapping" "tenant" {
  units = local.units[each.key] + (each.key == %q ? 1 : 0)
}
`, changed)
			if err := os.WriteFile(filepath.Join(w.Dir, "units_override.tf"), []byte(override), 0o600); err != nil {
				t.Fatal(err)
			}
			plan := w.Run(nil, "plan", "-input=false", "-no-color", "-detailed-exitcode", "-out=tfplan")
			if plan.ExitCode != 2 {
				t.Fatalf("plan exited %d, want 2 (one change):\n%s", plan.ExitCode, tail(plan.Output(), 6000))
			}
			if !strings.Contains(plan.Stdout, "Plan: 0 to add, 1 to change, 0 to destroy.") {
				t.Fatalf("the plan changes more than the one mapping:\n%s", tail(plan.Stdout, 6000))
			}
			addr := fmt.Sprintf("petra_autotask_billing_mapping.tenant[%q]", changed)
			block := planBlock(t, plan.Stdout, addr)
			units := bench.BillableUsers(3)
			want := []string{
				"  # " + addr + " will be updated in-place",
				`  ~ resource "petra_autotask_billing_mapping" "tenant" {`,
				`        id                  = "` + fmt.Sprintf("%s/%d/%d", changed, bench.ContractID(3), bench.ServicePetra) + `"`,
				"      ~ last_push_at        = ",
				"      ~ last_push_delta     = ",
				"        name                = ",
			}
			if mode == "warn" {
				want = append(want, "      + sync_error          = (known after apply)",
					`      ~ sync_status         = "ok" -> (known after apply)`,
					"      + unconfirmed_adjustment = (known after apply)")
			}
			want = append(want, fmt.Sprintf("      ~ units               = %d -> %d", units, units+1),
				"        # (", "    }")
			limit := 10
			if mode == "warn" {
				limit = 12
			}
			if len(block) > limit || len(block) != len(want) {
				t.Errorf("%s mode: the plan shows the changed mapping in %d lines, want %d (at most %d):\n%s",
					mode, len(block), len(want), limit, strings.Join(block, "\n"))
			} else {
				for i, l := range block {
					if !strings.HasPrefix(strings.Join(strings.Fields(l), " "), strings.Join(strings.Fields(want[i]), " ")) {
						t.Errorf("%s mode: line %d of the block is %q, want it to start with %q:\n%s",
							mode, i+1, l, want[i], strings.Join(block, "\n"))
					}
				}
			}
			for _, l := range block {
				if strings.Contains(l, "known after apply") && !strings.Contains(l, "last_push_") && mode == "error" {
					t.Errorf("error mode: %q is planned unknown, but the apply can only record it as planned", l)
				}
			}

			apply := w.Run(nil, "apply", "-input=false", "-no-color", "tfplan")
			if apply.ExitCode != 0 {
				t.Fatalf("apply of the saved plan exited %d:\n%s", apply.ExitCode, tail(apply.Output(), 6000))
			}
			if !strings.Contains(apply.Stdout, "Apply complete! Resources: 0 added, 1 changed, 0 destroyed.") {
				t.Errorf("apply of the saved plan:\n%s", tail(apply.Stdout, 3000))
			}
			again := w.Run(nil, "plan", "-input=false", "-no-color", "-detailed-exitcode")
			if again.ExitCode != 0 {
				t.Errorf("plan after the apply exited %d, want 0:\n%s", again.ExitCode, tail(again.Output(), 4000))
			}
		})
	}
}
