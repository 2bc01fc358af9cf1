package e2e

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Guide snippets are the fenced code blocks of the docs templates
// (templates/**/*.md.tmpl). A Terraform block (```terraform, ```hcl or
// ```tf) is a complete configuration unless the HTML comment on the line
// before its fence says otherwise:
//
//	<!-- snippet: continues -->      goes in the same folder as the page's
//	                                 snippets before it (back to the last
//	                                 complete one), and is checked with them
//	<!-- snippet: fragment -->       a part of a configuration, only checked
//	                                 for formatting
//	<!-- snippet: cli-config -->     a Terraform CLI configuration file
//	<!-- snippet: file NAME -->      any block: a file the page's later
//	                                 configurations read, written as NAME
//
// Comments are invisible on the registry; they tell the snippet tests what
// a reader is expected to do with the block.

// Snippet kinds.
const (
	SnippetConfig    = "config"
	SnippetContinues = "continues"
	SnippetFragment  = "fragment"
	SnippetCLIConfig = "cli-config"
	SnippetFile      = "file"
)

// Snippet is one fenced block of a docs template.
type Snippet struct {
	Page     string // path relative to the repository, e.g. templates/guides/billing-sync.md.tmpl
	Line     int    // line of the opening fence
	Lang     string // the fence's info string
	Kind     string // one of the Snippet* kinds; "" for blocks the tests ignore (shell, …)
	FileName string // for SnippetFile
	Body     string
}

// Name identifies a snippet in test output.
func (s Snippet) Name() string { return fmt.Sprintf("%s:%d", s.Page, s.Line) }

var (
	fenceOpenRE  = regexp.MustCompile("^(\\s*)```([A-Za-z0-9_+-]*)\\s*$")
	snippetTagRE = regexp.MustCompile(`^\s*<!--\s*snippet:\s*([a-z-]+)(?:\s+([^\s>]+))?\s*-->\s*$`)
)

var terraformLangs = map[string]bool{"terraform": true, "hcl": true, "tf": true}

// TemplatePages lists the pages whose snippets users copy, relative to the
// repository root: the docs templates and README.md.
func TemplatePages() ([]string, error) {
	pages, err := templatePages()
	return append(pages, "README.md"), err
}

func templatePages() ([]string, error) {
	root := repoRoot()
	var pages []string
	err := filepath.WalkDir(filepath.Join(root, "templates"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md.tmpl") {
			rel, rerr := filepath.Rel(root, p)
			if rerr != nil {
				return rerr
			}
			pages = append(pages, filepath.ToSlash(rel))
		}
		return err
	})
	sort.Strings(pages)
	return pages, err
}

// PageSnippets parses the fenced blocks of one template.
func PageSnippets(page string) ([]Snippet, error) {
	f, err := os.Open(filepath.Join(repoRoot(), filepath.FromSlash(page)))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var (
		out     []Snippet
		tag     []string // the last snippet comment, until a non-blank line
		cur     *Snippet
		indent  string
		body    strings.Builder
		lineNum int
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lineNum++
		line := sc.Text()
		if cur != nil {
			if strings.TrimSpace(line) == "```" {
				cur.Body = body.String()
				out = append(out, *cur)
				cur = nil
				continue
			}
			body.WriteString(strings.TrimPrefix(line, indent))
			body.WriteByte('\n')
			continue
		}
		if m := fenceOpenRE.FindStringSubmatch(line); m != nil {
			s := Snippet{Page: page, Line: lineNum, Lang: m[2]}
			switch {
			case tag != nil && tag[0] == SnippetFile:
				if tag[1] == "" {
					return nil, fmt.Errorf("%s:%d: <!-- snippet: file --> needs a file name", page, lineNum)
				}
				s.Kind, s.FileName = SnippetFile, tag[1]
			case tag != nil:
				switch tag[0] {
				case SnippetContinues, SnippetFragment, SnippetCLIConfig:
					s.Kind = tag[0]
				default:
					return nil, fmt.Errorf("%s:%d: unknown snippet marker %q (use continues, fragment, cli-config or file NAME)", page, lineNum, tag[0])
				}
			case terraformLangs[m[2]]:
				s.Kind = SnippetConfig
			}
			cur, indent, tag = &s, m[1], nil
			body.Reset()
			continue
		}
		if m := snippetTagRE.FindStringSubmatch(line); m != nil {
			tag = []string{m[1], m[2]}
			continue
		}
		if strings.TrimSpace(line) != "" {
			tag = nil
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if cur != nil {
		return nil, fmt.Errorf("%s:%d: code block is never closed", page, cur.Line)
	}
	return out, nil
}

// Configuration is what a reader copies into one folder: the files of a
// complete snippet and the snippets that continue it, plus the files the page
// declared before them.
type Configuration struct {
	Snippets []Snippet         // the config snippet and its continuations, in order
	Files    map[string]string // file name => content (main.tf and the rest)
}

// Name identifies a configuration by its last snippet.
func (c Configuration) Name() string { return c.Snippets[len(c.Snippets)-1].Name() }

// PageConfigurations returns, for every config or continues snippet of a
// page, the configuration a reader has after copying it: main.tf holds the
// snippets of its chain, one after another, as if pasted into one file.
func PageConfigurations(snips []Snippet) ([]Configuration, error) {
	var (
		out   []Configuration
		chain []Snippet
		files = map[string]string{}
	)
	for _, s := range snips {
		switch s.Kind {
		case SnippetFile:
			files[s.FileName] = s.Body
			continue
		case SnippetConfig:
			chain = []Snippet{s}
		case SnippetContinues:
			if len(chain) == 0 {
				return nil, fmt.Errorf("%s: a \"continues\" snippet has no complete snippet before it on its page", s.Name())
			}
			chain = append(chain, s)
		default:
			continue
		}
		c := Configuration{Snippets: append([]Snippet(nil), chain...), Files: map[string]string{}}
		for k, v := range files {
			c.Files[k] = v
		}
		var main strings.Builder
		for i, cs := range chain {
			if i > 0 {
				main.WriteByte('\n')
			}
			main.WriteString(cs.Body)
		}
		c.Files["main.tf"] = main.String()
		out = append(out, c)
	}
	return out, nil
}
