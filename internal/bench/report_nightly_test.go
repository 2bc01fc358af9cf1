package bench

import (
	"strings"
	"testing"
	"time"
)

// updatePlan is the shape of Terraform's output for an update plan of two
// tenants, one of which changes (3 resources refreshed, 2 data sources read).
const updatePlan = `petra_autotask_connection.this: Refreshing state... [id=conn]
data.petra_usage.this: Reading...
data.petra_usage.this: Read complete after 0s
petra_autotask_billing_mapping.tenant["bt00000"]: Refreshing state... [id=200001/300001]
petra_autotask_billing_mapping.tenant["bt00001"]: Refreshing state... [id=200002/300001]
data.petra_autotask_contract_service_units.now: Reading...
data.petra_autotask_contract_service_units.now: Read complete after 1s

Terraform used the selected providers to generate the following execution
plan. Resource actions are indicated with the following symbols:
  ~ update in-place

Terraform will perform the following actions:

  # petra_autotask_billing_mapping.tenant["bt00000"] will be updated in-place
  ~ resource "petra_autotask_billing_mapping" "tenant" {
        id    = "200001/300001"
      ~ units = 10 -> 11
        # (12 unchanged attributes hidden)
    }

Plan: 0 to add, 1 to change, 0 to destroy.
`

// afterPlan is a plan after an apply that finds only outputs to change.
const afterPlan = `petra_autotask_connection.this: Refreshing state... [id=conn]

Changes to Outputs:
  ~ billing_results = {
      ~ bt00000 = {
          ~ before = 10 -> 11
        }
    }
  ~ sync_failures   = [] -> null

You can apply this plan to save these new output values to the Terraform
state, without changing any real infrastructure.
`

func TestPlanLinesLeavesTerraformsProgressLinesAside(t *testing.T) {
	total, listing := PlanLines(updatePlan)
	if total != 22 || listing != 15 {
		t.Errorf("PlanLines = %d total, %d listing; want 22 and 15 (7 progress lines)", total, listing)
	}
	if total, listing := PlanLines(""); total != 0 || listing != 0 {
		t.Errorf("PlanLines(\"\") = %d, %d; want 0, 0", total, listing)
	}
}

func TestPlanDiffSummaryNamesChangesAndOutputs(t *testing.T) {
	for _, tc := range []struct{ output, want string }{
		{updatePlan, "0 to add, 1 to change, 0 to destroy"},
		{afterPlan, "outputs billing_results, sync_failures"},
		{"No changes. Your infrastructure matches the configuration.\n", ""},
	} {
		if got := PlanDiffSummary(tc.output); got != tc.want {
			t.Errorf("PlanDiffSummary = %q, want %q", got, tc.want)
		}
	}
}

func nightlyResult(exit int, after string) Nightly {
	return Nightly{
		Tenants: 200, Changed: 1, Latency: 150 * time.Millisecond,
		Plan:        Run{Wall: 12340 * time.Millisecond, ExitCode: 2, Output: updatePlan},
		Apply:       Run{Wall: 20 * time.Second},
		After:       Run{Wall: 11 * time.Second, ExitCode: exit, Output: after},
		PlanChanges: 1, Adjustments: 1,
	}
}

