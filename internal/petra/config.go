package petra

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults applied by New when the matching Config field is zero.
const (
	// DefaultBaseURL is Petra's public API host.
	DefaultBaseURL = "https://api.petrasecurity.com"
	// DefaultUserAgent is sent when Config.UserAgent is empty. Petra rejects
	// requests without a User-Agent.
	DefaultUserAgent = "terraform-provider-petra-client"
	// DefaultRequestsPerMinute is Petra's per-route limit for every route
	// but /v1/billable-users (RouteLimits). INFERRED (ref §A1): /v1/usage has
	// no documented limit and is assumed to share the 10/min figure.
	DefaultRequestsPerMinute = 10
	// DefaultBillableUsersPerMinute is Petra's limit for /v1/billable-users:
	// its OpenAPI page says 1 request per minute (its HTML page says 10; the
	// stricter figure is the one a client can rely on).
	DefaultBillableUsersPerMinute = 1
	// DefaultMaxRetries is how many times a request is retried after a 429,
	// 5xx or network failure.
	DefaultMaxRetries = 3
	// DefaultMaxWait caps how long the client honours a 429's advertised wait.
	DefaultMaxWait = 90 * time.Second
	// DefaultRequestTimeout bounds each HTTP attempt.
	DefaultRequestTimeout = 30 * time.Second
)

// Config holds the settings for New. Only APIKey is required.
type Config struct {
	// APIKey is the Petra organization API key (sent as a Bearer token).
	APIKey string
	// BaseURL is the API root, default DefaultBaseURL. It must use https,
	// except for loopback hosts (127.0.0.0/8, ::1, localhost) such as the
	// local sandbox. A path prefix is kept: routes are appended as "/v1/...".
	BaseURL string
	// UserAgent is sent on every request, default DefaultUserAgent.
	UserAgent string
	// HTTPClient performs the requests; default is a dedicated client with
	// a clone of http.DefaultTransport. The client is copied: its redirect
	// policy and Timeout are replaced (redirects are never followed, each
	// attempt is bounded by RequestTimeout), and a transport that skips TLS
	// verification is refused.
	HTTPClient *http.Client
	// Logger receives diagnostics; default discards them.
	Logger Logger
	// RequestsPerMinute, when set, is the most requests sent to every route in
	// any rolling 60-second window, replacing Petra's per-route limits
	// (DefaultRouteLimits). For a server that allows more than Petra does,
	// such as a sandbox with raised limits.
	RequestsPerMinute int
	// RouteLimits sets the limit of single routes ("/v1/billable-users"),
	// over RequestsPerMinute and the defaults.
	RouteLimits map[string]int
	// MaxRetries is how many retries follow a 429, 5xx or network failure;
	// 0 means DefaultMaxRetries and a negative value disables retries.
	MaxRetries int
	// MaxWait caps the wait honoured after a 429; default DefaultMaxWait.
	MaxWait time.Duration
	// RequestTimeout bounds each HTTP attempt; default DefaultRequestTimeout.
	RequestTimeout time.Duration
	// Clock supplies time for pacing and retry waits; default the wall clock.
	Clock Clock
}

// settings is a validated Config with defaults applied.
type settings struct {
	apiKey     string
	base       *url.URL
	userAgent  string
	httpClient *http.Client
	logger     Logger
	limits     map[string]int // route -> requests per rolling minute
	maxRetries int
	maxWait    time.Duration
	timeout    time.Duration
	clock      Clock
}

const keyHelp = "create one in Petra under Settings -> API Keys (only Admins can create keys, and a key is shown only once) " +
	"and set it as api_key in the provider's petra block or the PETRA_API_KEY environment variable"

