package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/petrasecurity/terraform-provider-petra/internal/provider"
)

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
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
		all.WriteByte('\n')
		// The file a user copies from the registry page (or runs, for the
		// demo) must say which provider and which Terraform it needs.
		switch filepath.Base(f) {
		case "resource.tf", "data-source.tf", "provider.tf", "main.tf":
			if msg := checkTerraformBlock(string(b)); msg != "" {
				t.Errorf("%s/%s: %s", rel, filepath.Base(f), msg)
			}
		}
		if err := os.WriteFile(filepath.Join(w.Dir, filepath.Base(f)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if r := w.Run(nil, "fmt", "-check", "-diff", "-no-color"); r.ExitCode != 0 {
		t.Errorf("%s is not terraform fmt-clean: run `terraform fmt -recursive examples` and commit the result.\n%s",
			rel, tail(r.Output(), 4000))
	}
	assertValid(t, w, rel)
	checkImportTargets(t, dir, rel, all.String())
}

// assertValid runs `terraform validate -json` in w and fails the test on any
// diagnostic but the one every dev_overrides run prints.
func assertValid(t *testing.T, w *Workdir, name string) {
	t.Helper()
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
		t.Fatalf("validate of %s did not print JSON (exit %d): %v\n%s", name, r.ExitCode, err, tail(r.Output(), 4000))
	}
	for _, d := range out.Diagnostics {
		if d.Severity == "warning" && d.Summary == devOverridesWarning {
			continue
		}
		where := name
		if d.Range != nil {
			where = fmt.Sprintf("%s (%s:%d)", name, d.Range.Filename, d.Range.Start.Line)
		}
		t.Errorf("validate %s: %s: %s\n%s", d.Severity, where, d.Summary, d.Detail)
	}
	if !out.Valid || r.ExitCode != 0 {
		t.Errorf("validate found %s invalid (exit %d)", name, r.ExitCode)
	}
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
