package e2e

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// registryDocsBase is where the Terraform Registry serves docs/index.md. It
// serves docs/<kind>/<name>.md at registryDocsBase + "/<kind>/<name>" (no
// ".md", no trailing slash) and does not rewrite links, so a link works there
// only if the browser's resolution of it against the page's URL lands on
// another page. Relative links between guides ("billing-sync"), from a guide
// or a resource page to another kind ("../resources/autotask_connection"),
// and absolute registry URLs all do; "billing-sync.md" and "/docs/…" do not.
const registryDocsBase = "https://registry.terraform.io/providers/petrasecurity/petra/latest/docs"

var (
	mdLinkRE    = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	codeSpanRE  = regexp.MustCompile("`[^`]*`")
	docsPageDir = []string{"guides", "resources", "data-sources"}
)

// TestDocsLinksResolveOnTheRegistry checks every link of the generated docs/
// (templates and schema descriptions alike) against the registry's URL
// layout: each link to another page of the provider must land on a page that
// exists.
func TestDocsLinksResolveOnTheRegistry(t *testing.T) {
	docs := filepath.Join(repoRoot(), "docs")
	pages := map[string]bool{registryDocsBase: true}
	type page struct{ file, url string }
	var all []page
	all = append(all, page{filepath.Join(docs, "index.md"), registryDocsBase})
	for _, kind := range docsPageDir {
		files, err := filepath.Glob(filepath.Join(docs, kind, "*.md"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			u := registryDocsBase + "/" + kind + "/" + strings.TrimSuffix(filepath.Base(f), ".md")
			pages[u] = true
			all = append(all, page{f, u})
		}
	}
	if len(all) < 10 {
		t.Fatalf("found only %d docs pages under %s", len(all), docs)
	}
	links := 0
	for _, p := range all {
		b, err := os.ReadFile(p.file)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(repoRoot(), p.file)
		base, _ := url.Parse(p.url)
		inFence := false
		for i, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "```") {
				inFence = !inFence
				continue
			}
			if inFence {
				continue
			}
			line = codeSpanRE.ReplaceAllString(line, "")
			for _, m := range mdLinkRE.FindAllStringSubmatch(line, -1) {
				target := m[1]
				where := rel + ":" + strconv.Itoa(i+1)
				switch {
				case strings.HasPrefix(target, "#"), strings.HasPrefix(target, "mailto:"):
					continue
				case strings.HasPrefix(target, "/"):
					t.Errorf("%s: link %q is site-absolute; on the registry it resolves to %s%s, not a page of this provider. "+
						"Use a relative link such as \"../guides/billing-sync\"", where, target, "https://registry.terraform.io", target)
					continue
				}
				u, err := url.Parse(target)
				if err != nil {
					t.Errorf("%s: link %q does not parse: %v", where, target, err)
					continue
				}
				if u.IsAbs() && !strings.HasPrefix(target, registryDocsBase) {
					continue // another site
				}
				links++
				if strings.HasSuffix(u.Path, ".md") {
					t.Errorf("%s: link %q ends in .md; the registry serves pages without it. Link to %q instead",
						where, target, strings.TrimSuffix(target, ".md"))
					continue
				}
				resolved := base.ResolveReference(u)
				resolved.Fragment = ""
				if !pages[resolved.String()] {
					t.Errorf("%s: link %q resolves on the registry to %s, which is not a page of this provider", where, target, resolved)
				}
			}
		}
	}
	if links == 0 {
		t.Fatal("found no links between docs pages; the link parser is broken")
	}
}
