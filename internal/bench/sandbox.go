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
		srv:         srv,
	}, nil
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