func TestNightlyTargetsAndRow(t *testing.T) {
	r := NewReport(Environment{Accounts: 1000}, nil)
	r.AddNightly(nightlyResult(2, afterPlan))
	if len(r.Targets) != 2 {
		t.Fatalf("targets = %+v, want the two nightly targets", r.Targets)
	}
	lines, exit := r.Targets[0], r.Targets[1]
	wantLines := Target{
		Name: "Nightly run of 200 tenants at 150 ms (`billing_check_failure = \"warn\"`): the update plan that changes " +
			"1 mapping's units prints at most 10 lines per changed mapping, Terraform's progress lines aside",
		Met:    false,
		Actual: "15.0 (15 lines; with Terraform's 7 progress lines, 22 in all: 22.0 per changed mapping)",
	}
	if lines != wantLines {
		t.Errorf("lines target =\n%+v\nwant\n%+v", lines, wantLines)
	}
	wantExit := Target{
		Name: "Nightly run of 200 tenants at 150 ms (`billing_check_failure = \"warn\"`): `terraform plan " +
			"-detailed-exitcode` right after the nightly apply, with nothing changed in Autotask or Petra, exits 0",
		Met:    false,
		Actual: "2 (outputs billing_results, sync_failures)",
	}
	if exit != wantExit {
		t.Errorf("exit target =\n%+v\nwant\n%+v", exit, wantExit)
	}
	row := "| 200 | 0 | 1 | 12.34 s | 22 | 22.0 | 15 | 15.0 | 20.00 s | 1 | 11.00 s | 2 (outputs billing_results, sync_failures) |\n"
	if md := r.Markdown(); !strings.Contains(md, "## Nightly run of 200 tenants at 150 ms\n") || !strings.Contains(md, row) {
		t.Errorf("Markdown lacks the nightly section or its row %q:\n%s", row, md)
	}
	if got := r.nightlyHistory(); got != "200 tenants at 150 ms: 15.0 lines per changed mapping, exit 2" {
		t.Errorf("history cell = %q", got)
	}
	if !strings.Contains(r.File(""), " | 0/2 | – | 200 tenants at 150 ms: 15.0 lines per changed mapping, exit 2 |\n") {
		t.Errorf("history line lacks the nightly cell:\n%s", r.File(""))
	}

	// Short plans and exit code 0 meet both; broken tenants are named.
	n := nightlyResult(0, "No changes. Your infrastructure matches the configuration.\n")
	n.Changed, n.Broken = 2, 5
	r = NewReport(Environment{Accounts: 1000}, nil)
	r.AddNightly(n)
	if failed := r.Failed(); len(failed) != 0 {
		t.Errorf("failed = %v, want none (7.5 lines per changed mapping, exit 0)", failed)
	}
	if !strings.Contains(r.Targets[1].Name, ", 5 of them broken, which every plan retries)") || r.Targets[1].Actual != "0" {
		t.Errorf("exit target = %+v, want the 5 broken tenants named and 0 measured", r.Targets[1])
	}
}

func TestSavedApplyTargetIsTheProvidersShareOverTheTwin(t *testing.T) {
	apply := Measurement{N: 1000, Phase: PhaseLatencyApply, Latency: 150 * time.Millisecond,
		Run: Run{Wall: 126680 * time.Millisecond}, Floor: Run{Wall: 106740 * time.Millisecond}}
	name, met, actual := savedApplyTarget(apply)
	if want := "At 150 ms per Autotask request: the provider's own share of applying a saved plan that changes 1,000 " +
		"mappings (its time over Terraform's for the same plan on the terraform_data twin) is at most 1.15×"; name != want {
		t.Errorf("name = %q\nwant %q", name, want)
	}
	if want := "1.19× (126.68 s vs 106.74 s); for reference, against the absolute floor of 1,000 × 150 ms / 3 = " +
		"50.00 s: 2.53× (the twin alone 2.13×)"; actual != want {
		t.Errorf("actual = %q\nwant %q", actual, want)
	}
	if met {
		t.Error("1.19× met a target of 1.15×")
	}
	r := NewReport(Environment{Accounts: 1000}, []Measurement{apply})
	md := r.Markdown()
	for _, want := range []string{
		"Saved-plan apply: 126.68 s against 106.74 s for Terraform applying the same plan to the `terraform_data` " +
			"twin, with no request at all: the provider's own share is **1.19×** (target 1.15×). For reference, the " +
			"absolute floor of 1,000 adjustments at 150 ms with 3 in flight is 1,000 × 150 ms / 3 = 50.00 s: the " +
			"apply took 2.53× that, and Terraform alone on the twin 2.13×.",
		"**Target not met:** the provider adds 19.94 s (1.19×) to Terraform's own 106.74 s; at most 1.15× would be 122.75 s.",
		"| " + name + " | " + actual + " | **NO** |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if h := r.historyLine(); !strings.Contains(h, "| 126.68 s, 1.19× of the twin's 106.74 s (2.53× of 50.00 s) | – |") {
		t.Errorf("history line = %q", h)
	}

	// At 1.15× or less it is met; a missing twin never is.
	apply.Run.Wall = 122 * time.Second
	if _, met, _ := savedApplyTarget(apply); !met {
		t.Error("1.14× did not meet 1.15×")
	}
	apply.Floor.Wall = 0
	if _, met, _ := savedApplyTarget(apply); met {
		t.Error("met without a twin's time")
	}
}
