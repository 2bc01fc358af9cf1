package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/autotasksim"
)

// Sandbox is a sandbox serving on a loopback port for the bench.
type Sandbox struct {
	// Endpoints are the sandbox's URLs.
	Endpoints sandbox.Endpoints
	// Credentials are the full-access Autotask user and the Petra key.
	Credentials sandbox.Credentials
	// Admin drives the admin API (stats).
	Admin *sandbox.AdminClient

	srv *http.Server
}

// StartSandbox serves a sandbox built from fx on 127.0.0.1 (a free port).
func StartSandbox(fx *sandbox.Fixture) (*Sandbox, error) {
	return StartSandboxWithLatency(fx, 0)
}

// zoneLookupPath is the zone lookup's path, which the emulator answers
// without authentication or thread slot (ref §1).
const zoneLookupPath = sandbox.AutotaskZoneLookupPath + "v1.0/zoneInformation"

// StartSandboxWithLatency is StartSandbox with every Autotask request taking
// at least latency, as real Autotask's do: authenticated requests wait while
// they hold their thread slot (the emulator's RequestDelay), so a client that
// sent more than the thread limit to one endpoint would be refused, and the
// zone lookup is delayed through the sandbox's latency injection
// (POST /_sandbox/latency). Petra answers without added delay.
func StartSandboxWithLatency(fx *sandbox.Fixture, latency time.Duration) (*Sandbox, error) {
	sb, err := sandbox.New(sandbox.Options{Fixture: fx, Autotask: autotasksim.Config{RequestDelay: latency}})
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening on a loopback port for the sandbox: %w", err)
	}
	srv := &http.Server{Handler: sb.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Printf("sandbox stopped: %v\n", err)
		}
	}()
	base := "http://" + ln.Addr().String()
	out := &Sandbox{
		Endpoints:   sandbox.EndpointsFor(base),
		Credentials: sb.Credentials(),
		Admin:       &sandbox.AdminClient{BaseURL: base},
		srv:         srv,
	}
	if latency > 0 {
		rule := sandbox.LatencyRule{Path: zoneLookupPath, DelayMs: int(latency.Milliseconds())}
		if err := out.Admin.SetLatency(context.Background(), rule); err != nil {
			out.Close()
			return nil, fmt.Errorf("setting the zone lookup's latency: %w", err)
		}
	}
	return out, nil
}

// Env is the environment the provider reads its settings from.
func (s *Sandbox) Env() []string {
	return []string{
		"AUTOTASK_USERNAME=" + s.Credentials.Username,
		"AUTOTASK_SECRET=" + s.Credentials.Secret,
		"AUTOTASK_INTEGRATION_CODE=" + s.Credentials.IntegrationCode,
		"AUTOTASK_ZONE_LOOKUP_URL=" + s.Endpoints.AutotaskZoneLookupURL,
		"PETRA_API_KEY=" + s.Credentials.PetraAPIKey,
		"PETRA_API_URL=" + s.Endpoints.PetraBaseURL,
	}
}

// Close stops the sandbox.
func (s *Sandbox) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
}
