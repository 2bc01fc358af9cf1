package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// Sandbox is a sandbox serving on a loopback port for the bench.
type Sandbox struct {
	// Endpoints are the sandbox's URLs.
	Endpoints sandbox.Endpoints
	// Credentials are the full-access Autotask user and the Petra key.
	Credentials sandbox.Credentials
	// Admin drives the admin API (stats).
	Admin *sandbox.AdminClient

	sb  *sandbox.Sandbox
	srv *http.Server
}

// StartSandbox serves a sandbox built from fx on 127.0.0.1 (a free port).
func StartSandbox(fx *sandbox.Fixture) (*Sandbox, error) {
	sb, err := sandbox.New(sandbox.Options{Fixture: fx})
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
	return &Sandbox{
		Endpoints:   sandbox.EndpointsFor(base),
		Credentials: sb.Credentials(),
		Admin:       &sandbox.AdminClient{BaseURL: base},
		sb:          sb,
		srv:         srv,
	}, nil
}

// StartSandboxWithLatency is StartSandbox answering at latency (SetLatency).
func StartSandboxWithLatency(fx *sandbox.Fixture, latency time.Duration) (*Sandbox, error) {
	s, err := StartSandbox(fx)
	if err != nil {
		return nil, err
	}
	if err := s.SetLatency(context.Background(), latency); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// zoneLookupPath is the zone lookup's path, which the emulator answers
// without authentication or thread slot (ref §1).
const zoneLookupPath = sandbox.AutotaskZoneLookupPath + "v1.0/zoneInformation"

// SetLatency makes every Autotask request take at least latency from now
// on, as real Autotask's do (0 removes it): authenticated requests wait
// while they hold their thread slot (the emulator's request delay), so a
// client that sent more than the thread limit to one endpoint would be
// refused, and the zone lookup is delayed through the sandbox's latency
// injection (POST /_sandbox/latency). Petra answers without added delay.
func (s *Sandbox) SetLatency(ctx context.Context, latency time.Duration) error {
	s.sb.SetAutotaskRequestDelay(latency)
	rule := sandbox.LatencyRule{Path: zoneLookupPath, DelayMs: int(latency.Milliseconds())}
	if err := s.Admin.SetLatency(ctx, rule); err != nil {
		return fmt.Errorf("setting the zone lookup's latency: %w", err)
	}
	return nil
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
