package autotask

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testUser   = "api.user@example.com"
	testSecret = "s3cr3t-Value-XYZ"
	testCode   = "INTEGRATIONCODE27CHARSXXXXX"
)

// rec is one request the fake server saw.
type rec struct {
	Method, Path, RawQuery string
	Body                   []byte
	Header                 http.Header
}

// recorder collects requests.
type recorder struct {
	mu   sync.Mutex
	reqs []rec
}

func (r *recorder) all() []rec {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]rec(nil), r.reqs...)
}

func (r *recorder) count(method, pathSuffix string) int {
	n := 0
	for _, q := range r.all() {
		if q.Method == method && strings.HasSuffix(strings.ToLower(q.Path), strings.ToLower(pathSuffix)) {
			n++
		}
	}
	return n
}

// newServer starts an httptest server that records every request and then
// calls h.
func newServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *recorder) {
	t.Helper()
	rc := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, rec{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Body: body, Header: r.Header.Clone()})
		rc.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, rc
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErrors(w http.ResponseWriter, status int, msgs ...string) {
	writeJSON(w, status, map[string]any{"errors": msgs})
}

// sleeps records the waits the client asked for, without waiting.
type sleeps struct {
	mu sync.Mutex
	ds []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.ds = append(s.ds, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.ds...)
}

// logBuffer is a Logger that keeps every line.
type logBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (l *logBuffer) add(level, msg string, kv []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("%s %s %v", level, msg, kv))
}

func (l *logBuffer) Debug(msg string, kv ...any) { l.add("DEBUG", msg, kv) }
func (l *logBuffer) Info(msg string, kv ...any)  { l.add("INFO", msg, kv) }
func (l *logBuffer) Warn(msg string, kv ...any)  { l.add("WARN", msg, kv) }
func (l *logBuffer) Error(msg string, kv ...any) { l.add("ERROR", msg, kv) }

func (l *logBuffer) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// assertNoCredentials fails when a credential appears in the log text.
func assertNoCredentials(t *testing.T, text string) {
	t.Helper()
	for name, v := range map[string]string{"secret": testSecret, "integration code": testCode, "username": testUser,
		"escaped username": "api.user%40example.com"} {
		if strings.Contains(text, v) {
			t.Errorf("the %s leaked into the log:\n%s", name, text)
		}
	}
}

// harness is a client wired to a fake server, with recorded waits and logs.
type harness struct {
	c      *Client
	srv    *httptest.Server
	reqs   *recorder
	sleeps *sleeps
	logs   *logBuffer
}

// newHarness starts a server running h and a client using it as BaseURL
// (no zone discovery). Every test using it also checks that no credential
// reached the log.
func newHarness(t *testing.T, h http.HandlerFunc, opts ...func(*Config)) *harness {
	t.Helper()
	srv, rc := newServer(t, h)
	hs := &harness{srv: srv, reqs: rc, sleeps: &sleeps{}, logs: &logBuffer{}}
	cfg := Config{
		Username:        testUser,
		Secret:          testSecret,
		IntegrationCode: testCode,
		BaseURL:         srv.URL + "/ATServicesRest/",
		Logger:          hs.logs,
		Sleep:           hs.sleeps.sleep,
		RetryMax:        3,
	}
	for _, o := range opts {
		o(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hs.c = c
	t.Cleanup(func() { assertNoCredentials(t, hs.logs.text()) })
	return hs
}

func decodeReqBody(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("request body %q is not a JSON object: %v", b, err)
	}
	return m
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return string(b)
}
