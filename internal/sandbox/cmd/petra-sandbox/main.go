// Command petra-sandbox runs the local Autotask + Petra sandbox in the
// foreground (`make sandbox`). It listens on $SANDBOX_ADDR (default
// 127.0.0.1:8089), loads $SANDBOX_FIXTURE or the built-in demo fixture (or,
// with -tenants N, generates an MSP of N tenants; see -help), prints the URLs
// and demo credentials, and stops on SIGINT/SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	// The IANA time zone database, embedded: a fixture's Autotask timeZone
	// (and the admin API's) must load on machines without a system zone
	// database, as the provider's time_zone does.
	_ "time/tzdata"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// defaultAddr is the listen address when neither -addr nor SANDBOX_ADDR is set.
const defaultAddr = "127.0.0.1:8089"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "petra-sandbox:", err)
		os.Exit(1)
	}
}

// config is the resolved command line.
type config struct {
	addr        string
	fixture     string
	allowRemote bool
	logRequests bool
	scale       scaleFlags
}

func parseArgs(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("petra-sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := config{}
	fs.StringVar(&c.addr, "addr", "", "listen address (default $SANDBOX_ADDR or "+defaultAddr+")")
	fs.StringVar(&c.fixture, "fixture", "", "fixture JSON file (default $SANDBOX_FIXTURE or the built-in demo fixture)")
	fs.BoolVar(&c.allowRemote, "allow-remote", false, "allow a non-loopback listen address (the sandbox serves demo credentials to anyone who can reach it)")
	fs.BoolVar(&c.logRequests, "log-requests", true, "print one line per API request")
	c.scale.register(fs)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q; use -addr and -fixture", fs.Arg(0))
	}
	if c.addr == "" {
		c.addr = getenv("SANDBOX_ADDR")
	}
	if c.addr == "" {
		c.addr = defaultAddr
	}
	if c.fixture == "" {
		c.fixture = getenv("SANDBOX_FIXTURE")
	}
	if err := c.scale.check(c.fixture); err != nil {
		return c, err
	}
	return c, nil
}

// checkLoopback refuses non-loopback addresses unless allowed.
func checkLoopback(addr string, allow bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen address %q: %w (use host:port, e.g. %s)", addr, err, defaultAddr)
	}
	if allow {
		return nil
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("refusing to listen on %q: it is not a loopback address and the sandbox hands out demo credentials; use 127.0.0.1 or pass -allow-remote", addr)
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := parseArgs(args, getenv, stderr)
	if err != nil {
		return err
	}
	if err := checkLoopback(c.addr, c.allowRemote); err != nil {
		return err
	}
	fx := sandbox.DemoFixture()
	source := "built-in demo fixture"
	if c.scale.tenants > 0 {
		if fx, source, err = c.scale.fixture(); err != nil {
			return err
		}
	} else if c.fixture != "" {
		if fx, err = sandbox.LoadFixture(c.fixture); err != nil {
			return err
		}
		source = c.fixture
	}
	opts := sandbox.Options{Fixture: fx}
	if c.logRequests {
		opts.Logger = stdout
	}
	sb, err := sandbox.New(opts)
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", c.addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w (is another sandbox running? set SANDBOX_ADDR or -addr to another port)", c.addr, err)
	}
	srv := &http.Server{Handler: sb.Handler(), ReadHeaderTimeout: 10 * time.Second}
	// The banner goes out before serving starts, so request log lines never
	// interleave with it; early connections wait in the listen backlog.
	printBanner(stdout, sandbox.EndpointsFor("http://"+ln.Addr().String()), sb, source)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	select {
	case err := <-serveErr:
		return fmt.Errorf("server stopped: %w", err)
	case <-ctx.Done():
	}
	fmt.Fprintln(stdout, "shutting down")
	sb.Close() // writes held by late-commit faults never land
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func printBanner(w io.Writer, ep sandbox.Endpoints, sb *sandbox.Sandbox, source string) {
	cr := sb.Credentials()
	fmt.Fprintf(w, "Petra + Autotask sandbox (%s, today %s)\n\n", source, sb.Today().Format("2006-01-02"))
	fmt.Fprintf(w, "  Autotask zone lookup: %s\n", ep.AutotaskZoneLookupURL)
	fmt.Fprintf(w, "  Autotask zone URL:    %s\n", ep.AutotaskBaseURL)
	fmt.Fprintf(w, "  Petra API:            %s\n", ep.PetraBaseURL)
	fmt.Fprintf(w, "  Admin API:            %s (GET %s/info)\n\n", ep.AdminURL, ep.AdminURL)
	if cr.Username != "" {
		fmt.Fprintf(w, "Sandbox credentials (public demo values, never real secrets):\n")
		fmt.Fprintf(w, "  Autotask username:         %s\n", cr.Username)
		fmt.Fprintf(w, "  Autotask secret:           %s\n", cr.Secret)
		fmt.Fprintf(w, "  Autotask integration code: %s\n", cr.IntegrationCode)
	} else {
		fmt.Fprintf(w, "The fixture has no active \"API User (system)\" Autotask user.\n")
	}
	if cr.PetraAPIKey != "" {
		fmt.Fprintf(w, "  Petra API key:             %s\n", cr.PetraAPIKey)
	}
	fmt.Fprintf(w, "\nPaste into your shell:\n")
	if cr.Username != "" {
		fmt.Fprintf(w, "  export AUTOTASK_USERNAME=%s\n", shellQuote(cr.Username))
		fmt.Fprintf(w, "  export AUTOTASK_SECRET=%s\n", shellQuote(cr.Secret))
		fmt.Fprintf(w, "  export AUTOTASK_INTEGRATION_CODE=%s\n", shellQuote(cr.IntegrationCode))
	}
	fmt.Fprintf(w, "  export AUTOTASK_ZONE_LOOKUP_URL=%s\n", shellQuote(ep.AutotaskZoneLookupURL))
	if cr.PetraAPIKey != "" {
		fmt.Fprintf(w, "  export PETRA_API_KEY=%s\n", shellQuote(cr.PetraAPIKey))
	}
	fmt.Fprintf(w, "  export PETRA_API_URL=%s\n\n", shellQuote(ep.PetraBaseURL))
	fmt.Fprintln(w, "sandbox ready")
}

// shellQuote single-quotes v for POSIX shells.
func shellQuote(v string) string {
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}
