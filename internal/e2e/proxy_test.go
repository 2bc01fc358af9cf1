package e2e

import (
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// TestProxyAndCustomCAFromEnvironment follows the troubleshooting guide's
// advice for a network behind a TLS-inspecting proxy: HTTPS_PROXY names the
// proxy and SSL_CERT_FILE the certificate authority that signs what it
// serves. Autotask and Petra are given https URLs on hosts that exist only
// behind the test proxy, which tunnels every CONNECT to a TLS sandbox whose
// certificate only that authority trusts; the real provider, run by the CLI,
// can reach them only if it honours both variables.
func TestProxyAndCustomCAFromEnvironment(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.New(sandbox.Options{Fixture: sandbox.DemoFixture()})
	if err != nil {
		t.Fatal(err)
	}
	upstream := httptest.NewTLSServer(sb.Handler())
	t.Cleanup(upstream.Close)
	caFile := filepath.Join(t.TempDir(), "proxy-ca.pem")
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: upstream.Certificate().Raw})
	if err := os.WriteFile(caFile, ca, 0o600); err != nil {
		t.Fatal(err)
	}

	var (
		mu      sync.Mutex
		tunnels = map[string]int{}
	)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "this test proxy only tunnels", http.StatusMethodNotAllowed)
			return
		}
		host, _, _ := net.SplitHostPort(r.Host)
		mu.Lock()
		tunnels[host]++
		mu.Unlock()
		up, err := (&net.Dialer{}).DialContext(r.Context(), "tcp", upstream.Listener.Addr().String())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			_ = up.Close()
			return
		}
		_, _ = conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
		go func() { _, _ = io.Copy(up, buf); _ = up.Close() }()
		_, _ = io.Copy(conn, up)
		_ = conn.Close()
	}))
	t.Cleanup(proxy.Close)

	creds := sb.Credentials()
	w := NewWorkdir(t, `
terraform {
  required_providers {
    petra = { source = "petrasecurity/petra" }
  }
}

provider "petra" {}

data "petra_autotask_companies" "all" {}

data "petra_tenants" "all" {}

output "counts" {
  value = "${length(data.petra_autotask_companies.all.companies)} companies, ${length(data.petra_tenants.all.tenants)} tenants"
}
`, map[string]string{
		"AUTOTASK_USERNAME":         creds.Username,
		"AUTOTASK_SECRET":           creds.Secret,
		"AUTOTASK_INTEGRATION_CODE": creds.IntegrationCode,
		"AUTOTASK_BASE_URL":         "https://autotask.example.com/ATServicesRest/",
		"PETRA_API_KEY":             creds.PetraAPIKey,
		"PETRA_API_URL":             "https://petra.example.com/petra",
		"HTTPS_PROXY":               proxy.URL,
		"NO_PROXY":                  "",
		"SSL_CERT_FILE":             caFile,
		"SSL_CERT_DIR":              filepath.Dir(caFile),
	})
	r := w.Run(nil, "apply", "-input=false", "-no-color", "-auto-approve")
	if r.ExitCode != 0 {
		t.Fatalf("apply through HTTPS_PROXY with SSL_CERT_FILE failed (exit %d)\n%s", r.ExitCode, tail(r.Output(), 4000))
	}
	if !strings.Contains(r.Output(), "companies,") {
		t.Errorf("the data sources did not read through the proxy:\n%s", tail(r.Output(), 4000))
	}
	mu.Lock()
	defer mu.Unlock()
	var seen []string
	for h := range tunnels {
		seen = append(seen, h)
	}
	sort.Strings(seen)
	for _, host := range []string{"autotask.example.com", "petra.example.com"} {
		if tunnels[host] == 0 {
			t.Errorf("no request to %s went through HTTPS_PROXY (tunnels: %v)", host, seen)
		}
	}
}
