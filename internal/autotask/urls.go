package autotask

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// apiVersionSegment is the version path segment appended to a zone URL
// (ref §3, VERIFIED; routing is case-insensitive, INFERRED (ref §1)).
const apiVersionSegment = "V1.0/"

// normaliseServiceURL checks a configured or discovered Autotask URL and
// returns it with a trailing slash. Only https is accepted, except plain http
// to loopback hosts (a local sandbox).
func normaliseServiceURL(what, raw, example string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("the Autotask %s %q is not an absolute http(s) URL; use something like %q", what, raw, example)
	}
	if u.User != nil {
		return "", fmt.Errorf("the Autotask %s must not contain credentials (user:password@); Autotask takes them as headers", what)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("the Autotask %s %q must not have a query string or fragment; use something like %q", what, raw, example)
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return "", fmt.Errorf("the Autotask %s %q uses plain http; credentials are only sent over https "+
			"(plain http is allowed for localhost/127.0.0.1/::1 only)", what, raw)
	}
	p := u.Path
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	if strings.HasSuffix(strings.ToLower(p), "/v1.0/") {
		return "", fmt.Errorf("the Autotask %s %q must stop before the version segment: drop the trailing %q", what, raw, "V1.0/")
	}
	u.Path = p
	u.RawPath = ""
	return u.String(), nil
}

// lookupOnHostOf returns the zone lookup base on the host of a zone URL
// ("https://webservices14.autotask.net/ATServicesRest/" gives
// "https://webservices14.autotask.net/atservicesrest/"): any zone host
// answers the lookup (ref §1, VERIFIED (3rd-party)).
func lookupOnHostOf(zoneURL string) string {
	u, err := url.Parse(zoneURL)
	if err != nil {
		return DefaultZoneLookupURL
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/atservicesrest/"}).String()
}

// isLoopbackHost reports whether host is localhost or a loopback IP
// (127.0.0.0/8, ::1).
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sameOrigin reports whether a and b share scheme, host and port.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(hostPort(a), hostPort(b))
}

func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch strings.ToLower(u.Scheme) {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// endpointKey returns the Autotask "object endpoint" a request path counts
// against for thread limiting: the lower-cased segment right after "V1.0/".
// Child routes (/V1.0/Contracts/5/Services) count against their parent
// ("contracts"); paging URLs (/V1.0/Companies/query/next) against their
// entity. It returns "" for paths that are exempt (zone lookup, version list).
//
// INFERRED (ref §6): what Autotask calls an "object endpoint" is assumed to be
// the top-level entity of the route.
func endpointKey(path string) string {
	lower := strings.ToLower(path)
	i := strings.Index(lower, "/v1.0/")
	if i < 0 {
		return ""
	}
	rest := lower[i+len("/v1.0/"):]
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		rest = rest[:j]
	}
	if rest == "zoneinformation" { // exempt from thread limits (ref §1, VERIFIED)
		return ""
	}
	return rest
}

var entityNameRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)

// checkEntity rejects entity names that are not a single path segment of
// letters and digits (e.g. "Companies", "ContractServiceUnits").
func checkEntity(name string) error {
	if !entityNameRe.MatchString(name) {
		return fmt.Errorf("%q is not an Autotask entity name; use the plural entity name as in the URL, such as %q",
			name, "Companies")
	}
	return nil
}
