package configid

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

const gitConfig = `[core]
	repositoryformatversion = 0
[remote "upstream"]
	url = git@github.com:someone/fork.git
[remote "origin"]
	url = https://x-access-token:ghs_SECRET@GitHub.com/acme/msp-billing.git
	fetch = +refs/heads/*:refs/remotes/origin/*
`

func TestDeriveNamesRepositoryPathAndWorkspace(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, ".git", "config"), gitConfig)
	prod := filepath.Join(root, "envs", "prod")
	staging := filepath.Join(root, "envs", "staging")
	write(t, filepath.Join(prod, "main.tf"), "")
	write(t, filepath.Join(staging, "main.tf"), "")
	write(t, filepath.Join(staging, ".terraform", "environment"), "eu\n")
	noenv := func(string) string { return "" }

	cases := []struct {
		dir    string
		getenv func(string) string
		want   string
	}{
		{root, noenv, "github.com/acme/msp-billing"},
		{prod, noenv, "github.com/acme/msp-billing//envs/prod"},
		{staging, noenv, "github.com/acme/msp-billing//envs/staging (workspace eu)"},
		{prod, func(k string) string {
			if k == "TF_WORKSPACE" {
				return "nightly"
			}
			return ""
		}, "github.com/acme/msp-billing//envs/prod (workspace nightly)"},
	}
	for _, c := range cases {
		got, ok := Derive(c.dir, c.getenv)
		if !ok || got != c.want {
			t.Errorf("Derive(%s) = %q, %v; want %q", c.dir, got, ok, c.want)
		}
	}
}

func TestDeriveNeverKeepsCredentials(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, ".git", "config"), gitConfig)
	got, _ := Derive(root, nil)
	for _, secret := range []string{"ghs_SECRET", "x-access-token", "https"} {
		if strings.Contains(got, secret) {
			t.Fatalf("Derive = %q keeps %q from the remote URL", got, secret)
		}
	}
}

func TestDeriveInALinkedWorktree(t *testing.T) {
	main := t.TempDir()
	write(t, filepath.Join(main, ".git", "config"), "[remote \"origin\"]\n\turl = git@gitlab.example.com:msp/billing.git\n")
	write(t, filepath.Join(main, ".git", "worktrees", "wt", "commondir"), "../..\n")
	wt := t.TempDir()
	write(t, filepath.Join(wt, ".git"), "gitdir: "+filepath.Join(main, ".git", "worktrees", "wt")+"\n")
	if got, ok := Derive(wt, nil); !ok || got != "gitlab.example.com/msp/billing" {
		t.Fatalf("Derive in a worktree = %q, %v", got, ok)
	}
}

func TestDeriveWithoutARemoteIsUnknown(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, ".git", "config"), "[core]\n\tbare = false\n")
	if got, ok := Derive(root, nil); ok {
		t.Fatalf("Derive without a remote = %q, want not ok", got)
	}
	if got, ok := Derive(t.TempDir(), nil); ok {
		t.Fatalf("Derive outside a repository = %q, want not ok", got)
	}
	local := t.TempDir()
	write(t, filepath.Join(local, ".git", "config"), "[remote \"origin\"]\n\turl = /srv/git/billing.git\n")
	if got, ok := Derive(local, nil); ok {
		t.Fatalf("Derive with a local-path remote = %q, want not ok", got)
	}
}
