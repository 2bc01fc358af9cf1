// Package compat proves the sandbox is faithful enough for software that is
// not ours: it runs the real `petra-sandbox` command (what `make sandbox`
// runs) and drives it with @apigrate/autotask-restapi, a standard third-party
// Autotask REST client from npm, unchanged.
package compat

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type observed struct {
	ZoneURL         string   `json:"zoneUrl"`
	CreatedIDs      []int64  `json:"createdIds"`
	GetName         string   `json:"getName"`
	MissingIsNull   bool     `json:"missingIsNull"`
	Pages           int      `json:"pages"`
	PagedIDs        []int64  `json:"pagedIds"`
	Count           int      `json:"count"`
	QueueLabels     []string `json:"queueLabels"`
	QueueValueTypes []string `json:"queueValueTypes"`
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

func TestThirdPartyClientAgainstSandboxCommand(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is required for the third-party client check (Node.js >= 18 on PATH)")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Fatal("npm is required to install the third-party client (npm on PATH)")
	}
	dir, _ := os.Getwd()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@apigrate", "autotask-restapi")); err != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci: %v\n%s", err, out)
		}
	}

	bin := filepath.Join(t.TempDir(), "petra-sandbox")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "../cmd/petra-sandbox")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building petra-sandbox: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sb := exec.CommandContext(ctx, bin)
	sb.Env = append(os.Environ(), "SANDBOX_ADDR="+addr, "SANDBOX_FIXTURE=")
	stdout, err := sb.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = sb.Wait() })

	var banner strings.Builder
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			banner.WriteString(line + "\n")
			if strings.Contains(line, "sandbox ready") {
				close(ready)
				for sc.Scan() { // keep draining the request log
				}
				return
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatalf("petra-sandbox did not print \"sandbox ready\" within 30s; output:\n%s", banner.String())
	}
	text := banner.String()
	zoneLookup := "http://" + addr + "/atservicesrest/"
	for _, want := range []string{zoneLookup, "http://" + addr + "/petra", "AUTOTASK_USERNAME", "PETRA_API_KEY"} {
		if !strings.Contains(text, want) {
			t.Errorf("the start banner does not show %q:\n%s", want, text)
		}
	}
	user := bannerValue(t, text, "AUTOTASK_USERNAME")
	secret := bannerValue(t, text, "AUTOTASK_SECRET")
	code := bannerValue(t, text, "AUTOTASK_INTEGRATION_CODE")

	nctx, ncancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer ncancel()
	run := exec.CommandContext(nctx, node, "apigrate_check.mjs", zoneLookup, user, secret, code)
	run.Dir = dir
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("the third-party client failed against the sandbox: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var got observed
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
		t.Fatalf("decoding the client's report: %v\n%s", err, out)
	}

	if got.ZoneURL != "http://"+addr+"/ATServicesRest/" {
		t.Errorf("zone url = %q, want the sandbox's own /ATServicesRest/ (trailing slash)", got.ZoneURL)
	}
	if len(got.CreatedIDs) != 5 || got.CreatedIDs[0] <= 0 {
		t.Fatalf("creates returned ids %v", got.CreatedIDs)
	}
	if got.GetName != "Compat Co 2" {
		t.Errorf("get by id returned name %q, want \"Compat Co 2\"", got.GetName)
	}
	if !got.MissingIsNull {
		t.Error("get of an unknown id was not reported as not found")
	}
	if got.Pages != 3 || len(got.PagedIDs) != 5 {
		t.Errorf("paging with MaxRecords 2 over 5 companies took %d pages and saw %d ids %v; want 3 pages, 5 ids", got.Pages, len(got.PagedIDs), got.PagedIDs)
	}
	for i := 1; i < len(got.PagedIDs); i++ {
		if got.PagedIDs[i] <= got.PagedIDs[i-1] {
			t.Errorf("paged ids are not in ascending id order: %v", got.PagedIDs)
			break
		}
	}
	if got.Count != 5 {
		t.Errorf("count = %d, want 5", got.Count)
	}
	if len(got.QueueLabels) == 0 || len(got.QueueValueTypes) != 1 || got.QueueValueTypes[0] != "string" {
		t.Errorf("ticket queue picklist: labels %v, value types %v (want string values)", got.QueueLabels, got.QueueValueTypes)
	}
}

// bannerValue reads VALUE from an `export NAME=VALUE` line of the banner.
func bannerValue(t *testing.T, banner, name string) string {
	t.Helper()
	for _, line := range strings.Split(banner, "\n") {
		line = strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(line, "export "+name+"="); ok {
			return strings.Trim(rest, `'"`)
		}
	}
	t.Fatalf("the start banner has no export %s= line:\n%s", name, banner)
	return ""
}