func (cfg Config) resolve() (*settings, error) {
	s := &settings{
		apiKey:     cfg.APIKey,
		userAgent:  strings.TrimSpace(cfg.UserAgent),
		httpClient: cfg.HTTPClient,
		logger:     cfg.Logger,
		maxRetries: cfg.MaxRetries,
		maxWait:    cfg.MaxWait,
		timeout:    cfg.RequestTimeout,
		clock:      cfg.Clock,
	}
	if err := checkAPIKey(cfg.APIKey); err != nil {
		return nil, err
	}
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	s.base = base
	if s.userAgent == "" {
		s.userAgent = DefaultUserAgent
	}
	if strings.ContainsAny(s.userAgent, "\r\n") {
		return nil, errors.New("petra: the User-Agent must be a single line; remove line breaks from it")
	}
	if s.httpClient == nil {
		s.httpClient = &http.Client{}
		if t, ok := http.DefaultTransport.(*http.Transport); ok {
			s.httpClient.Transport = t.Clone()
		}
	} else {
		hc := *s.httpClient // never change the caller's client
		s.httpClient = &hc
	}
	if t, ok := s.httpClient.Transport.(*http.Transport); ok && t.TLSClientConfig != nil && t.TLSClientConfig.InsecureSkipVerify {
		return nil, errors.New("petra: the HTTP client disables TLS certificate verification (InsecureSkipVerify); " +
			"the Petra client never sends the API key without verifying the server, so remove that setting")
	}
	// Never follow redirects: the Authorization header would go with them. A
	// 3xx surfaces as an *APIError naming the status.
	s.httpClient.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	// Each attempt has its own deadline (RequestTimeout); an overall client
	// timeout would cut waits between retries short.
	s.httpClient.Timeout = 0
	if s.logger == nil {
		s.logger = nopLogger{}
	}
	if cfg.RequestsPerMinute < 0 {
		return nil, fmt.Errorf("petra: RequestsPerMinute is %d; it must be positive, or 0 for Petra's own per-route limits",
			cfg.RequestsPerMinute)
	}
	s.limits = DefaultRouteLimits()
	if cfg.RequestsPerMinute > 0 {
		for r := range s.limits {
			s.limits[r] = cfg.RequestsPerMinute
		}
	}
	for r, n := range cfg.RouteLimits {
		if _, known := s.limits[r]; !known {
			return nil, fmt.Errorf("petra: RouteLimits names %q, which is not a Petra route; use %s", r, strings.Join(routes(), ", "))
		}
		if n <= 0 {
			return nil, fmt.Errorf("petra: RouteLimits[%q] is %d; it must be positive", r, n)
		}
		s.limits[r] = n
	}
	switch {
	case s.maxRetries == 0:
		s.maxRetries = DefaultMaxRetries
	case s.maxRetries < 0:
		s.maxRetries = 0
	}
	if s.maxWait < 0 || s.timeout < 0 {
		return nil, errors.New("petra: MaxWait and RequestTimeout must not be negative")
	}
	if s.maxWait == 0 {
		s.maxWait = DefaultMaxWait
	}
	if s.timeout == 0 {
		s.timeout = DefaultRequestTimeout
	}
	if s.clock == nil {
		s.clock = realClock{}
	}
	return s, nil
}

// DefaultRouteLimits returns Petra's documented limits, requests per rolling
// minute for each route (petra-api.md §A1): /v1/billable-users 1, every
// other route 10. The sandbox keeps its own copy of these figures on
// purpose: it is set to other limits in tests, and the client must cope.
func DefaultRouteLimits() map[string]int {
	return map[string]int{
		RouteTenants:       DefaultRequestsPerMinute,
		RouteUsage:         DefaultRequestsPerMinute,
		RouteBillableUsers: DefaultBillableUsersPerMinute,
	}
}

// routes lists the routes the client calls, sorted.
func routes() []string { return []string{RouteBillableUsers, RouteTenants, RouteUsage} }

// checkAPIKey rejects keys that cannot be right, without echoing the key.
func checkAPIKey(key string) error {
	if strings.TrimSpace(key) == "" {
		return errors.New("petra: no Petra API key is set; " + keyHelp)
	}
	if len(key) >= 7 && strings.EqualFold(key[:7], "bearer ") {
		return errors.New(`petra: the Petra API key starts with "Bearer "; set only the key itself (for example petra_...), the client adds the Bearer prefix`)
	}
	if strings.IndexFunc(key, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return errors.New("petra: the Petra API key contains spaces, line breaks or control characters; copy the key again without surrounding text")
	}
	return nil
}

// parseBaseURL validates the API root and strips a trailing slash from its path.
func parseBaseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("petra: the Petra API URL %q is not an absolute URL; use the form %s (or leave it unset)", raw, DefaultBaseURL)
	}
	if u.User != nil {
		return nil, errors.New("petra: the Petra API URL must not contain a user name or password; set the API key with api_key or PETRA_API_KEY instead")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("petra: the Petra API URL %q must not contain a query or fragment; use the form %s", raw, DefaultBaseURL)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("petra: the Petra API URL %q uses plain http, which would send the API key unencrypted; "+
				"use https (http is allowed only for loopback hosts such as 127.0.0.1, ::1 or localhost)", raw)
		}
	default:
		return nil, fmt.Errorf("petra: the Petra API URL %q must start with https://", raw)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// isLoopback reports whether host is localhost or a loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
