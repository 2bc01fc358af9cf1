package run_test

import (
	"context"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run/runtest"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/autotasksim"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/sandboxtest"
)

// TestBudgetWarningOncePerRun: when the connection check's ThresholdInformation
// shows the database's hourly budget nearly spent (by other integrations),
// the run gets one warning saying it slows down rather than fails; with
// budget to spare there is none.
func TestBudgetWarningOncePerRun(t *testing.T) {
	sb := sandboxtest.StartWithOptions(t, sandbox.Options{Autotask: autotasksim.Config{HourlyThreshold: 100}})
	ctx := context.Background()
	svc := runtest.ForUser(t, sb, sb.Username, sb.Secret, sb.IntegrationCode)
	at, err := svc.Autotask()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := at.ThresholdInformation(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := svc.BudgetWarning(); ok {
		t.Fatal("a warning with the budget almost untouched")
	}

	// Another integration spends most of the hour's budget.
	other, err := autotask.New(autotask.Config{Username: sb.Username, Secret: sb.Secret, IntegrationCode: sb.IntegrationCode,
		ZoneLookupURL: sb.ZoneLookupURL, BudgetSlowdownAt: -1})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 85; i++ {
		if _, err := other.ThresholdInformation(ctx); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if _, err := at.ThresholdInformation(ctx); err != nil {
		t.Fatal(err)
	}
	summary, detail, ok := svc.BudgetWarning()
	if !ok {
		t.Fatalf("no warning at %+v", at.Budget())
	}
	if summary != "Autotask request budget nearly spent" || !strings.Contains(detail, "of its 100 API requests") ||
		!strings.Contains(detail, "will not fail") {
		t.Fatalf("warning %q: %q", summary, detail)
	}
	if _, _, again := svc.BudgetWarning(); again {
		t.Fatal("the warning was handed out twice in one run")
	}
}
