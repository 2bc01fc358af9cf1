package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/sandboxtest"
)

// TestGettingStartedVerbatimAfterMakeInstall follows the getting-started
// guide literally: `make install` (into a fresh home directory), the guide's
// configuration copied as written into an empty folder, then `terraform init`
// and `terraform plan` against the sandbox, with no CLI configuration at all.
// It fails if the install layout is not one the CLI finds by itself, if the
// guide's version constraint does not admit the installed version, or if the
// guide's configuration does not plan.
func TestGettingStartedVerbatimAfterMakeInstall(t *testing.T) {
	t.Parallel()
	tf := TerraformPath(t)
	version, err := ModuleVersion()
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()

	// `make install`, as the guide says, into the implied local mirror of
	// this home directory. make keeps the real HOME for Go's caches.
	makeCmd, err := exec.LookPath("make")
	if err != nil {
		t.Fatalf("the getting-started guide installs with make, which is not on PATH: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	install := exec.CommandContext(ctx, makeCmd, "--no-print-directory", "install",
		"PLUGIN_DIR="+filepath.Join(home, ".terraform.d", "plugins"))
	install.Dir = repoRoot()
	install.Env = filteredEnviron()
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("make install: %v\n%s", err, out)
	}

	snips, err := PageSnippets("templates/guides/getting-started.md.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	cfgs, err := PageConfigurations(snips)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfgs) == 0 {
		t.Fatal("the getting-started guide has no configuration")
	}
	config := cfgs[len(cfgs)-1].Files["main.tf"] // steps 4 and 5, as a reader pastes them
	for _, want := range []string{"required_providers", `resource "petra_autotask_connection" "this"`, `resource "petra_autotask_tenant_mapping"`} {
		if !strings.Contains(config, want) {
			t.Fatalf("the getting-started configuration lacks %s:\n%s", want, config)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}

	sb := sandboxtest.Start(t, sandbox.DemoFixture())
	env := append(filteredEnviron(),
		"HOME="+home, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
		"AUTOTASK_USERNAME="+sb.Username, "AUTOTASK_SECRET="+sb.Secret,
		"AUTOTASK_INTEGRATION_CODE="+sb.IntegrationCode, "AUTOTASK_ZONE_LOOKUP_URL="+sb.ZoneLookupURL,
		"PETRA_API_KEY="+sb.PetraKey, "PETRA_API_URL="+sb.PetraURL,
	)
	run := func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.CommandContext(ctx, tf, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		code := 0
		if err != nil {
			ee, ok := err.(*exec.ExitError) //nolint:errorlint // exec returns the concrete type
			if !ok {
				t.Fatalf("%s %v: %v", tf, args, err)
			}
			code = ee.ExitCode()
		}
		return string(out), code
	}

	out, code := run("init", "-input=false", "-no-color")
	if code != 0 {
		t.Fatalf("init of the guide's configuration failed (exit %d): the CLI did not find the provider make install "+
			"installed\n%s", code, out)
	}
	if !strings.Contains(out, "Installed petrasecurity/petra v"+version) {
		t.Errorf("init did not install petrasecurity/petra v%s from the local plugin directory:\n%s", version, out)
	}
	out, code = run("plan", "-input=false", "-no-color", "-detailed-exitcode")
	if code != 2 {
		t.Fatalf("plan of the guide's configuration against the sandbox: exit %d, want 2 (changes to apply)\n%s", code, out)
	}
	for _, want := range []string{"petra_autotask_connection.this will be created",
		"petra_autotask_tenant_mapping.harbor will be created", `+ tenant_id           = "ZZk90t"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan lacks %q:\n%s", want, out)
		}
	}
}
