package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/petrasecurity/terraform-provider-petra/internal/provider"
)

// requiredProvidersTF is added to an example directory that does not declare
// the provider's source itself (registry examples usually do not), so that
// Terraform resolves "petra" to the locally built binary.
const requiredProvidersTF = `terraform {
  required_providers {
    petra = {
      source = "petrasecurity/petra"
    }
  }
}
`

// devOverridesWarning is the one warning every dev_overrides run prints.
const devOverridesWarning = "Provider development overrides are in effect"

// TestExamplesFormattedAndValid runs `terraform fmt -check` and `terraform
// validate` with the locally built provider on every example directory, the
// configurations users copy from the registry docs and the demo. It also
// checks that each import example targets a resource its directory declares.
func TestExamplesFormattedAndValid(t *testing.T) {
	root := filepath.Join(repoRoot(), "examples")
	dirs := exampleDirs(t, root)
	for _, dir := range dirs {
		rel, err := filepath.Rel(repoRoot(), dir)
		if err != nil {
			t.Fatal(err)
		}
		rel = filepath.ToSlash(rel)
		t.Run(rel, func(t *testing.T) {
			t.Parallel()
			checkExampleDir(t, dir, rel)
		})
	}
}

// exampleDirs lists every directory under root holding .tf files, skipping
// hidden directories (.terraform, the demo's .work).
func exampleDirs(t *testing.T, root string) []string {
	t.Helper()
	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".tf") {
			seen[filepath.Dir(p)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatalf("listing %s: %v", root, err)
	}
	dirs := make([]string, 0, len(seen))
	for d := range seen {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	if len(dirs) == 0 {
		t.Fatalf("no example directories with .tf files under %s", root)
	}
	return dirs
}

func checkExampleDir(t *testing.T, dir, rel string) {
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil {
		t.Fatal(err)
	}
	w := NewWorkdir(t, "", nil)
	var all strings.Builder
	declaresProvider := false
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
		all.WriteByte('\n')
		if strings.Contains(string(b), "required_providers") {
			declaresProvider = true
		}
		if err := os.WriteFile(filepath.Join(w.Dir, filepath.Base(f)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if !declaresProvider {
		if err := os.WriteFile(filepath.Join(w.Dir, "zz_required_providers.tf"), []byte(requiredProvidersTF), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	if r := w.Run(nil, "fmt", "-check", "-diff", "-no-color"); r.ExitCode != 0 {
		t.Errorf("%s is not terraform fmt-clean: run `terraform fmt -recursive examples` and commit the result.\n%s",
			rel, tail(r.Output(), 4000))
	}

	r := w.Run(nil, "validate", "-json", "-no-color")
	var out struct {
		Valid       bool `json:"valid"`
		Diagnostics []struct {
			Severity string `json:"severity"`
			Summary  string `json:"summary"`
			Detail   string `json:"detail"`
			Range    *struct {
				Filename string `json:"filename"`
				Start    struct {
					Line int `json:"line"`
				} `json:"start"`
			} `json:"range"`
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil {
		t.Fatalf("terraform validate in %s did not print JSON (exit %d): %v\n%s", rel, r.ExitCode, err, tail(r.Output(), 4000))
	}
	for _, d := range out.Diagnostics {
		if d.Severity == "warning" && d.Summary == devOverridesWarning {
			continue
		}
		where := rel
		if d.Range != nil {
			where = fmt.Sprintf("%s/%s:%d", rel, d.Range.Filename, d.Range.Start.Line)
		}
		t.Errorf("terraform validate %s: %s: %s\n%s", d.Severity, where, d.Summary, d.Detail)
	}
	if !out.Valid || r.ExitCode != 0 {
		t.Errorf("terraform validate found %s invalid (exit %d)", rel, r.ExitCode)
	}

	checkImportTargets(t, dir, rel, all.String())
}

var (
	declaredResourceRE = regexp.MustCompile(`(?m)^resource\s+"([a-z0-9_]+)"\s+"([A-Za-z0-9_-]+)"`)
	importBlockToRE    = regexp.MustCompile(`(?m)^\s*to\s*=\s*([a-z0-9_]+)\.([A-Za-z0-9_-]+)`)
	importCommandRE    = regexp.MustCompile(`(?m)^terraform import\s+'?([a-z0-9_]+)\.([A-Za-z0-9_-]+)`)
)

// checkImportTargets makes sure the import examples of a resource directory
// (import-by-string-id.tf and import.sh) import into a resource that the
// directory's own example declares: terraform validate does not check import
// targets, and a copied import that names nothing fails only at plan.
func checkImportTargets(t *testing.T, dir, rel, config string) {
	t.Helper()
	declared := map[string]bool{}
	for _, m := range declaredResourceRE.FindAllStringSubmatch(config, -1) {
		declared[m[1]+"."+m[2]] = true
	}
	var targets []string
	for _, m := range importBlockToRE.FindAllStringSubmatch(config, -1) {
		targets = append(targets, m[1]+"."+m[2])
	}
	if sh, err := os.ReadFile(filepath.Join(dir, "import.sh")); err == nil {
		cmds := importCommandRE.FindAllStringSubmatch(string(sh), -1)
		if len(cmds) == 0 {
			t.Errorf("%s/import.sh has no `terraform import <address> <id>` line", rel)
		}
		for _, m := range cmds {
			targets = append(targets, m[1]+"."+m[2])
		}
	}
	for _, target := range targets {
		if !declared[target] {
			t.Errorf("%s: an import example targets %s, which the directory's configuration does not declare", rel, target)
		}
	}
}

// TestEveryResourceAndDataSourceHasExamples checks the examples the registry
// docs are generated from: the provider block, every data source's
// data-source.tf, and every resource's resource.tf with both import examples
// (import.sh for the CLI, import-by-string-id.tf for an import block).
func TestEveryResourceAndDataSourceHasExamples(t *testing.T) {
	ctx := context.Background()
	root := filepath.Join(repoRoot(), "examples")
	p := provider.New("test")()

	mustExist := func(rel string) {
		t.Helper()
		if _, err := os.Stat(filepath.Join(root, rel)); err != nil {
			t.Errorf("missing example examples/%s: the registry docs need it (run `make docs` after adding it)", rel)
		}
	}
	mustExist("provider/provider.tf")

	resources := p.Resources(ctx)
	if len(resources) == 0 {
		t.Fatal("the provider lists no resources")
	}
	for _, newResource := range resources {
		var meta resource.MetadataResponse
		newResource().Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "petra"}, &meta)
		for _, f := range []string{"resource.tf", "import.sh", "import-by-string-id.tf"} {
			mustExist(filepath.Join("resources", meta.TypeName, f))
		}
	}
	dataSources := p.DataSources(ctx)
	if len(dataSources) == 0 {
		t.Fatal("the provider lists no data sources")
	}
	for _, newDataSource := range dataSources {
		var meta datasource.MetadataResponse
		newDataSource().Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "petra"}, &meta)
		mustExist(filepath.Join("data-sources", meta.TypeName, "data-source.tf"))
	}
}

// terraformFenceRE finds ```terraform / ```hcl code blocks in a guide.
var terraformFenceRE = regexp.MustCompile("(?s)```(?:terraform|hcl)\n(.*?)```")

// TestGuideSnippetsFormatted runs every Terraform snippet of the docs
// templates (the guides and the provider page) through `terraform fmt`: a
// snippet users copy must parse and already be formatted.
func TestGuideSnippetsFormatted(t *testing.T) {
	tf := TerraformPath(t)
	root := filepath.Join(repoRoot(), "templates")
	var templates []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".tmpl") {
			templates = append(templates, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// An empty CLI configuration: fmt needs no providers.
	cliConfig := filepath.Join(t.TempDir(), "empty.tfrc")
	if err := os.WriteFile(cliConfig, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	snippets := 0
	for _, p := range templates {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(repoRoot(), p)
		for i, m := range terraformFenceRE.FindAllStringSubmatch(string(b), -1) {
			snippets++
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			cmd := exec.CommandContext(ctx, tf, "fmt", "-no-color", "-")
			cmd.Env = append(filteredEnviron(), "CHECKPOINT_DISABLE=1", "TF_CLI_CONFIG_FILE="+cliConfig)
			cmd.Stdin = strings.NewReader(m[1])
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			cancel()
			if err != nil {
				t.Errorf("%s, Terraform snippet %d does not parse: %v\n%s\n%s", rel, i+1, err, m[1], tail(stderr.String(), 2000))
				continue
			}
			if stdout.String() != m[1] {
				t.Errorf("%s, Terraform snippet %d is not terraform fmt-clean; formatted it reads:\n%s", rel, i+1, stdout.String())
			}
		}
	}
	if snippets == 0 {
		t.Fatalf("found no ```terraform snippets under %s", root)
	}
}
