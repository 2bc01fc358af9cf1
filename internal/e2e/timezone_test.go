package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/autotasksim"
)

// TestBinariesEmbedTheZoneDatabase: the provider and the sandbox link
// time/tzdata, so a time zone name never depends on the machine running
// them (Windows has no zone database Go can read; minimal containers and CI
// images often have none). Removing the import fails this test on any
// machine; TestApplyWithoutSystemZoneDatabase shows what a user would see.
func TestBinariesEmbedTheZoneDatabase(t *testing.T) {
	t.Parallel()
	for _, pkg := range []string{".", "./internal/sandbox/cmd/petra-sandbox"} {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, "go", "list", "-deps", "-f", "{{.ImportPath}}", pkg)
		cmd.Dir = repoRoot()
		out, err := cmd.Output()
		cancel()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		if !strings.Contains("\n"+string(out), "\ntime/tzdata\n") {
			t.Errorf("%s does not link time/tzdata: time_zone = \"America/New_York\" fails on a machine without a "+
				"system zone database; add `import _ \"time/tzdata\"` to its main package", pkg)
		}
	}
}

// TestApplyWithoutSystemZoneDatabase applies a billing mapping with
// time_zone = "America/New_York" on a machine whose zone database is gone:
// Terraform and the provider run in a private mount namespace where every
// place Go reads zones from (/usr/share/zoneinfo and the others, the Go
// installation's lib/time, ZONEINFO) is empty. The apply succeeds and pushes
// the count, as on a Windows runner.
func TestApplyWithoutSystemZoneDatabase(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skipf("hiding the zone database needs Linux mount namespaces; GOOS is %s (TestBinariesEmbedTheZoneDatabase still runs)", runtime.GOOS)
	}
	unshareArgs := []string{"--mount", "--propagation", "private"}
	if os.Geteuid() != 0 {
		unshareArgs = append([]string{"--map-root-user"}, unshareArgs...)
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skipf("no unshare(1) on PATH (util-linux), so the zone database cannot be hidden; TestBinariesEmbedTheZoneDatabase still runs")
	}
	empty := t.TempDir()
	probe := exec.Command(unshare, append(unshareArgs, "sh", "-c", `mount --bind "$0" /usr/share/zoneinfo 2>/dev/null || mount --bind "$0" /tmp`, empty)...) //nolint:noctx // short probe
	if out, err := probe.CombinedOutput(); err != nil {
		t.Skipf("this machine does not allow a private mount namespace (%v: %s), so the zone database cannot be hidden; "+
			"TestBinariesEmbedTheZoneDatabase still runs", err, strings.TrimSpace(string(out)))
	}

	env := acctest.New(t)
	env.RequireSandbox(t)
	// The sandbox's database runs on New York's calendar too, on the date the
	// provider's clock (the host's, in time_zone) gives.
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tzName := "America/New_York"
	if _, err := env.Sandbox.Admin.SetAutotaskSettings(ctx, autotasksim.BehaviourUpdate{TimeZone: &tzName}); err != nil {
		t.Fatal(err)
	}
	today := time.Now().In(ny).Format(time.DateOnly)
	if _, err := env.Sandbox.Admin.SetToday(ctx, today); err != nil {
		t.Fatal(err)
	}
	tenant := env.PetraTenant(t, 0)
	b := env.NewBillingTarget(t, 0)
	const units = 17

	// Every directory Go's time package reads zones from on Linux, plus the
	// Go installation's zoneinfo.zip (a build without -trimpath finds it).
	goroot, err := exec.Command("go", "env", "GOROOT").Output() //nolint:noctx // a quick local query
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	hide := []string{"/usr/share/zoneinfo", "/usr/share/lib/zoneinfo", "/usr/lib/locale/TZ",
		filepath.Join(strings.TrimSpace(string(goroot)), "lib", "time")}
	script := filepath.Join(t.TempDir(), "terraform-without-zoneinfo")
	var sb strings.Builder
	sb.WriteString("#!/bin/sh\nset -e\n")
	for _, d := range hide {
		fmt.Fprintf(&sb, "if [ -d %q ]; then mount --bind %q %q; fi\n", d, empty, d)
	}
	sb.WriteString("if [ -e /usr/share/zoneinfo/America/New_York ]; then echo 'the zone database is still visible' >&2; exit 97; fi\n")
	fmt.Fprintf(&sb, "exec %q \"$@\"\n", TerraformPath(t))
	wrapper := filepath.Join(t.TempDir(), "terraform")
	if err := os.WriteFile(script, []byte(sb.String()), 0o700); err != nil { //nolint:gosec // a test script
		t.Fatal(err)
	}
	wrap := fmt.Sprintf("#!/bin/sh\nexec %q %s /bin/sh %q \"$@\"\n", unshare, strings.Join(unshareArgs, " "), script)
	if err := os.WriteFile(wrapper, []byte(wrap), 0o700); err != nil { //nolint:gosec // a test script
		t.Fatal(err)
	}

	secrets := env.Secrets()
	tf := fmt.Sprintf(`terraform {
  required_providers {
    petra = { source = "petrasecurity/petra" }
  }
}

provider "petra" {
  autotask {
    time_zone = "America/New_York"
  }
}

resource "petra_autotask_connection" "this" {}

resource "petra_autotask_billing_mapping" "m" {
  connection_id = petra_autotask_connection.this.id
  tenant_id     = %q
  company_id    = %d
  contract_id   = %d
  service_id    = %d
  units         = %d
}
`, tenant.PetraTenantID, b.CompanyID, b.ContractID, b.ServiceID, units)
	w := NewWorkdir(t, tf, map[string]string{
		"AUTOTASK_USERNAME": env.Username(), "AUTOTASK_SECRET": secrets[0], "AUTOTASK_INTEGRATION_CODE": secrets[1],
		"AUTOTASK_ZONE_LOOKUP_URL": env.Sandbox.ZoneLookupURL, "PETRA_API_KEY": secrets[2], "PETRA_API_URL": env.Sandbox.PetraURL,
		// Go reads $ZONEINFO first: point it at nothing as well.
		"ZONEINFO": empty,
	})
	w.terraform = wrapper
	res := w.Run(nil, "apply", "-auto-approve", "-input=false", "-no-color")
	if res.ExitCode == 97 {
		t.Fatalf("the zone database could not be hidden:\n%s", res.Output())
	}
	if res.ExitCode != 0 {
		t.Fatalf("apply with time_zone = \"America/New_York\" and no system zone database exited %d:\n%s",
			res.ExitCode, tail(res.Output(), 4000))
	}
	if strings.Contains(res.Output(), "not an IANA time zone name") {
		t.Errorf("the apply reported the time zone as unknown:\n%s", res.Output())
	}
	day, _ := time.Parse(time.DateOnly, today)
	if got := env.UnitsOn(t, b.ContractServiceID, day); got != units {
		t.Errorf("the line holds %d units on %s after the apply, want %d", got, today, units)
	}
}

