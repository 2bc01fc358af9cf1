// Package configid derives a stable name for the Terraform configuration a
// provider process serves, for the default owner label of its billing
// claims (issue 20): which repository the root module is in (its origin
// remote, read from the repository's git config without running git), the
// root module's path inside it, and the selected workspace. Two
// configurations of one API user then carry different labels, so neither
// adopts the other's claims, while the same configuration planned from any
// clone, on any CI runner, carries the same one.
//
// Terraform gives a provider nothing that names the configuration: not the
// root module path, the backend or the workspace. It does start the provider
// in the root module's directory (also with -chdir), and writes the selected
// workspace to .terraform/environment there (TF_WORKSPACE overrides it).
// Outside a git repository with a remote, or in a clone whose remote is not
// set, nothing stable is known and Derive reports false.
//
// The package knows nothing of Terraform's plugin protocol or of HTTP.
package configid

import (
	"bufio"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Derive names the configuration whose root module is dir. ok is false when
// dir is not inside a git repository with a remote URL.
func Derive(dir string, getenv func(string) string) (name string, ok bool) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	if resolved, err := filepath.EvalSymlinks(abs); err == nil {
		abs = resolved
	}
	root, gitDir, found := findRepo(abs)
	if !found {
		return "", false
	}
	remote := remoteURL(configPath(gitDir))
	if remote == "" {
		return "", false
	}
	name = remote
	if rel, err := filepath.Rel(root, abs); err == nil && rel != "." {
		name += "//" + filepath.ToSlash(rel)
	}
	if ws := workspace(abs, getenv); ws != "" && ws != "default" {
		name += " (workspace " + ws + ")"
	}
	return name, true
}

// findRepo walks up from dir to the directory holding .git (a directory, or
// a file "gitdir: <path>" in a linked worktree or submodule).
func findRepo(dir string) (root, gitDir string, ok bool) {
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, ".git")
		if fi, err := os.Stat(p); err == nil {
			if fi.IsDir() {
				return d, p, true
			}
			if b, err := os.ReadFile(p); err == nil {
				line := strings.TrimSpace(string(b))
				if g, found := strings.CutPrefix(line, "gitdir:"); found {
					g = strings.TrimSpace(g)
					if !filepath.IsAbs(g) {
						g = filepath.Join(d, g)
					}
					return d, g, true
				}
			}
		}
		if parent := filepath.Dir(d); parent == d {
			return "", "", false
		}
	}
}

// configPath is the repository's config file: a linked worktree's git
// directory names the shared one in its "commondir" file.
func configPath(gitDir string) string {
	if b, err := os.ReadFile(filepath.Join(gitDir, "commondir")); err == nil {
		common := strings.TrimSpace(string(b))
		if !filepath.IsAbs(common) {
			common = filepath.Join(gitDir, common)
		}
		return filepath.Join(common, "config")
	}
	return filepath.Join(gitDir, "config")
}

// remoteURL reads the url of remote "origin" (else of the first remote) from
// a git config file, as a name without credentials, scheme or ".git".
func remoteURL(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer func() { _ = f.Close() }()
	var section, first, origin string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "["):
			section = strings.ToLower(strings.Join(strings.Fields(strings.Trim(line, "[]")), " "))
		case strings.HasPrefix(section, "remote "):
			k, v, found := strings.Cut(line, "=")
			if !found || !strings.EqualFold(strings.TrimSpace(k), "url") {
				continue
			}
			u := normalize(strings.TrimSpace(v))
			if section == `remote "origin"` && origin == "" {
				origin = u
			}
			if first == "" {
				first = u
			}
		}
	}
	if origin != "" {
		return origin
	}
	return first
}

// normalize turns a remote URL into host/path: no scheme, no user name or
// token (a CI clone URL may carry one), no port, no ".git", and the scp form
// git@host:org/repo read as host/org/repo.
func normalize(raw string) string {
	raw = strings.Trim(raw, `"`)
	if i := strings.Index(raw, "://"); i >= 0 {
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			raw = u.Hostname() + "/" + strings.TrimPrefix(u.Path, "/")
		} else {
			raw = raw[i+3:]
			if at := strings.LastIndex(raw, "@"); at >= 0 {
				raw = raw[at+1:]
			}
		}
	} else if at := strings.Index(raw, "@"); at >= 0 && strings.Contains(raw[at:], ":") {
		raw = strings.Replace(raw[at+1:], ":", "/", 1)
	} else if filepath.IsAbs(raw) || strings.HasPrefix(raw, ".") {
		return "" // a local path remote names no shared repository
	}
	raw = strings.TrimSuffix(strings.TrimSuffix(raw, "/"), ".git")
	host, path, _ := strings.Cut(raw, "/")
	if path == "" {
		return strings.ToLower(host)
	}
	return strings.ToLower(host) + "/" + path
}

// workspace is the selected Terraform workspace: TF_WORKSPACE, else
// .terraform/environment in the root module's directory.
func workspace(dir string, getenv func(string) string) string {
	if getenv != nil {
		if ws := strings.TrimSpace(getenv("TF_WORKSPACE")); ws != "" {
			return ws
		}
	}
	dataDir := ".terraform"
	if getenv != nil {
		if d := strings.TrimSpace(getenv("TF_DATA_DIR")); d != "" {
			dataDir = d
		}
	}
	if !filepath.IsAbs(dataDir) {
		dataDir = filepath.Join(dir, dataDir)
	}
	b, err := os.ReadFile(filepath.Join(dataDir, "environment"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