// TestUTCWarningIsTheProviders: without time_zone, the plan of a
// configuration with several billing mappings warns once that billing dates
// follow UTC, on the provider block (whose setting fixes it), not on one of
// the mappings; with time_zone set there is no such warning.
func TestUTCWarningIsTheProviders(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	secrets := env.Secrets()
	vars := map[string]string{
		"AUTOTASK_USERNAME": env.Username(), "AUTOTASK_SECRET": secrets[0], "AUTOTASK_INTEGRATION_CODE": secrets[1],
		"AUTOTASK_ZONE_LOOKUP_URL": env.Sandbox.ZoneLookupURL, "PETRA_API_KEY": secrets[2], "PETRA_API_URL": env.Sandbox.PetraURL,
	}
	var mappings strings.Builder
	for i := range 3 {
		b := env.NewBillingTarget(t, 1)
		fmt.Fprintf(&mappings, `
resource "petra_autotask_billing_mapping" "m%d" {
  connection_id = %q
  tenant_id     = %q
  company_id    = %d
  contract_id   = %d
  service_id    = %d
  units         = 5
}
`, i, env.ConnectionID(), env.PetraTenant(t, i).PetraTenantID, b.CompanyID, b.ContractID, b.ServiceID)
	}
	config := func(provider string) string {
		return `terraform {
  required_providers {
    petra = { source = "petrasecurity/petra" }
  }
}

` + provider + mappings.String()
	}

	res := NewWorkdir(t, config(`provider "petra" {}`+"\n"), vars).Run(nil, "plan", "-input=false", "-no-color")
	out := res.Output()
	if res.ExitCode != 0 {
		t.Fatalf("plan exited %d:\n%s", res.ExitCode, tail(out, 4000))
	}
	if n := strings.Count(out, "Warning: Billing dates use UTC"); n != 1 {
		t.Fatalf("%d \"Billing dates use UTC\" warnings, want 1:\n%s", n, tail(out, 6000))
	}
	warning := out[strings.Index(out, "Warning: Billing dates use UTC"):]
	if end := strings.Index(warning[1:], "Warning:"); end > 0 {
		warning = warning[:end+1]
	}
	if !strings.Contains(warning, `with provider["registry.terraform.io/petrasecurity/petra"]`) ||
		strings.Contains(warning, "petra_autotask_billing_mapping") {
		t.Errorf("the warning is not the provider block's:\n%s", warning)
	}

	res = NewWorkdir(t, config("provider \"petra\" {\n  autotask {\n    time_zone = \"UTC\"\n  }\n}\n"), vars).
		Run(nil, "plan", "-input=false", "-no-color")
	if res.ExitCode != 0 || strings.Contains(res.Output(), "Billing dates use UTC") {
		t.Errorf("with time_zone set, plan exited %d and warned about UTC:\n%s", res.ExitCode, tail(res.Output(), 4000))
	}
}
